//! Why a request got no answer, in the words an on-call engineer acts on: "connection
//! refused", "the host name does not resolve". reqwest's own text starts with the whole
//! URL, query string and all (percent-encoded PromQL no one can read), and ends with an
//! errno; neither says what to do.

/// The cause of a failed request, without its URL: `connection refused`, `no answer
/// within 4 s`, `the host name does not resolve (…)`, `TLS: …`.
pub fn why(e: &reqwest::Error, timeout: std::time::Duration) -> String {
    if e.is_timeout() && e.is_connect() {
        return format!(
            "no connection within {} (nothing answered at that address: a firewall, a \
             wrong address, a VPN that is down?)",
            crate::units::format_duration(timeout)
        );
    }
    if e.is_timeout() {
        return format!(
            "no answer within {}",
            crate::units::format_duration(timeout)
        );
    }
    let chain = chain_without_url(e);
    let lower = chain.to_ascii_lowercase();
    if lower.contains("connection refused") {
        "connection refused".into()
    } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
        let cause = chain
            .rsplit(": ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        format!("the host name does not resolve ({cause})")
    } else if lower.contains("certificate") || lower.contains("tls") {
        format!("TLS: {chain}")
    } else if lower.contains("connection reset") {
        "the connection was reset".into()
    } else if lower.contains("network is unreachable") || lower.contains("no route to host") {
        "no route to the host (network unreachable)".into()
    } else {
        chain
    }
}

/// Whether the failure means nothing answered at that address at all (as opposed to an
/// answer that was slow, cut off or refused by TLS).
pub fn nothing_listens(e: &reqwest::Error) -> bool {
    chain_without_url(e)
        .to_ascii_lowercase()
        .contains("connection refused")
}

/// The error's causes joined, the URL left out, each said once, without `(os error N)`.
fn chain_without_url(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    // the top is reqwest's own ("error sending request for url (…)"): its causes say more
    let top = match e.url() {
        Some(_) => None,
        None => Some(e.to_string()),
    };
    if let Some(t) = top {
        parts.push(t);
    }
    while let Some(s) = cur {
        let text = strip_os_error(&s.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    if parts.is_empty() {
        // nothing below it: its own words, without the URL
        let text = e.to_string();
        let text = match (text.find(" for url ("), e.url()) {
            (Some(i), Some(_)) => text[..i].to_string(),
            _ => text,
        };
        parts.push(text);
    }
    // "client error (Connect)" says nothing a person can use
    parts.retain(|p| p != "client error (Connect)");
    if parts.is_empty() {
        return "the request failed".into();
    }
    parts.join(": ")
}

fn strip_os_error(s: &str) -> String {
    match s.find(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s.to_string(),
    }
}

/// `scheme://host:port/path` of `url`, with no user, password or query: what messages
/// name a server by (the query string of a Prometheus request is PromQL, percent-encoded,
/// and a user or a query may hold a secret).
pub fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            let s = u.to_string();
            // `http://host/` only when it was written so
            let written = url.split(['?', '#']).next().unwrap_or_default();
            if u.path() == "/" && !written.ends_with('/') {
                s.trim_end_matches('/').to_string()
            } else {
                s
            }
        }
        Err(_) => url.to_string(),
    }
}

/// The host and port a URL connects to (the scheme's port when none is written).
pub fn host_port(url: &str) -> Option<(String, u16)> {
    let u = reqwest::Url::parse(url).ok()?;
    Some((u.host_str()?.to_string(), u.port_or_known_default()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_shown_without_credentials_or_query() {
        assert_eq!(
            shown_url("http://alice:s3cret@127.0.0.1:9091/api/v1/query?query=up&token=x"),
            "http://127.0.0.1:9091/api/v1/query"
        );
        assert_eq!(shown_url("http://127.0.0.1:9091"), "http://127.0.0.1:9091");
        assert_eq!(
            shown_url("https://prom.example/prometheus/"),
            "https://prom.example/prometheus/"
        );
        assert_eq!(
            host_port("https://prom.example/x"),
            Some(("prom.example".into(), 443))
        );
        assert_eq!(
            host_port("http://127.0.0.1:9091"),
            Some(("127.0.0.1".into(), 9091))
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_connection_refused_without_the_url() {
        // a port that was just free: nothing listens there
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let client = reqwest::Client::new();
        let e = client
            .get(format!(
                "http://127.0.0.1:{port}/api/v1/query?query=sum%28up%29"
            ))
            .send()
            .await
            .unwrap_err();
        let w = why(&e, std::time::Duration::from_secs(1));
        assert_eq!(w, "connection refused");
        assert!(nothing_listens(&e));
    }
}
