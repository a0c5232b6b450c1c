//! `gameday new NAME --template T`: commented scenarios for the common boring failures,
//! each complete and valid as written, so the first `gameday check` passes and every
//! line a user must change is marked `CHANGE`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::schema::{modeline_for, shell_word};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// Delete pods (`pod_delete`) and watch the other replicas take the traffic.
    PodDelete,
    /// Scale a dependency to zero (`scale`) and watch the service degrade gracefully.
    ScaleToZero,
    /// Add latency to a dependency with a Chaos Mesh NetworkChaos (`manifest`).
    Latency,
    /// Inject and revert with shell commands (`exec`), e.g. Toxiproxy.
    Exec,
    /// Judge by the error budget: fast and slow burn rates over two windows each (the
    /// SRE workbook's multiwindow alerts), the fast burn as the guardrail.
    SloBurn,
}

impl Template {
    fn text(self) -> &'static str {
        match self {
            Template::PodDelete => include_str!("pod-delete.yaml"),
            Template::ScaleToZero => include_str!("scale-to-zero.yaml"),
            Template::Latency => include_str!("latency.yaml"),
            Template::Exec => include_str!("exec.yaml"),
            Template::SloBurn => include_str!("slo-burn.yaml"),
        }
    }
}

/// A scenario name is `[a-z0-9-]+`, at most 63 characters (it names run directories).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 63 {
        return Err(format!(
            "`{name}` is not a scenario name: 1 to 63 characters of a-z, 0-9 and -"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        let fixed: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        return Err(format!(
            "`{name}` is not a scenario name: only a-z, 0-9 and - (it names the run directory); e.g. `{fixed}`"
        ));
    }
    Ok(())
}

/// The scenario text for `name`, as it will be written to `file`. The file's path is
/// written (in the comments that say how to check and run it) as one shell word on one
/// line, whatever its directories are called.
pub fn render(template: Template, name: &str, file: &Path) -> String {
    let body = template
        .text()
        .replace("{{NAME}}", name)
        .replace("{{FILE}}", &shell_word(file));
    format!("{}{body}", modeline_for(file))
}

/// Writes the scenario to `out` (default `NAME.yaml`); refuses to replace an existing
/// file unless `force`. Returns the path written.
///
/// What is written is first read back with gameday's own parser, as `import` does: a
/// scenario that would not pass `gameday check` is never written.
pub fn write_new(
    name: &str,
    template: Template,
    out: Option<PathBuf>,
    force: bool,
) -> Result<PathBuf, String> {
    check_name(name)?;
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{name}.yaml")));
    let text = render(template, name, &path);
    recheck(&text, &path)?;
    write_file(&path, &text, force)?;
    Ok(path)
}

/// The promise of `new`: what it writes is a scenario `gameday check` accepts.
fn recheck(text: &str, path: &Path) -> Result<(), String> {
    if text.len() > crate::yaml::MAX_BYTES {
        return Err(format!(
            "the scenario for {} would be {} bytes, over gameday's limit for a scenario (1 MiB); nothing was written",
            shell_word(path),
            text.len()
        ));
    }
    let none = |_: &str| None;
    let base = path.parent().unwrap_or(Path::new("."));
    crate::scenario::parse_str(text, &path.display().to_string(), base, &none)
        .map(|_| ())
        .map_err(|problems| {
            format!(
                "the scenario for {} does not pass `gameday check` (a bug in gameday new; please report it), so nothing was written: {}",
                shell_word(path),
                problems
                    .first()
                    .map(|p| p.message.clone())
                    .unwrap_or_default()
            )
        })
}

/// Creates `path` with `text`; an existing file is kept unless `force`.
pub fn write_file(path: &Path, text: &str, force: bool) -> Result<(), String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} already exists; choose another name with --out FILE, or replace it with --force",
                path.display()
            )
        } else {
            format!("cannot create {}: {e}", path.display())
        }
    })?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::ValueEnum;

    #[test]
    fn every_template_is_a_valid_scenario_with_its_name() {
        let env = |_: &str| None;
        for t in Template::value_variants() {
            let text = render(*t, "my-game-day", Path::new("my-game-day.yaml"));
            assert!(!text.contains("{{"), "{t:?}: a placeholder is left");
            let s = crate::scenario::parse_str(&text, "t.yaml", Path::new("."), &env)
                .unwrap_or_else(|p| panic!("{t:?}: {p:#?}"));
            assert_eq!(s.name, "my-game-day");
            assert_eq!(s.faults.len(), 1);
            assert!(text.contains("CHANGE"), "{t:?}");
        }
    }

    #[test]
    fn what_new_would_write_is_read_back_before_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.yaml");
        let e = recheck("name: x\n", &path).unwrap_err();
        assert!(
            e.contains("does not pass `gameday check`") && e.contains("nothing was written"),
            "{e}"
        );
        let big = format!("# {}\nname: x\nhypothesis: h\n", "x".repeat(2 << 20));
        assert!(recheck(&big, &path)
            .unwrap_err()
            .contains("over gameday's limit"));
        for t in Template::value_variants() {
            let file = dir.path().join("a\nfaults: []\n#").join("x.yaml");
            assert!(recheck(&render(*t, "x", &file), &file).is_ok(), "{t:?}");
        }
    }

    #[test]
    fn names_are_checked_like_scenario_names() {
        assert!(check_name("redis-pod-delete").is_ok());
        let e = check_name("Redis Pod").unwrap_err();
        assert!(e.contains("e.g. `redis-pod`"), "{e}");
        assert!(check_name("").is_err());
        assert!(check_name(&"a".repeat(64)).is_err());
    }
}
