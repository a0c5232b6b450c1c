//! The Kubernetes fault kinds (`pod_delete`, `scale`, `manifest`) against the local fake of
//! the Kubernetes API, through the real kube client and a kubeconfig file.

use crate::common;

use std::future::Future;
use std::time::Duration;

use gameday::cluster::Cluster;
use gameday::engine::Msg;
use gameday::faults::{self, Context, FaultAction, Progress};
use gameday::scenario::model::{
    Fault, FaultKind, Manifest, ManifestSource, PodDelete, Safety, Scale, ScaleKind,
};
use kube::Client;
use kubefake::{FakeHandle, RequestRecord};
use serde_json::json;
use tokio::sync::mpsc;

const LIMIT: Duration = Duration::from_secs(60);

struct Env {
    fake: FakeHandle,
    cluster: Cluster,
    _dir: tempfile::TempDir,
}

/// `api` (Deployment, 3 pods) and `redis` (StatefulSet, 2 pods) in `shop`; the client is
/// built from a kubeconfig file the way `cluster::connect` builds it (no retries).
async fn env() -> Env {
    let fake = common::shop_fake().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = common::kube_config(&fake, dir.path(), fake.token(), false).await;
    let server = cfg.cluster_url.to_string();
    let namespace = cfg.default_namespace.clone();
    let client = Client::try_from(cfg).expect("client");
    Env {
        fake,
        cluster: Cluster {
            client,
            namespace,
            context: "kubefake".into(),
            server,
        },
        _dir: dir,
    }
}

fn safety(max_targets: u32) -> Safety {
    Safety {
        max_targets,
        namespaces: vec!["shop".into()],
        ..Safety::default()
    }
}

struct Built {
    action: Box<dyn FaultAction>,
    progress: mpsc::Receiver<Msg>,
}

fn build(e: &Env, safety: Safety, kind: FaultKind) -> Built {
    let (tx, rx) = mpsc::channel(1024);
    let ctx = Context {
        cluster: Some(e.cluster.clone()),
        safety,
        run_id: "20250102T030405Z-redis pod delete".into(),
        base_dir: ".".into(),
        progress: Some(Progress { tx, fault: 0 }),
    };
    let fault = Fault {
        name: "the fault".into(),
        duration: Duration::from_secs(60),
        kind,
    };
    Built {
        action: faults::build(&fault, &ctx).expect("build"),
        progress: rx,
    }
}

fn pod_delete(selector: &str) -> PodDelete {
    PodDelete {
        selector: selector.into(),
        namespace: None,
        count: None,
        percent: None,
        interval: None,
        grace_period: None,
        force: false,
        evict: false,
    }
}

async fn bounded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test took too long");
}

fn deletes(fake: &FakeHandle, prefix: &str) -> Vec<RequestRecord> {
    fake.requests()
        .into_iter()
        .filter(|r| {
            r.method == "DELETE"
                && r.path
                    .starts_with(&format!("/api/v1/namespaces/shop/pods/{prefix}"))
        })
        .collect()
}

/// The rounds of deletion of `api` pods: each a list of the pods and the deletions that
/// follow it, told apart by the order of the requests, not by their timing; when each
/// request arrived. A list that deleted nothing (the plan's) is no round.
fn rounds(fake: &FakeHandle) -> Vec<(std::time::Instant, Vec<std::time::Instant>)> {
    let mut rounds: Vec<(std::time::Instant, Vec<std::time::Instant>)> = Vec::new();
    for r in fake.requests() {
        if r.method == "GET" && r.path == "/api/v1/namespaces/shop/pods" {
            rounds.push((r.at, Vec::new()));
        } else if r.method == "DELETE" && r.path.starts_with("/api/v1/namespaces/shop/pods/api-") {
            rounds
                .last_mut()
                .expect("a list before any deletion")
                .1
                .push(r.at);
        }
    }
    rounds.retain(|(_, dels)| !dels.is_empty());
    rounds
}

fn drain(rx: &mut mpsc::Receiver<Msg>) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(m) = rx.try_recv() {
        if let Msg::FaultProgress { detail, .. } = m {
            out.push(detail);
        }
    }
    out
}

