//! What a run tells systems beside it, through the real binary in a headless run, against
//! local servers of the tests' own that record what they were sent: Grafana annotations
//! (DESIGN §8) and the `notify:` webhooks (DESIGN §11).

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
fn start_with_grafana(tmp: &Path, grafana_url: &str, fault_secs: u32) -> common::Reaped {
    start_with_token(tmp, grafana_url, fault_secs, Some(TOKEN))
}

fn start_with_token(
    tmp: &Path,
    grafana_url: &str,
    fault_secs: u32,
    token: Option<&str>,
) -> common::Reaped {
    let svc = start_service(tmp);
    let slow = tmp.join("slow");
    let text = marker_fault_scenario(svc, &slow, fault_secs).replace(
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
    common::spawn(&mut cmd)
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

// --- notify: ------------------------------------------------------------------------------

/// The secret part of every webhook URL below.
const HOOK_TOKEN: &str = "T0KEN-SECRET-8d41c7";

/// What a webhook stand-in was sent: the path it was posted to, and the body.
type Posts = Arc<Mutex<Vec<(String, Value)>>>;

#[derive(Clone, Copy, PartialEq)]
enum Hook {
    Ok,
    /// every request answered with a 500
    Fails,
}

async fn hook(
    State((posts, mode)): State<(Posts, Hook)>,
    uri: Uri,
    body: Bytes,
) -> (StatusCode, String) {
    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
    posts.lock().unwrap().push((uri.path().to_string(), body));
    match mode {
        Hook::Ok => (StatusCode::OK, "ok".into()),
        // a server that quotes the path it was asked, token and all
        Hook::Fails => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error at {}", uri.path()),
        ),
    }
}

/// A webhook stand-in on 127.0.0.1 for the rest of the test process.
fn start_hook(mode: Hook) -> (std::net::SocketAddr, Posts) {
    let posts: Posts = Arc::new(Mutex::new(Vec::new()));
    let addr = common::serve(
        Router::new()
            .fallback(hook)
            .with_state((Arc::clone(&posts), mode)),
    );
    (addr, posts)
}

/// The example scenario with `notify:` posting a Slack message to `$GAMEDAY_SLACK_URL` and
/// a JSON object to `$GAMEDAY_HOOK_URL`; `revert` is the fault's revert command.
fn notify_scenario(tmp: &Path, fault_secs: u32, revert: &str) -> std::path::PathBuf {
    let svc = start_service(tmp);
    let slow = tmp.join("slow");
    let text = scenario(
        svc,
        &format!("touch {}", slow.display()),
        revert,
        fault_secs,
        "< 2s",
    )
    .replace(
        "steady_state:",
        "notify:\n  - { kind: slack, url_env: GAMEDAY_SLACK_URL }\n  - kind: json\n    url_env: GAMEDAY_HOOK_URL\nsteady_state:",
    );
    let path = tmp.join("notify.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `needle` is in no file under `dir`.
fn assert_nowhere(dir: &Path, needle: &str) {
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.is_file() {
                files += 1;
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(needle),
                    "{} leaks the webhook's token",
                    p.display()
                );
            }
        }
    }
    assert!(files >= 3, "journal, report, log at least: {files}");
}

fn posts_to(posts: &Posts, path: &str) -> Vec<Value> {
    posts
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, b)| b.clone())
        .collect()
}

