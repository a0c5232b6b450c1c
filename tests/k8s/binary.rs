//! The real binary against the local fake of the Kubernetes API, through a real
//! kubeconfig file (KUBECONFIG): pod deletion by count and by percent with an interval,
//! scale to zero and back, a Litmus ChaosEngine applied and stopped before its deletion,
//! the refusals before arming, and a revert that meets a 500 and is retried.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{events, journal, run_dir, wait_bounded};
use kubefake::{FakeCluster, FakeHandle, FakeOptions};

/// The fake, on a runtime of its own for the whole test.
fn start_fake(dir: &Path) -> (FakeHandle, PathBuf) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let fake = FakeCluster::start(FakeOptions::default()).await.unwrap();
            tx.send(fake.clone()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let fake = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    fake.add_namespace("shop");
    fake.add_deployment("shop", "api", &[("app", "api")], 3);
    fake.add_statefulset("shop", "redis", &[("app", "redis")], 1);
    fake.add_namespace("kube-system");
    fake.add_deployment("kube-system", "coredns", &[("k8s-app", "kube-dns")], 2);
    let kubeconfig = dir.join("kubeconfig");
    let token = fake.token().to_string();
    fake.write_kubeconfig(&kubeconfig, "fake", "shop", &token)
        .unwrap();
    (fake, kubeconfig)
}

fn scenario(dir: &Path, name: &str, fault: &str, safety: &str) -> PathBuf {
    let text = format!(
        r#"name: {name}
hypothesis: The API keeps enough ready pods while one is taken away.
interval: 300ms
kubernetes: {{ context: fake, namespace: shop }}
pods:
  - selector: app in (api, redis)
steady_state:
  - name: api pods ready
    pods: {{ selector: app=api }}
    expect: ">= 1"
faults:
  - name: the fault
    duration: 2s
{fault}
safety:
{safety}
phases:
  baseline: 1s
  recovery: 1s
"#
    );
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn run(kubeconfig: &Path, scenario: &Path, out: &Path) -> (i32, String) {
    let mut child =
        common::spawn(common::headless(scenario, out, &[]).env("KUBECONFIG", kubeconfig));
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.code().unwrap_or(-1), text)
}

fn deletes(fake: &FakeHandle) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "DELETE" && r.path.contains("/pods/"))
        .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn pod_delete_by_count_and_percent_with_an_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());

    let fault =
        "    pod_delete: { selector: app=api, count: 1, interval: 500ms, grace_period: 0s }";
    let s = scenario(
        tmp.path(),
        "count",
        fault,
        "  max_targets: 3\n  namespaces: [shop]",
    );
    // 4 s: room for the second round on a loaded machine
    let text = std::fs::read_to_string(&s)
        .unwrap()
        .replace("duration: 2s", "duration: 4s");
    std::fs::write(&s, text).unwrap();
    let (code, so) = run(&kubeconfig, &s, &tmp.path().join("count"));
    assert_eq!(code, 0, "{so}");
    let dels: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "DELETE" && r.path.contains("/pods/"))
        .collect();
    // one pod at the trigger, then one every 500 ms while the fault is active: again at
    // least once, never two at once, never sooner than the interval after the one before
    // (the fake's arrival times), and never more than the fault's time allows (journal
    // times, generous however slow the machine)
    assert!(dels.len() >= 2, "deleted again, every 500ms: {dels:?}");
    for pair in dels.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(450),
            "deletions {gap:?} apart, the interval is 500ms: {dels:?}"
        );
    }
    let j = journal(&run_dir(&tmp.path().join("count")));
    let active = (common::ts(events(&j, "fault_reverting")[0])
        - common::ts(events(&j, "fault_injecting")[0]))
    .to_std()
    .unwrap();
    let most = active.as_millis() / 500 + 1;
    assert!(
        dels.len() as u128 <= most,
        "{} deletions in the {active:?} the fault was active, every 500ms: {dels:?}",
        dels.len()
    );
    assert!(
        dels.iter().all(|r| r.query.contains("gracePeriodSeconds=0")
            || r.body.contains("\"gracePeriodSeconds\":0")),
        "grace period 0 sent with every deletion: {dels:?}"
    );
    let injected = events(&j, "fault_injected");
    assert!(
        injected[0]["targets"][0]
            .as_str()
            .unwrap()
            .starts_with("pod/api-"),
        "{injected:?}"
    );
    // each repeated deletion is journaled, naming a pod that was deleted
    let deleted: Vec<String> = dels
        .iter()
        .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    let progress = events(&j, "fault_progress");
    assert!(!progress.is_empty(), "each repeated deletion is journaled");
    for p in &progress {
        let detail = p["detail"].as_str().unwrap();
        assert!(
            deleted
                .iter()
                .any(|d| detail == format!("deleted pod/{d} (again, every 500ms)")),
            "{detail} / {deleted:?}"
        );
    }
    let reverted = events(&j, "fault_reverted");
    assert!(
        reverted[0]["detail"].as_str().unwrap().contains("Ready"),
        "{reverted:?}"
    );
    assert!(
        !events(&j, "pods").is_empty(),
        "the pods panel saw the deletions"
    );

    fake.clear_requests();
    let fault = "    pod_delete: { selector: app=api, percent: 50, grace_period: 0s }";
    let s = scenario(tmp.path(), "percent", fault, "  max_targets: 3");
    let (code, so) = run(&kubeconfig, &s, &tmp.path().join("percent"));
    assert_eq!(code, 0, "{so}");
    assert_eq!(deletes(&fake).len(), 2, "50 % of 3 pods, rounded up");
}

