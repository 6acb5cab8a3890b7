//! TypeScript declarations of the journey format and the validation report (feature `ts`).
//!
//! The editor's wire types are generated from the Rust types (ts-rs, honouring their serde
//! attributes): `scripts/gen-types` runs `itinera-xtask ts`, which gives one [`Declarations`] to
//! every crate's `ts::declare` and writes what they declared to `ui/src/api/generated/wire.ts`;
//! the `lint` stage of `scripts/test` fails when that file is stale. A crate names its root types
//! only: every type they refer to is declared with them, once.

use std::collections::HashSet;
use std::path::PathBuf;

use ts_rs::{Config, TS, TypeVisitor};

use crate::journey::{Channel, Journey, NodeKind};
use crate::validate::Report;

/// `export type Name = ...;` for one type, its doc comment above it.
pub fn declaration<T: TS + ?Sized + 'static>(cfg: &Config) -> String {
    let docs = T::docs().unwrap_or_default();
    format!("{docs}export {}\n", T::decl(cfg))
}

/// The declarations written so far, each type once, and the options they are written with.
pub struct Declarations {
    cfg: Config,
    /// By output path: a type and the shadow it is declared as (`serde_json::Value` and
    /// `JsonValue`) are one declaration.
    seen: HashSet<PathBuf>,
    texts: Vec<String>,
}

impl Default for Declarations {
    fn default() -> Self {
        Declarations::new()
    }
}

impl Declarations {
    /// None yet. 64-bit integers are written as plain numbers (the backend's counts and seconds
    /// fit in a double).
    pub fn new() -> Declarations {
        Declarations { cfg: Config::new().with_large_int("number"), seen: HashSet::new(), texts: Vec::new() }
    }

    /// The options declarations are written with.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Declares `T`, then every type it refers to that is not declared yet (depth first, in
    /// field order). Types written inline (primitives, `ts(as/type)` overrides) have no
    /// declaration of their own.
    pub fn add<T: TS + ?Sized + 'static>(&mut self) {
        let Some(path) = T::output_path() else { return };
        if !self.seen.insert(path) {
            return;
        }
        self.texts.push(declaration::<T>(&self.cfg));
        T::visit_dependencies(&mut Visit(self));
    }

    /// Adds a declaration written by hand (a `const`).
    pub fn push(&mut self, text: String) {
        self.texts.push(text);
    }

    /// What was declared since the last call.
    pub fn take(&mut self) -> Vec<String> {
        std::mem::take(&mut self.texts)
    }
}

struct Visit<'a>(&'a mut Declarations);

impl TypeVisitor for Visit<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        self.0.add::<T>();
    }
}

/// A `/** doc */ export const NAME = value;` declaration.
pub fn constant(doc: &str, name: &str, value: &str) -> String {
    format!("/**\n * {doc}\n */\nexport const {name} = {value};\n")
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{:?}", s.as_ref())).collect();
    format!("[{}] as const", quoted.join(", "))
}

/// The `type` of each node type of format v1, in declaration order, read from the tagged enum's
/// JSON Schema (so from its serde attributes, never from a second list).
pub fn node_types() -> Vec<String> {
    let schema = schemars::schema_for!(NodeKind).to_value();
    let forms = schema.get("oneOf").and_then(|v| v.as_array()).cloned().unwrap_or_default();
    forms.iter().filter_map(|f| f.pointer("/properties/type/const").and_then(|v| v.as_str()).map(str::to_string)).collect()
}

/// This crate's constants and wire types: the journey document and the validation report.
pub fn declare(d: &mut Declarations) {
    d.push(constant("The `format` of every v1 journey.", "JOURNEY_FORMAT", &format!("{:?}", crate::JOURNEY_FORMAT)));
    d.push(constant("The port an edge leaves from when it names none.", "DEFAULT_PORT", &format!("{:?}", crate::journey::DEFAULT_PORT)));
    d.push(constant("The channel words, in report order.", "CHANNELS", &list(&crate::journey::CHANNELS)));
    d.push(constant("The comparison operators of format v1.", "OPERATORS", &list(crate::journey::OPERATORS)));
    d.push(constant("The node types of format v1.", "NODE_TYPES", &list(&node_types())));
    d.add::<Journey>();
    // `Node` flattens its kind: the union is declared too, for the editor's per-type node names.
    d.add::<NodeKind>();
    d.add::<Channel>();
    d.add::<Report>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::{Node, Wait};

    #[test]
    fn the_node_is_its_fields_and_its_tagged_kind() {
        let d = Declarations::new();
        let node = declaration::<Node>(d.config());
        assert!(node.contains("id: string"), "{node}");
        assert!(node.contains("position?: Position"), "{node}");
        let kind = declaration::<NodeKind>(d.config());
        assert!(kind.contains("\"type\": \"wait_for\""), "{kind}");
        assert!(!kind.contains("Unknown"), "{kind}");
        let wait = declaration::<Wait>(d.config());
        assert!(wait.contains("for?: string"), "{wait}");
    }

    #[test]
    fn every_type_a_root_refers_to_is_declared_once() {
        let mut d = Declarations::new();
        d.add::<Journey>();
        d.add::<Node>();
        let texts = d.take();
        let names: Vec<&str> = texts.iter().filter_map(|t| t.split("export type ").nth(1)?.split(' ').next()).collect();
        for name in ["Journey", "Settings", "QuietHours", "Node", "Trigger", "WaitFor", "WaitBranch", "Condition", "JsonValue", "Edge"] {
            assert_eq!(names.iter().filter(|n| **n == name).count(), 1, "{name} in {names:?}");
        }
        assert!(d.take().is_empty());
    }

    #[test]
    fn the_node_types_are_the_tags_of_the_kinds() {
        let expected = ["trigger", "send", "wait", "wait_for", "branch", "split", "update", "webhook", "exit"];
        assert_eq!(node_types(), expected);
    }
}
