//! `promql` signals and expected alerts, from the Prometheus HTTP API.
//!
//! One instant query per signal per interval, with the server-side `timeout=` sent too,
//! and no more than [`MAX_IN_FLIGHT`] queries in flight; a range query at start
//! back-fills the baseline. Every answer that is not one number becomes a sample error
//! that says what happened, in the server's own words where it gave some: the panel shows
//! why there is no data, and the run goes on.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use serde::Deserialize;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use crate::engine::Msg;
use crate::scenario::model::Prometheus;

pub const MAX_IN_FLIGHT: usize = 4;
/// Prometheus refuses range queries of more than 11,000 points per series.
pub const MAX_POINTS: u64 = 11_000;

pub type Ts = DateTime<Utc>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    /// the server answered with its own error
    #[error("Prometheus: {error_type}: {error}")]
    Server { error_type: String, error: String },
    #[error("Prometheus answered with an HTML page (HTTP {status}), not the API: a login page or proxy in front of it? Check prometheus.url")]
    Html { status: u16 },
    #[error("Prometheus answered HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("Prometheus answered something that is not its JSON API: {0}")]
    Json(String),
    #[error("{0}")]
    Transport(String),
    /// no answer at all: the server and path (never the query), why, and what to ask
    #[error("cannot reach Prometheus at {server} ({path}: {why}): {ask}The URL comes from --prometheus-url / PROMETHEUS_URL / prometheus.url")]
    Unreachable {
        server: String,
        path: String,
        why: String,
        /// "is it running, on that port? ", or nothing
        ask: String,
    },
    #[error("the query returned {0} series; aggregate it to one (e.g. sum(...) or max(...))")]
    SeveralSeries(usize),
    #[error("no data (the query returned nothing)")]
    Empty,
    #[error("no data (NaN)")]
    NaN,
}

