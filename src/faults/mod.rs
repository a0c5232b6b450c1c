//! Faults: one file per kind behind [`FaultAction`].
//!
//! A fault is built from the scenario once, before the run starts, so that everything it
//! needs (commands, URLs, clients) is checked up front and its plan can be shown at arming.

pub mod exec;
pub mod http;
pub mod manifest;
pub mod pod_delete;
pub mod scale;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::sync::mpsc;

use crate::engine::{Injection, Msg};
use crate::scenario::model::{Fault, FaultKind, Safety};
use crate::scenario::parse::Ctx;
use crate::scenario::yaml::Node;

/// What a fault kind knows about itself, from the scenario alone. Each kind implements it
/// in its own file (`faults/<kind>.rs`) for the settings it reads.
pub(crate) trait Kind: Sized {
    /// Its key under a fault in the scenario (`exec:`), and its name in the journal and
    /// the report.
    const KEY: &'static str;

    /// Reads its settings at `path` (`faults[0].exec`), reporting every problem to `cx`.
    fn parse(cx: &mut Ctx, node: &Node, path: &str) -> Option<Self>;

    /// What is injected and reverted as far as the scenario tells (`inject: …`,
    /// `revert: …`): journaled, and shown by `gameday plan` when the fault cannot be
    /// armed. An action that resolves more (a namespace, the objects of a manifest) shows
    /// its own plan at arming.
    fn plan(&self) -> Vec<String>;
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a fault needs from its surroundings, given when it is built.
#[derive(Clone)]
pub struct Context {
    /// the connected cluster, for `pod_delete`, `scale`, `manifest`
    pub cluster: Option<crate::cluster::Cluster>,
    pub safety: Safety,
    /// labels and annotations of applied objects carry it
    pub run_id: String,
    /// where relative paths of the scenario (manifest files) start
    pub base_dir: PathBuf,
    /// where a fault reports what it does while active (each repeated deletion)
    pub progress: Option<Progress>,
}

impl Context {
    /// For faults that need nothing around them (`exec`, `http`) and for tests.
    pub fn bare() -> Self {
        Context {
            cluster: None,
            safety: Safety::default(),
            run_id: String::new(),
            base_dir: PathBuf::from("."),
            progress: None,
        }
    }
}

/// A fault's line back to the engine while it is active: each message is journaled as
/// `fault_progress` and shown in the timeline.
#[derive(Clone)]
pub struct Progress {
    pub tx: mpsc::Sender<Msg>,
    pub fault: usize,
}

impl Progress {
    pub async fn say(&self, text: impl Into<String>) {
        let _ = self
            .tx
            .send(Msg::FaultProgress {
                fault: self.fault,
                detail: text.into(),
            })
            .await;
    }
}

pub trait FaultAction: Send + Sync {
    /// What arming shows before anything is resolved: one `inject: …` line and one
    /// `revert: …` line, at least.
    fn plan(&self) -> Vec<String>;

    /// Before arming: resolve the targets, check the blast radius (`safety.namespaces`,
    /// `max_targets`, zero matches) and that gameday may both inject AND revert
    /// (SelfSubjectAccessReview). `Ok`: the plan as resolved, shown for confirmation;
    /// `Err`: why the fault cannot be armed, naming what matched.
    fn prepare(&self) -> BoxFuture<'_, Result<Vec<String>, String>> {
        Box::pin(async { Ok(self.plan()) })
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>>;

    /// Must be safe to call when the injection failed half-way or never happened.
    fn revert(&self) -> BoxFuture<'_, Result<String, String>>;

    /// A line about the fault's effect while it is active (a Litmus ChaosResult verdict,
    /// a Chaos Mesh status), polled every few seconds; `None` when there is nothing to say.
    fn status(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(async { None })
    }

    /// After a crash, `gameday recover` rebuilds the action and hands it what its
    /// injection journaled in `Injection::restore` (e.g. the replicas before a scale).
    fn restore(&self, _saved: &str) {}
}

/// Whether any part of the scenario needs a cluster.
pub fn needs_cluster(s: &crate::scenario::Scenario) -> bool {
    use crate::scenario::model::SignalSource;
    !s.pods.is_empty()
        || s.steady_state
            .iter()
            .any(|x| matches!(x.source, SignalSource::Pods { .. }))
        || s.faults.iter().any(|f| {
            matches!(
                f.kind,
                FaultKind::PodDelete(_) | FaultKind::Scale(_) | FaultKind::Manifest(_)
            )
        })
}

/// The context of a run: connects to the cluster (kubeconfig rules, `kubernetes.context`)
/// only when the scenario needs one.
pub async fn context(
    s: &crate::scenario::Scenario,
    run_id: &str,
    base_dir: PathBuf,
) -> Result<Context, String> {
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
    Ok(Context {
        cluster,
        safety: s.safety.clone(),
        run_id: run_id.to_string(),
        base_dir,
        progress: None,
    })
}

/// Builds the action for a fault; an error says why it cannot run here.
pub fn build(fault: &Fault, ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
    let cluster = || {
        ctx.cluster.clone().ok_or_else(|| {
            format!(
                "fault `{}`: `{}` needs a cluster: add a `kubernetes:` section to the scenario \
                 and make sure the cluster is reachable (KUBECONFIG, --context)",
                fault.name,
                fault.kind.name()
            )
        })
    };
    let safety = ctx.safety.clone();
    match &fault.kind {
        FaultKind::Exec(e) => Ok(Box::new(exec::ExecAction::new(e.clone()))),
        FaultKind::Http(h) => Ok(Box::new(http::HttpAction::new(h.clone())?)),
        FaultKind::PodDelete(p) => Ok(Box::new(pod_delete::PodDeleteAction::new(
            p.clone(),
            cluster()?,
            safety,
            ctx.progress.clone(),
        ))),
        FaultKind::Scale(s) => Ok(Box::new(scale::ScaleAction::new(
            s.clone(),
            cluster()?,
            safety,
        ))),
        FaultKind::Manifest(m) => Ok(Box::new(
            manifest::ManifestAction::new(m, cluster()?, safety, &ctx.run_id, &ctx.base_dir)
                .map_err(|e| format!("fault `{}`: {e}", fault.name))?,
        )),
    }
}
