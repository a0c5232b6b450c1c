//! Kubernetes label selectors and names, checked here so a typo fails at `check` time
//! rather than as an API error in the middle of a game day.

use crate::yaml::read::{required_text, text, Ctx, Fields};

/// Checks `s` against the Kubernetes label-selector grammar (`k=v`, `k==v`, `k!=v`,
/// `k in (a, b)`, `k notin (a, b)`, `k`, `!k`, comma-separated).
pub fn validate_selector(s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("an empty selector matches every pod; name the pods, e.g. `app=redis`".into());
    }
    for req in split_requirements(s)? {
        validate_requirement(req.trim())?;
    }
    Ok(())
}

/// Splits on commas that are not inside `( )`.
fn split_requirements(s: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced `)` in selector `{s}`"));
                }
            }
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(format!("unclosed `(` in selector `{s}`"));
    }
    out.push(&s[start..]);
    Ok(out)
}

fn validate_requirement(r: &str) -> Result<(), String> {
    if r.is_empty() {
        return Err(
            "empty requirement in selector (two commas in a row, or a trailing comma)".into(),
        );
    }
    if let Some(key) = r.strip_prefix('!') {
        return validate_label_key(key.trim());
    }
    for op in ["!=", "==", "="] {
        if let Some(i) = r.find(op) {
            let (k, v) = (r[..i].trim(), r[i + op.len()..].trim());
            validate_label_key(k)?;
            return validate_label_value(v);
        }
    }
    if r.contains('>') || r.contains('<') {
        return Err(format!(
            "`{r}`: pod selectors support =, ==, !=, in, notin and exists; not < or >"
        ));
    }
    let words: Vec<&str> = r.splitn(2, char::is_whitespace).collect();
    let key = words[0];
    let rest = words.get(1).map(|w| w.trim_start()).unwrap_or("");
    if rest.is_empty() {
        return validate_label_key(key);
    }
    validate_label_key(key)?;
    let set = if let Some(set) = rest.strip_prefix("notin") {
        set
    } else if let Some(set) = rest.strip_prefix("in") {
        set
    } else {
        return Err(format!(
            "`{r}` is not a selector requirement; expected `key=value`, `key!=value`, \
             `key in (a, b)`, `key notin (a, b)`, `key` or `!key`"
        ));
    };
    let set = set.trim();
    let inner = set
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| {
            format!("`{r}`: the values of in/notin go in parentheses: `{key} in (a, b)`")
        })?;
    if inner.trim().is_empty() {
        return Err(format!("`{r}`: in/notin needs at least one value"));
    }
    for v in inner.split(',') {
        validate_label_value(v.trim())?;
    }
    Ok(())
}

fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// A DNS-1123 label: what Kubernetes requires of namespace names.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

fn validate_label_key(k: &str) -> Result<(), String> {
    let (prefix, name) = match k.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    if let Some(p) = prefix {
        if !is_dns_subdomain(p) {
            return Err(format!(
                "`{k}`: the label key prefix `{p}` must be a DNS subdomain (lower case, digits, - and .)"
            ));
        }
    }
    if !is_label_name(name) {
        return Err(format!(
            "`{k}` is not a valid label key: at most 63 letters, digits, -, _ or ., \
             starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

fn validate_label_value(v: &str) -> Result<(), String> {
    if v.is_empty() || is_label_name(v) {
        Ok(())
    } else {
        Err(format!(
            "`{v}` is not a valid label value: at most 63 letters, digits, -, _ or ., \
             starting and ending with a letter or digit"
        ))
    }
}

/// A scenario value that names a namespace: a DNS label.
pub(crate) fn namespace(cx: &mut Ctx, f: &Fields, key: &str) -> Option<String> {
    let ns = text(cx, f, key)?;
    if !is_dns_label(&ns) {
        let pos = f.get(key).map_or(f.pos, |n| n.pos);
        cx.err(
            pos,
            format!(
                "{}: `{ns}` is not a valid namespace name (lower case letters, digits and -, at most 63)",
                f.path_of(key)
            ),
        );
        return None;
    }
    Some(ns)
}

pub(crate) fn selector(cx: &mut Ctx, f: &Fields, key: &str) -> Option<String> {
    let s = required_text(cx, f, key, "give a label selector like app=redis")?;
    if let Err(e) = validate_selector(&s) {
        let pos = f.get(key).map_or(f.pos, |n| n.pos);
        cx.err(pos, format!("{}: {e}", f.path_of(key)));
        return None;
    }
    Some(s)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_kubernetes_forms() {
        for s in [
            "app=redis",
            "app==redis",
            "app!=redis",
            "app in (api, redis)",
            "app notin (a,b)",
            "app",
            "!canary",
            "app=api,tier!=db, env in (prod)",
            "app.kubernetes.io/name=redis",
            "app=",
            "Version=v1.2_3",
        ] {
            assert_eq!(validate_selector(s), Ok(()), "{s}");
        }
    }

    #[test]
    fn refuses_malformed() {
        for s in [
            "",
            "  ",
            "app=redis,",
            "app in api",
            "app in ()",
            "app in (a, b",
            "-app=x",
            "app=re dis",
            "app=-x",
            "Bad_Prefix/app=x",
            "app foo (x)",
            "replicas>2",
            &format!("{}=x", "a".repeat(64)),
        ] {
            assert!(validate_selector(s).is_err(), "{s:?} should be refused");
        }
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("shop"));
        assert!(is_dns_label("kube-system"));
        assert!(!is_dns_label("Shop"));
        assert!(!is_dns_label("-shop"));
        assert!(!is_dns_label("shop_1"));
        assert!(!is_dns_label(&"a".repeat(64)));
    }
}
