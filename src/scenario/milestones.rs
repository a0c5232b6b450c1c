//! `milestones:`: what the people mark live (`detected`, `mitigated`, `communicated`...),
//! each a name alone or a name with a target, `within`, counted from the first trigger.
//!
//! ```yaml
//! milestones:
//!   - name: detected
//!     within: 5m
//!   - mitigated
//! ```
//!
//! Names are typed (`/milestone detected`), listed in a dialog and written into the
//! journal and the report, so they are held to the rules of every other name: one line of
//! printable text, unique, and (when a scenario is to be run) nothing that looks like
//! another name (see `admit`).

use std::time::Duration;

use super::model::Milestone;
use crate::milestones::MAX_NAME;
use crate::units::duration::format_duration;
use crate::yaml::read::{duration, fields, required_text, Ctx, Fields};
use crate::yaml::{Node, Pos, Value};

/// Reads `milestones:` of the scenario `f`, reporting every problem with its position.
/// `least_run`: how long the run lasts at least from the first trigger (its faults and
/// its recovery), when it has faults: a target longer than that is warned about.
pub(crate) fn parse(cx: &mut Ctx, f: &Fields, least_run: Option<Duration>) -> Vec<Milestone> {
    let Some(list) = f.get("milestones") else {
        return Vec::new();
    };
    let Value::Seq(items) = &list.value else {
        cx.err(
            list.pos,
            format!(
                "milestones: expected a list of milestones like `- detected` or \
                 `- {{name: mitigated, within: 15m}}`, found {}",
                list.describe()
            ),
        );
        return Vec::new();
    };
    let mut out: Vec<Milestone> = Vec::new();
    let mut seen: Vec<(String, Pos)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("milestones[{i}]");
        let Some((m, pos)) = milestone(cx, item, &path) else {
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == m.name) {
            cx.err(
                pos,
                format!(
                    "{path}: a milestone named `{}` already exists (line {}); milestone \
                     names must be unique, each is marked once",
                    m.name, first.line
                ),
            );
            continue;
        }
        if let (Some(w), Some(run)) = (m.within, least_run) {
            if w > run {
                cx.warn(
                    pos,
                    format!(
                        "milestone {}: `within: {}` may outlast the run (its faults and \
                         recovery take {} from the first trigger): if it is not marked by \
                         the end, the report cannot say whether the target was met",
                        // a name holding backticks gets a longer fence, not a broken quote
                        crate::text::code_span(&m.name),
                        format_duration(w),
                        format_duration(run)
                    ),
                );
            }
        }
        seen.push((m.name.clone(), pos));
        out.push(m);
    }
    out
}

/// One item, and where its name is.
fn milestone(cx: &mut Ctx, item: &Node, path: &str) -> Option<(Milestone, Pos)> {
    match &item.value {
        // reported where it could not be expanded
        Value::Unresolved => None,
        Value::Null => {
            cx.err(
                item.pos,
                format!("{path}: is empty; give a name like `detected`, or {{name, within}}"),
            );
            None
        }
        Value::Scalar { text, .. } => {
            let name = checked_name(cx, text, item.pos, path)?;
            Some((Milestone { name, within: None }, item.pos))
        }
        Value::Map(_) => {
            let f = fields(cx, item, path, &["name", "within"])?;
            let name = required_text(
                cx,
                &f,
                "name",
                "say what people do, e.g. `detected` or `mitigated`",
            );
            let name_pos = f.get("name").map_or(f.pos, |n| n.pos);
            let name = name.and_then(|n| checked_name(cx, &n, name_pos, &f.path_of("name")));
            let within = duration(cx, &f, "within");
            if within.is_some_and(|w| w.is_zero()) {
                cx.err(
                    f.get("within").map_or(f.pos, |n| n.pos),
                    format!(
                        "{path}.within: must be more than 0s: nobody marks a milestone at the \
                         very moment of the trigger"
                    ),
                );
                return None;
            }
            // a `within` that did not read is reported; the milestone is still a name
            let bad_within = f.get("within").is_some() && within.is_none();
            let name = name?;
            if bad_within {
                return None;
            }
            Some((Milestone { name, within }, name_pos))
        }
        Value::Seq(_) => {
            cx.err(
                item.pos,
                format!(
                    "{path}: expected a milestone name or {{name, within}}, found {}",
                    item.describe()
                ),
            );
            None
        }
    }
}

