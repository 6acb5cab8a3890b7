//! # itinera-engine: the one step interpreter
//!
//! There is exactly one copy of Itinera's step semantics, and it is here. The simulator drives
//! it on a virtual clock; the durable engine will drive it on the real one. Both call
//! [`handle`]: given a compiled journey ([`Program`]), one contact's [`ContactState`], one
//! [`Input`] (an event, a reply, a timer, a delivery or webhook result) and "now", it applies
//! the input and runs the contact forward until it must wait, emitting [`Effects`]: messages to
//! send, webhooks to call, timers to set, and [`Step`] records explaining each decision.
//!
//! Design rules:
//! * **No I/O, no wall clock, no ambient randomness.** Time is an argument (drivers read a
//!   [`Clock`]); splits draw from a generator seeded by a stable hash of (seed, journey, contact,
//!   node, entry number) — see [`split_roll`] — so results never depend on processing order.
//!   No tokio, SQLite or HTTP here.
//! * **Compile once, run many.** [`Program::compile`] resolves node ids to indices and ports to
//!   targets, parses durations, quiet hours, conditions and Liquid templates once. Interpreting a
//!   contact parses nothing but the timestamps in its own data.
//! * **Sends and webhooks are asynchronous.** A send emits [`Effects::send`] and the contact waits
//!   for [`Input::Delivery`]; a webhook likewise for [`Input::WebhookResult`]. The simulator
//!   answers at once from its scenario; the durable engine when the provider calls back.
//! * **Detail is optional, the path is not.** Rendering Liquid and writing human sentences is
//!   done only when [`Effects::wants_detail`] says so; no decision depends on it, which keeps a
//!   million simulated contacts cheap.
//! * **State is data.** [`ContactState`] serializes, so the durable engine can store it.
//!
//! The sending rules, in order: no address (`no_address`), no consent (`no_consent`; STOP-like
//! replies revoke it, START/UNSTOP restore it), free-form WhatsApp text outside the 24-hour
//! window (`outside_24h_window`), frequency cap (`frequency_capped`: delivered messages, any
//! channel, in the rolling window before now), quiet hours (deferral, not
//! a failure: `deferred` with reason `quiet_hours`, rules re-checked when they end), then the
//! channel's own result (`undeliverable` or the provider's reason). A stopped send follows
//! `failed` when wired, else `next`.
#![deny(missing_docs)]

pub mod clock;
pub mod condition;
pub mod effects;
pub mod interpret;
pub mod program;
pub mod state;
pub mod template;

pub use clock::{Clock, ManualClock, SystemClock};
pub use effects::{DeliveryResult, Effects, Input, OutgoingMessage, Reason, Step, StepResult, WebhookCall, WebhookOutcome};
pub use interpret::{handle, split_roll};
pub use program::{Channel, Program};
pub use state::{Contact, ContactState, Outcome, Status, Waiting};

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
