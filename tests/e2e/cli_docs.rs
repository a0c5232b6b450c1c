//! `gameday completions SHELL` and `gameday man`, and the checked-in assets/gameday.1 and
//! assets/completions/ (what the Debian package installs).
//! `UPDATE_EXPECTED=1 cargo test --test e2e cli_docs::` rewrites them.

use std::process::Command;

fn gameday(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

/// Every subcommand, as `gameday --help` lists it (so a new one is checked too).
fn subcommands() -> Vec<String> {
    let (_, help) = gameday(&["--help"]);
    let names: Vec<String> = help
        .split("Commands:")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    for expected in ["run", "check", "demo", "schema", "completions", "man"] {
        assert!(names.iter().any(|n| n == expected), "{names:?}");
    }
    names
}

#[test]
fn bash_completion_offers_every_subcommand() {
    let (code, script) = gameday(&["completions", "bash"]);
    assert_eq!(code, Some(0));
    assert!(script.contains("complete -F _gameday"), "{script}");
    for name in subcommands() {
        // bash's list of words completed after `gameday`.
        assert!(
            script.contains(&format!(" {name} ")) || script.contains(&format!(" {name}\"")),
            "bash completion lacks `{name}`"
        );
        assert!(
            script.contains(&format!("gameday__{name})"))
                || script.contains(&format!("gameday,{name})")),
            "bash completion has no case for `{name}`"
        );
    }
}

#[test]
fn every_shell_gets_a_script_and_a_bad_shell_is_refused() {
    for (shell, marker) in [
        ("zsh", "#compdef gameday"),
        ("fish", "complete -c gameday"),
        ("elvish", "edit:completion:arg-completer[gameday]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, script) = gameday(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("schema"), "{shell}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_gameday"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bash") && err.contains("zsh") && err.contains("fish"),
        "{err}"
    );
}

#[test]
fn the_man_page_has_its_sections_and_every_subcommand() {
    let (code, page) = gameday(&["man"]);
    assert_eq!(code, Some(0));
    assert!(page.starts_with(".ie \\n(.g .ds Aq"), "not roff: {page}");
    assert!(page.contains(".TH gameday 1"), "{page}");
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH DESCRIPTION",
        ".SH OPTIONS",
        ".SH COMMANDS",
    ] {
        assert!(page.contains(section), "no {section}");
    }
    // One page documents every command: its synopsis and its options.
    for name in subcommands() {
        assert!(
            page.contains(&format!(".SS \"gameday {name}\"\n\\fBgameday {name}\\fR")),
            "the man page does not document `{name}`"
        );
    }
    for option in [r"\-\-template", r"\-\-headless", r"\-\-cluster"] {
        assert!(page.contains(option), "no {option}");
    }
    assert!(page.contains(".SS \"gameday import litmus\""));
    assert_eq!(page.matches(".ds Aq").count(), 2, "one preamble");
}

#[test]
fn the_checked_in_man_page_is_up_to_date() {
    let (_, page) = gameday(&["man"]);
    let path = "assets/gameday.1";
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(path, &page).unwrap();
        return;
    }
    let shipped = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        shipped == page,
        "{path} is out of date: run `UPDATE_EXPECTED=1 cargo test --test e2e cli_docs::`"
    );
}

/// The completion scripts the Debian package installs (Cargo.toml's
/// `[package.metadata.deb]`) are the ones the binary prints: a new command or option
/// cannot ship with stale completions.
#[test]
fn the_checked_in_completions_are_up_to_date() {
    for (shell, path) in [
        ("bash", "assets/completions/gameday.bash"),
        ("zsh", "assets/completions/_gameday"),
        ("fish", "assets/completions/gameday.fish"),
    ] {
        let (code, script) = gameday(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::write(path, &script).unwrap();
            continue;
        }
        let shipped = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            shipped == script,
            "{path} is out of date: run `UPDATE_EXPECTED=1 cargo test --test e2e cli_docs::`"
        );
    }
}

/// The man page has README's keys and exit codes: a new key or code documented in one
/// place only fails here.
#[test]
fn the_man_page_has_the_keys_and_exit_codes_of_the_readme() {
    let (_, page) = gameday(&["man"]);
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = |name: &str| -> String {
        let start = page
            .find(name)
            .unwrap_or_else(|| panic!("no {name}:\n{page}"));
        let rest = &page[start + name.len()..];
        rest[..rest.find("\n.SH ").unwrap_or(rest.len())].to_string()
    };
    // each entry ends its line, the last one too
    let exit = format!("{}\n", section(".SH \"EXIT STATUS\"\n"));
    let table = &readme[readme.find("### Exit codes").unwrap()..];
    let rows: Vec<(&str, &str)> = table
        .lines()
        .skip_while(|l| !l.starts_with("| code"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let l = l.strip_prefix("| ")?.strip_suffix(" |")?;
            l.split_once(" | ")
        })
        .collect();
    assert!(rows.len() >= 12, "{rows:?}");
    for (code, meaning) in &rows {
        // README's words, as roff writes them: the page says what README says
        let meaning = meaning
            .replace('`', "")
            .replace('\\', "\\e")
            .replace('-', "\\-");
        assert!(
            exit.contains(&format!(".TP\n\\fB{code}\\fR\n{meaning}\n")),
            "the man page's EXIT STATUS does not say README's words for {code} ({meaning}):\n{exit}"
        );
    }
    assert_eq!(
        exit.matches(".TP\n").count(),
        rows.len(),
        "the man page has codes README does not:\n{exit}"
    );
    assert!(exit.contains("preflight"), "{exit}");
    let keys = section(".SH KEYS\n");
    let table = &readme[readme.find("### Keys").unwrap()..];
    let readme_keys: Vec<String> = table
        .lines()
        .skip_while(|l| !l.starts_with("| key"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .map(|k| k.replace('`', "").trim().to_string())
        .collect();
    assert!(readme_keys.len() >= 9, "{readme_keys:?}");
    let entries = keys.matches(".TP\n").count();
    assert_eq!(
        entries,
        readme_keys.len(),
        "README's keys {readme_keys:?} and the man page's:\n{keys}"
    );
    for k in readme_keys {
        // README writes arrows; the page, words
        let k = k
            .replace('↑', "Up")
            .replace('↓', "Down")
            .replace('-', "\\-");
        assert!(
            keys.contains(&format!("\\fB{k}\\fR")),
            "the man page's KEYS lacks `{k}`:\n{keys}"
        );
    }
}
