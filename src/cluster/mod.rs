//! The cluster side (DESIGN §2, §8): kubeconfig, pod watches, cluster faults, safety.

pub mod client;
pub mod expired;
pub mod pods;
pub mod watch;

pub use client::{connect, explain, Cluster, ClusterError};
pub mod safety;
pub mod selector;
