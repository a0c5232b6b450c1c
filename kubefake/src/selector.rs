//! Label and field selectors, as the API server parses them
//! (`k8s.io/apimachinery/pkg/labels` and `pkg/fields`).

use serde_json::Value;
use std::collections::BTreeMap;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(Vec<Req>);

/// Split on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c)
            }
            ')' => {
                depth -= 1;
                cur.push(c)
            }
            ',' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn parse_set(rest: &str) -> Option<Vec<String>> {
    let rest = rest.trim();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    Some(
        inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

impl LabelSelector {
    /// Parse `app=api,tier in (a, b),!canary,env!=prod,release`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if s.trim().is_empty() {
            return Ok(Self(reqs));
        }
        for part in split_top(s) {
            let p = part.trim();
            if p.is_empty() {
                return Err(format!("found '', expected: identifier in selector {s:?}"));
            }
            let bad = || format!("unable to parse requirement: {p:?}");
            if let Some(k) = p.strip_prefix('!') {
                let k = k.trim();
                if !valid_key(k) {
                    return Err(bad());
                }
                reqs.push(Req::NotExists(k.to_string()));
            } else if let Some((k, v)) = p.split_once("!=") {
                let k = k.trim();
                if !valid_key(k) {
                    return Err(bad());
                }
                reqs.push(Req::NotEq(k.to_string(), v.trim().to_string()));
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                let k = k.trim();
                if !valid_key(k) {
                    return Err(bad());
                }
                reqs.push(Req::Eq(k.to_string(), v.trim().to_string()));
            } else if let Some((k, rest)) = p.split_once(" notin ") {
                let vals = parse_set(rest).ok_or_else(bad)?;
                reqs.push(Req::NotIn(k.trim().to_string(), vals));
            } else if let Some((k, rest)) = p.split_once(" in ") {
                let vals = parse_set(rest).ok_or_else(bad)?;
                reqs.push(Req::In(k.trim().to_string(), vals));
            } else if valid_key(p) {
                reqs.push(Req::Exists(p.to_string()));
            } else {
                return Err(bad());
            }
        }
        Ok(Self(reqs))
    }

    /// Build from a `metav1.LabelSelector` object (matchLabels + matchExpressions).
    /// Returns None when the object is malformed.
    pub fn from_object(sel: &Value) -> Option<Self> {
        let mut reqs = Vec::new();
        if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in m {
                reqs.push(Req::Eq(k.clone(), v.as_str()?.to_string()));
            }
        }
        if let Some(exprs) = sel.get("matchExpressions").and_then(Value::as_array) {
            for e in exprs {
                let key = e.get("key")?.as_str()?.to_string();
                let values: Vec<String> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                reqs.push(match e.get("operator")?.as_str()? {
                    "In" => Req::In(key, values),
                    "NotIn" => Req::NotIn(key, values),
                    "Exists" => Req::Exists(key),
                    "DoesNotExist" => Req::NotExists(key),
                    _ => return None,
                });
            }
        }
        Some(Self(reqs))
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.0.iter().all(|r| match r {
            Req::Eq(k, v) => labels.get(k) == Some(v),
            Req::NotEq(k, v) => labels.get(k) != Some(v),
            Req::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Req::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Req::Exists(k) => labels.contains_key(k),
            Req::NotExists(k) => !labels.contains_key(k),
        })
    }

    pub fn matches_object(&self, obj: &Value) -> bool {
        self.matches(&labels_of(obj))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The labels of an object as a map.
pub fn labels_of(obj: &Value) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A parsed field selector: `metadata.name=x,status.phase!=Running`.
#[derive(Debug, Clone, Default)]
pub struct FieldSelector(Vec<(String, bool, String)>);

impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, eq, v) = if let Some((k, v)) = p.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = p.split_once("==").or_else(|| p.split_once('=')) {
                (k, true, v)
            } else {
                return Err(format!("invalid selector: '{s}'; can't understand '{p}'"));
            };
            reqs.push((k.trim().to_string(), eq, v.trim().to_string()));
        }
        Ok(Self(reqs))
    }

    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|(path, eq, want)| {
            let pointer = format!("/{}", path.replace('.', "/"));
            let got = match obj.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            (got == *want) == *eq
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn set_based_selectors() {
        let s = LabelSelector::parse("app in (api, redis),!canary,tier notin (db),release")
            .expect("parses");
        assert!(s.matches(&labels(&[("app", "api"), ("release", "1")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("release", "1")])));
        assert!(!s.matches(&labels(&[
            ("app", "api"),
            ("release", "1"),
            ("canary", "y")
        ])));
        assert!(!s.matches(&labels(&[("app", "api"), ("release", "1"), ("tier", "db")])));
        assert!(!s.matches(&labels(&[("app", "api")])));
        let s = LabelSelector::parse("app=api,env!=prod").expect("parses");
        assert!(s.matches(&labels(&[("app", "api")])));
        assert!(!s.matches(&labels(&[("app", "api"), ("env", "prod")])));
        assert!(LabelSelector::parse("app in api").is_err());
        assert!(LabelSelector::parse("a,,b").is_err());
    }

    #[test]
    fn field_selectors() {
        let obj = serde_json::json!({"metadata": {"name": "a", "namespace": "shop"}, "status": {"phase": "Running"}});
        assert!(FieldSelector::parse("metadata.name=a")
            .expect("ok")
            .matches(&obj));
        assert!(
            FieldSelector::parse("metadata.namespace==shop,status.phase!=Pending")
                .expect("ok")
                .matches(&obj)
        );
        assert!(!FieldSelector::parse("metadata.name=b")
            .expect("ok")
            .matches(&obj));
    }
}