#[tokio::test]
async fn pod_delete_by_count_with_a_grace_period() {
    bounded(async {
        let e = env().await;
        let mut spec = pod_delete("app=redis");
        spec.count = Some(1);
        spec.grace_period = Some(Duration::from_secs(5));
        let b = build(&e, safety(2), FaultKind::PodDelete(spec));
        let plan = b.action.prepare().await.expect("armable");
        let text = plan.join("\n");
        assert!(
            text.contains("targets: 2 match app=redis in namespace shop: redis-0, redis-1"),
            "{text}"
        );
        assert!(text.contains("inject: delete pod/redis-0 now"), "{text}");
        assert!(text.contains("grace period 5 s"), "{text}");

        let inj = b.action.inject().await.expect("injected");
        assert_eq!(inj.targets, vec!["pod/redis-0".to_string()]);
        assert!(
            inj.detail.starts_with("deleted pod/redis-0"),
            "{}",
            inj.detail
        );
        let d = deletes(&e.fake, "redis-");
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].path.ends_with("/redis-0"));
        assert!(
            d[0].body.contains("\"gracePeriodSeconds\":5")
                || d[0].query.contains("gracePeriodSeconds=5"),
            "{:?}",
            d[0]
        );
        let r = b.action.revert().await.expect("reverted");
        assert_eq!(r, "replacements Ready: redis-0 1/1, redis-1 1/1");
    })
    .await;
}

#[tokio::test]
async fn pod_delete_by_percent_again_every_interval_until_reverted() {
    bounded(async {
        let e = env().await;
        let mut spec = pod_delete("app=api");
        spec.percent = Some(50);
        spec.interval = Some(Duration::from_millis(300));
        spec.force = true;
        let mut b = build(&e, safety(3), FaultKind::PodDelete(spec));
        let plan = b.action.prepare().await.expect("armable").join("\n");
        assert!(
            plan.contains("again every 300ms while active, 2 at a time"),
            "{plan}"
        );

        let inj = b.action.inject().await.expect("injected");
        assert_eq!(
            inj.targets.len(),
            2,
            "50% of 3, rounded up: {:?}",
            inj.targets
        );
        assert!(inj.targets.iter().all(|t| t.starts_with("pod/api-")));
        assert!(
            inj.detail.contains("again every 300ms until reverted"),
            "{}",
            inj.detail
        );
        // at least two more rounds, however slow the machine (bounded)
        let waited = std::time::Instant::now();
        while rounds(&e.fake).len() < 3 {
            assert!(waited.elapsed() < LIMIT, "{:?}", rounds(&e.fake));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let d = deletes(&e.fake, "api-");
        assert!(
            d.iter()
                .all(|r| r.body.contains("\"gracePeriodSeconds\":0")),
            "{d:?}"
        );
        // two at a time (fewer only when the controller has not brought the pods back
        // yet), each round after a list of the pods, never sooner than the interval after
        // the round before: a loop that ignored the interval would list again at once
        let rounds = rounds(&e.fake);
        assert_eq!(rounds[0].1.len(), 2, "the injection's round: {rounds:?}");
        assert!(
            rounds.iter().all(|(_, dels)| (1..=2).contains(&dels.len())),
            "rounds of at most two: {rounds:?}"
        );
        for pair in rounds.windows(2) {
            let gap = pair[1].0.duration_since(*pair[0].1.last().unwrap());
            assert!(
                gap >= Duration::from_millis(290),
                "a round listed {gap:?} after the round before deleted; the interval is 300ms: {rounds:?}"
            );
        }
        // each repeated deletion is said (the newest may still be on its way)
        let said = drain(&mut b.progress);
        assert!(!said.is_empty(), "{said:?}");
        assert!(
            said.iter()
                .all(|s| s.starts_with("deleted pod/api-") && s.ends_with(" (again, every 300ms)")),
            "{said:?}"
        );

        let r = b.action.revert().await.expect("reverted");
        assert!(r.starts_with("stopped deleting ("), "{r}");
        assert!(r.contains("replacements Ready: api-"), "{r}");
        assert_eq!(r.matches(" 1/1").count(), 3, "{r}");
        let after = deletes(&e.fake, "api-").len();
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert_eq!(
            deletes(&e.fake, "api-").len(),
            after,
            "no deletion after the revert"
        );
        // what is said after the revert can only be the round that was under way when it
        // came (its deletions were counted above, its messages follow them): nothing new
        let deleted_before: Vec<String> = deletes(&e.fake, "api-")
            .iter()
            .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_string())
            .collect();
        let late = drain(&mut b.progress);
        assert!(
            late.iter().all(|s| deleted_before
                .iter()
                .any(|p| s == &format!("deleted pod/{p} (again, every 300ms)"))),
            "{late:?} / {deleted_before:?}"
        );
        // a second revert is harmless
        let again = b.action.revert().await.expect("reverted again");
        assert!(again.starts_with("replacements Ready"), "{again}");
    })
    .await;
}

