//! Which values of a scenario are secrets, and the scenario text as the journal may keep
//! it: the rules `check` (through `admit`) refuses by and `run` redacts by, in one place.
//! The values found are handed to the journal's [`Redactor`], which keeps them out of
//! everything gameday writes.
//!
//! The scenario text the journal keeps is redacted at the YAML value level, so it always
//! reads back as YAML: a literal secret becomes the quoted scalar `"***"`, and the paths of
//! the values replaced are journaled beside it (`gameday recover` then knows which faults
//! need the original file).

use crate::journal::redact::{
    is_credential_param, is_sensitive_name, is_sensitive_var, percent_decode, Redactor, MASK,
};
use crate::scenario::model::Scenario;
use crate::yaml::expand::{expand, references, Reference};
use crate::yaml::{parse_yaml_raw, Node, Pos, Value};

/// What the journal keeps of the scenario file: the text with every literal secret
/// replaced by the quoted scalar `"***"` (so it still reads as YAML), and the path of each
/// value replaced (`faults[0].exec.env.DB_PASSWORD`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Kept {
    pub text: String,
    pub redacted: Vec<String>,
}

/// Every secret the scenario gives gameday access to, and the scenario text as the
/// journal may keep it.
///
/// Secrets are: the contents of token and password files; the values of the variables
/// named by `*_env` keys; any value under a sensitive key (`Authorization`, `X-Api-Key`,
/// `DB_PASSWORD`, ...); every value that came from a `${VAR}` into a header, an HTTP body,
/// a URL's user info or query string, or under a sensitive key; the value of any
/// `${VAR}` whose own name looks sensitive, wherever it is used; the password in a URL's
/// user info; credential-looking query parameters (`api_key`, `token`, `sig`...); and the
/// encoded forms of these (percent-encoding, the Basic credential).
pub fn collect(
    text: &str,
    scenario: &Scenario,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Redactor, Kept), String> {
    let mut r = Redactor::new();
    typed_secrets(scenario, env, &mut r);
    let parsed = parse_yaml_raw(text);
    let Some(root) = parsed.root else {
        return Err(
            "the scenario could not be read back without its ${VAR}s expanded; check it with \
             `gameday check`"
                .into(),
        );
    };
    let mut walk = Walk::new(env, &mut r);
    walk.visit(&root, "", None, None);
    let (mut edits, refs) = (walk.edits, walk.refs);
    // a secret `${VAR}` in a name (refused by `check`): masked in names too
    for (_, node, _) in crate::scenario::admit::names(&root) {
        if let Value::Scalar { text, .. } = &node.value {
            for rf in references(text) {
                if refs.iter().any(|f| f.name == rf.name) {
                    if let Some(v) = resolve(&rf, env) {
                        r.add_in_name(&v);
                    }
                }
            }
        }
    }
    // A literal secret written a second time elsewhere (a password in an `env:` and again
    // in the command) is not kept there either.
    let literals: Vec<String> = edits
        .iter()
        .flat_map(|e| e.literals.iter().cloned())
        .filter(|l| l.chars().count() >= 4)
        .collect();
    if !literals.is_empty() {
        spread(&root, "", &literals, &mut edits);
    }
    Ok((r, keep(text, &root, edits)))
}

/// A `${VAR}` whose value redaction treats as a secret, where the scenario uses it: its
/// name looks like a secret's (`${DB_PASSWORD}`), or it is used somewhere a credential
/// goes (a header, a body, a URL's user info or query, under a sensitive key), or it is
/// the variable a `*_env` key names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// the scalar holding it, and that scalar as written
    pub pos: Pos,
    pub scalar: String,
    /// the reference as written (`${DB_PASSWORD}`, `${KEY:-dev}`)
    pub written: String,
    pub name: String,
    /// its value in the environment given (or its default); `None` when unset
    pub value: Option<String>,
}

/// A value written literally where a secret goes (under a sensitive key, a URL's
/// password, a credential query parameter) that redaction cannot hide: empty, or only
/// spaces and punctuation (`:` would be masked in every URL and message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsafeLiteral {
    pub pos: Pos,
    /// `faults[0].exec.env.DB_PASSWORD`
    pub path: String,
    /// the credential as written (after an authentication scheme such as `Bearer`)
    pub value: String,
}

/// What the scenario text, read with `${VAR}`s as written, takes from the environment
/// that is secret, and the literal secrets that cannot be hidden: for `check`, which
/// must not quote a secret in its messages, refuses one in a name and refuses a secret
/// that cannot be redacted. The rules are the ones [`collect`] redacts by.
#[derive(Debug, Clone, Default)]
pub struct TextSecrets {
    pub refs: Vec<SecretRef>,
    pub unsafe_literals: Vec<UnsafeLiteral>,
    /// The user info and credential parameters of URLs the environment gives whole
    /// (`url: ${PROM_URL}`), which no reference names: masked as `***` in messages.
    pub url_secrets: Vec<String>,
}

