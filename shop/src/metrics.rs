//! The shop's Prometheus metrics: plain atomics, rendered by hand in the text exposition
//! format (version 0.0.4).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Every metric carries this label, so the scenarios can select `{app="api"}`.
pub const APP: &str = "api";

/// Histogram upper bounds, in seconds (5 ms … 5 s); `+Inf` is implied.
pub const BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// The routes that are counted, in the order they are rendered.
pub const ROUTES: [&str; 2] = ["/read", "/healthz"];

/// The status codes the shop answers with; any other is counted as `500`.
pub const CODES: [u16; 5] = [200, 400, 404, 500, 503];

#[derive(Default)]
struct Histogram {
    /// Per bucket (not cumulative); the last one is `+Inf`.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let idx = BUCKETS
            .iter()
            .position(|le| secs <= *le)
            .unwrap_or(BUCKETS.len());
        self.buckets[idx].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct RouteMetrics {
    requests: [AtomicU64; CODES.len()],
    duration: Histogram,
}

/// All of the shop's metrics.
#[derive(Default)]
pub struct Metrics {
    routes: [RouteMetrics; ROUTES.len()],
    pub cache_hits: AtomicU64,
    pub cache_misses: AtomicU64,
    pub cache_errors: AtomicU64,
}

impl Metrics {
    /// Counts one request to `route` answered with `code` after `elapsed`. Routes that are
    /// not in [`ROUTES`] are not counted.
    pub fn record(&self, route: &str, code: u16, elapsed: Duration) {
        let Some(r) = ROUTES.iter().position(|x| *x == route) else {
            return;
        };
        let route = &self.routes[r];
        let c = CODES.iter().position(|x| *x == code).unwrap_or(3);
        route.requests[c].fetch_add(1, Ordering::Relaxed);
        route.duration.observe(elapsed);
    }

    pub fn hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub fn miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    pub fn error(&self) {
        self.cache_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// The text exposition format, as `GET /metrics` serves it.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail; the results are ignored on purpose.
        let _ = self.render_into(&mut out);
        out
    }

    fn render_into(&self, out: &mut String) -> std::fmt::Result {
        writeln!(
            out,
            "# HELP http_requests_total HTTP requests answered, by route and status code."
        )?;
        writeln!(out, "# TYPE http_requests_total counter")?;
        for (route, m) in ROUTES.iter().zip(&self.routes) {
            for (code, n) in CODES.iter().zip(&m.requests) {
                let n = n.load(Ordering::Relaxed);
                // Always show the codes a dashboard divides by, even at zero, so that
                // `rate()` has a series from the first scrape.
                if n > 0 || *code == 200 || *code == 503 {
                    writeln!(
                        out,
                        "http_requests_total{{app=\"{APP}\",route=\"{route}\",code=\"{code}\"}} {n}"
                    )?;
                }
            }
        }
        writeln!(
            out,
            "# HELP http_request_duration_seconds Time to answer an HTTP request, by route."
        )?;
        writeln!(out, "# TYPE http_request_duration_seconds histogram")?;
        for (route, m) in ROUTES.iter().zip(&self.routes) {
            let h = &m.duration;
            let mut cumulative = 0u64;
            for (i, b) in h.buckets.iter().enumerate() {
                cumulative += b.load(Ordering::Relaxed);
                let le = BUCKETS
                    .get(i)
                    .map_or_else(|| "+Inf".to_string(), |v| format_float(*v));
                writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{app=\"{APP}\",route=\"{route}\",le=\"{le}\"}} {cumulative}"
                )?;
            }
            let sum = h.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            writeln!(
                out,
                "http_request_duration_seconds_sum{{app=\"{APP}\",route=\"{route}\"}} {}",
                format_float(sum)
            )?;
            writeln!(
                out,
                "http_request_duration_seconds_count{{app=\"{APP}\",route=\"{route}\"}} {}",
                h.count.load(Ordering::Relaxed)
            )?;
        }
        for (name, help, v) in [
            (
                "cache_hits_total",
                "Reads answered from Redis.",
                &self.cache_hits,
            ),
            (
                "cache_misses_total",
                "Reads Redis did not have (then read from PostgreSQL).",
                &self.cache_misses,
            ),
            (
                "cache_errors_total",
                "Redis commands that failed or timed out.",
                &self.cache_errors,
            ),
        ] {
            writeln!(out, "# HELP {name} {help}")?;
            writeln!(out, "# TYPE {name} counter")?;
            writeln!(out, "{name}{{app=\"{APP}\"}} {}", v.load(Ordering::Relaxed))?;
        }
        Ok(())
    }
}

/// Floats as Prometheus writes them: `0.005`, `1`, `2.5` (no trailing `.0`).
fn format_float(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting with {prefix} in\n{text}"))
    }

