//! A YAML tree where every node and every mapping key knows its line and column.
//!
//! Built from yaml-rust2's event stream with an explicit stack (no recursion), so hostile
//! input (deep nesting, alias bombs, huge files) is refused quickly instead of exhausting
//! the stack or memory. `${VAR}` expansion happens here, on scalar values, so every
//! later check sees the expanded text.

pub mod expand;
pub mod read;

use std::collections::HashMap;

use yaml_rust2::parser::{Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};
use yaml_rust2::Event;

use expand::expand;

/// Larger than any hand-written scenario by two orders of magnitude.
pub const MAX_BYTES: usize = 1024 * 1024;
/// Deeper than any scenario needs; also below yaml-rust2's own flow limit.
pub const MAX_DEPTH: usize = 64;
/// Total nodes after alias expansion: a scenario holds a few hundred.
pub const MAX_NODES: usize = 10_000;

/// 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    fn from_marker(m: &Marker) -> Pos {
        Pos {
            line: m.line().max(1),
            col: m.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A scalar whose `${VAR}` could not be expanded; already reported, so later checks
    /// skip it instead of piling a second message on the same spot.
    Unresolved,
    /// `plain` is false for quoted and block scalars, whose text is never a number.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

impl Node {
    /// How the node reads in "expected X, found Y".
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Null => "nothing".into(),
            Value::Unresolved => "a value that could not be expanded".into(),
            Value::Scalar { text, .. } => quoted(text),
            Value::Seq(_) => "a list".into(),
            Value::Map(_) => "a mapping".into(),
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Null or unresolved: either way there is no value to check.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null | Value::Unresolved)
    }
}

/// A value as messages quote it: in backticks, on one line, cut after 40 characters.
pub fn quoted(text: &str) -> String {
    let short: String = text.chars().take(40).collect();
    let ell = if text.chars().count() > 40 { "…" } else { "" };
    format!("`{}{ell}`", short.replace('\n', "\\n"))
}

/// The tree (absent when a fatal problem stopped the reader) and every problem met.
#[derive(Debug, Default)]
pub struct Parsed {
    pub root: Option<Node>,
    pub problems: Vec<(Pos, String)>,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        count_at_start: usize,
    },
    Map {
        entries: Vec<(Key, Node)>,
        pending: Option<Key>,
        pos: Pos,
        first_key_seen: bool,
        anchor: usize,
        count_at_start: usize,
    },
}

struct Builder<'a> {
    /// `None`: the tree keeps `${VAR}` references as written (what the journal keeps).
    env: Option<&'a Env<'a>>,
    stack: Vec<Frame>,
    /// anchor id → (node, node count, nesting depth)
    anchors: HashMap<usize, (Node, usize, usize)>,
    nodes: usize,
    root: Option<Node>,
    problems: Vec<(Pos, String)>,
    lines: Vec<&'a str>,
}