impl TextSecrets {
    /// Whether `${name}` is a secret anywhere in the scenario.
    pub fn is_secret_var(&self, name: &str) -> bool {
        self.refs.iter().any(|r| r.name == name)
    }
}

/// [`TextSecrets`] of a scenario text; empty when it cannot be read as YAML.
pub fn text_secrets(text: &str, env: &dyn Fn(&str) -> Option<String>) -> TextSecrets {
    let Some(root) = parse_yaml_raw(text).root else {
        return TextSecrets::default();
    };
    let mut r = Redactor::new();
    let mut walk = Walk::new(env, &mut r);
    walk.visit(&root, "", None, None);
    TextSecrets {
        refs: walk.refs,
        unsafe_literals: walk.unsafe_literals,
        url_secrets: walk.url_secrets,
    }
}

/// Whether a literal secret cannot be told apart from the text around it, so redaction
/// cannot hide it: its credential (the part after an authentication scheme, `Bearer :`
/// sends `:`) is empty or holds no letter or digit. The mask itself (`***`, as the
/// journal keeps a secret) is not one.
fn unredactable(literal: &str) -> Option<String> {
    let t = literal.trim();
    let credential = match t.split_once(' ') {
        Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphabetic()) => rest.trim(),
        _ => t,
    };
    let whole = if credential.is_empty() {
        literal
    } else {
        credential
    };
    (!credential.chars().any(char::is_alphanumeric) && credential != MASK)
        .then(|| whole.to_string())
}

/// Secrets the typed scenario names by file or variable, the faults' included (each kind
/// says which, in `faults/<kind>.rs`).
fn typed_secrets(scenario: &Scenario, env: &dyn Fn(&str) -> Option<String>, r: &mut Redactor) {
    let file = |p: &std::path::Path| crate::files::read_secret_file(p).ok();
    if let Some(p) = &scenario.prometheus {
        // as the run reads it: `--prometheus-url` may have replaced the scenario's
        add_url_credentials(&p.url, r);
        if let Some(v) = p.bearer_token_env.as_deref().and_then(env) {
            r.add(v);
        }
        if let Some(v) = p.bearer_token_file.as_deref().and_then(file) {
            r.add(v);
        }
        if let Some(b) = &p.basic_auth {
            let password = match (&b.password_env, &b.password_file) {
                (Some(var), _) => env(var),
                (None, Some(f)) => file(f).map(|v| v.trim_end_matches(['\n', '\r']).to_string()),
                (None, None) => None,
            };
            if let Some(pw) = password {
                r.add_basic(&b.username, &pw);
            }
        }
    }
    if let Some(v) = scenario
        .grafana
        .as_ref()
        .and_then(|g| g.token_env.as_deref())
        .and_then(env)
    {
        r.add(v);
    }
    for t in &scenario.notify {
        if let Some(url) = env(&t.url_env) {
            r.add_webhook_url(&url);
        }
    }
    for f in &scenario.faults {
        f.kind.secrets(env, r);
    }
}

/// One value of the kept text to replace.
#[derive(Debug, Clone)]
struct Edit {
    pos: Pos,
    path: String,
    /// the scalar's new text
    value: String,
    /// the literal secrets it held
    literals: Vec<String>,
}

struct Walk<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    r: &'a mut Redactor,
    edits: Vec<Edit>,
    /// the scalar being read, as written, and where
    raw: String,
    at: Pos,
    refs: Vec<SecretRef>,
    unsafe_literals: Vec<UnsafeLiteral>,
    /// credentials in URLs taken whole from the environment
    url_secrets: Vec<String>,
}

/// A value as `expand` would resolve one reference.
fn resolve(r: &Reference, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    match (env(&r.name), &r.default) {
        (Some(v), Some(d)) if v.is_empty() => Some(d.clone()),
        (Some(v), _) => Some(v),
        (None, Some(d)) => Some(d.clone()),
        (None, None) => None,
    }
}

/// `raw` without its references: what the file itself holds.
fn literal_part(raw: &str, refs: &[Reference]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for r in refs {
        out.push_str(&raw[at..r.start]);
        at = r.end;
    }
    out.push_str(&raw[at..]);
    out
}

/// Whether the literal text of a sensitive value holds a secret: anything but an
/// authentication scheme (`Bearer ${TOKEN}` keeps `Bearer`).
fn holds_literal_secret(literal: &str) -> bool {
    let t = literal.trim().trim_end_matches(':');
    !t.is_empty()
        && !["bearer", "basic", "token", "apikey", "key"]
            .iter()
            .any(|s| t.eq_ignore_ascii_case(s))
}

