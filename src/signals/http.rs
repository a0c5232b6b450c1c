//! `http`: probes a URL every `every`; the value is the error rate or a latency
//! percentile over the last 30 s of probes.
//!
//! A failed probe (transport error, timeout, status ≥ 400) counts as an error, and in
//! the latency percentiles as the full timeout: a request that failed is at least as bad
//! for a user as the slowest one that succeeded, so a dead service never shows a fast p99.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::Msg;
use crate::scenario::model::Measure;

pub const WINDOW: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub at: Instant,
    pub ok: bool,
    pub latency: Duration,
}

/// The last 30 s of probes.
#[derive(Debug, Default)]
pub struct ProbeWindow {
    probes: VecDeque<Probe>,
    /// the most recent failure, shown when every probe failed
    pub last_error: Option<String>,
}

impl ProbeWindow {
    pub fn push(&mut self, p: Probe) {
        self.probes.push_back(p);
        while self
            .probes
            .front()
            .is_some_and(|f| p.at.duration_since(f.at) > WINDOW)
        {
            self.probes.pop_front();
        }
    }

    pub fn measure(&self, m: Measure, timeout: Duration) -> Result<f64, String> {
        if self.probes.is_empty() {
            return Err("no probe yet".to_string());
        }
        let n = self.probes.len();
        match m {
            Measure::ErrorRate => {
                Ok(self.probes.iter().filter(|p| !p.ok).count() as f64 / n as f64)
            }
            Measure::P50 | Measure::P90 | Measure::P99 => {
                if self.probes.iter().all(|p| !p.ok) {
                    let why = self
                        .last_error
                        .clone()
                        .unwrap_or_else(|| "every probe failed".into());
                    return Err(format!("every probe in the last 30 s failed: {why}"));
                }
                let q = match m {
                    Measure::P50 => 0.50,
                    Measure::P90 => 0.90,
                    _ => 0.99,
                };
                let mut l: Vec<f64> = self
                    .probes
                    .iter()
                    .map(|p| {
                        if p.ok {
                            p.latency
                        } else {
                            timeout.max(p.latency)
                        }
                        .as_secs_f64()
                    })
                    .collect();
                l.sort_by(|a, b| a.total_cmp(b));
                // nearest rank
                let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
                Ok(l[rank - 1])
            }
        }
    }
}

async fn probe(client: &reqwest::Client, url: &str) -> (bool, Option<String>) {
    match client.get(url).send().await {
        Ok(resp) => {
            let status = resp.status();
            // read the body so the latency covers the whole response
            let _ = resp.bytes().await;
            if status.as_u16() >= 400 {
                (false, Some(format!("HTTP {status}")))
            } else {
                (true, None)
            }
        }
        Err(e) if e.is_timeout() => (false, Some("timed out".to_string())),
        Err(e) => (false, Some(crate::faults::error_chain_of(&e))),
    }
}

pub fn spawn(
    signal: usize,
    url: String,
    every: Duration,
    timeout: Duration,
    measure: Measure,
    tx: mpsc::Sender<Msg>,
) -> Result<JoinHandle<()>, String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .pool_max_idle_per_host(4)
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let (ptx, mut prx) = mpsc::channel::<(Probe, Option<String>)>(64);
    Ok(tokio::spawn(async move {
        // Probes run in their own tasks so that a hanging target does not slow the
        // probe rate; the results are folded here in arrival order.
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
                        let start = Instant::now();
                        let (ok, err) = probe(&client, &url).await;
                        let p = Probe {
                            at: Instant::now(),
                            ok,
                            latency: start.elapsed(),
                        };
                        let _ = ptx.send((p, err)).await;
                    });
                }
            })
        };
        let mut window = ProbeWindow::default();
        while let Some((p, err)) = prx.recv().await {
            if err.is_some() {
                window.last_error = err;
            }
            window.push(p);
            let value = window.measure(measure, timeout);
            if tx.send(Msg::Sample { signal, value }).await.is_err() {
                break;
            }
        }
        prober.abort();
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(probes: &[(u64, bool, u64)]) -> ProbeWindow {
        let t0 = Instant::now();
        let mut w = ProbeWindow::default();
        for &(at_ms, ok, lat_ms) in probes {
            w.push(Probe {
                at: t0 + Duration::from_millis(at_ms),
                ok,
                latency: Duration::from_millis(lat_ms),
            });
        }
        w
    }

    #[test]
    fn measures_over_the_last_30_seconds() {
        let timeout = Duration::from_secs(2);
        let win = w(&[
            (0, false, 5),
            (1000, true, 10),
            (2000, true, 20),
            (3000, true, 30),
            (4000, false, 1),
        ]);
        assert_eq!(win.measure(Measure::ErrorRate, timeout), Ok(0.4));
        // failures count as the timeout in the percentiles
        assert_eq!(win.measure(Measure::P99, timeout), Ok(2.0));
        assert_eq!(win.measure(Measure::P50, timeout), Ok(0.03));
        // the first probe falls out of the window 30 s later
        let win = w(&[(0, false, 5), (31_000, true, 10)]);
        assert_eq!(win.measure(Measure::ErrorRate, timeout), Ok(0.0));
    }

    #[test]
    fn all_failed_latency_is_an_error_not_a_number() {
        let mut win = w(&[(0, false, 1), (500, false, 1)]);
        win.last_error = Some("connection refused".into());
        let e = win
            .measure(Measure::P99, Duration::from_secs(2))
            .unwrap_err();
        assert!(e.contains("connection refused"), "{e}");
        assert_eq!(
            win.measure(Measure::ErrorRate, Duration::from_secs(2)),
            Ok(1.0)
        );
        assert!(ProbeWindow::default()
            .measure(Measure::ErrorRate, Duration::from_secs(1))
            .is_err());
    }
}
