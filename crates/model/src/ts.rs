//! TypeScript declarations of the journey format and the validation report (feature `ts`).
//!
//! The editor's wire types are generated from the Rust types (ts-rs, honouring their serde
//! attributes): `scripts/gen-types` writes every crate's [`declarations`] to
//! `ui/src/api/generated/wire.ts`, and the `lint` stage of `scripts/test` fails when that file
//! is stale.

use ts_rs::{Config, TS};

use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::journey::{
    Branch, Button, Channel, ChannelSettings, Condition, Edge, Exit, FrequencyCap, Goal, Journey, Node, NodeKind, Position, QuietHours,
    Reentry, ReplySpec, Send, Settings, Split, Trigger, Update, Variant, Wait, WaitBranch, WaitFor, WaitUntil, Webhook, WhatsAppTemplate,
};
use crate::validate::{Facts, Report};

/// The options every crate's declarations are written with: 64-bit integers are plain numbers
/// (the backend's counts and seconds fit in a double).
pub fn config() -> Config {
    Config::new().with_large_int("number")
}

/// `export type Name = ...;` for one type, its doc comment above it.
pub fn declaration<T: TS + ?Sized + 'static>(cfg: &Config) -> String {
    let docs = T::docs().unwrap_or_default();
    format!("{docs}export {}\n", T::decl(cfg))
}

/// The format's constants as TypeScript `const`s: the journey format tag, the default port, the
/// channel words and the comparison operators (the editor reads these, never a copy).
pub fn constants() -> Vec<String> {
    let list = |items: &[&str]| items.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
    vec![
        format!("/**\n * The `format` of every v1 journey.\n */\nexport const JOURNEY_FORMAT = {:?};\n", crate::JOURNEY_FORMAT),
        format!(
            "/**\n * The port an edge leaves from when it names none.\n */\nexport const DEFAULT_PORT = {:?};\n",
            crate::journey::DEFAULT_PORT
        ),
        format!(
            "/**\n * The channel words, in report order.\n */\nexport const CHANNELS = [{}] as const;\n",
            list(&crate::journey::CHANNELS)
        ),
        format!(
            "/**\n * The comparison operators of format v1.\n */\nexport const OPERATORS = [{}] as const;\n",
            list(crate::journey::OPERATORS)
        ),
    ]
}

/// The declarations of this crate's wire types, in a fixed order.
pub fn declarations(cfg: &Config) -> Vec<String> {
    vec![
        declaration::<serde_json::Value>(cfg),
        declaration::<Journey>(cfg),
        declaration::<Settings>(cfg),
        declaration::<Channel>(cfg),
        declaration::<ChannelSettings>(cfg),
        declaration::<QuietHours>(cfg),
        declaration::<FrequencyCap>(cfg),
        declaration::<Reentry>(cfg),
        declaration::<Goal>(cfg),
        declaration::<Position>(cfg),
        declaration::<Edge>(cfg),
        declaration::<Node>(cfg),
        declaration::<NodeKind>(cfg),
        declaration::<Trigger>(cfg),
        declaration::<Send>(cfg),
        declaration::<WhatsAppTemplate>(cfg),
        declaration::<Button>(cfg),
        declaration::<Wait>(cfg),
        declaration::<WaitUntil>(cfg),
        declaration::<WaitFor>(cfg),
        declaration::<ReplySpec>(cfg),
        declaration::<WaitBranch>(cfg),
        declaration::<Branch>(cfg),
        declaration::<Split>(cfg),
        declaration::<Variant>(cfg),
        declaration::<Update>(cfg),
        declaration::<Webhook>(cfg),
        declaration::<Exit>(cfg),
        declaration::<Condition>(cfg),
        declaration::<Severity>(cfg),
        declaration::<Code>(cfg),
        declaration::<Diagnostic>(cfg),
        declaration::<Facts>(cfg),
        declaration::<Report>(cfg),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_is_its_fields_and_its_tagged_kind() {
        let cfg = config();
        let node = declaration::<Node>(&cfg);
        assert!(node.contains("id: string"), "{node}");
        assert!(node.contains("position?: Position"), "{node}");
        let kind = declaration::<NodeKind>(&cfg);
        assert!(kind.contains("\"type\": \"wait_for\""), "{kind}");
        assert!(!kind.contains("Unknown"), "{kind}");
        let wait = declaration::<Wait>(&cfg);
        assert!(wait.contains("for?: string"), "{wait}");
    }
}