fn child_path(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Walk<'a> {
    fn new(env: &'a dyn Fn(&str) -> Option<String>, r: &'a mut Redactor) -> Self {
        Walk {
            env,
            r,
            edits: Vec::new(),
            raw: String::new(),
            at: Pos { line: 1, col: 1 },
            refs: Vec::new(),
            unsafe_literals: Vec::new(),
            url_secrets: Vec::new(),
        }
    }

    /// Notes that `rf`, in the scalar being read, holds a secret; its value.
    fn secret_ref(&mut self, rf: &Reference) -> Option<String> {
        let value = resolve(rf, self.env);
        let found = SecretRef {
            pos: self.at,
            scalar: self.raw.clone(),
            written: self
                .raw
                .get(rf.start..rf.end)
                .unwrap_or_default()
                .to_string(),
            name: rf.name.clone(),
            value: value.clone(),
        };
        if !self.refs.contains(&found) {
            self.refs.push(found);
        }
        value
    }

    fn unsafe_literal(&mut self, path: &str, literal: &str) {
        if let Some(value) = unredactable(literal) {
            self.unsafe_literals.push(UnsafeLiteral {
                pos: self.at,
                path: path.to_string(),
                value,
            });
        }
    }

    fn visit(&mut self, node: &Node, path: &str, key: Option<&str>, parent: Option<&str>) {
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    self.visit(v, &child_path(path, &k.name), Some(&k.name), key);
                }
            }
            Value::Seq(items) => {
                for (i, n) in items.iter().enumerate() {
                    self.visit(n, &format!("{path}[{i}]"), None, key);
                }
            }
            Value::Scalar { text, .. } => self.scalar(text, node.pos, path, key, parent),
            Value::Null | Value::Unresolved => {}
        }
    }

    fn add_refs(&mut self, refs: &[Reference]) {
        for rf in refs {
            if let Some(v) = self.secret_ref(rf) {
                self.r.add_credential(&v);
            }
        }
    }

    fn scalar(&mut self, raw: &str, pos: Pos, path: &str, key: Option<&str>, parent: Option<&str>) {
        self.raw = raw.to_string();
        self.at = pos;
        let refs = references(raw);
        for rf in refs.iter().filter(|rf| is_sensitive_var(&rf.name)) {
            if let Some(v) = self.secret_ref(rf) {
                self.r.add_credential(&v);
            }
        }
        let key = key.unwrap_or("");
        if key.ends_with("_env") {
            // the value names the variable that holds a secret
            let name = raw.trim();
            let value = (self.env)(name);
            if let Some(v) = &value {
                self.r.add_credential(v);
            }
            self.refs.push(SecretRef {
                pos,
                scalar: raw.to_string(),
                written: format!("${{{name}}}"),
                name: name.to_string(),
                value,
            });
            return;
        }
        if key.ends_with("_file") {
            return;
        }
        let in_headers = parent == Some("headers");
        if is_sensitive_name(key) {
            self.add_refs(&refs);
            let literal = literal_part(raw, &refs);
            if refs.is_empty() {
                self.unsafe_literal(path, &literal);
            }
            let literal_default = refs
                .iter()
                .any(|r| r.default.as_deref().is_some_and(|d| !d.is_empty()));
            if holds_literal_secret(&literal) || literal_default {
                if let Ok(v) = expand(raw, self.env) {
                    self.r.add_credential(&v);
                }
                let mut literals = vec![literal.trim().to_string()];
                if let Some((_, credential)) = literal.trim().split_once(' ') {
                    literals.push(credential.trim().to_string());
                }
                literals.extend(refs.iter().filter_map(|r| r.default.clone()));
                for l in &literals {
                    self.r.add_credential(l);
                }
                self.edits.push(Edit {
                    pos,
                    path: path.to_string(),
                    value: MASK.to_string(),
                    literals,
                });
            }
        } else if in_headers || key == "body" {
            // a header or a body that takes a value from the environment sends a
            // credential, whatever the header is called (`X-Auth-Key: ${KEY}`)
            self.add_refs(&refs);
        }
        if key == "url" {
            self.url(raw, &refs, pos, path);
        }
    }

    /// User info and query parameters of a URL as written.
    fn url(&mut self, raw: &str, refs: &[Reference], pos: Pos, path: &str) {
        if !refs.is_empty() {
            if let Ok(expanded) = expand(raw, self.env) {
                self.url_from_env(&expanded);
            }
        }
        let Some(parts) = UrlParts::of(raw) else {
            return;
        };
        let within = |a: usize, b: usize| -> Vec<Reference> {
            refs.iter()
                .filter(|r| r.start >= a && r.end <= b)
                .cloned()
                .collect()
        };
        // byte ranges of `raw` to replace with the mask
        let mut masked: Vec<(usize, usize)> = Vec::new();
        let mut literals = Vec::new();
        if let Some((u0, u1)) = parts.userinfo {
            let info_refs = within(u0, u1);
            self.add_refs(&info_refs);
            let userinfo = &raw[u0..u1];
            // `user:password@`, or a lone token (`https://TOKEN@host`), which is the
            // credential itself
            let p0 = userinfo.find(':').map_or(u0, |colon| u0 + colon + 1);
            let literal = literal_part(&raw[p0..u1], &shift(&within(p0, u1), p0));
            if !literal.is_empty() {
                self.unsafe_literal(path, &literal);
                masked.push((p0, u1));
                literals.push(literal.clone());
                literals.push(percent_decode(&literal));
            }
            if let Ok(expanded) = expand(userinfo, self.env) {
                match expanded.split_once(':') {
                    Some((user, password)) => {
                        let (user, password) = (percent_decode(user), percent_decode(password));
                        self.r.add(password.clone());
                        self.r.add_basic(&user, &password);
                    }
                    None => {
                        self.r.add(percent_decode(&expanded));
                        self.r.add(expanded);
                    }
                }
            }
        }
        for (k0, k1, v0, v1) in parts.query {
            let name = &raw[k0..k1];
            let value_refs = within(v0, v1);
            let credential = is_credential_param(name);
            if credential || !value_refs.is_empty() {
                self.add_refs(&value_refs);
                if let Ok(v) = expand(&raw[v0..v1], self.env) {
                    self.r.add(percent_decode(&v));
                    self.r.add(v);
                }
            }
            if credential {
                let literal = literal_part(&raw[v0..v1], &shift(&value_refs, v0));
                if !literal.is_empty() {
                    self.unsafe_literal(path, &literal);
                    masked.push((v0, v1));
                    literals.push(literal.clone());
                    literals.push(percent_decode(&literal));
                }
            }
        }
        if masked.is_empty() {
            return;
        }
        for l in &literals {
            self.r.add(l.clone());
        }
        let mut value = String::new();
        let mut at = 0;
        for (a, b) in masked {
            value.push_str(&raw[at..a]);
            value.push_str(MASK);
            at = b;
        }
        value.push_str(&raw[at..]);
        self.edits.push(Edit {
            pos,
            path: path.to_string(),
            value,
            literals,
        });
    }
}

