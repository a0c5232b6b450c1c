//! Compact pod rows: what the pods panel shows, never whole Pod objects (a watch of
//! 10,000 pods must not hold 10,000 full specs).

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Pod;

pub type Ts = DateTime<Utc>;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PodRow {
    pub namespace: String,
    pub name: String,
    pub ready: u32,
    pub total: u32,
    /// the word kubectl shows in its STATUS column
    pub status: String,
    pub restarts: u32,
    pub created: Option<Ts>,
    pub node: String,
}

impl PodRow {
    /// Counts towards a `pods` signal: Ready and not being deleted.
    pub fn is_ready(&self) -> bool {
        self.total > 0 && self.ready == self.total && self.status == "Running"
    }

    pub fn from_pod(pod: &Pod) -> PodRow {
        let meta = &pod.metadata;
        let spec = pod.spec.as_ref();
        let status = pod.status.as_ref();
        let containers = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        let total = spec.map(|s| s.containers.len()).unwrap_or(containers.len()) as u32;
        let ready = containers.iter().filter(|c| c.ready).count() as u32;
        let restarts = containers
            .iter()
            .map(|c| c.restart_count.max(0) as u32)
            .sum();
        PodRow {
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            ready,
            total,
            status: status_word(pod),
            restarts,
            created: meta
                .creation_timestamp
                .as_ref()
                .and_then(|t| DateTime::from_timestamp_millis(t.0.as_millisecond())),
            node: spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
        }
    }
}

/// The STATUS column of `kubectl get pods`, by the same rules: a deletion in progress
/// first, then init containers, then the first container that is waiting or terminated
/// with a reason, then the phase.
pub fn status_word(pod: &Pod) -> String {
    if pod.metadata.deletion_timestamp.is_some() {
        return "Terminating".into();
    }
    let Some(status) = pod.status.as_ref() else {
        return "Pending".into();
    };
    let mut word = status
        .reason
        .clone()
        .or_else(|| status.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let inits = status.init_container_statuses.as_deref().unwrap_or(&[]);
    let n_inits = pod
        .spec
        .as_ref()
        .and_then(|s| s.init_containers.as_ref())
        .map(|v| v.len())
        .unwrap_or(inits.len());
    for (i, c) in inits.iter().enumerate() {
        let state = c.state.as_ref();
        if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            if t.exit_code == 0 {
                continue;
            }
            return match &t.reason {
                Some(r) => format!("Init:{r}"),
                None => format!("Init:ExitCode:{}", t.exit_code),
            };
        }
        if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
            if let Some(r) = w.reason.as_deref().filter(|r| *r != "PodInitializing") {
                return format!("Init:{r}");
            }
        }
        return format!("Init:{i}/{n_inits}");
    }
    let mut has_running = false;
    for c in status
        .container_statuses
        .as_deref()
        .unwrap_or(&[])
        .iter()
        .rev()
    {
        let state = c.state.as_ref();
        if let Some(w) = state.and_then(|s| s.waiting.as_ref()) {
            if let Some(r) = &w.reason {
                word = r.clone();
            }
        } else if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
            word = match &t.reason {
                Some(r) => r.clone(),
                None if t.signal.unwrap_or(0) != 0 => format!("Signal:{}", t.signal.unwrap_or(0)),
                None => format!("ExitCode:{}", t.exit_code),
            };
        } else if state.and_then(|s| s.running.as_ref()).is_some() && c.ready {
            has_running = true;
        }
    }
    if word == "Completed" && has_running {
        word = "Running".into();
    }
    word
}

/// How long ago, the kubectl way: 45s, 12m, 3h, 2d.
pub fn age(created: Option<Ts>, now: Ts) -> String {
    let Some(c) = created else { return "?".into() };
    let s = (now - c).num_seconds().max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=7199 => format!("{}m", s / 60),
        7200..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Pod {
        let path = format!(
            "{}/tests/fixtures/pods/{name}.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        serde_yaml::from_str(&text).unwrap()
    }

    #[test]
    fn status_words_match_kubectl() {
        let cases = [
            ("running", "Running", 1, 1, 0),
            ("terminating", "Terminating", 1, 1, 0),
            ("crashloop", "CrashLoopBackOff", 0, 1, 7),
            ("creating", "ContainerCreating", 0, 2, 0),
            ("completed", "Completed", 0, 1, 0),
            ("error", "Error", 0, 1, 0),
            ("init", "Init:0/2", 0, 1, 0),
            ("pending", "Pending", 0, 1, 0),
        ];
        for (name, word, ready, total, restarts) in cases {
            let row = PodRow::from_pod(&fixture(name));
            assert_eq!(
                (row.status.as_str(), row.ready, row.total, row.restarts),
                (word, ready, total, restarts),
                "{name}"
            );
        }
        let r = PodRow::from_pod(&fixture("running"));
        assert!(r.is_ready());
        assert_eq!(r.node, "node-a");
        assert!(!PodRow::from_pod(&fixture("terminating")).is_ready());
    }

    #[test]
    fn ages_read_like_kubectl() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(age(Some(t), t + chrono::Duration::seconds(45)), "45s");
        assert_eq!(age(Some(t), t + chrono::Duration::minutes(12)), "12m");
        assert_eq!(age(Some(t), t + chrono::Duration::hours(3)), "3h");
        assert_eq!(age(Some(t), t + chrono::Duration::days(2)), "2d");
    }
}
