//! The watchdog: each fault's `duration` (and `safety.max_duration`) enforced on a thread
//! of its own, with a runtime of its own, so that a stuck UI loop — a terminal write
//! blocked by a stalled SSH connection, a bug — cannot keep a fault alive.
//!
//! The loop arms a deadline when it injects and disarms it when the engine starts the
//! revert. A deadline that passes (plus a grace period) while still armed means the loop
//! did not get there: the watchdog reverts the fault itself and records that it did, so
//! that when the loop comes back its own revert is not run a second time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::faults::FaultAction;

/// How late the loop may be before the watchdog steps in.
pub const GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
enum Slot {
    Idle,
    Armed(Instant),
    /// the watchdog reverted it: the result, for the loop to report
    Reverted(Result<String, String>),
}

#[derive(Clone)]
pub struct Watchdog {
    slots: Arc<Mutex<Vec<Slot>>>,
}

impl Watchdog {
    pub fn start(actions: Arc<Vec<Box<dyn FaultAction>>>) -> Watchdog {
        let slots = Arc::new(Mutex::new(vec![Slot::Idle; actions.len()]));
        let shared = Arc::clone(&slots);
        let spawned = std::thread::Builder::new().name("gameday-watchdog".into()).spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                tracing::error!("the watchdog could not start its runtime");
                return;
            };
            loop {
                std::thread::sleep(Duration::from_millis(200));
                let due: Vec<usize> = match shared.lock() {
                    Ok(s) => s
                        .iter()
                        .enumerate()
                        .filter(|(_, slot)| matches!(slot, Slot::Armed(at) if Instant::now() >= *at))
                        .map(|(i, _)| i)
                        .collect(),
                    Err(_) => return,
                };
                for i in due {
                    tracing::error!("watchdog: fault {i} outlived its deadline; the loop is stuck; reverting it");
                    let result = rt.block_on(actions[i].revert());
                    let result = result.map(|d| format!("reverted by the watchdog (the UI loop was stuck): {d}"));
                    if let Ok(mut s) = shared.lock() {
                        s[i] = Slot::Reverted(result);
                    }
                }
                if Arc::strong_count(&shared) == 1 {
                    // nobody can arm it any more: the run is over
                    return;
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!("the watchdog could not start: {e}");
        }
        Watchdog { slots }
    }

    /// The fault was injected (or is being): revert it by `deadline` at the latest.
    pub fn arm(&self, fault: usize, deadline: Duration) {
        if let Ok(mut s) = self.slots.lock() {
            s[fault] = Slot::Armed(Instant::now() + deadline + GRACE);
        }
    }

    /// The injection finished: from now on, `deadline`. Only while still armed: a revert
    /// that began meanwhile wins.
    pub fn injected(&self, fault: usize, deadline: Duration) {
        if let Ok(mut s) = self.slots.lock() {
            if matches!(s[fault], Slot::Armed(_)) {
                s[fault] = Slot::Armed(Instant::now() + deadline + GRACE);
            }
        }
    }

    /// The loop is reverting the fault. If the watchdog already did, its result.
    pub fn disarm(&self, fault: usize) -> Option<Result<String, String>> {
        let mut s = self.slots.lock().ok()?;
        match std::mem::replace(&mut s[fault], Slot::Idle) {
            Slot::Reverted(r) => Some(r),
            _ => None,
        }
    }
}
