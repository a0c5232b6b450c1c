//! Telling the team (DESIGN §11): `notify:` posts to Slack-compatible and plain JSON
//! webhooks at the run's start, each trigger, the kill switch, a revert that failed and
//! the verdict.
//!
//! A courtesy, never a dependency: each webhook has a task and a bounded queue of its own.
//! The engine loop only hands a message over ([`Notifier::observe`] never waits; a full
//! queue drops the message and counts it), every request is bounded in time and retried a
//! bounded number of times, and what goes wrong comes back as a `notify_failed` warning
//! for the journal and the report. Nothing here can change the verdict or the exit code.
//! The end of the run waits at most [`EXIT_WAIT`] for what is still being sent (the
//! verdict, usually), so the team hears it before gameday exits.
//!
//! The URL is read once at start from the variable the scenario names and lives only in
//! this module's tasks: it is one of the run's secrets (see `journal::redact`), no error
//! message quotes it (reqwest's are stripped of it), and nothing here prints it.

mod message;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::journal::redact::Redactor;
use crate::journal::{Event, Record};
use crate::scenario::{NotifyKind, NotifyTarget};

pub use message::Context;
use message::{About, Composer, Message};

/// How long one request may take, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Requests per notification at most: the first and two retries. Only a 5xx, a 429 or
/// no answer at all is retried; any other answer is final.
pub const ATTEMPTS: u32 = 3;

/// The wait before the second request; doubled before the third.
pub const BACKOFF: Duration = Duration::from_secs(1);

/// The longest `Retry-After` (of a 429 or 503) that is waited for; a longer one is cut
/// to this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Notifications waiting per webhook. Past this, new ones are dropped and counted: a
/// webhook that does not answer must not make gameday hold an ever longer list.
pub const QUEUE: usize = 32;

/// How long the end of the run waits for the notifications still waiting or being sent.
pub const EXIT_WAIT: Duration = Duration::from_secs(10);

/// A webhook of the scenario with its URL, read from its variable at run start.
pub struct Webhook {
    label: String,
    kind: NotifyKind,
    url: reqwest::Url,
}

/// Never the URL, whoever prints it.
impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("label", &self.label)
            .field("url", &"***")
            .finish()
    }
}

/// Reads each webhook's URL from the variable it names. A variable that is not set,
/// empty, or not an http(s) URL is an error, before anything is run: a team told it
/// would hear about the game day must not find out afterwards that it did not. The
/// messages name the variable, never its value.
pub fn resolve(
    targets: &[NotifyTarget],
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Webhook>, String> {
    let mut out = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let label = t.label(i);
        let var = &t.url_env;
        let value = env(var).map(|v| v.trim().to_string()).unwrap_or_default();
        if value.is_empty() {
            return Err(format!(
                "notify[{i}]: the environment variable {var} is not set or is empty; it must \
                 hold the {} webhook's URL (set it, or take the webhook out of `notify:`)",
                t.kind.as_str()
            ));
        }
        let url = reqwest::Url::parse(&value)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        let Some(url) = url else {
            return Err(format!(
                "notify[{i}]: {var} does not hold an http:// or https:// URL (its value is a \
                 secret and is not shown)"
            ));
        };
        out.push(Webhook {
            label,
            kind: t.kind,
            url,
        });
    }
    Ok(out)
}

/// What `gameday plan` says of `notify:`: one line per webhook, by its variable, never
/// the URL (`plan`, like `run`, has already refused a variable that is not set).
pub fn plan_lines(targets: &[NotifyTarget]) -> Vec<String> {
    targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "notify[{i}]: {} to the URL in ${}: at the start, each trigger, the kill \
                 switch, a failed revert and the verdict",
                match t.kind {
                    NotifyKind::Slack => "a Slack-compatible message",
                    NotifyKind::Json => "a JSON object",
                },
                t.url_env,
            )
        })
        .collect()
}

/// A notification that was not delivered, for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    target: String,
    about: String,
    attempts: u32,
    error: String,
}

impl Failure {
    fn into_event(self) -> Event {
        Event::NotifyFailed {
            target: self.target,
            about: self.about,
            attempts: self.attempts,
            error: self.error,
        }
    }
}

/// A notification waiting or being sent, and the requests made for it so far.
struct Pending {
    about: About,
    attempts: u32,
}

