//! Routing and handlers: the REST surface of the API server, with its JSON.

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::http::{Body, Request, Response};
use super::patch::{json_patch, merge_patch};
use super::selector::{FieldSelector, LabelSelector};
use super::state::{now_rfc3339, str_at, Inner, ResourceDef, State};
use super::workload::{self, budget_of, is_ready, is_terminating, selector_string};
use super::RequestRecord;

const USER: &str = "kubefake-user";

/// A `metav1.Status` failure.
pub fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut s = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code
    });
    if let Some(d) = details {
        s["details"] = d;
    }
    s
}

/// A Status's `details`: like a real API server (`omitempty`), no `group` for the core
/// group and no empty name.
fn details(name: &str, group: &str, kind: &str) -> Value {
    let mut d = json!({"kind": kind});
    if !name.is_empty() {
        d["name"] = json!(name);
    }
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    d
}

fn err(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response {
    let mut r = Response::json(code, &status(code, reason, message, details.clone()));
    if let Some(secs) = details
        .as_ref()
        .and_then(|d| d.get("retryAfterSeconds"))
        .and_then(Value::as_i64)
    {
        r.headers.push(("Retry-After".into(), secs.to_string()));
    }
    r
}

pub fn bad_request(msg: &str) -> Response {
    err(400, "BadRequest", msg, None)
}

fn not_found(res: &ResourceDef, name: &str) -> Response {
    err(
        404,
        "NotFound",
        // a real API server names the group: `deployments.apps "x" not found`
        &format!("{} \"{name}\" not found", qualified(res)),
        Some(details(name, &res.group, &res.plural)),
    )
}

fn conflict(res: &ResourceDef, name: &str) -> Response {
    err(
        409,
        "Conflict",
        &format!(
            "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            qualified(res)
        ),
        Some(details(name, &res.group, &res.plural)),
    )
}

fn qualified(res: &ResourceDef) -> String {
    if res.group.is_empty() {
        res.plural.clone()
    } else {
        format!("{}.{}", res.plural, res.group)
    }
}

fn forbidden(res: &str, group: &str, verb: &str, ns: &str, name: &str) -> Response {
    let subject = if name.is_empty() {
        res.to_string()
    } else {
        format!("{res} \"{name}\"")
    };
    let scope = if ns.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace \"{ns}\"")
    };
    let plural = res.split('/').next().unwrap_or(res);
    let details = details(name, group, plural);
    err(
        403,
        "Forbidden",
        &format!("{subject} is forbidden: User \"{USER}\" cannot {verb} resource \"{res}\" in API group \"{group}\" {scope}"),
        Some(details),
    )
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(b) => {
                    out.push(b);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

fn qget<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("true") | Some("1"))
}

enum Route {
    Version,
    CoreVersions,
    Groups,
    Group(String),
    ResourceList(String, String),
    Resource {
        res: ResourceDef,
        ns: String,
        name: Option<String>,
        sub: Option<String>,
    },
    NotFound,
}

fn route(st: &State, path: &str) -> Route {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let (group, version, rest) = match s.as_slice() {
        ["version"] => return Route::Version,
        ["api"] => return Route::CoreVersions,
        ["apis"] => return Route::Groups,
        ["apis", g] => return Route::Group(g.to_string()),
        ["api", v, rest @ ..] => (String::new(), v.to_string(), rest),
        ["apis", g, v, rest @ ..] => (g.to_string(), v.to_string(), rest),
        _ => return Route::NotFound,
    };
    if rest.is_empty() {
        if st
            .resources
            .iter()
            .any(|r| r.group == group && r.version == version)
        {
            return Route::ResourceList(group, version);
        }
        return Route::NotFound;
    }
    if rest[0] == "namespaces" && rest.len() >= 3 {
        if let Some(res) = st.find_resource(&group, &version, rest[2]) {
            if res.namespaced && rest.len() <= 5 {
                return Route::Resource {
                    res,
                    ns: rest[1].to_string(),
                    name: rest.get(3).map(|x| x.to_string()),
                    sub: rest.get(4).map(|x| x.to_string()),
                };
            }
            return Route::NotFound;
        }
    }
    match st.find_resource(&group, &version, rest[0]) {
        Some(res) if rest.len() <= 3 => {
            if res.namespaced && rest.len() > 1 {
                return Route::NotFound;
            }
            Route::Resource {
                res,
                ns: String::new(),
                name: rest.get(1).map(|x| x.to_string()),
                sub: rest.get(2).map(|x| x.to_string()),
            }
        }
        _ => Route::NotFound,
    }
}