/// A name as every name is checked: not empty, one line of printable text, not too long.
fn checked_name(cx: &mut Ctx, name: &str, pos: Pos, path: &str) -> Option<String> {
    if name.trim().is_empty() {
        cx.err(
            pos,
            format!("{path}: is empty; give a name like `detected`"),
        );
        return None;
    }
    if let Some((i, c)) = crate::text::unsafe_in_name(name) {
        cx.err(
            pos,
            format!(
                "{path}: holds {} at character {}; names are shown on terminals and in \
                 reports, so they must be one line of printable text: remove it",
                crate::text::describe_char(c),
                i + 1
            ),
        );
        return None;
    }
    let n = name.chars().count();
    if n > MAX_NAME {
        cx.err(
            pos,
            format!(
                "{path}: is {n} characters; at most {MAX_NAME}: a milestone's name is typed \
                 after /milestone and listed in a dialog"
            ),
        );
        return None;
    }
    Some(name.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::scenario::parse_str;

    const HEAD: &str = "name: m\nhypothesis: h\nfaults:\n  - name: f\n    duration: 1m\n    exec: { inject: \"true\", revert: \"true\" }\nphases: { baseline: 1m, recovery: 1m }\n";

    #[test]
    fn a_name_alone_or_with_a_target_and_a_warning_for_a_target_past_the_run() {
        let text = format!(
            "{HEAD}milestones:\n  - detected\n  - {{ name: mitigated, within: 90s }}\n  - name: resolved\n    within: 3m\n  - {{ name: escalated, within: }}\n"
        );
        let s = parse_str(&text, "m.yaml", Path::new("."), &|_| None).unwrap();
        let got: Vec<(&str, Option<Duration>)> = s
            .milestones
            .iter()
            .map(|m| (m.name.as_str(), m.within))
            .collect();
        assert_eq!(
            got,
            vec![
                ("detected", None),
                ("mitigated", Some(Duration::from_secs(90))),
                ("resolved", Some(Duration::from_secs(180))),
                ("escalated", None),
            ]
        );
        // the fault and the recovery take 2m: a 3m target may never be judged
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(
            s.warnings[0].starts_with(
                "m.yaml:11:11: warning: milestone `resolved`: `within: 3m` may outlast the run"
            ),
            "{:?}",
            s.warnings
        );
        // no faults, no run to outlast: nothing to warn about
        let text = "name: m\nhypothesis: h\nmilestones:\n  - { name: detected, within: 1h }\n";
        let s = parse_str(text, "m.yaml", Path::new("."), &|_| None).unwrap();
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn a_secret_or_a_look_alike_in_a_milestone_name_is_refused_before_a_run() {
        let env = |name: &str| (name == "API_TOKEN").then(|| "tok-123456".to_string());
        let text = "name: m\nhypothesis: h\nfaults:\n  - name: f\n    duration: 1s\n    http:\n      inject: { url: \"http://h/x\", headers: { Authorization: \"Bearer ${API_TOKEN}\" } }\n      revert: { url: \"http://h/y\" }\nmilestones:\n  - \"paged ${API_TOKEN}\"\n  - { name: \"detected\\u00A0\" }\n";
        let (problems, _) = crate::scenario::admit::admit(text, &env);
        let shown: Vec<String> = problems
            .iter()
            .map(|(p, m)| format!("{}:{}: {m}", p.line, p.col))
            .collect();
        assert_eq!(shown.len(), 2, "{shown:#?}");
        assert!(
            shown[0].starts_with("10:5: milestones[0]: takes the secret `${API_TOKEN}`"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("11:13: milestones[1].name: holds U+00A0"),
            "{shown:#?}"
        );
    }
}
