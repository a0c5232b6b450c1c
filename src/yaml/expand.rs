//! `${VAR}` / `${VAR:-default}` in scenario strings, so one file serves several
//! environments without templating tools. `$${` is a literal `${`.

/// Expands every reference in `s`; the error names the first variable that could not be
/// resolved and how to fix it.
pub fn expand(s: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    if !s.contains("${") {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("$${") {
            out.push_str("${");
            rest = after;
        } else if let Some(after) = tail.strip_prefix("${") {
            let close = after.find('}').ok_or_else(|| {
                format!("`${{` without a closing `}}` in `{s}`; write $${{ for a literal ${{")
            })?;
            let inner = &after[..close];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            if !is_var_name(name) {
                return Err(format!(
                    "`${{{inner}}}` is not a variable reference: write ${{NAME}} or \
                     ${{NAME:-default}} (letters, digits, _), or $${{ for a literal ${{"
                ));
            }
            let value = match (env(name), default) {
                (Some(v), Some(d)) if v.is_empty() => d.to_string(),
                (Some(v), _) => v,
                (None, Some(d)) => d.to_string(),
                (None, None) => {
                    return Err(format!(
                    "environment variable {name} is not set; set it or write ${{{name}:-default}}"
                ))
                }
            };
            out.push_str(&value);
            rest = &after[close + 1..];
        } else {
            out.push('$');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// One `${NAME}` or `${NAME:-default}` in a value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub name: String,
    pub default: Option<String>,
    /// byte range of the whole reference in the value
    pub start: usize,
    pub end: usize,
}

/// Every well-formed reference in `s`, in order (`$${` is a literal, not a reference):
/// what a value takes from the environment, and where.
pub fn references(s: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = s[i..].find('$') {
        let at = i + off;
        let tail = &s[at..];
        if tail.starts_with("$${") {
            i = at + 3;
        } else if let Some(after) = tail.strip_prefix("${") {
            let Some(close) = after.find('}') else {
                break;
            };
            let inner = &after[..close];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d.to_string())),
                None => (inner, None),
            };
            let end = at + 2 + close + 1;
            if is_var_name(name) {
                out.push(Reference {
                    name: name.to_string(),
                    default,
                    start: at,
                    end,
                });
            }
            i = end;
        } else {
            i = at + 1;
        }
    }
    out
}

fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(k: &str) -> Option<String> {
        match k {
            "HOME" => Some("/home/op".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_defaults_and_literals() {
        assert_eq!(expand("${HOME}/x", &env).as_deref(), Ok("/home/op/x"));
        assert_eq!(
            expand("${PROM:-http://localhost:9090}", &env).as_deref(),
            Ok("http://localhost:9090")
        );
        assert_eq!(expand("${HOME:-/tmp}", &env).as_deref(), Ok("/home/op"));
        assert_eq!(expand("${EMPTY:-d}", &env).as_deref(), Ok("d"));
        assert_eq!(expand("${EMPTY}", &env).as_deref(), Ok(""));
        assert_eq!(expand("${X:-}", &env).as_deref(), Ok(""));
        assert_eq!(
            expand("cost $5 $${HOME}", &env).as_deref(),
            Ok("cost $5 ${HOME}")
        );
        assert_eq!(
            expand("a${HOME}b${HOME}", &env).as_deref(),
            Ok("a/home/opb/home/op")
        );
        assert_eq!(expand("$", &env).as_deref(), Ok("$"));
    }

    #[test]
    fn unset_and_malformed() {
        assert_eq!(
            expand("${FOO}", &env),
            Err("environment variable FOO is not set; set it or write ${FOO:-default}".into())
        );
        assert!(expand("${FOO", &env).unwrap_err().contains("closing"));
        assert!(expand("${1A}", &env)
            .unwrap_err()
            .contains("not a variable reference"));
        assert!(expand("${}", &env).is_err());
    }

    #[test]
    fn references_are_found_where_they_are() {
        let r = references("a ${A} $${B} ${C:-d:e}x $ ${bad-name}");
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].name.as_str(), r[0].default.as_deref()), ("A", None));
        assert_eq!(&"a ${A} $${B} ${C:-d:e}x"[r[0].start..r[0].end], "${A}");
        assert_eq!(
            (r[1].name.as_str(), r[1].default.as_deref()),
            ("C", Some("d:e"))
        );
        assert_eq!(
            &"a ${A} $${B} ${C:-d:e}x"[r[1].start..r[1].end],
            "${C:-d:e}"
        );
    }

    #[test]
    fn values_are_not_expanded_twice() {
        let e = |k: &str| (k == "A").then(|| "${B}".to_string());
        assert_eq!(expand("${A}", &e).as_deref(), Ok("${B}"));
    }
}
