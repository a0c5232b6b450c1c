//! `gameday-shop serve`: reads go to Redis with a short timeout and fall back to
//! PostgreSQL.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio_postgres::NoTls;

use crate::metrics::Metrics;

/// How many items the shop sells (ids `1..=ITEMS`).
pub const ITEMS: i32 = 1000;
/// How long PostgreSQL may take to answer one read.
const PG_TIMEOUT: Duration = Duration::from_secs(2);
/// How long `serve` keeps trying to reach PostgreSQL at start.
const PG_START_WAIT: Duration = Duration::from_secs(10);

pub struct Options {
    pub listen: String,
    pub redis: String,
    pub postgres: String,
    pub fallback: bool,
    pub redis_timeout: Duration,
    pub cache_ttl: Duration,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Item {
    pub id: i32,
    pub name: String,
    pub stock: i32,
}

/// What Redis said about one read.
#[derive(Debug, Clone, PartialEq)]
pub enum CacheOutcome {
    Hit(Item),
    Miss,
    /// The command failed or did not answer within the timeout.
    Error,
}

/// What the shop does next with a read.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Answer 200 with the cached item.
    Serve(Item),
    /// Read PostgreSQL; `fill_cache` tells whether to `SET` the result in Redis.
    ReadDatabase { fill_cache: bool },
    /// Answer 503: Redis failed and falling back is switched off.
    Unavailable,
}

/// The fallback decision, kept apart from the I/O so that it is tested on its own.
pub fn decide(outcome: CacheOutcome, fallback: bool) -> Decision {
    match outcome {
        CacheOutcome::Hit(item) => Decision::Serve(item),
        CacheOutcome::Miss => Decision::ReadDatabase { fill_cache: true },
        CacheOutcome::Error if fallback => Decision::ReadDatabase { fill_cache: false },
        CacheOutcome::Error => Decision::Unavailable,
    }
}

/// A Redis connection that is made on first use and remade after Redis comes back.
struct Cache {
    client: redis::Client,
    manager: Mutex<Option<ConnectionManager>>,
    timeout: Duration,
    ttl: Duration,
}

impl Cache {
    /// The connection manager, connecting first when there is none yet. `None` while Redis
    /// cannot be reached (or another request is connecting right now).
    async fn manager(&self) -> Option<ConnectionManager> {
        let mut guard = self.manager.try_lock().ok()?;
        if let Some(m) = guard.as_ref() {
            return Some(m.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(self.timeout)
            .set_response_timeout(self.timeout)
            .set_number_of_retries(1)
            .set_factor(50)
            .set_max_delay(200);
        let connect = ConnectionManager::new_with_config(self.client.clone(), config);
        match tokio::time::timeout(self.timeout * 4, connect).await {
            Ok(Ok(m)) => {
                *guard = Some(m.clone());
                Some(m)
            }
            _ => None,
        }
    }

    async fn get(&self, id: i32) -> CacheOutcome {
        let Some(mut m) = self.manager().await else {
            return CacheOutcome::Error;
        };
        let cmd = redis::cmd("GET").arg(format!("item:{id}")).clone();
        let reply: Result<Result<Option<String>, _>, _> =
            tokio::time::timeout(self.timeout, cmd.query_async(&mut m)).await;
        match reply {
            Ok(Ok(Some(text))) => match serde_json::from_str(&text) {
                Ok(item) => CacheOutcome::Hit(item),
                // Whatever is there is not ours: treat it as a miss and overwrite it.
                Err(_) => CacheOutcome::Miss,
            },
            Ok(Ok(None)) => CacheOutcome::Miss,
            Ok(Err(_)) | Err(_) => CacheOutcome::Error,
        }
    }

    /// `SET item:N … EX ttl`, errors ignored (the next read simply misses again).
    async fn set(&self, item: &Item) {
        let Some(mut m) = self.manager().await else {
            return;
        };
        let Ok(text) = serde_json::to_string(item) else {
            return;
        };
        let cmd = redis::cmd("SET")
            .arg(format!("item:{}", item.id))
            .arg(text)
            .arg("EX")
            .arg(self.ttl.as_secs().max(1))
            .clone();
        let _ = tokio::time::timeout(self.timeout, cmd.query_async::<()>(&mut m)).await;
    }
}

/// A PostgreSQL client, reconnected when its connection has closed.
struct Db {
    config: String,
    client: Mutex<Option<Arc<tokio_postgres::Client>>>,
}

impl Db {
    async fn connect(config: &str) -> Result<Arc<tokio_postgres::Client>, tokio_postgres::Error> {
        let (client, connection) = tokio_postgres::connect(config, NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("gameday-shop: PostgreSQL connection closed: {e}");
            }
        });
        Ok(Arc::new(client))
    }

