//! The Prometheus client against a local stand-in that misbehaves the ways real
//! deployments do: a login page in front, a 502 from a proxy, garbage, a slow answer,
//! and auth that must arrive as configured.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use gameday::scenario::model::{BasicAuth, Prometheus, Tls};
use gameday::signals::prometheus::Client;

#[derive(Clone, Default)]
struct Seen {
    headers: Arc<Mutex<Vec<HeaderMap>>>,
    params: Arc<Mutex<Vec<std::collections::HashMap<String, String>>>>,
}

async fn query(
    State(seen): State<Seen>,
    headers: HeaderMap,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    seen.headers.lock().unwrap().push(headers);
    seen.params.lock().unwrap().push(q.clone());
    let json = [("content-type", "application/json")];
    match q.get("query").map(String::as_str) {
        Some("login") => ([("content-type", "text/html")], "<html><body>Sign in</body></html>").into_response(),
        Some("proxy") => (StatusCode::BAD_GATEWAY, "Bad Gateway").into_response(),
        Some("garbage") => (json, "{\"status\":\"succ").into_response(),
        Some("slow") => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            (json, "{}").into_response()
        }
        _ => (
            json,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.25"]}]}}"#,
        )
            .into_response(),
    }
}

async fn start() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let app = Router::new()
        .route("/api/v1/query", get(query))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, seen)
}

fn cfg(addr: SocketAddr) -> Prometheus {
    Prometheus {
        url: format!("http://{addr}/"),
        interval: Duration::from_secs(1),
        timeout: Duration::from_millis(500),
        bearer_token_file: None,
        bearer_token_env: Some("PROM_TOKEN".into()),
        basic_auth: None,
        headers: vec![("X-Scope-OrgID".into(), "shop".into())],
        tls: Tls::default(),
    }
}

fn env(name: &str) -> Option<String> {
    (name == "PROM_TOKEN" || name == "PROM_PASSWORD").then(|| "t0ken-value".to_string())
}

#[tokio::test]
async fn misbehaving_servers_are_named_and_bounded_in_time() {
    let (addr, seen) = start().await;
    let client = Client::new(&cfg(addr), &env).unwrap();
    assert_eq!(client.instant("sum(up)").await, Ok(0.25));
    // what arrived: the tenant header, the token, the server-side timeout
    let h = seen.headers.lock().unwrap()[0].clone();
    assert_eq!(h["x-scope-orgid"], "shop");
    assert_eq!(h["authorization"], "Bearer t0ken-value");
    assert_eq!(seen.params.lock().unwrap()[0]["timeout"], "500ms");

    let e = client.instant("login").await.unwrap_err().to_string();
    assert!(e.contains("HTML page"), "{e}");
    let e = client.instant("proxy").await.unwrap_err().to_string();
    assert_eq!(e, "Prometheus answered HTTP 502: Bad Gateway");
    let e = client.instant("garbage").await.unwrap_err().to_string();
    assert!(e.contains("not its JSON API"), "{e}");
    let start = std::time::Instant::now();
    let e = client.instant("slow").await.unwrap_err().to_string();
    assert!(e.contains("did not answer within 500 ms"), "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "bounded by the client timeout"
    );
}

#[tokio::test]
async fn basic_auth_and_unreachable() {
    let (addr, seen) = start().await;
    let mut c = cfg(addr);
    c.bearer_token_env = None;
    c.basic_auth = Some(BasicAuth {
        username: "gameday".into(),
        password_env: Some("PROM_PASSWORD".into()),
        password_file: None,
    });
    let client = Client::new(&c, &env).unwrap();
    client.instant("x").await.unwrap();
    let h = seen.headers.lock().unwrap()[0].clone();
    // base64("gameday:t0ken-value")
    assert_eq!(h["authorization"], "Basic Z2FtZWRheTp0MGtlbi12YWx1ZQ==");

    let mut c = cfg(addr);
    c.bearer_token_env = Some("UNSET_VAR".into());
    let e = Client::new(&c, &env).err().unwrap();
    assert!(e.contains("UNSET_VAR is not set"), "{e}");

    // nothing listens on port 9 of loopback
    let mut c = cfg(addr);
    c.url = "http://127.0.0.1:9".into();
    let e = Client::new(&c, &env)
        .unwrap()
        .instant("x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "cannot reach Prometheus at http://127.0.0.1:9 (/api/v1/query: connection refused)"
        ) && !e.contains("query=")
            && e.contains("--prometheus-url"),
        "{e}"
    );
}
