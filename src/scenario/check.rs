//! `gameday check`: every problem of every file, one per line, in a form editors and CI
//! annotations understand (`FILE:LINE:COL: message`).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::model::Scenario;
use super::parse::load;
use crate::yaml::{parse_yaml, Node, Pos, Value};

/// Checks each file and prints its problems, or `FILE: ok (N signals, M faults)` and then
/// what keeps it from being a game day as written ([`not_ready`]), as warnings.
/// Returns true when every file is valid (and the report could be written).
pub fn check_files(
    paths: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> bool {
    let mut all_ok = true;
    for path in paths {
        let written = match load(path, env) {
            Ok(s) => {
                let mut warnings = s.warnings.clone();
                warnings.extend(not_ready_file(&s, path, env));
                writeln!(
                    out,
                    "{}: ok ({} signal{}, {} fault{}{})",
                    path.display(),
                    s.steady_state.len(),
                    if s.steady_state.len() == 1 { "" } else { "s" },
                    s.faults.len(),
                    if s.faults.len() == 1 { "" } else { "s" },
                    match warnings.len() {
                        0 => String::new(),
                        1 => ", 1 warning".to_string(),
                        n => format!(", {n} warnings"),
                    }
                )
                .and_then(|()| warnings.iter().try_for_each(|w| writeln!(out, "{w}")))
            }
            Err(problems) => {
                all_ok = false;
                problems.iter().try_for_each(|p| writeln!(out, "{p}"))
            }
        };
        if written.is_err() {
            return false;
        }
    }
    all_ok
}

/// [`not_ready`] for the valid scenario `s` loaded from `path`.
pub fn not_ready_file(
    s: &Scenario,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    // `load` has just read and accepted the file; reading it again only adds positions
    let text = std::fs::read_to_string(path).unwrap_or_default();
    not_ready(s, &text, &path.display().to_string(), env)
}

/// Placeholders the scenario generators write, and which one writes them.
const PLACEHOLDERS: &[(&str, &str)] = &[
    ("change-me", "gameday import litmus"),
    ("my-service", "gameday new"),
    ("my-dependency", "gameday new"),
    ("my-namespace", "gameday new"),
    ("my-team", "gameday new"),
];

/// What keeps a valid scenario from being a game day as written, one warning line each
/// (`FILE:LINE:COL: warning: ...`): no fault (nothing is injected), no steady-state
/// signal (nothing is measured), signals none of which has an `expect` and no expected
/// alert (nothing is judged), or a placeholder left by `gameday new` or `gameday import
/// litmus` in a value. `check` prints them and still exits 0; `run` refuses the
/// scenario with the same lines.
pub fn not_ready(
    s: &Scenario,
    text: &str,
    file: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<String> {
    let parsed = parse_yaml(text, env);
    let root = parsed.root.as_ref();
    let key_pos = |key: &str| {
        root.and_then(|r| match &r.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, _)| k.pos),
            _ => None,
        })
        .unwrap_or(Pos { line: 1, col: 1 })
    };
    let at = |pos: Pos, msg: String| format!("{file}:{}:{}: warning: {msg}", pos.line, pos.col);
    let mut warnings = Vec::new();
    if s.faults.is_empty() {
        warnings.push(at(
            key_pos("faults"),
            "no faults: the scenario injects nothing; add one under `faults:`".into(),
        ));
    }
    if s.steady_state.is_empty() {
        warnings.push(at(
            key_pos("steady_state"),
            "no steady_state signals: nothing is measured, so there is nothing to judge; add one under `steady_state:`".into(),
        ));
    } else if s.alerts.is_empty() && s.steady_state.iter().all(|sig| sig.expect.is_none()) {
        // every signal only watched: no rule of the verdict could refute, so a run would
        // say CONFIRMED ("every expectation held") about a service that was down
        warnings.push(at(
            key_pos("steady_state"),
            "nothing is judged: no signal has an `expect` and no alert is expected, so the verdict could only be CONFIRMED; give a signal an `expect` (or list an alert under `alerts:`)".into(),
        ));
    }
    if let Some(r) = root {
        let mut found = Vec::new();
        placeholders(r, "", &mut found);
        for (pos, path, token, by) in found {
            warnings.push(at(
                pos,
                format!("{path}: `{token}` is a placeholder left by `{by}`; replace it before the game day"),
            ));
        }
    }
    warnings
}