/// Reads `text` into a position-tagged tree, expanding `${VAR}` in scalar values.
pub fn parse_yaml(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Parsed {
    parse_tree(text, Some(env))
}

/// Reads `text` into a position-tagged tree with every `${VAR}` left as written: what a
/// value holds in the file itself, for deciding what the journal may keep of it.
pub fn parse_yaml_raw(text: &str) -> Parsed {
    parse_tree(text, None)
}

/// How `${VAR}`s are resolved.
type Env<'a> = dyn Fn(&str) -> Option<String> + 'a;

fn parse_tree<'a>(text: &'a str, env: Option<&'a Env<'a>>) -> Parsed {
    let fatal = |pos: Pos, msg: String| Parsed {
        root: None,
        problems: vec![(pos, msg)],
    };
    if text.len() > MAX_BYTES {
        return fatal(Pos { line: 1, col: 1 }, too_big(text.len()));
    }
    // The YAML reader stops at a NUL as if the file ended there: every key after it
    // would silently vanish from a scenario that still reads as valid.
    if let Some(at) = text.find('\0') {
        let before = &text[..at];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        return fatal(
            Pos { line, col },
            "the scenario holds a NUL byte here; a scenario is plain text: remove it (the file \
             may be damaged, or not a text file at all)"
                .into(),
        );
    }
    if let Some(pos) = flow_too_deep(text) {
        return fatal(pos, too_deep());
    }
    let mut b = Builder {
        env,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        problems: Vec::new(),
        lines: text.lines().collect(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut documents = 0;
    loop {
        let (ev, mark) = match parser.next_token() {
            Ok(x) => x,
            Err(e) => {
                let (pos, msg) = b.syntax_problem(&e);
                b.problems.push((pos, msg));
                return Parsed {
                    root: None,
                    problems: b.problems,
                };
            }
        };
        let pos = Pos::from_marker(&mark);
        let step = match ev {
            Event::StreamEnd => break,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    Err((
                        pos,
                        "a scenario file holds one YAML document; remove the second `---` \
                         and what follows, or put it in its own file"
                            .to_string(),
                    ))
                } else {
                    Ok(())
                }
            }
            Event::Scalar(text, style, anchor, tag) => b.scalar(text, style, anchor, tag, pos),
            Event::Alias(id) => b.alias(id, pos),
            Event::SequenceStart(anchor, _) => b.open(
                Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                    count_at_start: 0,
                },
                pos,
            ),
            Event::MappingStart(anchor, _) => b.open(
                Frame::Map {
                    entries: Vec::new(),
                    pending: None,
                    pos,
                    first_key_seen: false,
                    anchor,
                    count_at_start: 0,
                },
                pos,
            ),
            Event::SequenceEnd | Event::MappingEnd => b.close(),
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => Ok(()),
        };
        if let Err(p) = step {
            b.problems.push(p);
            return Parsed {
                root: None,
                problems: b.problems,
            };
        }
    }
    Parsed {
        root: b.root,
        problems: b.problems,
    }
}

fn too_big(n: usize) -> String {
    format!("scenario is {n} bytes; the limit is 1 MiB")
}

fn too_deep() -> String {
    format!("YAML nesting is deeper than {MAX_DEPTH} levels; a scenario never needs that much")
}

/// yaml-rust2 stops flow nesting only at 256 levels and reports it as a recursion
/// limit; this cheap pass refuses it earlier with our own message and position.
fn flow_too_deep(text: &str) -> Option<Pos> {
    let (mut depth, mut line, mut col) = (0usize, 1usize, 0usize);
    let mut quote: Option<char> = None;
    let mut prev = '\n';
    let mut comment = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        col += 1;
        if c == '\n' {
            line += 1;
            col = 0;
            comment = false;
            prev = c;
            continue;
        }
        if comment {
            continue;
        }
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
                col += 1;
            }
            Some(q) if c == q => {
                if q == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                    col += 1;
                } else {
                    quote = None;
                }
            }
            Some(_) => {}
            None => match c {
                '#' if prev.is_whitespace() => comment = true,
                '"' | '\'' if prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':') => {
                    quote = Some(c)
                }
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(Pos { line, col });
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    None
}

/// Nesting depth of `node` (a scalar is 0), without recursion.
fn depth_of(node: &Node) -> usize {
    let mut max = 0;
    let mut todo = vec![(node, 0usize)];
    while let Some((n, d)) = todo.pop() {
        match &n.value {
            Value::Seq(items) => todo.extend(items.iter().map(|c| (c, d + 1))),
            Value::Map(entries) => todo.extend(entries.iter().map(|(_, c)| (c, d + 1))),
            _ => max = max.max(d),
        }
        if matches!(n.value, Value::Seq(_) | Value::Map(_)) {
            max = max.max(d + 1);
        }
    }
    max
}

