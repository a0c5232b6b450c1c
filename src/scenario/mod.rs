//! Scenario files: the model, the YAML reader with positions, and `gameday check`.

pub mod admit;
pub mod check;
pub mod milestones;
pub mod model;
pub mod notify;
pub mod parse;
pub mod secrets;

pub use model::*;
pub use parse::{load, load_with_text, parse_str, Problem};

/// Whether any part of the scenario needs a cluster.
pub fn needs_cluster(s: &Scenario) -> bool {
    !s.pods.is_empty()
        || s.steady_state
            .iter()
            .any(|x| matches!(x.source, SignalSource::Pods { .. }))
        || s.faults.iter().any(|f| f.kind.needs_cluster())
}

/// The faults' context of a run: connects to the cluster (kubeconfig rules, `kubernetes.context`)
/// only when the scenario needs one.
pub async fn fault_context(
    s: &Scenario,
    run_id: &str,
    base_dir: std::path::PathBuf,
) -> Result<crate::faults::Context, String> {
    let cluster = if needs_cluster(s) {
        let k = s.kubernetes.as_ref();
        let c = crate::cluster::connect(
            k.and_then(|k| k.context.as_deref()),
            k.and_then(|k| k.namespace.as_deref()),
            std::time::Duration::from_secs(10),
        )
        .await
        .map_err(|e| e.to_string())?;
        Some(c)
    } else {
        None
    };
    Ok(crate::faults::Context {
        cluster,
        safety: s.safety.clone(),
        run_id: run_id.to_string(),
        base_dir,
        progress: None,
    })
}
