//! One watcher per selector (list + watch with resourceVersion, bookmarks, the default
//! backoff), feeding a store of compact rows. Changes are sent at most four times a
//! second, so a burst of pod events costs one message and one frame.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::runtime::watcher::{self, Event};
use kube::runtime::WatchStreamExt;
use kube::Api;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::pods::PodRow;
use crate::engine::Msg;

const COALESCE: Duration = Duration::from_millis(250);

/// Where a watch's rows go: a pods panel, a `pods` signal (its Ready count), or both.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    pub panel: Option<usize>,
    pub signal: Option<(usize, Duration)>,
}

/// A pod's key in a store and a panel: (namespace, name), ordered as the panel shows it.
pub type PodKey = (String, String);

/// The rows of one selector, as the watch last saw them, and what changed since the
/// engine was last told. At 10,000 pods one event must not cost a copy of every row, so
/// the engine gets the changed rows only; the whole list goes only after a (re)list.
#[derive(Debug, Default)]
pub struct Store {
    rows: BTreeMap<PodKey, PodRow>,
    init: Option<BTreeMap<PodKey, PodRow>>,
    /// rows changed since the last [`Store::take_changes`]: `None` for a deletion
    pending: BTreeMap<PodKey, Option<PodRow>>,
    /// a (re)list replaced every row: the next message carries them all
    relisted: bool,
    /// the first full list arrived: before it, a count is not data
    pub synced: bool,
}

/// What the engine is told at a flush.
#[derive(Debug, Clone, PartialEq)]
pub enum Changes {
    /// every row, after a (re)list
    All(Vec<PodRow>),
    /// rows added or changed, and pods gone, since the last flush
    Some {
        changed: Vec<PodRow>,
        deleted: Vec<PodKey>,
    },
}

fn key_of(row: &PodRow) -> PodKey {
    (row.namespace.clone(), row.name.clone())
}

impl Store {
    /// Applies one watcher event; true when the visible rows changed.
    pub fn apply(&mut self, ev: Event<Pod>) -> bool {
        match ev {
            Event::Init => {
                self.init = Some(BTreeMap::new());
                false
            }
            Event::InitApply(p) => {
                let row = PodRow::from_pod(&p);
                if let Some(buf) = self.init.as_mut() {
                    buf.insert(key_of(&row), row);
                }
                false
            }
            Event::InitDone => {
                if let Some(buf) = self.init.take() {
                    self.rows = buf;
                }
                self.pending.clear();
                self.relisted = true;
                self.synced = true;
                true
            }
            Event::Apply(p) => {
                let row = PodRow::from_pod(&p);
                let key = key_of(&row);
                if self.rows.get(&key) == Some(&row) {
                    return false;
                }
                self.rows.insert(key.clone(), row.clone());
                self.pending.insert(key, Some(row));
                true
            }
            Event::Delete(p) => {
                let key = (
                    p.metadata.namespace.unwrap_or_default(),
                    p.metadata.name.unwrap_or_default(),
                );
                if self.rows.remove(&key).is_some() {
                    self.pending.insert(key, None);
                    true
                } else {
                    false
                }
            }
        }
    }

    /// What changed since the last call, for the engine; `None` when nothing did.
    pub fn take_changes(&mut self) -> Option<Changes> {
        if std::mem::take(&mut self.relisted) {
            self.pending.clear();
            return Some(Changes::All(self.rows()));
        }
        if self.pending.is_empty() {
            return None;
        }
        let mut changed = Vec::new();
        let mut deleted = Vec::new();
        for (key, row) in std::mem::take(&mut self.pending) {
            match row {
                Some(r) => changed.push(r),
                None => deleted.push(key),
            }
        }
        Some(Changes::Some { changed, deleted })
    }

    pub fn rows(&self) -> Vec<PodRow> {
        self.rows.values().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn ready(&self) -> usize {
        self.rows.values().filter(|r| r.is_ready()).count()
    }
}

/// The message that tells pods panel `panel` about `changes`.
pub fn message(panel: usize, changes: Changes) -> Msg {
    match changes {
        Changes::All(rows) => Msg::Pods { panel, rows },
        Changes::Some { changed, deleted } => Msg::PodsChanged {
            panel,
            changed,
            deleted,
        },
    }
}

pub fn spawn(
    api: Api<Pod>,
    selector: String,
    targets: Targets,
    tx: mpsc::Sender<Msg>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let cfg = watcher::Config::default().labels(&selector).any_semantic();
        let mut stream = watcher::watcher(api, cfg).default_backoff().boxed();
        let mut store = Store::default();
        let started = std::time::Instant::now();
        let mut dirty = false;
        let mut last_error: Option<String> = None;
        let mut flush = tokio::time::interval(COALESCE);
        flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sample = crate::clock::ticker(
            targets
                .signal
                .map(|(_, d)| d)
                .unwrap_or(Duration::from_secs(3600)),
        );
        loop {
            tokio::select! {
                ev = stream.next() => match ev {
                    Some(Ok(ev)) => {
                        dirty |= store.apply(ev);
                        if last_error.take().is_some() {
                            dirty = true;
                        }
                    }
                    Some(Err(e)) => {
                        let text = format!("watch of pods `{selector}`: {}", crate::text::error_chain(&e));
                        if last_error.as_deref() != Some(text.as_str()) {
                            tracing::warn!("{text}");
                            if let Some(panel) = targets.panel {
                                if tx.send(Msg::PodsError { panel, error: text.clone() }).await.is_err() {
                                    return;
                                }
                            }
                            last_error = Some(text);
                        }
                    }
                    None => return,
                },
                _ = flush.tick() => {
                    if dirty {
                        dirty = false;
                        // nothing new but an error gone: an empty change clears it
                        let changes = store.take_changes().unwrap_or(Changes::Some {
                            changed: Vec::new(),
                            deleted: Vec::new(),
                        });
                        if let Some(panel) = targets.panel {
                            if tx.send(message(panel, changes)).await.is_err() {
                                return;
                            }
                        }
                    }
                }
                _ = sample.tick(), if targets.signal.is_some() => {
                    let Some((signal, _)) = targets.signal else { continue };
                    let value = match (&last_error, store.synced) {
                        (Some(e), _) => Err(e.clone()),
                        // the first list is usually a moment away: no sample yet rather
                        // than a spurious "no data"
                        (None, false) if started.elapsed() < Duration::from_secs(3) => continue,
                        (None, false) => Err("the pod list has not arrived yet".to_string()),
                        (None, true) => Ok(store.ready() as f64),
                    };
                    if tx.send(Msg::sample(signal, value)).await.is_err() {
                        return;
                    }
                }
            }
        }
    })
}

