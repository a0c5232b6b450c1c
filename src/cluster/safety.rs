//! The blast radius of cluster faults (DESIGN §2 `safety:`, §3 arming) and the permission
//! check before arming (DESIGN §8): a fault that could not be reverted is never injected.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kube::Client;

use super::client::explain;

/// The scenario's `safety:` section: the blast radius every fault is checked against.
#[derive(Debug, Clone, PartialEq)]
pub struct Safety {
    /// Refuse to arm a fault whose selector matches more. Default 1.
    pub max_targets: u32,
    /// The only namespaces a fault may touch; empty means the scenario's namespace.
    pub namespaces: Vec<String>,
    /// Hard ceiling on every fault, from its trigger. Default 10 min.
    pub max_duration: std::time::Duration,
    /// Trigger refused while an `expect` fails. Default true.
    pub require_steady_state: bool,
}

impl Default for Safety {
    fn default() -> Self {
        Safety {
            max_targets: 1,
            namespaces: Vec::new(),
            max_duration: std::time::Duration::from_secs(600),
            require_steady_state: true,
        }
    }
}

/// Namespaces gameday never touches unless `safety.namespaces` lists them by name.
pub const PROTECTED_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// May a fault touch `namespace`? `default_namespace` is the scenario's
/// `kubernetes.namespace` (or the context's), the only one allowed when
/// `safety.namespaces` is empty. `Err` says why not and what to change.
pub fn check_namespace(
    safety: &Safety,
    default_namespace: &str,
    namespace: &str,
) -> Result<(), String> {
    let listed = safety.namespaces.iter().any(|n| n == namespace);
    if PROTECTED_NAMESPACES.contains(&namespace) && !listed {
        return Err(format!(
            "namespace {namespace} is off limits: gameday never touches {} unless \
             `safety.namespaces` lists it by name",
            PROTECTED_NAMESPACES.join(", ")
        ));
    }
    if safety.namespaces.is_empty() {
        if namespace != default_namespace {
            return Err(format!(
                "namespace {namespace} is not the scenario's namespace ({default_namespace}) \
                 and `safety.namespaces` is empty: list {namespace} in `safety.namespaces` to \
                 allow faults there"
            ));
        }
    } else if !listed {
        return Err(format!(
            "namespace {namespace} is outside `safety.namespaces` ({}): add it there to allow \
             faults in it",
            safety.namespaces.join(", ")
        ));
    }
    Ok(())
}

/// Zero matches and more than `safety.max_targets` matches are refused. `what` names the
/// selection (`selector app=redis`), `kind` the objects (`pods`).
pub fn check_targets(
    safety: &Safety,
    what: &str,
    kind: &str,
    namespace: &str,
    names: &[String],
) -> Result<(), String> {
    if names.is_empty() {
        return Err(format!(
            "{what} matches no {kind} in namespace {namespace}: check the selector and the \
             namespace (kubectl get {kind} -n {namespace} --show-labels)"
        ));
    }
    let max = safety.max_targets as usize;
    if names.len() > max {
        return Err(format!(
            "{what} matches {} {kind} in namespace {namespace} ({}), more than \
             `safety.max_targets` ({max}): narrow the selector or raise `safety.max_targets`",
            names.len(),
            list_names(names, 10)
        ));
    }
    Ok(())
}

/// `a, b, c` or `a, b, … and 7 more`.
pub fn list_names(names: &[String], max: usize) -> String {
    if names.len() <= max {
        names.join(", ")
    } else {
        format!(
            "{}, … and {} more",
            names[..max].join(", "),
            names.len() - max
        )
    }
}

/// One permission a fault needs, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    pub verb: String,
    /// `""` for the core group
    pub group: String,
    /// plural, e.g. `pods`
    pub resource: String,
    pub subresource: Option<String>,
    /// `inject` or `revert`
    pub needed_to: &'static str,
}

impl Need {
    pub fn new(verb: &str, group: &str, resource: &str, needed_to: &'static str) -> Self {
        Need {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: None,
            needed_to,
        }
    }

    pub fn on_subresource(mut self, subresource: &str) -> Self {
        self.subresource = Some(subresource.into());
        self
    }

    /// `pods`, `pods/eviction`, `deployments.apps/scale`
    pub fn resource_text(&self) -> String {
        let base = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        match &self.subresource {
            Some(s) => format!("{base}/{s}"),
            None => base,
        }
    }
}

