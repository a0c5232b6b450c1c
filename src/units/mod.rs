//! Showing numbers and durations the way an on-call engineer reads them.

use std::time::Duration;

pub mod criterion;
pub mod duration;

pub use criterion::{parse_criterion, Criterion, Measure, Op, Unit};

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
            Op::Gt => value > threshold,
            Op::Ge => value >= threshold,
            Op::Eq => value == threshold,
            Op::Ne => value != threshold,
        }
    }

    /// Whether `a` is further than `b` on the wrong side of `OP threshold`: the larger
    /// for `<` and `<=`, the smaller for `>` and `>=`, the further from the threshold for
    /// `==` and the closer to it for `!=`. Equal is not worse: the first seen stays.
    pub fn worse(self, a: f64, b: f64, threshold: f64) -> bool {
        let dist = |v: f64| {
            if v == threshold {
                0.0
            } else {
                (v - threshold).abs()
            }
        };
        match self {
            Op::Lt | Op::Le => a > b,
            Op::Gt | Op::Ge => a < b,
            Op::Eq => dist(a) > dist(b),
            Op::Ne => dist(a) < dist(b),
        }
    }
}

impl Criterion {
    /// NaN never holds: missing data is never a pass.
    pub fn holds(&self, value: f64) -> bool {
        !value.is_nan() && self.op.holds(value, self.value)
    }

    /// "< 300 ms", in the unit's own words.
    pub fn display(&self, unit: Unit) -> String {
        format!("{} {}", self.op.symbol(), format_value(self.value, unit))
    }
}

/// Trims a formatted float of trailing zeros: 1.50 → 1.5, 2.00 → 2.
fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Up to `digits` significant digits (at least three), without trailing zeros; values of
/// 100 and more keep every integer digit.
fn sig(v: f64, digits: usize) -> String {
    // beyond a quadrillion (or below a millionth), digits read better as an exponent
    let a = v.abs();
    if a != 0.0 && !(1e-6..1e15).contains(&a) {
        let text = format!("{:.*e}", digits.saturating_sub(1).min(16), v);
        return match text.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim(mantissa.to_string())),
            None => text,
        };
    }
    if digits > 3 {
        let a = v.abs();
        let int_digits = if a >= 1.0 {
            a.log10().floor() as usize + 1
        } else {
            1
        };
        let lead_zeros = if a > 0.0 && a < 1.0 {
            (-a.log10()).floor() as usize
        } else {
            0
        };
        let decimals = digits.saturating_sub(int_digits) + lead_zeros;
        return trim(format!("{v:.decimals$}"));
    }
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.4}")
    };
    trim(s)
}

pub fn format_value(v: f64, unit: Unit) -> String {
    format_digits(v, unit, 3)
}

/// `v` shown beside the threshold it is judged against: with as many digits as it takes
/// for a value that differs from the threshold never to read as the threshold itself
/// (1048577 B against `< 1MiB` is "1.00000095 MiB", not "1 MiB").
pub fn format_value_against(v: f64, threshold: f64, unit: Unit) -> String {
    let mut digits = 3;
    loop {
        let shown = format_digits(v, unit, digits);
        if v == threshold || digits >= 17 || shown != format_digits(threshold, unit, digits) {
            return shown;
        }
        digits += 1;
    }
}

