//! `http`: probes a URL every `every`; the value is the error rate or a latency
//! percentile over the probes started in the signal's `window` (default 30 s).
//!
//! The rules (README, "http probes"):
//! - A probe *fails* when it gets no complete answer: a transport error, the timeout, a
//!   body cut off or stalled, or a status of 400 or more. It is an error for
//!   `error_rate`, and in the latency percentiles it counts as `+Inf`: a request that was
//!   never answered is slower than any threshold, so a dead service can never show a
//!   passing p99 (p99 is `+Inf` as soon as more than 1 % of the window's probes failed).
//! - A value is measured at each probe's *start*, over the probes started in the window
//!   before it, and is sent when that probe completes (with its age): a slow answer is a
//!   slow value at the time it was asked for, never a gap in the data.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::Msg;
use crate::scenario::model::Measure;

/// One completed probe.
#[derive(Debug, Clone)]
pub struct Probe {
    pub started: Instant,
    /// the latency of an answer, or why there was none
    pub outcome: Result<Duration, String>,
}

/// What a window of probes measures to, and what the number alone would hide.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub value: f64,
    /// "3 of 60 probes failed (last: timed out)", when any failed
    pub detail: Option<String>,
}

/// The completed probes of the last `window` (and a little more, for probes that
/// complete late), in order of their start.
#[derive(Debug)]
pub struct ProbeWindow {
    window: Duration,
    /// how long a probe can take: probes that started that much before the window are
    /// still needed by a late one
    timeout: Duration,
    probes: VecDeque<Probe>,
}

impl ProbeWindow {
    pub fn new(window: Duration, timeout: Duration) -> Self {
        ProbeWindow {
            window,
            timeout,
            probes: VecDeque::new(),
        }
    }

    pub fn push(&mut self, p: Probe) {
        let pos = self.probes.partition_point(|q| q.started <= p.started);
        self.probes.insert(pos, p);
        let Some(newest) = self.probes.back().map(|q| q.started) else {
            return;
        };
        let keep = self.window + self.timeout + Duration::from_secs(1);
        while self
            .probes
            .front()
            .is_some_and(|f| newest.duration_since(f.started) > keep)
        {
            self.probes.pop_front();
        }
    }

    /// The measure at `at` (a probe's start): over the completed probes started in
    /// (`at` − window, `at`]. `None` when there are none.
    pub fn measure_at(&self, at: Instant, m: Measure) -> Option<Measured> {
        let probes: Vec<&Probe> = self
            .probes
            .iter()
            .filter(|p| p.started <= at && at.duration_since(p.started) < self.window)
            .collect();
        let n = probes.len();
        if n == 0 {
            return None;
        }
        let failed: Vec<&str> = probes
            .iter()
            .filter_map(|p| p.outcome.as_ref().err().map(String::as_str))
            .collect();
        let detail = failed.last().map(|why| {
            format!(
                "{} of {n} probe{} in the last {} failed (last: {why})",
                failed.len(),
                if n == 1 { "" } else { "s" },
                crate::units::format_duration(self.window)
            )
        });
        let value = match m {
            Measure::ErrorRate => failed.len() as f64 / n as f64,
            Measure::P50 | Measure::P90 | Measure::P99 => {
                let q = match m {
                    Measure::P50 => 0.50,
                    Measure::P90 => 0.90,
                    _ => 0.99,
                };
                let mut l: Vec<f64> = probes
                    .iter()
                    .map(|p| match &p.outcome {
                        Ok(latency) => latency.as_secs_f64(),
                        Err(_) => f64::INFINITY,
                    })
                    .collect();
                l.sort_by(|a, b| a.total_cmp(b));
                // nearest rank
                let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
                l[rank - 1]
            }
        };
        Some(Measured { value, detail })
    }
}

/// One probe: `Ok` when a complete answer with a status below 400 arrived.
async fn probe(client: &reqwest::Client, url: &str) -> Result<(), String> {
    let resp = client.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            "timed out".to_string()
        } else {
            crate::faults::error_chain_of(&e)
        }
    })?;
    let status = resp.status();
    // the whole body: the latency covers the whole answer, and an answer cut off or
    // stalled is no answer
    let body = resp.bytes().await;
    if status.as_u16() >= 400 {
        return Err(format!("HTTP {status}"));
    }
    body.map_err(|e| {
        if e.is_timeout() {
            "timed out while reading the body".to_string()
        } else {
            format!(
                "the answer was cut off: {}",
                crate::faults::error_chain_of(&e)
            )
        }
    })?;
    Ok(())
}

