//! What a person reads of a headless run (`run --headless`, `demo --headless`, `join
//! --headless`): phases, faults, notes, the kill switch, the verdict, and each signal's
//! changes of state ("errors: within expect → VIOLATED (3.2 %)"), an error said once
//! when it starts and counted when it changes or the run ends, instead of a line per
//! sample and per probe. `--verbose` prints every sample and probe too. The journal keeps
//! everything either way.

use std::collections::HashMap;

use crate::describe::describe;
use crate::journal::{Event, Record, RunInfo, SignalInfo};
use crate::units::format_value;

type Ts = chrono::DateTime<chrono::Utc>;

/// A signal's state as the lines say it.
#[derive(Debug, Clone, PartialEq)]
enum Shown {
    /// its value holds `expect`
    Within,
    /// its value fails `expect`
    Violated,
    /// it has a value and no `expect` to judge it by
    Watched,
    /// no value: the error that stood in for one
    NoData(String),
}

impl Shown {
    /// The state in a word or two, as the left side of "A → B".
    fn short(&self) -> &'static str {
        match self {
            Shown::Within => "within expect",
            Shown::Violated => "VIOLATED",
            Shown::Watched => "watched",
            Shown::NoData(_) => "no data",
        }
    }
}

#[derive(Debug, Default)]
struct Seen {
    shown: Option<Shown>,
    /// how many samples in a row had the error shown, the first included
    times: u64,
    /// when the last of them was taken
    last: Option<Ts>,
}

/// Turns journal records into the lines a person reads. Keeps, per signal, the last
/// state it printed.
#[derive(Debug, Default)]
pub struct Narrator {
    verbose: bool,
    started: Option<Ts>,
    signals: HashMap<String, Seen>,
}

fn stamp(ts: Ts) -> String {
    ts.format("%H:%M:%S%.3f").to_string()
}

impl Narrator {
    pub fn new(verbose: bool) -> Narrator {
        Narrator {
            verbose,
            ..Narrator::default()
        }
    }

    /// The lines `rec` makes (none, one or a few), each with its time.
    pub fn lines(&mut self, rec: &Record, info: Option<&RunInfo>) -> Vec<String> {
        let mut out = Vec::new();
        match &rec.event {
            Event::RunStarted(_) => {
                self.started = Some(rec.ts);
                out.push(format!("{}  {}", stamp(rec.ts), describe(rec, info)));
            }
            Event::Probe { .. } => {
                if self.verbose {
                    out.push(format!("{}  {}", stamp(rec.ts), describe(rec, info)));
                }
            }
            Event::Sample {
                signal,
                value,
                error,
                at,
                detail,
            } => {
                if self.verbose {
                    out.push(format!("{}  {}", stamp(rec.ts), describe(rec, info)));
                }
                // a point back-filled from before the run is history, not news
                if at.is_some_and(|t| self.started.is_some_and(|s| t < s)) {
                    return out;
                }
                let sig = info.and_then(|i| i.signals.iter().find(|s| &s.name == signal));
                let now = match (value, sig.and_then(|s| s.expect.as_ref())) {
                    (Some(v), Some(c)) if c.holds(*v) => Shown::Within,
                    (Some(_), Some(_)) => Shown::Violated,
                    (Some(_), None) => Shown::Watched,
                    (None, _) => Shown::NoData(
                        error
                            .clone()
                            .or_else(|| detail.clone())
                            .unwrap_or_else(|| "no value".into()),
                    ),
                };
                let seen = self.signals.entry(signal.clone()).or_default();
                if seen.shown.as_ref() == Some(&now) {
                    seen.times += 1;
                    seen.last = Some(rec.ts);
                    return out;
                }
                if let Some(line) = repeated(signal, seen) {
                    out.push(line);
                }
                let words = state_words(&now, *value, detail.as_deref(), sig);
                let line = match &seen.shown {
                    // another error: the count of the last one was just said
                    None | Some(Shown::NoData(_)) if matches!(now, Shown::NoData(_)) => {
                        format!("{signal}: {words}")
                    }
                    None => format!("{signal}: {words}"),
                    Some(before) => format!("{signal}: {} → {words}", before.short()),
                };
                out.push(format!(
                    "{}  {}",
                    stamp(rec.ts),
                    crate::text::visible(&line)
                ));
                seen.shown = Some(now);
                seen.times = 1;
                seen.last = Some(rec.ts);
            }
            Event::Verdict { .. } | Event::RunEnded { .. } => {
                out.extend(self.finish());
                out.push(format!("{}  {}", stamp(rec.ts), describe(rec, info)));
            }
            _ => out.push(format!("{}  {}", stamp(rec.ts), describe(rec, info))),
        }
        out
    }

    /// The counts of errors still repeating, said once (at the verdict, or when the
    /// front stops following).
    pub fn finish(&mut self) -> Vec<String> {
        // in time order, as every other line: each count carries its last error's time
        let mut names: Vec<(Option<Ts>, &String)> =
            self.signals.iter().map(|(n, s)| (s.last, n)).collect();
        names.sort();
        let names: Vec<String> = names.into_iter().map(|(_, n)| n.clone()).collect();
        let mut out = Vec::new();
        for name in names {
            if let Some(seen) = self.signals.get_mut(&name) {
                if let Some(line) = repeated(&name, seen) {
                    out.push(line);
                }
                // said: counted again from here
                seen.times = 1;
            }
        }
        out
    }
}

