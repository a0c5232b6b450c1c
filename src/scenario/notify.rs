//! `notify:`: the webhooks that tell the team what a run is doing (DESIGN §11).
//!
//! A webhook URL is a credential (whoever holds it can post to the channel), and the
//! scenario is journaled, reported and shared, so the scenario only names the
//! environment variable that holds it (`url_env`); a literal `url` is refused here with
//! what to write instead. Sending is `crate::notify`'s business, never this module's.

use crate::yaml::read::{fields_with_refused, list, required_text, Ctx, Fields};

/// At most this many webhooks: each is a task and a queue of its own during a run.
pub const MAX_TARGETS: usize = 8;

/// What a webhook is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotifyKind {
    /// A Slack-compatible incoming webhook: `{"text": ...}`, the text Slack-escaped.
    Slack,
    /// A plain JSON webhook: one structured object per event.
    Json,
}

impl NotifyKind {
    /// The scenario's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyKind::Slack => "slack",
            NotifyKind::Json => "json",
        }
    }
}

/// The kinds, in the order `check` lists them.
pub const KINDS: &[NotifyKind] = &[NotifyKind::Slack, NotifyKind::Json];

/// One webhook of `notify:`. It holds the variable's name, never the URL: a scenario
/// (and so everything made from it, `Debug` output included) never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    pub kind: NotifyKind,
    /// the environment variable holding the webhook URL
    pub url_env: String,
}

impl NotifyTarget {
    /// How messages, the journal and the report name the webhook at `index`: by its
    /// variable, `notify[0] (slack, $GAMEDAY_SLACK_URL)`.
    pub fn label(&self, index: usize) -> String {
        format!(
            "notify[{index}] ({}, ${})",
            self.kind.as_str(),
            self.url_env
        )
    }
}

/// Whether `name` can be an environment variable's name as a shell sets one.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

const TARGET_KEYS: &[&str] = &["kind", "url_env"];

/// The `notify:` list of the scenario's top level; every problem goes to `cx`.
pub(crate) fn parse(cx: &mut Ctx, top: &Fields) -> Vec<NotifyTarget> {
    let items = list(
        cx,
        top,
        "notify",
        "webhooks like {kind: slack, url_env: GAMEDAY_SLACK_URL}",
    );
    if items.len() > MAX_TARGETS {
        cx.err(
            top.key_pos("notify"),
            format!(
                "notify: lists {} webhooks; at most {MAX_TARGETS}: post to one channel that \
                 the others follow",
                items.len()
            ),
        );
    }
    let mut out: Vec<NotifyTarget> = Vec::new();
    for (i, n) in items.iter().enumerate() {
        let path = format!("notify[{i}]");
        // `url` is read only to be refused with why (it would put the secret in the
        // scenario), so it is not listed as a valid key
        let Some(f) = fields_with_refused(cx, n, &path, TARGET_KEYS, &["url"]) else {
            continue;
        };
        if let Some((key, _)) = f.entry("url") {
            // the value is never quoted: it is the secret
            cx.err(
                key.pos,
                format!(
                    "{path}.url: a webhook URL is a secret (whoever has it can post to the \
                     channel) and the scenario is kept in the journal and shared, so it is \
                     not written here; put the URL in an environment variable and name it: \
                     `url_env: GAMEDAY_SLACK_URL`"
                ),
            );
        }
        let kind = kind(cx, &f, &path);
        let url_env = url_env(cx, &f, &path);
        let (Some(kind), Some(url_env)) = (kind, url_env) else {
            continue;
        };
        let target = NotifyTarget { kind, url_env };
        if let Some(j) = out.iter().position(|t| *t == target) {
            cx.warn(
                n.pos,
                format!(
                    "{path}: the same webhook as notify[{j}] ({}, ${}): every message would \
                     be posted twice",
                    target.kind.as_str(),
                    target.url_env
                ),
            );
        }
        out.push(target);
    }
    out
}