/// Every scalar value under `n` holding a placeholder, with its position and key path.
fn placeholders(n: &Node, path: &str, found: &mut Vec<(Pos, String, String, &'static str)>) {
    match &n.value {
        Value::Scalar { text, .. } => {
            let lower = text.to_ascii_lowercase();
            for (token, by) in PLACEHOLDERS {
                let mut from = 0;
                while let Some(i) = lower[from..].find(token) {
                    let start = from + i;
                    let end = start + token.len();
                    let word =
                        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-');
                    if !word(lower[..start].chars().next_back())
                        && !word(lower[end..].chars().next())
                    {
                        found.push((n.pos, path.to_string(), text[start..end].to_string(), by));
                        break;
                    }
                    from = end;
                }
            }
        }
        Value::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                placeholders(item, &format!("{path}[{i}]"), found);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries {
                let p = if path.is_empty() {
                    k.name.clone()
                } else {
                    format!("{path}.{}", k.name)
                };
                placeholders(v, &p, found);
            }
        }
        Value::Null | Value::Unresolved => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn warnings(text: &str) -> Vec<String> {
        let env = |_: &str| None;
        let s = super::super::parse_str(text, "s.yaml", Path::new("."), &env).unwrap();
        not_ready(&s, text, "s.yaml", &env)
    }

    #[test]
    fn a_scenario_that_can_do_nothing_is_named() {
        let w = warnings("name: x\nhypothesis: Nothing.\n");
        assert_eq!(
            w,
            vec![
                "s.yaml:1:1: warning: no faults: the scenario injects nothing; add one under `faults:`",
                "s.yaml:1:1: warning: no steady_state signals: nothing is measured, so there is nothing to judge; add one under `steady_state:`",
            ]
        );
    }

    #[test]
    fn a_scenario_that_judges_nothing_is_named() {
        let watched = "name: x\nhypothesis: It holds.\nsteady_state:\n  - name: up\n    command: echo 1\n  - name: errors\n    command: echo 0\nfaults:\n  - name: f\n    duration: 10s\n    exec: { inject: \"true\", revert: \"true\" }\n";
        assert_eq!(
            warnings(watched),
            vec!["s.yaml:3:1: warning: nothing is judged: no signal has an `expect` and no alert is expected, so the verdict could only be CONFIRMED; give a signal an `expect` (or list an alert under `alerts:`)"]
        );
        // one `expect`, or one expected alert, is something to judge
        let one = watched.replace(
            "command: echo 0\n",
            "command: echo 0\n    expect: \"< 1\"\n",
        );
        assert!(warnings(&one).is_empty(), "{:?}", warnings(&one));
        let alert = format!("{watched}prometheus: {{ url: \"http://p:9090\" }}\nalerts:\n  - name: Down\n    within: 5s\n");
        assert!(warnings(&alert).is_empty(), "{:?}", warnings(&alert));
    }

    /// The judging warnings `load` gives a valid scenario (beside [`not_ready`]'s).
    fn judging(text: &str) -> Vec<String> {
        let env = |_: &str| None;
        super::super::parse_str(text, "s.yaml", Path::new("."), &env)
            .unwrap()
            .warnings
    }

    const PROBED: &str = "name: x\nhypothesis: It holds.\nsteady_state:\n  - name: p99\n    http: { url: \"http://a/x\", every: 1s, timeout: 2s }\n    measure: p99\n    expect: \"EXPECT\"\nfaults:\n  - name: f\n    duration: 10s\n    exec: { inject: \"true\", revert: \"true\" }\nphases: { baseline: 10s, recovery: 60s }\n";

    #[test]
    fn a_latency_that_can_never_be_seen_is_named() {
        let w = judging(&PROBED.replace("EXPECT", "!= 2s"));
        assert_eq!(
            w,
            vec!["s.yaml:4:5: warning: `p99`: `!= 2s` can never be seen: the probe timeout is 2s, and an answer slower than the timeout is a failed probe (+Inf), so the value is never 2s and this always holds; raise `timeout` above 2s or use another criterion"]
        );
        assert_eq!(judging(&PROBED.replace("EXPECT", "!= 5s")).len(), 1);
        // below the timeout, a value of 1.5 s can be seen
        assert!(judging(&PROBED.replace("EXPECT", "!= 1500ms")).is_empty());
    }

    #[test]
    fn an_interval_no_shorter_than_the_baseline_is_named() {
        let text = PROBED.replace("EXPECT", "< 300ms");
        assert!(judging(&text).is_empty(), "{:?}", judging(&text));
        let w = judging(&text.replace("baseline: 10s", "baseline: 1s"));
        assert_eq!(
            w,
            vec!["s.yaml:4:5: warning: `p99`: its interval (1s) is not shorter than phases.baseline (1s): no sample may be taken in the baseline, so it has no baseline figure and the steady state cannot be seen before the trigger; make the baseline longer or the interval shorter"]
        );
        // a command signal's interval is the scenario's
        let cmd = "name: x\nhypothesis: It holds.\ninterval: 30s\nsteady_state:\n  - name: q\n    command: echo 1\n    expect: \"< 2\"\nfaults:\n  - name: f\n    duration: 10s\n    exec: { inject: \"true\", revert: \"true\" }\nphases: { baseline: 20s, recovery: 60s }\n";
        let w = judging(cmd);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("s.yaml:5:5: warning: `q`: its interval (30s)"),
            "{w:?}"
        );
    }

    #[test]
    fn a_probe_timeout_of_zero_is_refused() {
        let env = |_: &str| None;
        let text = PROBED
            .replace("EXPECT", "< 300ms")
            .replace("timeout: 2s", "timeout: 0s");
        let e = super::super::parse_str(&text, "s.yaml", Path::new("."), &env).unwrap_err();
        let lines: Vec<String> = e.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            lines,
            vec!["s.yaml:5:43: steady_state[0].http.timeout: must be more than 0s (a probe that may not wait fails before any answer can come)"]
        );
    }

    #[test]
    fn placeholders_are_found_where_they_are_and_only_as_words() {
        let text = "name: x\nhypothesis: If it breaks, it holds, because CHANGE-ME (say why).\nkubernetes: {}\nsteady_state:\n  - name: up\n    command: echo 1\n    expect: \"< 2\"\nfaults:\n  - name: f\n    duration: 10s\n    pod_delete: { selector: app=change-me }\n  - name: g\n    duration: 10s\n    pod_delete: { selector: app=my-services }\n";
        let w = warnings(text);
        assert_eq!(
            w,
            vec![
                "s.yaml:2:13: warning: hypothesis: `CHANGE-ME` is a placeholder left by `gameday import litmus`; replace it before the game day",
                "s.yaml:11:29: warning: faults[0].pod_delete.selector: `change-me` is a placeholder left by `gameday import litmus`; replace it before the game day",
            ],
            "my-services is a real name, not the placeholder my-service"
        );
    }
}
