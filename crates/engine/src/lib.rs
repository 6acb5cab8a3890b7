//! # itinera-engine: the one step interpreter
//!
//! There is exactly one copy of Itinera's step semantics, and it is here. The simulator drives
//! it on a virtual clock; the durable engine will drive it on the real one. Both call
//! [`handle`]: given a compiled journey ([`Program`], usually from [`Program::prepare`]), the
//! contact's profile ([`Contact`]), its [`ContactState`] in that journey version, one [`Input`]
//! (an event, a reply, a timer, a delivery or webhook result) and "now", it applies the input
//! and runs the contact forward until it must wait, emitting effects: messages to send, webhooks
//! to call, timers to set, changes to the contact's profile, and [`Step`] records explaining each
//! decision. [`Collector`] turns them into owned, serialisable [`Effect`]s and [`StepRecord`]s.
//!
//! Design rules:
//! * **No I/O, no wall clock, no ambient randomness.** Time is an argument (drivers read a
//!   [`Clock`]); splits draw from a generator seeded by a stable hash of (seed, journey, contact,
//!   node, entry number) — see [`split_roll`] — so results never depend on processing order.
//!   No tokio, SQLite or HTTP here.
//! * **Compile once, run many.** [`Program::compile`] resolves node ids to indices and ports to
//!   targets, parses durations, quiet hours, conditions and Liquid templates once. Interpreting a
//!   contact parses nothing but the timestamps in its own data.
//! * **Sends and webhooks are asynchronous and keyed.** A send emits [`Effects::send`] with a
//!   deterministic [`idempotency_key`] and the contact waits for [`Input::Delivery`] with that
//!   key, until the channel's delivery deadline (then it counts as delivered); a webhook likewise
//!   for [`Input::WebhookResult`]. A result with another key (a late receipt from an earlier
//!   entry) is ignored. The simulator answers at once from its scenario; the durable engine when
//!   the provider calls back.
//! * **The profile is the contact's.** Attributes, consent and the WhatsApp window are passed
//!   in and never written: `update` nodes, STOP/START replies and WhatsApp inbound messages come
//!   out as [`ContactChange`]s for the driver to apply, so a STOP in one journey stops sends in
//!   every journey.
//! * **Detail is optional, the path is not.** Rendering Liquid and writing human sentences is
//!   done only when [`Effects::wants_detail`] says so; no decision depends on it, which keeps a
//!   million simulated contacts cheap.
//! * **State is data.** [`ContactState`] serializes with its schema version, journey version and
//!   node id, and [`ContactState::check`] refuses it with a program it does not belong to.
//! * **One flow per key.** A trigger may name a `key` (`event.appointment_id`). A contact then
//!   holds one enrollment (one [`ContactState`], whose [`ContactState::key`] is the value, made
//!   with [`ContactState::new_keyed`]) per key value, at most one at a time per key, re-entry
//!   judged per key. [`Program::entry_key`] reads an event's key value and
//!   [`Program::route_event`] says which enrollments an event reaches and whether it creates one
//!   ([`Route`]): an event carrying the key field only the one with that key, an event without
//!   it all of them ([`Program::moves_outside`]: finished ones only hear the trigger and goal
//!   events). Replies go to every enrollment inside (else to the one entered last), timers and
//!   results to the one that asked.
//!   [`handle`] applies the same rule to the state it is given. Every [`Step`] names the
//!   enrollment's key; idempotency keys gain a `k=KEY` segment ([`keyed_idempotency_key`]) and
//!   split rolls hash the key ([`split_roll_keyed`]); without a key, nothing changes.
//!
//! The sending rules, in order: no address (`no_address`), no consent (`no_consent`; STOP-like
//! replies revoke it, START/UNSTOP restore it), free-form WhatsApp text outside the 24-hour
//! window (`outside_24h_window`), frequency cap (`frequency_capped`: delivered messages, any
//! channel, in the rolling window before now), quiet hours (deferral, not
//! a failure: `deferred` with reason `quiet_hours`, rules re-checked when they end), then the
//! channel's own result (`undeliverable` or the provider's reason). A stopped send follows
//! `failed` when wired, else `next`. A send or webhook whose template cannot render within its
//! bounds, or whose message is longer than its channel takes, fails the same way with
//! `template_error` before anything is sent (see [`template`]).
//!
//! [`validate`] and [`check_source`] are the model's, plus what only the engine can check: that
//! every template compiles within its bounds. [`Validated`] carries a journey with its report, so
//! that a request validates once and its driver compiles without validating again.
#![deny(missing_docs)]

pub mod clock;
pub mod condition;
pub mod effects;
pub mod interpret;
pub mod program;
pub mod protocol;
pub mod state;
pub mod template;
#[cfg(feature = "ts")]
pub mod ts;

pub use clock::{Clock, ManualClock, SystemClock};
pub use effects::{DeliveryResult, Effects, Input, OutgoingMessage, Reason, Step, StepResult, WebhookCall, WebhookOutcome};
pub use interpret::{handle, split_roll, split_roll_keyed};
pub use program::{Channel, PrepareError, Program, Route, idempotency_key, keyed_idempotency_key};
pub use protocol::{Button, Collector, Effect, Message, MessageTemplate, StepObserver, StepRecord, WebhookRequest};
pub use state::{Contact, ContactChange, ContactOutcome, ContactState, Outcome, STATE_SCHEMA, StateError, Status, Waiting};
pub use template::{Limits, Locale, RenderContext, RenderError, Rendered, Template};

use itinera_model::journey::NodeKind;
use itinera_model::{Code, Diagnostic, Journey, Report};

