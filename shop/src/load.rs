//! `gameday-shop load`: a steady rate of `GET /read`, until killed or the duration.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::time::MissedTickBehavior;

/// Each request gives up after this long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// A summary line this often.
const SUMMARY_EVERY: Duration = Duration::from_secs(10);

pub struct Options {
    pub target: String,
    pub rps: u32,
    pub duration: Option<Duration>,
    pub max_in_flight: usize,
}

#[derive(Default)]
struct Counts {
    ok: AtomicU64,
    non_2xx: AtomicU64,
    failed: AtomicU64,
    /// Ticks skipped because `max_in_flight` requests were already waiting.
    dropped: AtomicU64,
    latency_micros: AtomicU64,
}

impl Counts {
    fn take(&self) -> [u64; 5] {
        [
            self.ok.swap(0, Ordering::Relaxed),
            self.non_2xx.swap(0, Ordering::Relaxed),
            self.failed.swap(0, Ordering::Relaxed),
            self.dropped.swap(0, Ordering::Relaxed),
            self.latency_micros.swap(0, Ordering::Relaxed),
        ]
    }
}

/// The one-line summary of a period.
pub fn summary(period: Duration, [ok, non_2xx, failed, dropped, micros]: [u64; 5]) -> String {
    let answered = ok + non_2xx;
    let mean_ms = if answered > 0 {
        micros as f64 / answered as f64 / 1000.0
    } else {
        0.0
    };
    let secs = period.as_secs_f64().max(0.001);
    format!(
        "load: {:.1} req/s over {:.0}s: {ok} ok, {non_2xx} non-2xx, {failed} failed, {dropped} dropped, mean {mean_ms:.1} ms",
        (answered + failed) as f64 / secs,
        period.as_secs_f64()
    )
}

pub async fn run(opts: Options) -> Result<(), String> {
    if opts.rps == 0 {
        return Err("--rps must be at least 1".into());
    }
    let base = opts.target.trim_end_matches('/');
    let url = format!("{base}/read");
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let counts = Arc::new(Counts::default());
    let permits = Arc::new(Semaphore::new(opts.max_in_flight.max(1)));
    let mut ticks = tokio::time::interval(Duration::from_secs(1) / opts.rps);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut summaries = tokio::time::interval(SUMMARY_EVERY);
    summaries.set_missed_tick_behavior(MissedTickBehavior::Skip);
    summaries.tick().await;
    let started = Instant::now();
    let mut last_summary = started;
    let end = async {
        match opts.duration {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(end);
    let shutdown = crate::shutdown_signal();
    tokio::pin!(shutdown);
    eprintln!("load: {} req/s of GET {url}", opts.rps);
    loop {
        tokio::select! {
            _ = ticks.tick() => {
                let Ok(permit) = permits.clone().try_acquire_owned() else {
                    counts.dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let client = client.clone();
                let url = url.clone();
                let counts = counts.clone();
                tokio::spawn(async move {
                    let t = Instant::now();
                    let result = tokio::time::timeout(REQUEST_TIMEOUT, async {
                        let r = client.get(&url).send().await?;
                        let ok = r.status().is_success();
                        // Read the body so the connection can be reused.
                        r.bytes().await?;
                        Ok::<bool, reqwest::Error>(ok)
                    })
                    .await;
                    let micros = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                    match result {
                        Ok(Ok(true)) => {
                            counts.ok.fetch_add(1, Ordering::Relaxed);
                            counts.latency_micros.fetch_add(micros, Ordering::Relaxed);
                        }
                        Ok(Ok(false)) => {
                            counts.non_2xx.fetch_add(1, Ordering::Relaxed);
                            counts.latency_micros.fetch_add(micros, Ordering::Relaxed);
                        }
                        Ok(Err(_)) | Err(_) => {
                            counts.failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    drop(permit);
                });
            }
            _ = summaries.tick() => {
                let now = Instant::now();
                println!("{}", summary(now - last_summary, counts.take()));
                last_summary = now;
            }
            _ = &mut end => break,
            _ = &mut shutdown => break,
        }
    }
    // Let the requests in flight finish (each is bounded by its timeout).
    let _ = tokio::time::timeout(
        REQUEST_TIMEOUT,
        permits.acquire_many(opts.max_in_flight.max(1) as u32),
    )
    .await;
    println!("{}", summary(Instant::now() - last_summary, counts.take()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line() {
        assert_eq!(
            summary(Duration::from_secs(10), [480, 15, 5, 0, 495_000]),
            "load: 50.0 req/s over 10s: 480 ok, 15 non-2xx, 5 failed, 0 dropped, mean 1.0 ms"
        );
        assert_eq!(
            summary(Duration::from_secs(10), [0, 0, 0, 3, 0]),
            "load: 0.0 req/s over 10s: 0 ok, 0 non-2xx, 0 failed, 3 dropped, mean 0.0 ms"
        );
    }
}
