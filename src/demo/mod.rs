//! `gameday demo`: a complete practice game day with no infrastructure: the built-in
//! shop on 127.0.0.1, its scenario embedded in the binary, real `http` probes and faults.

pub mod shop;

use std::path::Path;

/// The demo's scenario, the same file as `scenarios/demo-shop.yaml`.
pub const SCENARIO: &str = include_str!("../../scenarios/demo-shop.yaml");
pub const SCENARIO_PATH: &str = "(built in) scenarios/demo-shop.yaml";

/// The environment the demo scenario is expanded with: the shop's address, and shorter
/// phases with `--quick`. `DEMO_BASELINE`, `DEMO_FAULT` and `DEMO_RECOVERY` set in the
/// real environment win, for rehearsing with other timings.
pub fn env(url: String, quick: bool) -> impl Fn(&str) -> Option<String> {
    move |name: &str| match name {
        "DEMO_URL" => Some(url.clone()),
        "DEMO_BASELINE" | "DEMO_FAULT" | "DEMO_RECOVERY" => {
            std::env::var(name).ok().or_else(|| {
                quick.then(|| match name {
                    "DEMO_BASELINE" => "5s".to_string(),
                    _ => "6s".to_string(),
                })
            })
        }
        _ => None,
    }
}

pub fn scenario(env: &dyn Fn(&str) -> Option<String>) -> Result<crate::scenario::Scenario, String> {
    crate::scenario::parse_str(SCENARIO, SCENARIO_PATH, Path::new("."), env).map_err(|p| {
        p.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// The demo's cluster: the local fake of the Kubernetes API on 127.0.0.1, with the shop's
/// pods (`api`, three replicas; `cache-0`), paced for a person to watch, and a kubeconfig
/// for it at `kubeconfig` (context `gameday-demo`, namespace `shop`).
pub async fn start_cluster(kubeconfig: &Path) -> Result<kubefake::FakeHandle, String> {
    use kubefake::{FakeCluster, FakeOptions};
    let fake = FakeCluster::start(FakeOptions::demo())
        .await
        .map_err(|e| e.to_string())?;
    fake.add_namespace("shop");
    fake.add_deployment("shop", "api", &[("app", "api")], 3);
    fake.add_statefulset("shop", "cache", &[("app", "cache")], 1);
    let token = fake.token().to_string();
    fake.write_kubeconfig(kubeconfig, "gameday-demo", "shop", &token)
        .map_err(|e| e.to_string())?;
    Ok(fake)
}
