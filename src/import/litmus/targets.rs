//! Which pods a Litmus experiment targets, as a gameday label selector and namespace.
//!
//! Litmus 1 and 2 read `spec.appinfo` (`applabel` is a Kubernetes label selector).
//! Litmus 3 reads the experiment's `TARGETS` env, `KIND:NAMESPACE:[LIST][:MODE]` with
//! several targets separated by `;`; LIST holds labels (`k=v`) or names, and litmus-go
//! takes the pods matching ANY of the labels unless MODE is `intersection`. Its operator
//! derives TARGETS from appinfo the same way, so in Litmus 3 an `applabel` of `a=b,c=d`
//! is a union too. gameday selects with one label selector (an AND), so a union is mapped
//! only where a selector says the same thing (`k in (v1, v2)`), and named otherwise.

use crate::cluster::selector::{is_dns_label, validate_selector};

use super::text::shown;

/// One target of a TARGETS env.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Target {
    pub kind: String,
    pub namespace: String,
    /// `k=v` items (when any item holds `=`)
    pub labels: Vec<String>,
    /// workload or pod names (otherwise)
    pub names: Vec<String>,
    /// litmus-go's default, and what any mode other than `intersection` means
    pub union: bool,
}

/// The targets of a TARGETS value; an entry litmus-go cannot read is an `Err` with the
/// entry as written.
pub(super) fn parse_targets(v: &str) -> Vec<Result<Target, String>> {
    v.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            let parts: Vec<&str> = t.split(':').collect();
            if parts.len() < 3 {
                return Err(t.to_string());
            }
            let list = parts[2].trim();
            let list = list.strip_prefix('[').unwrap_or(list);
            let list = list.strip_suffix(']').unwrap_or(list);
            let items: Vec<String> = list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            let by_label = items.iter().any(|i| i.contains('='));
            Ok(Target {
                kind: parts[0].trim().to_string(),
                namespace: parts[1].trim().to_string(),
                labels: if by_label { items.clone() } else { Vec::new() },
                names: if by_label { Vec::new() } else { items },
                union: parts.get(3).map(|m| m.trim()) != Some("intersection"),
            })
        })
        .collect()
}

/// What the scenario targets for one experiment, and the notes on what it could not say.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Resolved {
    /// A valid selector, or `None` for the `app=change-me` placeholder.
    pub selector: Option<String>,
    pub namespace: Option<String>,
    /// Where the selector came from, for the comment beside it.
    pub source: String,
    /// Other selectors (and their namespaces) Litmus also targeted: shown as pod panels.
    pub also: Vec<(Option<String>, String)>,
    pub notes: Vec<String>,
}

/// The selector for a TARGETS value (`at` names it in messages).
pub(super) fn from_targets(v: &str, at: &str) -> Resolved {
    let mut r = Resolved {
        source: format!("{at} TARGETS"),
        ..Resolved::default()
    };
    let targets = parse_targets(v);
    if targets.is_empty() {
        r.notes.push(format!(
            "{at} TARGETS=`{}`: names no target; the selector is the placeholder app=change-me",
            shown(v)
        ));
        return r;
    }
    for (n, t) in targets.iter().enumerate() {
        let t = match t {
            Ok(t) => t,
            Err(entry) => {
                r.notes.push(format!(
                    "{at} TARGETS entry `{}`: not KIND:NAMESPACE:[LABELS]; litmus-go skips it, and so does the scenario",
                    shown(entry)
                ));
                continue;
            }
        };
        let ns = (!t.namespace.is_empty()).then(|| t.namespace.clone());
        if ns.as_deref().is_some_and(|n| !is_dns_label(n)) {
            r.notes.push(format!(
                "{at} TARGETS namespace `{}` is not a valid namespace name; that target is not mapped",
                shown(&t.namespace)
            ));
            continue;
        }
        let (selector, partial) = match selector_of(t) {
            Ok(s) => s,
            Err(why) => {
                r.notes
                    .push(format!("{at} TARGETS target {}: {why}", n + 1));
                continue;
            }
        };
        // the labels of a union the selector could not say, shown as panels
        let others: Vec<(Option<String>, String)> = if partial.is_some() {
            t.labels
                .iter()
                .skip(1)
                .map(|l| (ns.clone(), l.clone()))
                .collect()
        } else {
            Vec::new()
        };
        if r.selector.is_none() {
            r.selector = Some(selector);
            r.namespace = ns;
            if let Some(p) = partial {
                r.notes.push(format!("{at} TARGETS target {}: {p}", n + 1));
            }
            if !matches!(t.kind.to_ascii_lowercase().as_str(), "pod" | "pods") {
                r.notes.push(format!(
                    "{at} TARGETS kind `{}`: Litmus only targeted pods of a {}; gameday selects pods by label, whatever owns them",
                    shown(&t.kind),
                    shown(&t.kind)
                ));
            }
        } else {
            r.notes.push(format!(
                "{at} TARGETS target {} (`{}:{}:[{}]`): Litmus also targeted these pods; the fault deletes only pods of the first target, and the scenario shows these in a `pods` panel",
                n + 1,
                shown(&t.kind),
                shown(&t.namespace),
                shown(&t.labels.join(",")),
            ));
            r.also.push((ns, selector));
        }
        r.also.extend(others);
    }
    if r.selector.is_none() {
        r.notes
            .push(format!("{at} TARGETS: no target maps onto a label selector; the selector is the placeholder app=change-me"));
    }
    r
}

