//! `expect` / `abort` criteria: `OP VALUE[UNIT] [for DURATION]`.
//!
//! Units are checked against the signal's unit, because a `%` on a latency or a bare
//! `300` on a latency is almost always a mistake that would silently never trip.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration::parse_duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    ErrorRate,
    P50,
    P90,
    P99,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// 0.01 is shown as `1 %`.
    Ratio,
    Seconds,
    Bytes,
    Count,
    #[default]
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

/// `OP VALUE[UNIT] [for DURATION]`, with the value converted to the signal's base unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub op: Op,
    pub value: f64,
    #[serde(default, with = "crate::units::duration::opt_duration_ms")]
    pub for_: Option<Duration>,
    /// What the user wrote, trimmed, for display ("< 1%").
    pub text: String,
}

const GRAMMAR: &str = "OP VALUE[UNIT] [for DURATION], OP one of < <= > >= == !=, e.g. `< 1%`, `< 300ms`, `>= 2 for 30s`";

/// Parses `text` for a signal measured in `unit`, converting the value to that base unit.
pub fn parse_criterion(text: &str, unit: Unit) -> Result<Criterion, String> {
    let t = text.trim();
    let (op, rest) = parse_op(t)
        .ok_or_else(|| format!("`{t}` does not start with a comparison; expected {GRAMMAR}"))?;
    let rest = rest.trim_start();
    let (body, for_) = match split_for(rest) {
        Some((body, dur)) => {
            let d = parse_duration(dur).map_err(|e| format!("after `for` in `{t}`: {e}"))?;
            (body.trim_end(), Some(d))
        }
        None => (rest.trim_end(), None),
    };
    let num_len = number_len(body);
    if num_len == 0 {
        return Err(format!(
            "`{t}` has no number after `{}`; expected {GRAMMAR}",
            op_text(op)
        ));
    }
    let num_text = &body[..num_len];
    let value: f64 = num_text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`{num_text}` in `{t}` is not a number; expected {GRAMMAR}"))?;
    let suffix = body[num_len..].trim();
    let value = convert(value, suffix, unit, op, num_text, t)?;
    if unit == Unit::Ratio {
        ratio_can_go_both_ways(op, value, t)?;
    }
    if !value.is_finite() {
        return Err(format!(
            "`{num_text}` in `{t}` is too large; expected {GRAMMAR}"
        ));
    }
    Ok(Criterion {
        op,
        value,
        for_,
        text: t.to_string(),
    })
}

fn parse_op(t: &str) -> Option<(Op, &str)> {
    for (s, op) in [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<", Op::Lt),
        (">", Op::Gt),
    ] {
        if let Some(rest) = t.strip_prefix(s) {
            if rest.starts_with(['<', '>', '=', '!']) {
                return None;
            }
            return Some((op, rest));
        }
    }
    None
}

fn op_text(op: Op) -> &'static str {
    match op {
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
        Op::Eq => "==",
        Op::Ne => "!=",
    }
}

/// Finds ` for ` as a word; returns (before, duration text).
fn split_for(s: &str) -> Option<(&str, &str)> {
    let mut search = 0;
    while let Some(i) = s[search..].find("for") {
        let at = search + i;
        let before_ok = at > 0 && s[..at].ends_with(char::is_whitespace);
        let after = &s[at + 3..];
        if before_ok && (after.is_empty() || after.starts_with(char::is_whitespace)) {
            return Some((&s[..at], after));
        }
        search = at + 3;
    }
    None
}

fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits_start = i;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i == digits_start {
        return 0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Ratio => "ratio",
        Unit::Seconds => "seconds",
        Unit::Bytes => "bytes",
        Unit::Count => "count",
        Unit::None => "none",
    }
}

/// A ratio is between 0 and 1: a criterion that every ratio meets (`< 150%`) can never
/// fail, one that none meets (`< -1%`, `> 100%`) can never hold. Both are typos that
/// would make a verdict (or a guardrail) come out one way whatever happens.
fn ratio_can_go_both_ways(op: Op, v: f64, t: &str) -> Result<(), String> {
    let (always, never) = match op {
        Op::Lt => (v > 1.0, v <= 0.0),
        Op::Le => (v >= 1.0, v < 0.0),
        Op::Gt => (v < 0.0, v >= 1.0),
        Op::Ge => (v <= 0.0, v > 1.0),
        Op::Eq => (false, !(0.0..=1.0).contains(&v)),
        Op::Ne => (!(0.0..=1.0).contains(&v), false),
    };
    if always {
        return Err(format!(
            "`{t}`: every ratio (0 % to 100 %) meets this, so it can never fail; check the number"
        ));
    }
    if never {
        return Err(format!(
            "`{t}`: no ratio (0 % to 100 %) meets this, so it can never hold; check the number"
        ));
    }
    Ok(())
}

