//! One run in a few figures: what `gameday history` keeps of each journal. They come
//! from the report's own fold of the journal and are judged by the same rules, so a
//! run's history never says something its report does not.

use super::*;
use crate::units::{Criterion, Unit};

/// A run's verdict and figures, as its report gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub run_id: String,
    pub scenario: String,
    pub started: Ts,
    /// the journaled verdict; `None` when the run never reached one
    pub verdict: Option<Verdict>,
    /// why the journaled verdict is not the one the journal's own records give (what
    /// `gameday report` exits 65 for): such a verdict is not to be trusted
    pub disagreement: Option<String>,
    /// a fault was triggered: the worst values and the recovery mean something
    pub triggered: bool,
    pub signals: Vec<SignalFigures>,
    /// the slowest recovery of any signal after any fault (the report's "Recovered in");
    /// `None` when nothing was triggered
    pub recovery: Option<Recovery>,
}

/// One signal of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalFigures {
    pub name: String,
    pub unit: Unit,
    pub expect: Option<Criterion>,
    /// the worst value during the faults (the report's "Worst"), `None` without one
    pub worst: Option<f64>,
}

impl SignalFigures {
    /// A value of this signal as the report's criteria table writes it.
    pub fn value_words(&self, v: f64) -> String {
        match &self.expect {
            Some(c) => crate::units::format_value_against(v, c.value, self.unit),
            None => crate::units::format_value(v, self.unit),
        }
    }

    /// "< 300 ms", as the report's criteria table writes the expectation; "—" without one.
    pub fn expect_words(&self) -> String {
        self.expect
            .as_ref()
            .map_or_else(|| "—".to_string(), |c| c.display(self.unit))
    }
}

/// The words of the report's "Recovered in" column: "1.2 s", "not recovered", "—".
pub fn recovery_words(r: Option<Recovery>) -> String {
    sections::recovery_words(r)
}

/// The journal of one run, summed up; `Err` when it is not a gameday journal.
pub fn summary(records: &[Record]) -> Result<RunSummary, ReportError> {
    let run = Run::from_records(records)?;
    let triggered = run.window.is_some();
    let signals = run
        .signals
        .iter()
        .map(|s| SignalFigures {
            name: s.info.name.clone(),
            unit: s.info.unit,
            expect: s.info.expect.clone(),
            worst: s.outcome.worst.filter(|_| triggered).map(|(v, _)| v),
        })
        .collect();
    let recovery = if triggered {
        run.signals
            .iter()
            .filter_map(|s| s.outcome.slowest_recovery())
            .reduce(Recovery::slower)
    } else {
        None
    };
    Ok(RunSummary {
        run_id: run.info.run_id.clone(),
        scenario: run.info.scenario.clone(),
        started: run.started(),
        verdict: run.verdict.map(|(v, _)| v),
        disagreement: verdict_disagreement(&run),
        triggered,
        signals,
        recovery,
    })
}
