//! `--junit FILE`: the verdict and each criterion as JUnit XML, for CI pipelines that
//! schedule game days. Built from the journal, like the report.

use std::path::Path;

use crate::analysis::{self, Point, Status, Window};
use crate::journal::{read_journal, Event, Record, RunInfo, Verdict};
use crate::units::format_value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(records: &[Record]) -> Result<String, String> {
    let info: &RunInfo = records
        .iter()
        .find_map(|r| match &r.event {
            Event::RunStarted(i) => Some(i.as_ref()),
            _ => None,
        })
        .ok_or("the journal has no run_started line")?;
    let first_trigger = records
        .iter()
        .find(|r| matches!(r.event, Event::FaultInjecting { .. }))
        .map(|r| r.ts);
    let last_revert = records
        .iter()
        .rev()
        .find(|r| matches!(r.event, Event::FaultReverted { .. }))
        .map(|r| r.ts);
    let (verdict, reasons, end) = records
        .iter()
        .find_map(|r| match &r.event {
            Event::Verdict { verdict, reasons } => Some((Some(*verdict), reasons.clone(), r.ts)),
            _ => None,
        })
        .unwrap_or_else(|| {
            (
                None,
                vec!["the run did not finish".into()],
                records.last().map(|r| r.ts).unwrap_or_default(),
            )
        });
    let window = first_trigger.map(|first_trigger| Window {
        first_trigger,
        last_revert,
        end,
    });
    let mut cases = String::new();
    let mut failures = 0;
    for s in &info.signals {
        let Some(expect) = &s.expect else { continue };
        let points: Vec<Point> = records
            .iter()
            .filter(|r| r.ts <= end)
            .filter_map(|r| match &r.event {
                Event::Sample { signal, value, .. } if signal == &s.name => Some(Point {
                    ts: r.ts,
                    value: *value,
                }),
                _ => None,
            })
            .collect();
        let o = analysis::evaluate(s, &points, window);
        let name = format!("{} {}", s.name, expect.display(s.unit));
        cases.push_str(&format!(
            "    <testcase classname=\"gameday.{}\" name=\"{}\">",
            esc(&info.scenario),
            esc(&name)
        ));
        match o.status {
            Status::Violated => {
                failures += 1;
                let worst = o
                    .worst
                    .map(|(v, _)| format_value(v, s.unit))
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
    let ok = verdict == Some(Verdict::Confirmed);
    if !ok {
        failures += 1;
    }
    let word = verdict.map(|v| v.word()).unwrap_or("IN PROGRESS");
    cases.push_str(&format!(
        "    <testcase classname=\"gameday.{}\" name=\"verdict\">{}</testcase>\n",
        esc(&info.scenario),
        if ok {
            String::new()
        } else {
            format!(
                "<failure message=\"{}: {}\"/>",
                word,
                esc(&reasons.join("; "))
            )
        }
    ));
    let tests = info.signals.iter().filter(|s| s.expect.is_some()).count() + 1;
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"gameday.{}\" tests=\"{tests}\" failures=\"{failures}\">\n{cases}  </testsuite>\n</testsuites>\n",
        esc(&info.scenario)
    ))
}

pub fn write(run_dir: &Path, path: &Path) -> Result<(), String> {
    let records = read_journal(&run_dir.join("journal.jsonl")).map_err(|e| e.to_string())?;
    let xml = render(&records)?;
    std::fs::write(path, xml).map_err(|e| e.to_string())
}
