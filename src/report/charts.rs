//! One SVG chart per signal, written beside the report in `charts/`.
//!
//! Hand-written SVG rather than a plotting crate: a chart is a few dozen elements, and
//! writing them ourselves keeps the output byte-for-byte deterministic (the charts are,
//! like `report.md`, a pure function of the journal), small, and quick to build. Every
//! chart has an explicit size and a white background so that it reads on GitHub in dark
//! mode too, and every piece of text in it is escaped.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::analysis::Point;
use crate::journal::{Event, Record};
use crate::report::{ReportError, Run};
use crate::units::Unit;
use crate::units::{format_offset, format_value};

pub type Ts = DateTime<Utc>;

/// The folder of the run directory the charts go to.
pub const DIR: &str = "charts";

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 320.0;
/// The plot area: room on the left for the value labels, below for the time labels.
const LEFT: f64 = 80.0;
const RIGHT: f64 = WIDTH - 24.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = HEIGHT - 44.0;

/// A span during which a fault was in place: from its injection to its settled revert
/// (`None`: never reverted, the span runs to the chart's end).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultWindow {
    pub fault: String,
    pub start: Ts,
    pub end: Option<Ts>,
}

/// A vertical mark: when the kill switch was pulled.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub ts: Ts,
    pub label: String,
}

/// A horizontal dashed line: the signal's `expect`.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub value: f64,
    pub label: String,
}

/// Everything one chart shows.
#[derive(Debug, Clone)]
pub struct Chart<'a> {
    pub title: &'a str,
    pub unit: Unit,
    pub points: &'a [Point],
    /// time zero of the report: ticks are labelled T+mm:ss from here
    pub zero: Ts,
    pub from: Ts,
    pub to: Ts,
    pub threshold: Option<Threshold>,
    pub windows: Vec<FaultWindow>,
    pub abort: Option<Mark>,
}

/// File names for the charts of these signals, in the same order: lower-case ASCII
/// letters, digits and dashes only, never empty, never two alike (`-2`, `-3`… on a
/// clash), so that any signal name gives a safe, stable path.
pub fn file_names<'n>(names: impl IntoIterator<Item = &'n str>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for name in names {
        let base = slug(name);
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(candidate.clone());
        out.push(format!("{candidate}.svg"));
    }
    out
}

fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s: String = s.trim_matches('-').chars().take(60).collect();
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() {
        "signal".to_string()
    } else {
        s
    }
}

/// The charts of a run, as (file name, SVG text), one per signal in scenario order.
pub fn render_all(records: &[Record]) -> Result<Vec<(String, String)>, ReportError> {
    let run = Run::from_records(records)?;
    let windows = fault_windows(records);
    let abort = records.iter().find_map(|r| match &r.event {
        Event::Abort { by, source, .. } => Some(Mark {
            ts: r.ts,
            label: format!("kill switch ({}, {by})", source.as_str()),
        }),
        _ => None,
    });
    let names = file_names(run.signals.iter().map(|s| s.info.name.as_str()));
    let mut out = Vec::new();
    for (s, file) in run.signals.iter().zip(names) {
        let first = s.points.first().map(|p| p.ts).unwrap_or(run.started());
        let last = s.points.last().map(|p| p.ts).unwrap_or(run.ended());
        let chart = Chart {
            title: &s.info.name,
            unit: s.info.unit,
            points: &s.points,
            zero: run.zero(),
            from: first.min(run.started()),
            to: last.max(run.ended()),
            threshold: s.info.expect.as_ref().map(|c| Threshold {
                value: c.value,
                label: format!("expect {}", c.display(s.info.unit)),
            }),
            windows: windows.clone(),
            abort: abort.clone(),
        };
        out.push((file, svg(&chart)));
    }
    Ok(out)
}

/// Each fault from its injection intent to the revert that settled it.
fn fault_windows(records: &[Record]) -> Vec<FaultWindow> {
    let mut windows: Vec<FaultWindow> = Vec::new();
    for r in records {
        match &r.event {
            Event::FaultInjecting { fault, .. } if !windows.iter().any(|w| w.fault == *fault) => {
                windows.push(FaultWindow {
                    fault: fault.clone(),
                    start: r.ts,
                    end: None,
                });
            }
            Event::FaultReverted {
                fault,
                ok,
                will_retry,
                ..
            } if *ok || !*will_retry => {
                if let Some(w) = windows
                    .iter_mut()
                    .find(|w| w.fault == *fault && w.end.is_none())
                {
                    w.end = Some(r.ts);
                }
            }
            _ => {}
        }
    }
    windows
}