#[test]
fn the_team_hears_the_start_trigger_kill_switch_failed_revert_and_verdict_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let (addr, posts) = start_hook(Hook::Ok);
    let slack_path = format!("/hooks/slack/{HOOK_TOKEN}");
    let json_path = format!("/hooks/json/{HOOK_TOKEN}");
    // the revert fails, saying something a Slack reader must see as text
    let path = notify_scenario(
        tmp.path(),
        60,
        "echo '<!channel> see <https://evil.example/x|the runbook> & retry' >&2; exit 1",
    );
    let out = tmp.path().join("runs");
    let mut driver = common::spawn(
        headless(&path, &out, &[])
            .env("GAMEDAY_SLACK_URL", format!("http://{addr}{slack_path}"))
            .env("GAMEDAY_HOOK_URL", format!("http://{addr}{json_path}"))
            .env("GAMEDAY_LOG", "debug"),
    );
    let dir = wait_for_event(&out, "fault_injected", Duration::from_secs(30));
    // someone pulls the kill switch from another shell, with a reason that tries markup
    let reason = "<!here> p99 is <https://evil.example/p|fine> & @channel";
    let mut abort = common::spawn(
        gameday()
            .arg("abort")
            .arg(&dir)
            .args(["--reason", reason])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped()),
    );
    let ao = wait_bounded(&mut abort, Duration::from_secs(60));
    assert_eq!(ao.status.code(), Some(5), "the revert failed");
    let o = wait_bounded(&mut driver, Duration::from_secs(60));
    let so = String::from_utf8_lossy(&o.stdout).into_owned();
    let se = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(5), "the revert failed: {so}");

    let j = journal(&dir);
    assert!(events(&j, "notify_failed").is_empty(), "{so}");
    assert_eq!(events(&j, "verdict")[0]["verdict"], "ABORTED");
    let by = events(&j, "abort")[0]["by"].as_str().unwrap().to_string();

    // JSON: the five events in order, each with the run's own facts
    let objects = posts_to(&posts, &json_path);
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "run_started",
            "fault_triggered",
            "kill_switch",
            "revert_failed",
            "verdict"
        ],
        "{objects:#?}"
    );
    let run_id = dir.file_name().unwrap().to_str().unwrap();
    for o in &objects {
        assert_eq!(o["run_id"], run_id);
        assert_eq!(o["scenario"], "e2e-probe");
        assert_eq!(o["format"], 1);
        assert!(o["text"].as_str().is_some_and(|t| !t.is_empty()), "{o}");
    }
    let at = |ty: &str| events(&j, ty)[0]["ts"].clone();
    assert_eq!(objects[0]["time"], at("run_started"));
    assert_eq!(objects[1]["fault"], "break the probe");
    assert_eq!(objects[1]["by"], "tester");
    assert_eq!(objects[1]["injected"], true);
    assert_eq!(objects[1]["time"], at("fault_injected"));
    assert_eq!(objects[2]["by"], by.as_str());
    assert_eq!(objects[2]["source"], "command");
    assert_eq!(
        objects[2]["reason"], reason,
        "the JSON kind carries the text as it was"
    );
    assert_eq!(objects[2]["time"], at("abort"));
    assert_eq!(objects[3]["fault"], "break the probe");
    assert_eq!(objects[3]["attempts"], 4);
    assert!(
        objects[3]["error"]
            .as_str()
            .unwrap()
            .contains("<!channel> see <https://evil.example/x|the runbook> & retry"),
        "{}",
        objects[3]
    );
    assert_eq!(objects[4]["verdict"], "ABORTED");
    assert_eq!(objects[4]["exit_code"], 5, "the process's own exit code");
    let report = std::path::absolute(dir.join("report.md")).unwrap();
    assert_eq!(objects[4]["report"], report.display().to_string());
    assert!(report.is_file());

    // Slack: the same five, as text in which nothing can mention or link
    let texts: Vec<String> = posts_to(&posts, &slack_path)
        .iter()
        .map(|b| b["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(texts.len(), 5, "{texts:#?}");
    for (t, o) in texts.iter().zip(&objects) {
        assert!(!t.contains('<') && !t.contains('>'), "{t}");
        let unescaped = t
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        assert_eq!(unescaped, o["text"].as_str().unwrap(), "the same sentence");
    }
    assert!(
        texts[0].contains("game day started by tester"),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].contains("fault \"break the probe\" triggered by tester, in effect"),
        "{}",
        texts[1]
    );
    assert!(
        texts[2].contains(&format!(
            "KILL SWITCH pulled by {by} (gameday abort): &lt;!here&gt; p99 is \
             &lt;https://evil.example/p|fine&gt; &amp; @channel"
        )),
        "{}",
        texts[2]
    );
    assert!(
        texts[3].contains("REVERT FAILED for fault \"break the probe\" after 4 attempts")
            && texts[3].contains(
                "&lt;!channel&gt; see &lt;https://evil.example/x|the runbook&gt; &amp; retry"
            )
            && texts[3].contains("gameday recover"),
        "{}",
        texts[3]
    );
    assert!(
        texts[4].contains("verdict ABORTED (exit code 5)")
            && texts[4].contains(&format!("Report: {}", report.display())),
        "{}",
        texts[4]
    );

    // the webhook's token: nowhere in the run directory, nor in anything printed
    assert_nowhere(&dir, HOOK_TOKEN);
    assert!(dir.join("gameday.log").is_file());
    for (what, text) in [
        ("stdout", so.clone()),
        ("stderr", se.clone()),
        (
            "abort's stdout",
            String::from_utf8_lossy(&ao.stdout).into_owned(),
        ),
        (
            "abort's stderr",
            String::from_utf8_lossy(&ao.stderr).into_owned(),
        ),
    ] {
        assert!(
            !text.contains(HOOK_TOKEN),
            "{what} leaks the token:\n{text}"
        );
    }
}

#[test]
fn a_webhook_that_fails_or_never_answers_changes_nothing_but_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let (addr, posts) = start_hook(Hook::Fails);
    let hook = Silent::start();
    let silent = hook.addr();
    let slack_path = format!("/hooks/slack/{HOOK_TOKEN}");
    let slow = tmp.path().join("slow");
    let path = notify_scenario(tmp.path(), 1, &format!("rm -f {}", slow.display()));
    let out = tmp.path().join("runs");
    let mut child = common::spawn(
        headless(&path, &out, &[])
            .env("GAMEDAY_SLACK_URL", format!("http://{addr}{slack_path}"))
            .env(
                "GAMEDAY_HOOK_URL",
                format!("http://{silent}/hooks/json/{HOOK_TOKEN}"),
            ),
    );
    // the run, then at most notify's wait at exit: never the webhooks' own pace
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let so = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(0),
        "the same verdict as without notify: {so}"
    );
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert_eq!(events(&j, "verdict")[0]["verdict"], "CONFIRMED");
    let last = j.last().unwrap();
    assert_eq!(last["type"], "run_ended");
    assert_eq!(last["exit_code"], 0);
    // the end waited for notify a bounded time (10 s), by the journal's own clock
    let ms = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let waited = ms(last) - ms(events(&j, "verdict")[0]);
    assert!(waited < 20_000, "waited {waited} ms after the verdict");

    let failed = events(&j, "notify_failed");
    let refused: Vec<&str> = failed
        .iter()
        .filter(|f| f["target"] == "notify[0] (slack, $GAMEDAY_SLACK_URL)")
        .map(|f| f["about"].as_str().unwrap())
        .collect();
    assert_eq!(
        refused,
        ["run_started", "fault_triggered", "verdict"],
        "{failed:#?}"
    );
    for f in failed
        .iter()
        .filter(|f| f["target"] == "notify[0] (slack, $GAMEDAY_SLACK_URL)")
    {
        assert_eq!(f["attempts"], 3, "bounded retries of a 5xx");
        // the server quoted its path: the journal keeps the quote, not the token
        assert_eq!(
            f["error"],
            "HTTP 500 Internal Server Error: internal error at ***"
        );
    }
    assert_eq!(
        posts_to(&posts, &slack_path).len(),
        9,
        "3 notifications × 3 attempts"
    );
    let silent_failed: Vec<&&Value> = failed
        .iter()
        .filter(|f| f["target"] == "notify[1] (json, $GAMEDAY_HOOK_URL)")
        .collect();
    assert!(!silent_failed.is_empty(), "{failed:#?}");
    let last_word = silent_failed.last().unwrap()["error"].as_str().unwrap();
    assert!(
        last_word.contains(
            "still waiting or being sent when gameday exited; gave up after waiting 10 s"
        ),
        "{silent_failed:#?}"
    );
    // the report says so, and the verdict stands
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Game day: e2e-probe — CONFIRMED"),
        "{report}"
    );
    let section = report
        .split("## Notifications\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no Notifications section:\n{report}"));
    assert!(
        section.contains(
            ": notification verdict to notify\\[0\\] (slack, $GAMEDAY_SLACK_URL) NOT \
             delivered after 3 attempts: HTTP 500 Internal Server Error: internal error at ***\n"
        ),
        "{section}"
    );
    assert!(
        section.contains("notify\\[1\\] (json, $GAMEDAY_HOOK_URL)"),
        "{section}"
    );
    assert!(
        so.contains(
            "notification run_started to notify[0] (slack, $GAMEDAY_SLACK_URL) NOT delivered"
        ),
        "{so}"
    );
    // Issue 17, finding 4: the failures recorded after the verdict (the verdict's own,
    // the one still waiting at exit) are printed too, before the report's line
    let verdict_failed = so
        .find("notification verdict to notify[0] (slack, $GAMEDAY_SLACK_URL) NOT delivered")
        .unwrap_or_else(|| panic!("no warning that the verdict was not delivered:\n{so}"));
    let still_waiting = so
        .find("still waiting or being sent when gameday exited")
        .unwrap_or_else(|| panic!("no warning of what was still waiting at exit:\n{so}"));
    let report_line = so.find("gameday: report ").unwrap();
    assert!(
        verdict_failed < report_line && still_waiting < report_line,
        "{so}"
    );
    assert_nowhere(&dir, HOOK_TOKEN);
    assert!(!so.contains(HOOK_TOKEN));
    assert!(!String::from_utf8_lossy(&o.stderr).contains(HOOK_TOKEN));
}