#[derive(Debug, Deserialize)]
struct Envelope<T> {
    status: String,
    #[serde(default = "none")]
    data: Option<T>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum QueryData {
    Vector(Vec<VectorSample>),
    Scalar((f64, String)),
    Matrix(Vec<MatrixSeries>),
    String(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
struct VectorSample {
    value: (f64, String),
}

#[derive(Debug, Deserialize)]
struct MatrixSeries {
    values: Vec<(f64, String)>,
}

#[derive(Debug, Deserialize)]
struct AlertsData {
    alerts: Vec<ApiAlert>,
}

#[derive(Debug, Deserialize)]
struct ApiAlert {
    labels: std::collections::BTreeMap<String, String>,
    state: String,
    #[serde(default, rename = "activeAt")]
    active_at: Option<String>,
}

/// An alert's state as the alerts API gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertState {
    pub name: String,
    /// "pending" or "firing"
    pub state: String,
    /// when it became active (`activeAt`): the latest of the label sets in the most
    /// advanced state, so that an instance that fired after a trigger is seen even while
    /// an older one is still firing (README's rule 6)
    pub active_at: Option<Ts>,
}

fn none<T>() -> Option<T> {
    None
}

fn parse_value(s: &str) -> Result<f64, PromError> {
    match s {
        "NaN" => Err(PromError::NaN),
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        _ => s
            .parse()
            .map_err(|_| PromError::Json(format!("{s:?} is not a number"))),
    }
}

/// One number from an instant query's answer body.
pub fn instant_value(status: u16, content_type: &str, body: &[u8]) -> Result<f64, PromError> {
    match envelope::<QueryData>(status, content_type, body)? {
        QueryData::Vector(v) => match v.as_slice() {
            [] => Err(PromError::Empty),
            [one] => parse_value(&one.value.1),
            many => Err(PromError::SeveralSeries(many.len())),
        },
        QueryData::Scalar((_, v)) => parse_value(&v),
        QueryData::Matrix(m) => Err(PromError::Json(format!(
            "a range vector ({} series) where one number was expected; drop the [range] or wrap it in a function",
            m.len()
        ))),
        QueryData::String(_) => Err(PromError::Json("a string where a number was expected".into())),
    }
}

/// The points of a range query; `None` for NaN, infinities kept.
pub fn range_points(
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<Vec<(Ts, Option<f64>)>, PromError> {
    match envelope::<QueryData>(status, content_type, body)? {
        QueryData::Matrix(m) => match m.as_slice() {
            [] => Ok(Vec::new()),
            [one] => Ok(one
                .values
                .iter()
                .filter_map(|(t, v)| {
                    let ts = DateTime::from_timestamp_millis((t * 1000.0).round() as i64)?;
                    // +Inf and -Inf are values; NaN is missing data
                    Some((ts, parse_value(v).ok()))
                })
                .collect()),
            many => Err(PromError::SeveralSeries(many.len())),
        },
        _ => Err(PromError::Json(
            "a range query did not return a matrix".into(),
        )),
    }
}

/// The state of each alert by name ("firing", "pending"); an alert active for several
/// label sets counts once, with its most advanced state and that state's latest
/// `activeAt`.
pub fn alert_states(
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<Vec<AlertState>, PromError> {
    let data = envelope::<AlertsData>(status, content_type, body)?;
    let mut out: Vec<AlertState> = Vec::new();
    for a in data.alerts {
        let Some(name) = a.labels.get("alertname") else {
            continue;
        };
        let active_at = a
            .active_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let rank = |s: &str| u8::from(s == "firing");
        match out.iter_mut().find(|s| &s.name == name) {
            Some(s) if rank(&a.state) > rank(&s.state) => {
                s.state = a.state;
                s.active_at = active_at;
            }
            Some(s) if rank(&a.state) == rank(&s.state) => {
                s.active_at = match (s.active_at, active_at) {
                    (Some(x), Some(y)) => Some(x.max(y)),
                    (x, y) => x.or(y),
                };
            }
            Some(_) => {}
            None => out.push(AlertState {
                name: name.clone(),
                state: a.state,
                active_at,
            }),
        }
    }
    Ok(out)
}

fn envelope<T: serde::de::DeserializeOwned>(
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<T, PromError> {
    let looks_html = content_type.contains("text/html") || {
        let head = String::from_utf8_lossy(&body[..body.len().min(256)]).to_ascii_lowercase();
        head.trim_start().starts_with("<!doctype html") || head.trim_start().starts_with("<html")
    };
    if looks_html {
        return Err(PromError::Html { status });
    }
    let env: Envelope<T> = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            if status >= 400 {
                return Err(PromError::Http {
                    status,
                    body: crate::proc::tail_line(&String::from_utf8_lossy(body), 200),
                });
            }
            return Err(PromError::Json(e.to_string()));
        }
    };
    if env.status != "success" {
        return Err(PromError::Server {
            error_type: env.error_type.unwrap_or_else(|| "error".into()),
            error: env.error.unwrap_or_else(|| format!("HTTP {status}")),
        });
    }
    // an error status is an error whatever the body claims: a proxy or a broken server
    // answering 500 with a "success" body must not pass for data
    if status >= 400 {
        return Err(PromError::Http {
            status,
            body: crate::proc::tail_line(&String::from_utf8_lossy(body), 200),
        });
    }
    env.data
        .ok_or_else(|| PromError::Json("no data in a successful answer".into()))
}

/// A small client over reqwest with the scenario's auth, headers and TLS settings.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    /// `base` as messages name it: no user, password or query
    shown: String,
    timeout: Duration,
    /// how long connecting may take
    connect: Duration,
}

impl Client {
    pub fn new(cfg: &Prometheus, env: &dyn Fn(&str) -> Option<String>) -> Result<Client, String> {
        Self::connecting_within(cfg, env, Duration::from_secs(5))
    }

    /// [`Client::new`] that gives up connecting after `connect`: the preflight tells a
    /// server that is not there (a firewall drops the packets) from one that is slow.
    pub fn connecting_within(
        cfg: &Prometheus,
        env: &dyn Fn(&str) -> Option<String>,
        connect: Duration,
    ) -> Result<Client, String> {
        let mut headers = HeaderMap::new();
        for (k, v) in &cfg.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| format!("prometheus.headers: {k}: {e}"))?;
            let value =
                HeaderValue::from_str(v).map_err(|e| format!("prometheus.headers: {k}: {e}"))?;
            headers.insert(name, value);
        }
        let token = match (&cfg.bearer_token_env, &cfg.bearer_token_file) {
            (Some(var), _) => Some(
                env(var).ok_or_else(|| format!("prometheus.bearer_token_env: {var} is not set"))?,
            ),
            (None, Some(file)) => Some(
                crate::files::read_secret_file(file)
                    .map_err(|e| format!("prometheus.bearer_token_file: {e}"))?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        if let Some(t) = token {
            let mut v = HeaderValue::from_str(&format!("Bearer {t}"))
                .map_err(|_| "the bearer token is not a valid header value")?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        if let Some(b) = &cfg.basic_auth {
            let password = match (&b.password_env, &b.password_file) {
                (Some(var), _) => env(var).ok_or_else(|| {
                    format!("prometheus.basic_auth.password_env: {var} is not set")
                })?,
                (None, Some(f)) => crate::files::read_secret_file(f)
                    .map_err(|e| format!("prometheus.basic_auth.password_file: {e}"))?
                    .trim_end_matches(['\n', '\r'])
                    .to_string(),
                (None, None) => String::new(),
            };
            use crate::text::base64::encode;
            let mut v = HeaderValue::from_str(&format!(
                "Basic {}",
                encode(format!("{}:{password}", b.username).as_bytes())
            ))
            .map_err(|_| "basic auth is not a valid header value")?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            // the server's own timeout answers first, with its own message
            .timeout(cfg.timeout + Duration::from_secs(2))
            .connect_timeout(connect);
        if let Some(ca) = &cfg.tls.ca_file {
            let pem = crate::files::read_regular(ca, crate::files::MAX_SECRET_FILE, "CA files")
                .map_err(|e| format!("prometheus.tls.ca_file: {e}"))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| format!("prometheus.tls.ca_file {}: {e}", ca.display()))?;
            builder = builder.add_root_certificate(cert);
        }
        if cfg.tls.insecure_skip_verify {
            builder = builder.danger_accept_invalid_certs(true);
        }
        let http = builder
            .build()
            .map_err(|e| format!("cannot build the Prometheus client: {e}"))?;
        let base = cfg.url.trim_end_matches('/').to_string();
        Ok(Client {
            http,
            shown: super::reach::shown_url(&base),
            base,
            timeout: cfg.timeout,
            connect,
        })
    }

    async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<(u16, String, Vec<u8>), PromError> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .query(params)
            .send()
            .await
            .map_err(|e| self.unreachable(path, &e))?;
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp.bytes().await.map_err(|e| {
            PromError::Transport(format!(
                "Prometheus at {} ({path}): the answer was cut off: {}",
                self.shown,
                super::reach::why(&e, self.timeout)
            ))
        })?;
        Ok((status, ct, body.to_vec()))
    }

    /// The server as messages name it (no credentials, no query).
    pub fn server(&self) -> &str {
        &self.shown
    }

    /// What a request that got no answer says: the server and the path, never the
    /// percent-encoded query; why; and where the URL comes from, so the fix is one step.
    fn unreachable(&self, path: &str, e: &reqwest::Error) -> PromError {
        let server = &self.shown;
        let connecting = e.is_connect();
        if e.is_timeout() && !connecting {
            return PromError::Transport(format!(
                "Prometheus at {server} ({path}) did not answer within {} (prometheus.timeout)",
                crate::units::format_duration(self.timeout)
            ));
        }
        let why = super::reach::why(
            e,
            if connecting {
                self.connect
            } else {
                self.timeout
            },
        );
        let ask = if super::reach::nothing_listens(e) {
            "is it running, on that port? "
        } else if e.is_timeout() {
            "is its address reachable from here (a firewall, a VPN)? "
        } else if why.starts_with("the host name") {
            "is the host name right? "
        } else if why.starts_with("TLS") {
            "check prometheus.tls (ca_file) and the URL's scheme. "
        } else {
            ""
        };
        PromError::Unreachable {
            server: server.clone(),
            path: path.to_string(),
            why,
            ask: ask.to_string(),
        }
    }

    fn timeout_param(&self) -> String {
        format!("{}ms", self.timeout.as_millis())
    }

    pub async fn instant(&self, query: &str) -> Result<f64, PromError> {
        let (s, ct, body) = self
            .get(
                "/api/v1/query",
                &[
                    ("query", query.to_string()),
                    ("timeout", self.timeout_param()),
                ],
            )
            .await?;
        instant_value(s, &ct, &body)
    }

    /// `step` is raised so that the range never asks for more than [`MAX_POINTS`].
    pub async fn range(
        &self,
        query: &str,
        start: Ts,
        end: Ts,
        step: Duration,
    ) -> Result<Vec<(Ts, Option<f64>)>, PromError> {
        let step = range_step(start, end, step);
        let (s, ct, body) = self
            .get(
                "/api/v1/query_range",
                &[
                    ("query", query.to_string()),
                    (
                        "start",
                        format!("{:.3}", start.timestamp_millis() as f64 / 1000.0),
                    ),
                    (
                        "end",
                        format!("{:.3}", end.timestamp_millis() as f64 / 1000.0),
                    ),
                    ("step", format!("{:.3}", step.as_secs_f64())),
                    ("timeout", self.timeout_param()),
                ],
            )
            .await?;
        range_points(s, &ct, &body)
    }

    pub async fn alerts(&self) -> Result<Vec<AlertState>, PromError> {
        let (s, ct, body) = self.get("/api/v1/alerts", &[]).await?;
        alert_states(s, &ct, &body)
    }
}

/// At least `interval`, and coarse enough for at most [`MAX_POINTS`] points.
pub fn range_step(start: Ts, end: Ts, interval: Duration) -> Duration {
    let span = (end - start).to_std().unwrap_or_default();
    let min_step = Duration::from_millis((span.as_millis() as u64).div_ceil(MAX_POINTS - 1).max(1));
    interval.max(min_step).max(Duration::from_millis(1))
}

/// One sampler per promql signal, sharing a bound on queries in flight.
pub fn spawn(
    client: Client,
    signals: Vec<(usize, String, Duration)>,
    backfill: Option<(Ts, Ts)>,
    tx: mpsc::Sender<Msg>,
) -> Vec<JoinHandle<()>> {
    let permits = Arc::new(Semaphore::new(MAX_IN_FLIGHT));
    signals
        .into_iter()
        .map(|(signal, query, every)| {
            let (client, tx, permits) = (client.clone(), tx.clone(), Arc::clone(&permits));
            tokio::spawn(async move {
                if let Some((start, end)) = backfill {
                    let points = {
                        let _p = permits.acquire().await;
                        client.range(&query, start, end, every).await
                    };
                    match points {
                        Ok(points) if !points.is_empty() => {
                            if tx.send(Msg::Backfill { signal, points }).await.is_err() {
                                return;
                            }
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!("back-filling signal {signal}: {e}"),
                    }
                }
                let mut tick = crate::clock::ticker(every);
                loop {
                    tick.tick().await;
                    let value = {
                        let _p = permits.acquire().await;
                        client.instant(&query).await.map_err(|e| e.to_string())
                    };
                    if tx.send(Msg::sample(signal, value)).await.is_err() {
                        return;
                    }
                }
            })
        })
        .collect()
}

/// Polls `/api/v1/alerts` and reports each expected alert's state when it changes. When
/// the API cannot be read, each alert's state is "unknown" (with the error) until it can:
/// whether an alert fired is then missing data, never a "did not fire".
pub fn spawn_alerts(
    client: Client,
    names: Vec<String>,
    every: Duration,
    tx: mpsc::Sender<Msg>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: Vec<Option<(String, Option<Ts>)>> = vec![None; names.len()];
        let mut tick = crate::clock::ticker(every);
        loop {
            tick.tick().await;
            let (states, error) = match client.alerts().await {
                Ok(s) => (s, None),
                Err(e) => {
                    tracing::warn!("alerts: {e}");
                    (Vec::new(), Some(e.to_string()))
                }
            };
            for (i, name) in names.iter().enumerate() {
                let now: (String, Option<Ts>) =
                    match (&error, states.iter().find(|s| &s.name == name)) {
                        (Some(_), _) => ("unknown".into(), None),
                        (None, Some(s)) => (s.state.clone(), s.active_at),
                        (None, None) => ("inactive".into(), None),
                    };
                if last[i].as_ref() == Some(&now) {
                    continue;
                }
                // "inactive" at the start is not news
                let news = last[i].is_some() || now.0 != "inactive";
                if news {
                    let msg = Msg::Alert {
                        name: name.clone(),
                        state: now.0.clone(),
                        active_at: now.1,
                        error: error.clone(),
                    };
                    if tx.send(msg).await.is_err() {
                        return;
                    }
                }
                last[i] = Some(now);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON: &str = "application/json";

    #[test]
    fn one_series_is_a_value_and_everything_else_says_why_not() {
        let one = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764237600.5,"0.0042"]}]}}"#;
        assert_eq!(instant_value(200, JSON, one), Ok(0.0042));
        let empty = br#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(instant_value(200, JSON, empty), Err(PromError::Empty));
        let nan = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]}]}}"#;
        assert_eq!(instant_value(200, JSON, nan), Err(PromError::NaN));
        let two = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1,"1"]},{"metric":{"pod":"b"},"value":[1,"2"]}]}}"#;
        let e = instant_value(200, JSON, two).unwrap_err();
        assert_eq!(e, PromError::SeveralSeries(2));
        assert!(e.to_string().contains("aggregate it to one"));
        let scalar = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"3"]}}"#;
        assert_eq!(instant_value(200, JSON, scalar), Ok(3.0));
    }

    #[test]
    fn server_errors_html_and_garbage_are_named() {
        let bad = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected <EOF>"}"#;
        let e = instant_value(400, JSON, bad).unwrap_err();
        assert!(
            e.to_string()
                .contains("bad_data: invalid parameter \"query\": 1:5: parse error"),
            "{e}"
        );
        let html = b"<!DOCTYPE html><html><body>Sign in</body></html>";
        let e = instant_value(200, "text/html; charset=utf-8", html).unwrap_err();
        assert!(e.to_string().contains("HTML page"), "{e}");
        assert!(matches!(
            instant_value(200, "", html),
            Err(PromError::Html { .. })
        ));
        let e = instant_value(502, "text/plain", b"Bad Gateway").unwrap_err();
        assert_eq!(e.to_string(), "Prometheus answered HTTP 502: Bad Gateway");
        assert!(matches!(
            instant_value(200, JSON, b"{\"status\":"),
            Err(PromError::Json(_))
        ));
    }

    #[test]
    fn range_points_and_step() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1764237600,"1"],[1764237601.5,"NaN"],[1764237603,"2.5"]]}]}}"#;
        let p = range_points(200, JSON, body).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].1, Some(1.0));
        assert_eq!(p[1].1, None);
        assert_eq!(p[1].0.timestamp_millis(), 1_764_237_601_500);
        let t0 = DateTime::from_timestamp(1_764_237_600, 0).unwrap();
        assert_eq!(
            range_step(t0, t0 + Duration::from_secs(120), Duration::from_secs(1)),
            Duration::from_secs(1)
        );
        // a day at 1 s would be 86,400 points: the step grows to stay under 11,000
        let step = range_step(t0, t0 + Duration::from_secs(86_400), Duration::from_secs(1));
        assert!(86_400.0 / step.as_secs_f64() < 11_000.0, "{step:?}");
    }

    #[test]
    fn alerts_by_name_firing_wins() {
        let body = br#"{"status":"success","data":{"alerts":[
            {"labels":{"alertname":"CacheDown","instance":"a"},"state":"pending","activeAt":"2026-11-27T10:00:00Z","value":"1"},
            {"labels":{"alertname":"CacheDown","instance":"b"},"state":"firing","activeAt":"2026-11-27T10:00:00Z","value":"1"},
            {"labels":{"alertname":"Other"},"state":"pending"}]}}"#;
        let s = alert_states(200, JSON, body).unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-27T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            s,
            vec![
                AlertState {
                    name: "CacheDown".into(),
                    state: "firing".into(),
                    active_at: Some(at)
                },
                AlertState {
                    name: "Other".into(),
                    state: "pending".into(),
                    active_at: None
                }
            ]
        );
        // two instances firing: the latest activeAt (a new firing is not hidden by an
        // old one)
        let body = br#"{"status":"success","data":{"alerts":[
            {"labels":{"alertname":"A","i":"1"},"state":"firing","activeAt":"2026-11-27T10:05:00.5Z"},
            {"labels":{"alertname":"A","i":"2"},"state":"firing","activeAt":"2026-11-27T09:00:00Z"}]}}"#;
        let s = alert_states(200, JSON, body).unwrap();
        assert_eq!(
            s[0].active_at.unwrap().to_rfc3339(),
            "2026-11-27T10:05:00.500+00:00"
        );
        // an error status is an error, whatever the body says
        let ok_body = br#"{"status":"success","data":{"alerts":[]}}"#;
        let e = alert_states(500, JSON, ok_body).unwrap_err();
        assert!(matches!(e, PromError::Http { status: 500, .. }), "{e}");
        let value = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.1"]}]}}"#;
        assert!(instant_value(503, JSON, value).is_err());
    }
}
