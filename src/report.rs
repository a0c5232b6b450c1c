//! Placeholder until the report lands.
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ReportError(String);

pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let records = crate::journal::read_journal(&run_dir.join("journal.jsonl"))
        .map_err(|e| ReportError(e.to_string()))?;
    let mut out = String::new();
    for r in &records {
        out.push_str(&crate::describe::describe(r, None));
        out.push('\n');
    }
    let path = run_dir.join("report.md");
    std::fs::write(&path, out).map_err(|e| ReportError(e.to_string()))?;
    Ok(path)
}
