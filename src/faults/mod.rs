//! Faults: one file per kind, registered in the table below.
//!
//! A kind's file (`faults/<kind>.rs`) holds everything about it: its settings and how they
//! are read from the scenario, its part of the JSON Schema, the plan the scenario alone
//! tells, whether it needs a cluster, the secrets it gives access to, and its
//! [`FaultAction`], which does the work. The table turns the kinds into [`FaultKind`] and
//! [`KINDS`]; every `match` on a kind is written by it, so a new kind is its file and one
//! line of the table, and the compiler names whatever the file still lacks.
//!
//! A fault is built from the scenario once, before the run starts, so that everything it
//! needs (commands, URLs, clients) is checked up front and its plan can be shown at arming.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::sync::mpsc;

use crate::cluster::safety::Safety;
use crate::engine::{Injection, Msg};
use crate::journal::redact::Redactor;
use crate::yaml::read::Ctx;
use crate::yaml::Node;

/// What a fault kind is, implemented by its settings in its own file. Nothing has a
/// default: a new kind answers every question.
pub(crate) trait Kind: Sized {
    /// Its key under a fault in the scenario (`exec:`), and its name in the journal and
    /// the report.
    const KEY: &'static str;

    /// Whether it acts on a Kubernetes cluster: the scenario must then have a
    /// `kubernetes:` section, and the run connects before anything starts.
    const NEEDS_CLUSTER: bool;

    /// Its part of the scenario's JSON Schema, as JSON: `property`, the schema of its key
    /// under a fault (a `$ref` to one of its definitions), and `definitions`, added to the
    /// schema's. See `crate::schema::scenario_schema`.
    const SCHEMA: &'static str;

    /// Its settings as YAML, in as many examples as it takes to use every key (the keys
    /// that exclude each other in separate examples), each of them valid; a file they name
    /// is in `tests/fixtures/valid`. `tests/library/schema.rs` holds the parser and the schema to
    /// them: the same keys in every mapping, and the same verdict when any key is emptied
    /// or left out.
    const EXAMPLES: &'static [&'static str];

    /// Reads its settings at `path` (`faults[0].exec`), reporting every problem to `cx`
    /// with the helpers of `scenario::parse`.
    fn parse(cx: &mut Ctx, node: &Node, path: &str) -> Option<Self>;

    /// What is injected and reverted as far as the scenario tells (`inject: …`,
    /// `revert: …`): journaled, and shown by `gameday plan` when the fault cannot be
    /// armed. An action that resolves more (a namespace, the objects of a manifest) shows
    /// its own plan at arming.
    fn plan(&self) -> Vec<String>;

    /// Adds to `r` the secrets its settings give access to that the walk of the scenario
    /// text in `journal::redact` cannot see. That walk already finds a value under a
    /// sensitive key (`DB_PASSWORD`, `Authorization`), in a header or a body fed by a
    /// `${VAR}`, in a URL's user info or query, and behind a `*_env` key; what is left is,
    /// for instance, the contents of a `*_file`.
    fn secrets(&self, env: &dyn Fn(&str) -> Option<String>, r: &mut Redactor);

    /// The action that injects and reverts the fault named `fault`; an error says why it
    /// cannot run here.
    fn action(&self, fault: &str, ctx: &Context) -> Result<Box<dyn FaultAction>, String>;
}

/// What is known of a kind before any scenario is read.
#[derive(Clone, Copy)]
pub struct KindInfo {
    /// [`Kind::KEY`]
    pub key: &'static str,
    /// [`Kind::NEEDS_CLUSTER`]
    pub needs_cluster: bool,
    /// [`Kind::SCHEMA`]
    pub schema: &'static str,
    /// [`Kind::EXAMPLES`]
    pub examples: &'static [&'static str],
    /// [`Kind::parse`], its settings wrapped in their [`FaultKind`]
    pub(crate) parse: fn(&mut Ctx, &Node, &str) -> Option<FaultKind>,
}

/// The table: each line names a kind's variant of [`FaultKind`] and, in its module, the
/// type of its settings, which implements [`Kind`]. The order is the one `check` lists
/// the kinds in.
macro_rules! kinds {
    ($($variant:ident($module:ident::$settings:ident),)+) => {
        $(pub mod $module;)+

        /// A fault's kind, with its settings.
        #[derive(Debug, Clone, PartialEq)]
        pub enum FaultKind {
            $($variant($module::$settings),)+
        }

        /// Every kind, in the table's order.
        pub const KINDS: &[KindInfo] = &[$(KindInfo {
            key: <$module::$settings as Kind>::KEY,
            needs_cluster: <$module::$settings as Kind>::NEEDS_CLUSTER,
            schema: <$module::$settings as Kind>::SCHEMA,
            examples: <$module::$settings as Kind>::EXAMPLES,
            parse: |cx, node, path| {
                <$module::$settings as Kind>::parse(cx, node, path).map(FaultKind::$variant)
            },
        },)+];

        impl FaultKind {
            /// [`Kind::KEY`]
            pub fn name(&self) -> &'static str {
                match self {
                    $(FaultKind::$variant(_) => <$module::$settings as Kind>::KEY,)+
                }
            }

            /// [`Kind::NEEDS_CLUSTER`]
            pub fn needs_cluster(&self) -> bool {
                match self {
                    $(FaultKind::$variant(_) => <$module::$settings as Kind>::NEEDS_CLUSTER,)+
                }
            }

            /// [`Kind::plan`]
            pub fn plan(&self) -> Vec<String> {
                match self {
                    $(FaultKind::$variant(k) => <$module::$settings as Kind>::plan(k),)+
                }
            }

            /// [`Kind::secrets`]
            pub fn secrets(&self, env: &dyn Fn(&str) -> Option<String>, r: &mut Redactor) {
                match self {
                    $(FaultKind::$variant(k) => <$module::$settings as Kind>::secrets(k, env, r),)+
                }
            }

            fn action(&self, fault: &str, ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
                match self {
                    $(FaultKind::$variant(k) => <$module::$settings as Kind>::action(k, fault, ctx),)+
                }
            }
        }
    };
}

// Every fault kind, one line each: `Variant(module::Settings)`, where
// `faults/<module>.rs` holds the kind and `Settings` implements `Kind`.
kinds! {
    PodDelete(pod_delete::PodDelete),
    Scale(scale::Scale),
    Manifest(manifest::Manifest),
    Exec(exec::ExecFault),
    Http(http::HttpFault),
}

/// A fault of the scenario: its name, how long it stays, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub name: String,
    pub duration: std::time::Duration,
    pub kind: FaultKind,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a fault needs from its surroundings, given when it is built.
#[derive(Clone)]
pub struct Context {
    /// the connected cluster, for the kinds that need one
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
    /// The connected cluster, for a kind that needs one.
    pub fn cluster_for(&self, fault: &str, kind: &str) -> Result<crate::cluster::Cluster, String> {
        self.cluster.clone().ok_or_else(|| {
            format!(
                "fault `{fault}`: `{kind}` needs a cluster: add a `kubernetes:` section to the \
                 scenario and make sure the cluster is reachable (KUBECONFIG, --context)"
            )
        })
    }

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

/// Builds the action for a fault; an error says why it cannot run here.
pub fn build(fault: &Fault, ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
    fault.kind.action(&fault.name, ctx)
}