impl Walk<'_> {
    /// The credentials of a URL as expanded: `url: ${PROM_URL}` shows none of the URL,
    /// so what the variable holds (`http://user:pass@host/?api_key=…`) is read here, in
    /// whatever shape it has (spaces around it, a mistyped scheme: `check` quotes it back
    /// to say what to fix).
    fn url_from_env(&mut self, url: &str) {
        for v in add_url_credentials(url, self.r) {
            if !self.url_secrets.contains(&v) {
                self.url_secrets.push(v);
            }
        }
    }
}

/// Adds the credentials a URL carries (its user info's password, or a lone token, and
/// its credential query parameters) to `r`, and returns them. The URL is read leniently:
/// it may be malformed (`http:/u:p@h`, `u:p@h:9090`, spaces around it), which is when
/// `check` quotes it back to say what to fix. A lone token or a query value shorter than
/// [`URL_TOKEN_MIN`] is not taken for a credential (`http://admin@host`, `?code=200`):
/// masked everywhere, it would blank ordinary words and numbers.
fn add_url_credentials(url: &str, r: &mut Redactor) -> Vec<String> {
    let t = url.trim();
    let start = match t.find("://") {
        Some(i) => i + 3,
        None => {
            // a mistyped scheme: letters, then separators with a `/` or `;` in them
            let letters = t.len()
                - t.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .len();
            let rest = &t[letters..];
            let seps = rest.len() - rest.trim_start_matches([':', ';', '/']).len();
            if rest[..seps].contains(['/', ';']) {
                letters + seps
            } else {
                0
            }
        }
    };
    let after = &t[start..];
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    let mut found = Vec::new();
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        match userinfo.split_once(':') {
            Some((user, password)) => {
                let (user, password) = (percent_decode(user), percent_decode(password));
                // the password alone: the user name stays readable (`admin:***@host`)
                if !password.is_empty() {
                    r.add_basic(&user, &password);
                    found.push(password);
                }
            }
            // a lone token (`https://TOKEN@host`) is the credential itself
            None if userinfo.chars().count() >= URL_TOKEN_MIN => {
                found.push(percent_decode(userinfo));
                found.push(userinfo.to_string());
            }
            None => {}
        }
    }
    if let Some((_, query)) = after.split_once('?') {
        let query = query.split('#').next().unwrap_or_default();
        for pair in query.split('&') {
            if let Some((name, value)) = pair.split_once('=') {
                if is_credential_param(name) && value.trim().chars().count() >= URL_TOKEN_MIN {
                    found.push(value.to_string());
                    found.push(percent_decode(value));
                }
            }
        }
    }
    found.retain(|v| !v.trim().is_empty());
    for v in &found {
        r.add(v.clone());
    }
    found
}