    async fn client(&self) -> Result<Arc<tokio_postgres::Client>, String> {
        let mut guard = self.client.lock().await;
        if let Some(c) = guard.as_ref() {
            if !c.is_closed() {
                return Ok(c.clone());
            }
        }
        let c = tokio::time::timeout(PG_TIMEOUT, Self::connect(&self.config))
            .await
            .map_err(|_| "connecting to PostgreSQL timed out".to_string())?
            .map_err(|e| format!("connecting to PostgreSQL: {e}"))?;
        *guard = Some(c.clone());
        Ok(c)
    }

    async fn read(&self, id: i32) -> Result<Option<Item>, String> {
        let client = self.client().await?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&id];
        let query = client.query_opt("SELECT id, name, stock FROM items WHERE id = $1", &params);
        let row = tokio::time::timeout(PG_TIMEOUT, query)
            .await
            .map_err(|_| "PostgreSQL read timed out".to_string())?
            .map_err(|e| format!("PostgreSQL read: {e}"))?;
        Ok(row.map(|r| Item {
            id: r.get(0),
            name: r.get(1),
            stock: r.get(2),
        }))
    }
}

struct AppState {
    cache: Cache,
    db: Db,
    metrics: Metrics,
    fallback: bool,
    rng: AtomicU64,
}

impl AppState {
    /// A random item id (splitmix64; good enough to spread reads over the items).
    fn random_id(&self) -> i32 {
        let mut z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % ITEMS as u64) as i32 + 1
    }
}

/// Connects to PostgreSQL (retrying for a while), creates and seeds `items`, then serves
/// until SIGINT or SIGTERM.
pub async fn run(opts: Options) -> Result<(), String> {
    let client = wait_for_postgres(&opts.postgres).await?;
    prepare_schema(&client).await?;
    let redis_client = redis::Client::open(opts.redis.as_str())
        .map_err(|e| format!("bad --redis URL {:?}: {e}", opts.redis))?;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42);
    let state = Arc::new(AppState {
        cache: Cache {
            client: redis_client,
            manager: Mutex::new(None),
            timeout: opts.redis_timeout,
            ttl: opts.cache_ttl,
        },
        db: Db {
            config: opts.postgres.clone(),
            client: Mutex::new(Some(client)),
        },
        metrics: Metrics::default(),
        fallback: opts.fallback,
        rng: AtomicU64::new(seed),
    });
    let app = Router::new()
        .route("/read", get(read))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(&opts.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", opts.listen))?;
    eprintln!(
        "gameday-shop: serving on http://{} (redis {}, fallback {}, redis timeout {:?})",
        opts.listen,
        opts.redis,
        if opts.fallback { "on" } else { "off" },
        opts.redis_timeout
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(crate::shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))
}

