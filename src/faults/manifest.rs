//! `manifest`: server-side apply each object of a YAML stream (a Litmus ChaosEngine, a
//! Chaos Mesh NetworkChaos, a deny-all NetworkPolicy ...), labelled as gameday's with the
//! run id and an expiry; the revert stops a Litmus ChaosEngine first, then deletes every
//! applied object.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{pinned_kind, Scope};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{BoxFuture, Context, FaultAction, Kind};
use crate::cluster::expired::{EXPIRES_AT, MANAGED_BY, RUN_ID};
use crate::cluster::safety::{check_namespace, check_permissions, label_value, Need};
use crate::cluster::{explain, Cluster};
use crate::engine::Injection;
use crate::journal::redact::Redactor;
use crate::cluster::safety::Safety;
use crate::yaml::read::{fields, one_of, required_text, Ctx};
use crate::cluster::selector::{namespace};
use crate::yaml::Node;

/// `manifest:` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub source: ManifestSource,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ManifestSource {
    /// Resolved relative to the scenario file's directory.
    File(PathBuf),
    Inline(String),
}

impl Kind for Manifest {
    const KEY: &'static str = "manifest";
    const NEEDS_CLUSTER: bool = true;
    const SCHEMA: &'static str = SCHEMA;
    const EXAMPLES: &'static [&'static str] = &[
        r#"{ file: chaos/deny-all.yaml, namespace: shop }"#,
        r#"{ inline: "kind: X" }"#,
    ];

    fn parse(cx: &mut Ctx, n: &Node, path: &str) -> Option<Self> {
        let f = fields(cx, n, path, &["file", "inline", "namespace"])?;
        let which = one_of(cx, &f, &["file", "inline"], "manifest source");
        let ns = namespace(cx, &f, "namespace");
        let source = match which {
            Some("file") => {
                let file = required_text(cx, &f, "file", "a path relative to the scenario file")?;
                let full = cx.base_dir.join(&file);
                if !full.is_file() {
                    cx.err(
                        f.get("file").map_or(f.pos, |n| n.pos),
                        format!("{path}.file: `{}` does not exist (paths are relative to the scenario file)", full.display()),
                    );
                    return None;
                }
                Some(ManifestSource::File(full))
            }
            Some(_) => required_text(
                cx,
                &f,
                "inline",
                "the manifest YAML as a block: `inline: |`",
            )
            .map(ManifestSource::Inline),
            None => None,
        };
        Some(Manifest {
            source: source?,
            namespace: ns,
        })
    }

    /// Before the manifest is read: the action's own plan names each object.
    fn plan(&self) -> Vec<String> {
        let what = match &self.source {
            ManifestSource::File(f) => format!("apply {}", f.display()),
            ManifestSource::Inline(_) => "apply the inline manifest".to_string(),
        };
        vec![
            format!("inject: {what}"),
            "revert: delete every applied object".to_string(),
        ]
    }

    /// An inline manifest is scenario text, which the walk covers like the rest (the
    /// `password:` of a Secret in it is a sensitive key); the names of the objects that
    /// the plans show are not secret.
    fn secrets(&self, _env: &dyn Fn(&str) -> Option<String>, _r: &mut Redactor) {}

    fn action(&self, fault: &str, ctx: &Context) -> Result<Box<dyn FaultAction>, String> {
        let action = ManifestAction::new(
            self,
            ctx.cluster_for(fault, Self::KEY)?,
            ctx.safety.clone(),
            &ctx.run_id,
            &ctx.base_dir,
        )
        .map_err(|e| format!("fault `{fault}`: {e}"))?;
        Ok(Box::new(action))
    }
}