#[tokio::test]
async fn eviction_refused_by_a_pod_disruption_budget_says_so_at_once() {
    bounded(async {
        let e = env().await;
        e.fake.add_pdb("shop", &[("app", "redis")], 0);
        let mut spec = pod_delete("app=redis");
        spec.evict = true;
        let b = build(&e, safety(2), FaultKind::PodDelete(spec));
        let plan = b.action.prepare().await.expect("armable").join("\n");
        assert!(plan.contains("inject: evict pod/redis-0 now"), "{plan}");
        assert!(plan.contains("create pods/eviction"), "{plan}");
        let err = b.action.inject().await.expect_err("refused");
        eprintln!("PDB refusal: {err}");
        assert!(
            err.starts_with("eviction of pod/redis-0 refused by a PodDisruptionBudget: Cannot evict pod as it would violate the pod's disruption budget."),
            "{err}"
        );
        // said at once: the 429 was not retried
        let evictions = e.fake.requests().iter().filter(|r| r.path.ends_with("/eviction")).count();
        assert_eq!(evictions, 1, "no retries on 429");
        let before = e.fake.requests().len();
        assert_eq!(b.action.revert().await.expect("reverted"), "nothing to revert: no pod was deleted");
        assert_eq!(e.fake.requests().len(), before, "no waiting for pods nothing touched");
    })
    .await;
}

#[tokio::test]
async fn pod_delete_revert_after_a_crash_waits_for_as_many_pods_as_before() {
    bounded(async {
        let e = env().await;
        let first = build(&e, safety(2), FaultKind::PodDelete(pod_delete("app=redis")));
        let saved = first
            .action
            .inject()
            .await
            .expect("injected")
            .restore
            .expect("restore");
        assert_eq!(saved, r#"{"matching_before":2}"#);
        drop(first);
        let recovered = build(&e, safety(2), FaultKind::PodDelete(pod_delete("app=redis")));
        recovered.action.restore(&saved);
        let r = recovered.action.revert().await.expect("reverted");
        assert_eq!(r, "replacements Ready: redis-0 1/1, redis-1 1/1");
    })
    .await;
}

#[tokio::test]
async fn manifest_refused_by_the_server_leaves_nothing_to_revert() {
    bounded(async {
        let e = env().await;
        e.fake
            .deny("patch", "litmuschaos.io", "chaosengines", "shop");
        let b = build(&e, safety(1), manifest(ENGINE));
        let err = b.action.inject().await.expect_err("forbidden");
        assert!(
            err.starts_with(
                "could not apply ChaosEngine/redis-chaos in namespace shop: 403 Forbidden"
            ),
            "{err}"
        );
        assert_eq!(
            b.action.revert().await.expect("nothing to revert"),
            "nothing to revert: no object of this run was found"
        );
    })
    .await;
}

fn scale_api(replicas: u32) -> FaultKind {
    FaultKind::Scale(Scale {
        kind: ScaleKind::Deployment,
        name: "api".into(),
        namespace: None,
        replicas,
    })
}

fn api_replicas(fake: &FakeHandle) -> Option<i64> {
    fake.get("apps", "deployments", "shop", "api")?["spec"]["replicas"].as_i64()
}

#[tokio::test]
async fn scale_to_zero_and_back_and_restore_after_a_crash() {
    bounded(async {
        let e = env().await;
        let b = build(&e, safety(1), scale_api(0));
        let plan = b.action.prepare().await.expect("armable").join("\n");
        assert!(
            plan.contains("inject: scale Deployment/api in namespace shop: 3 → 0 replicas"),
            "{plan}"
        );
        let inj = b.action.inject().await.expect("injected");
        assert_eq!(inj.detail, "Deployment/api 3 → 0");
        assert_eq!(inj.targets, vec!["deployment/api".to_string()]);
        let saved = inj.restore.clone().expect("restore data");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&saved).expect("json"),
            json!({"replicas": 3})
        );
        assert_eq!(api_replicas(&e.fake), Some(0));
        assert_eq!(
            b.action.revert().await.expect("reverted"),
            "Deployment/api back to 3 replicas"
        );
        assert_eq!(api_replicas(&e.fake), Some(3));

        // a crash: the action that injected is gone; `gameday recover` builds a new one
        // and hands it what the journal holds
        let first = build(&e, safety(1), scale_api(1));
        let saved = first
            .action
            .inject()
            .await
            .expect("injected")
            .restore
            .expect("restore");
        drop(first);
        assert_eq!(api_replicas(&e.fake), Some(1));
        let recovered = build(&e, safety(1), scale_api(1));
        recovered.action.restore(&saved);
        assert_eq!(
            recovered.action.revert().await.expect("reverted"),
            "Deployment/api back to 3 replicas"
        );
        assert_eq!(api_replicas(&e.fake), Some(3));
    })
    .await;
}

