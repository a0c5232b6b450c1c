//! Keeping secrets out of everything gameday writes (the journal, the log, the report,
//! the room). Which values of a scenario are secrets is the scenario's to say
//! (`scenario::secrets`); this is the scrubber they are handed to.
//!
//! Redaction works on values, never on serialized text: a journal line is built from
//! values whose secret-bearing fields (URLs, headers, bodies, command output, error
//! messages, notes, plans, screens) have been scrubbed, then serialized. Timestamps,
//! sequence numbers, enums, booleans and numbers are never touched, so a password `2026`
//! or `true` cannot damage a timestamp or a JSON literal, and every line stays valid JSON
//! whatever the secret is. Names (of signals, faults, operators) and paths are not
//! secret-bearing: they are how the journal refers to things. `check` refuses a secret
//! `${VAR}` in a name (`scenario::secrets::text_secrets` says which are); as a net under
//! it, the value of one a name takes anyway is masked there ([`Redactor::scrub_name`]).

use std::borrow::Cow;

use crate::journal::{Event, RunInfo};

/// What a secret is replaced with.
pub const MASK: &str = "***";

/// Header, environment and mapping key names whose values are secrets.
pub fn is_sensitive_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "auth",
        "token",
        "passw",
        "pwd",
        "secret",
        "key",
        "cookie",
        "credential",
        "session",
        "signature",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// Environment variables whose values are secrets wherever they are used, by their name
/// (`REDIS_PASSWORD`, `FLAGS_TOKEN`). `PWD` is the working directory, not a password.
pub fn is_sensitive_var(name: &str) -> bool {
    !matches!(name, "PWD" | "OLDPWD") && is_sensitive_name(name)
}

/// Query parameters that carry credentials (`?api_key=`, `?token=`, `?sig=`…).
pub fn is_credential_param(name: &str) -> bool {
    let n = percent_decode(name).to_ascii_lowercase();
    is_sensitive_name(&n) || matches!(n.as_str(), "sig" | "code" | "jwt" | "pass" | "access")
}

/// The known secret values, and how they look when encoded.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// longest first, so that a secret containing another is replaced whole
    secrets: Vec<String>,
    /// the values of the secret `${VAR}`s names take, longest first: the only secrets
    /// taken out of names
    in_names: Vec<String>,
}

impl Redactor {
    pub fn new() -> Self {
        Self::default()
    }

    /// A secret value, with the forms it takes in URLs (percent-encoded, upper and lower
    /// case hex, `+` for spaces) and without surrounding whitespace (a token file's final
    /// newline). Short secrets count too: a password `2026` is hidden wherever it appears in
    /// a secret-bearing field, at the cost of every other `2026` there. A value made only of
    /// `*` cannot be told from the mask and is not added.
    pub fn add(&mut self, secret: impl Into<String>) {
        let s: String = secret.into();
        let mut forms = vec![s.clone(), s.trim().to_string()];
        let upper = percent_encode(&s);
        forms.push(lower_hex(&upper));
        forms.push(upper);
        if s.contains(' ') {
            forms.push(percent_encode(&s.replace(' ', "+")).replace("%2B", "+"));
        }
        for f in forms {
            self.insert(f);
        }
    }

