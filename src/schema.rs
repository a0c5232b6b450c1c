//! The JSON Schema of the scenario format, for editors (yaml-language-server, the VS Code
//! YAML extension, JetBrains IDEs). The parser in `scenario::parse` stays the authority:
//! the schema describes the same keys and types so an editor can complete and flag them
//! while typing, and tests keep the two from drifting apart.

mod ordered;

use std::path::{Component, Path, PathBuf};

use crate::faults::KINDS;
use ordered::Json;

/// The schema without the fault kinds, which are added where it says:
/// - `"FAULT KINDS": null` among the properties of a fault: each kind's key, and the
///   `property` of its part of the schema;
/// - `"FAULT KIND DEFINITIONS": null` among the definitions: the `definitions` of each
///   kind's part;
/// - the text `"ONE FAULT KIND"`: a list of `{"required": [key]}`, one per kind;
/// - the text `"FAULT KINDS THAT NEED A CLUSTER"`: the same for the kinds that need one;
/// - `{fault kinds}` within a text: the keys, `pod_delete, scale, ... or http`.
const BASE: &str = include_str!("schema/scenario.base.json");

/// The JSON Schema of the scenario format, printed by `gameday schema`: the base with
/// each fault kind's part ([`crate::faults::KindInfo::schema`]), in the order of the table
/// of kinds. `assets/scenario.schema.json` is this text, for editors that read it from the
/// repository; after changing a kind or the base, write it again with
/// `cargo run -q -- schema > assets/scenario.schema.json`.
pub fn scenario_schema() -> Result<String, String> {
    let mut schema = Json::parse(BASE).map_err(|e| format!("schema/scenario.base.json: {e}"))?;
    let mut properties = Vec::new();
    let mut definitions = Vec::new();
    for k in KINDS {
        let part = Json::parse(k.schema)
            .map_err(|e| format!("the schema of fault kind `{}`: {e}", k.key))?;
        let (Some(property), Some(Json::Object(defs))) =
            (part.get("property"), part.get("definitions"))
        else {
            return Err(format!(
                "the schema of fault kind `{}` needs a `property` and an object of \
                 `definitions`",
                k.key
            ));
        };
        properties.push((k.key.to_string(), property.clone()));
        definitions.extend(defs.iter().cloned());
    }
    let required = |keys: &mut dyn Iterator<Item = &str>| {
        Json::Array(
            keys.map(|k| {
                Json::Object(vec![(
                    "required".to_string(),
                    Json::Array(vec![Json::str(k)]),
                )])
            })
            .collect(),
        )
    };
    let fill = Fill {
        properties,
        definitions,
        one_kind: required(&mut KINDS.iter().map(|k| k.key)),
        cluster_kinds: required(&mut KINDS.iter().filter(|k| k.needs_cluster).map(|k| k.key)),
        names: names(&KINDS.iter().map(|k| k.key).collect::<Vec<_>>()),
    };
    fill.apply(&mut schema);
    Ok(schema.pretty())
}

/// `a, b or c`
fn names(keys: &[&str]) -> String {
    match keys {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// What the markers of the base are replaced with.
struct Fill {
    properties: Vec<(String, Json)>,
    definitions: Vec<(String, Json)>,
    one_kind: Json,
    cluster_kinds: Json,
    names: String,
}

impl Fill {
    fn apply(&self, v: &mut Json) {
        match v {
            Json::Object(entries) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, mut v) in std::mem::take(entries) {
                    match k.as_str() {
                        "FAULT KINDS" => out.extend(self.properties.iter().cloned()),
                        "FAULT KIND DEFINITIONS" => out.extend(self.definitions.iter().cloned()),
                        _ => {
                            self.apply(&mut v);
                            out.push((k, v));
                        }
                    }
                }
                *entries = out;
            }
            Json::Array(items) => items.iter_mut().for_each(|i| self.apply(i)),
            Json::String(s) if s == "ONE FAULT KIND" => *v = self.one_kind.clone(),
            Json::String(s) if s == "FAULT KINDS THAT NEED A CLUSTER" => {
                *v = self.cluster_kinds.clone()
            }
            Json::String(s) => *s = s.replace("{fault kinds}", &self.names),
            Json::Null | Json::Bool(_) | Json::Number(_) => {}
        }
    }
}

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
    // The directory is the user's and may hold any byte: it is written as one shell word
    // on one line (`shell_word`), so nothing in it can end the comment and start YAML.
    format!(
        "{MODELINE_PREFIX}{SCHEMA_FILE_NAME}\n\
         # Editor completion and checks: `gameday schema > {}` once, beside this file.\n",
        shell_word(&dir.join(SCHEMA_FILE_NAME))
    )
}