#[tokio::test]
async fn a_revert_that_gets_a_500_fails_and_the_next_attempt_succeeds() {
    bounded(async {
        let e = env().await;
        let b = build(&e, safety(1), scale_api(0));
        b.action.inject().await.expect("injected");
        e.fake.fail("patch", "/deployments/api/scale", 500, 1);
        let err = b
            .action
            .revert()
            .await
            .expect_err("the 500 reaches the engine");
        eprintln!("revert error: {err}");
        assert!(
            err.starts_with("could not scale Deployment/api in namespace shop back to 3: 500"),
            "{err}"
        );
        assert!(
            err.contains("kubectl scale deployment/api -n shop --replicas=3"),
            "{err}"
        );
        assert_eq!(api_replicas(&e.fake), Some(0));
        assert_eq!(
            b.action.revert().await.expect("retried"),
            "Deployment/api back to 3 replicas"
        );
        assert_eq!(api_replicas(&e.fake), Some(3));
    })
    .await;
}

const ENGINE: &str = r#"
apiVersion: litmuschaos.io/v1alpha1
kind: ChaosEngine
metadata:
  name: redis-chaos
spec:
  engineState: active
  appinfo: {appns: shop, applabel: app=redis}
  experiments:
    - name: pod-delete
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: chaos-notes
data:
  why: game day
"#;

fn manifest(text: &str) -> FaultKind {
    FaultKind::Manifest(Manifest {
        source: ManifestSource::Inline(text.into()),
        namespace: None,
    })
}

