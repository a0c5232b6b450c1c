//! What each notification says: one sentence for people (Slack) and one structured
//! object for programs (JSON), made from a journal record as it was written, so with its
//! secrets already masked.
//!
//! Text in them comes from servers, commands and other people (a revert's error, a
//! joiner's reason for the kill switch, pod names): every control character is shown
//! visibly, each such part is clipped, and for Slack `&`, `<` and `>` are escaped, which
//! is how Slack asks for text to be sent: a mention (`<!channel>`, `<@U123>`) or a link
//! with hidden target (`<https://…|click>`) can only be written with `<`, so none can be
//! made from hostile text.

use std::collections::HashMap;

use chrono::SecondsFormat;
use serde_json::{json, Map, Value};

use crate::journal::{AbortSource, Event, Record};

/// The version of the JSON object's fields (`format`), for receivers that parse it.
pub const FORMAT: u32 = 1;

/// At most this many characters of one piece of text from elsewhere.
const MAX_PART: usize = 500;

/// At most this many characters in a whole sentence.
const MAX_TEXT: usize = 3000;

/// What a notification is about, in the order a run that triggers, aborts and ends
/// sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    RunStarted,
    FaultTriggered,
    KillSwitch,
    RevertFailed,
    Verdict,
}

impl About {
    /// The `event` of the JSON object, and the word in warnings.
    pub fn as_str(self) -> &'static str {
        match self {
            About::RunStarted => "run_started",
            About::FaultTriggered => "fault_triggered",
            About::KillSwitch => "kill_switch",
            About::RevertFailed => "revert_failed",
            About::Verdict => "verdict",
        }
    }
}

/// What every notification of the run shares.
#[derive(Debug, Clone)]
pub struct Context {
    pub scenario: String,
    pub run_id: String,
    pub operator: String,
    pub host: String,
    pub run_dir: String,
    /// where the report is written at the end
    pub report: String,
}

/// One notification, ready to be sent to either kind of webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub about: About,
    /// the sentence, visible and clipped, not yet escaped for Slack
    pub text: String,
    /// the JSON object, with `text` in it
    pub object: Value,
}

/// Turns journal records into notifications; remembers who triggered each fault, which
/// the record of its injection does not say.
#[derive(Debug, Default)]
pub struct Composer {
    triggered_by: HashMap<String, String>,
}

