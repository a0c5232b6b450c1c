//! `gameday demo`: a complete practice game day with no infrastructure: the built-in
//! shop on 127.0.0.1, its scenario embedded in the binary, real `http` probes and faults.

pub mod shop;

use std::path::Path;

/// The demo's scenario, the same file as `scenarios/demo-shop.yaml`.
pub const SCENARIO: &str = include_str!("../../scenarios/demo-shop.yaml");
pub const SCENARIO_PATH: &str = "(built in) scenarios/demo-shop.yaml";

/// The environment the demo scenario is expanded with: the shop's address, and shorter
/// phases with `--quick`.
pub fn env(url: String, quick: bool) -> impl Fn(&str) -> Option<String> {
    move |name: &str| match name {
        "DEMO_URL" => Some(url.clone()),
        "DEMO_BASELINE" if quick => Some("5s".into()),
        "DEMO_FAULT" if quick => Some("6s".into()),
        "DEMO_RECOVERY" if quick => Some("6s".into()),
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
