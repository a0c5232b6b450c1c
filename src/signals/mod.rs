//! Signals: tasks that sample the steady state and send [`Msg::Sample`]s. They never
//! touch the engine's state; a sample that cannot be taken is sent as an error, so the
//! panel shows why instead of a stale value.

pub mod command;
pub mod http;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::Msg;
use crate::scenario::model::{Signal, SignalSource};

/// Starts one sampler per signal. Fails, before anything starts, on a signal kind this
/// build cannot sample.
pub fn spawn_all(
    signals: &[Signal],
    tx: &mpsc::Sender<Msg>,
) -> Result<Vec<JoinHandle<()>>, String> {
    for s in signals {
        if let SignalSource::Promql { .. } | SignalSource::Pods { .. } = s.source {
            return Err(format!(
                "signal `{}`: `{}` signals are not supported by this build yet",
                s.name,
                s.source.kind()
            ));
        }
    }
    let mut handles = Vec::new();
    for (i, s) in signals.iter().enumerate() {
        let tx = tx.clone();
        let handle = match &s.source {
            SignalSource::Http {
                url,
                timeout,
                measure,
            } => http::spawn(i, url.clone(), s.interval, *timeout, *measure, tx)?,
            SignalSource::Command { command } => command::spawn(i, command.clone(), s.interval, tx),
            SignalSource::Promql { .. } | SignalSource::Pods { .. } => continue,
        };
        handles.push(handle);
    }
    Ok(handles)
}

/// A ticker that never bursts to catch up after a slow sample.
pub(crate) fn ticker(every: std::time::Duration) -> tokio::time::Interval {
    let mut t = tokio::time::interval(every.max(std::time::Duration::from_millis(50)));
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    t
}
