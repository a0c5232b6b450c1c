//! `--junit FILE`: the verdict and each criterion as JUnit XML, for CI pipelines that
//! schedule game days. Built from the journal, like the report.

use std::path::Path;

use crate::analysis::{AlertResult, Status};
use crate::journal::{read_journal, Record, Verdict};
use crate::report::Run;
use crate::units::format_value_against;

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
    let mut case = |name: &str, failure: Option<String>| {
        tests += 1;
        cases.push_str(&format!(
            "    <testcase classname=\"gameday.{scenario}\" name=\"{}\">",
            esc(name)
        ));
        if let Some(f) = failure {
            failures += 1;
            cases.push_str(&format!("<failure message=\"{}\"/>", esc(&f)));
        }
        cases.push_str("</testcase>\n");
    };
    for s in run.signals.iter() {
        let Some(expect) = &s.info.expect else {
            continue;
        };
        let name = format!("{} {}", s.info.name, expect.display(s.info.unit));
        let failure = match s.outcome.status {
            Status::Violated => Some(match s.outcome.worst_violating {
                Some((v, _)) => format!(
                    "violated; worst {}",
                    format_value_against(v, expect.value, s.info.unit)
                ),
                None => "violated".to_string(),
            }),
            Status::NoData if s.outcome.no_value => {
                Some("no data: no value in the whole window".to_string())
            }
            Status::NoData => Some("no data for more than two intervals".to_string()),
            _ => None,
        };
        case(&name, failure);
    }
    for a in &run.alerts {
        let failure = match a.result {
            AlertResult::InTime(_) => None,
            AlertResult::Late(_) => Some("fired late".to_string()),
            AlertResult::DidNotFire => Some("did not fire".to_string()),
            AlertResult::Unreadable => Some("unknown: the alerts API could not be read".into()),
            AlertResult::EndedTooSoon(_) => {
                Some("unknown: the run ended before `within` was up".into())
            }
            AlertResult::AlreadyActive => Some("already active before the trigger".into()),
            AlertResult::NotJudged => Some("not judged: no fault was triggered".into()),
        };
        case(&format!("alert {}", a.name), failure);
    }
    for f in run.fault_results() {
        case(&format!("fault {}", f.0), f.1);
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
    crate::files::write_output(path, xml.as_bytes()).map_err(|e| e.to_string())
}
