//! JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

use serde_json::Value;

/// Apply an RFC 7386 merge patch in place.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    if let Value::Object(t) = target {
        for (k, v) in p {
            if v.is_null() {
                t.remove(k);
            } else {
                merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

fn unescape(tok: &str) -> String {
    tok.replace("~1", "/").replace("~0", "~")
}

fn split_pointer(path: &str) -> Result<(String, String), String> {
    if path.is_empty() {
        return Err("the root of the document cannot be patched".into());
    }
    if !path.starts_with('/') {
        return Err(format!("invalid JSON pointer {path:?}"));
    }
    let idx = path.rfind('/').unwrap_or(0);
    Ok((path[..idx].to_string(), unescape(&path[idx + 1..])))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let (parent, last) = split_pointer(path)?;
    let target = doc
        .pointer_mut(&parent)
        .ok_or_else(|| format!("doc is missing path: {parent:?}"))?;
    match target {
        Value::Object(m) => {
            m.insert(last, value);
            Ok(())
        }
        Value::Array(a) => {
            if last == "-" {
                a.push(value);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid array index {last:?}"))?;
            if i > a.len() {
                return Err(format!("add operation index out of bounds: {i}"));
            }
            a.insert(i, value);
            Ok(())
        }
        _ => Err(format!("cannot add to a scalar at {parent:?}")),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, String> {
    let (parent, last) = split_pointer(path)?;
    let target = doc
        .pointer_mut(&parent)
        .ok_or_else(|| format!("doc is missing path: {path:?}"))?;
    match target {
        Value::Object(m) => m
            .remove(&last)
            .ok_or_else(|| format!("doc is missing key: {path:?}")),
        Value::Array(a) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("invalid array index {last:?}"))?;
            if i >= a.len() {
                return Err(format!("remove operation index out of bounds: {i}"));
            }
            Ok(a.remove(i))
        }
        _ => Err(format!("doc is missing path: {path:?}")),
    }
}

/// Apply an RFC 6902 JSON patch; on error the document is left unchanged.
pub fn json_patch(doc: &mut Value, ops: &Value) -> Result<(), String> {
    let ops = ops
        .as_array()
        .ok_or("a JSON patch must be an array of operations")?;
    let mut work = doc.clone();
    for op in ops {
        let kind = op
            .get("op")
            .and_then(Value::as_str)
            .ok_or("operation is missing \"op\"")?;
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or("operation is missing \"path\"")?;
        let value = || {
            op.get("value")
                .cloned()
                .ok_or("operation is missing \"value\"")
        };
        let from = || {
            op.get("from")
                .and_then(Value::as_str)
                .ok_or("operation is missing \"from\"")
        };
        match kind {
            "add" => add(&mut work, path, value()?)?,
            "remove" => {
                remove(&mut work, path)?;
            }
            "replace" => {
                let slot = work.pointer_mut(path).ok_or_else(|| {
                    format!("replace operation does not apply: doc is missing key: {path}")
                })?;
                *slot = value()?;
            }
            "move" => {
                let v = remove(&mut work, from()?)?;
                add(&mut work, path, v)?;
            }
            "copy" => {
                let v = work
                    .pointer(from()?)
                    .cloned()
                    .ok_or("copy operation does not apply: doc is missing from path")?;
                add(&mut work, path, v)?;
            }
            "test" => {
                if work.pointer(path) != Some(&value()?) {
                    return Err(format!("testing value {path} failed"));
                }
            }
            other => return Err(format!("Unexpected kind: {other}")),
        }
    }
    *doc = work;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_removes_nulls_and_merges_maps() {
        let mut d = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        merge_patch(&mut d, &json!({"a": {"b": null, "d": 3}, "l": [3]}));
        assert_eq!(d, json!({"a": {"c": 2, "d": 3}, "l": [3]}));
    }

    #[test]
    fn json_patch_ops() {
        let mut d = json!({"spec": {"replicas": 3, "l": [1]}});
        json_patch(
            &mut d,
            &json!([
                {"op": "replace", "path": "/spec/replicas", "value": 0},
                {"op": "add", "path": "/spec/l/-", "value": 2},
                {"op": "test", "path": "/spec/replicas", "value": 0}
            ]),
        )
        .expect("applies");
        assert_eq!(d, json!({"spec": {"replicas": 0, "l": [1, 2]}}));
        assert!(json_patch(&mut d, &json!([{"op": "remove", "path": "/nope"}])).is_err());
        assert!(json_patch(&mut d, &json!({"op": "x"})).is_err());
    }
}
