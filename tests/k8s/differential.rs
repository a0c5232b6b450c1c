//! The fake (`kubefake`) checked against the real thing: the same requests go
//! to the fake and to the real kube-apiserver of `scripts/k8s-testbed` (GAMEDAY_TESTBED_DIR,
//! see tests/testbed), as raw HTTP with a bearer token, and the parts of each answer that
//! gameday relies on are compared: status codes, kind and apiVersion, metadata fields,
//! Status reasons and messages, list metadata (continue, resourceVersion), watch event
//! types and bookmarks.
//!
//! Every difference found is either fixed in the fake or listed in [`KNOWN`] (and in
//! DEVELOPERS.md, "Where the fake and a real API server differ") with its reason; the test
//! asserts exactly that list, so a new difference, or one that went away, fails it.

use crate::testbed;

use std::collections::BTreeMap;
use std::time::Duration;

use kubefake::{FakeCluster, FakeHandle, FakeOptions};
use serde_json::{json, Value};
use testbed::{testbed, OwnTestbed, Testbed};

/// The differences that stay, each as `case: field: fake …, real …`; DEVELOPERS.md says why.
const KNOWN: &[&str] = &[
    // the disruption controller counts the pods of the pods' controllers' scale; without a
    // controller (bare pods) a maxUnavailable or percentage budget expects nothing and
    // allows nothing. The fake counts the matching pods.
    "a budget by maxUnavailable over a pod without a controller: /status/disruptionsAllowed: fake 1, real 0",
    "a budget by maxUnavailable over a pod without a controller: /status/expectedPods: fake 1, real 0",
    // field selectors: the fake takes any dotted path; a real server only the fields each
    // kind declares (gameday sends none)
    "list with an unsupported field selector: /reason: fake <absent>, real \"BadRequest\"",
    "list with an unsupported field selector: code: fake 200, real 400",
    // server-side apply: no field ownership, so no conflicts (gameday always forces)
    "apply of a field another manager owns, without force: /reason: fake <absent>, real \"Conflict\"",
    "apply of a field another manager owns, without force: code: fake 200, real 409",
];

/// One side: where it is and with which token.
struct Side {
    base: String,
    token: String,
    client: reqwest::Client,
}

/// An answer: status code and body (JSON, or the text as a JSON string).
#[derive(Debug, Clone)]
struct Answer {
    code: u16,
    body: Value,
}

impl Side {
    async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        body: Option<&Value>,
    ) -> Answer {
        self.send_as(&self.token, method, path, content_type, body)
            .await
    }

    async fn send_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        content_type: &str,
        body: Option<&Value>,
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let mut req = self
            .client
            .request(method.parse().expect("method"), &url)
            .bearer_auth(token)
            .timeout(Duration::from_secs(30));
        if let Some(b) = body {
            let text = if content_type.contains("yaml") {
                // YAML is a superset of JSON: the apply body goes as JSON text
                b.to_string()
            } else {
                serde_json::to_string(b).expect("json")
            };
            req = req.header("Content-Type", content_type).body(text);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let code = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer { code, body }
    }

    /// A watch: the events read until the server ends the stream (bounded by `limit`).
    async fn watch(&self, path: &str, limit: Duration) -> Vec<Value> {
        let url = format!("{}{path}", self.base);
        let mut resp = self
            .client
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("watch {url}: {e}"));
        assert_eq!(resp.status().as_u16(), 200, "watch {url}");
        let mut buf = Vec::new();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            match tokio::time::timeout_at(deadline, resp.chunk()).await {
                Ok(Ok(Some(c))) => buf.extend_from_slice(&c),
                Ok(Ok(None)) | Ok(Err(_)) => break,
                Err(_) => panic!("watch {url} did not end within {limit:?}"),
            }
        }
        String::from_utf8_lossy(&buf)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a watch event is one JSON line"))
            .collect()
    }
}

/// The same request to both; (fake, real).
struct Both {
    fake: Side,
    real: Side,
    ns: String,
    diffs: Vec<String>,
}

