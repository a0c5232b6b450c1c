//! Connecting to the cluster by the standard kubeconfig rules: `KUBECONFIG` (several
//! files merged) or `~/.kube/config`, the current context or `--context` /
//! `kubernetes.context`, then in-cluster config. Credential plugins (`exec`: `aws eks
//! get-token`, `gke-gcloud-auth-plugin`, kubelogin), OIDC, client certificates and tokens
//! work as kube-rs supports them. Errors say what to do, not only what failed.

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("context `{context}` is not in your kubeconfig{where_}; contexts there: {available}")]
    NoContext {
        context: String,
        where_: String,
        available: String,
    },
    #[error("no Kubernetes configuration: {kubeconfig}, and not running in a cluster ({incluster}). Set KUBECONFIG to your kubeconfig file, or create ~/.kube/config (your cluster's tooling writes one: `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`, `kind export kubeconfig`)")]
    NoConfig {
        kubeconfig: String,
        incluster: String,
    },
    #[error("cannot use the kubeconfig: {0}")]
    Kubeconfig(String),
    #[error("the Kubernetes API at {server} did not answer{}: {cause}. Check the route to the cluster (VPN, bastion) and the context (`{context}`)", within.map(|d| format!(" within {}", crate::units::format_duration(d))).unwrap_or_default())]
    Unreachable {
        server: String,
        context: String,
        /// the time it was given, when it ran out; none when it failed at once
        within: Option<Duration>,
        cause: String,
    },
    #[error("the Kubernetes API at {server} refused the credentials of context `{context}` ({code}): they may have expired; log in again (e.g. `aws sso login`, `gcloud auth login`, kubelogin) and retry")]
    Credentials {
        server: String,
        context: String,
        code: u16,
    },
    #[error("the credential plugin of context `{context}` failed: {cause}")]
    Plugin { context: String, cause: String },
    #[error("Kubernetes API error at {server}: {cause}")]
    Api { server: String, cause: String },
}

/// A connected cluster: the client, and where it points.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    /// the namespace selectors default to
    pub namespace: String,
    pub context: String,
    pub server: String,
}

/// Why gameday is not inside a cluster, in plain words: kube's own text ("failed to read
/// an incluster environment variable: environment variable not found") names no variable.
fn incluster_words(raw: &str) -> String {
    if raw.contains("environment variable") {
        "KUBERNETES_SERVICE_HOST is not set".to_string()
    } else {
        raw.to_string()
    }
}

fn kubeconfig_where() -> String {
    match std::env::var("KUBECONFIG") {
        Ok(v) if !v.is_empty() => format!(" (KUBECONFIG={v})"),
        _ => " (~/.kube/config)".to_string(),
    }
}

fn available_contexts() -> String {
    match Kubeconfig::read() {
        Ok(k) => {
            let names: Vec<String> = k.contexts.iter().map(|c| c.name.clone()).collect();
            if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            }
        }
        Err(_) => "none readable".into(),
    }
}

/// The context kube-rs will use when none is given.
fn current_context() -> String {
    Kubeconfig::read()
        .ok()
        .and_then(|k| k.current_context)
        .unwrap_or_else(|| "in-cluster".into())
}

/// What is wrong with the kubeconfig, in words: kube's own text quotes the path twice
/// (`'"/root/.kube/config"'`) and says "failed to read" of a file that does not exist.
fn kubeconfig_problem(e: &KubeconfigError) -> String {
    match e {
        KubeconfigError::ReadConfig(io, path) => {
            let from = match std::env::var("KUBECONFIG") {
                Ok(v) if !v.is_empty() => format!(" (from KUBECONFIG={v})"),
                _ => " (the default; KUBECONFIG is not set)".to_string(),
            };
            if io.kind() == std::io::ErrorKind::NotFound {
                format!("{} does not exist{from}", path.display())
            } else {
                let why = io.to_string();
                let why = match why.find(" (os error ") {
                    Some(i) => why[..i].to_string(),
                    None => why,
                };
                format!("cannot read {}{from}: {why}", path.display())
            }
        }
        KubeconfigError::FindPath => {
            "no kubeconfig: KUBECONFIG is not set and there is no home directory for ~/.kube/config"
                .to_string()
        }
        other => other.to_string(),
    }
}