    #[test]
    fn empty_metrics_still_expose_every_family() {
        let text = Metrics::default().render();
        assert!(text.contains("# TYPE http_requests_total counter\n"));
        assert!(text.contains("# TYPE http_request_duration_seconds histogram\n"));
        assert!(text.contains("http_requests_total{app=\"api\",route=\"/read\",code=\"200\"} 0\n"));
        assert!(text.contains("http_requests_total{app=\"api\",route=\"/read\",code=\"503\"} 0\n"));
        assert!(!text.contains("code=\"404\""));
        assert!(text.contains("cache_hits_total{app=\"api\"} 0\n"));
        assert!(text.contains("cache_misses_total{app=\"api\"} 0\n"));
        assert!(text.contains("cache_errors_total{app=\"api\"} 0\n"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn requests_are_counted_by_route_and_code() {
        let m = Metrics::default();
        m.record("/read", 200, Duration::from_millis(3));
        m.record("/read", 200, Duration::from_millis(3));
        m.record("/read", 503, Duration::from_millis(1));
        m.record("/read", 418, Duration::from_millis(1)); // unknown code: counted as 500
        m.record("/nope", 200, Duration::from_millis(1)); // unknown route: not counted
        let text = m.render();
        assert_eq!(
            line(
                &text,
                "http_requests_total{app=\"api\",route=\"/read\",code=\"200\"}"
            ),
            "http_requests_total{app=\"api\",route=\"/read\",code=\"200\"} 2"
        );
        assert!(text.contains("route=\"/read\",code=\"503\"} 1\n"));
        assert!(text.contains("route=\"/read\",code=\"500\"} 1\n"));
        assert!(!text.contains("/nope"));
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let m = Metrics::default();
        m.record("/read", 200, Duration::from_millis(2)); // le 0.005
        m.record("/read", 200, Duration::from_millis(30)); // le 0.05
        m.record("/read", 200, Duration::from_secs(7)); // +Inf only
        let text = m.render();
        let b = |le: &str| {
            line(
                &text,
                &format!("http_request_duration_seconds_bucket{{app=\"api\",route=\"/read\",le=\"{le}\"}}"),
            )
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string()
        };
        assert_eq!(b("0.005"), "1");
        assert_eq!(b("0.025"), "1");
        assert_eq!(b("0.05"), "2");
        assert_eq!(b("1"), "2");
        assert_eq!(b("5"), "2");
        assert_eq!(b("+Inf"), "3");
        assert_eq!(
            line(
                &text,
                "http_request_duration_seconds_count{app=\"api\",route=\"/read\"}"
            ),
            "http_request_duration_seconds_count{app=\"api\",route=\"/read\"} 3"
        );
        assert_eq!(
            line(
                &text,
                "http_request_duration_seconds_sum{app=\"api\",route=\"/read\"}"
            ),
            "http_request_duration_seconds_sum{app=\"api\",route=\"/read\"} 7.032"
        );
        // The buckets come in increasing order of `le`, ending with +Inf.
        let les: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("_bucket{") && l.contains("route=\"/read\""))
            .map(|l| l.split("le=\"").nth(1).unwrap().split('"').next().unwrap())
            .collect();
        assert_eq!(
            les,
            ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"]
        );
    }

    #[test]
    fn every_sample_line_is_name_labels_value() {
        let m = Metrics::default();
        m.record("/read", 200, Duration::from_millis(12));
        m.hit();
        m.miss();
        m.error();
        for l in m.render().lines() {
            if l.starts_with('#') {
                assert!(l.starts_with("# HELP ") || l.starts_with("# TYPE "), "{l}");
                continue;
            }
            let (series, value) = l.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "value of {l}");
            let (name, labels) = series.split_once('{').unwrap();
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            assert!(
                labels.starts_with("app=\"api\"") && labels.ends_with('}'),
                "{l}"
            );
        }
    }
}
