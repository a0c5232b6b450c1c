//! `http`: a request turns a fault on (Toxiproxy, a feature flag, a chaos API), another
//! turns it off.

use std::str::FromStr;
use std::time::Duration;

use super::{BoxFuture, Context, FaultAction, Kind};
use crate::engine::Injection;
use crate::journal::redact::Redactor;
use crate::proc::tail_line;
use crate::yaml::read::{duration, fields, http_url, string_map, text, Ctx};
use crate::yaml::Node;

/// `http:` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpFault {
    pub inject: HttpRequest,
    pub revert: HttpRequest,
    /// Per request, default 10 s.
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    /// Upper case, default `POST`.
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

impl Kind for HttpFault {
    const KEY: &'static str = "http";
    const NEEDS_CLUSTER: bool = false;
    const SCHEMA: &'static str = SCHEMA;
    const EXAMPLES: &'static [&'static str] = &[
        r#"{ inject: { method: PUT, url: "http://x", headers: { A: b }, body: "{}" }, revert: { url: "http://x" }, timeout: 5s }"#,
    ];

    fn parse(cx: &mut Ctx, n: &Node, path: &str) -> Option<Self> {
        let f = fields(cx, n, path, &["inject", "revert", "timeout"])?;
        let request = |cx: &mut Ctx, key: &str, hint: &str| -> Option<HttpRequest> {
            let Some(rn) = f.get(key) else {
                cx.err(f.pos, format!("{path}: `{key}` is required: {hint}"));
                return None;
            };
            let p = format!("{path}.{key}");
            let rf = fields(cx, rn, &p, &["method", "url", "headers", "body"])?;
            let method = text(cx, &rf, "method")
                .map(|m| m.to_uppercase())
                .unwrap_or_else(|| "POST".into());
            let method_ok = METHODS.contains(&method.as_str());
            if !method_ok {
                cx.err(
                    rf.get("method").map_or(rf.pos, |n| n.pos),
                    format!(
                        "{p}.method: `{method}` is not an HTTP method; expected one of {}",
                        METHODS.join(", ")
                    ),
                );
            }
            let url = http_url(cx, &rf, "url", true);
            let headers = string_map(cx, &rf, "headers");
            let body = text(cx, &rf, "body");
            if !method_ok {
                return None;
            }
            Some(HttpRequest {
                method,
                url: url?,
                headers,
                body,
            })
        };
        let inject = request(
            cx,
            "inject",
            "the request that injects the fault: {method, url, headers, body}",
        );
        let revert = request(
            cx,
            "revert",
            "the request that undoes it; a fault gameday cannot revert is refused",
        );
        let timeout = duration(cx, &f, "timeout").unwrap_or(Duration::from_secs(10));
        if timeout.is_zero() {
            cx.err(
                f.key_pos("timeout"),
                format!("{path}.timeout: must be more than 0s"),
            );
        }
        Some(HttpFault {
            inject: inject?,
            revert: revert?,
            timeout,
        })
    }

    fn plan(&self) -> Vec<String> {
        vec![
            format!("inject: {} {}", self.inject.method, self.inject.url),
            format!("revert: {} {}", self.revert.method, self.revert.url),
        ]
    }

    /// The walk of the scenario text finds every secret here: a header under a
    /// sensitive name, a header or a body fed by a `${VAR}`, a URL's user info and
    /// credential-looking query parameters.
    fn secrets(&self, _env: &dyn Fn(&str) -> Option<String>, _r: &mut Redactor) {}

    fn action(&self, _fault: &str, _ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
        Ok(Box::new(HttpAction::new(self.clone())?))
    }
}

/// Its part of the JSON Schema: see [`Kind::SCHEMA`].
const SCHEMA: &str = r##"{
  "property": { "$ref": "#/definitions/httpFault" },
  "definitions": {
    "httpRequest": {
      "type": "object",
      "required": ["url"],
      "additionalProperties": false,
      "properties": {
        "method": {
          "description": "Default POST. Any case.",
          "type": ["string", "null"],
          "pattern": "^([Gg][Ee][Tt]|[Hh][Ee][Aa][Dd]|[Pp][Oo][Ss][Tt]|[Pp][Uu][Tt]|[Pp][Aa][Tt][Cc][Hh]|[Dd][Ee][Ll][Ee][Tt][Ee]|[Oo][Pp][Tt][Ii][Oo][Nn][Ss])$"
        },
        "url": { "$ref": "#/definitions/url" },
        "headers": { "anyOf": [{ "$ref": "#/definitions/stringMap" }, { "type": "null" }] },
        "body": { "anyOf": [{ "$ref": "#/definitions/text" }, { "type": "null" }] }
      }
    },
    "httpFault": {
      "description": "Send a request to inject (Toxiproxy, feature flags, Gremlin or AWS FIS APIs) and another to revert.",
      "type": "object",
      "required": ["inject", "revert"],
      "additionalProperties": false,
      "properties": {
        "inject": { "$ref": "#/definitions/httpRequest" },
        "revert": { "$ref": "#/definitions/httpRequest" },
        "timeout": {
          "description": "Per request. Default 10s.",
          "anyOf": [{ "$ref": "#/definitions/duration" }, { "type": "null" }]
        }
      }
    }
  }
}"##;

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
        self.spec.plan()
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