pub fn spawn(
    signal: usize,
    url: String,
    every: Duration,
    timeout: Duration,
    measure: Measure,
    window: Duration,
    tx: mpsc::Sender<Msg>,
) -> Result<JoinHandle<()>, String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(4)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let (ptx, mut prx) = mpsc::channel::<Probe>(64);
    Ok(tokio::spawn(async move {
        // Probes run in their own tasks so that a hanging target does not slow the
        // probe rate; the results are folded here as they complete.
        let prober = {
            let client = client.clone();
            tokio::spawn(async move {
                let mut tick = super::ticker(every);
                loop {
                    tick.tick().await;
                    if ptx.is_closed() {
                        return;
                    }
                    let (client, url, ptx) = (client.clone(), url.clone(), ptx.clone());
                    tokio::spawn(async move {
                        let started = Instant::now();
                        let outcome = probe(&client, &url).await.map(|()| started.elapsed());
                        let _ = ptx.send(Probe { started, outcome }).await;
                    });
                }
            })
        };
        let mut probes = ProbeWindow::new(window, timeout);
        while let Some(p) = prx.recv().await {
            let started = p.started;
            probes.push(p);
            let value = probes
                .measure_at(started, measure)
                .ok_or_else(|| "no probe completed".to_string());
            let (value, detail) = match value {
                Ok(m) => (Ok(m.value), m.detail),
                Err(e) => (Err(e), None),
            };
            let msg = Msg::Sample {
                signal,
                value,
                age: started.elapsed(),
                detail,
            };
            if tx.send(msg).await.is_err() {
                break;
            }
        }
        prober.abort();
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(probes: &[(u64, Result<u64, &str>)]) -> (ProbeWindow, Instant) {
        let t0 = Instant::now();
        let mut w = ProbeWindow::new(Duration::from_secs(30), Duration::from_secs(2));
        for (at_ms, outcome) in probes {
            w.push(Probe {
                started: t0 + Duration::from_millis(*at_ms),
                outcome: outcome
                    .map(Duration::from_millis)
                    .map_err(|e| e.to_string()),
            });
        }
        (w, t0)
    }

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn measures_the_probes_started_in_the_window() {
        let (win, t0) = w(&[
            (0, Err("refused")),
            (1000, Ok(10)),
            (2000, Ok(20)),
            (3000, Ok(30)),
            (4000, Err("timed out")),
        ]);
        let m = win.measure_at(at(t0, 4000), Measure::ErrorRate).unwrap();
        assert_eq!(m.value, 0.4);
        assert_eq!(
            m.detail.as_deref(),
            Some("2 of 5 probes in the last 30 s failed (last: timed out)")
        );
        // a failed probe is never a latency that can pass: 2 of 5 failed, so p99 and
        // even p90 are +Inf; p50 is a real answer
        assert_eq!(
            win.measure_at(at(t0, 4000), Measure::P99).unwrap().value,
            f64::INFINITY
        );
        assert_eq!(
            win.measure_at(at(t0, 4000), Measure::P50).unwrap().value,
            0.03
        );
        // measured at a probe's start: later probes are not in it
        assert_eq!(
            win.measure_at(at(t0, 2000), Measure::ErrorRate)
                .unwrap()
                .value,
            1.0 / 3.0
        );
        // the first probe falls out of the window 30 s after it started
        let (win, t0) = w(&[(0, Err("refused")), (30_000, Ok(10))]);
        let m = win.measure_at(at(t0, 30_000), Measure::ErrorRate).unwrap();
        assert_eq!((m.value, m.detail), (0.0, None));
    }

    #[test]
    fn one_failure_in_a_hundred_probes_is_within_p99() {
        let mut probes: Vec<(u64, Result<u64, &str>)> =
            (0..100).map(|i| (i * 100, Ok(5 + i % 7))).collect();
        probes[50].1 = Err("HTTP 503 Service Unavailable");
        let (win, t0) = w(&probes);
        let m = win.measure_at(at(t0, 9900), Measure::P99).unwrap();
        assert!(m.value.is_finite() && m.value <= 0.011, "{m:?}");
        assert!(m.detail.unwrap().starts_with("1 of 100 probes"));
        probes[60].1 = Err("timed out");
        let (win, t0) = w(&probes);
        assert_eq!(
            win.measure_at(at(t0, 9900), Measure::P99).unwrap().value,
            f64::INFINITY
        );
    }

    #[test]
    fn every_probe_failing_is_a_value_not_missing_data() {
        let (win, t0) = w(&[
            (0, Err("connection refused")),
            (500, Err("connection refused")),
        ]);
        let m = win.measure_at(at(t0, 500), Measure::P50).unwrap();
        assert_eq!(m.value, f64::INFINITY);
        assert!(m.detail.unwrap().contains("connection refused"));
        assert_eq!(
            win.measure_at(at(t0, 500), Measure::ErrorRate)
                .unwrap()
                .value,
            1.0
        );
        assert!(
            ProbeWindow::new(Duration::from_secs(1), Duration::from_secs(1))
                .measure_at(Instant::now(), Measure::ErrorRate)
                .is_none()
        );
    }

    #[test]
    fn a_probe_that_completes_late_is_measured_at_its_start() {
        // the slow probe started at 1 s completes after the fast one started at 2 s
        let (mut win, t0) = w(&[(0, Ok(10)), (2000, Ok(10))]);
        win.push(Probe {
            started: at(t0, 1000),
            outcome: Ok(Duration::from_millis(3000)),
        });
        let m = win.measure_at(at(t0, 1000), Measure::P99).unwrap();
        assert_eq!(m.value, 3.0);
        assert_eq!(
            win.measure_at(at(t0, 2000), Measure::P99).unwrap().value,
            3.0
        );
    }

    /// A server that says `Content-Length: 1000`, sends 4 bytes and closes: the probe
    /// fails (curl's exit 18), it is not an answer.
    #[tokio::test]
    async fn a_truncated_body_is_a_failed_probe() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            for _ in 0..2 {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf).await;
                s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabcd")
                    .await
                    .unwrap();
                drop(s);
            }
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let e = probe(&client, &format!("http://{addr}/"))
            .await
            .unwrap_err();
        assert!(e.contains("cut off"), "{e}");
        server.abort();
    }

    /// A body that stalls until the timeout fails the probe too.
    #[tokio::test]
    async fn a_stalled_body_is_a_failed_probe() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(500))
            .build()
            .unwrap();
        let e = probe(&client, &format!("http://{addr}/"))
            .await
            .unwrap_err();
        assert!(e.contains("timed out"), "{e}");
        server.abort();
    }
}