#[test]
fn scale_to_zero_and_back_and_a_revert_that_meets_a_500() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());
    let fault = "    scale: { kind: Deployment, name: api, replicas: 0 }";
    let s = scenario(tmp.path(), "scale", fault, "  max_targets: 3");
    // the pods signal would refute a scale to zero; this run is about the fault
    let text = std::fs::read_to_string(&s)
        .unwrap()
        .replace("expect: \">= 1\"", "expect: \">= 0\"")
        // the test arms the 500 after it reads the injection in the journal: 8 s to do
        // that on a loaded machine before the revert comes
        .replace("duration: 2s", "duration: 8s");
    std::fs::write(&s, text).unwrap();
    let out = tmp.path().join("scale");
    let mut child = common::spawn(common::headless(&s, &out, &[]).env("KUBECONFIG", &kubeconfig));
    // once scaled to zero, the next PATCH of the scale (the revert) gets a 500
    common::wait_for_event(&out, "fault_injected", Duration::from_secs(30));
    fake.fail("PATCH", "deployments/api/scale", 500, 1);
    fake.add_warning_event(
        "shop",
        "Pod",
        "api-x",
        "FailedScheduling",
        "0/3 nodes are available",
    );
    let o = wait_bounded(&mut child, Duration::from_secs(60));
    let so = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{so}");
    let j = journal(&run_dir(&out));
    assert_eq!(
        events(&j, "fault_injected")[0]["restore"],
        "{\"replicas\":3}"
    );
    let reverts = events(&j, "fault_reverted");
    assert_eq!(reverts.len(), 2, "{reverts:?}");
    assert_eq!(reverts[0]["ok"], false);
    assert_eq!(reverts[0]["will_retry"], true);
    assert!(
        reverts[0]["detail"].as_str().unwrap().contains("500"),
        "{reverts:?}"
    );
    assert_eq!(reverts[1]["ok"], true);
    let dep = fake.get("apps", "deployments", "shop", "api").unwrap();
    assert_eq!(dep["spec"]["replicas"], 3, "replicas restored");
    let warnings = events(&j, "cluster_warning");
    assert!(
        warnings
            .iter()
            .any(|w| w["reason"] == "FailedScheduling" && w["object"] == "Pod/api-x"),
        "Warning events of the watched namespace reach the timeline: {warnings:?}"
    );
    let report = std::fs::read_to_string(run_dir(&out).join("report.md")).unwrap();
    assert!(
        report.contains("warning FailedScheduling on Pod/api-x"),
        "{report}"
    );
}