impl Builder<'_> {
    fn count(&mut self, n: usize, pos: Pos, via_alias: bool) -> Result<(), (Pos, String)> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            let msg = if via_alias {
                format!(
                    "aliases expand too far: the document would hold more than {MAX_NODES} \
                     nodes; a scenario needs a few hundred"
                )
            } else {
                format!("the document holds more than {MAX_NODES} YAML nodes; a scenario needs a few hundred")
            };
            return Err((pos, msg));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), (Pos, String)> {
        if self.stack.len() >= MAX_DEPTH {
            return Err((pos, too_deep()));
        }
        self.count(1, pos, false)?;
        let at = self.nodes - 1;
        let frame = match frame {
            Frame::Seq {
                items, pos, anchor, ..
            } => Frame::Seq {
                items,
                pos,
                anchor,
                count_at_start: at,
            },
            Frame::Map {
                entries,
                pending,
                pos,
                first_key_seen,
                anchor,
                ..
            } => Frame::Map {
                entries,
                pending,
                pos,
                first_key_seen,
                anchor,
                count_at_start: at,
            },
        };
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), (Pos, String)> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (node, anchor, start) = match frame {
            Frame::Seq {
                items,
                pos,
                anchor,
                count_at_start,
            } => (
                Node {
                    value: Value::Seq(items),
                    pos,
                },
                anchor,
                count_at_start,
            ),
            Frame::Map {
                entries,
                pending,
                pos,
                anchor,
                count_at_start,
                ..
            } => {
                let mut entries = entries;
                // A key with no value event cannot happen in valid YAML; keep it as null.
                if let Some(k) = pending {
                    let p = k.pos;
                    entries.push((
                        k,
                        Node {
                            value: Value::Null,
                            pos: p,
                        },
                    ));
                }
                (
                    Node {
                        value: Value::Map(entries),
                        pos,
                    },
                    anchor,
                    count_at_start,
                )
            }
        };
        if anchor != 0 {
            let size = self.nodes - start;
            let depth = depth_of(&node);
            self.anchors.insert(anchor, (node.clone(), size, depth));
        }
        self.attach(node);
        Ok(())
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), (Pos, String)> {
        let Some((size, depth)) = self.anchors.get(&id).map(|(_, s, d)| (*s, *d)) else {
            return Err((
                pos,
                "this alias refers to a node that contains it; YAML aliases cannot be recursive"
                    .into(),
            ));
        };
        // Count before cloning, so an alias bomb is refused before it costs memory.
        self.count(size, pos, true)?;
        // Aliases nested in anchors could otherwise stack far beyond the depth limit,
        // and Clone/Drop of the tree recurse.
        if self.stack.len() + depth > MAX_DEPTH {
            return Err((pos, too_deep()));
        }
        let Some(mut node) = self.anchors.get(&id).map(|(n, _, _)| n.clone()) else {
            return Ok(());
        };
        node.pos = pos;
        self.attach(node);
        Ok(())
    }

    fn is_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { pending: None, .. }))
    }

    fn parent_key(&self) -> Option<&str> {
        match self.stack.last() {
            Some(Frame::Map {
                pending: Some(k), ..
            }) => Some(&k.name),
            _ => None,
        }
    }

    fn scalar(
        &mut self,
        text: String,
        style: TScalarStyle,
        anchor: usize,
        tag: Option<Tag>,
        pos: Pos,
    ) -> Result<(), (Pos, String)> {
        self.count(1, pos, false)?;
        let is_key = self.is_key_position();
        let mut plain = style == TScalarStyle::Plain;
        let mut text = text;
        if let Some(tag) = &tag {
            if tag.handle == "!" {
                let key = self.parent_key().unwrap_or("expect").to_string();
                let msg = if tag.suffix.starts_with('=') {
                    // `!= 0` reads as the tag `!=` on `0`; rebuild it so only this
                    // problem is reported, not a second one about the criterion.
                    text = format!("!{} {}", tag.suffix, text);
                    format!("criteria starting with `!` must be quoted in YAML: {key}: \"{text}\"")
                } else {
                    format!(
                        "YAML tag `!{}` is not supported here; quote values that start with `!`",
                        tag.suffix
                    )
                };
                self.problems.push((pos, msg));
            } else if tag.suffix == "str" {
                plain = false;
            }
        }
        let mut unresolved = false;
        if let (false, Some(env)) = (is_key, self.env) {
            match expand(&text, env) {
                Ok(t) => text = t,
                Err(e) => {
                    self.problems.push((pos, e));
                    unresolved = true;
                }
            }
        }
        let value = if unresolved {
            Value::Unresolved
        } else if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL") {
            Value::Null
        } else {
            Value::Scalar { text, plain }
        };
        let node = Node { value, pos };
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), 1, 0));
        }
        self.attach(node);
        Ok(())
    }

    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending,
                pos,
                first_key_seen,
                ..
            }) => match pending.take() {
                None => {
                    let name = match &node.value {
                        Value::Scalar { text, .. } => text.clone(),
                        Value::Null | Value::Unresolved => String::new(),
                        _ => {
                            self.problems.push((
                                node.pos,
                                format!(
                                    "mapping keys must be plain text, found {}",
                                    node.describe()
                                ),
                            ));
                            "?".into()
                        }
                    };
                    if !*first_key_seen {
                        // Block mappings report their start oddly; the first key is where
                        // a reader looks.
                        *first_key_seen = true;
                        *pos = node.pos;
                    }
                    if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == name) {
                        self.problems.push((
                            node.pos,
                            format!(
                                "duplicate key `{name}` (first at line {}); YAML would silently keep only one",
                                first.pos.line
                            ),
                        ));
                    }
                    *pending = Some(Key {
                        name,
                        pos: node.pos,
                    });
                }
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn syntax_problem(&self, e: &ScanError) -> (Pos, String) {
        let pos = Pos::from_marker(e.marker());
        let info = e.info();
        if info.contains("recursion limit") {
            return (pos, too_deep());
        }
        if info.contains("block scalar") {
            if let Some(hint) = self.unquoted_criterion(pos.line) {
                return hint;
            }
        }
        let mut msg = format!("YAML syntax error: {info}");
        if info.contains("tab") {
            msg.push_str("; indent with spaces, not tabs");
        }
        (pos, msg)
    }

    /// `expect: > 5%` reads as a folded block scalar; spot the key and the operator on
    /// the line of the error and say how to quote it.
    fn unquoted_criterion(&self, line: usize) -> Option<(Pos, String)> {
        let src = self.lines.get(line.checked_sub(1)?)?;
        let colon = src.find(": ")?;
        let key = src[..colon].trim().trim_start_matches("- ").trim();
        let after = &src[colon + 1..];
        let value_start = colon + 1 + (after.len() - after.trim_start().len());
        let value = after.trim_start();
        if !value.starts_with('>') {
            return None;
        }
        let value = match value.find(" #") {
            Some(i) => &value[..i],
            None => value,
        }
        .trim_end();
        let col = src[..value_start].chars().count() + 1;
        Some((
            Pos { line, col },
            format!("criteria starting with `>` must be quoted in YAML: {key}: \"{value}\""),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(t: &str) -> Parsed {
        parse_yaml(t, &no_env)
    }

    #[test]
    fn positions_are_one_based() {
        let p = parse("a: 1\nbb:\n  - x\n  - {k: v}\n");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let root = p.root.unwrap();
        assert_eq!(root.pos, Pos { line: 1, col: 1 });
        let Value::Map(entries) = &root.value else {
            panic!()
        };
        assert_eq!(entries[1].0.pos, Pos { line: 2, col: 1 });
        assert_eq!(entries[0].1.pos, Pos { line: 1, col: 4 });
        let Value::Seq(items) = &entries[1].1.value else {
            panic!()
        };
        assert_eq!(items[0].pos, Pos { line: 3, col: 5 });
        assert_eq!(items[1].pos, Pos { line: 4, col: 6 });
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let p = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].0, Pos { line: 3, col: 1 });
        assert!(p.problems[0]
            .1
            .contains("duplicate key `a` (first at line 1)"));
    }

    #[test]
    fn deep_flow_nesting_is_refused() {
        for text in [
            "[".repeat(10_000),
            "a: {".repeat(10_000),
            format!("x: {}", "[".repeat(65)),
        ] {
            let p = parse(&text);
            assert!(p.root.is_none());
            assert!(
                p.problems[0].1.contains("deeper than 64"),
                "{:?}",
                p.problems
            );
        }
        let ok = format!("x: {}1{}", "[".repeat(60), "]".repeat(60));
        assert!(parse(&ok).root.is_some());
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        let mut s = String::new();
        for i in 0..10_000 {
            s.push_str(&" ".repeat(i % 1000));
            s.push_str("a:\n");
            if s.len() > MAX_BYTES - 2000 {
                break;
            }
        }
        let p = parse(&s);
        assert!(p.root.is_none());
        assert!(
            p.problems[0].1.contains("deeper than 64"),
            "{:?}",
            p.problems
        );
        let seqs = "- ".repeat(10_000) + "x\n";
        assert!(parse(&seqs).problems[0].1.contains("deeper than 64"));
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (i, name) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
            let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
            let refs = vec![format!("*{prev}"); 9].join(",");
            s.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        let p = parse(&s);
        assert!(p.root.is_none());
        assert!(
            p.problems[0].1.contains("aliases expand too far"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn aliases_cannot_stack_past_the_depth_limit() {
        let inner = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let text = format!(
            "a: &a {inner}\nb: &b {}*a{}\n",
            "[".repeat(40),
            "]".repeat(40)
        );
        let p = parse(&text);
        assert!(p.root.is_none());
        assert!(
            p.problems[0].1.contains("deeper than 64"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn small_aliases_work() {
        let p = parse("a: &x {k: v}\nb: *x\n");
        let Value::Map(e) = &p.root.unwrap().value else {
            panic!()
        };
        assert_eq!(e[0].1.value, e[1].1.value);
        assert_eq!(e[1].1.pos, Pos { line: 2, col: 4 });
    }

    #[test]
    fn size_limit_comes_first() {
        let big = "#".repeat(MAX_BYTES + 1);
        let p = parse(&big);
        assert_eq!(
            p.problems[0].1,
            format!("scenario is {} bytes; the limit is 1 MiB", MAX_BYTES + 1)
        );
    }

    #[test]
    fn unquoted_greater_than_gets_a_hint() {
        let p = parse("steady_state:\n  - name: x\n    abort: >= 2 # guard\n");
        assert_eq!(p.problems[0].0, Pos { line: 3, col: 12 });
        assert_eq!(
            p.problems[0].1,
            "criteria starting with `>` must be quoted in YAML: abort: \">= 2\""
        );
        let p = parse("expect: != 0\n");
        assert!(
            p.problems[0].1.contains("expect: \"!= 0\""),
            "{:?}",
            p.problems
        );
        assert!(parse("expect: < 1%\n").problems.is_empty());
    }

    #[test]
    fn expansion_in_values_not_keys() {
        let env = |k: &str| (k == "U").then(|| "http://p".to_string());
        let p = parse_yaml("${U}: ${U}\nb: ${NOPE}\n", &env);
        let Value::Map(e) = &p.root.unwrap().value else {
            panic!()
        };
        assert_eq!(e[0].0.name, "${U}");
        assert_eq!(e[0].1.as_text(), Some("http://p"));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].0, Pos { line: 2, col: 4 });
    }

    #[test]
    fn never_panics_on_odd_input() {
        for t in [
            "",
            "---",
            "- a\n- b",
            "a: [1, 2\nb: 3",
            "? [a]\n: 1",
            "a: *nope",
            "\t- x",
            "a: &x [*x]",
            "{",
            "]",
            "a:\n\tb: 1",
            "---\na: 1\n---\nb: 2",
        ] {
            let _ = parse(t);
        }
    }
}
