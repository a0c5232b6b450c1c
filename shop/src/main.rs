//! `gameday-shop`: a small shop to run game days against on real servers — an HTTP API
//! whose reads go to Redis with a short timeout and fall back to PostgreSQL — and a load
//! generator for it. Not a part of gameday itself.
#![deny(clippy::unwrap_used)]

mod load;
mod metrics;
mod serve;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// A demo shop (Redis in front of PostgreSQL) and its load generator, for local game days.
#[derive(Parser)]
#[command(name = "gameday-shop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve GET /read, /healthz and /metrics.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:58080")]
        listen: String,
        /// Redis URL.
        #[arg(long, default_value = "redis://127.0.0.1:56379")]
        redis: String,
        /// PostgreSQL connection string.
        #[arg(
            long,
            default_value = "host=127.0.0.1 port=55432 user=postgres dbname=shop"
        )]
        postgres: String,
        /// Answer 503 when Redis fails instead of reading PostgreSQL.
        #[arg(long)]
        no_fallback: bool,
        /// How long one Redis command may take before it counts as an error.
        #[arg(long, default_value = "50ms", value_parser = parse_duration)]
        redis_timeout: Duration,
        /// How long a cached item lives in Redis.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        cache_ttl: Duration,
    },
    /// Send a steady rate of GET /read to a running shop.
    Load {
        /// Base URL of the shop.
        #[arg(long, default_value = "http://127.0.0.1:58080")]
        target: String,
        /// Requests per second.
        #[arg(long, default_value_t = 50)]
        rps: u32,
        /// Stop after this long (default: until killed).
        #[arg(long, value_parser = parse_duration)]
        duration: Option<Duration>,
        /// At most this many requests waiting for an answer; ticks beyond it are dropped.
        #[arg(long, default_value_t = 256)]
        max_in_flight: usize,
    },
}

/// `50ms`, `2s`, `1m`, `1.5s`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let s = text.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(|| format!("`{s}` has no unit; write it like 50ms, 2s or 1m"))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration; write it like 50ms, 2s or 1m"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}`; use ms, s, m or h")),
    };
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

/// Resolves on SIGINT or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = ctrl_c.await;
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gameday-shop: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve {
                listen,
                redis,
                postgres,
                no_fallback,
                redis_timeout,
                cache_ttl,
            } => {
                serve::run(serve::Options {
                    listen,
                    redis,
                    postgres,
                    fallback: !no_fallback,
                    redis_timeout,
                    cache_ttl,
                })
                .await
            }
            Command::Load {
                target,
                rps,
                duration,
                max_in_flight,
            } => {
                load::run(load::Options {
                    target,
                    rps,
                    duration,
                    max_in_flight,
                })
                .await
            }
        }
    });
    // Background tasks (an in-flight Redis reconnect) must not hold the exit up.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gameday-shop: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("50ms"), Ok(Duration::from_millis(50)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_duration("50").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("ms").is_err());
    }
}