/// One webhook's queue and the task that empties it.
struct Outbox {
    label: String,
    tx: Option<mpsc::Sender<Arc<Message>>>,
    /// in queue order: the first is the one being sent
    pending: Arc<Mutex<VecDeque<Pending>>>,
    /// dropped from a full queue since the last warning
    dropped: Vec<About>,
    task: JoinHandle<()>,
}

/// Sends the run's notifications in the background; dropped with the session.
pub struct Notifier {
    ctx: Context,
    composer: Composer,
    outboxes: Vec<Outbox>,
    failures: mpsc::UnboundedReceiver<Failure>,
}

impl Drop for Notifier {
    fn drop(&mut self) {
        for o in &self.outboxes {
            o.task.abort();
        }
    }
}

impl Notifier {
    /// Starts one sender per webhook. `redactor` holds the run's secrets (the URLs
    /// among them): a server's answer quoted in a warning is scrubbed with it before
    /// it leaves the task.
    pub fn start(hooks: Vec<Webhook>, ctx: Context, redactor: Redactor) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            // a webhook answers; one that redirects is refused rather than followed
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("gameday/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                format!(
                    "cannot build an HTTP client for notify: {}",
                    crate::text::error_chain(&e.without_url())
                )
            })?;
        let (fail_tx, failures) = mpsc::unbounded_channel();
        let redactor = Arc::new(redactor);
        let outboxes = hooks
            .into_iter()
            .map(|hook| {
                let (tx, rx) = mpsc::channel(QUEUE);
                let pending = Arc::new(Mutex::new(VecDeque::new()));
                let label = hook.label.clone();
                let task = tokio::spawn(send_all(
                    client.clone(),
                    hook,
                    rx,
                    Arc::clone(&pending),
                    fail_tx.clone(),
                    Arc::clone(&redactor),
                ));
                Outbox {
                    label,
                    tx: Some(tx),
                    pending,
                    dropped: Vec::new(),
                    task,
                }
            })
            .collect();
        Ok(Notifier {
            ctx,
            composer: Composer::default(),
            outboxes,
            failures,
        })
    }

    /// Looks at a record just journaled and queues the notification it calls for, if
    /// any. Returns at once: a full queue drops the notification and counts it.
    pub fn observe(&mut self, rec: &Record, exit_code: impl FnOnce() -> i32) {
        let Some(msg) = self.composer.compose(&self.ctx, rec, exit_code) else {
            return;
        };
        let msg = Arc::new(msg);
        for o in &mut self.outboxes {
            let Some(tx) = &o.tx else { continue };
            lock(&o.pending).push_back(Pending {
                about: msg.about,
                attempts: 0,
            });
            if tx.try_send(Arc::clone(&msg)).is_err() {
                lock(&o.pending).pop_back();
                o.dropped.push(msg.about);
            }
        }
    }

    /// The notifications that failed since the last call, as journal events; and one
    /// event per webhook for what was dropped from its full queue meanwhile.
    pub fn warnings(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Ok(f) = self.failures.try_recv() {
            out.push(f.into_event());
        }
        for o in &mut self.outboxes {
            if o.dropped.is_empty() {
                continue;
            }
            let dropped = std::mem::take(&mut o.dropped);
            out.push(
                Failure {
                    target: o.label.clone(),
                    about: abouts(dropped.iter().copied()),
                    attempts: 0,
                    error: format!(
                        "{} dropped, never sent: {QUEUE} notifications were already waiting \
                         (the webhook is slow or not answering)",
                        count(dropped.len(), "notification")
                    ),
                }
                .into_event(),
            );
        }
        out
    }

    /// At the end of the run: waits, at most `limit`, for every webhook to send what it
    /// still has (the verdict, queued a moment ago), then gives up on the rest. Returns
    /// the last warnings, a notification given up on among them.
    pub async fn finish(mut self, limit: Duration) -> Vec<Event> {
        for o in &mut self.outboxes {
            o.tx = None;
        }
        let deadline = tokio::time::Instant::now() + limit;
        for o in &mut self.outboxes {
            let _ = tokio::time::timeout_at(deadline, &mut o.task).await;
        }
        let mut out = self.warnings();
        for o in &self.outboxes {
            if o.task.is_finished() {
                continue;
            }
            o.task.abort();
            let left: Vec<Pending> = lock(&o.pending).drain(..).collect();
            if left.is_empty() {
                continue;
            }
            let attempts = left.first().map_or(0, |p| p.attempts);
            out.push(
                Failure {
                    target: o.label.clone(),
                    about: abouts(left.iter().map(|p| p.about)),
                    attempts,
                    error: format!(
                        "{} still waiting or being sent when gameday exited; gave up after \
                         waiting {} for it",
                        count(left.len(), "notification"),
                        crate::units::format_duration(limit)
                    ),
                }
                .into_event(),
            );
        }
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `verdict` or `fault_triggered, verdict`: each kind once, in order of first appearance.
fn abouts(list: impl Iterator<Item = About>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for a in list {
        if !seen.contains(&a.as_str()) {
            seen.push(a.as_str());
        }
    }
    seen.join(", ")
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// One webhook's task: each notification in order, with its retries, until the queue
/// is closed.
async fn send_all(
    client: reqwest::Client,
    hook: Webhook,
    mut rx: mpsc::Receiver<Arc<Message>>,
    pending: Arc<Mutex<VecDeque<Pending>>>,
    failures: mpsc::UnboundedSender<Failure>,
    redactor: Arc<Redactor>,
) {
    while let Some(msg) = rx.recv().await {
        let body = msg.body(hook.kind);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            if let Some(p) = lock(&pending).front_mut() {
                p.attempts = attempt;
            }
            match post(&client, &hook.url, &body).await {
                Ok(()) => break Ok(()),
                Err(f) => match f.retry_after {
                    Some(wait) if attempt < ATTEMPTS => {
                        let backoff = BACKOFF * 2u32.pow(attempt - 1);
                        tokio::time::sleep(wait.unwrap_or(backoff).min(MAX_RETRY_AFTER)).await;
                    }
                    _ => break Err(f.error),
                },
            }
        };
        lock(&pending).pop_front();
        if let Err(error) = result {
            let _ = failures.send(Failure {
                target: hook.label.clone(),
                about: msg.about.as_str().to_string(),
                attempts: attempt,
                error: crate::text::visible(&redactor.scrub(&error)).into_owned(),
            });
        }
    }
}

/// Why a request did not deliver, and whether (and after how long) to try again:
/// `Some(None)` after the usual backoff, `Some(Some(d))` after what the server asked.
struct Undelivered {
    error: String,
    retry_after: Option<Option<Duration>>,
}

/// At most this much of an error answer's body is quoted.
const QUOTED_BODY: usize = 200;

async fn post(
    client: &reqwest::Client,
    url: &reqwest::Url,
    body: &[u8],
) -> Result<(), Undelivered> {
    let resp = client
        .post(url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| Undelivered {
            error: request_error(e),
            retry_after: Some(None),
        })?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let retry = status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS;
    let asked = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let quoted = quoted_body(resp).await;
    let mut error = format!("HTTP {status}");
    if status.is_redirection() {
        error.push_str(" (a webhook that redirects is not followed)");
    }
    if !quoted.is_empty() {
        error.push_str(": ");
        error.push_str(&quoted);
    }
    Err(Undelivered {
        error,
        retry_after: retry.then_some(asked),
    })
}

/// The start of an error answer's body (Slack says `invalid_token`, `no_service`…), on
/// one line with its control characters visible; never more than [`QUOTED_BODY`]
/// characters, and never read past a few KiB.
async fn quoted_body(mut resp: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < 4096 {
        match resp.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown = crate::text::visible(&one_line);
    let mut out: String = shown.chars().take(QUOTED_BODY).collect();
    if shown.chars().count() > QUOTED_BODY {
        out.push('…');
    }
    out
}

/// A request that got no answer, in words that never hold its URL.
fn request_error(e: reqwest::Error) -> String {
    let e = e.without_url();
    if e.is_timeout() {
        format!(
            "no answer within {}",
            crate::units::format_duration(REQUEST_TIMEOUT)
        )
    } else if e.is_connect() {
        format!("cannot connect: {}", crate::text::error_chain(&e))
    } else {
        format!("the request failed: {}", crate::text::error_chain(&e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn targets() -> Vec<NotifyTarget> {
        vec![
            NotifyTarget {
                kind: NotifyKind::Slack,
                url_env: "HOOK_A".into(),
            },
            NotifyTarget {
                kind: NotifyKind::Json,
                url_env: "HOOK_B".into(),
            },
        ]
    }

    #[test]
    fn a_missing_or_bad_variable_is_named_and_its_value_never_shown() {
        let env = |n: &str| match n {
            "HOOK_A" => Some("https://hooks.example/T0/s3cr3t-tok3n".to_string()),
            "HOOK_B" => Some("ftp://s3cr3t-tok3n@x".to_string()),
            _ => None,
        };
        let e = resolve(&targets(), &env).unwrap_err();
        assert_eq!(
            e,
            "notify[1]: HOOK_B does not hold an http:// or https:// URL (its value is a \
             secret and is not shown)"
        );
        let e = resolve(&targets(), &|_| None).unwrap_err();
        assert!(
            e.starts_with("notify[0]: the environment variable HOOK_A is not set or is empty"),
            "{e}"
        );
        let env = |_: &str| Some("  ".to_string());
        assert!(resolve(&targets(), &env)
            .unwrap_err()
            .contains("HOOK_A is not set or is empty"));
        let env = |_: &str| Some("http://127.0.0.1:9/hooks/s3cr3t-tok3n".to_string());
        let hooks = resolve(&targets(), &env).unwrap();
        assert_eq!(hooks.len(), 2);
        let shown = format!("{hooks:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("notify[1] (json, $HOOK_B)"), "{shown}");
    }

    #[test]
    fn the_plan_names_the_variable_and_never_the_url() {
        assert_eq!(
            plan_lines(&targets()),
            vec![
                "notify[0]: a Slack-compatible message to the URL in $HOOK_A: at the start, each trigger, the kill switch, a failed revert and the verdict",
                "notify[1]: a JSON object to the URL in $HOOK_B: at the start, each trigger, the kill switch, a failed revert and the verdict",
            ]
        );
    }

    const TOKEN: &str = "T0KEN-SECRET-42";

    /// A webhook stand-in on 127.0.0.1: answers each request with the next of
    /// `answers` (the last one again when they run out), echoing the path it was asked,
    /// and keeps the bodies.
    async fn server(
        answers: Vec<(u16, Option<&'static str>)>,
    ) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
        use axum::body::Bytes;
        use axum::http::{StatusCode, Uri};
        let seen = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&seen);
        let answers = Arc::new(answers);
        let app = axum::Router::new().fallback(move |uri: Uri, body: Bytes| {
            let seen = Arc::clone(&kept);
            let answers = Arc::clone(&answers);
            async move {
                let n = {
                    let mut s = seen.lock().unwrap();
                    s.push(body.to_vec());
                    s.len()
                };
                let (code, retry_after) = answers[(n - 1).min(answers.len() - 1)];
                let mut headers = axum::http::HeaderMap::new();
                if let Some(r) = retry_after {
                    headers.insert("retry-after", r.parse().unwrap());
                }
                (
                    StatusCode::from_u16(code).unwrap(),
                    headers,
                    format!("no_service for {}", uri.path()),
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}/hooks/{TOKEN}"), seen)
    }

    fn notifier(url: &str, kind: NotifyKind) -> Notifier {
        let target = NotifyTarget {
            kind,
            url_env: "HOOK".into(),
        };
        let hooks = resolve(&[target], &|_| Some(url.to_string())).unwrap();
        let mut redactor = Redactor::new();
        redactor.add_webhook_url(url);
        let ctx = Context {
            scenario: "s".into(),
            run_id: "r".into(),
            operator: "o".into(),
            host: "h".into(),
            run_dir: "/d".into(),
            report: "/d/report.md".into(),
        };
        Notifier::start(hooks, ctx, redactor).unwrap()
    }

    fn abort(n: u64) -> Record {
        Record {
            seq: n,
            ts: chrono::Utc::now(),
            event: Event::Abort {
                by: "b".into(),
                source: crate::journal::AbortSource::Key,
                detail: format!("reason {n}"),
            },
        }
    }

    fn failures(events: &[Event]) -> Vec<(String, String, u32, String)> {
        events
            .iter()
            .map(|e| match e {
                Event::NotifyFailed {
                    target,
                    about,
                    attempts,
                    error,
                } => (target.clone(), about.clone(), *attempts, error.clone()),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_5xx_or_429_is_retried_and_then_delivered() {
        // a 503 asking for no wait, then a 500 (the usual backoff), then delivered
        let (url, seen) = server(vec![(503, Some("0")), (500, None), (200, None)]).await;
        let mut n = notifier(&url, NotifyKind::Json);
        n.observe(&abort(1), || 0);
        let left = n.finish(Duration::from_secs(20)).await;
        assert!(left.is_empty(), "{left:?}");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 3);
        assert!(
            seen.iter().all(|b| *b == seen[0]),
            "the same body each time"
        );
        let v: serde_json::Value = serde_json::from_slice(&seen[0]).unwrap();
        assert_eq!(v["event"], "kill_switch");
        assert_eq!(v["reason"], "reason 1");
    }

    #[tokio::test]
    async fn retries_are_bounded_and_the_failure_is_scrubbed_of_the_url() {
        let (url, seen) = server(vec![(429, Some("0"))]).await;
        let mut n = notifier(&url, NotifyKind::Slack);
        n.observe(&abort(1), || 0);
        let f = failures(&n.finish(Duration::from_secs(20)).await);
        assert_eq!(seen.lock().unwrap().len(), ATTEMPTS as usize);
        assert_eq!(f.len(), 1, "{f:?}");
        let (target, about, attempts, error) = &f[0];
        assert_eq!(target, "notify[0] (slack, $HOOK)");
        assert_eq!(about, "kill_switch");
        assert_eq!(*attempts, ATTEMPTS);
        // the server echoed the path, token and all
        assert_eq!(error, "HTTP 429 Too Many Requests: no_service for ***");
    }

    #[tokio::test]
    async fn another_4xx_is_final() {
        let (url, seen) = server(vec![(404, None)]).await;
        let mut n = notifier(&url, NotifyKind::Slack);
        n.observe(&abort(1), || 0);
        let f = failures(&n.finish(Duration::from_secs(20)).await);
        assert_eq!(seen.lock().unwrap().len(), 1);
        assert_eq!(f[0].2, 1);
        assert!(
            f[0].3.starts_with("HTTP 404 Not Found: no_service for "),
            "{f:?}"
        );
        assert!(!f[0].3.contains(TOKEN), "{f:?}");
    }

    #[tokio::test]
    async fn no_listener_is_a_failure_that_never_names_the_url() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks/{TOKEN}", closed.local_addr().unwrap());
        drop(closed);
        let mut n = notifier(&url, NotifyKind::Json);
        n.observe(&abort(1), || 0);
        let f = failures(&n.finish(Duration::from_secs(20)).await);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].2, ATTEMPTS);
        assert!(f[0].3.starts_with("cannot connect: "), "{f:?}");
        assert!(
            !f[0].3.contains(TOKEN) && !f[0].3.contains("/hooks"),
            "{f:?}"
        );
    }

    /// A webhook that accepts connections and never answers: the queue fills, what does
    /// not fit is dropped and counted, and the end of the run gives up on the rest
    /// after its wait. `observe` never waits (this runtime has one thread: the sender
    /// cannot run until the test awaits).
    #[tokio::test]
    async fn a_webhook_that_never_answers_fills_the_queue_and_is_given_up_on() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/{TOKEN}", listener.local_addr().unwrap());
        let mut held = Vec::new();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                held.push(conn);
            }
        });
        let mut n = notifier(&url, NotifyKind::Slack);
        let total = QUEUE as u64 + 8;
        for i in 1..=total {
            n.observe(&abort(i), || 0);
        }
        let dropped = failures(&n.warnings());
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert_eq!(dropped[0].1, "kill_switch");
        assert_eq!(dropped[0].2, 0);
        assert!(
            dropped[0].3.starts_with(
                "8 notifications dropped, never sent: 32 notifications were already waiting"
            ),
            "{dropped:?}"
        );
        assert!(n.warnings().is_empty(), "counted once");
        let wait = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let left = failures(&n.finish(wait).await);
        assert!(started.elapsed() < REQUEST_TIMEOUT, "the wait is bounded");
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].2, 1, "the first was being sent");
        assert_eq!(
            left[0].3,
            "32 notifications still waiting or being sent when gameday exited; gave up \
             after waiting 300 ms for it"
        );
    }

    #[test]
    fn dropped_kinds_are_listed_once_each() {
        assert_eq!(
            abouts(
                [
                    About::FaultTriggered,
                    About::KillSwitch,
                    About::FaultTriggered
                ]
                .into_iter()
            ),
            "fault_triggered, kill_switch"
        );
    }
}