impl Both {
    async fn send(
        &self,
        method: &str,
        path: &str,
        ct: &str,
        body: Option<&Value>,
    ) -> (Answer, Answer) {
        let path = path.replace("{ns}", &self.ns);
        let body = body.map(|b| {
            serde_json::from_str::<Value>(&b.to_string().replace("{ns}", &self.ns)).expect("json")
        });
        let f = self.fake.send(method, &path, ct, body.as_ref()).await;
        let r = self.real.send(method, &path, ct, body.as_ref()).await;
        (f, r)
    }

    /// Compares the projections of both answers by `fields` (see [`project`]); every
    /// mismatch is recorded as `case: field: fake …, real …`.
    fn compare(&mut self, case: &str, f: &Answer, r: &Answer, fields: &[&str]) {
        let pf = project(f, fields, &self.ns);
        let pr = project(r, fields, &self.ns);
        for (k, fv) in &pf {
            let rv = &pr[k];
            if fv != rv {
                self.diffs
                    .push(format!("{case}: {k}: fake {}, real {}", show(fv), show(rv)));
            }
        }
    }

    /// Sends and compares.
    async fn case(
        &mut self,
        case: &str,
        method: &str,
        path: &str,
        ct: &str,
        body: Option<Value>,
        fields: &[&str],
    ) -> (Answer, Answer) {
        let (f, r) = self.send(method, path, ct, body.as_ref()).await;
        self.compare(case, &f, &r, fields);
        (f, r)
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "<absent>".into(),
        other => other.to_string(),
    }
}

/// The parts of an answer named by `fields`: `code`; a JSON pointer (`/kind`) for the
/// value; `?/ptr` for whether it is set at all; `#/ptr` for an array's length; `keys/ptr`
/// for an object's keys; `has:/ptr:text` for whether a string contains `text`. The
/// namespace's name reads `NS` in every string.
fn project(a: &Answer, fields: &[&str], ns: &str) -> BTreeMap<String, Value> {
    let norm = |v: &Value| -> Value {
        serde_json::from_str(&v.to_string().replace(ns, "NS")).unwrap_or(Value::Null)
    };
    let mut out = BTreeMap::new();
    for f in fields {
        let v = if *f == "code" {
            json!(a.code)
        } else if let Some(p) = f.strip_prefix('?') {
            json!(a.body.pointer(p).is_some_and(|v| !v.is_null() && v != ""))
        } else if let Some(p) = f.strip_prefix('#') {
            a.body
                .pointer(p)
                .and_then(Value::as_array)
                .map(|x| json!(x.len()))
                .unwrap_or(Value::Null)
        } else if let Some(p) = f.strip_prefix("keys") {
            a.body
                .pointer(p)
                .and_then(Value::as_object)
                .map(|o| json!(o.keys().cloned().collect::<Vec<_>>()))
                .unwrap_or(Value::Null)
        } else if let Some(rest) = f.strip_prefix("has:") {
            let (p, text) = rest.split_once(':').expect("has:/ptr:text");
            json!(a
                .body
                .pointer(p)
                .and_then(Value::as_str)
                .is_some_and(|s| s.contains(text)))
        } else {
            a.body.pointer(f).map(norm).unwrap_or(Value::Null)
        };
        out.insert(f.to_string(), v);
    }
    out
}

const STATUS: &[&str] = &[
    "code",
    "/kind",
    "/apiVersion",
    "/status",
    "/reason",
    "/code",
    "/message",
    "/details/name",
    "/details/group",
    "/details/kind",
];

fn pod(name: &str, labels: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"terminationGracePeriodSeconds": 30,
                 "containers": [{"name": "app", "image": "registry.invalid/app:1"}]}
    })
}