/// Whether the current credentials may `verb` the resource in `namespace`, by a
/// SelfSubjectAccessReview (authorization.k8s.io/v1, which every user may create).
pub async fn can_i(
    client: &Client,
    verb: &str,
    group: &str,
    resource: &str,
    subresource: Option<&str>,
    namespace: &str,
) -> Result<bool, String> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
                verb: Some(verb.into()),
                group: Some(group.into()),
                resource: Some(resource.into()),
                subresource: subresource.map(str::to_string),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let reviews: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = reviews
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| explain(&e))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// Checks every need in `namespace`; `Err` lists the missing ones, e.g. "cannot arm:
/// missing permission to delete pods in shop (needed to inject)".
pub async fn check_permissions(
    client: &Client,
    namespace: &str,
    needs: &[Need],
) -> Result<(), String> {
    // (verb, resource) -> what it is needed for, in the order first seen
    let mut missing: Vec<(String, String, Vec<&'static str>)> = Vec::new();
    for n in needs {
        let resource = n.resource_text();
        match can_i(
            client,
            &n.verb,
            &n.group,
            &n.resource,
            n.subresource.as_deref(),
            namespace,
        )
        .await
        {
            Ok(true) => {}
            Ok(false) => match missing
                .iter_mut()
                .find(|(v, r, _)| *v == n.verb && *r == resource)
            {
                Some((_, _, why)) if !why.contains(&n.needed_to) => why.push(n.needed_to),
                Some(_) => {}
                None => missing.push((n.verb.clone(), resource, vec![n.needed_to])),
            },
            Err(e) => {
                return Err(format!(
                    "cannot arm: could not check the permission to {} {resource} in \
                     {namespace} (SelfSubjectAccessReview failed: {e})",
                    n.verb
                ))
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        let lines: Vec<String> = missing
            .iter()
            .map(|(verb, resource, why)| {
                format!(
                    "missing permission to {verb} {resource} in {namespace} (needed to {})",
                    why.join(" and ")
                )
            })
            .collect();
        Err(format!(
            "cannot arm: {}; ask a cluster admin for the Role in assets/rbac.yaml",
            lines.join("; ")
        ))
    }
}

/// A label value (RFC 1123-ish: at most 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends)
/// made from any text, e.g. a run id `20250101T100000Z-redis-pod-delete`.
pub fn label_value(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    mapped
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safety(ns: &[&str], max: u32) -> Safety {
        Safety {
            namespaces: ns.iter().map(|s| s.to_string()).collect(),
            max_targets: max,
            ..Safety::default()
        }
    }

    #[test]
    fn namespaces() {
        assert!(check_namespace(&safety(&[], 1), "shop", "shop").is_ok());
        let e = check_namespace(&safety(&[], 1), "shop", "other").unwrap_err();
        assert!(
            e.contains("namespace other is not the scenario's namespace (shop)"),
            "{e}"
        );
        let e = check_namespace(&safety(&["shop"], 1), "shop", "kube-system").unwrap_err();
        assert!(e.starts_with("namespace kube-system is off limits"), "{e}");
        // the default namespace is no exception for kube-system
        assert!(check_namespace(&safety(&[], 1), "kube-system", "kube-system").is_err());
        assert!(check_namespace(&safety(&["kube-system"], 1), "shop", "kube-system").is_ok());
        let e = check_namespace(&safety(&["shop", "cart"], 1), "shop", "web").unwrap_err();
        assert!(
            e.contains("outside `safety.namespaces` (shop, cart)"),
            "{e}"
        );
    }

    #[test]
    fn targets() {
        let s = safety(&[], 2);
        let e = check_targets(&s, "selector app=redis", "pods", "shop", &[]).unwrap_err();
        assert!(
            e.starts_with("selector app=redis matches no pods in namespace shop"),
            "{e}"
        );
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let e = check_targets(&s, "selector app=api", "pods", "shop", &names).unwrap_err();
        assert!(e.starts_with("selector app=api matches 3 pods in namespace shop (a, b, c), more than `safety.max_targets` (2)"), "{e}");
        assert!(check_targets(&s, "x", "pods", "shop", &names[..2]).is_ok());
    }

    #[test]
    fn label_values() {
        assert_eq!(
            label_value("20250101T100000Z-redis"),
            "20250101T100000Z-redis"
        );
        assert_eq!(label_value("--a b/c--"), "a-b-c");
        assert_eq!(label_value(&"x".repeat(80)).len(), 63);
        assert_eq!(label_value(""), "");
    }
}