fn format_digits(v: f64, unit: Unit, digits: usize) -> String {
    if v.is_nan() {
        return "no data".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let sig3 = |v: f64| sig(v, digits);
    match unit {
        Unit::Ratio => format!("{} %", sig3(v * 100.0)),
        Unit::Seconds => {
            if v.abs() < 1.0 {
                format!("{} ms", sig3(v * 1000.0))
            } else if v.abs() < 120.0 {
                format!("{} s", sig3(v))
            } else {
                format!("{} min", sig3(v / 60.0))
            }
        }
        Unit::Bytes => {
            let a = v.abs();
            if a >= 1024.0 * 1024.0 * 1024.0 {
                format!("{} GiB", sig3(v / (1024.0 * 1024.0 * 1024.0)))
            } else if a >= 1024.0 * 1024.0 {
                format!("{} MiB", sig3(v / (1024.0 * 1024.0)))
            } else if a >= 1024.0 {
                format!("{} KiB", sig3(v / 1024.0))
            } else {
                format!("{} B", sig3(v))
            }
        }
        Unit::Count | Unit::None => sig3(v),
    }
}

/// "48 s", "18.4 s", "1 min 12 s", "1 h 3 min", "450 ms". Rounded, never truncated:
/// 18.997 s is "19 s".
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        if ms == 0 {
            return "0 s".to_string();
        }
        return format!("{ms} ms");
    }
    if ms < 59_950 {
        // a tenth of a second below a minute: 10.4 s against `within: 10s` must not
        // read "10 s"
        return format!("{} s", trim(format!("{:.1}", d.as_secs_f64())));
    }
    let s = (ms + 500) / 1000;
    let s = s as u64;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    match (h, m, s) {
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

/// `d` shown beside the limit it is judged against, with as many digits as it takes for a
/// duration over the limit never to read as the limit ("10.04 s" against `within: 10s`).
pub fn format_duration_against(d: Duration, limit: Duration) -> String {
    let shown = format_duration(d);
    if d == limit || shown != format_duration(limit) {
        return shown;
    }
    if d.as_secs() < 60 {
        let exact = trim(format!("{:.3}", d.as_secs_f64()));
        return format!("{exact} s");
    }
    format!("{} ms", d.as_millis())
}

/// The scenario's own spelling of a duration: 30s, 2m, 1m30s, 500ms (one function,
/// the parser's: what is shown is what can be written back).
pub use duration::format_duration as format_duration_short;

/// `mm:ss` with a sign for times before the reference: "-02:00", "00:42", "61:05".
pub fn format_offset(ms: i64) -> String {
    // a few milliseconds before the reference is not "before" to a reader
    let sign = if ms <= -1000 { "−" } else { "" };
    let s = ms.unsigned_abs() / 1000;
    format!("{sign}{:02}:{:02}", s / 60, s % 60)
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const SPARKS_ASCII: [char; 8] = ['_', '.', '-', '~', '=', '+', '*', '#'];

/// A text sparkline of at most `width` points (the last ones); missing data is a space.
///
/// The scale runs from zero (or the lowest value, if one is negative) to the highest
/// value or `threshold` (the signal's `expect`), whichever is higher: a p99 steady at
/// 119 ms under a 300 ms threshold draws a flat line at two fifths of the height, never
/// `▁` then `█` for a millisecond of jitter, and a spike toward the threshold reads as
/// one. Scaling a line to its own minimum and maximum draws noise as an outage.
pub fn sparkline(
    values: &[Option<f64>],
    width: usize,
    ascii: bool,
    threshold: Option<f64>,
) -> String {
    let start = values.len().saturating_sub(width);
    let values = &values[start..];
    let present = values.iter().flatten().copied().filter(|v| v.is_finite());
    let (mut lo, mut hi) = (0.0f64, f64::NEG_INFINITY);
    for v in present.chain(threshold.filter(|t| t.is_finite())) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let chars = if ascii { SPARKS_ASCII } else { SPARKS };
    values
        .iter()
        .map(|v| match v {
            Some(v) if v.is_finite() => {
                let idx = if hi > lo {
                    (((v - lo) / (hi - lo)) * 7.0).round() as usize
                } else {
                    0
                };
                chars[idx.min(7)]
            }
            // +Inf (nothing answered) is off the top, -Inf off the bottom
            Some(v) if *v == f64::INFINITY => chars[7],
            Some(v) if *v == f64::NEG_INFINITY => chars[0],
            _ => ' ',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_naturally() {
        assert_eq!(format_value(0.0041, Unit::Ratio), "0.41 %");
        assert_eq!(format_value(0.01, Unit::Ratio), "1 %");
        assert_eq!(format_value(0.412, Unit::Seconds), "412 ms");
        assert_eq!(format_value(1.21, Unit::Seconds), "1.21 s");
        assert_eq!(format_value(3.0, Unit::Count), "3");
        assert_eq!(format_value(1536.0, Unit::Bytes), "1.5 KiB");
        assert_eq!(format_value(f64::NAN, Unit::Count), "no data");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_secs(48)), "48 s");
        assert_eq!(format_duration(Duration::from_secs(445)), "7 min 25 s");
        assert_eq!(format_duration(Duration::from_millis(3)), "3 ms");
        assert_eq!(format_duration(Duration::from_millis(2500)), "2.5 s");
        assert_eq!(format_duration_short(Duration::from_secs(90)), "1m30s");
        assert_eq!(format_duration_short(Duration::from_millis(500)), "500ms");
        assert_eq!(format_offset(-120_000), "−02:00");
        assert_eq!(format_offset(42_900), "00:42");
    }

    #[test]
    fn rounding_never_makes_a_violation_read_as_the_threshold() {
        let mib = 1024.0 * 1024.0;
        assert_eq!(
            format_value_against(mib + 1.0, mib, Unit::Bytes),
            "1.000001 MiB"
        );
        assert_eq!(
            format_value_against(512.0 * 1024.0 + 1.0, 512.0 * 1024.0, Unit::Bytes),
            "512.001 KiB"
        );
        assert_eq!(format_value_against(mib, mib, Unit::Bytes), "1 MiB");
        assert_eq!(format_value_against(0.3001, 0.3, Unit::Seconds), "300.1 ms");
        assert_eq!(format_value_against(0.5, 0.3, Unit::Seconds), "500 ms");
        assert_eq!(
            format_value_against(0.010001, 0.01, Unit::Ratio),
            "1.0001 %"
        );
        assert_eq!(format_value(f64::INFINITY, Unit::Seconds), "+Inf");
        assert_eq!(format_value(1e308, Unit::None), "1e308");
        assert_eq!(format_value(-1.5e20, Unit::Count), "-1.5e20");
        assert_eq!(format_value(2.5e-9, Unit::None), "2.5e-9");
        assert_eq!(
            format_value_against(1.0000001e20, 1e20, Unit::None),
            "1.0000001e20"
        );
        assert_eq!(format_value(f64::NEG_INFINITY, Unit::Count), "-Inf");
        // durations are rounded, and never read as the limit they exceed
        assert_eq!(format_duration(Duration::from_millis(18_997)), "19 s");
        assert_eq!(format_duration(Duration::from_millis(10_400)), "10.4 s");
        assert_eq!(
            format_duration_against(Duration::from_millis(10_040), Duration::from_secs(10)),
            "10.04 s"
        );
        assert_eq!(
            format_duration_against(Duration::from_secs(10), Duration::from_secs(10)),
            "10 s"
        );
        assert_eq!(format_duration(Duration::from_millis(59_999)), "1 min");
        assert_eq!(format_duration(Duration::from_millis(90_400)), "1 min 30 s");
    }

    #[test]
    fn worst_is_the_farthest_on_the_wrong_side() {
        assert!(Op::Lt.worse(5.0, 4.0, 1.0));
        assert!(Op::Gt.worse(-5.0, 4.0, 1.0));
        assert!(Op::Eq.worse(-10.0, 2.0, 3.0));
        assert!(!Op::Eq.worse(2.0, -10.0, 3.0));
        assert!(Op::Ne.worse(3.0, 2.0, 3.0));
        assert!(Op::Eq.worse(f64::INFINITY, 9.0, 3.0));
    }

    #[test]
    fn criteria_hold_and_nan_never_holds() {
        let c = Criterion {
            op: Op::Lt,
            value: 0.3,
            for_: None,
            text: "< 300ms".into(),
        };
        assert!(c.holds(0.2));
        assert!(!c.holds(0.3));
        assert!(!c.holds(f64::NAN));
        assert_eq!(c.display(Unit::Seconds), "< 300 ms");
    }

    #[test]
    fn sparkline_scales_and_marks_gaps() {
        assert_eq!(
            sparkline(&[Some(0.0), Some(1.0), None, Some(0.5)], 10, false, None),
            "▁█ ▅"
        );
        assert_eq!(
            sparkline(&[Some(1.0), Some(2.0), Some(3.0)], 2, true, None),
            "+#"
        );
    }

    #[test]
    fn a_steady_signal_draws_a_flat_line() {
        // a p99 at 119 ms with a millisecond of jitter, under a 300 ms threshold
        let steady: Vec<Option<f64>> = [0.119, 0.1195, 0.1188, 0.119, 0.1201, 0.119]
            .into_iter()
            .map(Some)
            .collect();
        let line = sparkline(&steady, 10, false, Some(0.3));
        assert_eq!(line, "▄▄▄▄▄▄", "{line}");
        // without a threshold, from zero: flat at the top, never ▁ then █
        assert_eq!(sparkline(&steady, 10, true, None), "######");
        // all zero: flat at the bottom
        assert_eq!(sparkline(&[Some(0.0); 4], 10, false, Some(0.01)), "▁▁▁▁");
        // a spike toward the threshold still reads as one
        let spiky = [Some(0.01), Some(0.01), Some(0.28), Some(0.01)];
        assert_eq!(sparkline(&spiky, 10, false, Some(0.3)), "▁▁█▁");
    }
}