#[test]
fn litmus_engine_applied_then_stopped_before_it_is_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());
    let fault = r#"    manifest:
      inline: |
        apiVersion: litmuschaos.io/v1alpha1
        kind: ChaosEngine
        metadata: { name: redis-chaos, namespace: shop }
        spec:
          engineState: active
          appinfo: { appns: shop, applabel: app=redis, appkind: statefulset }
          chaosServiceAccount: pod-delete-sa
          experiments:
            - name: pod-delete
              spec:
                components:
                  env:
                    - { name: TOTAL_CHAOS_DURATION, value: "60" }"#;
    let s = scenario(tmp.path(), "litmus", fault, "  max_targets: 3");
    let (code, so) = run(&kubeconfig, &s, &tmp.path().join("litmus"));
    assert_eq!(code, 0, "{so}");
    let reqs = fake.requests();
    let apply = reqs
        .iter()
        .position(|r| {
            r.method == "PATCH"
                && r.content_type.contains("apply-patch")
                && r.path.contains("chaosengines")
        })
        .expect("applied with server-side apply");
    assert!(
        reqs[apply].query.contains("fieldManager=gameday"),
        "{:?}",
        reqs[apply]
    );
    assert!(
        reqs[apply].body.contains("app.kubernetes.io/managed-by"),
        "labelled: {}",
        reqs[apply].body
    );
    let stop = reqs
        .iter()
        .position(|r| {
            r.method == "PATCH" && r.body.contains("stop") && r.path.contains("chaosengines")
        })
        .expect("engineState: stop");
    let delete = reqs
        .iter()
        .position(|r| r.method == "DELETE" && r.path.contains("chaosengines/redis-chaos"))
        .expect("deleted");
    assert!(apply < stop && stop < delete, "apply, stop, then delete");
    assert!(fake
        .get("litmuschaos.io", "chaosengines", "shop", "redis-chaos")
        .is_none());
}

#[test]
fn refusals_before_arming_inject_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());
    let cases = [
        (
            "kube-system",
            "    pod_delete: { selector: k8s-app=kube-dns, namespace: kube-system }",
            "  max_targets: 5",
            "off limits",
        ),
        (
            "too-many",
            "    pod_delete: { selector: app=api }",
            "  max_targets: 1",
            "more than `safety.max_targets` (1)",
        ),
        (
            "zero",
            "    pod_delete: { selector: app=nothing }",
            "  max_targets: 1",
            "matches no pods",
        ),
        (
            "no-permission",
            "    pod_delete: { selector: app=redis }",
            "  max_targets: 1",
            "missing permission to delete pods in shop",
        ),
    ];
    for (name, fault, safety, expected) in cases {
        if name == "no-permission" {
            fake.deny("delete", "", "pods", "shop");
        }
        let s = scenario(tmp.path(), name, fault, safety);
        let (code, so) = run(&kubeconfig, &s, &tmp.path().join(name));
        assert_eq!(code, 6, "{name}: NOT RUN\n{so}");
        let j = journal(&run_dir(&tmp.path().join(name)));
        let refused = events(&j, "arm_refused");
        assert!(
            refused
                .first()
                .is_some_and(|r| r["reason"].as_str().unwrap().contains(expected)),
            "{name}: {refused:?}\n{so}"
        );
        assert!(
            events(&j, "fault_injecting").is_empty(),
            "{name}: nothing injected"
        );
    }
    assert!(deletes(&fake).is_empty(), "no pod was touched");
    // plan shows the same refusal, changes nothing, exit 6
    let s = tmp.path().join("no-permission.yaml");
    let o = common::gameday()
        .arg("plan")
        .arg(&s)
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(6), "{so}");
    assert!(
        so.contains("CANNOT BE ARMED: cannot arm: missing permission to delete pods in shop"),
        "{so}"
    );
}