    fn insert(&mut self, s: String) {
        if s.is_empty() || s.chars().all(|c| c == '*') || self.secrets.contains(&s) {
            return;
        }
        self.secrets.push(s);
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// A credential as it is sent: the value, and for `Bearer abc` / `Basic xyz` the part
    /// after the scheme; a Basic credential also as its decoded `user:password` and the
    /// password alone, the forms a server may echo back.
    pub fn add_credential(&mut self, value: &str) {
        self.add(value);
        let Some((scheme, rest)) = value.trim().split_once(' ') else {
            return;
        };
        if !scheme.chars().all(|c| c.is_ascii_alphabetic()) {
            return;
        }
        let rest = rest.trim();
        self.add(rest);
        if scheme.eq_ignore_ascii_case("basic") {
            if let Some(decoded) = crate::text::base64::decode(rest) {
                if let Some((_, password)) = decoded.split_once(':') {
                    self.add(password);
                }
                self.add(decoded);
            }
        }
    }

    /// A user name and password sent as HTTP Basic auth: the password, and the encoded
    /// credential a server may echo.
    pub fn add_basic(&mut self, user: &str, password: &str) {
        self.add(password);
        self.add(crate::text::base64::encode(
            format!("{user}:{password}").as_bytes(),
        ));
    }

    /// A URL that is a credential as a whole (a webhook's: its token is in the path):
    /// the URL; what follows its host (the path and query, which a server or a proxy
    /// may echo without the host); a user info's password; and each path segment and
    /// query value that looks like a token (8 characters or more, holding a digit, or
    /// 20 or more), the part a server is most likely to quote alone. Plain words of the
    /// path (`services`, `hooks`) are not hidden: they would mask those words everywhere.
    pub fn add_webhook_url(&mut self, url: &str) {
        let url = url.trim();
        self.add(url);
        self.add(url.trim_end_matches('/'));
        let Some(scheme_end) = url.find("://") else {
            return;
        };
        let a0 = scheme_end + 3;
        let a1 = url[a0..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| a0 + i);
        let authority = &url[a0..a1];
        if let Some((userinfo, _)) = authority.rsplit_once('@') {
            let password = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
            self.add(password);
            self.add(percent_decode(password));
        }
        let rest = &url[a1..];
        if rest.trim_matches(['/', '?', '#']).is_empty() {
            return;
        }
        self.add(rest);
        self.add(rest.trim_end_matches('/'));
        let tokenish = |part: &str| {
            let n = part.chars().count();
            (n >= 8 && part.chars().any(|c| c.is_ascii_digit())) || n >= 20
        };
        for part in rest.split(['/', '?', '#', '&']) {
            let value = part.split_once('=').map_or(part, |(_, v)| v);
            if tokenish(value) {
                self.add(value);
                self.add(percent_decode(value));
            }
        }
    }

    /// The value of a secret `${VAR}` that a name takes: besides everything
    /// [`Redactor::add_credential`] covers, it is taken out of names too
    /// ([`Redactor::scrub_name`]).
    pub fn add_in_name(&mut self, value: &str) {
        self.add_credential(value);
        for v in [value, value.trim()] {
            if !v.is_empty()
                && !v.chars().all(|c| c == '*')
                && !self.in_names.iter().any(|o| o == v)
            {
                self.in_names.push(v.to_string());
                self.in_names.sort_by_key(|s| std::cmp::Reverse(s.len()));
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every known secret replaced by [`MASK`].
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let whole = scrub_with(&self.secrets, text);
        match scrub_cut(&self.secrets, &whole) {
            Some(cut) => Cow::Owned(cut),
            None => whole,
        }
    }

    /// A name (of the scenario, a signal, a fault, an alert) with the value of every
    /// secret `${VAR}` a name takes replaced by [`MASK`]. `check` refuses such a name;
    /// this is the net under it, for a scenario that was never checked. Other secrets are
    /// left in names, which are how the journal and `recover` refer to things: a short
    /// secret would otherwise turn `queue depth` into `q***e depth`.
    pub fn scrub_name<'a>(&self, name: &'a str) -> Cow<'a, str> {
        scrub_with(&self.in_names, name)
    }

    fn scrub_name_mut(&self, s: &mut String) {
        if let Cow::Owned(clean) = self.scrub_name(s) {
            *s = clean;
        }
    }

    pub fn scrub_mut(&self, s: &mut String) {
        if let Cow::Owned(clean) = self.scrub(s) {
            *s = clean;
        }
    }

    pub fn scrub_all(&self, list: &mut [String]) {
        for s in list {
            self.scrub_mut(s);
        }
    }

    pub fn scrub_result<T>(&self, r: &mut Result<T, String>, ok: impl FnOnce(&Self, &mut T)) {
        match r {
            Ok(v) => ok(self, v),
            Err(e) => self.scrub_mut(e),
        }
    }

    /// The run's header with its secret-bearing fields scrubbed: the free text, the
    /// Prometheus URL, each signal's source and each fault's plan; and the names, of the
    /// secret `${VAR}`s they take only ([`Redactor::scrub_name`]). The kept scenario text
    /// is redacted when it is kept (see [`collect`]), never here: a textual replacement
    /// could break its YAML.
    pub fn redact_info(&self, info: &mut RunInfo) {
        self.scrub_name_mut(&mut info.scenario);
        for s in &mut info.signals {
            self.scrub_name_mut(&mut s.name);
        }
        for f in &mut info.faults {
            self.scrub_name_mut(&mut f.name);
        }
        for a in &mut info.alerts {
            self.scrub_name_mut(&mut a.name);
        }
        for m in &mut info.milestones {
            self.scrub_name_mut(&mut m.name);
        }
        self.scrub_mut(&mut info.hypothesis);
        for s in [
            &mut info.description,
            &mut info.owner,
            &mut info.prometheus_url,
        ]
        .into_iter()
        .flatten()
        {
            self.scrub_mut(s);
        }
        for s in &mut info.signals {
            self.scrub_mut(&mut s.source);
        }
        for f in &mut info.faults {
            self.scrub_all(&mut f.plan);
        }
    }

    /// An event with its secret-bearing fields scrubbed. Every variant is listed: a new
    /// one must say which of its fields can carry a secret. `restore` is gameday's own
    /// JSON of object names and counts, needed as written by `recover`.
    pub fn redact_event(&self, mut event: Event) -> Event {
        match &mut event {
            Event::RunStarted(info) => self.redact_info(info),
            Event::Sample { error, detail, .. } => {
                for e in [error, detail].into_iter().flatten() {
                    self.scrub_mut(e);
                }
            }
            Event::Probe { error, .. } => {
                if let Some(e) = error {
                    self.scrub_mut(e);
                }
            }
            Event::Alert { error, .. } => {
                if let Some(e) = error {
                    self.scrub_mut(e);
                }
            }
            Event::Armed { plan, .. } => self.scrub_all(plan),
            Event::Override { .. } => {}
            Event::FaultInjecting { action, .. } => self.scrub_mut(action),
            Event::FaultInjected {
                targets, detail, ..
            } => {
                self.scrub_all(targets);
                self.scrub_mut(detail);
            }
            Event::ClusterWarning {
                object,
                reason,
                message,
                ..
            } => {
                self.scrub_mut(object);
                self.scrub_mut(reason);
                self.scrub_mut(message);
            }
            Event::FaultProgress { detail, .. } => self.scrub_mut(detail),
            Event::FaultInjectCancelled { .. } => {}
            Event::ArmRefused { reason, .. } => self.scrub_mut(reason),
            Event::FaultReverting { action, .. } => self.scrub_mut(action),
            Event::FaultReverted { detail, .. } => self.scrub_mut(detail),
            Event::Abort { detail, .. } => self.scrub_mut(detail),
            Event::Note { text, .. } => self.scrub_mut(text),
            // named as the run info names it, so the two still match
            Event::Milestone { name, .. } => self.scrub_name_mut(name),
            Event::Verdict { reasons, .. } => self.scrub_all(reasons),
            Event::OperatorLeft { detail, .. } => self.scrub_mut(detail),
            Event::Warning { message, .. } => self.scrub_mut(message),
            Event::NotifyFailed {
                target,
                about,
                error,
                ..
            } => {
                self.scrub_mut(target);
                self.scrub_mut(about);
                self.scrub_mut(error);
            }
            Event::Preflight { checks } => {
                for c in checks {
                    for n in &mut c.names {
                        self.scrub_name_mut(n);
                    }
                    self.scrub_mut(&mut c.target);
                    self.scrub_mut(&mut c.detail);
                    self.scrub_mut(&mut c.fix);
                }
            }
            Event::Screen { text, .. } => self.scrub_mut(text),
            Event::RecoveryCutShort { why, .. } => self.scrub_mut(why),
            Event::Phase { .. }
            | Event::Pods { .. }
            | Event::Disarmed { .. }
            | Event::GuardrailTripped { .. }
            | Event::OperatorJoined { .. }
            | Event::RunEnded { .. } => {}
        }
        event
    }
}

/// `text` with every one of `secrets` (longest first) replaced by [`MASK`].
fn scrub_with<'a>(secrets: &[String], text: &'a str) -> Cow<'a, str> {
    if !secrets.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    // Until none is left: a mask next to what remains can spell a secret again
    // (`a*` in `aa**`). Every secret holds a character that is not `*`, and each pass
    // that replaces one removes such a character, so this ends.
    loop {
        let mut changed = false;
        for s in secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
                changed = true;
            }
        }
        if !changed {
            return Cow::Owned(out);
        }
    }
}

