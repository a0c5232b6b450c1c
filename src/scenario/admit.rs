//! Problems and warnings quote values after `${VAR}` expansion; [`hide_secrets`] shows a
//! secret from the environment as its reference instead (`${DB_PASSWORD}`).

use crate::journal::redact::{text_secrets, SecretRef, TextSecrets};
use crate::scenario::expand::expand;
use crate::scenario::yaml::{quoted, Pos};

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
    if secrets.refs.is_empty() {
        return;
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
    }
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
