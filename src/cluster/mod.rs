//! The cluster side (DESIGN §2, §8): kubeconfig, pod watches, cluster faults, safety.

pub mod pods;