/// The shortest piece of a secret [`scrub_cut`] masks.
const CUT_MIN: usize = 4;

/// `text` with every piece of a secret that was cut short masked too: command output and
/// error messages are shortened where they are made (the first characters of what a
/// command printed, the last lines of a fault's error), before the journal sees them, so
/// a secret straddling the cut no longer matches whole and the rest of it would be
/// written out in clear. A piece counts when it is where a cut leaves one: a secret's
/// beginning (4 characters or more) at the end of the text or before `…`, `...` or a
/// closing quote, and a secret's end after the start of the text, `…`, `...` or a quote.
/// `None` when there is none.
fn scrub_cut(secrets: &[String], text: &str) -> Option<String> {
    let is_cut_after = |rest: &str| {
        rest.is_empty() || rest.starts_with(['…', '"', '\'', '`']) || rest.starts_with("...")
    };
    let is_cut_before = |head: &str| {
        head.is_empty() || head.ends_with(['…', '"', '\'', '`']) || head.ends_with("...")
    };
    let mut out = text.to_string();
    let mut changed = false;
    for secret in secrets {
        let bounds: Vec<usize> = secret
            .char_indices()
            .map(|(i, _)| i)
            .chain([secret.len()])
            .collect();
        let chars = bounds.len() - 1;
        // every piece holds the secret's first or last four characters: most texts hold
        // neither, and cost two searches
        if chars <= CUT_MIN
            || (!out.contains(&secret[..bounds[CUT_MIN]])
                && !out.contains(&secret[bounds[chars - CUT_MIN]..]))
        {
            continue;
        }
        // longest pieces first, so a piece is masked whole
        for k in (CUT_MIN..chars).rev() {
            let head = &secret[..bounds[k]];
            let tail = &secret[bounds[chars - k]..];
            for piece in [head, tail] {
                let mut from = 0;
                while let Some(i) = out[from..].find(piece).map(|i| i + from) {
                    let end = i + piece.len();
                    let cut = if piece.as_ptr() == head.as_ptr() {
                        is_cut_after(&out[end..])
                    } else {
                        is_cut_before(&out[..i])
                    };
                    if cut {
                        out.replace_range(i..end, MASK);
                        changed = true;
                        from = i + MASK.len();
                    } else {
                        from = end;
                    }
                }
            }
        }
    }
    changed.then_some(out)
}

