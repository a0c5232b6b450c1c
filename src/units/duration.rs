//! Durations as scenario authors write them: `500ms`, `30s`, `2m`, `1h`, `1m30s`.
//!
//! Integer arithmetic on nanoseconds, so `100ms` is exactly 100 ms and never 99.999.

use std::time::Duration;

const HINT: &str = "a duration needs a unit: 30s, 500ms, 2m";

/// Parses `text`; the error says what a valid duration looks like.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err(format!(
            "expected a duration like 30s, found nothing; {HINT}"
        ));
    }
    if s.parse::<f64>().is_ok() {
        return Err(format!("`{s}` has no unit; {HINT}"));
    }
    let bad = || format!("`{s}` is not a duration; write it like 30s, 500ms, 2m, 1h or 1m30s");
    let b = s.as_bytes();
    let mut i = 0;
    let mut total: u128 = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &s[start..i];
        let mut frac_part = "";
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let fs = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &s[fs..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let unit_ns: u128 = if s[i..].starts_with("ms") {
            i += 2;
            1_000_000
        } else if s[i..].starts_with('s') {
            i += 1;
            1_000_000_000
        } else if s[i..].starts_with('m') {
            i += 1;
            60_000_000_000
        } else if s[i..].starts_with('h') {
            i += 1;
            3_600_000_000_000
        } else if i >= b.len() {
            return Err(format!("`{s}` ends without a unit; {HINT}"));
        } else {
            return Err(bad());
        };
        let whole: u128 = if int_part.is_empty() {
            0
        } else {
            int_part
                .parse()
                .map_err(|_| format!("`{s}` is too long for a duration"))?
        };
        let mut frac_ns: u128 = 0;
        let digits = &frac_part[..frac_part.len().min(12)];
        if !digits.is_empty() {
            let num: u128 = digits.parse().map_err(|_| bad())?;
            frac_ns = num * unit_ns / 10u128.pow(digits.len() as u32);
        }
        total = whole
            .checked_mul(unit_ns)
            .and_then(|v| v.checked_add(frac_ns))
            .and_then(|v| v.checked_add(total))
            .ok_or_else(|| format!("`{s}` is too long for a duration"))?;
    }
    // A century is far beyond any game day; refusing it keeps the u64 conversion exact.
    if total > 100 * 365 * 24 * 3_600_000_000_000 {
        return Err(format!("`{s}` is too long for a duration"));
    }
    let secs = (total / 1_000_000_000) as u64;
    let nanos = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, nanos))
}

/// Formats a duration the way a scenario would write it, for messages.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 {
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// Serde helper: an optional `Duration` as whole milliseconds.
pub mod opt_duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_millis() as u64)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_millis))
    }
}

/// Serde helper: a `Duration` as whole milliseconds.
pub mod duration_ms {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis() as u64)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn units_and_combinations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(
            parse_duration("1h2m3s4ms"),
            Ok(Duration::from_millis(3_723_004))
        );
        assert_eq!(parse_duration("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration(" 0s "), Ok(Duration::ZERO));
    }

    #[test]
    fn bare_numbers_need_a_unit() {
        for s in ["30", "0", "1.5"] {
            let e = parse_duration(s).unwrap_err();
            assert!(e.contains("a duration needs a unit: 30s, 500ms, 2m"), "{e}");
        }
        assert!(parse_duration("1m30")
            .unwrap_err()
            .contains("without a unit"));
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "abc",
            "30 s",
            "-5s",
            "5d",
            "s",
            "1..2s",
            "99999999999999999999999h",
        ] {
            assert!(parse_duration(s).is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration(Duration::from_millis(500)), "500ms");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
    }
}
