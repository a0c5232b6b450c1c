//! YAML merge keys (`<<: *defaults`) read the way Kubernetes reads them.
//!
//! kubectl turns the YAML of a ChaosEngine into JSON with sigs.k8s.io/yaml, which decodes
//! with go-yaml v2: a plain `<<` key merges the mapping it names (or each mapping of a
//! list, an earlier one taking precedence over a later one) into the mapping that holds
//! it. go-yaml v2 applies the keys in the order they are written, so a key written after
//! `<<` overrides the merged value and a key written before it is overridden. A quoted
//! `"<<"` is an ordinary key, and a merge of anything but a mapping is an error that
//! makes kubectl refuse the file. gameday's own reader keeps `<<` as an ordinary key;
//! this pass resolves it before the engine is read.

use crate::yaml::{Key, Node, Pos, Value};

/// A key written before `<<` whose value the merge replaced, as kubectl reads it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Overridden {
    pub key: String,
    pub pos: Pos,
}

/// `root` with every merge key resolved, and the keys a merge overrode; or the position
/// and message of a merge Kubernetes refuses. `text` is the text `root` was read from
/// (to tell `<<` from `"<<"`).
pub(super) fn resolve(root: &Node, text: &str) -> Result<(Node, Vec<Overridden>), (Pos, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let is_merge = |k: &Key| {
        k.name == "<<"
            && lines
                .get(k.pos.line.saturating_sub(1))
                .and_then(|l| l.chars().nth(k.pos.col.saturating_sub(1)))
                == Some('<')
    };
    let mut overridden = Vec::new();
    let n = node(root, &is_merge, &mut overridden)?;
    Ok((n, overridden))
}

fn node(
    n: &Node,
    is_merge: &dyn Fn(&Key) -> bool,
    overridden: &mut Vec<Overridden>,
) -> Result<Node, (Pos, String)> {
    let value = match &n.value {
        Value::Seq(items) => Value::Seq(
            items
                .iter()
                .map(|i| node(i, is_merge, overridden))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => {
            // (key, value, written in this mapping rather than merged into it)
            let mut out: Vec<(Key, Node, bool)> = Vec::new();
            for (k, v) in entries {
                let v = node(v, is_merge, overridden)?;
                if !is_merge(k) {
                    match out.iter_mut().find(|(ok, _, _)| ok.name == k.name) {
                        Some(slot) => *slot = (k.clone(), v, true),
                        None => out.push((k.clone(), v, true)),
                    }
                    continue;
                }
                let sources: Vec<&Node> = match &v.value {
                    Value::Map(_) => vec![&v],
                    // an earlier mapping of the list takes precedence: apply it last
                    Value::Seq(items) => items.iter().rev().collect(),
                    _ => return Err((v.pos, refused(&v))),
                };
                for s in sources {
                    let Value::Map(merged) = &s.value else {
                        return Err((s.pos, refused(s)));
                    };
                    for (mk, mv) in merged {
                        match out.iter_mut().find(|(ok, _, _)| ok.name == mk.name) {
                            Some(slot) => {
                                if slot.2 && !overridden.iter().any(|o| o.pos == slot.0.pos) {
                                    overridden.push(Overridden {
                                        key: slot.0.name.clone(),
                                        pos: slot.0.pos,
                                    });
                                }
                                slot.1 = mv.clone();
                                slot.2 = false;
                            }
                            None => out.push((mk.clone(), mv.clone(), false)),
                        }
                    }
                }
            }
            Value::Map(out.into_iter().map(|(k, v, _)| (k, v)).collect())
        }
        other => other.clone(),
    };
    Ok(Node { value, pos: n.pos })
}

fn refused(v: &Node) -> String {
    format!(
        "a YAML merge key `<<` must name a mapping (`<<: *defaults`) or a list of them, found {}; Kubernetes refuses this file (go-yaml: map merge requires map or sequence of maps as the value)",
        v.describe()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::yaml::parse_yaml;

    fn read(text: &str) -> Result<Node, (Pos, String)> {
        let none = |_: &str| None;
        let parsed = parse_yaml(text, &none);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        resolve(&parsed.root.unwrap(), text).map(|(n, _)| n)
    }

    fn pairs(n: &Node) -> Vec<(String, String)> {
        match &n.value {
            Value::Map(e) => e
                .iter()
                .map(|(k, v)| (k.name.clone(), v.as_text().unwrap_or("?").to_string()))
                .collect(),
            _ => panic!("not a map"),
        }
    }

    fn item(n: &Node, i: usize) -> &Node {
        match &n.value {
            Value::Seq(items) => &items[i],
            _ => panic!("not a list"),
        }
    }

    #[test]
    fn merges_are_applied_in_order_like_go_yaml_v2() {
        let n = read(
            "base: &b { name: FORCE, value: 'true' }\nenv:\n  - <<: *b\n    value: 'false'\n  - value: 'false'\n    <<: *b\n  - '<<': *b\n",
        )
        .unwrap();
        let env = match &n.value {
            Value::Map(e) => &e[1].1,
            _ => panic!(),
        };
        // after `<<`: the explicit value wins
        assert_eq!(
            pairs(item(env, 0)),
            vec![
                ("name".into(), "FORCE".into()),
                ("value".into(), "false".into())
            ]
        );
        // before `<<`: the merged value wins, as kubectl reads it
        assert_eq!(
            pairs(item(env, 1)),
            vec![
                ("value".into(), "true".into()),
                ("name".into(), "FORCE".into())
            ]
        );
        // a quoted "<<" is a key like any other
        assert!(matches!(&item(env, 2).value, Value::Map(e) if e[0].0.name == "<<"));
        // the key written before `<<` is reported as overridden
        let none = |_: &str| None;
        let text = "base: &b { value: 'true' }\nx:\n  value: 'false'\n  <<: *b\n";
        let (_, over) = resolve(&parse_yaml(text, &none).root.unwrap(), text).unwrap();
        assert_eq!(
            over,
            vec![Overridden {
                key: "value".into(),
                pos: Pos { line: 3, col: 3 }
            }]
        );
    }

    #[test]
    fn a_list_of_mappings_merges_with_the_earlier_first() {
        let n = read("a: &a { x: '1' }\nb: &b { x: '2', y: '2' }\nc:\n  <<: [*a, *b]\n").unwrap();
        let c = match &n.value {
            Value::Map(e) => &e[2].1,
            _ => panic!(),
        };
        let mut p = pairs(c);
        p.sort();
        assert_eq!(p, vec![("x".into(), "1".into()), ("y".into(), "2".into())]);
    }

    #[test]
    fn a_merge_of_a_scalar_is_refused() {
        let (pos, msg) = read("a:\n  <<: text\n").unwrap_err();
        assert_eq!(pos, Pos { line: 2, col: 7 });
        assert!(msg.contains("must name a mapping"), "{msg}");
    }
}