/// `k in (v1, v2)` when every label is `k=v` with the same `k`.
fn same_key_values(labels: &[String]) -> Option<(String, Vec<String>)> {
    let mut key = None;
    let mut values = Vec::new();
    for l in labels {
        let (k, v) = l.split_once('=')?;
        let (k, v) = (k.trim(), v.trim());
        if k.ends_with('!') || v.starts_with('=') {
            return None;
        }
        match &key {
            None => key = Some(k.to_string()),
            Some(prev) if prev == k => {}
            Some(_) => return None,
        }
        values.push(v.to_string());
    }
    key.map(|k| (k, values))
}

/// The selector for one target and, when it says less than Litmus did, why.
fn selector_of(t: &Target) -> Result<(String, Option<String>), String> {
    if !t.names.is_empty() {
        return Err(format!(
            "names {} `{}` by name; gameday selects pods by label, so this target is not mapped (set the selector to their pods' labels)",
            shown(&t.kind),
            shown(&t.names.join(","))
        ));
    }
    if t.labels.is_empty() {
        return Err("lists no labels; not mapped".into());
    }
    let (selector, partial) = if !t.union || t.labels.len() == 1 {
        (t.labels.join(","), None)
    } else if let Some((k, vs)) = same_key_values(&t.labels) {
        (format!("{k} in ({})", vs.join(", ")), None)
    } else {
        (
            t.labels[0].clone(),
            Some(format!(
                "Litmus targeted pods matching ANY of {} (a union); a label selector cannot say that, so the fault deletes only pods matching {}, and the scenario shows the others in `pods` panels",
                shown(&t.labels.join(", ")),
                shown(&t.labels[0])
            )),
        )
    };
    validate_selector(&selector).map_err(|e| {
        format!(
            "`{}` is not a label selector gameday accepts ({}); not mapped",
            shown(&selector),
            shown(&e)
        )
    })?;
    Ok((selector, partial))
}

/// The selector for `spec.appinfo`.
pub(super) fn from_appinfo(ns: Option<&str>, label: Option<&str>, at: &str) -> Resolved {
    let mut r = Resolved {
        source: format!("{at}.applabel"),
        ..Resolved::default()
    };
    match ns {
        Some(n) if is_dns_label(n) => r.namespace = Some(n.to_string()),
        Some(n) => r.notes.push(format!(
            "{at}.appns `{}` is not a valid namespace name; the scenario uses the kubeconfig's namespace",
            shown(n)
        )),
        None => {}
    }
    if let Some(l) = label {
        match validate_selector(l) {
            Ok(()) => {
                r.selector = Some(l.to_string());
                if l.contains(',') {
                    r.notes.push(format!(
                        "{at}.applabel `{}`: Litmus 1 and 2 read it as a label selector (pods matching all of it), as the scenario does; Litmus 3 targets pods matching ANY of its labels",
                        shown(l)
                    ));
                }
            }
            Err(e) => r.notes.push(format!(
                "{at}.applabel `{}` is not a label selector ({}); the selector is the placeholder app=change-me",
                shown(l),
                shown(&e)
            )),
        }
    }
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_as_litmus_go_reads_them() {
        let t = parse_targets("deployment:shop:[app=redis];statefulset:db:[pg-0,pg-1]:union; ;x");
        assert_eq!(t.len(), 3);
        let first = t[0].as_ref().unwrap();
        assert_eq!(
            (first.kind.as_str(), first.namespace.as_str()),
            ("deployment", "shop")
        );
        assert_eq!(first.labels, vec!["app=redis".to_string()]);
        assert!(first.union);
        assert_eq!(t[1].as_ref().unwrap().names, vec!["pg-0", "pg-1"]);
        assert_eq!(t[2], Err("x".to_string()));
        let i = parse_targets("deployment:ns:[a=b,c=d]:intersection");
        assert!(!i[0].as_ref().unwrap().union);
    }

    #[test]
    fn a_union_is_never_turned_into_an_and() {
        let at = "experiments[0]";
        // same key: exactly a set-based selector
        let r = from_targets("deployment:shop:[app=a,app=b]", at);
        assert_eq!(r.selector.as_deref(), Some("app in (a, b)"));
        // different keys: the first label only, the rest named and shown
        let r = from_targets("deployment:shop:[app=a,tier=web]", at);
        assert_eq!(r.selector.as_deref(), Some("app=a"));
        assert_eq!(
            r.also,
            vec![(Some("shop".to_string()), "tier=web".to_string())]
        );
        assert!(r.notes.iter().any(|n| n.contains("ANY of app=a, tier=web")));
        // intersection: an AND is right
        let r = from_targets("deployment:shop:[app=a,tier=web]:intersection", at);
        assert_eq!(r.selector.as_deref(), Some("app=a,tier=web"));
        // a second target is named, not dropped
        let r = from_targets("deployment:shop:[app=a];deployment:pay:[app=b]", at);
        assert_eq!(r.selector.as_deref(), Some("app=a"));
        assert_eq!(r.also, vec![(Some("pay".to_string()), "app=b".to_string())]);
        assert!(r.notes.iter().any(|n| n.contains("target 2")));
        // names are not labels
        let r = from_targets("deployment:shop:[redis]", at);
        assert_eq!(r.selector, None);
        assert!(r.notes.iter().any(|n| n.contains("by name")));
    }
}
