//! Reading typed values out of the YAML tree: every problem with its position, so `check`
//! prints FILE:LINE:COL and what was expected. The scenario's sections and each fault kind
//! (`faults/<kind>.rs`) read their settings through these.

use std::path::Path;
use std::time::Duration;

use super::{Key, Node, Pos, Value};
use crate::units::duration::parse_duration;

/// What reading a scenario collects: every problem and warning with its position.
pub(crate) struct Ctx<'a> {
    pub(crate) problems: Vec<(Pos, String)>,
    pub(crate) warnings: Vec<(Pos, String)>,
    /// where relative paths of the scenario (manifest files) start
    pub(crate) base_dir: &'a Path,
}

impl Ctx<'_> {
    pub(crate) fn err(&mut self, pos: Pos, msg: impl Into<String>) {
        self.problems.push((pos, msg.into()));
    }

    /// Valid, but probably not what was meant: `check` says so and exits 0.
    pub(crate) fn warn(&mut self, pos: Pos, msg: impl Into<String>) {
        self.warnings.push((pos, msg.into()));
    }
}

/// A mapping whose keys have been checked against the allowed list.
pub(crate) struct Fields<'n> {
    pub(crate) path: String,
    pub(crate) pos: Pos,
    pub(crate) entries: &'n [(Key, Node)],
}

impl<'n> Fields<'n> {
    /// The value of `key`, treating an explicit null as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entry(key).map(|(_, n)| n).filter(|n| !n.is_null())
    }

    pub(crate) fn entry(&self, key: &str) -> Option<(&'n Key, &'n Node)> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(k, n)| (k, n))
    }

    pub(crate) fn key_pos(&self, key: &str) -> Pos {
        self.entry(key).map_or(self.pos, |(k, _)| k.pos)
    }

    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Missing or explicitly empty (`duration:`): a required value that is not there.
    /// An unresolved `${VAR}` is not absent: it has been reported already.
    pub(crate) fn absent(&self, key: &str) -> bool {
        self.entry(key)
            .is_none_or(|(_, n)| matches!(n.value, Value::Null))
    }
}

fn where_(path: &str) -> String {
    if path.is_empty() {
        "at the top level".into()
    } else {
        format!("in {path}")
    }
}

pub(crate) fn nearest<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    allowed
        .iter()
        .map(|a| (strsim::damerau_levenshtein(key, a), *a))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, a)| *d <= 2.max(a.len() / 3) && *d < a.len())
        .map(|(_, a)| a)
}

pub(crate) fn fields<'n>(
    cx: &mut Ctx,
    node: &'n Node,
    path: &str,
    allowed: &[&str],
) -> Option<Fields<'n>> {
    fields_with_refused(cx, node, path, allowed, &[])
}

/// [`fields`], where the keys in `refused` are let through for the caller to refuse
/// with words of its own (a secret written where it must not be), and are never listed
/// among the valid keys.
pub(crate) fn fields_with_refused<'n>(
    cx: &mut Ctx,
    node: &'n Node,
    path: &str,
    allowed: &[&str],
    refused: &[&str],
) -> Option<Fields<'n>> {
    let Value::Map(entries) = &node.value else {
        cx.err(
            node.pos,
            format!(
                "{}: expected a mapping with keys {}, found {}",
                if path.is_empty() {
                    "the scenario"
                } else {
                    path
                },
                allowed.join(", "),
                node.describe()
            ),
        );
        return None;
    };
    for (k, _) in entries {
        // Top-level `x-` keys are ignored, as in Compose files: a home for YAML anchors.
        if path.is_empty() && k.name.starts_with("x-") {
            continue;
        }
        if !allowed.contains(&k.name.as_str()) && !refused.contains(&k.name.as_str()) {
            let msg = match nearest(&k.name, allowed) {
                Some(s) => format!(
                    "unknown key `{}` {}; did you mean `{s}`?",
                    k.name,
                    where_(path)
                ),
                None => format!(
                    "unknown key `{}` {}; valid keys are {}",
                    k.name,
                    where_(path),
                    allowed.join(", ")
                ),
            };
            cx.err(k.pos, msg);
        }
    }
    Some(Fields {
        path: path.to_string(),
        pos: node.pos,
        entries,
    })
}

