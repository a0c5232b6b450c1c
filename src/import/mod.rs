//! Scenarios from other chaos tools: what maps onto gameday is converted, what does not is
//! listed, so nothing is silently dropped.

pub mod litmus;
