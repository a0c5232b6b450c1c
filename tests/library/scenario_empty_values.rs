//! Emptying any value of a valid scenario (`duration:` with nothing after it) either makes
//! it invalid or leaves every signal, alert and fault in place: an item must never vanish
//! silently from a scenario that still checks as valid.

use std::path::Path;

fn fixed_env(name: &str) -> Option<String> {
    (name == "HOME").then(|| "/home/operator".to_string())
}

fn counts(s: &gameday::scenario::Scenario) -> (usize, usize, usize, usize, usize) {
    (
        s.steady_state.len(),
        s.alerts.len(),
        s.faults.len(),
        s.pods.len(),
        s.notify.len(),
    )
}

#[test]
fn an_emptied_value_never_drops_an_item() {
    let mut checked = 0;
    for file in [
        "tests/fixtures/valid/full.yaml",
        "tests/fixtures/valid/basic-auth.yaml",
        "tests/fixtures/valid/percent-and-aliases.yaml",
    ] {
        let text = std::fs::read_to_string(file).unwrap();
        let base = Path::new("tests/fixtures/valid");
        let whole = gameday::scenario::parse_str(&text, file, base, &fixed_env).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some((key, value)) = line.split_once(": ") else {
                continue;
            };
            if value.trim().is_empty()
                || value.starts_with(['|', '>'])
                || key.trim_start().starts_with('#')
            {
                continue;
            }
            let mut damaged = lines.clone();
            let emptied = format!("{key}:");
            damaged[i] = &emptied;
            let damaged = damaged.join("\n");
            checked += 1;
            if let Ok(s) = gameday::scenario::parse_str(&damaged, file, base, &fixed_env) {
                assert_eq!(
                    counts(&s),
                    counts(&whole),
                    "{file}:{}: `{emptied}` dropped an item and the scenario is still valid",
                    i + 1
                );
            }
        }
    }
    assert!(checked > 50, "only {checked} values emptied");
}

/// An empty `kubernetes:` is the kubeconfig's defaults, as `kubernetes: {}` is; an empty
/// `prometheus:` is refused (it has no url), never a promql signal with nowhere to ask.
#[test]
fn empty_sections_mean_defaults_or_are_refused() {
    let base = Path::new("tests/fixtures/valid");
    let text = std::fs::read_to_string("tests/fixtures/valid/empty-kubernetes.yaml").unwrap();
    let s = gameday::scenario::parse_str(&text, "k.yaml", base, &fixed_env).unwrap();
    let k = s.kubernetes.expect("kubernetes: means the defaults");
    assert_eq!((k.context, k.namespace), (None, None));
    let text = std::fs::read_to_string("tests/fixtures/invalid/empty-prometheus.yaml").unwrap();
    let problems = gameday::scenario::parse_str(&text, "p.yaml", base, &fixed_env).unwrap_err();
    assert!(
        problems[0].message.starts_with("prometheus: is empty"),
        "{problems:?}"
    );
}