#[test]
fn cluster_errors_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());
    let fault = "    pod_delete: { selector: app=redis }";
    let s = scenario(tmp.path(), "errors", fault, "  max_targets: 1");
    let plan = |kubeconfig: &Path, s: &Path| {
        let o = common::gameday()
            .arg("plan")
            .arg(s)
            .env("KUBECONFIG", kubeconfig)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    // the preflight reaches the cluster first: a cluster that cannot be used is a source
    // that does not answer (exit 69, as `run` would refuse), named with what to do
    // a context that is not there
    let text = std::fs::read_to_string(&s)
        .unwrap()
        .replace("context: fake", "context: staging");
    let missing = tmp.path().join("missing.yaml");
    std::fs::write(&missing, text).unwrap();
    let (code, so) = plan(&kubeconfig, &missing);
    assert_eq!(code, Some(69), "{so}");
    assert!(
        so.contains("context `staging` is not in your kubeconfig")
            && so.contains("contexts there: fake"),
        "{so}"
    );
    // credentials refused
    let bad = tmp.path().join("bad-token");
    fake.write_kubeconfig(&bad, "fake", "shop", "expired-token")
        .unwrap();
    let (code, so) = plan(&bad, &s);
    assert_eq!(code, Some(69), "{so}");
    assert!(
        so.contains("refused the credentials of context `fake`") && so.contains("log in again"),
        "{so}"
    );
    // nothing answers
    let dead = tmp.path().join("dead");
    let text = std::fs::read_to_string(&kubeconfig)
        .unwrap()
        .replace(&fake.url(), "http://127.0.0.1:9");
    std::fs::write(&dead, text).unwrap();
    let (code, so) = plan(&dead, &s);
    assert_eq!(code, Some(69), "{so}");
    assert!(
        so.contains("did not answer: connection refused")
            && so.contains("Check the route to the cluster")
            && !so.contains("within 0 s"),
        "{so}"
    );
}

#[test]
fn recover_cluster_deletes_expired_objects_without_a_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());
    let engine = |name: &str, expires: &str| {
        serde_json::json!({
            "apiVersion": "litmuschaos.io/v1alpha1",
            "kind": "ChaosEngine",
            "metadata": {
                "name": name,
                "namespace": "shop",
                "labels": { "app.kubernetes.io/managed-by": "gameday", "gameday.dev/run-id": "r1" },
                "annotations": { "gameday.dev/expires-at": expires }
            },
            "spec": { "engineState": "active" }
        })
    };
    fake.put_object(
        "litmuschaos.io",
        "chaosengines",
        "shop",
        engine("left-behind", "2026-01-01T00:00:00Z"),
    )
    .unwrap();
    fake.put_object(
        "litmuschaos.io",
        "chaosengines",
        "shop",
        engine("still-running", "2999-01-01T00:00:00Z"),
    )
    .unwrap();
    let recover = || {
        let o = common::gameday()
            .args(["recover", "--cluster"])
            .env("KUBECONFIG", &kubeconfig)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (code, so) = recover();
    assert_eq!(code, Some(0), "{so}");
    assert!(
        so.contains("deleted ChaosEngine/left-behind in shop"),
        "{so}"
    );
    assert!(fake
        .get("litmuschaos.io", "chaosengines", "shop", "left-behind")
        .is_none());
    assert!(
        fake.get("litmuschaos.io", "chaosengines", "shop", "still-running")
            .is_some(),
        "not expired: kept"
    );
    let (code, so) = recover();
    assert_eq!(code, Some(0));
    assert!(so.contains("nothing to do"), "{so}");
}

#[test]
fn an_api_that_hangs_before_arming_arms_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (fake, kubeconfig) = start_fake(tmp.path());
    // the permission check hangs far longer than gameday waits for it
    fake.delay("selfsubjectaccessreviews", Duration::from_secs(120));
    let fault = "    pod_delete: { selector: app=redis }";
    let s = scenario(tmp.path(), "hang", fault, "  max_targets: 1");
    let started = Instant::now();
    let (code, so) = run(&kubeconfig, &s, &tmp.path().join("hang"));
    assert_eq!(code, 6, "NOT RUN: {so}");
    assert!(started.elapsed() < Duration::from_secs(50), "bounded");
    let j = journal(&run_dir(&tmp.path().join("hang")));
    let refused = events(&j, "arm_refused");
    assert!(
        refused[0]["reason"]
            .as_str()
            .unwrap()
            .contains("did not finish within 20 s"),
        "{refused:?}"
    );
    assert!(deletes(&fake).is_empty());
}