/// The shortest lone token or credential query value taken from a URL of the
/// environment or the command line.
const URL_TOKEN_MIN: usize = 6;

/// A redactor of the credentials in `url` alone: for a message that quotes a URL given
/// on the command line.
pub fn url_redactor(url: &str) -> Redactor {
    let mut r = Redactor::new();
    add_url_credentials(url, &mut r);
    r
}

/// References re-based to a slice starting at `by`.
fn shift(refs: &[Reference], by: usize) -> Vec<Reference> {
    refs.iter()
        .map(|r| Reference {
            start: r.start - by,
            end: r.end - by,
            ..r.clone()
        })
        .collect()
}

/// Where the parts of a URL are in the text as written (byte ranges).
struct UrlParts {
    userinfo: Option<(usize, usize)>,
    /// (name start, name end, value start, value end) per query parameter
    query: Vec<(usize, usize, usize, usize)>,
}

impl UrlParts {
    fn of(raw: &str) -> Option<UrlParts> {
        let a0 = raw.find("://")? + 3;
        let a1 = raw[a0..]
            .find(['/', '?', '#'])
            .map_or(raw.len(), |i| a0 + i);
        let userinfo = raw[a0..a1].rfind('@').map(|at| (a0, a0 + at));
        let mut query = Vec::new();
        if let Some(q) = raw[a1..].find('?') {
            let q0 = a1 + q + 1;
            let q1 = raw[q0..].find('#').map_or(raw.len(), |i| q0 + i);
            let mut at = q0;
            for pair in raw[q0..q1].split('&') {
                let (k1, v0) = match pair.find('=') {
                    Some(eq) => (at + eq, at + eq + 1),
                    None => (at + pair.len(), at + pair.len()),
                };
                query.push((at, k1, v0, at + pair.len()));
                at += pair.len() + 1;
            }
        }
        Some(UrlParts { userinfo, query })
    }
}

/// Marks every scalar holding one of `literals` (a secret written a second time).
fn spread(node: &Node, path: &str, literals: &[String], edits: &mut Vec<Edit>) {
    match &node.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                spread(v, &child_path(path, &k.name), literals, edits);
            }
        }
        Value::Seq(items) => {
            for (i, n) in items.iter().enumerate() {
                spread(n, &format!("{path}[{i}]"), literals, edits);
            }
        }
        Value::Scalar { text, .. } => {
            if edits.iter().any(|e| e.pos == node.pos) {
                return;
            }
            let held: Vec<String> = literals
                .iter()
                .filter(|l| text.contains(l.as_str()))
                .cloned()
                .collect();
            if !held.is_empty() {
                edits.push(Edit {
                    pos: node.pos,
                    path: path.to_string(),
                    value: MASK.to_string(),
                    literals: held,
                });
            }
        }
        Value::Null | Value::Unresolved => {}
    }
}

/// The kept text: the file with each edited scalar replaced in place by a quoted scalar,
/// checked by reading it back; when a value cannot be replaced in place (a multi-line
/// plain scalar, an anchor), the whole scenario in flow style instead.
fn keep(text: &str, root: &Node, mut edits: Vec<Edit>) -> Kept {
    if edits.is_empty() {
        return Kept {
            text: text.to_string(),
            redacted: Vec::new(),
        };
    }
    edits.sort_by_key(|e| e.pos);
    edits.dedup_by_key(|e| e.pos);
    let mut redacted: Vec<String> = edits.iter().map(|e| e.path.clone()).collect();
    redacted.sort();
    redacted.dedup();
    let expected = with_edits(root, &edits);
    if let Some(spliced) = splice(text, root, &edits) {
        if parse_yaml_raw(&spliced)
            .root
            .is_some_and(|back| same_values(&back, &expected))
        {
            return Kept {
                text: spliced,
                redacted,
            };
        }
    }
    let mut flow = String::from(
        "# gameday kept this scenario in flow style: a secret in it could not be replaced\n\
         # where it was written. The file itself is unchanged.\n",
    );
    emit_flow(&expected, &mut flow);
    flow.push('\n');
    Kept {
        text: flow,
        redacted,
    }
}