pub(crate) fn text(cx: &mut Ctx, f: &Fields, key: &str) -> Option<String> {
    let n = f.get(key)?;
    match n.as_text() {
        Some(t) => Some(t.to_string()),
        None => {
            cx.err(
                n.pos,
                format!("{}: expected text, found {}", f.path_of(key), n.describe()),
            );
            None
        }
    }
}

pub(crate) fn required_text(cx: &mut Ctx, f: &Fields, key: &str, hint: &str) -> Option<String> {
    if matches!(
        f.entry(key),
        Some((
            _,
            Node {
                value: Value::Unresolved,
                ..
            }
        ))
    ) {
        return None;
    }
    if !f.has(key) && !matches!(f.get(key), Some(n) if n.as_text().is_none()) {
        if f.entry(key).is_some() {
            cx.err(
                f.key_pos(key),
                format!("{}: is empty; {hint}", f.path_of(key)),
            );
        } else {
            let target = if f.path.is_empty() {
                "the scenario".to_string()
            } else {
                f.path.clone()
            };
            cx.err(f.pos, format!("{target}: `{key}` is required; {hint}"));
        }
        return None;
    }
    let t = text(cx, f, key)?;
    if t.trim().is_empty() {
        cx.err(
            f.get(key).map_or(f.pos, |n| n.pos),
            format!("{}: is empty; {hint}", f.path_of(key)),
        );
        return None;
    }
    Some(t)
}

pub(crate) fn duration(cx: &mut Ctx, f: &Fields, key: &str) -> Option<Duration> {
    let n = f.get(key)?;
    let path = f.path_of(key);
    match n.as_text() {
        Some(t) => match parse_duration(t) {
            Ok(d) => Some(d),
            Err(e) => {
                cx.err(n.pos, format!("{path}: {e}"));
                None
            }
        },
        None => {
            cx.err(
                n.pos,
                format!(
                    "{path}: expected a duration like 30s, found {}",
                    n.describe()
                ),
            );
            None
        }
    }
}

pub(crate) fn boolean(cx: &mut Ctx, f: &Fields, key: &str) -> Option<bool> {
    let n = f.get(key)?;
    match n.as_text() {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => {
            cx.err(
                n.pos,
                format!(
                    "{}: expected true or false, found {}",
                    f.path_of(key),
                    n.describe()
                ),
            );
            None
        }
    }
}

pub(crate) fn uint(cx: &mut Ctx, f: &Fields, key: &str) -> Option<u32> {
    let n = f.get(key)?;
    match n.as_text().and_then(|t| t.trim().parse::<u32>().ok()) {
        Some(v) => Some(v),
        None => {
            cx.err(
                n.pos,
                format!(
                    "{}: expected a whole number like 1, found {}",
                    f.path_of(key),
                    n.describe()
                ),
            );
            None
        }
    }
}

pub(crate) fn list<'n>(cx: &mut Ctx, f: &Fields<'n>, key: &str, what: &str) -> &'n [Node] {
    match f.get(key) {
        None => &[],
        Some(Node {
            value: Value::Seq(items),
            ..
        }) => items,
        Some(n) => {
            cx.err(
                n.pos,
                format!(
                    "{}: expected a list of {what}, found {}",
                    f.path_of(key),
                    n.describe()
                ),
            );
            &[]
        }
    }
}