/// Issue 17, finding 2: while the driver waits for its webhooks after the verdict (up to
/// 10 s), it still answers its socket: `status` shows the run DONE with its verdict, and
/// `abort` says the run has reached its end, exit 69 (not 77, which is "you may not").
#[test]
fn status_and_abort_while_the_driver_waits_for_its_webhooks_say_the_run_is_ending() {
    let tmp = tempfile::tempdir().unwrap();
    let hook = Silent::start();
    let silent = hook.addr();
    let slow = tmp.path().join("slow");
    let path = notify_scenario(tmp.path(), 1, &format!("rm -f {}", slow.display()));
    let out = tmp.path().join("runs");
    let mut child = common::spawn(
        headless(&path, &out, &[])
            .env(
                "GAMEDAY_SLACK_URL",
                format!("http://{silent}/hooks/slack/{HOOK_TOKEN}"),
            )
            .env(
                "GAMEDAY_HOOK_URL",
                format!("http://{silent}/hooks/json/{HOOK_TOKEN}"),
            ),
    );
    let dir = wait_for_event(&out, "verdict", Duration::from_secs(60));
    let status = gameday().arg("status").arg(&dir).output().unwrap();
    let abort = gameday()
        .args(["abort", "--reason", "too late"])
        .arg(&dir)
        .output()
        .unwrap();
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let j = journal(&dir);
    let ended = j.last().unwrap();
    assert_eq!(ended["type"], "run_ended");
    assert!(
        events(&j, "abort").is_empty(),
        "nothing was aborted: {j:#?}"
    );

    // both were asked while the webhooks held the driver (10 s), unless the machine is
    // so loaded that the run had ended by then: then they say it has ended
    let (so, se) = (
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr),
    );
    let ended_already = so.contains("has ended (exit code 0)");
    if !ended_already {
        assert_eq!(status.status.code(), Some(0), "{so}{se}");
        assert!(so.contains("phase     DONE: CONFIRMED"), "{so}{se}");
    } else {
        assert_eq!(status.status.code(), Some(69), "{so}{se}");
    }
    let ae = String::from_utf8_lossy(&abort.stderr);
    assert_eq!(abort.status.code(), Some(69), "{ae}");
    assert!(
        ae.contains("has reached its end (CONFIRMED, exit code 0)")
            || ae.contains("has ended (exit code 0)"),
        "{ae}"
    );
    assert!(ae.contains("report.md"), "{ae}");
    assert!(!ae.contains("may not"), "{ae}");
}