fn kind(cx: &mut Ctx, f: &Fields, path: &str) -> Option<NotifyKind> {
    let names: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
    let hint = "slack (a Slack-compatible incoming webhook) or json (a plain JSON webhook)";
    let word = required_text(cx, f, "kind", hint)?;
    if let Some(k) = KINDS.iter().find(|k| k.as_str() == word) {
        return Some(*k);
    }
    let pos = f.get("kind").map_or(f.pos, |n| n.pos);
    // a word is quoted; anything else (a URL pasted in the wrong place) is not
    let found = if word.len() <= 40
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "-_ ".contains(c))
    {
        format!("`{word}`")
    } else {
        "something else".to_string()
    };
    cx.err(
        pos,
        format!(
            "{path}.kind: expected {}, found {found}",
            names.join(" or ")
        ),
    );
    None
}

fn url_env(cx: &mut Ctx, f: &Fields, path: &str) -> Option<String> {
    let name = required_text(
        cx,
        f,
        "url_env",
        "the name of the environment variable holding the webhook URL, e.g. GAMEDAY_SLACK_URL",
    )?;
    if is_env_name(&name) {
        return Some(name);
    }
    let pos = f.get("url_env").map_or(f.pos, |n| n.pos);
    // never quoted: what is written here by mistake is often the URL itself
    let looks_like_url = name.contains("://");
    cx.err(
        pos,
        if looks_like_url {
            format!(
                "{path}.url_env: holds a URL; it takes the name of the environment variable \
                 that holds the URL (letters, digits and _), e.g. GAMEDAY_SLACK_URL: the URL is \
                 a secret and stays out of the scenario"
            )
        } else {
            format!(
                "{path}.url_env: expected the name of an environment variable (letters, \
                 digits and _, not starting with a digit), e.g. GAMEDAY_SLACK_URL"
            )
        },
    );
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::Path;

    const HEAD: &str = "name: n\nhypothesis: h\n";

    fn problems(notify: &str) -> Vec<String> {
        let text = format!("{HEAD}{notify}");
        match crate::scenario::parse_str(&text, "s.yaml", Path::new("."), &|_| None) {
            Ok(_) => vec![],
            Err(p) => p.iter().map(|p| p.to_string()).collect(),
        }
    }

    fn targets(notify: &str) -> Vec<NotifyTarget> {
        let text = format!("{HEAD}{notify}");
        crate::scenario::parse_str(&text, "s.yaml", Path::new("."), &|_| None)
            .unwrap()
            .notify
    }

    #[test]
    fn both_kinds_are_read_with_their_variable() {
        let t = targets(
            "notify:\n  - kind: slack\n    url_env: GAMEDAY_SLACK_URL\n  - { kind: json, url_env: _HOOK2 }\n",
        );
        assert_eq!(
            t,
            vec![
                NotifyTarget {
                    kind: NotifyKind::Slack,
                    url_env: "GAMEDAY_SLACK_URL".into()
                },
                NotifyTarget {
                    kind: NotifyKind::Json,
                    url_env: "_HOOK2".into()
                },
            ]
        );
        assert_eq!(t[0].label(0), "notify[0] (slack, $GAMEDAY_SLACK_URL)");
        assert!(targets("notify:\n").is_empty());
        assert!(targets("notify: []\n").is_empty());
    }

    #[test]
    fn a_literal_url_is_refused_without_being_quoted() {
        let p = problems(
            "notify:\n  - kind: slack\n    url_env: S\n    url: https://hooks.slack.com/services/T0/B0/s3cr3tT0ken\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("s.yaml:6:5: notify[0].url: a webhook URL is a secret"),
            "{p:?}"
        );
        assert!(
            p[0].ends_with("name it: `url_env: GAMEDAY_SLACK_URL`"),
            "{p:?}"
        );
        assert!(!p[0].contains("s3cr3tT0ken"), "{p:?}");
    }

    #[test]
    fn kind_and_url_env_are_required_and_checked() {
        assert_eq!(
            problems("notify:\n  - kind: teams\n    url_env: T\n"),
            vec!["s.yaml:4:11: notify[0].kind: expected slack or json, found `teams`"]
        );
        assert_eq!(
            problems("notify:\n  - url_env: T\n"),
            vec!["s.yaml:4:5: notify[0]: `kind` is required; slack (a Slack-compatible incoming webhook) or json (a plain JSON webhook)"]
        );
        assert_eq!(
            problems("notify:\n  - kind: json\n"),
            vec!["s.yaml:4:5: notify[0]: `url_env` is required; the name of the environment variable holding the webhook URL, e.g. GAMEDAY_SLACK_URL"]
        );
        assert_eq!(
            problems("notify:\n  - kind: json\n    url_env:\n"),
            vec!["s.yaml:5:5: notify[0].url_env: is empty; the name of the environment variable holding the webhook URL, e.g. GAMEDAY_SLACK_URL"]
        );
        assert_eq!(
            problems("notify:\n  - kind: json\n    url_env: 2HOOK\n"),
            vec!["s.yaml:5:14: notify[0].url_env: expected the name of an environment variable (letters, digits and _, not starting with a digit), e.g. GAMEDAY_SLACK_URL"]
        );
    }

    #[test]
    fn a_url_written_where_the_variable_goes_is_not_quoted() {
        let p = problems(
            "notify:\n  - kind: slack\n    url_env: https://hooks.example/T0/s3cr3tT0ken\n",
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("s.yaml:5:14: notify[0].url_env: holds a URL"),
            "{p:?}"
        );
        assert!(!p[0].contains("s3cr3tT0ken"), "{p:?}");
        let p = problems("notify:\n  - kind: https://hooks.example/s3cr3tT0ken\n    url_env: S\n");
        assert_eq!(
            p,
            vec!["s.yaml:4:11: notify[0].kind: expected slack or json, found something else"]
        );
    }

    #[test]
    fn unknown_keys_and_shapes_are_placed() {
        assert_eq!(
            problems("notify:\n  - { kind: slack, url_env: S, channel: ops }\n"),
            vec!["s.yaml:4:32: unknown key `channel` in notify[0]; valid keys are kind, url_env"]
        );
        assert_eq!(
            problems("notify: { kind: slack }\n"),
            vec!["s.yaml:3:11: notify: expected a list of webhooks like {kind: slack, url_env: GAMEDAY_SLACK_URL}, found a mapping"]
        );
        assert_eq!(
            problems("notify:\n  - slack\n"),
            vec![
                "s.yaml:4:5: notify[0]: expected a mapping with keys kind, url_env, found `slack`"
            ]
        );
        let many = "  - { kind: json, url_env: A }\n".repeat(MAX_TARGETS + 1);
        let p = problems(&format!("notify:\n{many}"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("s.yaml:3:1: notify: lists 9 webhooks; at most 8"),
            "{p:?}"
        );
    }

    #[test]
    fn the_same_webhook_twice_is_a_warning() {
        let text = format!(
            "{HEAD}notify:\n  - {{ kind: slack, url_env: S }}\n  - {{ kind: slack, url_env: S }}\n"
        );
        let s = crate::scenario::parse_str(&text, "s.yaml", Path::new("."), &|_| None).unwrap();
        assert_eq!(s.notify.len(), 2);
        assert_eq!(
            s.warnings,
            vec!["s.yaml:5:7: warning: notify[1]: the same webhook as notify[0] (slack, $S): every message would be posted twice"]
        );
    }

    #[test]
    fn env_names() {
        for ok in ["A", "_A", "GAMEDAY_SLACK_URL", "a1"] {
            assert!(is_env_name(ok), "{ok}");
        }
        for bad in ["", "1A", "A-B", "A B", "$A", "https://x"] {
            assert!(!is_env_name(bad), "{bad}");
        }
    }
}
