//! Placeholder until the parser lands.
use std::io::Write;
use std::path::PathBuf;

pub fn check_files(
    paths: &[PathBuf],
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut impl Write,
) -> bool {
    let mut ok = true;
    for p in paths {
        match super::load(p, env) {
            Ok(s) => {
                let _ = writeln!(
                    out,
                    "{}: ok ({} signals, {} faults)",
                    p.display(),
                    s.steady_state.len(),
                    s.faults.len()
                );
            }
            Err(problems) => {
                ok = false;
                for pr in problems {
                    let _ = writeln!(out, "{pr}");
                }
            }
        }
    }
    ok
}