/// The tree as the kept text must read back.
fn with_edits(node: &Node, edits: &[Edit]) -> Node {
    let value = match &node.value {
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), with_edits(v, edits)))
                .collect(),
        ),
        Value::Seq(items) => Value::Seq(items.iter().map(|n| with_edits(n, edits)).collect()),
        Value::Scalar { text, plain } => match edits.iter().find(|e| e.pos == node.pos) {
            Some(e) => Value::Scalar {
                text: e.value.clone(),
                plain: false,
            },
            None => Value::Scalar {
                text: text.clone(),
                plain: *plain,
            },
        },
        other => other.clone(),
    };
    Node {
        value,
        pos: node.pos,
    }
}

/// Two trees hold the same keys and values, wherever they were written.
fn same_values(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka.name == kb.name && same_values(va, vb))
        }
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_values(p, q))
        }
        (Value::Scalar { text: t1, .. }, Value::Scalar { text: t2, .. }) => t1 == t2,
        (x, y) => x == y,
    }
}

/// The text with each edit's scalar replaced by its new value, quoted; `None` when a
/// scalar's extent in the text cannot be found.
fn splice(text: &str, root: &Node, edits: &[Edit]) -> Option<String> {
    let mut spans = Vec::new();
    for e in edits {
        let raw = scalar_at(root, e.pos)?;
        let (a, b) = span_of(text, e.pos, raw)?;
        spans.push((a, b, serde_json::to_string(&e.value).ok()?));
    }
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b, quoted) in spans {
        if a < at {
            return None;
        }
        out.push_str(&text[at..a]);
        out.push_str(&quoted);
        at = b;
    }
    out.push_str(&text[at..]);
    Some(out)
}

fn scalar_at(node: &Node, pos: Pos) -> Option<&str> {
    match &node.value {
        Value::Scalar { text, .. } if node.pos == pos => Some(text),
        Value::Map(entries) => entries.iter().find_map(|(_, v)| scalar_at(v, pos)),
        Value::Seq(items) => items.iter().find_map(|n| scalar_at(n, pos)),
        _ => None,
    }
}

/// The byte offset of a 1-based line and character column.
fn offset_of(text: &str, pos: Pos) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..pos.line {
        line_start += text[line_start..].find('\n')? + 1;
    }
    let line = &text[line_start..];
    let col = line
        .char_indices()
        .nth(pos.col.checked_sub(1)?)
        .map_or(line.len(), |(i, _)| i);
    Some(line_start + col)
}

/// Where the scalar starting at `pos` ends, from its style as written.
fn span_of(text: &str, pos: Pos, raw: &str) -> Option<(usize, usize)> {
    let start = offset_of(text, pos)?;
    let rest = &text[start..];
    let bytes = rest.as_bytes();
    match *bytes.first()? {
        b'"' => {
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' => i += 2,
                    b'"' => return Some((start, start + i + 1)),
                    _ => i += 1,
                }
            }
            None
        }
        b'\'' => {
            let mut i = 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' {
                    if bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    return Some((start, start + i + 1));
                }
                i += 1;
            }
            None
        }
        b'&' | b'!' | b'*' => None,
        _ => {
            if let Some(header) = block_header(text, start) {
                // a block scalar: the reader points at its first line of content; the
                // span runs from the `|` or `>` to its last line of content
                let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let content_indent = indent(&text[line_start..]);
                let mut end = start;
                let mut at = line_start;
                while at < text.len() {
                    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
                    let line = &text[at..line_end];
                    if !line.trim().is_empty() {
                        if indent(line) < content_indent {
                            break;
                        }
                        end = line_end;
                    }
                    at = line_end + 1;
                }
                return Some((header, end));
            }
            if !raw.contains('\n') && rest.starts_with(raw) {
                return Some((start, start + raw.len()));
            }
            None
        }
    }
}

