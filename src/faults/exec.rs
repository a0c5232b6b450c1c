//! `exec`: a shell command breaks something, another repairs it.

use std::time::Duration;

use super::{BoxFuture, Context, FaultAction, Kind};
use crate::engine::Injection;
use crate::journal::redact::Redactor;
use crate::proc::{run_shell, tail_line};
use crate::yaml::read::{duration, fields, required_text, string_map, Ctx};
use crate::yaml::Node;

/// `exec:` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecFault {
    pub inject: String,
    pub revert: String,
    /// Per command, default 30 s.
    pub timeout: Duration,
    pub env: Vec<(String, String)>,
}

impl Kind for ExecFault {
    const KEY: &'static str = "exec";
    const NEEDS_CLUSTER: bool = false;
    const SCHEMA: &'static str = SCHEMA;
    const EXAMPLES: &'static [&'static str] = &[
        r#"{ inject: a, revert: b, timeout: 5s, env: { A: b } }"#,
    ];

    fn parse(cx: &mut Ctx, n: &Node, path: &str) -> Option<Self> {
        let f = fields(cx, n, path, &["inject", "revert", "timeout", "env"])?;
        let inject = required_text(cx, &f, "inject", "the shell command that injects the fault");
        let revert = required_text(
            cx,
            &f,
            "revert",
            "the shell command that undoes it; a fault gameday cannot revert is refused",
        );
        let timeout = duration(cx, &f, "timeout").unwrap_or(Duration::from_secs(30));
        if timeout.is_zero() {
            cx.err(
                f.key_pos("timeout"),
                format!("{path}.timeout: must be more than 0s"),
            );
        }
        let env = string_map(cx, &f, "env");
        Some(ExecFault {
            inject: inject?,
            revert: revert?,
            timeout,
            env,
        })
    }

    fn plan(&self) -> Vec<String> {
        vec![
            format!("inject: sh -c {:?}", self.inject),
            format!("revert: sh -c {:?}", self.revert),
        ]
    }

    /// The walk of the scenario text finds every secret here: an `env` value under a
    /// sensitive name (`DB_PASSWORD`), and any `${VAR}` with a sensitive name.
    fn secrets(&self, _env: &dyn Fn(&str) -> Option<String>, _r: &mut Redactor) {}

    fn action(&self, _fault: &str, _ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
        Ok(Box::new(ExecAction::new(self.clone())))
    }
}

/// Its part of the JSON Schema: see [`Kind::SCHEMA`].
const SCHEMA: &str = r##"{
  "property": { "$ref": "#/definitions/exec" },
  "definitions": {
    "exec": {
      "description": "Run `inject` with sh -c; the revert runs `revert`, and a non-zero exit is a failed revert.",
      "type": "object",
      "required": ["inject", "revert"],
      "additionalProperties": false,
      "properties": {
        "inject": {
          "description": "The shell command that injects the fault.",
          "$ref": "#/definitions/requiredText"
        },
        "revert": {
          "description": "The shell command that undoes it; a fault gameday cannot revert is refused.",
          "$ref": "#/definitions/requiredText"
        },
        "timeout": {
          "description": "Per command. Default 30s.",
          "anyOf": [{ "$ref": "#/definitions/duration" }, { "type": "null" }]
        },
        "env": {
          "description": "Extra environment variables for both commands.",
          "anyOf": [{ "$ref": "#/definitions/stringMap" }, { "type": "null" }]
        }
      }
    }
  }
}"##;

pub struct ExecAction {
    spec: ExecFault,
}

impl ExecAction {
    pub fn new(spec: ExecFault) -> Self {
        ExecAction { spec }
    }

    async fn run(&self, script: &str, injecting: bool) -> Result<String, String> {
        let out = if injecting {
            crate::proc::run_shell_injecting(script, &self.spec.env, self.spec.timeout).await?
        } else {
            run_shell(script, &self.spec.env, self.spec.timeout).await?
        };
        let result = if out.success() {
            Ok(tail_line(&out.stdout, 200))
        } else {
            Err(out.summary())
        };
        if !out.held_open {
            return result;
        }
        // said where the result is read (the timeline, the fault's row, the report)
        let add = |s: String| {
            if s.is_empty() {
                crate::proc::held_open_words()
            } else {
                format!("{s}; {}", crate::proc::held_open_words())
            }
        };
        result.map(add).map_err(add)
    }
}

impl FaultAction for ExecAction {
    fn plan(&self) -> Vec<String> {
        self.spec.plan()
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>> {
        Box::pin(async move {
            let detail = self.run(&self.spec.inject, true).await?;
            Ok(Injection {
                targets: vec![],
                detail,
                restore: None,
            })
        })
    }

    fn revert(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let started = std::time::Instant::now();
            let result = self.run(&self.spec.revert, false).await;
            // A silent revert still says what it did: its exit status and how long it
            // took, where a revert that prints shows its output.
            result.map(|out| {
                if out.is_empty() {
                    format!(
                        "exit 0 in {}",
                        crate::units::format_duration(started.elapsed())
                    )
                } else {
                    out
                }
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(revert: &str) -> ExecAction {
        ExecAction::new(ExecFault {
            inject: "true".into(),
            revert: revert.into(),
            timeout: Duration::from_secs(20),
            env: Vec::new(),
        })
    }

    /// Outsider 21, finding 11: a revert that succeeds without a word is not blank on
    /// the fault's row.
    #[tokio::test]
    async fn a_silent_revert_says_its_exit_status_and_time() {
        let said = action("true").revert().await.unwrap();
        assert!(said.starts_with("exit 0 in "), "{said}");
        assert_eq!(action("echo restarted").revert().await.unwrap(), "restarted");
        assert!(action("exit 3").revert().await.is_err());
    }
}
