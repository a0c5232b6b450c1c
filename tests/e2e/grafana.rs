//! Grafana annotations (DESIGN §8), through the real binary in a headless run, against a
//! local server of the tests' own that records what it was sent.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;
use serde_json::Value;

use common::*;

const TOKEN: &str = "glsa_t0ken-4b1d9e";

#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    body: Value,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Healthy,
    /// every request answered with a 500
    Broken,
    /// the PATCH answered with a 500, slowly
    SlowBrokenPatch,
}

#[derive(Clone)]
struct Grafana {
    seen: Arc<Mutex<Vec<Seen>>>,
    mode: Mode,
}

async fn record(
    State(g): State<Grafana>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let seen = Seen {
        method: method.clone(),
        path: uri.path().to_string(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    g.seen.lock().unwrap().push(seen);
    if g.mode == Mode::SlowBrokenPatch && method == Method::PATCH {
        tokio::time::sleep(Duration::from_millis(800)).await;
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"message":"Failed to update annotation"}"#.into(),
        );
    }
    if g.mode == Mode::Broken {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"message":"Failed to save annotation: database is locked"}"#.into(),
        );
    }
    match (method, uri.path()) {
        (Method::POST, "/api/annotations") => (
            StatusCode::OK,
            r#"{"message":"Annotation added","id":42}"#.into(),
        ),
        (Method::PATCH, "/api/annotations/42") => {
            (StatusCode::OK, r#"{"message":"Annotation patched"}"#.into())
        }
        _ => (StatusCode::NOT_FOUND, r#"{"message":"Not found"}"#.into()),
    }
}

/// A Grafana stand-in on 127.0.0.1 for the rest of the test process.
fn start_grafana(mode: Mode) -> (std::net::SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let state = Grafana {
        seen: Arc::clone(&seen),
        mode,
    };
    let addr = common::serve(Router::new().fallback(record).with_state(state));
    (addr, seen)
}

/// The headless run of an experiment (the fault only slows the probe a little, for
/// `fault_secs`) that annotates `grafana_url`, started.
fn start_with_grafana(tmp: &Path, grafana_url: &str, fault_secs: u32) -> std::process::Child {
    start_with_token(tmp, grafana_url, fault_secs, Some(TOKEN))
}

fn start_with_token(
    tmp: &Path,
    grafana_url: &str,
    fault_secs: u32,
    token: Option<&str>,
) -> std::process::Child {
    let svc = start_service(tmp);
    let slow = tmp.join("slow");
    let text = scenario(
        svc,
        &format!("touch {}", slow.display()),
        &format!("rm -f {}", slow.display()),
        fault_secs,
        "< 500ms",
    )
    .replace(
        "steady_state:",
        &format!("grafana:\n  url: {grafana_url}\n  token_env: GRAFANA_TOKEN\nsteady_state:"),
    );
    let path = tmp.join("grafana.yaml");
    std::fs::write(&path, text).unwrap();
    let mut cmd = headless(&path, &tmp.join("runs"), &[]);
    match token {
        Some(t) => cmd.env("GRAFANA_TOKEN", t),
        None => cmd.env_remove("GRAFANA_TOKEN"),
    };
    cmd.spawn().unwrap()
}

/// A confirmed experiment that annotates `grafana_url`; returns the run directory, the
/// exit code and what it printed.
fn run_with_grafana(tmp: &Path, grafana_url: &str) -> (std::path::PathBuf, Option<i32>, String) {
    let mut child = start_with_grafana(tmp, grafana_url, 2);
    let out = tmp.join("runs");
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let so = String::from_utf8_lossy(&o.stdout).into_owned();
    (run_dir(&out), o.status.code(), so)
}

/// The token is in no file of the run directory.
fn assert_token_nowhere(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(TOKEN),
                    "{} leaks the Grafana token",
                    p.display()
                );
            }
        }
    }
}