/// Where the `|` or `>` of a block scalar whose content starts at `start` is: the last
/// token of the last non-blank line before it.
fn block_header(text: &str, start: usize) -> Option<usize> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    if !text[line_start..start].trim().is_empty() {
        return None;
    }
    let mut end = line_start.checked_sub(1)?;
    loop {
        let ls = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[ls..end];
        if !line.trim().is_empty() {
            let code = line.find(" #").map_or(line, |i| &line[..i]).trim_end();
            let token_start = code.rfind([' ', '\t']).map_or(0, |i| i + 1);
            let mut chars = code[token_start..].chars();
            return match chars.next() {
                Some('|' | '>') if chars.all(|c| c == '+' || c == '-' || c.is_ascii_digit()) => {
                    Some(ls + token_start)
                }
                _ => None,
            };
        }
        end = ls.checked_sub(1)?;
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A tree as flow-style YAML, every scalar a quoted string (the scenario reader reads a
/// quoted `3` or `true` as it reads a plain one).
fn emit_flow(node: &Node, out: &mut String) {
    let quote = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    match &node.value {
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote(&k.name));
                out.push_str(": ");
                emit_flow(v, out);
            }
            out.push('}');
        }
        Value::Seq(items) => {
            out.push('[');
            for (i, n) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                emit_flow(n, out);
            }
            out.push(']');
        }
        Value::Scalar { text, .. } => out.push_str(&quote(text)),
        Value::Null | Value::Unresolved => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Scenario {
        crate::scenario::parse_str(text, "s.yaml", std::path::Path::new("."), env)
            .unwrap_or_else(|p| panic!("{p:?}"))
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("t0k-en".into()),
            "KEY" => Some("k3y-value".into()),
            "PASS" => Some("p@ss:w0rd".into()),
            "TENANT" => Some("acme".into()),
            "PROM" => Some("http://127.0.0.1:9090".into()),
            _ => None,
        }
    }

    const TEXT: &str = r#"name: s
hypothesis: h
prometheus:
  url: "http://gameday:${PASS}@127.0.0.1:9090"
  headers:
    X-Scope-OrgID: shop
    X-Auth-Key: ${KEY}
    X-Custom: ${TENANT}
steady_state:
  - name: probe
    http: { url: "http://127.0.0.1:1/p?api_key=literal-key&q=1", every: 1s }
    measure: error_rate
faults:
  - name: db
    duration: 1s
    exec:
      inject: "mysql -phunter22 -e 'x'"
      revert: "true"
      env:
        DB_PASSWORD: hunter22
        MODE: plain
  - name: flag
    duration: 1s
    http:
      inject: { url: "http://127.0.0.1:1/on", headers: { Authorization: "Bearer ${TOKEN}" } }
      revert:
        url: "http://127.0.0.1:1/off"
        headers:
          Authorization: Bearer literal-bearer