impl Composer {
    /// The notification `rec` calls for, if any: the run's start, a fault's injection
    /// (the trigger, once it is known whether and where it took effect), the kill switch,
    /// a revert that failed for good, the verdict. `exit_code` is asked only at the
    /// verdict.
    pub fn compose(
        &mut self,
        ctx: &Context,
        rec: &Record,
        exit_code: impl FnOnce() -> i32,
    ) -> Option<Message> {
        let name = part(&ctx.scenario);
        let (about, text, fields): (About, String, Vec<(&str, Value)>) = match &rec.event {
            Event::RunStarted(info) => {
                let faults: Vec<String> = info.faults.iter().map(|f| part(&f.name)).collect();
                (
                    About::RunStarted,
                    format!(
                        "{name}: game day started by {} on {} (run {}). Hypothesis: {}",
                        part(&ctx.operator),
                        part(&ctx.host),
                        part(&ctx.run_id),
                        part(
                            &info
                                .hypothesis
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" ")
                        )
                    ),
                    vec![
                        ("hypothesis", json!(part(&info.hypothesis))),
                        ("faults", json!(faults)),
                        ("run_dir", json!(part(&ctx.run_dir))),
                    ],
                )
            }
            Event::FaultInjecting { fault, by, .. } => {
                self.triggered_by.insert(fault.clone(), by.clone());
                return None;
            }
            Event::FaultInjected {
                fault,
                ok,
                targets,
                detail,
                ..
            } => {
                let by = self.triggered_by.get(fault).map_or("?", String::as_str);
                let targets: Vec<String> = targets.iter().take(50).map(|t| part(t)).collect();
                let text = if *ok {
                    let on = if targets.is_empty() {
                        String::new()
                    } else {
                        format!(" on {}", targets.join(", "))
                    };
                    format!(
                        "{name}: fault \"{}\" triggered by {}, in effect{on}.",
                        part(fault),
                        part(by)
                    )
                } else {
                    format!(
                        "{name}: fault \"{}\" triggered by {} FAILED to inject: {}",
                        part(fault),
                        part(by),
                        part(detail)
                    )
                };
                let mut fields = vec![
                    ("fault", json!(part(fault))),
                    ("by", json!(part(by))),
                    ("injected", json!(ok)),
                    ("targets", json!(targets)),
                ];
                if !ok {
                    fields.push(("error", json!(part(detail))));
                }
                (About::FaultTriggered, text, fields)
            }
            // its injection never answered: the team hears of the trigger all the same
            Event::FaultInjectCancelled { fault } => {
                let by = self.triggered_by.get(fault).map_or("?", String::as_str);
                let error = "its injection was cancelled while it ran (the kill switch); \
                             what it had done is not known";
                (
                    About::FaultTriggered,
                    format!(
                        "{name}: fault \"{}\" triggered by {}: {error}. It is being reverted.",
                        part(fault),
                        part(by)
                    ),
                    vec![
                        ("fault", json!(part(fault))),
                        ("by", json!(part(by))),
                        ("injected", json!(false)),
                        ("targets", json!(Vec::<String>::new())),
                        ("error", json!(error)),
                    ],
                )
            }
            Event::Abort { by, source, detail } => {
                let why = if detail.is_empty() {
                    String::new()
                } else {
                    format!(": {}", part(detail))
                };
                (
                    About::KillSwitch,
                    format!(
                        "{name}: KILL SWITCH pulled by {} ({}){why}. Every active fault is \
                         being reverted.",
                        part(by),
                        source_words(*source)
                    ),
                    vec![
                        ("by", json!(part(by))),
                        ("source", json!(source.as_str())),
                        ("reason", json!(part(detail))),
                    ],
                )
            }
            Event::FaultReverted {
                fault,
                ok: false,
                attempt,
                detail,
                will_retry: false,
            } => (
                About::RevertFailed,
                format!(
                    "{name}: REVERT FAILED for fault \"{}\" after {attempt} attempt{}: {}. It \
                     may still be active: run gameday recover {}",
                    part(fault),
                    if *attempt == 1 { "" } else { "s" },
                    part(detail),
                    part(&ctx.run_dir)
                ),
                vec![
                    ("fault", json!(part(fault))),
                    ("attempts", json!(attempt)),
                    ("error", json!(part(detail))),
                ],
            ),
            Event::Verdict { verdict, reasons } => {
                let code = exit_code();
                let reasons: Vec<String> = reasons.iter().take(20).map(|r| part(r)).collect();
                let why = if reasons.is_empty() {
                    String::new()
                } else {
                    format!(": {}", reasons.join("; "))
                };
                (
                    About::Verdict,
                    format!(
                        "{name}: verdict {} (exit code {code}){why}. Report: {}",
                        verdict.word(),
                        part(&ctx.report)
                    ),
                    vec![
                        ("verdict", json!(verdict.word())),
                        ("exit_code", json!(code)),
                        ("reasons", json!(reasons)),
                        ("report", json!(part(&ctx.report))),
                    ],
                )
            }
            _ => return None,
        };
        let text = clip(&text, MAX_TEXT);
        let mut object = Map::new();
        object.insert("format".into(), json!(FORMAT));
        object.insert("event".into(), json!(about.as_str()));
        object.insert("run_id".into(), json!(part(&ctx.run_id)));
        object.insert("scenario".into(), json!(name));
        object.insert(
            "time".into(),
            json!(rec.ts.to_rfc3339_opts(SecondsFormat::Millis, true)),
        );
        object.insert("operator".into(), json!(part(&ctx.operator)));
        object.insert("host".into(), json!(part(&ctx.host)));
        for (k, v) in fields {
            object.insert(k.into(), v);
        }
        object.insert("text".into(), json!(text));
        Some(Message {
            about,
            text,
            object: Value::Object(object),
        })
    }
}

