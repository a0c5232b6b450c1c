//! The process exit codes README's table gives, in one place: a CI pipeline or a script
//! around `gameday run` branches on them, so each is a promise, and the engine and the
//! report's recheck must derive a run's code the same way.

use crate::journal::Verdict;

/// Every code gameday exits with. The numbers are README's "Exit codes"; the ones from 64
/// up are sysexits.h's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Confirmed,
    Refuted,
    Aborted,
    Inconclusive,
    /// A fault failed to inject: the hypothesis was not tested.
    InjectFailed,
    /// A revert failed after every retry: faults may still be active.
    RevertFailed,
    /// The steady state did not hold at the end of the baseline; nothing was injected.
    NotRun,
    /// Bad usage or an invalid scenario (EX_USAGE).
    Usage,
    /// `report`: the journaled verdict is not the one its own records give (EX_DATAERR).
    RecordsDisagree,
    /// `join`, `abort`, `status`: no live run, or the connection was lost
    /// (EX_UNAVAILABLE).
    Unavailable,
    /// `abort`: the kill switch was pulled, but not every revert was confirmed in time;
    /// the driver is still trying. `join`, `abort`, `status`: the driver asked to be asked
    /// later (EX_TEMPFAIL).
    NotConfirmed,
    /// `recover`: a journal it may not trust; `join`, `abort`, `status`: may not join
    /// (EX_NOPERM).
    NoPermission,
}

impl ExitStatus {
    pub const fn code(self) -> i32 {
        match self {
            ExitStatus::Confirmed => 0,
            ExitStatus::Refuted => 1,
            ExitStatus::Aborted => 2,
            ExitStatus::Inconclusive => 3,
            ExitStatus::InjectFailed => 4,
            ExitStatus::RevertFailed => 5,
            ExitStatus::NotRun => 6,
            ExitStatus::Usage => 64,
            ExitStatus::RecordsDisagree => 65,
            ExitStatus::Unavailable => 69,
            ExitStatus::NotConfirmed => 75,
            ExitStatus::NoPermission => 77,
        }
    }

