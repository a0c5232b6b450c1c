//! The demo shop: a cache in front of a slower store, on 127.0.0.1, with admin switches
//! that the demo's faults flip. Small on purpose: it exists to make a game day visible.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

#[derive(Debug, Default)]
pub struct Shop {
    cache_down: AtomicBool,
    store_extra_ms: AtomicU64,
    rng: AtomicU64,
    pub reads: AtomicU64,
}

impl Shop {
    /// A small xorshift: the demo needs jitter, not cryptography.
    fn random(&self) -> f64 {
        let mut x = self.rng.load(Ordering::Relaxed) | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        (x % 10_000) as f64 / 10_000.0
    }

    /// How long one read takes: a cache hit (90 %) is a few milliseconds, a miss or a
    /// read without the cache goes to the store, 40–120 ms plus whatever the store fault
    /// adds.
    pub fn read_latency(&self) -> Duration {
        let hit = !self.cache_down.load(Ordering::Relaxed) && self.random() < 0.9;
        let ms = if hit {
            2.0 + 4.0 * self.random()
        } else {
            40.0 + 80.0 * self.random() + self.store_extra_ms.load(Ordering::Relaxed) as f64
        };
        Duration::from_secs_f64(ms / 1000.0)
    }
}

async fn read(State(shop): State<Arc<Shop>>) -> (StatusCode, &'static str) {
    shop.reads.fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(shop.read_latency()).await;
    (StatusCode::OK, "{\"item\":\"coffee beans\",\"stock\":12}")
}

async fn cache_down(State(shop): State<Arc<Shop>>) -> &'static str {
    shop.cache_down.store(true, Ordering::Relaxed);
    "cache down\n"
}

async fn cache_up(State(shop): State<Arc<Shop>>) -> &'static str {
    shop.cache_down.store(false, Ordering::Relaxed);
    "cache up\n"
}

#[derive(Deserialize)]
struct Slow {
    ms: u64,
}

async fn store_slow(State(shop): State<Arc<Shop>>, Query(q): Query<Slow>) -> String {
    shop.store_extra_ms
        .store(q.ms.min(10_000), Ordering::Relaxed);
    format!("store +{} ms\n", q.ms)
}

/// Starts the shop on 127.0.0.1 (any free port); it runs until the runtime ends.
pub async fn start() -> std::io::Result<(SocketAddr, Arc<Shop>)> {
    let shop = Arc::new(Shop {
        rng: AtomicU64::new(0x9e37_79b9_7f4a_7c15),
        ..Shop::default()
    });
    let app = Router::new()
        .route("/read", get(read))
        .route("/admin/cache/down", post(cache_down))
        .route("/admin/cache/up", post(cache_up))
        .route("/admin/store/slow", post(store_slow))
        .with_state(Arc::clone(&shop));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("demo shop stopped: {e}");
        }
    });
    Ok((addr, shop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_hides_the_store_and_the_fault_exposes_it() {
        let shop = Shop {
            rng: AtomicU64::new(42),
            ..Shop::default()
        };
        let p99 = |shop: &Shop| {
            let mut v: Vec<f64> = (0..1000)
                .map(|_| shop.read_latency().as_secs_f64())
                .collect();
            v.sort_by(|a, b| a.total_cmp(b));
            (v[499], v[989])
        };
        let (p50, p99_up) = p99(&shop);
        assert!(p50 < 0.01, "with the cache most reads are fast: {p50}");
        assert!(p99_up < 0.125);
        shop.cache_down.store(true, Ordering::Relaxed);
        let (p50, p99_down) = p99(&shop);
        assert!(
            p50 > 0.04 && p99_down < 0.25,
            "the store alone still meets 250 ms: {p50} {p99_down}"
        );
        shop.cache_down.store(false, Ordering::Relaxed);
        shop.store_extra_ms.store(300, Ordering::Relaxed);
        let (_, p99_slow) = p99(&shop);
        assert!(
            p99_slow > 0.25,
            "a slow store shows in the p99 even behind the cache: {p99_slow}"
        );
    }
}