#[test]
fn an_unset_webhook_variable_stops_the_run_before_it_starts_and_plan_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = notify_scenario(tmp.path(), 1, "true");
    let out = tmp.path().join("runs");
    let o = headless(&path, &out, &[])
        .env(
            "GAMEDAY_SLACK_URL",
            format!("http://127.0.0.1:9/hooks/{HOOK_TOKEN}"),
        )
        .env_remove("GAMEDAY_HOOK_URL")
        .output()
        .unwrap();
    let se = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(64), "{se}");
    assert!(
        se.contains("notify[1]: the environment variable GAMEDAY_HOOK_URL is not set or is empty"),
        "{se}"
    );
    assert!(
        !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
        "no run directory"
    );

    // plan says where notifications would go, by variable, and refuses as run does
    let plan = |hook: Option<&str>| {
        let mut c = gameday();
        c.arg("plan").arg(&path).env(
            "GAMEDAY_SLACK_URL",
            format!("http://127.0.0.1:9/hooks/{HOOK_TOKEN}"),
        );
        match hook {
            Some(h) => c.env("GAMEDAY_HOOK_URL", h),
            None => c.env_remove("GAMEDAY_HOOK_URL"),
        };
        c.output().unwrap()
    };
    let o = plan(Some("https://hooks.example/x/y"));
    let so = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{so}");
    assert!(
        so.contains("notify[0]: a Slack-compatible message to the URL in $GAMEDAY_SLACK_URL: at the start, each trigger, the kill switch, a failed revert and the verdict"),
        "{so}"
    );
    assert!(
        so.contains("notify[1]: a JSON object to the URL in $GAMEDAY_HOOK_URL"),
        "{so}"
    );
    assert!(
        !so.contains(HOOK_TOKEN) && !so.contains("127.0.0.1:9"),
        "{so}"
    );
    let o = plan(Some("not a url"));
    let se = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(64), "{se}");
    assert!(
        se.contains("GAMEDAY_HOOK_URL does not hold an http:// or https:// URL"),
        "{se}"
    );
    assert!(!se.contains("not a url"), "{se}");
}