pub(crate) fn string_map(cx: &mut Ctx, f: &Fields, key: &str) -> Vec<(String, String)> {
    let Some(n) = f.get(key) else {
        return Vec::new();
    };
    let path = f.path_of(key);
    let Value::Map(entries) = &n.value else {
        cx.err(
            n.pos,
            format!(
                "{path}: expected a mapping of names to text, found {}",
                n.describe()
            ),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        match (&v.value, v.as_text()) {
            (_, Some(t)) => out.push((k.name.clone(), t.to_string())),
            (Value::Null, _) => out.push((k.name.clone(), String::new())),
            (Value::Unresolved, _) => {}
            _ => cx.err(
                v.pos,
                format!("{path}.{}: expected text, found {}", k.name, v.describe()),
            ),
        }
    }
    out
}

pub(crate) fn http_url(cx: &mut Ctx, f: &Fields, key: &str, required: bool) -> Option<String> {
    let url = if required {
        required_text(cx, f, key, "give an http:// or https:// URL")?
    } else {
        text(cx, f, key)?
    };
    if let Some(why) = http_url_problem(&url) {
        let pos = f.get(key).map_or(f.pos, |n| n.pos);
        cx.err(pos, format!("{}: {why}", f.path_of(key)));
        return None;
    }
    Some(lowercase_scheme(&url))
}

/// Why `url` is not an absolute http:// or https:// URL, with the fix when it is plain:
/// `127.0.0.1:9091` is a host and port, which every HTTP client reads as something else
/// (a scheme `127.0.0.1`), so it is refused here with what to write instead. A URL that
/// only the HTTP client would refuse (a port over 65535, an unclosed `[`) is refused here
/// too: found at the start of `run` it costs a failed preflight instead of a `check`.
/// Shared by the scenario's URLs and `--prometheus-url`.
pub fn http_url_problem(url: &str) -> Option<String> {
    let shown = crate::yaml::quoted(url);
    if is_http_shaped(url) {
        let why = unusable(url)?;
        return Some(format!(
            "expected an absolute http:// or https:// URL, found {shown}: {why}"
        ));
    }
    let fix = match url_fix(url) {
        Some(Fix::Write(u)) => format!("; write `{u}`"),
        Some(Fix::Spaces(u)) => format!("; it has spaces around it: write `{u}`"),
        Some(Fix::Inside) => "; a URL has no spaces in it".to_string(),
        None => String::new(),
    };
    Some(format!(
        "expected an absolute http:// or https:// URL, found {shown}{fix}"
    ))
}

/// `url` with its scheme in lower case: schemes are case-insensitive (RFC 3986 §3.1), so
/// `HTTP://host` is accepted, and the rest of gameday (which shows, masks and compares
/// URLs as text) sees one spelling.
pub fn lowercase_scheme(url: &str) -> String {
    match url.find("://") {
        Some(end) if after_scheme(url).is_some() => {
            format!("{}{}", url[..end].to_ascii_lowercase(), &url[end..])
        }
        _ => url.to_string(),
    }
}

/// What follows `http://` or `https://`, in whatever case the scheme is written.
fn after_scheme(url: &str) -> Option<&str> {
    ["http://", "https://"].iter().find_map(|s| {
        url.get(..s.len())
            .filter(|p| p.eq_ignore_ascii_case(s))
            .map(|_| &url[s.len()..])
    })
}

/// An http(s) scheme followed by something with no spaces: the mistakes left are in the
/// host or port, which [`unusable`] names.
fn is_http_shaped(url: &str) -> bool {
    after_scheme(url).is_some_and(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
}

fn is_http_url(url: &str) -> bool {
    is_http_shaped(url) && unusable(url).is_none()
}

/// Why an http(s)-shaped URL cannot be requested, in the words of what to change.
fn unusable(url: &str) -> Option<String> {
    let rest = after_scheme(url)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // `http:///x` would be read as host `x` by the HTTP client: say it, do not guess
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() {
        return Some("it has no host after `://`".into());
    }
    let port = if let Some(v6) = host_port.strip_prefix('[') {
        let Some((_, after)) = v6.split_once(']') else {
            return Some("the `[` of its IPv6 address is not closed with `]`".into());
        };
        match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => {
                    return Some("after the `]` of an IPv6 address comes `:` and the port".into())
                }
            },
        }
    } else {
        host_port.rsplit_once(':').map(|(_, p)| p)
    };
    if let Some(p) = port {
        if !p.is_empty() && !p.parse::<u16>().is_ok_and(|n| n > 0) {
            // not quoted: the URL may hold a secret from the environment (a password
            // with a `/` in it ends the host early, and what follows is taken for the
            // port); the URL as written, shown before this, says where it is
            return Some("its port is not a number from 1 to 65535".into());
        }
    }
    match reqwest::Url::parse(url) {
        Ok(u) if u.host().is_some() => None,
        Ok(_) => Some("it has no host".into()),
        Err(e) => Some(format!("the HTTP client refuses it: {e}")),
    }
}

/// What to suggest for a URL that is not one.
enum Fix {
    Write(String),
    /// the URL with the spaces around it gone
    Spaces(String),
    /// spaces inside: no guess at what was meant
    Inside,
}

