//! Signals: tasks that sample the steady state and send [`Msg::Sample`]s. They never
//! touch the engine's state; a sample that cannot be taken is sent as an error, so the
//! panel shows why instead of a stale value.

pub mod command;
pub mod http;
pub mod prometheus;
pub mod reach;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::engine::Msg;
use crate::scenario::model::{Scenario, SignalSource};

/// Starts one sampler per signal, and the alerts poller when alerts are expected. Fails,
/// before anything starts, on a signal kind this build cannot sample or a Prometheus
/// client that cannot be built (an unset token variable, an unreadable CA file).
pub fn spawn_all(
    scenario: &Scenario,
    env: &dyn Fn(&str) -> Option<String>,
    cluster: Option<&crate::cluster::Cluster>,
    started: chrono::DateTime<chrono::Utc>,
    tx: &mpsc::Sender<Msg>,
) -> Result<Vec<JoinHandle<()>>, String> {
    let signals = &scenario.steady_state;
    let pods_api = |namespace: &Option<String>| {
        let c = cluster.ok_or("pods need a cluster: add a `kubernetes:` section")?;
        let ns = namespace.clone().unwrap_or_else(|| c.namespace.clone());
        Ok::<_, String>(kube::Api::<k8s_openapi::api::core::v1::Pod>::namespaced(
            c.client.clone(),
            &ns,
        ))
    };
    let prom = match &scenario.prometheus {
        Some(cfg) => Some(prometheus::Client::new(cfg, env)?),
        None => None,
    };
    let mut handles = Vec::new();
    let mut promql = Vec::new();
    for (i, s) in signals.iter().enumerate() {
        let tx = tx.clone();
        let handle = match &s.source {
            SignalSource::Http { url, timeout, .. } => {
                http::spawn(i, url.clone(), s.interval, *timeout, tx)?
            }
            SignalSource::Command { command } => command::spawn(i, command.clone(), s.interval, tx),
            SignalSource::Promql { query } => {
                promql.push((i, query.clone(), s.interval));
                continue;
            }
            SignalSource::Pods {
                selector,
                namespace,
            } => {
                let targets = crate::cluster::watch::Targets {
                    panel: None,
                    signal: Some((i, s.interval)),
                };
                crate::cluster::watch::spawn(pods_api(namespace)?, selector.clone(), targets, tx)
            }
        };
        handles.push(handle);
    }
    // Warning events of every namespace whose pods are watched
    if let Some(c) = cluster {
        let mut namespaces: Vec<String> = scenario
            .pods
            .iter()
            .map(|p| p.namespace.clone().unwrap_or_else(|| c.namespace.clone()))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        for ns in namespaces {
            let api =
                kube::Api::<k8s_openapi::api::core::v1::Event>::namespaced(c.client.clone(), &ns);
            handles.push(crate::cluster::watch::spawn_warnings(api, ns, tx.clone()));
        }
    }
    for (j, panel) in scenario.pods.iter().enumerate() {
        let targets = crate::cluster::watch::Targets {
            panel: Some(j),
            signal: None,
        };
        handles.push(crate::cluster::watch::spawn(
            pods_api(&panel.namespace)?,
            panel.selector.clone(),
            targets,
            tx.clone(),
        ));
    }
    if let Some(client) = prom {
        if !promql.is_empty() {
            let backfill = Some((started - scenario.phases.baseline, started));
            handles.extend(prometheus::spawn(
                client.clone(),
                promql,
                backfill,
                tx.clone(),
            ));
        }
        if !scenario.alerts.is_empty() {
            let names = scenario.alerts.iter().map(|a| a.name.clone()).collect();
            let every = scenario
                .prometheus
                .as_ref()
                .map(|p| p.interval)
                .unwrap_or(scenario.interval);
            handles.push(prometheus::spawn_alerts(client, names, every, tx.clone()));
        }
    }
    Ok(handles)
}
