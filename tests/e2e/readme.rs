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

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The text between the first line `start` and the closing fence after it.
fn block<'a>(text: &'a str, start: &str) -> &'a str {
    let from = text.find(start).expect(start) + start.len();
    let len = text[from..].find("\n```").unwrap();
    &text[from..from + len]
}

/// Every top-level key the parser accepts is in README's scenario reference, and the
/// reference shows no key the parser would refuse. The parser's list is what it says
/// of an unknown key.
#[test]
fn the_scenario_reference_shows_every_top_level_key_and_no_other() {
    let problems = gameday::scenario::parse_str(
        "name: x\nhypothesis: y\nnot_a_key: 1\n",
        "t.yaml",
        Path::new("."),
        &|_| None,
    )
    .unwrap_err();
    let message = problems
        .iter()
        .map(|p| p.message.clone())
        .find(|m| m.contains("valid keys are"))
        .expect("the parser names its keys");
    let mut accepted: Vec<String> = message
        .split("valid keys are ")
        .nth(1)
        .unwrap()
        .split(", ")
        .map(|k| k.trim().to_string())
        .collect();
    accepted.sort();
    let text = readme();
    let reference = block(&text, "## Scenario reference, by example\n\n```yaml\n");
    let mut shown: Vec<String> = reference
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect();
    shown.sort();
    assert_eq!(
        shown, accepted,
        "README's scenario reference (left) and the parser's top-level keys (right) differ"
    );
}

/// Every subcommand of the CLI, and every option of each, is in README's command list;
/// every command the list names exists.
#[test]
fn the_command_list_names_every_command_and_option_and_no_other() {
    let gameday = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let commands_of = |help: &str| -> Vec<String> {
        help.split("Commands:")
            .nth(1)
            .map(|rest| {
                rest.lines()
                    .skip(1)
                    .take_while(|l| !l.trim().is_empty())
                    .filter_map(|l| l.split_whitespace().next())
                    .filter(|n| *n != "help")
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let options_of = |help: &str| -> Vec<String> {
        help.split_whitespace()
            .filter(|w| w.starts_with("--"))
            .map(|w| {
                w.trim_end_matches([',', '.', ')'])
                    .split(['=', '['])
                    .next()
                    .unwrap()
                    .to_string()
            })
            .filter(|w| w != "--help" && w != "--version" && w.len() > 2)
            .collect()
    };
    let text = readme();
    let list = block(&text, "## Commands\n\n```\n");
    let mut cli: Vec<String> = Vec::new();
    for c in commands_of(&gameday(&["--help"])) {
        let nested = commands_of(&gameday(&[&c, "--help"]));
        if nested.is_empty() {
            cli.push(c);
        } else {
            cli.extend(nested.into_iter().map(|n| format!("{c} {n}")));
        }
    }
    // each entry: a line starting with `gameday`, and the indented lines under it
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in list.lines() {
        if let Some(rest) = line.strip_prefix("gameday ") {
            let words: Vec<&str> = rest.split_whitespace().collect();
            // `import litmus`: a nested command is named with its parent
            let two = words[..words.len().min(2)].join(" ");
            let name = if cli.contains(&two) {
                two
            } else {
                words[0].to_string()
            };
            entries.push((name, line.to_string()));
        } else if let Some((_, body)) = entries.last_mut() {
            body.push('\n');
            body.push_str(line);
        }
    }
    let mut named: Vec<String> = entries.iter().map(|(n, _)| n.clone()).collect();
    named.dedup();
    let mut sorted_cli = cli.clone();
    sorted_cli.sort();
    let mut sorted_named = named.clone();
    sorted_named.sort();
    sorted_named.dedup();
    assert_eq!(
        sorted_named, sorted_cli,
        "README's command list (left) and the CLI's commands (right) differ"
    );
    for c in &cli {
        let args: Vec<&str> = c.split(' ').chain(["--help"]).collect();
        let help = gameday(&args);
        let text: String = entries
            .iter()
            .filter(|(n, _)| n == c)
            .map(|(_, b)| b.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for option in options_of(&help) {
            assert!(
                text.contains(&format!("{option} ")) || text.contains(&format!("{option}]")),
                "README's command list does not show `{option}` of `gameday {c}`:\n{text}"
            );
        }
    }
}
