//! What the interpreter asks of its driver: inputs it accepts, effects it emits, and the step
//! records that explain each decision.
//!
//! [`Input`] is owned, serialisable data (a durable engine keeps it in its inbox). The
//! [`Effects`] trait is the interpreter's borrowing, allocation-free side; [`crate::Collector`]
//! turns it into owned [`crate::Effect`] values and trace records.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::program::Channel;
use crate::state::ContactChange;

/// Something that happened to a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "snake_case")]
pub enum Input {
    /// An event about the contact (a trigger, an `exit_on`, the goal, one a `wait_for` awaits).
    Event {
        /// Event name.
        name: String,
        /// Event data (`event.*`).
        data: Map<String, Value>,
    },
    /// An inbound message from the contact.
    Reply {
        /// `sms`, `whatsapp` or `email`.
        channel: String,
        /// Text typed, if any.
        text: Option<String>,
        /// Button id tapped, if any.
        button: Option<String>,
    },
    /// A timer asked for with [`Effects::wake_at`] fired (stale timers are ignored).
    Timer,
    /// The channel's result for the message with this idempotency key. A key that is not the
    /// one the contact waits for (a late receipt from an earlier entry, a duplicate) is ignored.
    Delivery {
        /// The message's idempotency key ([`OutgoingMessage::key`]).
        key: String,
        /// Delivered or failed.
        result: DeliveryResult,
    },
    /// The result of the webhook call with this idempotency key (ignored unless it is the one
    /// the contact waits for).
    WebhookResult {
        /// The call's idempotency key ([`WebhookCall::key`]).
        key: String,
        /// Ok or failed.
        result: WebhookOutcome,
    },
    /// The operator makes the contact leave (the journey version was archived): a contact
    /// inside leaves with outcome `left` and this reason code; one not inside is not touched.
    Leave {
        /// The reason code (`archived`).
        reason: String,
    },
}

/// What the channel reports for a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryResult {
    /// Delivered.
    Delivered,
    /// Not delivered; the reason code recorded (`undeliverable`, or the provider's reason).
    Failed(String),
}

/// What a webhook call returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    /// A success status.
    Ok,
    /// A failure, with its reason.
    Failed(String),
}

/// A message to send. Bodies are rendered only when [`Effects::wants_detail`] is true: a real
/// sender must answer true; the simulator answers false for contacts whose details nobody reads.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingMessage<'a> {
    /// The deterministic idempotency key (see [`crate::idempotency_key`]); answer with it.
    pub key: String,
    /// When no delivery result by then counts as delivered (the interpreter asks to be woken).
    pub deadline: Timestamp,
    /// The send node's index.
    pub node: usize,
    /// The send node's id.
    pub node_id: &'a str,
    /// Channel.
    pub channel: Channel,
    /// The contact's address on it.
    pub to: &'a str,
    /// Rendered body (free-form text).
    pub text: Option<String>,
    /// Rendered email subject.
    pub subject: Option<String>,
    /// WhatsApp template name, language and rendered parameters.
    pub template: Option<(&'a str, &'a str, Vec<String>)>,
    /// Quick-reply buttons `(id, title)`.
    pub buttons: &'a [(String, String)],
}

/// A webhook to call (url and body rendered only when [`Effects::wants_detail`]).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookCall<'a> {
    /// The deterministic idempotency key (see [`crate::idempotency_key`]); answer with it.
    pub key: String,
    /// The webhook node's index.
    pub node: usize,
    /// The webhook node's id.
    pub node_id: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Rendered URL.
    pub url: Option<String>,
    /// Headers.
    pub headers: &'a [(String, String)],
    /// Rendered body.
    pub body: Option<String>,
}

/// Why a send (or webhook) did not go through. The codes are a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No address on the channel.
    NoAddress,
    /// No consent on the channel.
    NoConsent,
    /// Free-form WhatsApp text with no inbound WhatsApp message in the last 24 h.
    Outside24hWindow,
    /// The frequency cap is reached.
    FrequencyCapped,
    /// Deferred by quiet hours.
    QuietHours,
    /// The channel could not deliver.
    Undeliverable,
    /// A template could not be rendered within its bounds, or the message is longer than its
    /// channel takes; nothing was sent.
    TemplateError,
    /// The journey version was archived while the contact was inside (a `left` step).
    Archived,
    /// Any other provider (or webhook) reason, as reported.
    Provider(String),
}