/// Text made safe for SVG content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // characters XML 1.0 does not allow
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// "T+00:23", or "T−00:10" before time zero (as the report's timeline writes it).
fn t_label(zero: Ts, ts: Ts) -> String {
    let ms = (ts - zero).num_milliseconds();
    if ms <= -1000 {
        format!("T{}", format_offset(ms))
    } else {
        format!("T+{}", format_offset(ms))
    }
}

/// Maps times and values to the plot area.
struct Scale {
    from: Ts,
    span_ms: f64,
    lo: f64,
    hi: f64,
}

impl Scale {
    fn x(&self, ts: Ts) -> f64 {
        let ms = (ts - self.from).num_milliseconds() as f64;
        (LEFT + ms / self.span_ms * (RIGHT - LEFT)).clamp(LEFT, RIGHT)
    }

    fn y(&self, v: f64) -> f64 {
        (BOTTOM - (v - self.lo) / (self.hi - self.lo) * (BOTTOM - TOP)).clamp(TOP, BOTTOM)
    }
}

/// A step of 1, 2 or 5 times a power of ten that cuts `range` in about `parts` pieces.
fn nice_step(range: f64, parts: f64) -> f64 {
    let raw = range / parts;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The value axis: from 0 (or the lowest value) to a little above the highest, the
/// threshold included, rounded out to whole steps.
fn value_range(chart: &Chart) -> (f64, f64, f64) {
    let mut values: Vec<f64> = chart
        .points
        .iter()
        .filter_map(|p| p.value)
        .filter(|v| v.is_finite())
        .collect();
    if let Some(t) = &chart.threshold {
        if t.value.is_finite() {
            values.push(t.value);
        }
    }
    let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0, 0.25);
    }
    if lo >= 0.0 {
        lo = 0.0;
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        hi = lo + if lo == 0.0 { 1.0 } else { lo.abs() };
    }
    let step = nice_step(hi - lo, 4.0);
    // a little room above the highest value, so that a flat line at the top is seen
    let hi = hi + (hi - lo) * 0.05;
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    (lo, hi, step)
}

/// A time step that gives at most eight labelled ticks.
fn time_step_ms(span_ms: f64) -> i64 {
    const STEPS_S: [i64; 14] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
    ];
    for s in STEPS_S {
        if span_ms / (s as f64 * 1000.0) <= 8.0 {
            return s * 1000;
        }
    }
    let hours = (span_ms / 3_600_000.0 / 8.0).ceil().max(1.0) as i64;
    hours * 3_600_000
}