fn injected(code: u16, verb: &str, res: Option<&ResourceDef>, ns: &str, name: &str) -> Response {
    let plural = res.map(|r| r.plural.clone()).unwrap_or_default();
    let group = res.map(|r| r.group.clone()).unwrap_or_default();
    let details = details(name, &group, &plural);
    match code {
        400 => bad_request("the server rejected our request for an unknown reason"),
        401 => err(401, "Unauthorized", "Unauthorized", None),
        403 => forbidden(&plural, &group, verb, ns, name),
        404 => match res {
            Some(r) if !name.is_empty() => not_found(r, name),
            _ => err(404, "NotFound", "the server could not find the requested resource", None),
        },
        409 if verb == "create" => err(
            409,
            "AlreadyExists",
            &format!("{plural} \"{name}\" already exists"),
            Some(details),
        ),
        409 => match res {
            Some(r) => conflict(r, name),
            None => err(409, "Conflict", "the object has been modified", None),
        },
        410 => err(
            410,
            "Gone",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.",
            None,
        ),
        422 => err(422, "Invalid", &format!("{plural} \"{name}\" is invalid"), Some(details)),
        429 => err(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
            Some(json!({"retryAfterSeconds": 1})),
        ),
        503 => err(503, "ServiceUnavailable", "The server is currently unable to handle the request", None),
        504 => err(504, "Timeout", "Timeout: request did not complete within the allotted timeout", None),
        c => err(
            c,
            "InternalError",
            "Internal error occurred: injected by kubefake",
            Some(json!({"causes": [{"message": "injected by kubefake"}]})),
        ),
    }
}

pub async fn handle(inner: &Arc<Inner>, req: Request) -> Response {
    let q = parse_query(&req.query);
    let content_type = req.header("content-type").unwrap_or("").to_string();
    let full = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let delay = {
        let mut st = inner.lock();
        st.log.push(RequestRecord {
            method: req.method.clone(),
            path: req.path.clone(),
            query: percent_decode(&req.query),
            content_type: content_type.clone(),
            body: String::from_utf8_lossy(&req.body).into_owned(),
            at: std::time::Instant::now(),
        });
        st.delays
            .iter()
            .filter(|(s, _)| full.contains(s.as_str()))
            .map(|(_, d)| *d)
            .max()
    };
    let want = format!("Bearer {}", inner.opts.token);
    if req.header("authorization") != Some(want.as_str()) {
        return err(401, "Unauthorized", "Unauthorized", None);
    }
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let route = route(&inner.lock(), &req.path);
    let (verb, res, ns, name) = match &route {
        Route::Resource { res, ns, name, .. } => {
            let verb = match (req.method.as_str(), name.is_some()) {
                ("GET", false) if truthy(qget(&q, "watch")) => "watch",
                ("GET", false) => "list",
                ("GET", true) => "get",
                ("POST", _) => "create",
                ("PUT", _) => "update",
                ("PATCH", _) => "patch",
                ("DELETE", true) => "delete",
                ("DELETE", false) => "deletecollection",
                _ => {
                    return err(
                        405,
                        "MethodNotAllowed",
                        "the server does not allow this method on the requested resource",
                        None,
                    )
                }
            };
            (
                verb,
                Some(res.clone()),
                ns.clone(),
                name.clone().unwrap_or_default(),
            )
        }
        _ => ("get", None, String::new(), String::new()),
    };
    // Injected failures, first match wins.
    let hit = {
        let mut st = inner.lock();
        let method = req.method.to_lowercase();
        st.failures
            .iter_mut()
            .find(|f| {
                f.remaining > 0
                    && (f.verb == "*" || f.verb == "any" || f.verb == verb || f.verb == method)
                    && full.contains(f.path_substring.as_str())
            })
            .map(|f| {
                f.remaining -= 1;
                f.code
            })
    };
    if let Some(code) = hit {
        return injected(code, verb, res.as_ref(), &ns, &name);
    }
    match route {
        Route::Version => Response::json(200, &version()),
        Route::CoreVersions => Response::json(
            200,
            &json!({"kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}]}),
        ),
        Route::Groups => Response::json(200, &group_list(&inner.lock())),
        Route::Group(g) => match group_list(&inner.lock())["groups"]
            .as_array()
            .and_then(|gs| gs.iter().find(|x| x["name"] == json!(g)).cloned())
        {
            Some(mut grp) => {
                grp["kind"] = json!("APIGroup");
                grp["apiVersion"] = json!("v1");
                Response::json(200, &grp)
            }
            None => err(
                404,
                "NotFound",
                "the server could not find the requested resource",
                None,
            ),
        },
        Route::ResourceList(g, v) => Response::json(200, &resource_list(&inner.lock(), &g, &v)),
        Route::NotFound => err(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
        Route::Resource { res, ns, name, sub } => {
            // Authorization (the deny rules act like RBAC).
            let resource = match &sub {
                Some(s) => format!("{}/{s}", res.plural),
                None => res.plural.clone(),
            };
            let denied = inner
                .lock()
                .deny
                .iter()
                .any(|d| d.matches(verb, &res.group, &resource, &ns));
            if denied && res.plural != "selfsubjectaccessreviews" {
                return forbidden(
                    &resource,
                    &res.group,
                    verb,
                    &ns,
                    name.as_deref().unwrap_or(""),
                );
            }
            let ctx = Ctx {
                inner: inner.clone(),
                req,
                q,
                content_type,
                res,
                ns,
                verb,
            };
            match (sub.as_deref(), name) {
                (None, None) => collection(ctx),
                (None, Some(n)) => item(ctx, &n),
                (Some("status"), Some(n)) => item(ctx, &n),
                (Some("scale"), Some(n))
                    if ["deployments", "statefulsets", "replicasets"]
                        .contains(&ctx.res.plural.as_str()) =>
                {
                    scale(ctx, &n)
                }
                (Some("eviction"), Some(n))
                    if ctx.res.plural == "pods" && ctx.req.method == "POST" =>
                {
                    evict(ctx, &n)
                }
                _ => err(
                    404,
                    "NotFound",
                    "the server could not find the requested resource",
                    None,
                ),
            }
        }
    }
}

fn version() -> Value {
    json!({
        "major": "1", "minor": "33", "emulationMajor": "1", "emulationMinor": "33",
        "minCompatibilityMajor": "1", "minCompatibilityMinor": "32",
        "gitVersion": "v1.33.0-kubefake", "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean", "buildDate": "2025-04-23T00:00:00Z",
        "goVersion": "go1.24.2", "compiler": "gc", "platform": "linux/amd64"
    })
}

fn group_list(st: &State) -> Value {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for r in st.resources.iter().filter(|r| !r.group.is_empty()) {
        match groups.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, vs)) if !vs.contains(&r.version) => vs.push(r.version.clone()),
            Some(_) => {}
            None => groups.push((r.group.clone(), vec![r.version.clone()])),
        }
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            json!({"name": g, "versions": versions, "preferredVersion": versions[0].clone()})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_list(st: &State, group: &str, version: &str) -> Value {
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut resources = Vec::new();
    for r in st
        .resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let mut e = json!({
            "name": r.plural, "singularName": r.singular(), "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs,
            "storageVersionHash": State::stable_hash(&format!("{gv}/{}", r.plural), 11),
        });
        if !r.short_names.is_empty() {
            e["shortNames"] = json!(r.short_names);
        }
        if r.is_builtin()
            && ["pods", "deployments", "statefulsets", "replicasets"].contains(&r.plural.as_str())
        {
            e["categories"] = json!(["all"]);
        }
        resources.push(e);
        for s in &r.subresources {
            let mut e = json!({
                "name": format!("{}/{}", r.plural, s.name), "singularName": "",
                "namespaced": r.namespaced, "kind": s.kind, "verbs": s.verbs,
            });
            if s.group != r.group || s.version != r.version {
                e["group"] = json!(s.group);
                e["version"] = json!(s.version);
            }
            resources.push(e);
        }
    }
    json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources})
}

