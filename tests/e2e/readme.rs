//! README's scenario reference must stay a valid scenario.

use std::path::Path;

#[test]
fn the_readme_scenario_example_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let yaml = &readme[start..end];
    let env = |name: &str| match name {
        "REDIS_PASSWORD" | "FLAGS_TOKEN" => Some("x".to_string()),
        _ => None,
    };
    match gameday::scenario::parse_str(yaml, "README.md", Path::new("."), &env) {
        Ok(s) => {
            assert_eq!(s.name, "checkout-cache-outage");
            assert_eq!(s.steady_state.len(), 4);
            assert_eq!(s.faults.len(), 2);
            assert_eq!(s.notify.len(), 2);
        }
        Err(problems) => panic!(
            "{}",
            problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}