impl Reason {
    /// The reason code.
    pub fn code(&self) -> &str {
        match self {
            Reason::NoAddress => "no_address",
            Reason::NoConsent => "no_consent",
            Reason::Outside24hWindow => "outside_24h_window",
            Reason::FrequencyCapped => "frequency_capped",
            Reason::QuietHours => "quiet_hours",
            Reason::Undeliverable => "undeliverable",
            Reason::TemplateError => "template_error",
            Reason::Archived => "archived",
            Reason::Provider(reason) => reason,
        }
    }

    /// The reason of an [`Input::Leave`]: `archived`, or the words given.
    pub fn from_leave(reason: String) -> Reason {
        if reason == "archived" { Reason::Archived } else { Reason::Provider(reason) }
    }

    /// From a reported failure: `undeliverable` or the provider's words.
    pub fn from_failure(reason: String) -> Reason {
        if reason == "undeliverable" { Reason::Undeliverable } else { Reason::Provider(reason) }
    }
}

macro_rules! step_results {
    ($($variant:ident => $word:literal: $doc:literal,)*) => {
        /// What happened at a node.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum StepResult {
            $(#[doc = $doc] $variant,)*
        }

        impl StepResult {
            /// Every result, in declaration order (index = `self as usize`).
            pub const ALL: &'static [StepResult] = &[$(StepResult::$variant,)*];

            /// The result word of the trace.
            pub fn as_str(self) -> &'static str {
                match self { $(StepResult::$variant => $word,)* }
            }

            /// The result of a trace word (a stored step record read back).
            pub fn parse(word: &str) -> Option<StepResult> {
                match word { $($word => Some(StepResult::$variant),)* _ => None }
            }
        }
    };
}

step_results! {
    Entered => "entered": "The trigger matched and the contact entered.",
    Sent => "sent": "A message was handed to the channel.",
    Delivered => "delivered": "The channel delivered it; the contact moves on `next`.",
    Deferred => "deferred": "Quiet hours: the send waits until they end.",
    Failed => "failed": "A send or webhook did not go through (see the reason).",
    Waiting => "waiting": "The contact waits (timer, reply or event).",
    Continued => "continued": "A wait ended (or its target had passed), or a split chose a variant.",
    Matched => "matched": "A branch condition or `wait_for` branch matched.",
    NoMatch => "no_match": "A branch condition did not hold, or a reply/event matched no branch.",
    Timeout => "timeout": "A `wait_for` timed out.",
    Set => "set": "An update set attributes or consent.",
    Called => "called": "A webhook was called.",
    Succeeded => "succeeded": "A webhook returned success.",
    Exited => "exited": "The contact reached an exit.",
    Left => "left": "An `exit_on` event made the contact leave (or its journey version was archived).",
    Goal => "goal": "The goal event arrived within its window.",
    Ignored => "ignored": "An input that changes nothing (e.g. a trigger while inside, re-entry refused).",
    OptedOut => "opted_out": "A STOP-like reply revoked the channel's consent.",
    OptedIn => "opted_in": "START/UNSTOP restored the channel's consent.",
}

/// One decision, for the trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Step<'a> {
    /// When.
    pub at: Timestamp,
    /// Node index.
    pub node: usize,
    /// Node id.
    pub node_id: &'a str,
    /// Node type.
    pub node_type: &'static str,
    /// What happened.
    pub result: StepResult,
    /// Why a send was stopped or deferred.
    pub reason: Option<Reason>,
    /// The port taken (index into the node's ports, and its name), if the contact moved on.
    pub port: Option<(usize, &'a str)>,
    /// A sentence for people; empty unless [`Effects::wants_detail`].
    pub detail: String,
    /// Template variables that were missing (rendered empty); only when rendering.
    pub missing: Vec<String>,
    /// The key of the enrollment that took the step ([`crate::ContactState::key`]); `None` when
    /// keyless.
    pub key: Option<&'a str>,
}

/// The driver's side: receives effects and steps.
pub trait Effects {
    /// Send this message; answer later with [`Input::Delivery`].
    fn send(&mut self, message: OutgoingMessage<'_>);
    /// Call this webhook; answer later with [`Input::WebhookResult`].
    fn call_webhook(&mut self, call: WebhookCall<'_>);
    /// Deliver [`Input::Timer`] at (or after) `at`.
    fn wake_at(&mut self, at: Timestamp);
    /// Apply this change to the contact's profile (the interpreter already sees it for the rest
    /// of this input).
    fn contact(&mut self, change: ContactChange);
    /// Record a step.
    fn step(&mut self, step: Step<'_>);
    /// Whether to render templates and write `detail` sentences. The path never depends on it.
    fn wants_detail(&self) -> bool;
}
