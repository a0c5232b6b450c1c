//! Time for the tasks that sample and watch.

/// A ticker that never bursts to catch up after a slow sample.
pub(crate) fn ticker(every: std::time::Duration) -> tokio::time::Interval {
    let mut t = tokio::time::interval(every.max(std::time::Duration::from_millis(50)));
    t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    t
}