/// Its part of the JSON Schema: see [`Kind::SCHEMA`].
const SCHEMA: &str = r##"{
  "property": { "$ref": "#/definitions/manifest" },
  "definitions": {
    "manifest": {
      "description": "Apply each object (a Litmus ChaosEngine, a Chaos Mesh NetworkChaos, a NetworkPolicy...), labelled app.kubernetes.io/managed-by=gameday; the revert deletes them (a ChaosEngine is stopped first). Exactly one of file, inline.",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "file": {
          "description": "A YAML file of Kubernetes objects, relative to the scenario file.",
          "$ref": "#/definitions/requiredText"
        },
        "inline": {
          "description": "The objects as a YAML block: `inline: |`.",
          "$ref": "#/definitions/requiredText"
        },
        "namespace": { "anyOf": [{ "$ref": "#/definitions/namespace" }, { "type": "null" }] }
      },
      "oneOf": [{ "required": ["file"] }, { "required": ["inline"] }]
    }
  }
}"##;

const LITMUS: &str = "litmuschaos.io";
const CHAOS_MESH: &str = "chaos-mesh.org";

/// One object of the manifest, as written.
#[derive(Debug, Clone)]
struct Object {
    gvk: GroupVersionKind,
    api_version: String,
    name: String,
    namespace: Option<String>,
    body: Value,
}

impl Object {
    fn label(&self) -> String {
        format!("{}/{}", self.gvk.kind, self.name)
    }
}

/// An object with its resource resolved against the cluster.
#[derive(Debug, Clone)]
struct Resolved {
    obj: Object,
    ar: ApiResource,
    /// `None` for cluster-scoped resources
    namespace: Option<String>,
}

impl Resolved {
    fn api(&self, cluster: &Cluster) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &self.ar),
            None => Api::all_with(cluster.client.clone(), &self.ar),
        }
    }

    fn is_chaos_engine(&self) -> bool {
        self.obj.gvk.group == LITMUS && self.obj.gvk.kind == "ChaosEngine"
    }

    /// `chaosengine/redis-chaos`
    fn target(&self) -> String {
        format!("{}/{}", self.obj.gvk.kind.to_lowercase(), self.obj.name)
    }

    fn where_(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("in namespace {ns}"),
            None => "(cluster-scoped)".into(),
        }
    }
}

/// What was applied, journaled as the restore data so `gameday recover` deletes exactly it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
struct Applied {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
}

pub struct ManifestAction {
    objects: Vec<Object>,
    source_name: String,
    cluster: Cluster,
    namespace: String,
    safety: Safety,
    run_id: String,
    resolved: Mutex<Option<Vec<Resolved>>>,
    applied: Mutex<Vec<Applied>>,
    active: Mutex<bool>,
}

/// The objects of a YAML stream; empty documents are skipped. Errors name the document.
fn parse_objects(text: &str, source: &str) -> Result<Vec<Object>, String> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let n = i + 1;
        let v = Value::deserialize(doc)
            .map_err(|e| format!("{source}, document {n}: not valid YAML: {e}"))?;
        if v.is_null() {
            continue;
        }
        let text_at = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let (Some(api_version), Some(kind)) = (text_at("/apiVersion"), text_at("/kind")) else {
            return Err(format!(
                "{source}, document {n}: every object needs `apiVersion` and `kind`"
            ));
        };
        let Some(name) = text_at("/metadata/name").filter(|n| !n.is_empty()) else {
            return Err(format!(
                "{source}, document {n} ({kind}): `metadata.name` is required \
                 (generateName cannot be reverted by name)"
            ));
        };
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.clone()),
        };
        out.push(Object {
            gvk: GroupVersionKind::gvk(&group, &version, &kind),
            api_version,
            name,
            namespace: text_at("/metadata/namespace"),
            body: v,
        });
    }
    if out.is_empty() {
        return Err(format!("{source} holds no objects"));
    }
    Ok(out)
}

fn is_not_found(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 404)
}