/// Warning events of a namespace, from the moment the watch starts: the timeline shows
/// BackOff, FailedScheduling, Unhealthy… as they happen. Events listed at start are
/// history and are skipped.
pub fn spawn_warnings(
    api: Api<k8s_openapi::api::core::v1::Event>,
    namespace: String,
    tx: mpsc::Sender<Msg>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let cfg = watcher::Config::default().any_semantic();
        let mut stream = watcher::watcher(api, cfg).default_backoff().boxed();
        let mut live = false;
        let mut seen: std::collections::HashMap<String, i32> = std::collections::HashMap::new();
        while let Some(ev) = stream.next().await {
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => {
                    tracing::warn!(
                        "watch of events in {namespace}: {}",
                        crate::text::error_chain(&e)
                    );
                    continue;
                }
            };
            let (e, fresh) = match ev {
                Event::InitApply(e) => {
                    seen.insert(
                        e.metadata.uid.clone().unwrap_or_default(),
                        e.count.unwrap_or(1),
                    );
                    continue;
                }
                Event::InitDone => {
                    live = true;
                    continue;
                }
                Event::Apply(e) => (e, live),
                Event::Init | Event::Delete(_) => continue,
            };
            if !fresh || e.type_.as_deref() != Some("Warning") {
                continue;
            }
            // an event repeated (count + 1) is news again; the same object re-sent is not
            let uid = e.metadata.uid.clone().unwrap_or_default();
            let count = e.count.unwrap_or(1);
            if seen.get(&uid).is_some_and(|c| *c >= count) {
                continue;
            }
            seen.insert(uid, count);
            let obj = &e.involved_object;
            let msg = Msg::ClusterWarning {
                namespace: namespace.clone(),
                object: format!(
                    "{}/{}",
                    obj.kind.clone().unwrap_or_default(),
                    obj.name.clone().unwrap_or_default()
                ),
                reason: e.reason.clone().unwrap_or_default(),
                message: e.message.clone().unwrap_or_default(),
            };
            if tx.send(msg).await.is_err() {
                return;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, phase: &str) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": phase},
        }))
        .unwrap()
    }

    #[test]
    fn a_list_sends_every_row_then_only_what_changed() {
        let mut store = Store::default();
        assert_eq!(store.take_changes(), None);
        store.apply(Event::Init);
        store.apply(Event::InitApply(pod("b", "Running")));
        store.apply(Event::InitApply(pod("a", "Running")));
        assert!(store.apply(Event::InitDone));
        let Some(Changes::All(rows)) = store.take_changes() else {
            panic!("a list sends every row");
        };
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(store.take_changes(), None, "told once");

        assert!(!store.apply(Event::Apply(pod("a", "Running"))), "no change");
        assert!(store.apply(Event::Apply(pod("a", "Failed"))));
        assert!(store.apply(Event::Apply(pod("c", "Pending"))));
        assert!(store.apply(Event::Delete(pod("b", "Running"))));
        assert!(
            !store.apply(Event::Delete(pod("zz", "Running"))),
            "never seen"
        );
        let Some(Changes::Some { changed, deleted }) = store.take_changes() else {
            panic!("changes only");
        };
        let changed: Vec<_> = changed
            .iter()
            .map(|r| (r.name.as_str(), r.status.as_str()))
            .collect();
        assert_eq!(changed, [("a", "Failed"), ("c", "Pending")]);
        assert_eq!(deleted, [("shop".to_string(), "b".to_string())]);
        assert_eq!(store.len(), 2);
        assert_eq!(store.take_changes(), None);

        // a relist (after a 410) replaces everything, whatever was pending
        store.apply(Event::Apply(pod("d", "Running")));
        store.apply(Event::Init);
        store.apply(Event::InitApply(pod("a", "Running")));
        store.apply(Event::InitDone);
        assert_eq!(store.take_changes(), Some(Changes::All(store.rows())));
        assert_eq!(store.len(), 1);
    }
}
