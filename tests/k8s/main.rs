//! Kubernetes: the faults and the binary against the project's HTTP fake of the API, and
//! against a real control plane (kube-apiserver, etcd, kube-controller-manager; see
//! tests/testbed), which the fake is compared with.
//!
//! One test binary per group: each links the whole crate, and on two cores linking 26
//! of them took longer than running most of the tests.

#[path = "../common/mod.rs"]
mod common;
#[path = "../testbed/mod.rs"]
mod testbed;

mod binary;
mod differential;
mod faults;
mod kubefake;
mod least_privilege;
mod real;