fn ms(journal: &[Value], ty: &str) -> i64 {
    let ts = events(journal, ty)[0]["ts"].as_str().unwrap();
    chrono::DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn the_fault_window_becomes_a_region_in_grafana() {
    let tmp = tempfile::tempdir().unwrap();
    let (addr, seen) = start_grafana(Mode::Healthy);
    let (dir, code, so) = run_with_grafana(tmp.path(), &format!("http://{addr}/"));
    assert_eq!(code, Some(0), "{so}");
    let j = journal(&dir);
    assert!(events(&j, "warning").is_empty(), "{so}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");

    let (post, patch) = (&seen[0], &seen[1]);
    assert_eq!(
        (&post.method, post.path.as_str()),
        (&Method::POST, "/api/annotations")
    );
    assert_eq!(
        post.authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    let start = post.body["time"].as_i64().unwrap();
    assert_eq!(
        start,
        ms(&j, "fault_injecting"),
        "the trigger's time, in ms"
    );
    let tags: Vec<&str> = post.body["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    let run_id = dir.file_name().unwrap().to_str().unwrap();
    assert_eq!(tags, ["gameday", "e2e-probe", run_id]);
    let text = post.body["text"].as_str().unwrap();
    assert!(
        text.contains("`break the probe`") && text.contains("by tester"),
        "{text}"
    );

    assert_eq!(
        (&patch.method, patch.path.as_str()),
        (&Method::PATCH, "/api/annotations/42")
    );
    assert_eq!(patch.authorization, post.authorization);
    let end = patch.body["timeEnd"].as_i64().unwrap();
    assert_eq!(end, ms(&j, "fault_reverted"), "the revert's time, in ms");
    assert!(end > start, "the region ends after it starts");
    assert_token_nowhere(&dir);
}

#[test]
fn a_broken_or_missing_grafana_changes_nothing_but_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let (addr, seen) = start_grafana(Mode::Broken);
    // a port nothing listens on
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    for (url, expect) in [
        (
            format!("http://{addr}"),
            "HTTP 500 Internal Server Error: Failed to save annotation: database is locked",
        ),
        (closed_url.clone(), "cannot connect to"),
    ] {
        let sub = tmp
            .path()
            .join(if url == closed_url { "closed" } else { "500" });
        std::fs::create_dir(&sub).unwrap();
        let (dir, code, so) = run_with_grafana(&sub, &url);
        assert_eq!(code, Some(0), "the same verdict as without Grafana: {so}");
        let j = journal(&dir);
        assert_eq!(events(&j, "verdict")[0]["verdict"], "CONFIRMED");
        let warnings = events(&j, "warning");
        assert_eq!(warnings.len(), 1, "{so}");
        assert_eq!(warnings[0]["source"], "grafana");
        let message = warnings[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("could not annotate the trigger of `break the probe` in Grafana: ")
                && message.contains(expect),
            "{message}"
        );
        let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
        // the message quotes a server: in the report it is text that cannot become markdown
        assert!(
            report.contains(&format!(
                "| — | warning (grafana): {} |",
                gameday::text::markdown_plain(message)
            )),
            "{report}"
        );
        assert!(so.contains("warning (grafana): could not annotate"), "{so}");
        assert_token_nowhere(&dir);
    }
    // the broken one was asked once, and not asked to close what it never opened
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn the_kill_switch_still_closes_the_region() {
    let tmp = tempfile::tempdir().unwrap();
    let (addr, seen) = start_grafana(Mode::SlowBrokenPatch);
    let mut child = start_with_grafana(tmp.path(), &format!("http://{addr}"), 60);
    let start = std::time::Instant::now();
    while !tmp.path().join("slow").exists() || seen.lock().unwrap().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never triggered and annotated"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let o = wait_bounded(&mut child, Duration::from_secs(20));
    assert_eq!(o.status.code(), Some(2), "ABORTED");
    let dir = run_dir(&tmp.path().join("runs"));
    let j = journal(&dir);
    let seen = seen.lock().unwrap().clone();
    let methods: Vec<&Method> = seen.iter().map(|s| &s.method).collect();
    assert_eq!(methods, [&Method::POST, &Method::PATCH], "{seen:?}");
    assert_eq!(
        seen[1].body["timeEnd"].as_i64().unwrap(),
        ms(&j, "fault_reverted")
    );
    // the run waited for Grafana's (slow, failed) answer before its last journal line
    let warnings = events(&j, "warning");
    assert_eq!(warnings.len(), 1, "{j:?}");
    assert_eq!(
        warnings[0]["message"],
        "could not mark the revert of `break the probe` in Grafana: \
         HTTP 500 Internal Server Error: Failed to update annotation"
    );
    assert_eq!(j.last().unwrap()["type"], "run_ended");
}

#[test]
fn an_unset_token_variable_is_said_once_and_the_annotations_go_without_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (addr, seen) = start_grafana(Mode::Healthy);
    let mut child = start_with_token(tmp.path(), &format!("http://{addr}"), 1, None);
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    assert_eq!(o.status.code(), Some(0));
    let j = journal(&run_dir(&tmp.path().join("runs")));
    let warnings = events(&j, "warning");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        warnings[0]["message"],
        "GRAFANA_TOKEN is not set: annotations are sent without a token"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen.iter().all(|s| s.authorization.is_none()), "{seen:?}");
}
