//! The JSON Schema of the scenario format, for editors (yaml-language-server, the VS Code
//! YAML extension, JetBrains IDEs). The parser in `scenario::parse` stays the authority:
//! the schema describes the same keys and types so an editor can complete and flag them
//! while typing, and tests keep the two from drifting apart.

use std::path::{Component, Path, PathBuf};

/// `assets/scenario.schema.json`, printed by `gameday schema`.
pub const SCENARIO_SCHEMA: &str = include_str!("../assets/scenario.schema.json");

/// The file name a user is told to save `gameday schema` under.
pub const SCHEMA_FILE_NAME: &str = "scenario.schema.json";

/// yaml-language-server reads this comment (anywhere, conventionally the first line) and
/// resolves a relative path against the YAML file's own directory.
pub const MODELINE_PREFIX: &str = "# yaml-language-server: $schema=";

/// The modeline and a one-line hint for a scenario that will be written to `out_file`.
///
/// The schema is looked for beside the file and in its ancestors (`scenario.schema.json`
/// or `assets/scenario.schema.json`, as in gameday's own repository); when one is found
/// the modeline points at it by a relative path. Otherwise it points at
/// `scenario.schema.json` beside the file, and the hint says how to create it: gameday
/// has no public URL to point at.
pub fn modeline_for(out_file: &Path) -> String {
    let dir = absolute_dir(out_file);
    let mut up = PathBuf::new();
    for ancestor in dir.ancestors() {
        for candidate in [
            PathBuf::from(SCHEMA_FILE_NAME),
            Path::new("assets").join(SCHEMA_FILE_NAME),
        ] {
            if ancestor.join(&candidate).is_file() {
                let rel = up.join(candidate);
                return format!("{MODELINE_PREFIX}{}\n", slashes(&rel));
            }
        }
        up.push("..");
    }
    format!(
        "{MODELINE_PREFIX}{SCHEMA_FILE_NAME}\n\
         # Editor completion and checks: `gameday schema > {}` once, beside this file.\n",
        slashes(&dir.join(SCHEMA_FILE_NAME))
    )
}

/// The directory `file` will be in, made absolute without touching the file system
/// beyond the current directory (the file need not exist yet).
fn absolute_dir(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new(""));
    let joined = if parent.is_absolute() {
        parent.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(parent)
    };
    // Resolve `.` and `..` lexically so the relative path stays short and correct.
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A modeline path uses `/` on every platform.
fn slashes(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
        .replacen("//", "/", 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_json() {
        let v: serde_json::Value = serde_json::from_str(SCENARIO_SCHEMA).unwrap();
        assert_eq!(v["required"], serde_json::json!(["name", "hypothesis"]));
    }

    #[test]
    fn a_schema_in_an_ancestor_is_found_by_a_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("assets")).unwrap();
        std::fs::create_dir_all(dir.path().join("scenarios/team")).unwrap();
        std::fs::write(dir.path().join("assets").join(SCHEMA_FILE_NAME), "{}").unwrap();
        let line = modeline_for(&dir.path().join("scenarios/team/x.yaml"));
        assert_eq!(
            line,
            "# yaml-language-server: $schema=../../assets/scenario.schema.json\n"
        );
        std::fs::write(dir.path().join("scenarios").join(SCHEMA_FILE_NAME), "{}").unwrap();
        let line = modeline_for(&dir.path().join("scenarios/team/../y.yaml"));
        assert_eq!(
            line,
            "# yaml-language-server: $schema=scenario.schema.json\n"
        );
    }

    #[test]
    fn without_a_schema_nearby_the_hint_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let text = modeline_for(&dir.path().join("x.yaml"));
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("# yaml-language-server: $schema=scenario.schema.json")
        );
        let hint = lines.next().unwrap();
        assert!(hint.contains("gameday schema > "), "{hint}");
        assert!(hint.contains(&format!("{}/scenario.schema.json", dir.path().display())));
    }
}
