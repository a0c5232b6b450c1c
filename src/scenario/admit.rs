//! What a scenario must not hold to be run, beyond what reading it needs: names that
//! would carry a secret or look like another name, and literal secrets that redaction
//! cannot hide. `check`, `plan` and `run` refuse these when they load a file; `recover`
//! and `report`, which read back the scenario of a run that already happened, do not, so
//! a run made before a rule existed can still be reverted.
//!
//! Problems and warnings quote values after `${VAR}` expansion; [`hide_secrets`] shows a
//! secret from the environment as its reference instead (`${DB_PASSWORD}`).

use crate::scenario::secrets::{text_secrets, SecretRef, TextSecrets};
use crate::yaml::expand::{expand, references};
use crate::yaml::{parse_yaml_raw, quoted, Node, Pos, Value};

/// Messages by position.
pub type Messages = Vec<(Pos, String)>;

/// The refusals (problems) and warnings of the text.
pub fn admit(text: &str, env: &dyn Fn(&str) -> Option<String>) -> (Messages, Messages) {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let Some(root) = parse_yaml_raw(text).root else {
        return (problems, warnings);
    };
    let secrets = text_secrets(text, env);
    for (path, node, shown) in names(&root) {
        let Value::Scalar { text: raw, .. } = &node.value else {
            continue;
        };
        if let Some(r) = references(raw)
            .iter()
            .find(|r| secrets.is_secret_var(&r.name))
        {
            problems.push((
                node.pos,
                format!(
                    "{path}: takes the secret `${{{}}}`: a name is written as it is into the \
                     journal, the report, headless output and file names (the run \
                     directory, the charts), so a secret in it would leak; name it in \
                     plain words, and use the secret only where it is sent",
                    r.name
                ),
            ));
            continue;
        }
        if !shown {
            continue;
        }
        let name = expand(raw, env).unwrap_or_else(|_| raw.clone());
        if crate::text::unsafe_in_name(&name).is_some() {
            // refused by the parser already, as a control character
            continue;
        }
        if let Some(why) = crate::text::look_alike_in_name(&name) {
            problems.push((
                node.pos,
                format!(
                    "{path}: {why}; a name must read differently from every other on a \
                     screen and in the report, where this is invisible: remove it"
                ),
            ));
        }
    }
    for l in &secrets.unsafe_literals {
        if l.value.is_empty() {
            warnings.push((
                l.pos,
                format!(
                    "{}: is empty where a secret goes: nothing is sent or hidden; if the \
                     value comes from the environment, write it as a `${{VAR}}`",
                    l.path
                ),
            ));
        } else {
            problems.push((
                l.pos,
                format!(
                    "{}: the secret {} holds no letter or digit, so it cannot be told apart \
                     from the text around it: gameday could not keep it out of the journal \
                     and the report without masking every {} there; a secret needs a \
                     letter or a digit",
                    l.path,
                    quoted(&l.value),
                    quoted(&l.value)
                ),
            ));
        }
    }
    (problems, warnings)
}