"#;

    /// A URL the environment gives whole (`url: ${PROM_URL}`): the text shows none of
    /// it, so its password, lone token and credential parameters are read from the value.
    #[test]
    fn credentials_in_a_url_taken_whole_from_the_environment_are_secrets() {
        let env = |n: &str| match n {
            "PROM_URL" => Some("http://gd:pr0m-pass@127.0.0.1:9090".to_string()),
            "PROBE_URL" => Some("http://tok3n-lone@127.0.0.1:1/p?q=1&api_key=k3y%2Fval".into()),
            "PLAIN_URL" => Some("http://admin@127.0.0.1:1/p?page=2&code=200".into()),
            _ => None,
        };
        let text = "name: s\nhypothesis: h\nprometheus:\n  url: ${PROM_URL}\nsteady_state:\n  - name: p\n    http: { url: \"${PROBE_URL}\", every: 1s }\n    measure: error_rate\n  - name: q\n    http: { url: \"${PLAIN_URL}\", every: 1s }\n    measure: p99\n";
        let s = scenario(text, &env);
        let (r, _) = collect(text, &s, &env).unwrap();
        for secret in ["pr0m-pass", "tok3n-lone", "k3y%2Fval", "k3y/val"] {
            assert_eq!(r.scrub(&format!("<{secret}>")), "<***>", "{secret}");
        }
        assert_eq!(
            r.scrub("GET http://gd:pr0m-pass@127.0.0.1:9090/api"),
            "GET http://gd:***@127.0.0.1:9090/api"
        );
        // what is not a credential stays readable: a short lone user or query value would
        // blank ordinary words and numbers everywhere
        assert_eq!(
            r.scrub("page=2 gd admin exit 200 127.0.0.1:9090"),
            "page=2 gd admin exit 200 127.0.0.1:9090"
        );
        let found = text_secrets(text, &env).url_secrets;
        assert!(found.iter().any(|v| v == "pr0m-pass"), "{found:?}");
        assert!(!found.iter().any(|v| v.contains("page")), "{found:?}");
    }

    #[test]
    fn secrets_are_found_by_position_name_and_encoding() {
        let s = scenario(TEXT, &env);
        let (r, kept) = collect(TEXT, &s, &env).unwrap();
        for secret in [
            "t0k-en",
            "k3y-value",
            "p@ss:w0rd",
            "p%40ss%3Aw0rd",
            "literal-key",
            "hunter22",
            "literal-bearer",
            // Basic gameday:p@ss:w0rd, as a server may echo it
            &crate::text::base64::encode(b"gameday:p@ss:w0rd"),
        ] {
            assert_eq!(r.scrub(&format!("<{secret}>")), "<***>", "{secret}");
        }
        // a header whose value comes from the environment sends a credential, whatever
        // its name; a header or an env value written literally under an ordinary name
        // is not a secret
        assert_eq!(r.scrub("acme"), "***");
        assert_eq!(r.scrub("shop plain"), "shop plain");
        // the kept text: ${VAR}s stay, literal secrets become "***", and it reads back
        for gone in ["hunter22", "literal-bearer", "literal-key"] {
            assert!(!kept.text.contains(gone), "{gone}: {}", kept.text);
        }
        assert!(kept.text.contains("X-Auth-Key: ${KEY}"), "{}", kept.text);
        assert!(kept.text.contains("Bearer ${TOKEN}"), "{}", kept.text);
        assert!(kept.text.contains("DB_PASSWORD: \"***\""), "{}", kept.text);
        assert!(kept.text.contains("api_key=***&q=1"), "{}", kept.text);
        assert_eq!(
            kept.redacted,
            vec![
                "faults[0].exec.env.DB_PASSWORD",
                "faults[0].exec.inject",
                "faults[1].http.revert.headers.Authorization",
                "steady_state[0].http.url",
            ]
        );
        let back =
            crate::scenario::parse_str(&kept.text, "s.yaml", std::path::Path::new("."), &env)
                .unwrap_or_else(|p| panic!("{p:?}\n{}", kept.text));
        assert_eq!(back.faults.len(), 2);
    }

    #[test]
    fn a_token_alone_in_the_user_info_is_a_secret() {
        let text = "name: s\nhypothesis: h\nsteady_state:\n  - name: p\n    http: { url: \"https://ghp_abc123@git.example/x\", every: 1s }\n    measure: p99\n";
        let s = scenario(text, &env);
        let (r, kept) = collect(text, &s, &env).unwrap();
        assert_eq!(r.scrub("ghp_abc123"), "***");
        assert!(
            kept.text.contains("https://***@git.example/x"),
            "{}",
            kept.text
        );
    }

    #[test]
    fn values_the_text_cannot_hold_in_place_are_kept_in_flow_style() {
        let text = "name: s\nhypothesis: h\nfaults:\n  - name: f\n    duration: 1s\n    exec:\n      inject: a\n      revert: b\n      env:\n        TOKEN: &t abc\n          def\n";
        let s = scenario(text, &env);
        let (_, kept) = collect(text, &s, &env).unwrap();
        assert!(kept.text.starts_with("# gameday kept"), "{}", kept.text);
        assert!(!kept.text.contains("abc"), "{}", kept.text);
        assert!(
            crate::scenario::parse_str(&kept.text, "s.yaml", std::path::Path::new("."), &env)
                .is_ok(),
            "{}",
            kept.text
        );
    }

    #[test]
    fn block_scalars_are_replaced_whole() {
        let text = "name: s\nhypothesis: h\nfaults:\n  - name: f\n    duration: 1s\n    exec:\n      env:\n        API_KEY: |\n          line one\n          line two\n      inject: a\n      revert: b\n";
        let s = scenario(text, &env);
        let (r, kept) = collect(text, &s, &env).unwrap();
        assert!(
            kept.text.contains("API_KEY: \"***\"\n      inject: a"),
            "{}",
            kept.text
        );
        assert_eq!(r.scrub("line one\nline two\n"), "***");
    }

    #[test]
    fn a_webhook_url_is_hidden_whole_and_in_the_parts_a_server_echoes() {
        let url =
            "https://hooks.slack.com/services/T024BE7LD/B01ABCDEF/xoxb1a2b3cQQQQ?sig=9f8e7d6c5b";
        let env = |n: &str| (n == "GAMEDAY_SLACK_URL").then(|| url.to_string());
        let text =
            "name: s\nhypothesis: h\nnotify:\n  - { kind: slack, url_env: GAMEDAY_SLACK_URL }\n";
        let s = scenario(text, &env);
        let (r, kept) = collect(text, &s, &env).unwrap();
        assert_eq!(
            kept.text, text,
            "the scenario holds only the variable's name"
        );
        for (echoed, shown) in [
            (format!("posting to {url} failed"), "posting to *** failed"),
            (
                "no_service: /services/T024BE7LD/B01ABCDEF/xoxb1a2b3cQQQQ?sig=9f8e7d6c5b".into(),
                "no_service: ***",
            ),
            ("bad token xoxb1a2b3cQQQQ".into(), "bad token ***"),
            ("team T024BE7LD".into(), "team ***"),
            ("sig 9f8e7d6c5b".into(), "sig ***"),
            // the words of the path and the host are not secrets
            (
                "services at hooks.slack.com".into(),
                "services at hooks.slack.com",
            ),
        ] {
            assert_eq!(r.scrub(&echoed), shown);
        }
    }
}
