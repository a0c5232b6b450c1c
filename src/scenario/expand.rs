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
    fn values_are_not_expanded_twice() {
        let e = |k: &str| (k == "A").then(|| "${B}".to_string());
        assert_eq!(expand("${A}", &e).as_deref(), Ok("${B}"));
    }
}
