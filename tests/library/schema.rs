//! `gameday schema` and assets/scenario.schema.json: the schema accepts every scenario the
//! parser accepts (scenarios/, tests/fixtures/valid), rejects structurally invalid ones,
//! and lists exactly the keys, enums and kinds the parser knows (so the two cannot drift).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn schema() -> Value {
    serde_json::from_str(&fs::read_to_string("assets/scenario.schema.json").unwrap()).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).unwrap()
}

/// YAML as an editor's language server sees it (aliases resolved, YAML 1.2 scalars).
fn yaml_to_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

fn schema_errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_schema_is_a_valid_draft_07_schema() {
    let s = schema();
    assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
    jsonschema::meta::validate(&s).unwrap();
}

#[test]
fn gameday_schema_prints_the_shipped_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
        .arg("schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        fs::read_to_string("assets/scenario.schema.json").unwrap(),
        "the schema is made from src/schema/scenario.base.json and each fault kind's part; \
         write the file again with `cargo run -q -- schema > assets/scenario.schema.json`"
    );
}

#[test]
fn every_example_and_valid_fixture_validates() {
    let v = validator();
    let files: Vec<PathBuf> = yaml_files("scenarios")
        .into_iter()
        .chain(yaml_files("tests/fixtures/valid"))
        .collect();
    assert!(files.len() >= 10, "{files:?}");
    for path in files {
        let errors = schema_errors(&v, &yaml_to_json(&path));
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn every_example_starts_with_the_modeline() {
    for path in yaml_files("scenarios") {
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next(),
            Some("# yaml-language-server: $schema=../assets/scenario.schema.json"),
            "{}",
            path.display()
        );
        // The modeline resolves relative to the file: it must name the real schema.
        assert!(path
            .parent()
            .unwrap()
            .join("../assets/scenario.schema.json")
            .is_file());
    }
}

/// Fixtures that are invalid for structural reasons (unknown key, wrong type, missing or
/// conflicting keys, a value outside an enum) are flagged by the schema too, at the same
/// place the parser points at.
#[test]
fn structurally_invalid_fixtures_fail_the_schema() {
    let v = validator();
    let cases = [
        ("unknown-top-level-key", ""),
        ("unknown-signal-key", "/steady_state/0"),
        ("unknown-key-no-suggestion", "/safety"),
        ("missing-name", ""),
        ("missing-hypothesis", ""),
        ("empty-hypothesis", "/hypothesis"),
        ("wrong-types", "/safety/max_targets"),
        ("duration-wrong-type", "/interval"),
        ("duration-without-unit", "/faults/0/duration"),
        ("fault-no-kind", "/faults/0"),
        ("fault-two-kinds", "/faults/0"),
        ("two-sources", "/steady_state/0"),
        ("no-source", "/steady_state/0"),
        ("http-without-measure", "/steady_state/0"),
        ("measure-on-promql", "/steady_state/0"),
        ("scale-bad-kind", "/faults/0/scale/kind"),
        ("count-and-percent", "/faults/0/pod_delete"),
        ("exec-without-revert", "/faults/0/exec"),
        ("not-a-mapping", ""),
        ("bad-name-chars", "/name"),
        ("name-too-long", "/name"),
        ("bad-namespace", "/safety/namespaces/1"),
        ("bad-url", "/prometheus/url"),
        ("bad-unit", "/steady_state/0/unit"),
        ("criterion-bad-op", "/steady_state/0/expect"),
        ("promql-without-prometheus", ""),
        ("pods-without-kubernetes", ""),
        ("prometheus-auth-conflicts", "/prometheus"),
        ("http-fault-bad-method", "/faults/0/http/inject/method"),
        ("empty-required-values", "/faults/0/duration"),
        ("empty-prometheus", "/prometheus"),
        ("notify-literal-url", "/notify/0"),
        ("notify-unknown-kind", "/notify/0/kind"),
    ];
    let mut wrong = Vec::new();
    for (name, at) in cases {
        let path = PathBuf::from(format!("tests/fixtures/invalid/{name}.yaml"));
        let errors = schema_errors(&v, &yaml_to_json(&path));
        if !errors.iter().any(|e| e.starts_with(&format!("{at}: "))) {
            wrong.push(format!("{name}: no error at `{at}`: {errors:#?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A scenario with an unknown key in every mapping the parser checks: the parser's
/// "valid keys are ..." message is its own list of keys for that mapping. The faults are
/// added by [`every_mapping`], from each kind's examples.
const EVERY_MAPPING: &str = r#"
name: fx
hypothesis: h
zzzzzzzzzzzz: 1
prometheus:
  url: http://p
  zzzzzzzzzzzz: 1
  basic_auth: { username: u, password_env: P, zzzzzzzzzzzz: 1 }
  tls: { zzzzzzzzzzzz: 1 }
kubernetes: { zzzzzzzzzzzz: 1 }
grafana: { url: "http://g", zzzzzzzzzzzz: 1 }
notify:
  - { kind: slack, url_env: S, zzzzzzzzzzzz: 1 }
steady_state:
  - { name: a, promql: up, zzzzzzzzzzzz: 1 }
  - { name: b, pods: { selector: app=x, zzzzzzzzzzzz: 1 } }
  - { name: c, measure: p99, http: { url: "http://x", zzzzzzzzzzzz: 1 } }
pods:
  - { selector: app=x, zzzzzzzzzzzz: 1 }
alerts:
  - { name: A, within: 1m, zzzzzzzzzzzz: 1 }
milestones:
  - { name: M, within: 1m, zzzzzzzzzzzz: 1 }
safety: { zzzzzzzzzzzz: 1 }
phases: { zzzzzzzzzzzz: 1 }
"#;

/// Parser path of a mapping → the schema definition that describes it ("" = the root);
/// those of the fault kinds are found by [`every_mapping`].
const MAPPINGS: &[(&str, &str)] = &[
    ("at the top level", ""),
    ("in prometheus", "prometheus"),
    ("in prometheus.basic_auth", "basicAuth"),
    ("in prometheus.tls", "prometheus/properties/tls"),
    ("in kubernetes", "kubernetes"),
    ("in grafana", "grafana"),
    ("in notify[0]", "notifyTarget"),
    ("in steady_state[0]", "signal"),
    ("in steady_state[1].pods", "signal/properties/pods"),
    ("in steady_state[2].http", "signal/properties/http"),
    ("in pods[0]", "podPanel"),
    ("in alerts[0]", "alert"),
    ("in milestones[0]", "milestone"),
    ("in faults[0]", "fault"),
    ("in safety", "safety"),
    ("in phases", "phases"),
];

fn definition<'a>(schema: &'a Value, path: &str) -> &'a Value {
    if path.is_empty() {
        return schema;
    }
    let mut node = &schema["definitions"];
    for seg in path.split('/') {
        node = match seg.parse::<usize>() {
            Ok(i) if node.is_array() => &node[i],
            _ => &node[seg],
        };
    }
    assert!(node.is_object(), "no schema definition {path}");
    node
}

fn property_names(def: &Value) -> BTreeSet<String> {
    def["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn parser_messages(text: &str) -> Vec<String> {
    let env = |_: &str| None;
    match gameday::scenario::parse_str(text, "drift.yaml", Path::new("."), &env) {
        Ok(_) => panic!("the drift scenario should be refused"),
        Err(problems) => problems.into_iter().map(|p| p.message).collect(),
    }
}

/// Each fault kind's examples (`Kind::EXAMPLES` in `faults/<kind>.rs`), as faults: the kind's
/// key and, with the kind, one example of its settings.
fn kind_examples() -> Vec<(&'static gameday::faults::KindInfo, Value)> {
    let mut out = Vec::new();
    for kind in gameday::faults::KINDS {
        assert!(
            !kind.examples.is_empty(),
            "fault kind `{}` has no example",
            kind.key
        );
        for example in kind.examples {
            let settings: Value = serde_yaml::from_str(example)
                .unwrap_or_else(|e| panic!("an example of `{}`: {e}: {example}", kind.key));
            out.push((kind, settings));
        }
    }
    out
}

/// The definition of the schema that `node` stands for, through a `$ref` and through the
/// alternative of an `anyOf` that has properties, with its path for [`definition`].
fn resolve<'a>(schema: &'a Value, node: &'a Value, path: String) -> Option<(&'a Value, String)> {
    if let Some(r) = node["$ref"].as_str() {
        let name = r.strip_prefix("#/definitions/").unwrap();
        return resolve(schema, &schema["definitions"][name], name.to_string());
    }
    if let Some(alternatives) = node["anyOf"].as_array() {
        return alternatives
            .iter()
            .enumerate()
            .find_map(|(i, a)| resolve(schema, a, format!("{path}/anyOf/{i}")));
    }
    (node.get("properties").is_some() || node.get("items").is_some()).then_some((node, path))
}

/// Adds the unknown key to every closed mapping of `value` (which `node` describes, at the
/// parser's `place`), and says where: (the parser's place, the schema definition).
fn add_unknown_keys(
    schema: &Value,
    node: &Value,
    path: String,
    value: &mut Value,
    place: &str,
    out: &mut Vec<(String, String)>,
) {
    let Some((def, path)) = resolve(schema, node, path) else {
        return;
    };
    match value {
        Value::Object(map) if def["additionalProperties"] == Value::Bool(false) => {
            for (k, v) in map.iter_mut() {
                if let Some(p) = def["properties"].get(k) {
                    let (p_path, p_place) =
                        (format!("{path}/properties/{k}"), format!("{place}.{k}"));
                    add_unknown_keys(schema, p, p_path, v, &p_place, out);
                }
            }
            map.insert("zzzzzzzzzzzz".into(), Value::from(1));
            out.push((format!("in {place}"), path));
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let (i_path, i_place) = (format!("{path}/items"), format!("{place}[{i}]"));
                add_unknown_keys(schema, &def["items"], i_path, v, &i_place, out);
            }
        }
        _ => {}
    }
}

/// [`EVERY_MAPPING`] with a fault per example of each kind, the unknown key in every
/// mapping of its settings (and in the first fault's own); and the places of those
/// mappings with their schema definitions.
fn every_mapping(schema: &Value) -> (String, Vec<(String, String)>) {
    let mut doc: Value = serde_yaml::from_str(EVERY_MAPPING).unwrap();
    let mut places = Vec::new();
    let mut faults = Vec::new();
    for (i, (kind, mut settings)) in kind_examples().into_iter().enumerate() {
        let key = kind.key;
        let node = &schema["definitions"]["fault"]["properties"][key];
        let path = format!("fault/properties/{key}");
        add_unknown_keys(
            schema,
            node,
            path,
            &mut settings,
            &format!("faults[{i}].{key}"),
            &mut places,
        );
        let mut fault = serde_json::json!({ "name": format!("f{i}"), "duration": "1s" });
        if i == 0 {
            fault["zzzzzzzzzzzz"] = Value::from(1);
        }
        fault[key] = settings;
        faults.push(fault);
    }
    doc["faults"] = Value::Array(faults);
    (serde_yaml::to_string(&doc).unwrap(), places)
}

#[test]
fn the_schema_has_exactly_the_keys_the_parser_accepts() {
    let schema = schema();
    let (every_mapping, kind_mappings) = every_mapping(&schema);
    let mappings: Vec<(String, String)> = MAPPINGS
        .iter()
        .map(|(p, d)| (p.to_string(), d.to_string()))
        .chain(kind_mappings)
        .collect();
    let mut by_place = BTreeMap::new();
    for m in parser_messages(&every_mapping) {
        let Some(rest) = m.strip_prefix("unknown key `zzzzzzzzzzzz` ") else {
            continue;
        };
        let (place, keys) = rest
            .split_once("; valid keys are ")
            .unwrap_or_else(|| panic!("no key list in `{m}`"));
        let keys: BTreeSet<String> = keys.split(", ").map(str::to_string).collect();
        by_place.insert(place.to_string(), keys);
    }
    let expected: BTreeSet<&str> = mappings.iter().map(|(p, _)| p.as_str()).collect();
    let found: BTreeSet<&str> = by_place.keys().map(String::as_str).collect();
    assert_eq!(
        found, expected,
        "the parser checks a different set of mappings"
    );
    for (place, def_path) in &mappings {
        let def = definition(&schema, def_path);
        // a key the schema refuses (`"not": {}`, with why) is one the parser refuses with
        // words of its own, and does not list as valid (`url` under notify)
        let valid: BTreeSet<String> = property_names(def)
            .into_iter()
            .filter(|k| def["properties"][k.as_str()].get("not").is_none())
            .collect();
        assert_eq!(
            valid, by_place[place],
            "schema `{def_path}` vs the parser {place}"
        );
        assert_eq!(
            def["additionalProperties"],
            Value::Bool(false),
            "`{def_path}`: the parser refuses unknown keys"
        );
    }
    // Every closed mapping in the schema is one the parser was asked about above.
    let mut closed = Vec::new();
    collect_closed(&schema, String::new(), &mut closed);
    let mapped: BTreeSet<String> = mappings
        .iter()
        .map(|(_, d)| {
            if d.is_empty() {
                String::new()
            } else {
                format!("/definitions/{d}")
            }
        })
        .collect();
    for c in closed {
        assert!(
            mapped.contains(&c),
            "schema mapping {c} is not compared with the parser"
        );
    }
}

/// JSON pointers of every object schema with `additionalProperties: false`.
fn collect_closed(v: &Value, at: String, out: &mut Vec<String>) {
    if let Value::Object(map) = v {
        if map.get("additionalProperties") == Some(&Value::Bool(false)) {
            out.push(at.clone());
        }
        for (k, child) in map {
            collect_closed(child, format!("{at}/{k}"), out);
        }
    }
}

fn enum_of(def: &Value) -> Vec<String> {
    def["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn one_of_required(def: &Value) -> Vec<String> {
    def["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|alt| alt["required"][0].as_str().unwrap().to_string())
        .collect()
}

/// The enums and the "exactly one of" lists are the parser's own.
#[test]
fn enums_and_kinds_match_the_parser() {
    let schema = schema();
    let messages = parser_messages(
        r#"
name: fx
hypothesis: h
kubernetes: {}
notify:
  - { kind: zzz, url_env: S }
steady_state:
  - { name: a, command: x, unit: zzz }
  - { name: b, http: { url: "http://x" }, measure: zzz }
  - { name: c }
faults:
  - { name: f0, duration: 1s, scale: { kind: zzz, name: x, replicas: 0 } }
  - { name: f1, duration: 1s }
"#,
    );
    let list_after = |needle: &str, end: &str| -> Vec<String> {
        let m = messages
            .iter()
            .find(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in {messages:#?}"));
        let start = m.find(needle).unwrap() + needle.len();
        let rest = &m[start..];
        let rest = rest.split(end).next().unwrap();
        rest.split(&[',', ' '][..])
            .filter(|s| !s.is_empty() && *s != "or")
            .map(str::to_string)
            .collect()
    };
    let signal = definition(&schema, "signal");
    assert_eq!(
        enum_of(&signal["properties"]["unit"]),
        list_after("unit: expected one of ", ", found")
    );
    assert_eq!(
        enum_of(&signal["properties"]["measure"]),
        list_after("measure: expected one of ", ", found")
    );
    assert_eq!(
        enum_of(&definition(&schema, "scale")["properties"]["kind"]),
        list_after("scale.kind: expected ", ", found")
    );
    assert_eq!(
        enum_of(&definition(&schema, "notifyTarget")["properties"]["kind"]),
        list_after("notify[0].kind: expected ", ", found")
    );
    assert_eq!(
        one_of_required(signal),
        list_after("needs exactly one source: ", "\u{0}")
    );
    assert_eq!(
        one_of_required(definition(&schema, "fault")),
        list_after("needs exactly one fault kind: ", "\u{0}")
    );
}

/// What `gameday new` and `gameday import litmus` write validates too.
#[test]
fn generated_scenarios_validate() {
    let v = validator();
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for t in ["pod-delete", "scale-to-zero", "latency", "exec"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gameday"))
            .args(["new", "x", "--template", t, "--out"])
            .arg(tmp.path().join(format!("{t}.yaml")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{t}");
        files.push(tmp.path().join(format!("{t}.yaml")));
    }
    let mut expected: Vec<PathBuf> = fs::read_dir("tests/fixtures/litmus")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "expected"))
        .collect();
    assert!(!expected.is_empty());
    files.append(&mut expected);
    for path in files {
        let errors = schema_errors(&v, &yaml_to_json(&path));
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

/// Scenarios that together use every key of every mapping (the alternatives of each
/// "exactly one of" in separate places), all valid; [`maximal`] adds one per example of
/// each fault kind.
const MAXIMAL: &[&str] = &[
    r#"
name: max-one
description: d
owner: o
hypothesis: h
interval: 5s
x-anchor: 1
prometheus:
  url: http://p:9090
  interval: 5s
  timeout: 10s
  bearer_token_file: /run/token
  headers: { A: b }
  tls: { ca_file: /etc/ca.pem, insecure_skip_verify: false }
kubernetes: { context: staging, namespace: shop }
grafana: { url: "http://g", token_env: G }
notify:
  - { kind: slack, url_env: GAMEDAY_SLACK_URL }
  - { kind: json, url_env: _HOOK_2 }
steady_state:
  - { name: s0, promql: up, unit: count, expect: "> 0", abort: "< -1 for 30s", tolerate: 10s }
  - { name: s1, pods: { selector: app=api, namespace: shop }, expect: ">= 1" }
  - { name: s2, http: { url: "http://x", every: 1s, timeout: 1s }, measure: p99, expect: "< 300ms" }
  - { name: s3, command: "echo 1" }
pods:
  - { selector: app=api, namespace: shop }
alerts:
  - { name: A, within: 1m }
milestones:
  - detected
  - { name: mitigated, within: 5m }
faults:
  - name: f0
    duration: 10s
    pod_delete: { selector: app=x, namespace: shop, count: 1, interval: 5s, grace_period: 0s, force: false, evict: false }
  - { name: f1, duration: 10s, scale: { kind: Deployment, name: x, namespace: shop, replicas: 0 } }
  - { name: f2, duration: 10s, manifest: { file: chaos/deny-all.yaml, namespace: shop } }
  - { name: f3, duration: 10s, exec: { inject: a, revert: b, timeout: 5s, env: { A: b } } }
  - name: f4
    duration: 10s
    http:
      inject: { method: PUT, url: "http://x", headers: { A: b }, body: "{}" }
      revert: { url: "http://x" }
      timeout: 5s
safety: { max_targets: 2, namespaces: [shop], max_duration: 1m, require_steady_state: true }
phases: { baseline: 1m, recovery: 1m }
"#,
    r#"
name: max-two
hypothesis: h
prometheus:
  url: http://p:9090
  basic_auth: { username: u, password_file: /run/pw }
kubernetes: {}
steady_state:
  - { name: s0, promql: up }
faults:
  - { name: f0, duration: 10s, pod_delete: { selector: app=x, percent: 50, evict: true } }
  - { name: f1, duration: 10s, manifest: { inline: "kind: X" } }
"#,
    r#"
name: max-three
hypothesis: h
prometheus:
  url: http://p:9090
  bearer_token_env: T
steady_state:
  - { name: s0, promql: up }
"#,
    r#"
name: max-four
hypothesis: h
prometheus: { url: "http://p:9090", basic_auth: { username: u, password_env: P } }
kubernetes: {}
faults:
  - { name: f0, duration: 10s, pod_delete: { selector: app=x, force: true } }
"#,
];

/// [`MAXIMAL`], and a scenario with one fault for each example of each fault kind (and a
/// `kubernetes:` section when the kind needs one).
fn maximal() -> Vec<Value> {
    let mut docs: Vec<Value> = MAXIMAL
        .iter()
        .map(|text| serde_yaml::from_str(text).unwrap())
        .collect();
    for (i, (kind, settings)) in kind_examples().into_iter().enumerate() {
        let mut doc = serde_json::json!({
            "name": format!("max-kind-{i}"),
            "hypothesis": "h",
            "faults": [{ "name": "f0", "duration": "10s" }],
        });
        if kind.needs_cluster {
            doc["kubernetes"] = serde_json::json!({});
        }
        doc["faults"][0][kind.key] = settings;
        docs.push(doc);
    }
    docs
}

/// Every (object, key) of a JSON document, as a path of object keys and list indices.
fn key_paths(v: &Value, at: Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let mut p = at.clone();
                p.push(Value::String(k.clone()));
                out.push(p.clone());
                key_paths(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let mut p = at.clone();
                p.push(Value::from(i));
                key_paths(child, p, out);
            }
        }
        _ => {}
    }
}

/// The object holding the last key of `path`, and that key.
fn parent_mut<'a>(
    doc: &'a mut Value,
    path: &[Value],
) -> (&'a mut serde_json::Map<String, Value>, String) {
    let (last, init) = path.split_last().unwrap();
    let mut node = doc;
    for seg in init {
        node = match seg {
            Value::String(k) => node.get_mut(k.as_str()).unwrap(),
            other => node.get_mut(other.as_u64().unwrap() as usize).unwrap(),
        };
    }
    (
        node.as_object_mut().unwrap(),
        last.as_str().unwrap().to_string(),
    )
}

/// For every key of the maximal scenarios, emptied (`key:` with no value) and then left
/// out: the schema accepts the result exactly when the parser does. This is what keeps
/// `required`, the nullable keys and the conditional requirements of the schema honest.
#[test]
fn the_schema_and_the_parser_agree_on_every_empty_or_missing_key() {
    let v = validator();
    let base = Path::new("tests/fixtures/valid");
    let env = |_: &str| None;
    let parses = |doc: &Value| {
        let text = serde_yaml::to_string(doc).unwrap();
        gameday::scenario::parse_str(&text, "max.yaml", base, &env).map(|_| ())
    };
    let mut disagreements = Vec::new();
    let mut tried = 0;
    for doc in maximal() {
        assert_eq!(parses(&doc), Ok(()), "{doc}");
        assert!(schema_errors(&v, &doc).is_empty(), "{doc}");
        let mut paths = Vec::new();
        key_paths(&doc, Vec::new(), &mut paths);
        for path in paths {
            for removed in [false, true] {
                let mut changed = doc.clone();
                let (obj, key) = parent_mut(&mut changed, &path);
                if removed {
                    obj.remove(&key);
                } else {
                    obj.insert(key, Value::Null);
                }
                tried += 1;
                let parser_ok = parses(&changed).is_ok();
                let errors = schema_errors(&v, &changed);
                if parser_ok != errors.is_empty() {
                    disagreements.push(format!(
                        "{} {}: parser {}, schema {}",
                        if removed { "without" } else { "empty" },
                        path.iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join("/"),
                        if parser_ok { "accepts" } else { "refuses" },
                        if errors.is_empty() {
                            "accepts".to_string()
                        } else {
                            format!("refuses: {errors:?}")
                        },
                    ));
                }
            }
        }
    }
    assert!(tried > 200, "{tried}");
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