/// The URL meant, when the mistake is a common one: spaces around it, a mistyped scheme
/// (`http//host`, `http:host`, `htp://host`, `https:/host`) or none (`host:9090`). Only
/// a suggestion that is itself a valid URL is made: a wrong fix costs more than none.
fn url_fix(url: &str) -> Option<Fix> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed != url {
        return match url_fix(trimmed) {
            None if is_http_url(trimmed) => Some(Fix::Spaces(trimmed.to_string())),
            Some(Fix::Write(u)) => Some(Fix::Spaces(u)),
            other => other,
        };
    }
    if url.contains(char::is_whitespace) {
        return Some(Fix::Inside);
    }
    let letters: String = url.chars().take_while(char::is_ascii_alphabetic).collect();
    let after = &url[letters.len()..];
    let sep: String = after
        .chars()
        // `;` is where `:` is on the keyboard: `http;//host`
        .take_while(|c| matches!(c, ':' | '/' | ';'))
        .collect();
    let rest = &after[sep.len()..];
    // `host:9090` and `host:9090/path`: a port, not a scheme
    let port = sep == ":"
        && rest
            .split('/')
            .next()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let lower = letters.to_ascii_lowercase();
    let scheme_typo = !sep.is_empty()
        && !port
        && lower.starts_with('h')
        && (edit_distance(&lower, "http") <= 1 || edit_distance(&lower, "https") <= 1);
    let suggestion = if scheme_typo {
        let scheme = if edit_distance(&lower, "https") < edit_distance(&lower, "http") {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{rest}")
    } else if (sep.is_empty() || port) && !url.contains("://") {
        // a host, `host:port` or `host/path`
        format!("http://{url}")
    } else if letters.is_empty() && sep == "//" {
        // `//host`: the scheme left out of a scheme-relative URL
        format!("http:{url}")
    } else {
        return None;
    };
    is_http_url(&suggestion).then_some(Fix::Write(suggestion))
}

/// Levenshtein distance of two short ASCII words.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<u8> = b.bytes().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