struct Ctx {
    inner: Arc<Inner>,
    req: Request,
    q: Vec<(String, String)>,
    content_type: String,
    res: ResourceDef,
    ns: String,
    verb: &'static str,
}

impl Ctx {
    fn ns_opt(&self) -> Option<&str> {
        if self.res.namespaced && !self.ns.is_empty() {
            Some(&self.ns)
        } else {
            None
        }
    }
    fn body_json(&self) -> Result<Value, Response> {
        if self.req.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.req.body)
            .or_else(|_| serde_yaml::from_slice::<Value>(&self.req.body))
            .map_err(|e| {
                bad_request(&format!(
                    "the body of the request could not be decoded: {e}"
                ))
            })
    }
    fn selectors(&self) -> Result<(LabelSelector, FieldSelector), Response> {
        let l = LabelSelector::parse(qget(&self.q, "labelSelector").unwrap_or(""))
            .map_err(|e| bad_request(&e))?;
        let f = FieldSelector::parse(qget(&self.q, "fieldSelector").unwrap_or(""))
            .map_err(|e| bad_request(&e))?;
        Ok((l, f))
    }
    fn manager(&self) -> String {
        qget(&self.q, "fieldManager")
            .map(str::to_string)
            .or_else(|| {
                self.req
                    .header("user-agent")
                    .and_then(|ua| ua.split('/').next())
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "unknown".into())
    }
}

/// Strip kind/apiVersion from list items of built-in kinds, as the server does.
fn list_item(res: &ResourceDef, mut v: Value) -> Value {
    if res.is_builtin() {
        if let Some(m) = v.as_object_mut() {
            m.remove("kind");
            m.remove("apiVersion");
        }
    }
    v
}

