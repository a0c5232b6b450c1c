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

/// The rows of one selector, as the watch last saw them.
#[derive(Debug, Default)]
pub struct Store {
    rows: BTreeMap<String, PodRow>,
    init: Option<BTreeMap<String, PodRow>>,
    /// the first full list arrived: before it, a count is not data
    pub synced: bool,
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
                    buf.insert(format!("{}/{}", row.namespace, row.name), row);
                }
                false
            }
            Event::InitDone => {
                if let Some(buf) = self.init.take() {
                    self.rows = buf;
                }
                self.synced = true;
                true
            }
            Event::Apply(p) => {
                let row = PodRow::from_pod(&p);
                let key = format!("{}/{}", row.namespace, row.name);
                self.rows.insert(key, row.clone()) != Some(row)
            }
            Event::Delete(p) => {
                let key = format!(
                    "{}/{}",
                    p.metadata.namespace.unwrap_or_default(),
                    p.metadata.name.unwrap_or_default()
                );
                self.rows.remove(&key).is_some()
            }
        }
    }

    pub fn rows(&self) -> Vec<PodRow> {
        self.rows.values().cloned().collect()
    }

    pub fn ready(&self) -> usize {
        self.rows.values().filter(|r| r.is_ready()).count()
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
        let mut sample = crate::signals::ticker(
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
                        let text = format!("watch of pods `{selector}`: {}", crate::faults::error_chain_of(&e));
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
                        if let Some(panel) = targets.panel {
                            if tx.send(Msg::Pods { panel, rows: store.rows() }).await.is_err() {
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
                    if tx.send(Msg::Sample { signal, value }).await.is_err() {
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
                        crate::faults::error_chain_of(&e)
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
