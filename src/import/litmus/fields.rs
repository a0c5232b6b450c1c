//! Reading one mapping of the ChaosEngine while keeping count of its keys, so that every
//! key the importer did not read is listed instead of silently dropped.

use crate::yaml::{Key, Node, Value};

use super::text::shown;

pub(super) struct Fields<'a> {
    /// Where the mapping is, e.g. `spec.experiments[0].spec`.
    pub path: String,
    entries: &'a [(Key, Node)],
    used: Vec<bool>,
}

impl<'a> Fields<'a> {
    /// `None` when `node` is not a mapping.
    pub fn of(node: &'a Node, path: impl Into<String>) -> Option<Fields<'a>> {
        match &node.value {
            Value::Map(entries) => Some(Fields {
                path: path.into(),
                entries,
                used: vec![false; entries.len()],
            }),
            _ => None,
        }
    }

    /// The value of `key`, marked as read; `None` when absent or null.
    pub fn take(&mut self, key: &str) -> Option<&'a Node> {
        let i = self.entries.iter().position(|(k, _)| k.name == key)?;
        self.used[i] = true;
        let node = &self.entries[i].1;
        (!node.is_null()).then_some(node)
    }

    /// The text of a scalar `key`, marked as read.
    pub fn text(&mut self, key: &str) -> Option<&'a str> {
        self.take(key).and_then(Node::as_text)
    }

    /// The text of a scalar `key`, trimmed, `None` when empty: Litmus reads an empty
    /// value as unset.
    pub fn set(&mut self, key: &str) -> Option<&'a str> {
        self.text(key).map(str::trim).filter(|t| !t.is_empty())
    }

    /// The keys nothing has read, each as a line for the NOT MAPPED list. `known` names
    /// the fields Litmus has here, to spot a key spelt in the wrong case.
    pub fn unread(self, known: &[&str]) -> Vec<String> {
        let path = self.path;
        self.entries
            .iter()
            .zip(self.used)
            .filter(|(_, used)| !used)
            .map(|((k, v), _)| {
                // `${` was escaped before the engine was read; show the key as written
                let key = shown(&k.name.replace("$${", "${"));
                let at = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                let hint = known
                    .iter()
                    .find(|f| f.eq_ignore_ascii_case(&k.name))
                    .map(|f| format!(" (Litmus's field is spelt `{f}`)"))
                    .unwrap_or_default();
                format!(
                    "{at} ({}): not a field the importer knows here{hint}; the scenario ignores it",
                    describe(v)
                )
            })
            .collect()
    }
}

/// A value as it reads in a message: the text of a scalar (on one line), or what it is.
pub(super) fn describe(n: &Node) -> String {
    match &n.value {
        Value::Scalar { text, .. } => format!("`{}`", shown(text)),
        Value::Seq(items) => format!("a list of {}", items.len()),
        Value::Map(_) => "a mapping".into(),
        Value::Null | Value::Unresolved => "empty".into(),
    }
}