/// Loads the configuration and checks that the API answers, within `timeout`.
pub async fn connect(
    context: Option<&str>,
    namespace: Option<&str>,
    timeout: Duration,
) -> Result<Cluster, ClusterError> {
    let opts = KubeConfigOptions {
        context: context.map(String::from),
        ..KubeConfigOptions::default()
    };
    let config = match Config::from_kubeconfig(&opts).await {
        Ok(c) => c,
        Err(KubeconfigError::LoadContext(ctx)) => {
            return Err(ClusterError::NoContext {
                context: ctx,
                where_: kubeconfig_where(),
                available: available_contexts(),
            })
        }
        Err(e) if context.is_none() => {
            Config::incluster().map_err(|ie| ClusterError::NoConfig {
                kubeconfig: kubeconfig_problem(&e),
                incluster: incluster_words(&ie.to_string()),
            })?
        }
        Err(e) => return Err(ClusterError::Kubeconfig(kubeconfig_problem(&e))),
    };
    let context = context.map(String::from).unwrap_or_else(current_context);
    let server = config
        .cluster_url
        .to_string()
        .trim_end_matches('/')
        .to_string();
    let namespace = namespace
        .map(String::from)
        .unwrap_or_else(|| config.default_namespace.clone());
    // kube retries 429/503/504 by itself, up to 15 times: a PodDisruptionBudget refusing an
    // eviction (429) would then hang a fault for minutes. gameday retries where it means
    // to (the engine retries reverts with backoff, watchers back off on their own), so the
    // client answers at once.
    let mut config = config;
    config.default_retry = false;
    let client = Client::try_from(config).map_err(|e| ClusterError::Kubeconfig(e.to_string()))?;
    match tokio::time::timeout(timeout, client.apiserver_version()).await {
        Err(_) => Err(ClusterError::Unreachable {
            server,
            context,
            within: Some(timeout),
            cause: "no answer".into(),
        }),
        Ok(Err(e)) => Err(classify(e, &server, &context)),
        Ok(Ok(_)) => Ok(Cluster {
            client,
            namespace,
            context,
            server,
        }),
    }
}

/// Turns a kube error into what an on-call engineer needs to read.
pub fn classify(e: kube::Error, server: &str, context: &str) -> ClusterError {
    let text = crate::text::error_chain(&e);
    match &e {
        kube::Error::Api(s) if s.code == 401 || s.code == 403 && s.reason == "Unauthorized" => {
            ClusterError::Credentials {
                server: server.into(),
                context: context.into(),
                code: s.code,
            }
        }
        kube::Error::Auth(_) => ClusterError::Plugin {
            context: context.into(),
            cause: text,
        },
        kube::Error::HyperError(_) | kube::Error::Service(_) => ClusterError::Unreachable {
            server: server.into(),
            context: context.into(),
            within: None,
            // "ServiceError: client error (Connect): tcp connect error: Connection
            // refused (os error 111)" says one thing
            cause: if text.contains("Connection refused") {
                "connection refused".into()
            } else {
                text
            },
        },
        _ => ClusterError::Api {
            server: server.into(),
            cause: text,
        },
    }
}

/// One line for a kube error: `404 NotFound: pods "x" not found` for API answers, the whole
/// cause chain otherwise (connection refused, timeouts, TLS).
pub fn explain(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => {
            let reason = if s.reason.is_empty() {
                String::new()
            } else {
                format!(" {}", s.reason)
            };
            format!("{}{reason}: {}", s.code, s.message)
        }
        other => crate::text::error_chain(other),
    }
}

#[cfg(test)]
mod tests {
    use super::incluster_words;

    /// Outsider 21, finding 9: outside a cluster, the message names the variable.
    #[test]
    fn not_in_a_cluster_is_said_in_plain_words() {
        assert_eq!(
            incluster_words(
                "failed to read an incluster environment variable: environment variable not found"
            ),
            "KUBERNETES_SERVICE_HOST is not set"
        );
        assert_eq!(
            incluster_words("token file unreadable"),
            "token file unreadable"
        );
    }
}
