//! Diagnostics: what validation says about a journey, as data.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How bad a diagnostic is. Errors make a journey invalid; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The journey cannot be published or simulated.
    Error,
    /// Worth a look; the journey still runs.
    Warning,
}

/// Stable diagnostic codes. These strings are a public contract: add codes, never rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// Bad JSON or a value of the wrong shape.
    ParseError,
    /// A node's `type` is not a v1 type.
    UnknownNodeType,
    /// Two nodes share an id.
    DuplicateNodeId,
    /// No trigger node.
    MissingTrigger,
    /// More than one trigger node.
    MultipleTriggers,
    /// An edge names a node that does not exist.
    EdgeUnknownNode,
    /// An edge leaves from a port the node does not have.
    EdgeUnknownPort,
    /// A port has more than one edge.
    PortMultipleEdges,
    /// A strongly connected component with a cycle.
    Cycle,
    /// A required port with no edge.
    DeadEnd,
    /// No path from the trigger reaches the node.
    Unreachable,
    /// A node's own settings are wrong.
    InvalidConfig,
    /// Free-form WhatsApp text that may fall outside the 24-hour window.
    WhatsappOutsideWindow,
    /// A template or condition names a `contact.*` or `event.*` field that no contact of the
    /// chosen scenario has (a warning; computed against a scenario, never by validation alone).
    UnknownVariable,
}

impl Code {
    /// The code as written in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ParseError => "parse_error",
            Code::UnknownNodeType => "unknown_node_type",
            Code::DuplicateNodeId => "duplicate_node_id",
            Code::MissingTrigger => "missing_trigger",
            Code::MultipleTriggers => "multiple_triggers",
            Code::EdgeUnknownNode => "edge_unknown_node",
            Code::EdgeUnknownPort => "edge_unknown_port",
            Code::PortMultipleEdges => "port_multiple_edges",
            Code::Cycle => "cycle",
            Code::DeadEnd => "dead_end",
            Code::Unreachable => "unreachable",
            Code::InvalidConfig => "invalid_config",
            Code::WhatsappOutsideWindow => "whatsapp_outside_window",
            Code::UnknownVariable => "unknown_variable",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about a journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub severity: Severity,
    /// Stable code.
    pub code: Code,
    /// Human sentence.
    pub message: String,
    /// The node it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub node: Option<String>,
    /// The output port it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub port: Option<String>,
    /// The nodes it is about (e.g. the members of a cycle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub nodes: Option<Vec<String>>,
    /// The setting it is about, as a path within the node or journey (e.g. `for`, `settings.goal.within`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub field: Option<String>,
    /// For `parse_error`: 1-based line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub line: Option<usize>,
    /// For `parse_error`: 1-based column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub column: Option<usize>,
}

impl Diagnostic {
    /// An error with this code and message.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            node: None,
            port: None,
            nodes: None,
            field: None,
            line: None,
            column: None,
        }
    }

    /// A warning with this code and message.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    /// About this node.
    pub fn at_node(mut self, node: impl Into<String>) -> Self {
        self.node = Some(node.into());
        self
    }

    /// About this port.
    pub fn at_port(mut self, port: impl Into<String>) -> Self {
        self.port = Some(port.into());
        self
    }

    /// About this setting.
    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// About these nodes.
    pub fn with_nodes(mut self, nodes: Vec<String>) -> Self {
        self.nodes = Some(nodes);
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