fn collection(ctx: Ctx) -> Response {
    match ctx.verb {
        "list" => {
            let (l, f) = match ctx.selectors() {
                Ok(s) => s,
                Err(r) => return r,
            };
            let st = ctx.inner.lock();
            // Pagination (`limit` / `continue`): items come in (namespace, name) order;
            // the token holds the list's resourceVersion and the last key sent, and every
            // page reports that first resourceVersion, so a watch started from it sees
            // whatever changed while the pages were read.
            let limit = qget(&ctx.q, "limit")
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|n| *n > 0);
            let token = qget(&ctx.q, "continue").filter(|v| !v.is_empty());
            let (list_rv, after) = match token.map(|t| t.split_once(':')) {
                None => (st.rv, None),
                Some(Some((rv, key))) if rv.parse::<u64>().is_ok() => {
                    let (ns, name) = key.split_once('/').unwrap_or(("", key));
                    (
                        rv.parse().unwrap_or(st.rv),
                        Some((ns.to_string(), name.to_string())),
                    )
                }
                Some(_) => return err(400, "BadRequest", "invalid continue token", None),
            };
            let after_ref = after.as_ref().map(|(n, m)| (n.as_str(), m.as_str()));
            let (items, more) = st.list_page(
                &ctx.res,
                ctx.ns_opt(),
                after_ref,
                limit.unwrap_or(usize::MAX),
                |o| l.matches_object(o) && f.matches(o),
            );
            let mut meta = json!({"resourceVersion": list_rv.to_string()});
            if more {
                if let Some(last) = items.last() {
                    meta["continue"] = json!(format!(
                        "{list_rv}:{}/{}",
                        str_at(last, "/metadata/namespace"),
                        str_at(last, "/metadata/name")
                    ));
                }
            }
            let items: Vec<Value> = items.into_iter().map(|o| list_item(&ctx.res, o)).collect();
            Response::json(
                200,
                &json!({"kind": format!("{}List", ctx.res.kind), "apiVersion": ctx.res.api_version(),
                    "metadata": meta, "items": items}),
            )
        }
        "watch" => watch(ctx),
        "create" => create(ctx),
        "deletecollection" => {
            let (l, f) = match ctx.selectors() {
                Ok(s) => s,
                Err(r) => return r,
            };
            let scale = ctx.inner.opts.grace_scale;
            let items = ctx.inner.mutate(|st| {
                let names: Vec<String> = st
                    .list(&ctx.res, ctx.ns_opt())
                    .into_iter()
                    .filter(|o| l.matches_object(o) && f.matches(o))
                    .map(|o| str_at(&o, "/metadata/name").to_string())
                    .collect();
                names
                    .iter()
                    .filter_map(|n| delete_one(st, &ctx.res, &ctx.ns, n, None, scale))
                    .map(|o| list_item(&ctx.res, o))
                    .collect::<Vec<_>>()
            });
            let rv = ctx.inner.lock().rv;
            Response::json(
                200,
                &json!({"kind": format!("{}List", ctx.res.kind), "apiVersion": ctx.res.api_version(),
                    "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
            )
        }
        _ => err(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            None,
        ),
    }
}

fn create(ctx: Ctx) -> Response {
    if ctx.res.plural == "selfsubjectaccessreviews" {
        return access_review(ctx);
    }
    let mut body = match ctx.body_json() {
        Ok(b) if b.is_object() => b,
        Ok(_) => return bad_request("the body of the request must be a JSON object"),
        Err(r) => return r,
    };
    let body_ns = str_at(&body, "/metadata/namespace").to_string();
    if ctx.res.namespaced && !body_ns.is_empty() && body_ns != ctx.ns {
        return bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        );
    }
    let dry_run = qget(&ctx.q, "dryRun") == Some("All");
    let manager = ctx.manager();
    ctx.inner.mutate(|st| {
        let mut name = str_at(&body, "/metadata/name").to_string();
        if name.is_empty() {
            let prefix = str_at(&body, "/metadata/generateName").to_string();
            if prefix.is_empty() {
                return err(
                    422,
                    "Invalid",
                    &format!("{} \"\" is invalid: metadata.name: Required value: name or generateName is required", ctx.res.kind),
                    None,
                );
            }
            name = format!("{prefix}{}", st.suffix(5));
            body["metadata"]["name"] = json!(name);
        }
        if ctx.res.namespaced {
            let nsres = st.res("", "namespaces");
            if st.get(&nsres, "", &ctx.ns).is_none() {
                return not_found(&nsres, &ctx.ns);
            }
        }
        if st.get(&ctx.res, &ctx.ns, &name).is_some() {
            return err(
                409,
                "AlreadyExists",
                &format!("{} \"{name}\" already exists", qualified(&ctx.res)),
                Some(details(&name, &ctx.res.group, &ctx.res.plural)),
            );
        }
        for k in ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"] {
            if let Some(m) = body["metadata"].as_object_mut() {
                m.remove(k);
            }
        }
        set_managed(&mut body, &manager, "Update", &ctx.res.api_version(), None);
        if dry_run {
            return Response::json(201, &body);
        }
        let obj = match ctx.res.plural.as_str() {
            "pods" => workload::create_pod(st, &ctx.ns, body, false),
            "namespaces" => {
                body["status"] = json!({"phase": "Active"});
                body["metadata"]["labels"]["kubernetes.io/metadata.name"] = json!(name);
                st.insert(&ctx.res, "", body)
            }
            _ => st.insert(&ctx.res, &ctx.ns, body),
        };
        Response::json(201, &obj)
    })
}

