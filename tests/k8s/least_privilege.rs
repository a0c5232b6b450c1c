//! Least privilege, proven on a real control plane (`GAMEDAY_TESTBED_DIR`, see
//! tests/testbed): every documented kind of Kubernetes scenario runs as `gameday-operator`
//! bound to exactly `assets/rbac.yaml` (its namespace changed, nothing else); with one
//! verb taken out of a copy of the Role, `gameday plan` and arming refuse, naming the
//! missing permission. The answers come from real SelfSubjectAccessReviews against real
//! RBAC, not from the fake's deny rules.

use crate::common;
use crate::testbed;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{events, journal, run_dir, wait_bounded};
use serde_yaml::Value as Yaml;
use testbed::{install_chaos_crds, rbac_for, testbed, Ns};

fn gameday_as(kubeconfig: &Path, args: &[&str]) -> (i32, String) {
    let o = common::gameday()
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .stdin(Stdio::null())
        .output()
        .expect("gameday runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

fn run(scenario: &Path, out: &Path) -> (i32, String) {
    let mut child = common::spawn(
        common::headless(scenario, out, &[]).env("KUBECONFIG", &testbed().operator_kubeconfig),
    );
    let o = wait_bounded(&mut child, Duration::from_secs(180));
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
    )
}

const MANIFEST: &str = r#"    manifest:
      inline: |
        apiVersion: litmuschaos.io/v1alpha1
        kind: ChaosEngine
        metadata: { name: redis-chaos }
        spec:
          engineState: active
          appinfo: { appns: NS, applabel: app=redis, appkind: statefulset }
          chaosServiceAccount: pod-delete-sa
          experiments: [{ name: pod-delete }]
        ---
        apiVersion: chaos-mesh.org/v1alpha1
        kind: NetworkChaos
        metadata: { name: redis-delay }
        spec: { action: delay, mode: all, selector: { labelSelectors: { app: redis } }, delay: { latency: 200ms } }
        ---
        apiVersion: chaos-mesh.org/v1alpha1
        kind: PodChaos
        metadata: { name: redis-kill }
        spec: { action: pod-kill, mode: one, selector: { labelSelectors: { app: redis } } }
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: { name: deny-redis }
        spec: { podSelector: { matchLabels: { app: redis } }, policyTypes: [Ingress, Egress] }
"#;

#[test]
fn every_documented_kind_works_with_exactly_the_role() {
    install_chaos_crds();
    let ns = Ns::new("leastpriv");
    ns.deployment("api", 3, 1);
    ns.statefulset("redis", 1, 1);
    ns.wait_ready("app=api", 3);
    ns.wait_ready("app=redis", 1);
    // the budget lets one api pod go at a time: the eviction is allowed
    ns.pdb("api", 1, 3);
    let tmp = tempfile::tempdir().unwrap();
    let s = ns.scenario(
        tmp.path(),
        "all.yaml",
        &format!(
            r#"name: all-kinds
hypothesis: The shop holds whatever gameday does to it.
interval: 500ms
pods:
  - selector: app in (api, redis)
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 1"
faults:
  - name: evict an api pod
    duration: 2s
    pod_delete: {{ selector: app=api, evict: true }}
  - name: delete the redis pod
    duration: 3s
    pod_delete: {{ selector: app=redis, interval: 1s, grace_period: 0s }}
  - name: fewer api pods
    duration: 2s
    scale: {{ kind: Deployment, name: api, replicas: 1 }}
  - name: no redis
    duration: 2s
    scale: {{ kind: StatefulSet, name: redis, replicas: 0 }}
  - name: litmus and chaos mesh
    duration: 2s
{manifest}
safety: {{ max_targets: 3, namespaces: [{ns}] }}
phases: {{ baseline: 2s, recovery: 2s }}
"#,
            manifest = MANIFEST.replace("NS", &ns.name),
            ns = ns.name
        ),
    );
    let (code, text) = gameday_as(
        &testbed().operator_kubeconfig,
        &["plan", s.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.matches("permissions: ok").count(), 5, "{text}");

    let out = tmp.path().join("out");
    let (code, text) = run(&s, &out);
    assert_eq!(code, 0, "{text}");
    let dir = run_dir(&out);
    let j = journal(&dir);
    assert!(events(&j, "arm_refused").is_empty(), "{text}");
    let injected = events(&j, "fault_injected");
    assert_eq!(injected.len(), 5, "{injected:?}");
    assert!(injected.iter().all(|v| v["ok"] == true), "{injected:?}");
    assert!(
        injected[0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("evicted pod/api-"),
        "{injected:?}"
    );
    assert_eq!(
        injected[4]["targets"],
        serde_json::json!([
            "chaosengine/redis-chaos",
            "networkchaos/redis-delay",
            "podchaos/redis-kill",
            "networkpolicy/deny-redis"
        ])
    );
    let reverted = events(&j, "fault_reverted");
    assert_eq!(reverted.len(), 5, "{reverted:?}");
    assert!(reverted.iter().all(|v| v["ok"] == true), "{reverted:?}");
    assert!(
        !events(&j, "pods").is_empty(),
        "the panel's watch was allowed"
    );
    // no watch (pods, Warning events) nor read was refused along the way
    let log = std::fs::read_to_string(dir.join("gameday.log")).unwrap_or_default();
    assert!(
        !log.to_lowercase().contains("forbidden"),
        "something was forbidden:\n{log}"
    );

    // recover --cluster finds nothing left, and may list every kind gameday applies
    let kc = testbed().operator_kubeconfig_in(&ns.name, tmp.path());
    let (code, text) = gameday_as(&kc, &["recover", "--cluster"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("nothing to do"), "{text}");
    for kind in [
        "chaosengines.litmuschaos.io",
        "networkchaos.chaos-mesh.org",
        "podchaos.chaos-mesh.org",
        "networkpolicies.networking.k8s.io",
    ] {
        assert!(!text.contains(kind), "{kind} could not be listed: {text}");
    }

    // the shipped scenarios, in this namespace, plan cleanly as the operator; plan tries
    // Prometheus as run does (the preflight): a stand-in answers every query and the
    // alerts API
    let prometheus = {
        use axum::routing::get;
        let json = |body: &'static str| {
            move || async move { ([("content-type", "application/json")], body) }
        };
        common::serve(
            axum::Router::new()
                .route(
                    "/api/v1/query",
                    get(json(r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0"]}]}}"#)),
                )
                .route(
                    "/api/v1/alerts",
                    get(json(r#"{"status":"success","data":{"alerts":[]}}"#)),
                ),
        )
    };
    for file in ["redis-pod-delete.yaml", "redis-pod-delete-litmus.yaml"] {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(file),
        )
        .unwrap()
        .replace("shop", &ns.name);
        let p = tmp.path().join(file);
        std::fs::write(&p, text).unwrap();
        let o = common::gameday()
            .args(["plan", p.to_str().unwrap()])
            // plan refuses, as run does, a scenario whose Prometheus token is unset
            .env("PROM_TOKEN", "a-token-for-the-stand-in")
            .env("PROMETHEUS_URL", format!("http://{prometheus}"))
            .env("KUBECONFIG", &testbed().operator_kubeconfig)
            .env("KUBE_CONTEXT", testbed::OPERATOR_CONTEXT)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{file}: {text}");
        assert!(text.contains("permissions: ok"), "{file}: {text}");
    }
}

/// The Role of `assets/rbac.yaml` for `ns`, each rule split to one resource, with `verb`
/// taken away from `group`/`resource` (which must have it).
fn role_without(ns: &str, group: &str, resource: &str, verb: &str) -> String {
    let mut docs: Vec<Yaml> = serde_yaml::Deserializer::from_str(&rbac_for(ns))
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let role = docs
        .iter_mut()
        .find(|d| d["kind"] == "Role")
        .expect("a Role in assets/rbac.yaml");
    let mut rules = Vec::new();
    let mut removed = false;
    for rule in role["rules"].as_sequence().unwrap() {
        let groups = rule["apiGroups"].as_sequence().unwrap();
        for r in rule["resources"].as_sequence().unwrap() {
            let mut one = rule.clone();
            one["resources"] = Yaml::Sequence(vec![r.clone()]);
            if groups.iter().any(|g| g == group) && r == resource {
                let verbs = one["verbs"].as_sequence_mut().unwrap();
                let n = verbs.len();
                verbs.retain(|v| v != verb);
                removed |= verbs.len() < n;
                if verbs.is_empty() {
                    // a rule without verbs is invalid: the whole rule goes
                    continue;
                }
            }
            rules.push(one);
        }
    }
    assert!(
        removed,
        "assets/rbac.yaml grants {verb} {resource} ({group})"
    );
    role["rules"] = Yaml::Sequence(rules);
    docs.iter()
        .map(|d| serde_yaml::to_string(d).unwrap())
        .collect::<Vec<_>>()
        .join("---\n")
}

#[test]
fn one_verb_less_and_plan_and_arming_name_the_missing_permission() {
    install_chaos_crds();
    let ns = Ns::new("oneverb");
    ns.deployment("api", 2, 1);
    ns.statefulset("redis", 1, 1);
    ns.wait_ready("app=api", 2);
    ns.wait_ready("app=redis", 1);
    let n = ns.name.clone();
    let engine = "    manifest:\n      inline: |\n        apiVersion: litmuschaos.io/v1alpha1\n        \
                  kind: ChaosEngine\n        metadata: { name: e }\n        spec: { engineState: active }\n";
    let netchaos = "    manifest:\n      inline: |\n        apiVersion: chaos-mesh.org/v1alpha1\n        \
                    kind: NetworkChaos\n        metadata: { name: d }\n        spec: { action: delay }\n";
    let netpol = "    manifest:\n      inline: |\n        apiVersion: networking.k8s.io/v1\n        \
                  kind: NetworkPolicy\n        metadata: { name: deny }\n        spec: { podSelector: {} }\n";
    // (group, resource, verb taken away, the fault, the permission named, needed to)
    let cases: [(&str, &str, &str, &str, &str, &str); 9] = [
        (
            "",
            "pods",
            "delete",
            "    pod_delete: { selector: app=api }\n",
            "delete pods",
            "inject",
        ),
        (
            "",
            "pods",
            "list",
            "    pod_delete: { selector: app=api }\n",
            "list pods",
            "inject and revert",
        ),
        (
            "",
            "pods/eviction",
            "create",
            "    pod_delete: { selector: app=api, evict: true }\n",
            "create pods/eviction",
            "inject",
        ),
        (
            "apps",
            "deployments/scale",
            "patch",
            "    scale: { kind: Deployment, name: api, replicas: 1 }\n",
            "patch deployments.apps/scale",
            "inject and revert",
        ),
        (
            "apps",
            "statefulsets/scale",
            "get",
            "    scale: { kind: StatefulSet, name: redis, replicas: 0 }\n",
            "get statefulsets.apps/scale",
            "inject",
        ),
        (
            "litmuschaos.io",
            "chaosengines",
            "patch",
            engine,
            "patch chaosengines.litmuschaos.io",
            "inject and revert",
        ),
        (
            "litmuschaos.io",
            "chaosengines",
            "delete",
            engine,
            "delete chaosengines.litmuschaos.io",
            "revert",
        ),
        (
            "chaos-mesh.org",
            "networkchaos",
            "create",
            netchaos,
            "create networkchaos.chaos-mesh.org",
            "inject",
        ),
        (
            "networking.k8s.io",
            "networkpolicies",
            "delete",
            netpol,
            "delete networkpolicies.networking.k8s.io",
            "revert",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (i, (group, resource, verb, fault, named, why)) in cases.iter().enumerate() {
        testbed().apply(&role_without(&n, group, resource, verb));
        // `kubectl auth can-i VERB RESOURCE.GROUP [--subresource=S]`: the authorizer says no
        let (plural, sub) = match resource.split_once('/') {
            Some((r, s)) => (r, Some(format!("--subresource={s}"))),
            None => (*resource, None),
        };
        let qualified = if group.is_empty() {
            plural.to_string()
        } else {
            format!("{plural}.{group}")
        };
        wait_no(&ns, verb, &qualified, sub.as_deref());
        let s = ns.scenario(
            tmp.path(),
            &format!("case{i}.yaml"),
            &format!(
                "name: case{i}\nhypothesis: Nothing is armed without every permission.\ninterval: 500ms\n\
                 steady_state:\n  - name: always one\n    command: \"echo 1\"\n    expect: \">= 1\"\n\
                 faults:\n  - name: the fault\n    duration: 2s\n{fault}\
                 safety: {{ max_targets: 2, namespaces: [{n}] }}\nphases: {{ baseline: 1s, recovery: 1s }}\n"
            ),
        );
        let reason = format!(
            "cannot arm: missing permission to {named} in {n} (needed to {why}); ask a cluster \
             admin for the Role in assets/rbac.yaml"
        );
        let (code, text) = gameday_as(
            &testbed().operator_kubeconfig,
            &["plan", s.to_str().unwrap()],
        );
        assert_eq!(code, 6, "without {verb} {resource}: plan exits 6\n{text}");
        assert!(
            text.contains(&format!("CANNOT BE ARMED: {reason}")),
            "without {verb} {resource}, plan says {reason:?}:\n{text}"
        );
        let out = tmp.path().join(format!("out{i}"));
        let (code, text) = run(&s, &out);
        assert_eq!(code, 6, "without {verb} {resource}: NOT RUN\n{text}");
        let j = journal(&run_dir(&out));
        let refused = events(&j, "arm_refused");
        assert_eq!(
            refused.first().map(|r| r["reason"].as_str().unwrap_or("")),
            Some(reason.as_str()),
            "without {verb} {resource}"
        );
        assert!(events(&j, "fault_injecting").is_empty(), "nothing injected");
    }
    // and with the Role as shipped, the same faults plan cleanly
    testbed().apply(&rbac_for(&n));
    ns.wait_can_i("delete", "pods", true);
    for i in 0..cases.len() {
        let s = tmp.path().join(format!("case{i}.yaml"));
        let (code, text) = gameday_as(
            &testbed().operator_kubeconfig,
            &["plan", s.to_str().unwrap()],
        );
        assert_eq!(code, 0, "case {i} with the whole Role:\n{text}");
    }
    assert_eq!(ns.pods("app=api").1, 2, "nothing was touched");
}

/// Waits until RBAC says no to `verb` on `resource` (and `subresource`) for the operator.
fn wait_no(ns: &Ns, verb: &str, resource: &str, subresource: Option<&str>) {
    testbed::wait_until(
        &format!("RBAC to refuse {verb} {resource} {subresource:?}"),
        Duration::from_secs(30),
        || {
            let mut c = testbed().kubectl();
            c.args([
                "auth",
                "can-i",
                verb,
                resource,
                "-n",
                &ns.name,
                "--as=gameday-operator",
                "--as-group=gameday-operators",
            ]);
            if let Some(s) = subresource {
                c.arg(s);
            }
            let o = c.output().map_err(|e| e.to_string())?;
            let said = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if said == "no" {
                Ok(())
            } else {
                Err(said)
            }
        },
    );
}
