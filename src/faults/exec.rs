//! `exec`: a shell command breaks something, another repairs it.

use super::{BoxFuture, FaultAction};
use crate::engine::Injection;
use crate::proc::{run_shell, tail_line};
use crate::scenario::model::ExecFault;

pub struct ExecAction {
    spec: ExecFault,
}

impl ExecAction {
    pub fn new(spec: ExecFault) -> Self {
        ExecAction { spec }
    }

    async fn run(&self, script: &str) -> Result<String, String> {
        let out = run_shell(script, &self.spec.env, self.spec.timeout).await?;
        if out.success() {
            Ok(tail_line(&out.stdout, 200))
        } else {
            Err(out.summary())
        }
    }
}

impl FaultAction for ExecAction {
    fn plan(&self) -> Vec<String> {
        vec![
            format!("inject: sh -c {:?}", self.spec.inject),
            format!("revert: sh -c {:?}", self.spec.revert),
        ]
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>> {
        Box::pin(async move {
            let detail = self.run(&self.spec.inject).await?;
            Ok(Injection {
                targets: vec![],
                detail,
                restore: None,
            })
        })
    }

    fn revert(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(self.run(&self.spec.revert))
    }
}
