//! `scale`: patch the scale subresource of a Deployment or StatefulSet; the revert puts
//! back the replica count recorded just before injecting (journaled, so `gameday recover`
//! can put it back after a crash).

use std::sync::Mutex;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v1::Scale as ScaleObj;
use kube::api::{Api, Patch, PatchParams};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{BoxFuture, Context, FaultAction, Kind};
use crate::cluster::safety::{check_namespace, check_permissions, Need};
use crate::cluster::{explain, Cluster};
use crate::engine::Injection;
use crate::journal::redact::Redactor;
use crate::cluster::safety::Safety;
use crate::yaml::read::{fields, required_text, uint, Ctx};
use crate::cluster::selector::{namespace};
use crate::yaml::Node;

/// `scale:` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Scale {
    pub kind: ScaleKind,
    pub name: String,
    pub namespace: Option<String>,
    pub replicas: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleKind {
    Deployment,
    StatefulSet,
}

impl ScaleKind {
    /// As Kubernetes spells it.
    fn name(self) -> &'static str {
        match self {
            ScaleKind::Deployment => "Deployment",
            ScaleKind::StatefulSet => "StatefulSet",
        }
    }
}

impl Kind for Scale {
    const KEY: &'static str = "scale";
    const NEEDS_CLUSTER: bool = true;
    const SCHEMA: &'static str = SCHEMA;
    const EXAMPLES: &'static [&'static str] = &[
        r#"{ kind: Deployment, name: x, namespace: shop, replicas: 0 }"#,
    ];

    fn parse(cx: &mut Ctx, n: &Node, path: &str) -> Option<Self> {
        let f = fields(cx, n, path, &["kind", "name", "namespace", "replicas"])?;
        let kind = match required_text(cx, &f, "kind", "Deployment or StatefulSet").as_deref() {
            Some("Deployment") => Some(ScaleKind::Deployment),
            Some("StatefulSet") => Some(ScaleKind::StatefulSet),
            Some(other) => {
                cx.err(
                    f.get("kind").map_or(f.pos, |n| n.pos),
                    format!("{path}.kind: expected Deployment or StatefulSet, found `{other}`"),
                );
                None
            }
            None => None,
        };
        let name = required_text(cx, &f, "name", "the name of the Deployment or StatefulSet");
        let ns = namespace(cx, &f, "namespace");
        let replicas = uint(cx, &f, "replicas");
        if f.absent("replicas") {
            cx.err(
                f.pos,
                format!("{path}: `replicas` is required: the replica count to scale to, e.g. 0"),
            );
        }
        Some(Scale {
            kind: kind?,
            name: name?,
            namespace: ns,
            replicas: replicas?,
        })
    }

    /// Before the cluster is asked: the action's own plan also names the namespace.
    fn plan(&self) -> Vec<String> {
        let kind = self.kind.name();
        vec![
            format!(
                "inject: scale {kind}/{} to {} replicas",
                self.name, self.replicas
            ),
            format!(
                "revert: scale {kind}/{} back to its recorded replicas",
                self.name
            ),
        ]
    }

    /// An object's name and a count are not secret.
    fn secrets(&self, _env: &dyn Fn(&str) -> Option<String>, _r: &mut Redactor) {}

    fn action(&self, fault: &str, ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
        Ok(Box::new(ScaleAction::new(
            self.clone(),
            ctx.cluster_for(fault, Self::KEY)?,
            ctx.safety.clone(),
        )))
    }
}

/// Its part of the JSON Schema: see [`Kind::SCHEMA`].
const SCHEMA: &str = r##"{
  "property": { "$ref": "#/definitions/scale" },
  "definitions": {
    "scale": {
      "description": "Patch the scale subresource; the revert restores the replica count recorded before injecting.",
      "type": "object",
      "required": ["kind", "name", "replicas"],
      "additionalProperties": false,
      "properties": {
        "kind": { "enum": ["Deployment", "StatefulSet"] },
        "name": {
          "description": "The name of the Deployment or StatefulSet.",
          "$ref": "#/definitions/requiredText"
        },
        "namespace": { "anyOf": [{ "$ref": "#/definitions/namespace" }, { "type": "null" }] },
        "replicas": {
          "description": "The replica count to scale to, e.g. 0.",
          "$ref": "#/definitions/wholeNumber"
        }
      }
    }
  }
}"##;

pub struct ScaleAction {
    spec: Scale,
    cluster: Cluster,
    namespace: String,
    safety: Safety,
    /// replicas before the injection: from `inject`, or from the journal via `restore`
    saved: Mutex<Option<i32>>,
}

impl ScaleAction {
    pub fn new(spec: Scale, cluster: Cluster, safety: Safety) -> Self {
        let namespace = spec
            .namespace
            .clone()
            .unwrap_or_else(|| cluster.namespace.clone());
        ScaleAction {
            spec,
            cluster,
            namespace,
            safety,
            saved: Mutex::new(None),
        }
    }