/// Exactly one of `keys` present; returns it.
pub(crate) fn one_of<'k>(
    cx: &mut Ctx,
    f: &Fields,
    keys: &[&'k str],
    what: &str,
) -> Option<&'k str> {
    let present: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| f.entry(k).is_some())
        .collect();
    match present.as_slice() {
        [one] => Some(one),
        [] => {
            cx.err(
                f.pos,
                format!("{}: needs exactly one {what}: {}", f.path, keys.join(", ")),
            );
            None
        }
        [first, rest @ ..] => {
            for r in rest {
                cx.err(
                    f.key_pos(r),
                    format!(
                        "{}: has both `{first}` and `{r}`; give exactly one {what}",
                        f.path
                    ),
                );
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{http_url_problem, lowercase_scheme};

    fn why(url: &str) -> String {
        let why = http_url_problem(url).unwrap_or_default();
        why.split_once("`: ")
            .map(|(_, w)| w.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_url_the_http_client_would_refuse_is_refused_with_what_to_change() {
        assert_eq!(
            why("http://x:99999"),
            "its port is not a number from 1 to 65535"
        );
        assert_eq!(
            why("http://x:0/m"),
            "its port is not a number from 1 to 65535"
        );
        assert_eq!(
            why("http://x:abc"),
            "its port is not a number from 1 to 65535"
        );
        assert_eq!(
            why("http://[::1:9090"),
            "the `[` of its IPv6 address is not closed with `]`"
        );
        assert_eq!(
            why("http://[::1]9090"),
            "after the `]` of an IPv6 address comes `:` and the port"
        );
        assert_eq!(why("http:///x"), "it has no host after `://`");
        assert_eq!(why("https://u:p@/x"), "it has no host after `://`");
        assert!(why("http://[zz]:1").starts_with("the HTTP client refuses it: "));
        for ok in [
            "http://x:65535",
            "http://[::1]:9090/x",
            "http://[::1]",
            "https://u:p@x:443/a?b=c#d",
            "http://x:",
        ] {
            assert_eq!(http_url_problem(ok), None, "{ok}");
        }
    }

    /// A password from the environment with a `/` in it ends the host early, and the
    /// rest is taken for the port: the reason never quotes it back.
    #[test]
    fn a_bad_port_is_not_quoted_back_as_it_may_be_a_secret() {
        // exactly the words: no piece of the URL, which may hold a secret
        assert_eq!(
            why("http://gameday:OX===eZ+/ab@127.0.0.1:9"),
            "its port is not a number from 1 to 65535"
        );
        assert_eq!(
            why("http://[::1]s3cr3t/x"),
            "after the `]` of an IPv6 address comes `:` and the port"
        );
    }

    #[test]
    fn the_scheme_is_case_insensitive_and_read_in_lower_case() {
        for url in [
            "HTTP://127.0.0.1:9090",
            "Https://prom.example/x",
            "hTtP://h",
        ] {
            assert_eq!(http_url_problem(url), None, "{url}");
        }
        assert_eq!(lowercase_scheme("HTTP://Host:9/A"), "http://Host:9/A");
        assert_eq!(lowercase_scheme("HttpS://h"), "https://h");
        assert_eq!(lowercase_scheme("FTP://h"), "FTP://h");
        assert_eq!(
            why("HTTP://x:99999"),
            "its port is not a number from 1 to 65535"
        );
    }

    #[test]
    fn a_url_without_its_scheme_is_refused_with_the_fix() {
        assert_eq!(
            http_url_problem("127.0.0.1:9091").as_deref(),
            Some("expected an absolute http:// or https:// URL, found `127.0.0.1:9091`; write `http://127.0.0.1:9091`")
        );
        assert!(http_url_problem("prom.example:9090/prometheus")
            .unwrap()
            .ends_with("write `http://prom.example:9090/prometheus`"));
        assert!(!http_url_problem("ftp://x").unwrap().contains("write"));
        assert_eq!(http_url_problem("http://127.0.0.1:9091"), None);
        assert_eq!(http_url_problem("https://prom.example/prometheus/"), None);
    }

    fn fix(url: &str) -> String {
        let why = http_url_problem(url).unwrap();
        why.split_once("; ")
            .map(|(_, f)| f.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_mistyped_scheme_gets_the_url_meant_never_a_second_scheme() {
        assert_eq!(fix("http//127.0.0.1:9090"), "write `http://127.0.0.1:9090`");
        assert_eq!(
            fix("http;//127.0.0.1:9090"),
            "write `http://127.0.0.1:9090`"
        );
        assert_eq!(fix("http:127.0.0.1:9090"), "write `http://127.0.0.1:9090`");
        assert_eq!(fix("http:/127.0.0.1:9090"), "write `http://127.0.0.1:9090`");
        assert_eq!(fix("htp://127.0.0.1:9090"), "write `http://127.0.0.1:9090`");
        assert_eq!(fix("htps://prom.example"), "write `https://prom.example`");
        assert_eq!(
            fix("https//prom.example/x"),
            "write `https://prom.example/x`"
        );
        assert_eq!(fix("HTTP:prom.example"), "write `http://prom.example`");
        // a host that starts like a scheme is still a host
        assert_eq!(fix("hp:9090"), "write `http://hp:9090`");
        assert_eq!(fix("localhost:9090"), "write `http://localhost:9090`");
        // another scheme: no guess
        assert_eq!(fix("ftp://x"), "");
        assert_eq!(fix("postgres://db:5432"), "");
        assert_eq!(fix("/metrics"), "");
        assert_eq!(fix("x:/y"), "");
        assert_eq!(fix("//prom:9090"), "write `http://prom:9090`");
    }

    #[test]
    fn spaces_are_named_as_the_problem() {
        assert_eq!(
            fix(" http://127.0.0.1:9090"),
            "it has spaces around it: write `http://127.0.0.1:9090`"
        );
        assert_eq!(
            fix("http://127.0.0.1:9090\t"),
            "it has spaces around it: write `http://127.0.0.1:9090`"
        );
        assert_eq!(
            fix(" htp://127.0.0.1:9090"),
            "it has spaces around it: write `http://127.0.0.1:9090`"
        );
        assert_eq!(fix("http://prom example"), "a URL has no spaces in it");
        assert_eq!(fix("   "), "");
    }

    #[test]
    fn every_suggestion_is_itself_a_url() {
        for bad in [
            "http//h", "http:h", "htp://h", "h", "//h", ":", "http:", "http//", "h:", "htt:/",
            "x:/y", "/path", "h:/", "1.2.3.4", "::1",
        ] {
            if let Some(u) = fix(bad)
                .strip_prefix("write `")
                .and_then(|f| f.strip_suffix('`'))
            {
                assert_eq!(http_url_problem(u), None, "{bad} -> {u}");
            }
        }
    }
}