/// `p` as one shell word on one line, naming exactly `p` when pasted into bash or zsh:
/// bare when it holds only characters no shell treats specially, in single quotes when
/// it holds other printable text, and otherwise in `$'...'` with every control character,
/// byte that is not UTF-8, and invisible or reordering character (line and paragraph
/// separators, bidirectional controls, zero-width characters, the byte-order mark)
/// written as an escape. So a path written into a scenario's comment can never end the
/// line, start a YAML key or hide text, however its directories are named.
pub fn shell_word(p: &Path) -> String {
    let bytes = path_bytes(p);
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"/._-+,:=@%".contains(&b);
    if !bytes.is_empty() && bytes.iter().all(|b| plain(*b)) {
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let mut printable = String::new();
    let mut escaped = String::from("$'");
    let mut needs_escapes = false;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => escaped.push_str("\\\\"),
                '\'' => escaped.push_str("\\'"),
                '\n' => escaped.push_str("\\n"),
                '\r' => escaped.push_str("\\r"),
                '\t' => escaped.push_str("\\t"),
                c if invisible(c) => {
                    needs_escapes = true;
                    if u32::from(c) < 0x80 {
                        escaped.push_str(&format!("\\x{:02x}", u32::from(c)));
                    } else {
                        escaped.push_str(&format!("\\u{:04x}", u32::from(c)));
                    }
                }
                c => escaped.push(c),
            }
            if matches!(c, '\n' | '\r' | '\t') {
                needs_escapes = true;
            }
            if c == '\'' {
                printable.push_str("'\\''");
            } else {
                printable.push(c);
            }
        }
        for b in chunk.invalid() {
            needs_escapes = true;
            escaped.push_str(&format!("\\x{b:02x}"));
        }
    }
    escaped.push('\'');
    if needs_escapes {
        escaped
    } else {
        format!("'{printable}'")
    }
}

/// Characters that must never reach a line of the scenario as they are: every control
/// character, and those that end a line for some YAML readers (NEL, LS, PS), hide text
/// (zero-width, byte-order mark) or reorder it on screen (bidirectional controls).
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
        )
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().into_owned().into_bytes()
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
        let text = scenario_schema().unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["required"], serde_json::json!(["name", "hypothesis"]));
        for marker in ["FAULT KIND", "{fault kinds}"] {
            assert!(!text.contains(marker), "{marker}");
        }
    }

    /// Editors read the file, `gameday schema` prints the composed text: the same.
    #[test]
    fn the_shipped_schema_is_the_composed_one() {
        assert!(
            scenario_schema().unwrap() == include_str!("../assets/scenario.schema.json"),
            "assets/scenario.schema.json is not what the base and the fault kinds make; \
             write it again with `cargo run -q -- schema > assets/scenario.schema.json`"
        );
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
    fn a_path_is_one_shell_word_on_one_line() {
        assert_eq!(
            shell_word(Path::new("/srv/game-days/x.yaml")),
            "/srv/game-days/x.yaml"
        );
        assert_eq!(shell_word(Path::new("/tmp/my dir/x")), "'/tmp/my dir/x'");
        assert_eq!(shell_word(Path::new("/tmp/it's")), "'/tmp/it'\\''s'");
        assert_eq!(
            shell_word(Path::new("/tmp/a\nname: x\r\u{202E}'\\")),
            "$'/tmp/a\\nname: x\\r\\u202e\\'\\\\'"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xff\x1b[2J"));
            assert_eq!(shell_word(p), "$'/tmp/\\xff\\x1b[2J'");
        }
        for p in ["a\nb", "a\rb", "a\u{2028}b", "a\u{85}b", "a\u{7f}b"] {
            let w = shell_word(Path::new(p));
            assert!(!w.chars().any(invisible), "{w:?}");
        }
    }

    #[test]
    fn a_directory_with_a_line_break_stays_inside_the_comment() {
        let dir = tempfile::tempdir().unwrap();
        let evil = dir.path().join("x\nsteady_state: []\n#");
        let text = modeline_for(&evil.join("s.yaml"));
        assert_eq!(text.lines().count(), 2, "{text}");
        for l in text.lines() {
            assert!(
                l.starts_with('#') && !l.chars().any(char::is_control),
                "{l:?}"
            );
        }
        assert!(
            text.contains("x\\nsteady_state: []\\n#/scenario.schema.json'"),
            "{text}"
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
