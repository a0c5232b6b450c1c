//! ARCHITECTURE.md promises that dependencies between the top-level modules of `src/`
//! point one way. A cycle is how a "pure" module ends up needing tokio, kube and the
//! terminal (the report once reached the runner through the screens); this keeps it from
//! coming back unnoticed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The `crate::X` each top-level module of `src/` names outside its tests. Test code
/// (`tests.rs` files, `#[cfg(test)] mod tests` blocks, the test kit) may reach anywhere.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeSet::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().unwrap().is_dir() {
            modules.insert(name);
        } else if let Some(m) = name.strip_suffix(".rs") {
            if m != "lib" && m != "main" {
                modules.insert(m.to_string());
            }
        }
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy();
            let top = top.trim_end_matches(".rs").to_string();
            if path.extension().is_none_or(|x| x != "rs")
                || !modules.contains(&top)
                || top == "testkit"
                || path.file_name().is_some_and(|f| f == "tests.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap()
                .split("#[cfg(test)]\n#[allow(clippy::unwrap_used)]\nmod tests")
                .next()
                .unwrap();
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (i, _) in line.match_indices("crate::") {
                    let name: String = line[i + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if modules.contains(&name) && name != top {
                        edges.entry(top.clone()).or_default().insert(name);
                    }
                }
            }
        }
    }
    edges
}

/// A path from `to` back to `from`, if there is one.
fn path_back(
    edges: &BTreeMap<String, BTreeSet<String>>,
    from: &str,
    to: &str,
) -> Option<Vec<String>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![to.to_string()]];
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap().clone();
        if last == from {
            return Some(path);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in edges.get(&last).into_iter().flatten() {
            let mut p = path.clone();
            p.push(next.clone());
            stack.push(p);
        }
    }
    None
}

#[test]
fn no_import_cycles_between_the_modules_of_src() {
    let edges = edges();
    // the scan finds what it should: the runner drives the engine and writes the report
    assert!(edges["runner"].contains("engine") && edges["runner"].contains("report"));
    let mut cycles = Vec::new();
    for (from, tos) in &edges {
        for to in tos {
            if let Some(back) = path_back(&edges, from, to) {
                cycles.push(format!("{from} -> {}", back.join(" -> ")));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles between modules of src/ (ARCHITECTURE.md says which way they point):\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_report_does_not_reach_the_fronts_the_runner_or_the_cluster() {
    let edges = edges();
    let report = &edges["report"];
    for far in [
        "runner", "room", "tui", "headless", "ui", "cluster", "signals", "faults",
    ] {
        assert!(
            !report.contains(far),
            "report depends on {far}: the report must build from the journal: {report:?}"
        );
    }
}

#[test]
fn the_words_of_events_need_only_the_journal_units_and_text() {
    // the report and the fronts both word events through it: anything more and one of
    // them would reach what it must not
    let edges = edges();
    let wording = &edges["wording"];
    assert!(
        wording.contains("journal"),
        "the scan sees wording.rs: {wording:?}"
    );
    for to in wording {
        assert!(
            ["journal", "units", "text"].contains(&to.as_str()),
            "wording depends on {to}: {wording:?}"
        );
    }
    assert!(edges["report"].contains("wording") && edges["describe"].contains("wording"));
}