#[tokio::test]
async fn manifest_applies_labelled_objects_and_stops_the_engine_before_deleting() {
    bounded(async {
        let e = env().await;
        let b = build(&e, safety(1), manifest(ENGINE));
        let plan = b.action.prepare().await.expect("armable").join("\n");
        assert!(plan.contains("object: ChaosEngine/redis-chaos (litmuschaos.io/v1alpha1, resource chaosengines) in namespace shop"), "{plan}");
        assert!(plan.contains("revert: set engineState: stop on the ChaosEngine, then delete"), "{plan}");
        assert_eq!(b.action.status().await, None, "nothing to say before injecting");

        let before = chrono::Utc::now();
        let inj = b.action.inject().await.expect("injected");
        assert_eq!(inj.targets, vec!["chaosengine/redis-chaos".to_string(), "configmap/chaos-notes".to_string()]);
        let engine = e.fake.get("litmuschaos.io", "chaosengines", "shop", "redis-chaos").expect("applied");
        let labels = &engine["metadata"]["labels"];
        assert_eq!(labels["app.kubernetes.io/managed-by"], "gameday");
        assert_eq!(labels["gameday.dev/run-id"], "20250102T030405Z-redis-pod-delete");
        let expires = engine["metadata"]["annotations"]["gameday.dev/expires-at"].as_str().expect("expiry");
        let expires = chrono::DateTime::parse_from_rfc3339(expires).expect("RFC 3339");
        let ahead = expires.with_timezone(&chrono::Utc) - before;
        assert!(ahead > chrono::Duration::seconds(590) && ahead < chrono::Duration::seconds(610), "{ahead}");
        let cm = e.fake.get("", "configmaps", "shop", "chaos-notes").expect("applied");
        assert_eq!(cm["metadata"]["labels"]["app.kubernetes.io/managed-by"], "gameday");
        let applies: Vec<_> = e.fake.requests().into_iter().filter(|r| r.method == "PATCH").collect();
        assert_eq!(applies.len(), 2);
        assert!(applies.iter().all(|r| r.query.contains("fieldManager=gameday") && r.query.contains("force=true")
            && r.content_type == "application/apply-patch+yaml"), "{applies:?}");

        // status: the ChaosResult of the experiment
        e.fake.put_object("litmuschaos.io", "chaosresults", "shop", json!({
            "apiVersion": "litmuschaos.io/v1alpha1", "kind": "ChaosResult",
            "metadata": {"name": "redis-chaos-pod-delete"},
            "status": {"experimentStatus": {"phase": "Running", "verdict": "Awaited"}}}));
        assert_eq!(b.action.status().await.as_deref(), Some("ChaosResult redis-chaos-pod-delete: Running, verdict Awaited"));

        e.fake.clear_requests();
        let r = b.action.revert().await.expect("reverted");
        assert_eq!(r, "stopped ChaosEngine/redis-chaos; deleted configmap/chaos-notes, chaosengine/redis-chaos");
        let log = e.fake.requests();
        let stop = log.iter().position(|r| r.method == "PATCH" && r.path.ends_with("/chaosengines/redis-chaos")
            && r.content_type == "application/merge-patch+json" && r.body.contains("\"engineState\":\"stop\""))
            .expect("engine stopped");
        let delete = log.iter().position(|r| r.method == "DELETE" && r.path.ends_with("/chaosengines/redis-chaos"))
            .expect("engine deleted");
        assert!(stop < delete, "stop before delete: {log:?}");
        assert!(e.fake.get("litmuschaos.io", "chaosengines", "shop", "redis-chaos").is_none());
        assert!(e.fake.get("", "configmaps", "shop", "chaos-notes").is_none());
        assert_eq!(b.action.status().await, None, "nothing to say after the revert");
        // reverting again: everything is already gone, which is fine
        let again = b.action.revert().await.expect("idempotent");
        assert!(again.contains("(already gone)"), "{again}");
    })
    .await;
}

#[tokio::test]
async fn manifest_revert_after_a_crash_deletes_what_the_journal_names() {
    bounded(async {
        let e = env().await;
        let first = build(&e, safety(1), manifest(ENGINE));
        let saved = first
            .action
            .inject()
            .await
            .expect("injected")
            .restore
            .expect("restore");
        drop(first);
        let recovered = build(&e, safety(1), manifest(ENGINE));
        recovered.action.restore(&saved);
        let r = recovered.action.revert().await.expect("reverted");
        assert!(
            r.starts_with("stopped ChaosEngine/redis-chaos; deleted"),
            "{r}"
        );
        assert!(e
            .fake
            .get("litmuschaos.io", "chaosengines", "shop", "redis-chaos")
            .is_none());
    })
    .await;
}