/// How the kill switch was pulled, in words.
fn source_words(source: AbortSource) -> &'static str {
    match source {
        AbortSource::Key => "a key",
        AbortSource::Join => "a joined operator",
        AbortSource::Guardrail => "a guardrail",
        AbortSource::Signal => "a signal",
        AbortSource::Ttl => "max_duration",
        AbortSource::Quit => "quitting with a fault active",
        AbortSource::Terminal => "the terminal went away",
        AbortSource::Panic => "a crash",
        AbortSource::Recover => "gameday recover",
        AbortSource::Command => "gameday abort",
    }
}

/// Text from elsewhere as a part of a notification: one line, every control character
/// visible, at most [`MAX_PART`] characters.
fn part(text: &str) -> String {
    clip(&crate::text::visible(text.trim()), MAX_PART)
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Text as a Slack message's `text` carries it: `&`, `<` and `>` escaped as Slack's
/// documentation asks, so that only gameday could write a mention or a link, and it
/// writes none.
pub fn slack_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

impl Message {
    /// The request body for a webhook of `kind`.
    pub fn body(&self, kind: crate::scenario::NotifyKind) -> Vec<u8> {
        let value = match kind {
            // no `link_names`: plain `@channel` in text stays text; and no previews of
            // whatever address a server's error quoted
            crate::scenario::NotifyKind::Slack => json!({
                "text": slack_escape(&self.text),
                "unfurl_links": false,
                "unfurl_media": false,
            }),
            crate::scenario::NotifyKind::Json => self.object.clone(),
        };
        serde_json::to_vec(&value).unwrap_or_default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::journal::{NoteKind, Verdict};
    use chrono::TimeZone;

    fn ctx() -> Context {
        Context {
            scenario: "cache-outage".into(),
            run_id: "20260101T000000Z-cache-outage".into(),
            operator: "alice".into(),
            host: "bastion".into(),
            run_dir: "/runs/20260101T000000Z-cache-outage".into(),
            report: "/runs/20260101T000000Z-cache-outage/report.md".into(),
        }
    }

    fn rec(event: Event) -> Record {
        Record {
            seq: 1,
            ts: chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 5).unwrap(),
            event,
        }
    }

    #[test]
    fn hostile_text_cannot_mention_or_link_in_slack() {
        let mut c = Composer::default();
        let m = c
            .compose(
                &ctx(),
                &rec(Event::Abort {
                    by: "bob".into(),
                    source: AbortSource::Join,
                    detail: "<!channel> see <https://evil.example/x|the dashboard> & \u{1b}[2J<@U024BE7LH>".into(),
                }),
                || 0,
            )
            .unwrap();
        let body: Value =
            serde_json::from_slice(&m.body(crate::scenario::NotifyKind::Slack)).unwrap();
        let text = body["text"].as_str().unwrap();
        assert_eq!(
            text,
            "cache-outage: KILL SWITCH pulled by bob (a joined operator): &lt;!channel&gt; see \
             &lt;https://evil.example/x|the dashboard&gt; &amp; \\e[2J&lt;@U024BE7LH&gt;. Every \
             active fault is being reverted."
        );
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        assert_eq!(body["unfurl_links"], false);
        // the JSON kind carries the text as it is (visible), and the reason on its own
        let object: Value =
            serde_json::from_slice(&m.body(crate::scenario::NotifyKind::Json)).unwrap();
        assert_eq!(object["event"], "kill_switch");
        assert_eq!(object["by"], "bob");
        assert_eq!(object["source"], "join");
        assert_eq!(
            object["reason"],
            "<!channel> see <https://evil.example/x|the dashboard> & \\e[2J<@U024BE7LH>"
        );
        assert_eq!(object["time"], "2026-01-01T00:00:05.000Z");
        assert_eq!(object["run_id"], "20260101T000000Z-cache-outage");
        assert_eq!(object["format"], 1);
    }

    #[test]
    fn the_trigger_waits_for_its_injection_and_names_who_and_where() {
        let mut c = Composer::default();
        let injecting = Event::FaultInjecting {
            fault: "redis down".into(),
            by: "alice".into(),
            action: "inject: x".into(),
        };
        assert!(c.compose(&ctx(), &rec(injecting), || 0).is_none());
        let m = c
            .compose(
                &ctx(),
                &rec(Event::FaultInjected {
                    fault: "redis down".into(),
                    ok: true,
                    targets: vec!["pod/redis-0".into(), "pod/redis-1".into()],
                    detail: String::new(),
                    restore: None,
                }),
                || 0,
            )
            .unwrap();
        assert_eq!(m.about, About::FaultTriggered);
        assert_eq!(
            m.text,
            "cache-outage: fault \"redis down\" triggered by alice, in effect on pod/redis-0, pod/redis-1."
        );
        assert_eq!(m.object["targets"], json!(["pod/redis-0", "pod/redis-1"]));
        assert_eq!(m.object["injected"], true);
    }

    #[test]
    fn a_trigger_whose_injection_was_cancelled_is_told_all_the_same() {
        let mut c = Composer::default();
        let injecting = Event::FaultInjecting {
            fault: "redis down".into(),
            by: "alice".into(),
            action: "inject: x".into(),
        };
        assert!(c.compose(&ctx(), &rec(injecting), || 0).is_none());
        let m = c
            .compose(
                &ctx(),
                &rec(Event::FaultInjectCancelled {
                    fault: "redis down".into(),
                }),
                || 0,
            )
            .unwrap();
        assert_eq!(m.about, About::FaultTriggered);
        assert!(
            m.text.starts_with("cache-outage: fault \"redis down\" triggered by alice: its injection was cancelled while it ran"),
            "{}",
            m.text
        );
        assert_eq!(m.object["injected"], false);
        assert!(m.object["error"].as_str().unwrap().contains("cancelled"));
    }

    #[test]
    fn only_a_revert_that_failed_for_good_and_the_verdict_with_its_report() {
        let mut c = Composer::default();
        let retrying = Event::FaultReverted {
            fault: "f".into(),
            ok: false,
            attempt: 1,
            detail: "boom".into(),
            will_retry: true,
        };
        assert!(c.compose(&ctx(), &rec(retrying), || 0).is_none());
        let note = Event::Note {
            author: "a".into(),
            kind: NoteKind::Note,
            text: "<!here>".into(),
        };
        assert!(c.compose(&ctx(), &rec(note), || 0).is_none());
        let m = c
            .compose(
                &ctx(),
                &rec(Event::FaultReverted {
                    fault: "f".into(),
                    ok: false,
                    attempt: 4,
                    detail: "unit not found\n".into(),
                    will_retry: false,
                }),
                || 0,
            )
            .unwrap();
        assert_eq!(m.about, About::RevertFailed);
        assert!(m.text.contains("REVERT FAILED for fault \"f\" after 4 attempts: unit not found. It may still be active: run gameday recover /runs/"), "{}", m.text);
        let m = c
            .compose(
                &ctx(),
                &rec(Event::Verdict {
                    verdict: Verdict::Aborted,
                    reasons: vec!["the kill switch was pulled".into()],
                }),
                || 5,
            )
            .unwrap();
        assert_eq!(
            m.text,
            "cache-outage: verdict ABORTED (exit code 5): the kill switch was pulled. Report: /runs/20260101T000000Z-cache-outage/report.md"
        );
        assert_eq!(m.object["verdict"], "ABORTED");
        assert_eq!(m.object["exit_code"], 5);
        assert_eq!(
            m.object["report"],
            "/runs/20260101T000000Z-cache-outage/report.md"
        );
    }

    #[test]
    fn long_text_is_clipped() {
        let mut c = Composer::default();
        let m = c
            .compose(
                &ctx(),
                &rec(Event::Abort {
                    by: "b".into(),
                    source: AbortSource::Key,
                    detail: "x".repeat(10_000),
                }),
                || 0,
            )
            .unwrap();
        assert!(m.text.chars().count() < 700, "{}", m.text.len());
        assert!(m.text.contains("x…."), "{}", m.text);
    }
}
