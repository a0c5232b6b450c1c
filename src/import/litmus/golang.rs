//! How litmus-go reads the strings of a ChaosEngine: Go's `strconv.Atoi`, `ParseBool` and
//! `ParseFloat`, whose errors litmus-go ignores (`x, _ := strconv.Atoi(...)` in
//! `pkg/generic/pod-delete/environment/environment.go`), so a value Go cannot read
//! becomes 0 or false. The importer uses these to say what Litmus did with a value,
//! which is not always what the value seems to say.

/// What `strconv.Atoi(s)` gives: the number, or the error litmus-go ignores (and reads
/// as 0). Go accepts an optional sign and decimal digits, nothing else: no spaces, no
/// unit, no decimal point. Out of range is an error too, with the value clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Atoi {
    Ok(i64),
    /// not a number at all: litmus-go reads 0
    Invalid,
    /// too large: Go returns the clamped value with the error, and litmus-go keeps it
    OutOfRange(i64),
}

impl Atoi {
    /// The value litmus-go ends up with.
    pub fn value(self) -> i64 {
        match self {
            Atoi::Ok(n) | Atoi::OutOfRange(n) => n,
            Atoi::Invalid => 0,
        }
    }
}

pub(super) fn atoi(s: &str) -> Atoi {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Atoi::Invalid;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        match n.checked_mul(10).and_then(|n| {
            if neg {
                n.checked_sub(d)
            } else {
                n.checked_add(d)
            }
        }) {
            Some(v) => n = v,
            None => return Atoi::OutOfRange(if neg { i64::MIN } else { i64::MAX }),
        }
    }
    Atoi::Ok(n)
}

/// `strconv.ParseBool(s)`: `None` is the error litmus-go ignores (and reads as false).
pub(super) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The words Go's `ParseBool` reads, for messages.
pub(super) const BOOL_WORDS: &str = "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False";

/// `strconv.ParseFloat(s, 64)` for the decimal forms Go and Rust read alike: `None` is
/// the error litmus-go ignores (and reads as 0). Go also reads hexadecimal floats
/// (`0x1p-2`) and `_` between digits after a base prefix; those are `Err(())`: the
/// importer does not pretend to know what Litmus made of them.
pub(super) fn parse_float(s: &str) -> Result<Option<f64>, ()> {
    let unsigned = s.trim_start_matches(['+', '-']);
    if unsigned.len() + 1 < s.len() {
        // two signs: an error for Go
        return Ok(None);
    }
    let lower = unsigned.to_ascii_lowercase();
    if lower.starts_with("0x") || lower.starts_with("0b") || lower.starts_with("0o") {
        return Err(());
    }
    if s.is_empty() || s.contains('_') || s.chars().any(char::is_whitespace) {
        return Ok(None);
    }
    match lower.as_str() {
        // Go reads these words, in any case; Rust reads the same set
        "inf" | "infinity" | "nan" => return Ok(s.parse::<f64>().ok()),
        _ => {}
    }
    // digits, one point, an exponent: the forms both languages read the same way
    let ok_chars = unsigned
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !ok_chars {
        return Ok(None);
    }
    Ok(s.parse::<f64>().ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn atoi_reads_what_go_reads() {
        assert_eq!(atoi("60"), Atoi::Ok(60));
        assert_eq!(atoi("+7"), Atoi::Ok(7));
        assert_eq!(atoi("-3"), Atoi::Ok(-3));
        assert_eq!(atoi("007"), Atoi::Ok(7));
        for bad in [
            "", " 60", "60 ", "60s", "60.0", "1e3", "0x10", "1_000", "+", "--1", "６０",
        ] {
            assert_eq!(atoi(bad), Atoi::Invalid, "{bad:?}");
            assert_eq!(atoi(bad).value(), 0);
        }
        assert_eq!(atoi("99999999999999999999"), Atoi::OutOfRange(i64::MAX));
        assert_eq!(atoi("-99999999999999999999").value(), i64::MIN);
    }

    #[test]
    fn parse_bool_reads_what_go_reads() {
        for t in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        for bad in ["yes", "no", " true", "true ", "tRUE", "on", "", "2"] {
            assert_eq!(parse_bool(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parse_float_reads_what_go_reads() {
        assert_eq!(parse_float("0.1"), Ok(Some(0.1)));
        assert_eq!(parse_float("-2.5e-3"), Ok(Some(-0.0025)));
        assert_eq!(parse_float(".5"), Ok(Some(0.5)));
        assert_eq!(parse_float("1."), Ok(Some(1.0)));
        assert_eq!(parse_float("+Inf"), Ok(Some(f64::INFINITY)));
        for bad in [
            "0.1 ", " 0.1", "", "1,000", "0.1,0.2", "1_0", "abc", "1e", "--1",
        ] {
            assert_eq!(parse_float(bad), Ok(None), "{bad:?}");
        }
        assert_eq!(parse_float("0x1p-2"), Err(()));
    }
}