/// Record a managedFields entry for `manager` (replacing its previous one).
fn set_managed(
    obj: &mut Value,
    manager: &str,
    operation: &str,
    api_version: &str,
    applied: Option<&Value>,
) {
    fn fields(v: &Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (format!("f:{k}"), fields(v)))
                    .collect(),
            ),
            _ => json!({}),
        }
    }
    let source = applied.cloned().unwrap_or_else(|| obj.clone());
    let mut f = source.clone();
    if let Some(m) = f.as_object_mut() {
        m.remove("apiVersion");
        m.remove("kind");
        m.remove("status");
        if let Some(md) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            for k in [
                "name",
                "namespace",
                "uid",
                "resourceVersion",
                "creationTimestamp",
                "managedFields",
                "generation",
            ] {
                md.remove(k);
            }
            if md.is_empty() {
                m.remove("metadata");
            }
        }
    }
    let entry = json!({
        "manager": manager, "operation": operation, "apiVersion": api_version,
        "time": now_rfc3339(), "fieldsType": "FieldsV1", "fieldsV1": fields(&f),
    });
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    let mf = obj["metadata"]
        .get("managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut mf: Vec<Value> = mf
        .into_iter()
        .filter(|e| !(str_at(e, "/manager") == manager && str_at(e, "/operation") == operation))
        .collect();
    mf.push(entry);
    obj["metadata"]["managedFields"] = json!(mf);
}

fn item(ctx: Ctx, name: &str) -> Response {
    match ctx.verb {
        "get" => match ctx.inner.lock().get(&ctx.res, &ctx.ns, name) {
            Some(o) => Response::json(200, o),
            None => not_found(&ctx.res, name),
        },
        "update" => update(ctx, name),
        "patch" => patch(ctx, name),
        "delete" => delete(ctx, name),
        _ => err(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            None,
        ),
    }
}

/// Keep what clients may not change.
fn keep_system_fields(new: &mut Value, old: &Value) {
    if !new["metadata"].is_object() {
        new["metadata"] = json!({});
    }
    for k in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
        match old["metadata"].get(k) {
            Some(v) => new["metadata"][k] = v.clone(),
            None => {
                if let Some(m) = new["metadata"].as_object_mut() {
                    m.remove(k);
                }
            }
        }
    }
    new["apiVersion"] = old["apiVersion"].clone();
    new["kind"] = old["kind"].clone();
}

fn update(ctx: Ctx, name: &str) -> Response {
    let mut body = match ctx.body_json() {
        Ok(b) if b.is_object() => b,
        Ok(_) => return bad_request("the body of the request must be a JSON object"),
        Err(r) => return r,
    };
    if !str_at(&body, "/metadata/name").is_empty() && str_at(&body, "/metadata/name") != name {
        return bad_request("the name of the object does not match the name on the URL");
    }
    let manager = ctx.manager();
    ctx.inner.mutate(|st| {
        let Some(old) = st.get(&ctx.res, &ctx.ns, name).cloned() else {
            return not_found(&ctx.res, name);
        };
        let sent_rv = str_at(&body, "/metadata/resourceVersion");
        if !sent_rv.is_empty() && sent_rv != str_at(&old, "/metadata/resourceVersion") {
            return conflict(&ctx.res, name);
        }
        keep_system_fields(&mut body, &old);
        if body.pointer("/metadata/managedFields").is_none() {
            body["metadata"]["managedFields"] = old
                .pointer("/metadata/managedFields")
                .cloned()
                .unwrap_or(json!([]));
        }
        set_managed(&mut body, &manager, "Update", &ctx.res.api_version(), None);
        Response::json(200, &st.update(&ctx.res, &ctx.ns, body))
    })
}

const PATCH_TYPES: &str = "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";

/// Apply a PATCH body of the request's content type to `target`.
fn apply_patch_body(ctx: &Ctx, target: &mut Value) -> Result<(), Response> {
    let ct = ctx.content_type.split(';').next().unwrap_or("").trim();
    let body = ctx.body_json()?;
    match ct {
        "application/merge-patch+json"
        | "application/strategic-merge-patch+json"
        | "application/apply-patch+yaml" => {
            if !body.is_object() {
                return Err(bad_request("the patch must be a JSON object"));
            }
            merge_patch(target, &body);
            Ok(())
        }
        "application/json-patch+json" => json_patch(target, &body).map_err(|e| {
            err(
                422,
                "Invalid",
                &format!("the server rejected our request due to an error in our request: {e}"),
                None,
            )
        }),
        _ => Err(err(415, "UnsupportedMediaType", PATCH_TYPES, None)),
    }
}

