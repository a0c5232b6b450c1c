//! assets/prometheus/ is valid for the Prometheus that scripts/local-game-day runs, and
//! the CacheDown alert fires when the cache fails. Needs `promtool` (Debian's
//! `prometheus` package): missing, the test fails with the install hint.

use std::path::{Path, PathBuf};
use std::process::Command;

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/prometheus")
}

fn promtool(args: &[&str]) {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(assets())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}); install it with: apt-get install redis-server postgresql prometheus")
        });
    assert!(
        out.status.success(),
        "promtool {} failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn prometheus_config_is_valid() {
    promtool(&["check", "config", "prometheus.yml"]);
}

#[test]
fn cache_down_fires_while_cache_errors_rise_and_only_then() {
    promtool(&["test", "rules", "rules_test.yml"]);
}

#[test]
fn the_config_scrapes_every_second_and_names_the_shop_target_line() {
    let text = std::fs::read_to_string(assets().join("prometheus.yml")).expect("read config");
    assert!(text.contains("scrape_interval: 1s"));
    assert!(text.contains("evaluation_interval: 1s"));
    // scripts/local-game-day rewrites this exact line with the shop's address.
    assert!(text.contains("- targets: [\"127.0.0.1:58080\"] # SHOP_TARGET"));
}