/// Every template of the journey that does not compile within [`Limits::DEFAULT`], as
/// `invalid_config` errors naming the node and the field (`text`, `subject`,
/// `template.params[i]`, `url`, `body`), in node order; and, as `invalid_config` warnings on the
/// same fields, what [`Template::warnings`] sees (a date pattern or zone that cannot be used, a
/// literal value that is not a timestamp).
pub fn template_diagnostics(journey: &Journey) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for node in &journey.nodes {
        let mut fields: Vec<(String, &str)> = Vec::new();
        match &node.kind {
            NodeKind::Send(s) => {
                fields.extend(s.text.as_deref().map(|t| ("text".to_string(), t)));
                fields.extend(s.subject.as_deref().map(|t| ("subject".to_string(), t)));
                if let Some(t) = &s.template {
                    fields.extend(t.params.iter().enumerate().map(|(i, p)| (format!("template.params[{i}]"), p.as_str())));
                }
            }
            NodeKind::Webhook(w) => {
                fields.push(("url".to_string(), w.url.as_str()));
                fields.extend(w.body.as_deref().map(|b| ("body".to_string(), b)));
            }
            _ => {}
        }
        for (field, source) in fields {
            match Template::compile(source) {
                Err(err) => found.push(
                    Diagnostic::error(Code::InvalidConfig, format!("`{field}` is not a usable template: {err}"))
                        .at_node(&node.id)
                        .at_field(field),
                ),
                Ok(template) => {
                    for warning in template.warnings() {
                        found.push(
                            Diagnostic::warning(Code::InvalidConfig, format!("`{field}` will show a value as written: {warning}"))
                                .at_node(&node.id)
                                .at_field(field.clone()),
                        );
                    }
                }
            }
        }
    }
    found
}

/// Validates a parsed journey: [`itinera_model::validate`] plus [`template_diagnostics`], merged
/// in the model's order (journey-level first, then by node position, then by code) with `valid`
/// recomputed. Facts are dropped when a template makes the journey invalid.
pub fn validate(journey: &Journey) -> Report {
    merge(journey, itinera_model::validate(journey))
}

/// A journey and the report of validating it ([`validate`]: the model's checks and the
/// templates'), made only here, by validating: what a driver is handed so that one request
/// validates a journey once. It is *validated*, not necessarily *valid*: [`Validated::prepare`]
/// refuses one whose report has errors, at the point where the driver would have validated it.
#[derive(Debug, Clone)]
pub struct Validated {
    journey: Journey,
    report: Report,
}

impl Validated {
    /// Validates `journey`.
    pub fn new(journey: Journey) -> Validated {
        let report = validate(&journey);
        Validated { journey, report }
    }

    /// Parses and validates journey text, as [`check_source`] does; a text that does not parse
    /// gives its report's diagnostics (one `parse_error`) instead.
    pub fn read(text: &str) -> Result<Validated, Vec<Diagnostic>> {
        match check_source(text) {
            (Some(journey), report) => Ok(Validated { journey, report }),
            (None, report) => Err(report.diagnostics),
        }
    }

    /// The journey.
    pub fn journey(&self) -> &Journey {
        &self.journey
    }

    /// Its validation report.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The journey and its report.
    pub fn into_parts(self) -> (Journey, Report) {
        (self.journey, self.report)
    }

    /// [`Program::prepare`] without validating again: refuses a journey whose report has
    /// errors (with every diagnostic, warnings included), else compiles it.
    pub fn prepare(&self) -> Result<Program, PrepareError> {
        program::prepare_with(&self.journey, &self.report)
    }
}

/// Parses and validates journey text as [`itinera_model::check_source`] does, plus the templates.
pub fn check_source(text: &str) -> (Option<Journey>, Report) {
    match itinera_model::check_source(text) {
        (Some(journey), report) => {
            let report = merge(&journey, report);
            (Some(journey), report)
        }
        other => other,
    }
}

fn merge(journey: &Journey, mut report: Report) -> Report {
    let extra = template_diagnostics(journey);
    if extra.is_empty() {
        return report;
    }
    // The model's sort key, recovered from each diagnostic's node (0: journey, 1: node, 2: nowhere).
    let key = |d: &Diagnostic| match &d.node {
        None => (0, 0, d.code),
        Some(id) => match journey.nodes.iter().position(|n| n.id == *id) {
            Some(i) => (1, i, d.code),
            None => (2, 0, d.code),
        },
    };
    for diagnostic in extra {
        let k = key(&diagnostic);
        let at = report.diagnostics.iter().position(|d| key(d) > k).unwrap_or(report.diagnostics.len());
        report.diagnostics.insert(at, diagnostic);
    }
    report.valid = !report.diagnostics.iter().any(Diagnostic::is_error);
    if !report.valid {
        report.facts = None;
    }
    report
}

/// Why a journey cannot be compiled for interpretation. Validation reports these first; this
/// only protects the interpreter from a journey that skipped it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompileError {
    /// A node's setting is unusable.
    #[error("node `{node}` field `{field}`: {message}")]
    Node {
        /// Node id.
        node: String,
        /// Field within the node.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A journey setting is unusable.
    #[error("settings field `{field}`: {message}")]
    Settings {
        /// Field within `settings`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The journey has no trigger.
    #[error("the journey has no trigger node")]
    NoTrigger,
}

impl CompileError {
    fn node(node: &str, field: &str, message: impl Into<String>) -> Self {
        CompileError::Node { node: node.to_string(), field: field.to_string(), message: message.into() }
    }
}