fn patch(ctx: Ctx, name: &str) -> Response {
    let is_apply = ctx.content_type.starts_with("application/apply-patch");
    if is_apply && qget(&ctx.q, "fieldManager").is_none_or(str::is_empty) {
        return err(
            422,
            "Invalid",
            "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            None,
        );
    }
    let manager = ctx.manager();
    let applied = if is_apply {
        match ctx.body_json() {
            Ok(b) if b.is_object() => Some(b),
            Ok(_) => return bad_request("the applied configuration must be an object"),
            Err(r) => return r,
        }
    } else {
        None
    };
    let inner = ctx.inner.clone();
    inner.mutate(|st| {
        let old = st.get(&ctx.res, &ctx.ns, name).cloned();
        let Some(old) = old else {
            let Some(mut obj) = applied.clone() else {
                return not_found(&ctx.res, name);
            };
            // Server-side apply creates what is missing.
            if ctx.res.namespaced {
                let nsres = st.res("", "namespaces");
                if st.get(&nsres, "", &ctx.ns).is_none() {
                    return not_found(&nsres, &ctx.ns);
                }
            }
            if str_at(&obj, "/metadata/name") != name {
                return bad_request("the name of the object does not match the name on the URL");
            }
            set_managed(
                &mut obj,
                &manager,
                "Apply",
                &ctx.res.api_version(),
                applied.as_ref(),
            );
            let created = if ctx.res.plural == "pods" {
                workload::create_pod(st, &ctx.ns, obj, false)
            } else {
                st.insert(&ctx.res, &ctx.ns, obj)
            };
            return Response::json(201, &created);
        };
        let mut new = old.clone();
        if let Err(r) = apply_patch_body(&ctx, &mut new) {
            return r;
        }
        let sent_rv = str_at(&new, "/metadata/resourceVersion");
        if !sent_rv.is_empty() && sent_rv != str_at(&old, "/metadata/resourceVersion") {
            return conflict(&ctx.res, name);
        }
        keep_system_fields(&mut new, &old);
        let op = if is_apply { "Apply" } else { "Update" };
        set_managed(
            &mut new,
            &manager,
            op,
            &ctx.res.api_version(),
            applied.as_ref(),
        );
        Response::json(200, &st.update(&ctx.res, &ctx.ns, new))
    })
}

/// Grace period and preconditions from DeleteOptions (body) and the query.
fn delete_options(ctx: &Ctx) -> Result<(Option<i64>, Value), Response> {
    let body = ctx.body_json()?;
    let grace = body
        .get("gracePeriodSeconds")
        .and_then(Value::as_i64)
        .or_else(|| qget(&ctx.q, "gracePeriodSeconds").and_then(|g| g.parse().ok()));
    Ok((
        grace,
        body.get("preconditions").cloned().unwrap_or(Value::Null),
    ))
}

/// Delete one object (pods gracefully); dependents go with it (background propagation).
fn delete_one(
    st: &mut State,
    res: &ResourceDef,
    ns: &str,
    name: &str,
    grace: Option<i64>,
    scale: f64,
) -> Option<Value> {
    if res.plural == "pods" {
        return st.delete_pod(ns, name, grace, scale);
    }
    let removed = st.remove(res, ns, name)?;
    if res.plural == "namespaces" {
        let keys: Vec<_> = st.objects.keys().filter(|k| k.2 == name).cloned().collect();
        for (g, p, n, nm) in keys {
            let r = st.res(&g, &p);
            st.remove(&r, &n, &nm);
        }
    } else {
        let uid = str_at(&removed, "/metadata/uid").to_string();
        let dependents: Vec<_> = st
            .objects
            .iter()
            .filter(|(_, o)| {
                o.pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .is_some_and(|os| os.iter().any(|x| str_at(x, "/uid") == uid))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for (g, p, n, nm) in dependents {
            let r = st.res(&g, &p);
            delete_one(st, &r, &n, &nm, None, scale);
        }
    }
    Some(removed)
}

fn delete(ctx: Ctx, name: &str) -> Response {
    let (grace, pre) = match delete_options(&ctx) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let scale = ctx.inner.opts.grace_scale;
    ctx.inner.mutate(|st| {
        let Some(old) = st.get(&ctx.res, &ctx.ns, name).cloned() else {
            return not_found(&ctx.res, name);
        };
        // as a real API server says it: the Kind (qualified by its group), not the plural
        let kind = if ctx.res.group.is_empty() {
            ctx.res.kind.clone()
        } else {
            format!("{}.{}", ctx.res.kind, ctx.res.group)
        };
        for (field, ptr, said, then) in [
            ("uid", "/metadata/uid", "UID", "deleted and then recreated"),
            ("resourceVersion", "/metadata/resourceVersion", "ResourceVersion", "modified"),
        ] {
            if let Some(want) = pre.get(field).and_then(Value::as_str) {
                if want != str_at(&old, ptr) {
                    return err(
                        409,
                        "Conflict",
                        &format!(
                            "Operation cannot be fulfilled on {kind} \"{name}\": the {said} in the precondition ({want}) does not match the {said} in record ({}). The object might have been {then}",
                            str_at(&old, ptr)
                        ),
                        Some(details(name, &ctx.res.group, &ctx.res.kind)),
                    );
                }
            }
        }
        let Some(obj) = delete_one(st, &ctx.res, &ctx.ns, name, grace, scale) else {
            return not_found(&ctx.res, name);
        };
        if ctx.res.plural == "pods" {
            Response::json(200, &obj)
        } else {
            let mut d = details(name, &ctx.res.group, &ctx.res.plural);
            d["uid"] = json!(str_at(&obj, "/metadata/uid"));
            Response::json(
                200,
                &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                    "details": d}),
            )
        }
    })
}

fn scale_of(res: &ResourceDef, obj: &Value) -> Value {
    let replicas = obj
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1);
    let current = obj
        .pointer("/status/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let _ = res;
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": str_at(obj, "/metadata/name"), "namespace": str_at(obj, "/metadata/namespace"),
            "uid": str_at(obj, "/metadata/uid"), "resourceVersion": str_at(obj, "/metadata/resourceVersion"),
            "creationTimestamp": str_at(obj, "/metadata/creationTimestamp"),
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": current,
            "selector": selector_string(obj.pointer("/spec/selector/matchLabels").unwrap_or(&Value::Null))},
    })
}

