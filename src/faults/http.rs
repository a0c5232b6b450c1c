//! `http`: a request turns a fault on (Toxiproxy, a feature flag, a chaos API), another
//! turns it off.

use std::str::FromStr;

use super::{BoxFuture, FaultAction};
use crate::engine::Injection;
use crate::proc::tail_line;
use crate::scenario::model::{HttpFault, HttpRequest};

pub struct HttpAction {
    spec: HttpFault,
    client: reqwest::Client,
}

impl HttpAction {
    pub fn new(spec: HttpFault) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(spec.timeout)
            .build()
            .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
        for r in [&spec.inject, &spec.revert] {
            reqwest::Method::from_str(&r.method)
                .map_err(|_| format!("unknown HTTP method {}", r.method))?;
        }
        Ok(HttpAction { spec, client })
    }

    async fn send(&self, req: &HttpRequest) -> Result<String, String> {
        let method = reqwest::Method::from_str(&req.method).map_err(|e| e.to_string())?;
        let mut rb = self.client.request(method, &req.url);
        for (k, v) in &req.headers {
            rb = rb.header(k, v);
        }
        if let Some(body) = &req.body {
            rb = rb.body(body.clone());
        }
        let what = format!("{} {}", req.method, req.url);
        let resp = rb
            .send()
            .await
            .map_err(|e| format!("{what}: {}", crate::text::error_chain(&e)))?;
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        let body = tail_line(&body, 200);
        if status.is_success() {
            Ok(format!("{what} → {}", status.as_u16()))
        } else {
            Err(format!(
                "{what} → {}{}",
                status,
                if body.is_empty() {
                    String::new()
                } else {
                    format!(": {body}")
                }
            ))
        }
    }
}

impl FaultAction for HttpAction {
    fn plan(&self) -> Vec<String> {
        vec![
            format!(
                "inject: {} {}",
                self.spec.inject.method, self.spec.inject.url
            ),
            format!(
                "revert: {} {}",
                self.spec.revert.method, self.spec.revert.url
            ),
        ]
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>> {
        Box::pin(async move {
            let detail = self.send(&self.spec.inject).await?;
            Ok(Injection {
                targets: vec![],
                detail,
                restore: None,
            })
        })
    }

    fn revert(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(self.send(&self.spec.revert))
    }
}