    fn kind(&self) -> &'static str {
        self.spec.kind.name()
    }

    fn plural(&self) -> &'static str {
        match self.spec.kind {
            ScaleKind::Deployment => "deployments",
            ScaleKind::StatefulSet => "statefulsets",
        }
    }

    /// `Deployment/api`
    fn object(&self) -> String {
        format!("{}/{}", self.kind(), self.spec.name)
    }

    fn needs(&self) -> Vec<Need> {
        let p = self.plural();
        vec![
            Need::new("get", "apps", p, "inject").on_subresource("scale"),
            Need::new("patch", "apps", p, "inject").on_subresource("scale"),
            Need::new("patch", "apps", p, "revert").on_subresource("scale"),
        ]
    }

    async fn get_scale(&self) -> Result<ScaleObj, kube::Error> {
        let c = self.cluster.client.clone();
        match self.spec.kind {
            ScaleKind::Deployment => {
                Api::<Deployment>::namespaced(c, &self.namespace)
                    .get_scale(&self.spec.name)
                    .await
            }
            ScaleKind::StatefulSet => {
                Api::<StatefulSet>::namespaced(c, &self.namespace)
                    .get_scale(&self.spec.name)
                    .await
            }
        }
    }

    async fn set_replicas(&self, replicas: i32) -> Result<ScaleObj, kube::Error> {
        let c = self.cluster.client.clone();
        let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
        let pp = PatchParams::default();
        match self.spec.kind {
            ScaleKind::Deployment => {
                Api::<Deployment>::namespaced(c, &self.namespace)
                    .patch_scale(&self.spec.name, &pp, &patch)
                    .await
            }
            ScaleKind::StatefulSet => {
                Api::<StatefulSet>::namespaced(c, &self.namespace)
                    .patch_scale(&self.spec.name, &pp, &patch)
                    .await
            }
        }
    }

    /// The current replicas, with an error that names the object.
    async fn current(&self) -> Result<i32, String> {
        let sc = self.get_scale().await.map_err(|e| match &e {
            kube::Error::Api(s) if s.code == 404 => format!(
                "{} not found in namespace {}: check `scale.name` and the namespace",
                self.object(),
                self.namespace
            ),
            _ => format!(
                "could not read the scale of {} in namespace {}: {}",
                self.object(),
                self.namespace,
                explain(&e)
            ),
        })?;
        Ok(sc.spec.and_then(|s| s.replicas).unwrap_or(0))
    }

    fn saved(&self) -> Option<i32> {
        *self.saved.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set_saved(&self, v: i32) {
        *self.saved.lock().unwrap_or_else(|p| p.into_inner()) = Some(v);
    }

    fn target(&self) -> i32 {
        i32::try_from(self.spec.replicas).unwrap_or(i32::MAX)
    }
}

impl FaultAction for ScaleAction {
    fn plan(&self) -> Vec<String> {
        vec![
            format!(
                "inject: scale {} in namespace {} to {} replicas",
                self.object(),
                self.namespace,
                self.spec.replicas
            ),
            format!(
                "revert: scale {} back to the replicas recorded just before injecting",
                self.object()
            ),
        ]
    }

    fn prepare(&self) -> BoxFuture<'_, Result<Vec<String>, String>> {
        Box::pin(async move {
            check_namespace(&self.safety, &self.cluster.namespace, &self.namespace)?;
            check_permissions(&self.cluster.client, &self.namespace, &self.needs()).await?;
            let now = self.current().await?;
            Ok(vec![
                format!(
                    "inject: scale {} in namespace {}: {now} → {} replicas",
                    self.object(),
                    self.namespace,
                    self.spec.replicas
                ),
                format!(
                    "revert: scale {} back to the replicas recorded just before injecting ({now} now)",
                    self.object()
                ),
                format!(
                    "permissions: ok (get, patch {}.apps/scale)",
                    self.plural()
                ),
            ])
        })
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>> {
        Box::pin(async move {
            check_namespace(&self.safety, &self.cluster.namespace, &self.namespace)?;
            let before = self.current().await?;
            // recorded BEFORE the change, so that a failure half-way is still reverted
            self.set_saved(before);
            let target = self.target();
            self.set_replicas(target).await.map_err(|e| {
                format!(
                    "could not scale {} in namespace {} to {target}: {}",
                    self.object(),
                    self.namespace,
                    explain(&e)
                )
            })?;
            Ok(Injection {
                targets: vec![format!(
                    "{}/{}",
                    self.plural().trim_end_matches('s'),
                    self.spec.name
                )],
                detail: format!("{} {before} → {target}", self.object()),
                restore: Some(json!({ "replicas": before }).to_string()),
            })
        })
    }

    fn revert(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let Some(replicas) = self.saved() else {
                return Ok(format!(
                    "nothing to revert: {} was not scaled (no replica count was recorded)",
                    self.object()
                ));
            };
            self.set_replicas(replicas).await.map_err(|e| {
                format!(
                    "could not scale {} in namespace {} back to {replicas}: {} (gameday \
                     retries; by hand: kubectl scale {} -n {} --replicas={replicas})",
                    self.object(),
                    self.namespace,
                    explain(&e),
                    self.object().to_lowercase(),
                    self.namespace
                )
            })?;
            Ok(format!("{} back to {replicas} replicas", self.object()))
        })
    }

    fn restore(&self, saved: &str) {
        match serde_json::from_str::<serde_json::Value>(saved)
            .ok()
            .and_then(|v| v["replicas"].as_i64())
            .and_then(|n| i32::try_from(n).ok())
        {
            Some(n) => self.set_saved(n),
            None => tracing::warn!(
                "scale {}: the journaled restore data {saved:?} has no `replicas`; nothing to restore from",
                self.object()
            ),
        }
    }
}