/// Polls `check` on both sides (every 200 ms, at most 90 s) until it holds on each.
async fn until_both(both: &Both, what: &str, path: &str, check: impl Fn(&Value) -> bool) {
    let path = path.replace("{ns}", &both.ns);
    for (name, side) in [("fake", &both.fake), ("real", &both.real)] {
        let start = std::time::Instant::now();
        loop {
            let a = side.send("GET", &path, "", None).await;
            if a.code == 200 && check(&a.body) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "{what} on the {name} side: last {} {}",
                a.code,
                a.body
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn ready_count(list: &Value) -> usize {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| {
            p["status"]["conditions"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fake_answers_as_the_real_api_server_does() {
    let tb = testbed();
    // grace periods in real seconds, as on the real side
    let opts = FakeOptions {
        grace_scale: 1.0,
        ..FakeOptions::default()
    };
    let fake: FakeHandle = FakeCluster::start(opts).await.expect("start the fake");
    let ca = std::fs::read(&tb.ca).expect("the testbed's CA");
    let real_client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA"))
        .build()
        .expect("client");
    let ns = format!("diff-{}", std::process::id());
    let mut b = Both {
        fake: Side {
            base: fake.url().trim_end_matches('/').to_string(),
            token: fake.token().to_string(),
            client: reqwest::Client::new(),
        },
        real: Side {
            base: tb.server.clone(),
            token: tb.admin_token.clone(),
            client: real_client,
        },
        ns: ns.clone(),
        diffs: Vec::new(),
    };
    let json_ct = "application/json";
    let merge = "application/merge-patch+json";
    let apply = "application/apply-patch+yaml";

    // ---- seeding: the same creates on both sides
    b.case(
        "create a namespace",
        "POST",
        "/api/v1/namespaces?fieldManager=tests",
        json_ct,
        Some(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "{ns}"}})),
        &[
            "code",
            "/kind",
            "/apiVersion",
            "/metadata/name",
            "/status/phase",
        ],
    )
    .await;
    // the ServiceAccount admission plugin refuses pods until `default` exists (real only)
    testbed::wait_until("serviceaccount default", Duration::from_secs(60), || {
        tb.kubectl_out(&["get", "sa", "default", "-n", &ns])
    });
    let web = |tier: &str| json!({"app": "web", "tier": tier});
    for (name, labels) in [
        ("p-a", web("front")),
        ("p-b", web("back")),
        ("p-c", web("front")),
        ("solo", json!({"app": "solo"})),
    ] {
        b.case(
            "create a pod",
            "POST",
            "/api/v1/namespaces/{ns}/pods?fieldManager=tests",
            json_ct,
            Some(pod(name, labels)),
            &[
                "code",
                "/kind",
                "/apiVersion",
                "/metadata/name",
                "/metadata/namespace",
                "?/metadata/uid",
                "?/metadata/resourceVersion",
                "?/metadata/creationTimestamp",
                "/metadata/managedFields/0/manager",
                "/metadata/managedFields/0/operation",
                "/metadata/managedFields/0/fieldsType",
                "/spec/terminationGracePeriodSeconds",
            ],
        )
        .await;
    }
    b.case(
        "create a deployment",
        "POST",
        "/apis/apps/v1/namespaces/{ns}/deployments?fieldManager=tests",
        json_ct,
        Some(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}},
                     "template": {"metadata": {"labels": {"app": "api"}},
                                  "spec": {"terminationGracePeriodSeconds": 1,
                                           "containers": [{"name": "app", "image": "registry.invalid/app:1"}]}}}
        })),
        &["code", "/kind", "/apiVersion", "/metadata/name", "/spec/replicas"],
    )
    .await;
    b.case(
        "create a configmap",
        "POST",
        "/api/v1/namespaces/{ns}/configmaps?fieldManager=tests",
        json_ct,
        Some(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "1"}})),
        &["code", "/kind", "/apiVersion", "/data/a"],
    )
    .await;
    b.case(
        "create a pod disruption budget",
        "POST",
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets?fieldManager=tests",
        json_ct,
        Some(json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "web"},
            "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "web"}}}
        })),
        &["code", "/kind", "/apiVersion", "/spec/minAvailable"],
    )
    .await;
    // a budget by maxUnavailable over a pod no controller owns
    b.send(
        "POST",
        "/api/v1/namespaces/{ns}/pods?fieldManager=tests",
        json_ct,
        Some(&pod("lone", json!({"app": "lone"}))),
    )
    .await;
    b.send(
        "POST",
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets?fieldManager=tests",
        json_ct,
        Some(&json!({
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": "lone"},
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "lone"}}}
        })),
    )
    .await;
    until_both(
        &b,
        "5 pods Ready",
        "/api/v1/namespaces/{ns}/pods?labelSelector=app%20in%20(web,solo,lone)",
        |l| ready_count(l) == 5,
    )
    .await;
    until_both(
        &b,
        "the deployment's 2 pods Ready",
        "/apis/apps/v1/namespaces/{ns}/deployments/api",
        |d| d["status"]["readyReplicas"] == 2,
    )
    .await;
    until_both(
        &b,
        "the budget counted",
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/web",
        |p| p["status"]["currentHealthy"] == 3 && p["status"]["expectedPods"] == 3,
    )
    .await;

    until_both(
        &b,
        "the second budget seen",
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/lone",
        |p| p["status"]["observedGeneration"] == 1 || p["status"]["expectedPods"] == 1,
    )
    .await;
    b.case(
        "a budget by maxUnavailable over a pod without a controller",
        "GET",
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/lone",
        "",
        None,
        &[
            "code",
            "/status/expectedPods",
            "/status/currentHealthy",
            "/status/disruptionsAllowed",
        ],
    )
    .await;

    // ---- lists: selectors and pages
    let list_fields = &[
        "code",
        "/kind",
        "/apiVersion",
        "?/metadata/resourceVersion",
        "?/metadata/continue",
        "#/items",
        "?/items/0/kind",
        "?/items/0/apiVersion",
        "/items/0/metadata/name",
    ];
    b.case(
        "list by label",
        "GET",
        "/api/v1/namespaces/{ns}/pods?labelSelector=app%3Dweb",
        "",
        None,
        list_fields,
    )
    .await;
    b.case(
        "list by field metadata.name",
        "GET",
        "/api/v1/namespaces/{ns}/pods?fieldSelector=metadata.name%3Dp-b",
        "",
        None,
        list_fields,
    )
    .await;
    b.case(
        "list by field status.phase",
        "GET",
        "/api/v1/namespaces/{ns}/pods?fieldSelector=status.phase%3DRunning,metadata.name!%3Dsolo&labelSelector=app%3Dweb",
        "",
        None,
        list_fields,
    )
    .await;
    b.case(
        "list by a set-based selector",
        "GET",
        "/api/v1/namespaces/{ns}/pods?labelSelector=app%20in%20(web),tier!%3Dback",
        "",
        None,
        list_fields,
    )
    .await;
    b.case(
        "list by an existence selector",
        "GET",
        "/api/v1/namespaces/{ns}/pods?labelSelector=!tier,app%20notin%20(lone,api)",
        "",
        None,
        list_fields,
    )
    .await;
    let (f1, r1) = b
        .case(
            "list, first page",
            "GET",
            "/api/v1/namespaces/{ns}/pods?labelSelector=app%3Dweb&limit=2",
            "",
            None,
            list_fields,
        )
        .await;
    let page2 = |a: &Answer| {
        let token = a.body["metadata"]["continue"]
            .as_str()
            .unwrap_or("")
            .to_string();
        format!(
            "/api/v1/namespaces/{ns}/pods?labelSelector=app%3Dweb&limit=2&continue={}",
            urlencode(&token)
        )
    };
    let f2 = b.fake.send("GET", &page2(&f1), "", None).await;
    let r2 = b.real.send("GET", &page2(&r1), "", None).await;
    b.compare("list, second page", &f2, &r2, list_fields);
    let same_rv = |a: &Answer, first: &Answer| Answer {
        code: a.code,
        body: json!({"same": a.body["metadata"]["resourceVersion"] == first.body["metadata"]["resourceVersion"]}),
    };
    b.compare(
        "list, second page's resourceVersion is the first's",
        &same_rv(&f2, &f1),
        &same_rv(&r2, &r1),
        &["/same"],
    );
    let bad = b
        .fake
        .send(
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods?limit=2&continue=garbage"),
            "",
            None,
        )
        .await;
    let bad_r = b
        .real
        .send(
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods?limit=2&continue=garbage"),
            "",
            None,
        )
        .await;
    b.compare(
        "list with a continue token that is not one",
        &bad,
        &bad_r,
        &["code", "/kind", "/reason"],
    );
    b.case(
        "list with an unsupported field selector",
        "GET",
        "/api/v1/namespaces/{ns}/pods?fieldSelector=spec.foo%3Dbar",
        "",
        None,
        &["code", "/reason"],
    )
    .await;
    b.case(
        "list in a namespace that does not exist",
        "GET",
        "/api/v1/namespaces/nope-{ns}/pods",
        "",
        None,
        &["code", "/kind", "#/items"],
    )
    .await;

    // ---- errors: 404, 409, 422
    b.case(
        "get a pod that does not exist",
        "GET",
        "/api/v1/namespaces/{ns}/pods/nope",
        "",
        None,
        STATUS,
    )
    .await;
    b.case(
        "get a deployment that does not exist",
        "GET",
        "/apis/apps/v1/namespaces/{ns}/deployments/nope",
        "",
        None,
        STATUS,
    )
    .await;
    b.case(
        "get the scale of a deployment that does not exist",
        "GET",
        "/apis/apps/v1/namespaces/{ns}/deployments/nope/scale",
        "",
        None,
        STATUS,
    )
    .await;
    b.case(
        "create a pod that exists",
        "POST",
        "/api/v1/namespaces/{ns}/pods",
        json_ct,
        Some(pod("p-a", web("front"))),
        STATUS,
    )
    .await;
    b.case(
        "create in a namespace that does not exist",
        "POST",
        "/api/v1/namespaces/nope-{ns}/configmaps",
        json_ct,
        Some(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})),
        STATUS,
    )
    .await;
    b.case(
        "create without a name",
        "POST",
        "/api/v1/namespaces/{ns}/configmaps",
        json_ct,
        Some(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})),
        &["code", "/kind", "/status", "/reason", "/message"],
    )
    .await;
    b.case(
        "update with an old resourceVersion",
        "PUT",
        "/api/v1/namespaces/{ns}/configmaps/cm",
        json_ct,
        Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "cm", "resourceVersion": "1"}, "data": {"a": "2"}})),
        STATUS,
    )
    .await;

    // ---- delete: preconditions, grace period, Status answers
    let uid_of = |a: &Answer| a.body["metadata"]["uid"].as_str().unwrap_or("").to_string();
    let pf = b
        .fake
        .send(
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods/p-c"),
            "",
            None,
        )
        .await;
    let pr = b
        .real
        .send(
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods/p-c"),
            "",
            None,
        )
        .await;
    let del = |uid: &str, grace: i64| json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": grace, "preconditions": {"uid": uid}});
    let path_c = format!("/api/v1/namespaces/{ns}/pods/p-c");
    let f = b
        .fake
        .send("DELETE", &path_c, json_ct, Some(&del("not-the-uid", 5)))
        .await;
    let r = b
        .real
        .send("DELETE", &path_c, json_ct, Some(&del("not-the-uid", 5)))
        .await;
    b.compare(
        "delete with a uid precondition that fails",
        &f,
        &r,
        &[
            "code",
            "/kind",
            "/status",
            "/reason",
            "/details/kind",
            "/details/name",
            "has:/message:Operation cannot be fulfilled on Pod \"p-c\": the UID in the precondition (not-the-uid) does not match the UID in record (",
        ],
    );
    let f = b
        .fake
        .send("DELETE", &path_c, json_ct, Some(&del(&uid_of(&pf), 5)))
        .await;
    let r = b
        .real
        .send("DELETE", &path_c, json_ct, Some(&del(&uid_of(&pr), 5)))
        .await;
    b.compare(
        "delete a pod with a grace period",
        &f,
        &r,
        &[
            "code",
            "/kind",
            "/apiVersion",
            "/metadata/name",
            "?/metadata/deletionTimestamp",
            "/metadata/deletionGracePeriodSeconds",
        ],
    );
    b.case(
        "delete a pod already being deleted, grace 0",
        "DELETE",
        "/api/v1/namespaces/{ns}/pods/p-c?gracePeriodSeconds=0",
        "",
        None,
        &["code", "/kind", "/metadata/name"],
    )
    .await;
    b.case(
        "delete a configmap",
        "DELETE",
        "/api/v1/namespaces/{ns}/configmaps/cm",
        "",
        None,
        &[
            "code",
            "/kind",
            "/apiVersion",
            "/status",
            "/details/name",
            "/details/kind",
            "/details/group",
            "?/details/uid",
        ],
    )
    .await;
    b.case(
        "delete what is not there",
        "DELETE",
        "/api/v1/namespaces/{ns}/configmaps/cm",
        "",
        None,
        STATUS,
    )
    .await;

    // ---- eviction: refused by the budget, allowed without one
    let eviction = |name: &str| {
        json!({"apiVersion": "policy/v1", "kind": "Eviction",
               "metadata": {"name": name, "namespace": "{ns}"},
               "deleteOptions": {"gracePeriodSeconds": 0}})
    };
    b.case(
        "evict a pod its budget protects",
        "POST",
        "/api/v1/namespaces/{ns}/pods/p-a/eviction",
        json_ct,
        Some(eviction("p-a")),
        &[
            "code",
            "/kind",
            "/apiVersion",
            "/status",
            "/reason",
            "/code",
            "/message",
            "/details/causes/0/reason",
            "/details/causes/0/message",
        ],
    )
    .await;
    b.case(
        "evict a pod without a budget",
        "POST",
        "/api/v1/namespaces/{ns}/pods/solo/eviction",
        json_ct,
        Some(eviction("solo")),
        &["code", "/kind", "/apiVersion", "/status", "/code"],
    )
    .await;
    b.case(
        "evict a pod that does not exist",
        "POST",
        "/api/v1/namespaces/{ns}/pods/nope/eviction",
        json_ct,
        Some(eviction("nope")),
        STATUS,
    )
    .await;

    // ---- scale subresource
    let scale_fields = &[
        "code",
        "/kind",
        "/apiVersion",
        "/metadata/name",
        "/metadata/namespace",
        "?/metadata/uid",
        "?/metadata/resourceVersion",
        "/spec/replicas",
        "/status/replicas",
        "/status/selector",
    ];
    b.case(
        "get a deployment's scale",
        "GET",
        "/apis/apps/v1/namespaces/{ns}/deployments/api/scale",
        "",
        None,
        scale_fields,
    )
    .await;
    b.case(
        "patch a deployment's scale",
        "PATCH",
        "/apis/apps/v1/namespaces/{ns}/deployments/api/scale",
        merge,
        Some(json!({"spec": {"replicas": 3}})),
        &["code", "/kind", "/apiVersion", "/spec/replicas"],
    )
    .await;
    b.case(
        "patch a scale to -1",
        "PATCH",
        "/apis/apps/v1/namespaces/{ns}/deployments/api/scale",
        merge,
        Some(json!({"spec": {"replicas": -1}})),
        &["code", "/kind", "/status", "/reason", "/message"],
    )
    .await;

    // ---- server-side apply
    let cm2 = |a: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm2", "labels": {"app.kubernetes.io/managed-by": "gameday"}}, "data": {"a": a}});
    let ssa_fields = &[
        "code",
        "/kind",
        "/apiVersion",
        "/data/a",
        "/metadata/labels",
        "#/metadata/managedFields",
        "/metadata/managedFields/0/manager",
        "/metadata/managedFields/0/operation",
        "/metadata/managedFields/0/apiVersion",
        "/metadata/managedFields/0/fieldsType",
    ];
    b.case(
        "apply that creates",
        "PATCH",
        "/api/v1/namespaces/{ns}/configmaps/cm2?fieldManager=gameday&force=true",
        apply,
        Some(cm2("1")),
        ssa_fields,
    )
    .await;
    b.case(
        "apply that changes",
        "PATCH",
        "/api/v1/namespaces/{ns}/configmaps/cm2?fieldManager=gameday&force=true",
        apply,
        Some(cm2("2")),
        ssa_fields,
    )
    .await;
    b.case(
        "apply without a field manager",
        "PATCH",
        "/api/v1/namespaces/{ns}/configmaps/cm2",
        apply,
        Some(cm2("3")),
        &["code", "/kind", "/status", "/reason", "/message"],
    )
    .await;
    b.case(
        "apply of a field another manager owns, without force",
        "PATCH",
        "/api/v1/namespaces/{ns}/configmaps/cm2?fieldManager=intruder",
        apply,
        Some(cm2("4")),
        &["code", "/reason"],
    )
    .await;
    b.case(
        "merge patch of what does not exist",
        "PATCH",
        "/api/v1/namespaces/{ns}/configmaps/nope",
        merge,
        Some(json!({"data": {"a": "1"}})),
        STATUS,
    )
    .await;

    // ---- SelfSubjectAccessReview: allowed, and denied
    let review = json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"namespace": "{ns}", "verb": "delete", "group": "", "resource": "pods"}}});
    let review_fields = &[
        "code",
        "/kind",
        "/apiVersion",
        "/spec/resourceAttributes/verb",
        "/status/allowed",
        "?/status/denied",
    ];
    b.case(
        "access review, allowed",
        "POST",
        "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        json_ct,
        Some(review.clone()),
        review_fields,
    )
    .await;
    // the fake's one user is denied by a rule; the real one is a user without a Role
    fake.deny("delete", "", "pods", &ns);
    let body: Value = serde_json::from_str(&review.to_string().replace("{ns}", &ns)).unwrap();
    let path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
    let f = b.fake.send("POST", path, json_ct, Some(&body)).await;
    let r = b
        .real
        .send_as(&tb.nobody_token, "POST", path, json_ct, Some(&body))
        .await;
    b.compare("access review, denied", &f, &r, review_fields);
    fake.clear_faults();

    // ---- watch: events in order, bookmarks, the end at timeoutSeconds, 410 Gone
    let lf = b
        .fake
        .send(
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods?labelSelector=app%3Dweb"),
            "",
            None,
        )
        .await;
    let lr = b
        .real
        .send(
            "GET",
            &format!("/api/v1/namespaces/{ns}/pods?labelSelector=app%3Dweb"),
            "",
            None,
        )
        .await;
    let watch_path = |rv: &Value| {
        format!(
            "/api/v1/namespaces/{ns}/pods?watch=1&labelSelector=app%3Dweb&allowWatchBookmarks=true&timeoutSeconds=6&resourceVersion={}",
            rv.as_str().unwrap_or("")
        )
    };
    let (wf, wr) = (
        watch_path(&lf.body["metadata"]["resourceVersion"]),
        watch_path(&lr.body["metadata"]["resourceVersion"]),
    );
    let fake_side = Side {
        base: b.fake.base.clone(),
        token: b.fake.token.clone(),
        client: b.fake.client.clone(),
    };
    let real_side = Side {
        base: b.real.base.clone(),
        token: b.real.token.clone(),
        client: b.real.client.clone(),
    };
    let started = std::time::Instant::now();
    let tf = tokio::spawn(async move { fake_side.watch(&wf, Duration::from_secs(30)).await });
    let tr = tokio::spawn(async move { real_side.watch(&wr, Duration::from_secs(30)).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // a pod comes, is relabelled out of the selection, and another one is deleted
    b.send(
        "POST",
        "/api/v1/namespaces/{ns}/pods",
        json_ct,
        Some(&pod("p-w", web("front"))),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.send(
        "PATCH",
        "/api/v1/namespaces/{ns}/pods/p-w",
        merge,
        Some(&json!({"metadata": {"labels": {"app": "gone"}}})),
    )
    .await;
    b.send(
        "DELETE",
        "/api/v1/namespaces/{ns}/pods/p-b?gracePeriodSeconds=0",
        "",
        None,
    )
    .await;
    let ef = tf.await.expect("fake watch");
    let er = tr.await.expect("real watch");
    let ended = started.elapsed();
    assert!(
        ended >= Duration::from_secs(5) && ended < Duration::from_secs(20),
        "both watches end at timeoutSeconds=6: {ended:?}"
    );
    let summary = |evs: &[Value]| -> Value {
        let kinds: Vec<&Value> = evs
            .iter()
            .filter(|e| e["type"] != "BOOKMARK")
            .map(|e| &e["type"])
            .collect();
        let first_of = |name: &str| {
            evs.iter()
                .position(|e| e["type"] != "BOOKMARK" && e["object"]["metadata"]["name"] == name)
                .map(|i| &evs[i]["type"])
        };
        let last_of = |name: &str| {
            evs.iter()
                .rposition(|e| e["type"] != "BOOKMARK" && e["object"]["metadata"]["name"] == name)
                .map(|i| &evs[i]["type"])
        };
        let bookmark = evs.iter().find(|e| e["type"] == "BOOKMARK");
        json!({
            "types": {
                "ADDED": kinds.iter().any(|k| **k == "ADDED"),
                "MODIFIED": kinds.iter().any(|k| **k == "MODIFIED"),
                "DELETED": kinds.iter().any(|k| **k == "DELETED"),
                "BOOKMARK": bookmark.is_some(),
                "ERROR": kinds.iter().any(|k| **k == "ERROR"),
            },
            "p-w first": first_of("p-w"),
            "p-w last (relabelled out)": last_of("p-w"),
            "p-b last": last_of("p-b"),
            "every object a Pod of v1": evs.iter().all(|e| e["object"]["kind"] == "Pod" && e["object"]["apiVersion"] == "v1"),
            "bookmark metadata": bookmark.map(|e| json!(e["object"]["metadata"].as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()))),
            "bookmark rv set": bookmark.map(|e| json!(e["object"]["metadata"]["resourceVersion"].as_str().is_some_and(|s| !s.is_empty()))),
        })
    };
    let sf = Answer {
        code: 200,
        body: summary(&ef),
    };
    let sr = Answer {
        code: 200,
        body: summary(&er),
    };
    b.compare(
        "watch with bookmarks",
        &sf,
        &sr,
        &[
            "/types",
            "/p-w first",
            "/p-w last (relabelled out)",
            "/p-b last",
            "/every object a Pod of v1",
            "/bookmark metadata",
            "/bookmark rv set",
        ],
    );
    // a resourceVersion older than what the server keeps: ERROR with a 410 Status
    // The shared plane's watch cache holds every event since its start (a young plane
    // answers resourceVersion=1 with ADDED events), so the real side here is a plane of the
    // test's own that reads pods from etcd, as a busy cluster's cache does past its window.
    fake.compact();
    let own = tokio::task::spawn_blocking(|| OwnTestbed::start("--watch-cache-sizes=pods#0"))
        .await
        .expect("own plane");
    let own_tb = Testbed::read(own.dir.path());
    own_tb.k(&["create", "namespace", &ns]);
    own.script("compact");
    let own_ca = std::fs::read(&own_tb.ca).expect("the own plane's CA");
    let own_side = Side {
        base: own_tb.server.clone(),
        token: own_tb.admin_token.clone(),
        client: reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&own_ca).expect("CA"))
            .build()
            .expect("client"),
    };
    let old = "/api/v1/namespaces/NSX/pods?watch=1&resourceVersion=1&timeoutSeconds=5"
        .replace("NSX", &ns);
    let ef = b.fake.watch(&old, Duration::from_secs(20)).await;
    let er = own_side.watch(&old, Duration::from_secs(20)).await;
    drop(own);
    let first = |evs: &[Value]| Answer {
        code: 200,
        body: evs.first().cloned().unwrap_or(Value::Null),
    };
    b.compare(
        "watch from a compacted resourceVersion",
        &first(&ef),
        &first(&er),
        &[
            "/type",
            "/object/kind",
            "/object/apiVersion",
            "/object/status",
            "/object/code",
            "/object/reason",
            // the words differ and both are a real server's: its watch cache says "too old
            // resource version: A (B)", etcd behind a server without one a sentence; gameday
            // reads the code and reason only
            "has:/object/message:too old",
        ],
    );

    let _ = tb.kubectl_out(&["delete", "namespace", &ns, "--wait=false"]);
    fake.shutdown();
    assert_eq!(
        b.diffs, KNOWN,
        "the differences between the fake and the real API server: fix the fake, or list \
         the difference in KNOWN and in DEVELOPERS.md with its reason"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|c| match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (c as char).to_string()
            }
            _ => format!("%{c:02X}"),
        })
        .collect()
}