/// "p99: no data (connection refused) … (same error 12 times)", when the error was seen
/// more than once since it was printed.
fn repeated(signal: &str, seen: &Seen) -> Option<String> {
    match (&seen.shown, seen.last) {
        (Some(Shown::NoData(e)), Some(last)) if seen.times > 1 => {
            let line = format!(
                "{signal}: no data ({e}) … (same error {} times)",
                seen.times
            );
            Some(format!("{}  {}", stamp(last), crate::text::visible(&line)))
        }
        _ => None,
    }
}

/// The state with what shows it: "VIOLATED (3.2 %, expect < 1 %)", "no data (why)".
fn state_words(
    now: &Shown,
    value: Option<f64>,
    detail: Option<&str>,
    sig: Option<&SignalInfo>,
) -> String {
    let unit = sig.map(|s| s.unit).unwrap_or_default();
    let mut shown = value.map(|v| format_value(v, unit)).unwrap_or_default();
    if let Some(d) = detail {
        shown.push_str(&format!(": {d}"));
    }
    match now {
        Shown::Within => format!("within expect ({shown})"),
        Shown::Violated => {
            let expect = sig
                .and_then(|s| s.expect.as_ref())
                .map(|c| format!("; expect {}", c.display(unit)))
                .unwrap_or_default();
            format!("VIOLATED ({shown}{expect})")
        }
        Shown::Watched => format!("watched ({shown})"),
        Shown::NoData(e) => format!("no data ({e})"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testkit::{self, criterion, t0};
    use crate::units::{Op, Unit};

    fn info() -> RunInfo {
        let mut errors = testkit::signal("errors", "promql", "q", Unit::Ratio);
        errors.expect = Some(criterion(Op::Lt, 0.01, "< 1%"));
        RunInfo {
            signals: vec![
                errors,
                testkit::signal("queue", "command", "c", Unit::Count),
            ],
            ..testkit::run_info()
        }
    }

    fn sample(secs: i64, signal: &str, value: Option<f64>, error: Option<&str>) -> Record {
        Record {
            seq: secs as u64,
            ts: t0() + chrono::Duration::seconds(secs),
            event: Event::Sample {
                signal: signal.into(),
                value,
                error: error.map(str::to_string),
                at: None,
                detail: None,
            },
        }
    }

    fn say(n: &mut Narrator, recs: &[Record]) -> Vec<String> {
        let info = info();
        recs.iter()
            .flat_map(|r| n.lines(r, Some(&info)))
            .map(|l| l[14..].to_string())
            .collect()
    }

    #[test]
    fn state_changes_are_said_and_samples_are_not() {
        let mut n = Narrator::new(false);
        let lines = say(
            &mut n,
            &[
                sample(1, "errors", Some(0.002), None),
                sample(2, "errors", Some(0.003), None),
                sample(3, "errors", Some(0.032), None),
                sample(4, "errors", Some(0.05), None),
                sample(5, "errors", Some(0.004), None),
                sample(6, "queue", Some(12.0), None),
                sample(7, "queue", Some(13.0), None),
            ],
        );
        assert_eq!(
            lines,
            vec![
                "errors: within expect (0.2 %)",
                "errors: within expect → VIOLATED (3.2 %; expect < 1 %)",
                "errors: VIOLATED → within expect (0.4 %)",
                "queue: watched (12)",
            ]
        );
        // --verbose: every sample too
        let mut n = Narrator::new(true);
        let lines = say(
            &mut n,
            &[
                sample(1, "queue", Some(12.0), None),
                sample(2, "queue", Some(13.0), None),
            ],
        );
        assert_eq!(
            lines,
            vec!["queue = 12", "queue: watched (12)", "queue = 13"]
        );
    }

    #[test]
    fn an_error_is_said_once_then_counted() {
        let mut n = Narrator::new(false);
        let refused = Some("connection refused");
        let mut recs: Vec<Record> = (1..=12)
            .map(|s| sample(s, "queue", None, refused))
            .collect();
        recs.push(sample(13, "queue", None, Some("timed out")));
        recs.push(sample(14, "queue", None, Some("timed out")));
        let lines = say(&mut n, &recs);
        assert_eq!(
            lines,
            vec![
                "queue: no data (connection refused)",
                "queue: no data (connection refused) … (same error 12 times)",
                "queue: no data (timed out)",
            ]
        );
        // at the end, the count of what still repeats
        let end: Vec<String> = n.finish().iter().map(|l| l[14..].to_string()).collect();
        assert_eq!(
            end,
            vec!["queue: no data (timed out) … (same error 2 times)"]
        );
        assert!(n.finish().is_empty(), "said once");
    }

    /// Outsider 21, finding 7: the counts said at the end are in the order of their
    /// times, not of the signals' names.
    #[test]
    fn counts_at_the_end_are_in_time_order() {
        let mut n = Narrator::new(false);
        let mut recs = Vec::new();
        for s in 1..=4 {
            recs.push(sample(s * 2, "queue", None, Some("refused")));
            recs.push(sample(s * 2 + 1, "errors", None, Some("timed out")));
        }
        // `queue` last failed at 8 s, `errors` at 9 s: `queue`'s count first, though
        // `errors` comes first by name
        let _ = say(&mut n, &recs);
        let end = n.finish();
        let times: Vec<&str> = end.iter().map(|l| &l[..12]).collect();
        let mut sorted = times.clone();
        sorted.sort();
        assert_eq!(times, sorted, "{end:?}");
        assert!(
            end[0].contains("queue") && end[1].contains("errors"),
            "{end:?}"
        );
    }

    #[test]
    fn a_name_or_error_cannot_forge_a_line() {
        let mut n = Narrator::new(false);
        let lines = say(
            &mut n,
            &[sample(
                1,
                "queue",
                None,
                Some("x\n10:00:00.000  verdict CONFIRMED"),
            )],
        );
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].contains('\n'), "{lines:?}");
    }
}