fn convert(v: f64, suffix: &str, unit: Unit, op: Op, num: &str, t: &str) -> Result<f64, String> {
    let op = op_text(op);
    let wrong_family = |family: &str| {
        format!(
            "`{suffix}` in `{t}` is a unit for {family} signals, but this signal's unit is {}; \
             set `unit:` on the signal or drop the unit",
            unit_name(unit)
        )
    };
    let byte_factor = match suffix {
        "B" => Some(1.0),
        "KB" => Some(1e3),
        "MB" => Some(1e6),
        "GB" => Some(1e9),
        "KiB" => Some(1024.0),
        "MiB" => Some(1024.0 * 1024.0),
        "GiB" => Some(1024.0 * 1024.0 * 1024.0),
        _ => None,
    };
    match (suffix, unit) {
        ("%", Unit::Ratio) => Ok(v / 100.0),
        ("%", _) => Err(wrong_family("ratio")),
        ("", Unit::Ratio) if v > 1.0 => Err(format!(
            "`{t}`: a ratio is between 0 and 1; did you mean {op} {num}%?"
        )),
        ("", Unit::Ratio) if v == 1.0 => Err(format!(
            "`{t}`: a ratio is between 0 and 1, and a bare {num} is 100 %; did you mean {op} {num}%? (write 100% if you mean it)"
        )),
        ("ms", Unit::Seconds) => Ok(v / 1000.0),
        ("s", Unit::Seconds) => Ok(v),
        ("m", Unit::Seconds) => Ok(v * 60.0),
        ("ms" | "s" | "m", _) => Err(wrong_family("seconds")),
        ("", Unit::Seconds) => {
            let hint = if v >= 1.0 {
                format!("{num}ms")
            } else {
                format!("{num}s")
            };
            Err(format!(
                "`{t}`: a latency needs a unit: did you mean {op} {hint}?"
            ))
        }
        (_, Unit::Bytes) if byte_factor.is_some() => Ok(v * byte_factor.unwrap_or(1.0)),
        (_, _) if byte_factor.is_some() => Err(wrong_family("bytes")),
        ("", _) => Ok(v),
        _ => Err(format!(
            "unknown unit `{suffix}` in `{t}`; units are % (ratio), ms s m (seconds), \
             B KB MB GB KiB MiB GiB (bytes), or none"
        )),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ok(t: &str, u: Unit) -> Criterion {
        match parse_criterion(t, u) {
            Ok(c) => c,
            Err(e) => panic!("{t}: {e}"),
        }
    }

    #[test]
    fn converts_to_base_units() {
        let c = ok("< 1%", Unit::Ratio);
        assert_eq!((c.op, c.value, c.for_), (Op::Lt, 0.01, None));
        assert_eq!(ok("< 300ms", Unit::Seconds).value, 0.3);
        assert_eq!(ok("<= 2s", Unit::Seconds).value, 2.0);
        assert_eq!(ok("<= 1.5m", Unit::Seconds).value, 90.0);
        assert_eq!(ok("< 512MiB", Unit::Bytes).value, 512.0 * 1024.0 * 1024.0);
        assert_eq!(ok("< 2 GB", Unit::Bytes).value, 2e9);
        assert_eq!(ok("< 100", Unit::Bytes).value, 100.0);
        assert_eq!(ok(">= 2", Unit::Count).value, 2.0);
        assert_eq!(ok("== 0", Unit::None).op, Op::Eq);
        assert_eq!(ok("!= 0", Unit::None).op, Op::Ne);
        assert_eq!(ok("< 0.05", Unit::Ratio).value, 0.05);
    }

    #[test]
    fn for_clause_and_text() {
        let c = ok("  > 5% for 30s ", Unit::Ratio);
        assert_eq!(c.op, Op::Gt);
        assert_eq!(c.value, 0.05);
        assert_eq!(c.for_, Some(Duration::from_secs(30)));
        assert_eq!(c.text, "> 5% for 30s");
        assert!(parse_criterion("> 5% for 30", Unit::Ratio)
            .unwrap_err()
            .contains("unit"));
    }

    #[test]
    fn unit_mistakes_are_explained() {
        let e = parse_criterion("< 300", Unit::Seconds).unwrap_err();
        assert!(
            e.contains("a latency needs a unit: did you mean < 300ms?"),
            "{e}"
        );
        let e = parse_criterion("< 5", Unit::Ratio).unwrap_err();
        assert!(e.contains("did you mean < 5%?"), "{e}");
        assert!(parse_criterion("< 5%", Unit::Seconds).is_err());
        assert!(parse_criterion("< 5ms", Unit::Ratio).is_err());
        assert!(parse_criterion("< 5MiB", Unit::Seconds).is_err());
        assert!(parse_criterion("< 5 parsecs", Unit::None).is_err());
    }

    #[test]
    fn bad_operators() {
        for t in [
            "=> 5",
            "= 5",
            "5 <",
            "",
            "<",
            "<> 3",
            "less than 3",
            "< abc",
        ] {
            assert!(parse_criterion(t, Unit::None).is_err(), "{t:?}");
        }
    }
}