async fn wait_for_postgres(config: &str) -> Result<Arc<tokio_postgres::Client>, String> {
    let deadline = Instant::now() + PG_START_WAIT;
    loop {
        let err = match tokio::time::timeout(PG_TIMEOUT, Db::connect(config)).await {
            Ok(Ok(c)) => return Ok(c),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "timed out".to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "cannot connect to PostgreSQL ({config}) after {}s: {err}; \
                 is it running? (scripts/servers start-postgres DIR PORT)",
                PG_START_WAIT.as_secs()
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn prepare_schema(client: &tokio_postgres::Client) -> Result<(), String> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text, stock int)",
        )
        .await
        .map_err(|e| format!("creating table items: {e}"))?;
    let row = client
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .map_err(|e| format!("counting items: {e}"))?;
    let n: i64 = row.get(0);
    if n == 0 {
        client
            .execute(
                "INSERT INTO items (id, name, stock) \
                 SELECT g, 'item-' || g, (g * 37) % 100 FROM generate_series(1, $1::int) g \
                 ON CONFLICT DO NOTHING",
                &[&ITEMS],
            )
            .await
            .map_err(|e| format!("seeding items: {e}"))?;
        eprintln!("gameday-shop: seeded {ITEMS} items");
    }
    Ok(())
}

#[derive(Deserialize)]
struct ReadParams {
    id: Option<String>,
}

#[derive(Serialize)]
struct ReadBody {
    #[serde(flatten)]
    item: Item,
    source: &'static str,
}

fn error(code: StatusCode, message: &str) -> Response {
    (code, Json(serde_json::json!({ "error": message }))).into_response()
}

async fn read(State(state): State<Arc<AppState>>, Query(params): Query<ReadParams>) -> Response {
    let start = Instant::now();
    let response = read_inner(&state, params).await;
    state
        .metrics
        .record("/read", response.status().as_u16(), start.elapsed());
    response
}

async fn read_inner(state: &Arc<AppState>, params: ReadParams) -> Response {
    let id = match params.id.as_deref() {
        None | Some("") => state.random_id(),
        Some(text) => match text.parse::<i32>() {
            Ok(id) => id,
            Err(_) => return error(StatusCode::BAD_REQUEST, "id must be an integer"),
        },
    };
    let outcome = state.cache.get(id).await;
    match &outcome {
        CacheOutcome::Hit(_) => state.metrics.hit(),
        CacheOutcome::Miss => state.metrics.miss(),
        CacheOutcome::Error => state.metrics.error(),
    }
    match decide(outcome, state.fallback) {
        Decision::Serve(item) => Json(ReadBody {
            item,
            source: "cache",
        })
        .into_response(),
        Decision::Unavailable => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "cache unavailable and fallback disabled",
        ),
        Decision::ReadDatabase { fill_cache } => match state.db.read(id).await {
            Ok(Some(item)) => {
                if fill_cache {
                    let state = state.clone();
                    let cached = item.clone();
                    tokio::spawn(async move { state.cache.set(&cached).await });
                }
                Json(ReadBody {
                    item,
                    source: "database",
                })
                .into_response()
            }
            Ok(None) => error(StatusCode::NOT_FOUND, "no such item"),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
        },
    }
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let start = Instant::now();
    let response = "ok\n".into_response();
    state.metrics.record("/healthz", 200, start.elapsed());
    response
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            id: 7,
            name: "item-7".into(),
            stock: 59,
        }
    }

    #[test]
    fn a_hit_is_served_from_the_cache_with_or_without_fallback() {
        for fallback in [true, false] {
            assert_eq!(
                decide(CacheOutcome::Hit(item()), fallback),
                Decision::Serve(item())
            );
        }
    }

    #[test]
    fn a_miss_reads_the_database_and_fills_the_cache() {
        for fallback in [true, false] {
            assert_eq!(
                decide(CacheOutcome::Miss, fallback),
                Decision::ReadDatabase { fill_cache: true }
            );
        }
    }

    #[test]
    fn a_cache_error_falls_back_only_when_fallback_is_on() {
        assert_eq!(
            decide(CacheOutcome::Error, true),
            Decision::ReadDatabase { fill_cache: false }
        );
        assert_eq!(decide(CacheOutcome::Error, false), Decision::Unavailable);
    }
}