fn scale(ctx: Ctx, name: &str) -> Response {
    let is_put = ctx.req.method == "PUT";
    let is_patch = ctx.req.method == "PATCH";
    if !(ctx.req.method == "GET" || is_put || is_patch) {
        return err(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            None,
        );
    }
    let body = if is_put {
        match ctx.body_json() {
            Ok(b) => Some(b),
            Err(r) => return r,
        }
    } else {
        None
    };
    let inner = ctx.inner.clone();
    inner.mutate(|st| {
        let Some(obj) = st.get(&ctx.res, &ctx.ns, name).cloned() else {
            return not_found(&ctx.res, name);
        };
        let mut sc = scale_of(&ctx.res, &obj);
        if ctx.req.method == "GET" {
            return Response::json(200, &sc);
        }
        if let Some(b) = &body {
            let sent_rv = str_at(b, "/metadata/resourceVersion");
            if !sent_rv.is_empty() && sent_rv != str_at(&obj, "/metadata/resourceVersion") {
                return conflict(&ctx.res, name);
            }
            sc = b.clone();
        } else if let Err(r) = apply_patch_body(&ctx, &mut sc) {
            return r;
        }
        let Some(replicas) = sc.pointer("/spec/replicas").and_then(Value::as_i64) else {
            return err(422, "Invalid", &format!("Scale.autoscaling \"{name}\" is invalid: spec.replicas: Required value"), None);
        };
        if replicas < 0 {
            return err(
                422,
                "Invalid",
                &format!("Scale.autoscaling \"{name}\" is invalid: spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0"),
                None,
            );
        }
        let mut o = obj;
        o["spec"]["replicas"] = json!(replicas);
        let o = st.update(&ctx.res, &ctx.ns, o);
        Response::json(200, &scale_of(&ctx.res, &o))
    })
}

fn evict(ctx: Ctx, name: &str) -> Response {
    let body = match ctx.body_json() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let grace = body
        .pointer("/deleteOptions/gracePeriodSeconds")
        .and_then(Value::as_i64);
    let scale = ctx.inner.opts.grace_scale;
    ctx.inner.mutate(|st| {
        let Some(pod) = st.get(&ctx.res, &ctx.ns, name).cloned() else {
            return not_found(&ctx.res, name);
        };
        let pdbres = st.res("policy", "poddisruptionbudgets");
        let pdbs: Vec<Value> = st
            .list(&pdbres, Some(&ctx.ns))
            .into_iter()
            .filter(|p| {
                p.pointer("/spec/selector")
                    .and_then(LabelSelector::from_object)
                    .is_some_and(|s| !s.is_empty() && s.matches_object(&pod))
            })
            .collect();
        if pdbs.len() > 1 {
            return err(
                500,
                "InternalError",
                "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                None,
            );
        }
        if let Some(pdb) = pdbs.first() {
            if !is_terminating(&pod) && is_ready(&pod) {
                if let Some(b) = budget_of(st, pdb) {
                    if b.disruptions_allowed() < 1 {
                        return err(
                            429,
                            "TooManyRequests",
                            "Cannot evict pod as it would violate the pod's disruption budget.",
                            Some(json!({"causes": [{"reason": "DisruptionBudget",
                                "message": format!("The disruption budget {} needs {} healthy pods and has {} currently",
                                    b.name, b.desired_healthy, b.healthy)}]})),
                        );
                    }
                }
            }
        }
        st.delete_pod(&ctx.ns, name, grace, scale);
        Response::json(201, &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}))
    })
}

fn access_review(ctx: Ctx) -> Response {
    let mut body = match ctx.body_json() {
        Ok(b) if b.is_object() => b,
        Ok(_) => return bad_request("the body of the request must be a SelfSubjectAccessReview"),
        Err(r) => return r,
    };
    let Some(attrs) = body.pointer("/spec/resourceAttributes").cloned() else {
        // Non-resource URLs: allowed unless a rule names them.
        body["status"] = json!({"allowed": true});
        return Response::json(201, &body);
    };
    let verb = str_at(&attrs, "/verb");
    let group = str_at(&attrs, "/group");
    let sub = str_at(&attrs, "/subresource");
    let resource = if sub.is_empty() {
        str_at(&attrs, "/resource").to_string()
    } else {
        format!("{}/{sub}", str_at(&attrs, "/resource"))
    };
    let ns = str_at(&attrs, "/namespace");
    let denied = ctx
        .inner
        .lock()
        .deny
        .iter()
        .any(|d| d.matches(verb, group, &resource, ns));
    body["metadata"] = json!({"creationTimestamp": null});
    body["status"] = if denied {
        json!({"allowed": false})
    } else {
        json!({"allowed": true, "reason": format!("RBAC: allowed by ClusterRoleBinding \"kubefake-admin\" of ClusterRole \"cluster-admin\" to User \"{USER}\"")})
    };
    Response::json(201, &body)
}

