//! Grafana annotations at each trigger and revert (DESIGN §8), so that the team's own
//! dashboards show the fault window as a region.
//!
//! A courtesy, never a dependency: requests go out from a task of their own, one at a
//! time and each bounded in time, so a slow or broken Grafana cannot stall the engine
//! loop, delay a revert or change the verdict. What goes wrong comes back as a warning
//! line for the journal, with the server's status and message and never the token.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;
use tokio::sync::mpsc;

use crate::journal::{Event, Record};
use crate::scenario::model::Grafana;

/// How long one request to Grafana may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

enum Command {
    /// POST /api/annotations
    Start {
        fault: String,
        time_ms: i64,
        text: String,
    },
    /// PATCH /api/annotations/{id} with `timeEnd`
    End { fault: String, time_ms: i64 },
}

/// Sends annotations in the background; dropped with the session.
pub struct Annotator {
    scenario: String,
    /// `None` once [`Annotator::finish`] closed it
    tx: Option<mpsc::UnboundedSender<Command>>,
    warnings: mpsc::UnboundedReceiver<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Annotator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where to send, with what, tagged how.
#[derive(Clone)]
struct Target {
    client: reqwest::Client,
    base: String,
    token: Option<String>,
    tags: Vec<String>,
}

impl Annotator {
    /// Starts the sender. `token` is the value of `token_env`, read once at run start;
    /// it lives only in this task's memory.
    pub fn start(
        cfg: &Grafana,
        token: Option<String>,
        scenario: &str,
        run_id: &str,
    ) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build an HTTP client for Grafana: {e}"))?;
        let (tx, mut rx) = mpsc::unbounded_channel::<Command>();
        let (warn_tx, warnings) = mpsc::unbounded_channel::<String>();
        let target = Target {
            client,
            base: cfg.url.trim_end_matches('/').to_string(),
            token,
            tags: vec![
                "gameday".to_string(),
                scenario.to_string(),
                run_id.to_string(),
            ],
        };
        let task = tokio::spawn(async move {
            // in order, one at a time: a revert's PATCH always follows its trigger's POST
            let mut ids: HashMap<String, i64> = HashMap::new();
            while let Some(cmd) = rx.recv().await {
                match cmd {
                    Command::Start {
                        fault,
                        time_ms,
                        text,
                    } => match target.create(time_ms, &text).await {
                        Ok(id) => {
                            ids.insert(fault, id);
                        }
                        Err(e) => {
                            let _ = warn_tx.send(format!(
                                "could not annotate the trigger of `{fault}` in Grafana: {e}"
                            ));
                        }
                    },
                    Command::End { fault, time_ms } => {
                        // no annotation to close when its creation failed (already said)
                        let Some(id) = ids.remove(&fault) else {
                            continue;
                        };
                        if let Err(e) = target.close(id, time_ms).await {
                            let _ = warn_tx.send(format!(
                                "could not mark the revert of `{fault}` in Grafana: {e}"
                            ));
                        }
                    }
                }
            }
        });
        Ok(Annotator {
            scenario: scenario.to_string(),
            tx: Some(tx),
            warnings,
            task,
        })
    }

    /// Looks at a record just journaled: a trigger opens an annotation, the successful
    /// revert of the same fault turns it into a region. Returns at once.
    pub fn observe(&self, rec: &Record) {
        let cmd = match &rec.event {
            Event::FaultInjecting { fault, by, .. } => Command::Start {
                fault: fault.clone(),
                time_ms: rec.ts.timestamp_millis(),
                text: format!(
                    "gameday {}: fault `{fault}` triggered by {by}",
                    self.scenario
                ),
            },
            Event::FaultReverted {
                fault, ok: true, ..
            } => Command::End {
                fault: fault.clone(),
                time_ms: rec.ts.timestamp_millis(),
            },
            _ => return,
        };
        if let Some(tx) = &self.tx {
            let _ = tx.send(cmd);
        }
    }

    /// At the end of the run: waits, at most `limit`, for what was already asked (the
    /// region of a fault reverted by the kill switch an instant ago), then returns the
    /// last warnings. The engine loop is over by then; nothing waits on Grafana before.
    pub async fn finish(mut self, limit: Duration) -> Vec<String> {
        self.tx = None;
        let _ = tokio::time::timeout(limit, &mut self.task).await;
        self.warnings()
    }

    /// Warnings that came back since the last call, for the journal.
    pub fn warnings(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(w) = self.warnings.try_recv() {
            out.push(w);
        }
        out
    }
}

#[derive(Deserialize)]
struct Created {
    id: i64,
}

#[derive(Deserialize)]
struct Message {
    message: String,
}

impl Target {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::ACCEPT, "application/json");
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn create(&self, time_ms: i64, text: &str) -> Result<i64, String> {
        let body = serde_json::json!({
            "time": time_ms,
            "tags": self.tags,
            "text": text,
        });
        let resp = self
            .request(reqwest::Method::POST, "/api/annotations")
            .json(&body)
            .send()
            .await
            .map_err(|e| describe_error(&self.base, &e))?;
        let resp = check(resp).await?;
        let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice::<Created>(&bytes)
            .map(|c| c.id)
            .map_err(|e| format!("the answer has no annotation id ({e})"))
    }

    async fn close(&self, id: i64, time_end_ms: i64) -> Result<(), String> {
        let body = serde_json::json!({ "timeEnd": time_end_ms });
        let resp = self
            .request(reqwest::Method::PATCH, &format!("/api/annotations/{id}"))
            .json(&body)
            .send()
            .await
            .map_err(|e| describe_error(&self.base, &e))?;
        check(resp).await.map(|_| ())
    }
}

/// A non-2xx answer as "HTTP 401 Unauthorized: invalid API key" (Grafana's own message).
async fn check(resp: reqwest::Response) -> Result<reqwest::Response, String> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let body = resp.text().await.unwrap_or_default();
    let message = serde_json::from_str::<Message>(&body)
        .map(|m| m.message)
        .unwrap_or_else(|_| body.trim().chars().take(200).collect());
    if message.is_empty() {
        Err(format!("HTTP {status}"))
    } else {
        Err(format!("HTTP {status}: {message}"))
    }
}

fn describe_error(base: &str, e: &reqwest::Error) -> String {
    if e.is_timeout() {
        format!(
            "{base} did not answer within {}",
            crate::units::format_duration(REQUEST_TIMEOUT)
        )
    } else if e.is_connect() {
        format!("cannot connect to {base}")
    } else {
        format!("request to {base} failed: {e}")
    }
}
