//! `--junit FILE`: the verdict and each criterion as JUnit XML, for CI pipelines that
//! schedule game days. Built from the journal, like the report.

use std::path::Path;

use crate::analysis::Status;
use crate::journal::{read_journal, Record, Verdict};
use crate::report::Run;
use crate::units::format_value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(records: &[Record]) -> Result<String, String> {
    let run = Run::from_records(records).map_err(|e| e.to_string())?;
    let scenario = esc(&run.info.scenario);
    let mut cases = String::new();
    let mut failures = 0;
    let mut tests = 1;
    for s in run.signals.iter() {
        let Some(expect) = &s.info.expect else {
            continue;
        };
        tests += 1;
        let name = format!("{} {}", s.info.name, expect.display(s.info.unit));
        cases.push_str(&format!(
            "    <testcase classname=\"gameday.{scenario}\" name=\"{}\">",
            esc(&name)
        ));
        match s.outcome.status {
            Status::Violated => {
                failures += 1;
                let worst = s
                    .outcome
                    .worst
                    .map(|(v, _)| format_value(v, s.info.unit))
                    .unwrap_or_default();
                cases.push_str(&format!(
                    "<failure message=\"violated; worst {}\"/>",
                    esc(&worst)
                ));
            }
            Status::NoData => {
                failures += 1;
                cases.push_str("<failure message=\"no data for more than two intervals\"/>");
            }
            _ => {}
        }
        cases.push_str("</testcase>\n");
    }
    let (word, reasons) = match run.verdict {
        Some((v, reasons)) => (v.word(), reasons.join("; ")),
        None => ("IN PROGRESS", "the run did not finish".to_string()),
    };
    let ok = matches!(run.verdict, Some((Verdict::Confirmed, _)));
    if !ok {
        failures += 1;
    }
    cases.push_str(&format!(
        "    <testcase classname=\"gameday.{scenario}\" name=\"verdict\">{}</testcase>\n",
        if ok {
            String::new()
        } else {
            format!("<failure message=\"{word}: {}\"/>", esc(&reasons))
        }
    ));
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"gameday.{scenario}\" tests=\"{tests}\" failures=\"{failures}\">\n{cases}  </testsuite>\n</testsuites>\n"
    ))
}

pub fn write(run_dir: &Path, path: &Path) -> Result<(), String> {
    let records = read_journal(&run_dir.join("journal.jsonl")).map_err(|e| e.to_string())?;
    let xml = render(&records)?;
    std::fs::write(path, xml).map_err(|e| e.to_string())
}