    /// What the code means: README's "Exit codes" table row, word for word (markdown),
    /// and the man page's EXIT STATUS (backticks dropped). One text for both, so the two
    /// cannot tell a CI script different things; tests compare README with it.
    pub const fn summary(self) -> &'static str {
        match self {
            ExitStatus::Confirmed => "hypothesis CONFIRMED",
            ExitStatus::Refuted => "REFUTED: an expectation was violated longer than tolerated (or was still violated at the end), or an alert was late or did not fire",
            ExitStatus::Aborted => "ABORTED: the kill switch ended the run (a key, a guardrail, a signal, `max_duration`); also before any fault was triggered (`X`, Ctrl-X, SIGTERM, SIGINT or SIGHUP during the baseline or in READY): the verdict says \"the run was aborted before any fault was triggered\"",
            ExitStatus::Inconclusive => "INCONCLUSIVE: a signal lacked data, the alerts API could not be read, an alert was already active before the trigger, or a revert failed with no violation seen (see \"How the verdict is reached\")",
            ExitStatus::InjectFailed => "a fault failed to inject (gameday ran its revert to clean up); the verdict is INCONCLUSIVE: the hypothesis was not tested",
            ExitStatus::RevertFailed => "a revert FAILED after every retry: faults may still be active; run `gameday recover RUN_DIR`",
            ExitStatus::NotRun => "NOT RUN: no fault was triggered and the kill switch was not pulled: the steady state did not hold at the end of the baseline, or you quit (`q`) before a trigger; `plan`: a fault could not be armed; nothing was injected",
            ExitStatus::Usage => "bad usage or invalid scenario (`check`: 0 valid, 64 invalid), such as `--prometheus-url` without `http://`",
            ExitStatus::RecordsDisagree => "`report`: the report was written, but the verdict, exit code or figures the journal holds are not the ones its own records give (the report says what disagrees)",
            ExitStatus::Unavailable => "`run`, `demo`, `plan`: a source did not answer the preflight (nothing was started; `run --skip-preflight` goes on anyway); `join`, `abort`: no live run in that directory (it has ended, or has reached its verdict and is ending), what answers is not a driver or is a gameday of another protocol, or the connection to it was lost; `status`: the path does not exist or is not a directory, or is a run that is not live; `history`: RUNS_DIR does not exist or is not a directory; `report`: RUN_DIR does not exist, is not a directory or has no journal.jsonl",
            ExitStatus::NotConfirmed => "`abort`: the kill switch was pulled, but not every revert was confirmed within 5 minutes (the driver keeps trying); `join`, `abort`, `status`: the driver asked you to try again later (too many connections or status queries, or a full room)",
            ExitStatus::NoPermission => "`recover`: the journal is not one it may trust (see Recover); `join`, `abort`: you may not join or stop that run; `status`: you may not read the path or a run in it; `history`: you may not read RUNS_DIR",
        }
    }

    /// README's "Exit codes" table, as README must hold it.
    pub fn readme_table() -> String {
        let mut t = String::from("| code | meaning |\n|---|---|\n");
        for s in ALL {
            t.push_str(&format!("| {} | {} |\n", s.code(), s.summary()));
        }
        t
    }

    /// Every status, in the order of their codes.
    pub fn all() -> &'static [ExitStatus] {
        &ALL
    }

    /// The status for a code read back (a journal's `run_ended`, a run joined).
    pub fn from_code(code: i32) -> Option<ExitStatus> {
        ALL.iter().copied().find(|s| s.code() == code)
    }

    /// A finished run's status: a failed revert outranks everything (faults may still be
    /// active), then a failed injection (nothing was tested), then the verdict. No
    /// verdict at all means the run was cut short.
    pub fn of_run(verdict: Option<Verdict>, revert_failed: bool, inject_failed: bool) -> Self {
        if revert_failed {
            return ExitStatus::RevertFailed;
        }
        if inject_failed {
            return ExitStatus::InjectFailed;
        }
        match verdict {
            Some(Verdict::Confirmed) => ExitStatus::Confirmed,
            Some(Verdict::Refuted) => ExitStatus::Refuted,
            Some(Verdict::Aborted) | None => ExitStatus::Aborted,
            Some(Verdict::Inconclusive) => ExitStatus::Inconclusive,
            Some(Verdict::NotRun) => ExitStatus::NotRun,
        }
    }

    /// The worse of two statuses of one command (`recover RUN_DIR --cluster`): a failed
    /// revert first, then refusals, then anything that is not success.
    pub fn worse(self, other: ExitStatus) -> ExitStatus {
        let rank = |s: ExitStatus| match s {
            ExitStatus::RevertFailed => 4,
            ExitStatus::NotConfirmed | ExitStatus::NoPermission => 3,
            ExitStatus::Usage => 2,
            ExitStatus::Confirmed => 0,
            _ => 1,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

const ALL: [ExitStatus; 12] = [
    ExitStatus::Confirmed,
    ExitStatus::Refuted,
    ExitStatus::Aborted,
    ExitStatus::Inconclusive,
    ExitStatus::InjectFailed,
    ExitStatus::RevertFailed,
    ExitStatus::NotRun,
    ExitStatus::Usage,
    ExitStatus::RecordsDisagree,
    ExitStatus::Unavailable,
    ExitStatus::NotConfirmed,
    ExitStatus::NoPermission,
];

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        // every code is below 256
        std::process::ExitCode::from(s.code() as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_readmes_and_round_trip() {
        let readme = include_str!("../README.md");
        for s in ALL {
            assert_eq!(ExitStatus::from_code(s.code()), Some(s));
        }
        // the whole table, word for word: README cannot say one thing and the binary
        // (and its man page) another
        assert!(
            readme.contains(&format!(
                "### Exit codes\n\n{}\n",
                ExitStatus::readme_table()
            )),
            "README's exit code table is not ExitStatus::readme_table(); paste it:\n{}",
            ExitStatus::readme_table()
        );
        assert_eq!(ExitStatus::from_code(7), None);
    }

    #[test]
    fn a_failed_revert_outranks_everything() {
        let v = Some(Verdict::Confirmed);
        assert_eq!(ExitStatus::of_run(v, true, true), ExitStatus::RevertFailed);
        assert_eq!(ExitStatus::of_run(v, false, true), ExitStatus::InjectFailed);
        assert_eq!(ExitStatus::of_run(None, false, false), ExitStatus::Aborted);
        assert_eq!(
            ExitStatus::Confirmed.worse(ExitStatus::RevertFailed),
            ExitStatus::RevertFailed
        );
        assert_eq!(
            ExitStatus::RevertFailed.worse(ExitStatus::Usage),
            ExitStatus::RevertFailed
        );
    }
}
