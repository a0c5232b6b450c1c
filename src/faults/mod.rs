//! Faults: one file per kind behind [`FaultAction`].
//!
//! A fault is built from the scenario once, before the run starts, so that everything it
//! needs (commands, URLs, clients) is checked up front and its plan can be shown at arming.

mod exec;
mod http;

use std::future::Future;
use std::pin::Pin;

use crate::engine::Injection;
use crate::scenario::model::{Fault, FaultKind};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait FaultAction: Send + Sync {
    /// What arming shows: one `inject: …` line and one `revert: …` line, at least.
    fn plan(&self) -> Vec<String>;
    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>>;
    /// Must be safe to call when the injection failed half-way or never happened.
    fn revert(&self) -> BoxFuture<'_, Result<String, String>>;
}

/// Builds the action for a fault; an error says why this build cannot run it.
pub fn build(fault: &Fault) -> Result<Box<dyn FaultAction>, String> {
    match &fault.kind {
        FaultKind::Exec(e) => Ok(Box::new(exec::ExecAction::new(e.clone()))),
        FaultKind::Http(h) => Ok(Box::new(http::HttpAction::new(h.clone())?)),
        other => Err(format!(
            "fault `{}`: `{}` faults need the Kubernetes support, which this build does not have yet",
            fault.name,
            other.name()
        )),
    }
}

/// The whole chain of an error, for messages that name the real cause.
pub fn error_chain_of(e: &(dyn std::error::Error + 'static)) -> String {
    http::error_chain(e)
}