impl ManifestAction {
    pub fn new(
        spec: &Manifest,
        cluster: Cluster,
        safety: Safety,
        run_id: &str,
        base_dir: &std::path::Path,
    ) -> Result<Self, String> {
        let (text, source_name) = match &spec.source {
            ManifestSource::Inline(t) => (t.clone(), "the inline manifest".to_string()),
            ManifestSource::File(p) => {
                // the scenario parser already joined the path to the scenario's directory
                let path = if p.is_absolute() || p.exists() {
                    p.clone()
                } else {
                    base_dir.join(p)
                };
                let bytes = crate::files::read_regular(
                    &path,
                    crate::yaml::MAX_BYTES as u64,
                    "manifests",
                )
                .map_err(|e| format!("cannot read the manifest: {e}"))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("the manifest {} is not UTF-8 text", path.display()))?;
                (text, format!("the manifest {}", path.display()))
            }
        };
        let objects = parse_objects(&text, &source_name)?;
        let namespace = spec
            .namespace
            .clone()
            .unwrap_or_else(|| cluster.namespace.clone());
        Ok(ManifestAction {
            objects,
            source_name,
            cluster,
            namespace,
            safety,
            run_id: run_id.to_string(),
            resolved: Mutex::new(None),
            applied: Mutex::new(Vec::new()),
            active: Mutex::new(false),
        })
    }

    /// Resolves every object's resource by discovery and checks the namespace rules; the
    /// answer is kept for inject and revert.
    async fn resolve(&self) -> Result<Vec<Resolved>, String> {
        if let Some(r) = lock(&self.resolved).clone() {
            return Ok(r);
        }
        let mut out = Vec::new();
        for obj in &self.objects {
            let (ar, caps) = pinned_kind(&self.cluster.client, &obj.gvk)
                .await
                .map_err(|e| {
                    format!(
                        "{} ({} {}): the cluster does not serve this kind ({}): install its \
                         CRD or operator, or fix `apiVersion`/`kind` in {}",
                        obj.label(),
                        obj.api_version,
                        obj.gvk.kind,
                        explain(&e),
                        self.source_name
                    )
                })?;
            let namespace = match caps.scope {
                Scope::Namespaced => {
                    let ns = obj
                        .namespace
                        .clone()
                        .unwrap_or_else(|| self.namespace.clone());
                    check_namespace(&self.safety, &self.cluster.namespace, &ns)
                        .map_err(|e| format!("{}: {e}", obj.label()))?;
                    Some(ns)
                }
                Scope::Cluster => None,
            };
            out.push(Resolved {
                obj: obj.clone(),
                ar,
                namespace,
            });
        }
        *lock(&self.resolved) = Some(out.clone());
        Ok(out)
    }

    /// Permissions for every (resource, namespace): create and patch to apply, delete to
    /// revert, patch to stop a ChaosEngine.
    async fn check_permissions(&self, resolved: &[Resolved]) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for r in resolved {
            let ns = r.namespace.clone().unwrap_or_default();
            if !seen.insert((r.ar.group.clone(), r.ar.plural.clone(), ns.clone())) {
                continue;
            }
            let (g, p) = (r.ar.group.as_str(), r.ar.plural.as_str());
            let mut needs = vec![
                Need::new("create", g, p, "inject"),
                Need::new("patch", g, p, "inject"),
                Need::new("delete", g, p, "revert"),
            ];
            if r.is_chaos_engine() {
                needs.push(Need::new("patch", g, p, "revert"));
            }
            check_permissions(&self.cluster.client, &ns, &needs).await?;
        }
        Ok(())
    }

    /// The object as applied: gameday's labels, the run id and the expiry.
    fn decorate(&self, obj: &Object) -> Value {
        let mut body = obj.body.clone();
        let expires = chrono::Utc::now()
            + chrono::Duration::from_std(self.safety.max_duration)
                .unwrap_or_else(|_| chrono::Duration::hours(1));
        if !body["metadata"].is_object() {
            body["metadata"] = json!({});
        }
        let meta = &mut body["metadata"];
        if !meta["labels"].is_object() {
            meta["labels"] = json!({});
        }
        meta["labels"][MANAGED_BY] = json!("gameday");
        meta["labels"][RUN_ID] = json!(label_value(&self.run_id));
        if !meta["annotations"].is_object() {
            meta["annotations"] = json!({});
        }
        meta["annotations"][EXPIRES_AT] =
            json!(expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        body
    }

    /// What to revert: what this process applied, what the journal says was applied, or
    /// (neither known) every object of the manifest that carries this run's label.
    async fn to_revert(&self) -> Result<Vec<Resolved>, String> {
        let applied = lock(&self.applied).clone();
        let resolved = self.resolve().await?;
        if applied.is_empty() {
            let run = label_value(&self.run_id);
            let mut ours = Vec::new();
            for r in resolved {
                match r.api(&self.cluster).get_opt(&r.obj.name).await {
                    Ok(Some(o))
                        if o.metadata.labels.as_ref().is_some_and(|l| {
                            l.get(MANAGED_BY).map(String::as_str) == Some("gameday")
                                && l.get(RUN_ID) == Some(&run)
                        }) =>
                    {
                        ours.push(r)
                    }
                    Ok(_) => {}
                    Err(e) => {
                        return Err(format!(
                            "could not check whether {} {} is gameday's: {}",
                            r.obj.label(),
                            r.where_(),
                            explain(&e)
                        ))
                    }
                }
            }
            return Ok(ours);
        }
        Ok(resolved
            .into_iter()
            .filter(|r| {
                applied.iter().any(|a| {
                    a.api_version == r.obj.api_version
                        && a.kind == r.obj.gvk.kind
                        && a.name == r.obj.name
                        && a.namespace == r.namespace
                })
            })
            .collect())
    }

    async fn status_line(&self) -> Option<String> {
        if !*lock(&self.active) {
            return None;
        }
        let resolved = lock(&self.resolved).clone()?;
        let mut lines = Vec::new();
        for r in &resolved {
            if r.is_chaos_engine() {
                lines.extend(self.litmus_status(r).await);
            } else if r.obj.gvk.group == CHAOS_MESH {
                if let Ok(o) = r.api(&self.cluster).get(&r.obj.name).await {
                    lines.extend(chaos_mesh_status(&r.obj.label(), &o.data));
                }
            }
        }
        (!lines.is_empty()).then(|| lines.join("; "))
    }

    async fn litmus_status(&self, engine: &Resolved) -> Option<String> {
        let ns = engine.namespace.clone()?;
        let gvk = GroupVersionKind::gvk(LITMUS, &engine.obj.gvk.version, "ChaosResult");
        let (ar, _) = pinned_kind(&self.cluster.client, &gvk).await.ok()?;
        let api: Api<DynamicObject> = Api::namespaced_with(self.cluster.client.clone(), &ns, &ar);
        let experiments = engine.obj.body["spec"]["experiments"].as_array()?;
        let mut parts = Vec::new();
        for e in experiments {
            let Some(exp) = e["name"].as_str() else {
                continue;
            };
            let name = format!("{}-{exp}", engine.obj.name);
            match api.get_opt(&name).await {
                Ok(Some(o)) => {
                    let st = &o.data["status"]["experimentStatus"];
                    let phase = st["phase"].as_str().unwrap_or("?");
                    let verdict = st["verdict"].as_str().unwrap_or("?");
                    parts.push(format!("ChaosResult {name}: {phase}, verdict {verdict}"));
                }
                Ok(None) => parts.push(format!("ChaosResult {name}: not yet created")),
                Err(_) => {}
            }
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// `NetworkChaos/x: desiredPhase Run, AllInjected, Selected` from `status.experiment` and
/// the conditions that are True.
fn chaos_mesh_status(label: &str, data: &Value) -> Option<String> {
    let status = data.get("status")?;
    let mut parts = Vec::new();
    if let Some(p) = status
        .pointer("/experiment/desiredPhase")
        .and_then(Value::as_str)
    {
        parts.push(format!("desiredPhase {p}"));
    }
    if let Some(conds) = status.get("conditions").and_then(Value::as_array) {
        for c in conds {
            if c["status"].as_str() == Some("True") {
                if let Some(t) = c["type"].as_str() {
                    parts.push(t.to_string());
                }
            }
        }
    }
    (!parts.is_empty()).then(|| format!("{label}: {}", parts.join(", ")))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // poisoned only by a panic elsewhere; the data is still the best knowledge there is
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl FaultAction for ManifestAction {
    fn plan(&self) -> Vec<String> {
        let names: Vec<String> = self.objects.iter().map(Object::label).collect();
        let mut revert = String::from("revert: ");
        if self
            .objects
            .iter()
            .any(|o| o.gvk.group == LITMUS && o.gvk.kind == "ChaosEngine")
        {
            revert.push_str("set engineState: stop on the ChaosEngine, then ");
        }
        revert.push_str("delete every applied object");
        vec![
            format!(
                "inject: server-side apply {} from {} (field manager gameday, labelled \
                 {MANAGED_BY}=gameday and the run id, expiring after safety.max_duration)",
                names.join(", "),
                self.source_name
            ),
            revert,
        ]
    }

    fn prepare(&self) -> BoxFuture<'_, Result<Vec<String>, String>> {
        Box::pin(async move {
            let resolved = self.resolve().await?;
            self.check_permissions(&resolved).await?;
            let mut lines: Vec<String> = resolved
                .iter()
                .map(|r| {
                    format!(
                        "object: {} ({}, resource {}) {}",
                        r.obj.label(),
                        r.obj.api_version,
                        r.ar.plural,
                        r.where_()
                    )
                })
                .collect();
            lines.extend(self.plan());
            lines.push("permissions: ok (create, patch, delete of each resource)".into());
            Ok(lines)
        })
    }

    fn inject(&self) -> BoxFuture<'_, Result<Injection, String>> {
        Box::pin(async move {
            let resolved = self.resolve().await?;
            let pp = PatchParams::apply("gameday").force();
            let mut targets = Vec::new();
            *lock(&self.active) = true;
            for r in &resolved {
                let body = self.decorate(&r.obj);
                // recorded before the request: an apply that reached the server but whose
                // answer was lost is still reverted
                let applied = Applied {
                    api_version: r.obj.api_version.clone(),
                    kind: r.obj.gvk.kind.clone(),
                    name: r.obj.name.clone(),
                    namespace: r.namespace.clone(),
                };
                {
                    let mut a = lock(&self.applied);
                    if !a.contains(&applied) {
                        a.push(applied);
                    }
                }
                if let Err(e) = r
                    .api(&self.cluster)
                    .patch(&r.obj.name, &pp, &Patch::Apply(&body))
                    .await
                {
                    // an API answer below 500 means the server refused it: nothing to revert
                    // for this object (a 5xx or a lost connection may still have applied it)
                    if matches!(&e, kube::Error::Api(st) if st.code < 500) {
                        lock(&self.applied).retain(|a| {
                            !(a.name == r.obj.name
                                && a.kind == r.obj.gvk.kind
                                && a.namespace == r.namespace)
                        });
                    }
                    let done = if targets.is_empty() {
                        String::new()
                    } else {
                        format!(" (already applied: {})", targets.join(", "))
                    };
                    return Err(format!(
                        "could not apply {} {}: {}{done}",
                        r.obj.label(),
                        r.where_(),
                        explain(&e)
                    ));
                }
                targets.push(r.target());
            }
            let restore = serde_json::to_string(&*lock(&self.applied)).ok();
            Ok(Injection {
                detail: format!("applied {}", targets.join(", ")),
                targets,
                restore,
            })
        })
    }

    fn revert(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let targets = self.to_revert().await?;
            let mut done = Vec::new();
            let mut errors = Vec::new();
            // 1. stop Litmus first, so that its runner does not go on with the experiment
            for r in targets.iter().filter(|r| r.is_chaos_engine()) {
                let stop = Patch::Merge(json!({"spec": {"engineState": "stop"}}));
                match r
                    .api(&self.cluster)
                    .patch(&r.obj.name, &PatchParams::default(), &stop)
                    .await
                {
                    Ok(_) => done.push(format!("stopped {}", r.obj.label())),
                    Err(e) if is_not_found(&e) => {}
                    Err(e) => errors.push(format!(
                        "could not stop {} {} (engineState: stop): {}",
                        r.obj.label(),
                        r.where_(),
                        explain(&e)
                    )),
                }
            }
            if !errors.is_empty() {
                // deleting a running engine without stopping it could leave its chaos pods
                return Err(format!(
                    "{}; nothing deleted yet, gameday retries",
                    errors.join("; ")
                ));
            }
            // 2. delete in the reverse order of applying
            let mut deleted = Vec::new();
            for r in targets.iter().rev() {
                match r
                    .api(&self.cluster)
                    .delete(&r.obj.name, &DeleteParams::default())
                    .await
                {
                    Ok(_) => deleted.push(r.target()),
                    Err(e) if is_not_found(&e) => {
                        deleted.push(format!("{} (already gone)", r.target()))
                    }
                    Err(e) => errors.push(format!(
                        "could not delete {} {}: {}",
                        r.obj.label(),
                        r.where_(),
                        explain(&e)
                    )),
                }
            }
            if !errors.is_empty() {
                let by_hand: Vec<String> = targets
                    .iter()
                    .map(|r| match &r.namespace {
                        Some(ns) => format!("kubectl delete {} -n {ns}", r.target()),
                        None => format!("kubectl delete {}", r.target()),
                    })
                    .collect();
                return Err(format!(
                    "{} (gameday retries; by hand: {})",
                    errors.join("; "),
                    by_hand.join("; ")
                ));
            }
            *lock(&self.active) = false;
            if !deleted.is_empty() {
                done.push(format!("deleted {}", deleted.join(", ")));
            }
            if done.is_empty() {
                done.push("nothing to revert: no object of this run was found".into());
            }
            Ok(done.join("; "))
        })
    }

    fn status(&self) -> BoxFuture<'_, Option<String>> {
        Box::pin(self.status_line())
    }

    fn restore(&self, saved: &str) {
        match serde_json::from_str::<Vec<Applied>>(saved) {
            Ok(list) => *lock(&self.applied) = list,
            Err(e) => tracing::warn!(
                "manifest {}: the journaled restore data is unreadable ({e}); the revert \
                 deletes the manifest's objects that carry this run's label",
                self.source_name
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let objs = parse_objects(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nmetadata: {name: e, namespace: shop}\n",
            "the inline manifest",
        )
        .unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].gvk.group, "");
        assert_eq!(objs[1].gvk.group, "litmuschaos.io");
        assert_eq!(objs[1].namespace.as_deref(), Some("shop"));
        let e = parse_objects("kind: X\nmetadata: {name: a}\n", "the inline manifest").unwrap_err();
        assert!(
            e.contains("document 1: every object needs `apiVersion` and `kind`"),
            "{e}"
        );
        assert!(parse_objects("", "the inline manifest")
            .unwrap_err()
            .contains("holds no objects"));
    }

    #[test]
    fn chaos_mesh() {
        let data = json!({"status": {"experiment": {"desiredPhase": "Run"},
            "conditions": [{"type": "AllInjected", "status": "True"}, {"type": "Paused", "status": "False"}]}});
        assert_eq!(
            chaos_mesh_status("NetworkChaos/x", &data).as_deref(),
            Some("NetworkChaos/x: desiredPhase Run, AllInjected")
        );
        assert_eq!(chaos_mesh_status("x", &json!({})), None);
    }
}