/// The watch event line for a stored event, seen through selectors (an object that
/// leaves the selection is DELETED, one that enters it is ADDED).
fn event_line(e: &super::state::Event, l: &LabelSelector, f: &FieldSelector) -> Option<String> {
    let now_in = l.matches_object(&e.object) && f.matches(&e.object);
    let etype = match (e.etype, &e.prev) {
        ("MODIFIED", Some(prev)) => {
            let was_in = l.matches_object(prev) && f.matches(prev);
            match (was_in, now_in) {
                (true, true) => "MODIFIED",
                (true, false) => "DELETED",
                (false, true) => "ADDED",
                (false, false) => return None,
            }
        }
        (t, _) if now_in => t,
        _ => return None,
    };
    Some(format!("{}\n", json!({"type": etype, "object": e.object})))
}

fn watch(ctx: Ctx) -> Response {
    let (l, f) = match ctx.selectors() {
        Ok(s) => s,
        Err(r) => return r,
    };
    let rv: Option<u64> = match qget(&ctx.q, "resourceVersion").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse() {
            Ok(n) => Some(n),
            Err(_) => return bad_request(&format!("invalid resource version: {s:?}")),
        },
    };
    let timeout = qget(&ctx.q, "timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1800));
    let bookmarks = truthy(qget(&ctx.q, "allowWatchBookmarks"));
    let (tx, rx) = mpsc::channel::<Vec<u8>>(256);
    let inner = ctx.inner.clone();
    let res = ctx.res.clone();
    let ns = ctx.ns_opt().map(str::to_string);
    tokio::spawn(async move {
        watch_task(inner, res, ns, l, f, rv, timeout, bookmarks, tx).await;
    });
    Response {
        status: 200,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Body::Stream(rx),
    }
}

#[allow(clippy::too_many_arguments)]
async fn watch_task(
    inner: Arc<Inner>,
    res: ResourceDef,
    ns: Option<String>,
    l: LabelSelector,
    f: FieldSelector,
    rv: Option<u64>,
    timeout: Duration,
    bookmarks: bool,
    tx: mpsc::Sender<Vec<u8>>,
) {
    let deadline = Instant::now() + timeout;
    let mut changed = inner.subscribe();
    let interval = inner.opts.bookmark_interval.max(Duration::from_millis(10));
    let expired = |asked: u64, floor: u64| {
        format!(
            "{}\n",
            json!({"type": "ERROR", "object": status(410, "Expired",
                &format!("too old resource version: {asked} ({floor})"), None)})
        )
    };
    let (epoch, mut pos, initial) = {
        let st = inner.lock();
        match rv {
            Some(n) if n != 0 && n < st.compacted_rv => {
                (st.compact_epoch, n, vec![expired(n, st.compacted_rv)])
            }
            Some(n) if n != 0 => (st.compact_epoch, n, Vec::new()),
            _ => {
                let lines: Vec<String> = st
                    .list(&res, ns.as_deref())
                    .into_iter()
                    .filter(|o| l.matches_object(o) && f.matches(o))
                    .map(|o| format!("{}\n", json!({"type": "ADDED", "object": o})))
                    .collect();
                (st.compact_epoch, st.rv, lines)
            }
        }
    };
    let is_expired = initial
        .first()
        .is_some_and(|l| l.contains("\"type\":\"ERROR\""));
    for line in initial {
        if tx.send(line.into_bytes()).await.is_err() {
            return;
        }
    }
    if is_expired {
        return;
    }
    let mut next_bookmark = Instant::now() + interval;
    loop {
        let (lines, cur, gone) = {
            let st = inner.lock();
            if st.compact_epoch != epoch || pos < st.compacted_rv {
                (Vec::new(), st.rv, Some(st.compacted_rv))
            } else {
                let lines: Vec<String> = st
                    .history
                    .iter()
                    .filter(|e| {
                        e.rv > pos
                            && e.group == res.group
                            && e.plural == res.plural
                            && ns.as_deref().is_none_or(|n| n == e.ns)
                    })
                    .filter_map(|e| event_line(e, &l, &f))
                    .collect();
                (lines, st.rv, None)
            }
        };
        if let Some(floor) = gone {
            let _ = tx.send(expired(pos, floor).into_bytes()).await;
            return;
        }
        for line in lines {
            if tx.send(line.into_bytes()).await.is_err() {
                return;
            }
        }
        pos = pos.max(cur);
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        if bookmarks && now >= next_bookmark {
            let line = format!(
                "{}\n",
                json!({"type": "BOOKMARK", "object": {"kind": res.kind, "apiVersion": res.api_version(),
                    "metadata": {"resourceVersion": pos.to_string()}}})
            );
            if tx.send(line.into_bytes()).await.is_err() {
                return;
            }
            next_bookmark = now + interval;
        }
        let wake = if bookmarks {
            next_bookmark.min(deadline)
        } else {
            deadline
        };
        tokio::select! {
            r = changed.changed() => if r.is_err() { return },
            _ = tokio::time::sleep_until(wake) => {},
            _ = tx.closed() => return,
        }
    }
}