/// Every refusal before arming, with its exact message.
#[tokio::test]
async fn refusals_before_arming() {
    bounded(async {
        let e = env().await;
        e.fake.add_namespace("kube-system");
        e.fake.add_pod("kube-system", "coredns-1", &[("k8s-app", "kube-dns")]);

        let mut spec = pod_delete("k8s-app=kube-dns");
        spec.namespace = Some("kube-system".into());
        let b = build(&e, safety(1), FaultKind::PodDelete(spec));
        let kube_system = b.action.prepare().await.expect_err("kube-system");
        assert_eq!(kube_system, "namespace kube-system is off limits: gameday never touches kube-system, kube-public, kube-node-lease unless `safety.namespaces` lists it by name");

        let b = build(&e, safety(1), FaultKind::PodDelete(pod_delete("app=api")));
        let too_many = b.action.prepare().await.expect_err("too many");
        assert!(too_many.starts_with("selector app=api matches 3 pods in namespace shop (api-"), "{too_many}");
        assert!(too_many.ends_with("), more than `safety.max_targets` (1): narrow the selector or raise `safety.max_targets`"), "{too_many}");

        let b = build(&e, safety(1), FaultKind::PodDelete(pod_delete("app=nope")));
        let zero = b.action.prepare().await.expect_err("zero");
        assert_eq!(zero, "selector app=nope matches no pods in namespace shop: check the selector and the namespace (kubectl get pods -n shop --show-labels)");

        let other_ns = Safety { namespaces: vec![], ..safety(1) };
        let mut spec = pod_delete("app=redis");
        spec.namespace = Some("payments".into());
        let b = build(&e, other_ns, FaultKind::PodDelete(spec));
        let outside = b.action.prepare().await.expect_err("outside");
        assert!(outside.starts_with("namespace payments is not the scenario's namespace (shop)"), "{outside}");

        let b = build(&e, safety(1), manifest("apiVersion: example.com/v1\nkind: Frobnicator\nmetadata: {name: x}\n"));
        let unknown = b.action.prepare().await.expect_err("unknown kind");
        assert!(unknown.starts_with("Frobnicator/x (example.com/v1 Frobnicator): the cluster does not serve this kind"), "{unknown}");

        let b = build(&e, safety(1), manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: kube-system}\n"));
        let manifest_ns = b.action.prepare().await.expect_err("kube-system manifest");
        assert!(manifest_ns.starts_with("ConfigMap/x: namespace kube-system is off limits"), "{manifest_ns}");

        e.fake.deny("delete", "", "pods", "shop");
        let b = build(&e, safety(2), FaultKind::PodDelete(pod_delete("app=redis")));
        let denied = b.action.prepare().await.expect_err("no delete permission");
        assert_eq!(denied, "cannot arm: missing permission to delete pods in shop (needed to inject); ask a cluster admin for the Role in assets/rbac.yaml");

        e.fake.deny("patch", "apps", "deployments/scale", "shop");
        let b = build(&e, safety(1), scale_api(0));
        let scale_denied = b.action.prepare().await.expect_err("no patch permission");
        assert_eq!(scale_denied, "cannot arm: missing permission to patch deployments.apps/scale in shop (needed to inject and revert); ask a cluster admin for the Role in assets/rbac.yaml");

        let b = build(&e, safety(1), FaultKind::Scale(Scale { kind: ScaleKind::StatefulSet, name: "nope".into(), namespace: None, replicas: 0 }));
        let missing = b.action.prepare().await.expect_err("no such statefulset");
        assert_eq!(missing, "StatefulSet/nope not found in namespace shop: check `scale.name` and the namespace");

        for m in [&kube_system, &too_many, &zero, &outside, &unknown, &manifest_ns, &denied, &scale_denied, &missing] {
            eprintln!("REFUSAL: {m}");
        }
        // nothing was deleted or changed by any of them
        assert!(e.fake.requests().iter().all(|r| r.method == "GET" || r.path.ends_with("selfsubjectaccessreviews")), "only reads and reviews");
    })
    .await;
}

#[test]
fn kubernetes_kinds_need_a_cluster() {
    let fault = Fault {
        name: "kill redis".into(),
        duration: Duration::from_secs(60),
        kind: FaultKind::PodDelete(pod_delete("app=redis")),
    };
    let err = faults::build(&fault, &Context::bare())
        .err()
        .expect("refused");
    assert_eq!(err, "fault `kill redis`: `pod_delete` needs a cluster: add a `kubernetes:` section to the scenario and make sure the cluster is reachable (KUBECONFIG, --context)");
}