/// The name values of a scenario: its own (`name`, which only holds a-z, 0-9 and `-`, so
/// only a secret can make it look like another) and those of its signals, faults, alerts
/// and milestones; with whether look-alike characters are to be looked for.
pub fn names(root: &Node) -> Vec<(String, &Node, bool)> {
    let mut out = Vec::new();
    let Value::Map(top) = &root.value else {
        return out;
    };
    for (k, v) in top {
        match k.name.as_str() {
            "name" => out.push(("name".to_string(), v, false)),
            list @ ("steady_state" | "faults" | "alerts") => {
                let Value::Seq(items) = &v.value else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    let Value::Map(entries) = &item.value else {
                        continue;
                    };
                    if let Some((_, n)) = entries.iter().find(|(k, _)| k.name == "name") {
                        out.push((format!("{list}[{i}].name"), n, true));
                    }
                }
            }
            // a milestone is a name alone, or a mapping with one
            "milestones" => {
                let Value::Seq(items) = &v.value else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    match &item.value {
                        Value::Scalar { .. } => out.push((format!("milestones[{i}]"), item, true)),
                        Value::Map(entries) => {
                            if let Some((_, n)) = entries.iter().find(|(k, _)| k.name == "name") {
                                out.push((format!("milestones[{i}].name"), n, true));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Every message with the secrets from the environment it would quote shown as their
/// references: a value quoted at the position of a scalar that holds a secret `${VAR}`
/// is shown as written (`interval: `${DB_PASSWORD}` is not a duration`), and a secret's
/// value quoted anywhere else as its reference (values of 4 characters or more: a
/// shorter one, such as `1`, would rewrite the paths and numbers of every message).
pub fn hide_secrets(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    messages: &mut [(Pos, String)],
) {
    if messages.is_empty() || !text.contains("${") {
        return;
    }
    let secrets = text_secrets(text, env);
    if secrets.refs.is_empty() && secrets.url_secrets.is_empty() {
        return;
    }
    let mut in_urls = crate::journal::redact::Redactor::new();
    for v in &secrets.url_secrets {
        in_urls.add(v.clone());
    }
    for (pos, msg) in messages.iter_mut() {
        let here: Vec<&SecretRef> = secrets.refs.iter().filter(|r| r.pos == *pos).collect();
        let mut swaps: Vec<(String, String)> = Vec::new();
        if let Some(first) = here.first() {
            if let Ok(expanded) = expand(&first.scalar, env) {
                swaps.push((quoted(&expanded), quoted(&first.scalar)));
                swaps.push((expanded, first.scalar.clone()));
            }
        }
        for r in &here {
            if let Some(v) = &r.value {
                swaps.push((v.clone(), r.written.clone()));
            }
        }
        swaps.extend(long_values(&secrets));
        for (value, shown) in swaps {
            if !value.is_empty() && value != shown && msg.contains(&value) {
                *msg = msg.replace(&value, &shown);
            }
        }
        // no reference names these: masked as the journal masks them, pieces that a
        // shortened quote cut included
        if let std::borrow::Cow::Owned(m) = in_urls.scrub(msg) {
            *msg = m;
        }
    }
}

/// A URL refused where its value came from the environment says so: the fix is in the
/// variable (`PROMETHEUS_URL=127.0.0.1:9091`), not in the file, where the line reads
/// `${PROMETHEUS_URL}`.
pub fn name_url_variables(text: &str, messages: &mut [(Pos, String)]) {
    const URL_WORDS: &str = "http:// or https:// URL";
    if !text.contains("${") || !messages.iter().any(|(_, m)| m.contains(URL_WORDS)) {
        return;
    }
    let Some(root) = parse_yaml_raw(text).root else {
        return;
    };
    for (pos, msg) in messages.iter_mut() {
        if !msg.contains(URL_WORDS) {
            continue;
        }
        let Some(raw) = scalar_at(&root, *pos) else {
            continue;
        };
        let names: Vec<String> = references(raw)
            .iter()
            .map(|r| format!("`{}`", r.name))
            .collect();
        if !names.is_empty() {
            msg.push_str(&format!(
                " (the value comes from the environment variable {}: correct it there)",
                names.join(", ")
            ));
        }
    }
}

/// The text of the scalar at `pos`, as written.
fn scalar_at(node: &Node, pos: Pos) -> Option<&str> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Scalar { text, .. } if n.pos == pos => return Some(text),
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    None
}

/// Each secret value of 4 characters or more and its reference, longest first.
fn long_values(secrets: &TextSecrets) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = secrets
        .refs
        .iter()
        .filter_map(|r| Some((r.value.clone()?, r.written.clone())))
        .filter(|(v, _)| v.chars().count() >= 4)
        .collect();
    out.sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "API_TOKEN" => Some("apitok-RR77".into()),
            "DB_PASSWORD" => Some("hunter22".into()),
            "KEY" => Some("k3y-2026".into()),
            "REGION" => Some("eu-west".into()),
            _ => None,
        }
    }

    fn run(text: &str) -> (Vec<String>, Vec<String>) {
        let (p, w) = admit(text, &env);
        let show = |v: Messages| {
            v.into_iter()
                .map(|(p, m)| format!("{}:{}: {m}", p.line, p.col))
                .collect()
        };
        (show(p), show(w))
    }

    #[test]
    fn a_secret_in_a_name_is_refused_whatever_makes_it_secret() {
        let text = "name: \"e-${API_TOKEN}\"\nhypothesis: h\nsteady_state:\n  - name: \"sig ${KEY}\"\n    command: echo 0\n  - name: \"in ${REGION}\"\n    command: echo 0\nfaults:\n  - name: f\n    duration: 1s\n    http:\n      inject: { url: \"http://h/x?api_key=${KEY}\" }\n";
        let (p, w) = run(text);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with("1:7: name: takes the secret `${API_TOKEN}`"),
            "{p:?}"
        );
        // KEY is secret because it is sent as a credential elsewhere
        assert!(
            p[1].starts_with("4:11: steady_state[0].name: takes the secret `${KEY}`"),
            "{p:?}"
        );
    }

    #[test]
    fn names_that_look_like_others_are_refused() {
        let text = "name: n\nhypothesis: h\nsteady_state:\n  - name: \"a\\u200Bb\"\n    command: echo 0\nfaults:\n  - name: \"x \"\n    duration: 1s\n    exec: { inject: \"true\" }\nalerts:\n  - name: \"\\uFEFFDown\"\n    within: 1m\n";
        let (p, _) = run(text);
        assert_eq!(
            p,
            vec![
                "4:11: steady_state[0].name: holds U+200B (a zero-width space) at character 2; a name must read differently from every other on a screen and in the report, where this is invisible: remove it",
                "7:11: faults[0].name: ends with a space; a name must read differently from every other on a screen and in the report, where this is invisible: remove it",
                "11:11: alerts[0].name: holds U+FEFF (a zero-width no-break space, or byte-order mark) at character 1; a name must read differently from every other on a screen and in the report, where this is invisible: remove it",
            ]
        );
    }

    #[test]
    fn literal_secrets_redaction_cannot_hide_are_refused() {
        let text = "name: n\nhypothesis: h\nfaults:\n  - name: f\n    duration: 1s\n    exec:\n      inject: \"true\"\n      env: { SECRET: \":\", G_TOKEN: \"::\", C_TOKEN: \" \", E_TOKEN: \"\", MASKED: \"***\", OK_TOKEN: \"a:\" }\n  - name: g\n    duration: 1s\n    http:\n      inject: { url: \"http://u::@h/x?token=-\", headers: { Authorization: \"Bearer :\" } }\n";
        let (p, w) = run(text);
        let paths: Vec<&str> = p.iter().map(|m| m.split(": ").nth(1).unwrap()).collect();
        assert_eq!(
            paths,
            vec![
                "faults[0].exec.env.SECRET",
                "faults[0].exec.env.G_TOKEN",
                "faults[0].exec.env.C_TOKEN",
                "faults[1].http.inject.url",
                "faults[1].http.inject.url",
                "faults[1].http.inject.headers.Authorization",
            ],
            "{p:#?}"
        );
        assert!(
            p[0].contains("the secret `:` holds no letter or digit"),
            "{}",
            p[0]
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("faults[0].exec.env.E_TOKEN: is empty where a secret goes"));
    }

    /// `check` quotes a refused URL back with its fix; from the environment, with
    /// spaces around it or a mistyped scheme, the quote and the fix are not the value
    /// whole, and neither may show the password in it.
    #[test]
    fn a_refused_url_from_the_environment_is_quoted_without_its_credentials() {
        let text = "name: n\nhypothesis: h\nprometheus:\n  url: ${PROM_URL}\n";
        for value in [
            " http://u:hunter22secret@127.0.0.1:9090 ",
            "htp://u:hunter22secret@127.0.0.1:9090",
            "http:/u:hunter22secret@127.0.0.1:9090",
            "http;//u:hunter22secret@127.0.0.1:9090",
            "u:hunter22secret@127.0.0.1:9090",
            "  http://127.0.0.1:9090/?x=1&token=hunter22secret-and-a-long-tail-to-cut-0123456789  ",
        ] {
            let env = |n: &str| (n == "PROM_URL").then(|| value.to_string());
            let problem = crate::yaml::read::http_url_problem(value).unwrap();
            assert!(
                problem.contains("hunter22"),
                "the test needs a quote: {problem}"
            );
            let mut msgs = vec![(Pos { line: 4, col: 8 }, problem)];
            hide_secrets(text, &env, &mut msgs);
            let shown = &msgs[0].1;
            assert!(!shown.contains("hunter"), "{value:?}: {shown}");
            assert!(shown.contains("***"), "{shown}");
        }
    }

    #[test]
    fn messages_show_references_not_secret_values() {
        let text = "name: n\nhypothesis: h\ninterval: ${DB_PASSWORD}\nsteady_state:\n  - name: s\n    command: echo 0\n    unit: \"x ${API_TOKEN}\"\n";
        let mut msgs = vec![
            (
                Pos { line: 3, col: 11 },
                "interval: `hunter22` is not a duration".to_string(),
            ),
            (
                Pos { line: 7, col: 11 },
                "steady_state[0].unit: found `x apitok-RR77`".to_string(),
            ),
            (
                Pos { line: 1, col: 1 },
                "elsewhere: hunter22 and apitok-RR77".to_string(),
            ),
        ];
        hide_secrets(text, &env, &mut msgs);
        assert_eq!(msgs[0].1, "interval: `${DB_PASSWORD}` is not a duration");
        assert_eq!(msgs[1].1, "steady_state[0].unit: found `x ${API_TOKEN}`");
        assert_eq!(msgs[2].1, "elsewhere: ${DB_PASSWORD} and ${API_TOKEN}");
    }
}
