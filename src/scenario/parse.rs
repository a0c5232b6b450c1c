//! Reading a scenario file into a [`Scenario`], reporting every problem with its position.

use std::fmt;
use std::path::Path;

use super::model::Scenario;

/// One problem in a scenario file, shown as `FILE:LINE:COL: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    /// 1-based
    pub line: usize,
    /// 1-based
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

/// Reads and checks the scenario at `path`; `env` resolves `${VAR}`.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Scenario, Vec<Problem>> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Problem {
            file: file.clone(),
            line: 1,
            col: 1,
            message: format!("cannot read: {e}"),
        }]
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse_str(&text, &file, base, env)
}

/// Checks `text` as if it were the file `file` in directory `base_dir`.
pub fn parse_str(
    _text: &str,
    file: &str,
    _base_dir: &Path,
    _env: &dyn Fn(&str) -> Option<String>,
) -> Result<Scenario, Vec<Problem>> {
    Err(vec![Problem {
        file: file.to_string(),
        line: 1,
        col: 1,
        message: "not implemented".into(),
    }])
}
