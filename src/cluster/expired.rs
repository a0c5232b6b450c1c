//! `gameday recover --cluster`: without any journal, find the objects gameday applied
//! (label `app.kubernetes.io/managed-by: gameday`) whose `gameday.dev/expires-at` has
//! passed, and delete them. For the run whose journal is gone with its machine.

use chrono::{DateTime, Utc};
use kube::api::{DeleteParams, DynamicObject, ListParams};
use kube::discovery::{verbs, Discovery, Scope};
use kube::Api;

/// Every object gameday applies carries these, so that `recover --cluster` finds what a
/// lost run left behind and deletes it once it has expired.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const RUN_ID: &str = "gameday.dev/run-id";
pub const EXPIRES_AT: &str = "gameday.dev/expires-at";

/// One object that outlived its expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct Expired {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub expired_at: DateTime<Utc>,
}

impl Expired {
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!(
                "{}/{} in {ns} (expired {})",
                self.kind,
                self.name,
                self.expired_at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            None => format!(
                "{}/{} (expired {})",
                self.kind,
                self.name,
                self.expired_at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        }
    }
}

/// What [`find`] found, and the resources it was not allowed to look at.
#[derive(Debug, Default)]
pub struct Search {
    pub found: Vec<(Expired, kube::api::ApiResource, bool)>,
    /// resources (`configmaps`, `chaosengines.litmuschaos.io`) that could be listed
    /// neither across namespaces nor in `namespace`: their objects were not checked
    pub not_checked: Vec<String>,
}

/// Every expired object gameday manages, in every resource the cluster serves that can be
/// listed and deleted. Objects without a readable expiry are left alone: they may belong
/// to a run that is still going.
///
/// A user bound to a namespaced Role (assets/rbac.yaml) may not list across namespaces:
/// a namespaced resource whose list across namespaces is forbidden is listed in
/// `namespace` (the context's) instead, and one forbidden there too is named in
/// [`Search::not_checked`], so that "nothing to do" never stands for "could not look"
/// (against a real API server with RBAC, every list across namespaces got 403 and was
/// skipped in silence).
pub async fn find(
    client: &kube::Client,
    now: DateTime<Utc>,
    namespace: &str,
) -> Result<Search, String> {
    let discovery = Discovery::new(client.clone())
        .run()
        .await
        .map_err(|e| format!("discovery: {e}"))?;
    let lp = ListParams::default().labels(&format!("{MANAGED_BY}=gameday"));
    let mut search = Search::default();
    let forbidden =
        |r: &Result<_, kube::Error>| matches!(r, Err(kube::Error::Api(s)) if s.code == 403);
    for group in discovery.groups() {
        for (ar, caps) in group.recommended_resources() {
            if !caps.supports_operation(verbs::LIST) || !caps.supports_operation(verbs::DELETE) {
                continue;
            }
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            let mut listed = api.list(&lp).await;
            if forbidden(&listed) && caps.scope == Scope::Namespaced {
                let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &ar);
                listed = api.list(&lp).await;
            }
            if forbidden(&listed) {
                search.not_checked.push(if ar.group.is_empty() {
                    ar.plural.clone()
                } else {
                    format!("{}.{}", ar.plural, ar.group)
                });
            }
            let Ok(list) = listed else {
                continue;
            };
            for obj in list.items {
                let Some(at) = obj
                    .metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(EXPIRES_AT))
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc))
                else {
                    continue;
                };
                if at <= now {
                    search.found.push((
                        Expired {
                            kind: ar.kind.clone(),
                            namespace: obj.metadata.namespace.clone(),
                            name: obj.metadata.name.clone().unwrap_or_default(),
                            expired_at: at,
                        },
                        ar.clone(),
                        caps.scope == Scope::Namespaced,
                    ));
                }
            }
        }
    }
    Ok(search)
}

/// Deletes what [`find`] found; a 404 means someone was quicker, which is fine.
pub async fn delete(
    client: &kube::Client,
    e: &Expired,
    ar: &kube::api::ApiResource,
    namespaced: bool,
) -> Result<(), String> {
    let api: Api<DynamicObject> = match (&e.namespace, namespaced) {
        (Some(ns), true) => Api::namespaced_with(client.clone(), ns, ar),
        _ => Api::all_with(client.clone(), ar),
    };
    match api.delete(&e.name, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(err) => Err(format!(
            "{}: {}",
            e.describe(),
            crate::text::error_chain(&err)
        )),
    }
}