/// Percent-encoding of every byte outside the URL's unreserved set, upper-case hex.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%2F` as `%2f`, the rest unchanged.
fn lower_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for h in chars.by_ref().take(2) {
                out.push(h.to_ascii_lowercase());
            }
        }
    }
    out
}

/// `%XX` decoded; anything malformed kept as it is.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_odd_secrets_are_scrubbed_from_values_only() {
        let mut r = Redactor::new();
        for s in ["2026", "true", ":", "\"", "*", "**"] {
            r.add(s);
        }
        assert_eq!(
            r.scrub("at 2026-11-28: \"true\""),
            "at ***-11-28*** *********"
        );
        let e = r.redact_event(Event::Note {
            author: "true".into(),
            kind: crate::journal::NoteKind::Note,
            text: "pw is true".into(),
        });
        assert_eq!(
            e,
            Event::Note {
                author: "true".into(),
                kind: crate::journal::NoteKind::Note,
                text: "pw is ***".into()
            }
        );
    }

    /// What a cut leaves of a secret is masked: the first characters of a command's
    /// output, the last of a fault's error (an outsider saw 37 of 48 characters of a
    /// token written out in clear).
    #[test]
    fn a_secret_cut_short_where_the_text_was_shortened_is_masked() {
        let mut r = Redactor::new();
        let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
        r.add(token);
        r.add("http://127.0.0.1:18101/services/T0AB/B0CD/xoxbSECRET123456789");
        // a command's output, its first 60 characters, in quotes
        let printed = "the command printed \"value: http://127.0.0.1:18101/services/T0AB/B0CD/xoxbSECRET1\", not a number";
        let s = r.scrub(printed);
        assert!(
            !s.contains("xoxbSECRET1") && !s.contains("/services/T0AB"),
            "{s}"
        );
        assert!(
            s.contains("the command printed \"value: ***\", not a number"),
            "{s}"
        );
        // a fault's error, its last characters behind an ellipsis
        let tail = "exit 1: …pqrstuvwxyz0123456789ABCDEFGH yyyy…";
        assert_eq!(r.scrub(tail), "exit 1: …*** yyyy…");
        // the start of a token at the very end of a field
        assert_eq!(r.scrub("auth ghp_abcdefghij"), "auth ***");
        // and a piece with the rest of the secret's text after it is not a cut: the
        // same host and port on another path is left alone
        let other = "cannot reach http://127.0.0.1:18101/other";
        assert_eq!(r.scrub(other), other);
    }

    #[test]
    fn encodings_round_trip() {
        assert_eq!(
            crate::text::base64::encode(b"gameday:s3cret"),
            "Z2FtZWRheTpzM2NyZXQ="
        );
        assert_eq!(
            crate::text::base64::decode("Z2FtZWRheTpzM2NyZXQ=").as_deref(),
            Some("gameday:s3cret")
        );
        assert_eq!(crate::text::base64::decode("not base64!"), None);
        assert_eq!(percent_encode("p@ss w/d"), "p%40ss%20w%2Fd");
        assert_eq!(percent_decode("p%40ss%20w%2fd%"), "p@ss w/d%");
        assert_eq!(lower_hex("a%2Fb%40"), "a%2fb%40");
    }

    #[test]
    fn a_failed_notification_is_journaled_scrubbed() {
        let mut r = Redactor::new();
        r.add_webhook_url("https://hooks.example/services/T0KEN-SECRET-42");
        let e = r.redact_event(Event::NotifyFailed {
            target: "notify[0] (slack, $GAMEDAY_SLACK_URL)".into(),
            about: "verdict".into(),
            attempts: 3,
            error: "HTTP 404 Not Found: no hook at /services/T0KEN-SECRET-42".into(),
        });
        let line = serde_json::to_string(&crate::journal::Record {
            seq: 7,
            ts: chrono::DateTime::from_timestamp_millis(1_000).unwrap(),
            event: e,
        })
        .unwrap();
        assert_eq!(
            line,
            r#"{"seq":7,"ts":"1970-01-01T00:00:01.000Z","type":"notify_failed","target":"notify[0] (slack, $GAMEDAY_SLACK_URL)","about":"verdict","attempts":3,"error":"HTTP 404 Not Found: no hook at ***"}"#
        );
        let back: crate::journal::Record = serde_json::from_str(&line).unwrap();
        assert_eq!(back.event.type_name(), "notify_failed");
    }
}