/// A coordinate, to one decimal: enough for the eye, short and stable.
fn n(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> String {
    let span_ms = ((chart.to - chart.from).num_milliseconds() as f64).max(1000.0);
    let (lo, hi, step) = value_range(chart);
    let scale = Scale {
        from: chart.from,
        span_ms,
        lo,
        hi,
    };
    let title = escape(chart.title);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="12">"##,
        w = n(WIDTH),
        h = n(HEIGHT)
    );
    let _ = writeln!(s, "<title>{title}</title>");
    let _ = writeln!(
        s,
        r##"<rect class="background" x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        n(WIDTH),
        n(HEIGHT)
    );
    let _ = writeln!(
        s,
        r##"<text class="title" x="{}" y="22" font-size="15" font-weight="bold" fill="#111111">{title}</text>"##,
        n(LEFT)
    );

    // fault windows, under everything else
    for w in &chart.windows {
        let x1 = scale.x(w.start);
        let x2 = scale.x(w.end.unwrap_or(chart.to));
        let until = match w.end {
            Some(e) => t_label(chart.zero, e),
            None => "not reverted".to_string(),
        };
        let _ = writeln!(
            s,
            r##"<rect class="fault-window" x="{}" y="{}" width="{}" height="{}" fill="#f59e0b" fill-opacity="0.22"><title>{} {} → {}</title></rect>"##,
            n(x1),
            n(TOP),
            n((x2 - x1).max(1.0)),
            n(BOTTOM - TOP),
            escape(&w.fault),
            t_label(chart.zero, w.start),
            escape(&until)
        );
        let _ = writeln!(
            s,
            r##"<text class="fault-label" x="{}" y="{}" font-size="11" fill="#92400e">{}</text>"##,
            n(x1 + 3.0),
            n(TOP + 13.0),
            escape(&w.fault)
        );
    }

    // axes, grid and ticks
    // values near f64::MAX can make the range infinite: never more than a few ticks
    let ticks = ((hi - lo) / step).round();
    let ticks = if ticks.is_finite() {
        (ticks as i64).clamp(0, 20)
    } else {
        0
    };
    for i in 0..=ticks {
        let v = lo + i as f64 * step;
        let y = scale.y(v);
        let _ = writeln!(
            s,
            r##"<line class="grid" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#e5e7eb" stroke-width="1"/>"##,
            n(LEFT),
            n(RIGHT),
            y = n(y)
        );
        let _ = writeln!(
            s,
            r##"<text class="y-tick" x="{}" y="{}" text-anchor="end" fill="#374151">{}</text>"##,
            n(LEFT - 6.0),
            n(y + 4.0),
            escape(&format_value(v, chart.unit))
        );
    }
    let step_ms = time_step_ms(span_ms);
    let from_ms = (chart.from - chart.zero).num_milliseconds();
    let to_ms = from_ms + span_ms as i64;
    let mut k = from_ms.div_euclid(step_ms);
    if k * step_ms < from_ms {
        k += 1;
    }
    while k * step_ms <= to_ms {
        let ts = chart.zero + chrono::Duration::milliseconds(k * step_ms);
        let x = scale.x(ts);
        let _ = writeln!(
            s,
            r##"<line class="x-tick" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#6b7280" stroke-width="1"/>"##,
            n(BOTTOM),
            n(BOTTOM + 5.0),
            x = n(x)
        );
        let _ = writeln!(
            s,
            r##"<text class="x-label" x="{}" y="{}" text-anchor="middle" fill="#374151">{}</text>"##,
            n(x),
            n(BOTTOM + 19.0),
            t_label(chart.zero, ts)
        );
        k += 1;
    }
    let _ = writeln!(
        s,
        r##"<path class="axes" d="M{l} {t} V{b} H{r}" fill="none" stroke="#6b7280" stroke-width="1"/>"##,
        l = n(LEFT),
        t = n(TOP),
        b = n(BOTTOM),
        r = n(RIGHT)
    );

    // the threshold
    if let Some(t) = chart.threshold.as_ref().filter(|t| t.value.is_finite()) {
        let y = scale.y(t.value);
        let _ = writeln!(
            s,
            r##"<line class="threshold" x1="{}" y1="{y}" x2="{}" y2="{y}" stroke="#dc2626" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
            n(LEFT),
            n(RIGHT),
            y = n(y)
        );
        let _ = writeln!(
            s,
            r##"<text class="threshold-label" x="{}" y="{}" text-anchor="end" font-size="11" fill="#dc2626">{}</text>"##,
            n(RIGHT - 4.0),
            n((y - 4.0).max(TOP + 10.0)),
            escape(&t.label)
        );
    }

    // the samples: one line per run of values, a gap wherever a sample was missing
    let mut run: Vec<(f64, f64)> = Vec::new();
    let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
    for p in chart.points {
        match p.value.filter(|v| v.is_finite()) {
            Some(v) => run.push((scale.x(p.ts), scale.y(v))),
            None => {
                if !run.is_empty() {
                    runs.push(std::mem::take(&mut run));
                }
            }
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    for r in &runs {
        if let [(x, y)] = r.as_slice() {
            let _ = writeln!(
                s,
                r##"<circle class="sample" cx="{}" cy="{}" r="2.5" fill="#1d4ed8"/>"##,
                n(*x),
                n(*y)
            );
            continue;
        }
        let pts: Vec<String> = r
            .iter()
            .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
            .collect();
        let _ = writeln!(
            s,
            r##"<polyline class="samples" points="{}" fill="none" stroke="#1d4ed8" stroke-width="1.8" stroke-linejoin="round"/>"##,
            pts.join(" ")
        );
    }
    if runs.is_empty() {
        let _ = writeln!(
            s,
            r##"<text class="no-data" x="{}" y="{}" text-anchor="middle" fill="#6b7280">no samples</text>"##,
            n((LEFT + RIGHT) / 2.0),
            n((TOP + BOTTOM) / 2.0)
        );
    }

    // the kill switch, on top
    if let Some(a) = &chart.abort {
        let x = scale.x(a.ts);
        let _ = writeln!(
            s,
            r##"<line class="abort" x1="{x}" y1="{}" x2="{x}" y2="{}" stroke="#111111" stroke-width="2"/>"##,
            n(TOP - 6.0),
            n(BOTTOM),
            x = n(x)
        );
        let anchor = if x > (LEFT + RIGHT) / 2.0 {
            "end"
        } else {
            "start"
        };
        let dx = if anchor == "end" { -4.0 } else { 4.0 };
        let _ = writeln!(
            s,
            r##"<text class="abort-label" x="{}" y="{}" text-anchor="{anchor}" font-size="11" font-weight="bold" fill="#111111">{} at {}</text>"##,
            n(x + dx),
            n(TOP - 8.0),
            escape(&a.label),
            t_label(chart.zero, a.ts)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Ts {
        DateTime::from_timestamp(1_795_773_600 + secs, 0).unwrap()
    }

    fn points() -> Vec<Point> {
        (0..=100)
            .map(|s| Point {
                ts: at(s),
                value: if (40..45).contains(&s) {
                    None
                } else {
                    Some(if (30..60).contains(&s) { 0.5 } else { 0.08 })
                },
            })
            .collect()
    }

    fn chart(points: &[Point]) -> Chart<'_> {
        Chart {
            title: "p99 <read> & \"latency\"",
            unit: Unit::Seconds,
            points,
            zero: at(30),
            from: at(0),
            to: at(100),
            threshold: Some(Threshold {
                value: 0.3,
                label: "expect < 300 ms".into(),
            }),
            windows: vec![FaultWindow {
                fault: "stop <redis>".into(),
                start: at(30),
                end: Some(at(80)),
            }],
            abort: Some(Mark {
                ts: at(50),
                label: "kill switch (key, alice)".into(),
            }),
        }
    }

    fn x_of(secs: f64) -> f64 {
        LEFT + secs / 100.0 * (RIGHT - LEFT)
    }

    fn f(node: &roxmltree::Node, attr: &str) -> f64 {
        node.attribute(attr).unwrap().parse().unwrap()
    }

    fn by_class<'a>(doc: &'a roxmltree::Document, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .collect()
    }

    #[test]
    fn threshold_window_and_abort_are_where_they_happened() {
        let pts = points();
        let text = svg(&chart(&pts));
        let doc = roxmltree::Document::parse(&text).unwrap();
        let root = doc.root_element();
        assert_eq!(root.attribute("viewBox"), Some("0 0 800 320"));
        assert_eq!(root.attribute("width"), Some("800"));

        let window = &by_class(&doc, "fault-window")[0];
        assert!((f(window, "x") - x_of(30.0)).abs() < 0.1, "{text}");
        assert!((f(window, "width") - (x_of(80.0) - x_of(30.0))).abs() < 0.2);
        let tooltip = window
            .children()
            .find(|c| c.has_tag_name("title"))
            .and_then(|t| t.text());
        assert_eq!(tooltip, Some("stop <redis> T+00:00 → T+00:50"));

        let abort = &by_class(&doc, "abort")[0];
        assert!((f(abort, "x1") - x_of(50.0)).abs() < 0.1);
        assert_eq!(f(abort, "x1"), f(abort, "x2"));
        let label = by_class(&doc, "abort-label")[0].text().unwrap();
        assert_eq!(label, "kill switch (key, alice) at T+00:20");

        // the threshold is dashed, horizontal, and sits between the two levels
        let th = &by_class(&doc, "threshold")[0];
        assert!(th.attribute("stroke-dasharray").is_some());
        assert_eq!(f(th, "y1"), f(th, "y2"));
        let samples = by_class(&doc, "samples");
        let ys: Vec<f64> = samples
            .iter()
            .flat_map(|p| p.attribute("points").unwrap().split(' '))
            .map(|xy| xy.split(',').nth(1).unwrap().parse::<f64>().unwrap())
            .collect();
        let (high, low) = (
            ys.iter().copied().fold(f64::INFINITY, f64::min),
            ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        );
        assert!(
            high < f(th, "y1") && f(th, "y1") < low,
            "{high} {} {low}",
            f(th, "y1")
        );
        assert_eq!(
            by_class(&doc, "threshold-label")[0].text(),
            Some("expect < 300 ms")
        );
    }

    #[test]
    fn missing_samples_leave_a_gap() {
        let pts = points();
        let text = svg(&chart(&pts));
        let doc = roxmltree::Document::parse(&text).unwrap();
        let lines = by_class(&doc, "samples");
        assert_eq!(lines.len(), 2, "{text}");
        let last_x_before = lines[0]
            .attribute("points")
            .unwrap()
            .split(' ')
            .next_back()
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap();
        assert!((last_x_before - x_of(39.0)).abs() < 0.1);
    }

    #[test]
    fn text_is_escaped_and_ticks_are_labelled_from_time_zero() {
        let pts = points();
        let text = svg(&chart(&pts));
        assert!(
            text.contains("p99 &lt;read&gt; &amp; &quot;latency&quot;"),
            "{text}"
        );
        assert!(!text.contains("<read>"));
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(
            by_class(&doc, "title")[0].text(),
            Some("p99 <read> & \"latency\"")
        );
        let xs: Vec<&str> = by_class(&doc, "x-label")
            .iter()
            .map(|n| n.text().unwrap())
            .collect();
        assert!(xs.contains(&"T−00:30") && xs.contains(&"T+00:00"), "{xs:?}");
        assert!(xs.len() <= 9, "{xs:?}");
        let ys: Vec<&str> = by_class(&doc, "y-tick")
            .iter()
            .map(|n| n.text().unwrap())
            .collect();
        assert!(
            ys.contains(&"0 ms") && ys.iter().any(|y| y.ends_with("ms")),
            "{ys:?}"
        );
    }

    #[test]
    fn the_same_chart_gives_the_same_bytes() {
        let pts = points();
        assert_eq!(svg(&chart(&pts)), svg(&chart(&pts)));
    }

    #[test]
    fn a_signal_without_samples_still_gives_a_valid_chart() {
        let mut c = chart(&[]);
        c.threshold = None;
        c.abort = None;
        let text = svg(&c);
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(by_class(&doc, "no-data").len(), 1);
    }

    proptest::proptest! {
        // a fixed seed, as every property test here: a red run is reproducible
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 512,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x6368_6172_7473),
            .. proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn any_name_and_any_values_give_well_formed_svg(
            title in "\\PC{0,40}|[\\x00-\\x1f<>&'\"\u{fffe}\u{ffff}]{0,10}",
            values in proptest::collection::vec(
                proptest::option::of(proptest::num::f64::ANY), 0..50),
            threshold in proptest::prop_oneof![
                proptest::num::f64::ANY,
                proptest::strategy::Just(f64::MAX),
                proptest::strategy::Just(-f64::MAX),
            ],
            start in -100i64..200,
            len in 0i64..200,
        ) {
            let points: Vec<Point> = values
                .iter()
                .enumerate()
                .map(|(i, v)| Point { ts: at(i as i64 * 3 - 20), value: *v })
                .collect();
            let chart = Chart {
                title: &title,
                unit: Unit::Ratio,
                points: &points,
                zero: at(start),
                from: at(-20),
                to: at(130),
                threshold: Some(Threshold { value: threshold, label: title.clone() }),
                windows: vec![FaultWindow {
                    fault: title.clone(),
                    start: at(start),
                    end: Some(at(start + len)),
                }],
                abort: Some(Mark { ts: at(start + len / 2), label: title.clone() }),
            };
            let text = svg(&chart);
            proptest::prop_assert!(roxmltree::Document::parse(&text).is_ok(), "{}", text);
            let doc = roxmltree::Document::parse(&text).unwrap();
            let shown = by_class(&doc, "title")[0].text().unwrap_or("").to_string();
            let expected: String = title
                .chars()
                .map(|c| if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' { ' ' } else { c })
                .collect();
            proptest::prop_assert_eq!(shown, expected);
        }
    }

    #[test]
    fn file_names_are_safe_and_unique() {
        let names = file_names([
            "p99 read latency",
            "P99 Read Latency",
            "../../etc/passwd",
            "§§§",
            "",
            "5xx error-rate (%)",
            "p99 read latency-2",
        ]);
        assert_eq!(
            names,
            [
                "p99-read-latency.svg",
                "p99-read-latency-2.svg",
                "etc-passwd.svg",
                "signal.svg",
                "signal-2.svg",
                "5xx-error-rate.svg",
                "p99-read-latency-2-2.svg",
            ]
        );
        for n in &names {
            assert!(n
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'));
        }
    }
}
