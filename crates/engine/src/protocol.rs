//! The interpreter's protocol as owned, serialisable values: what one input produces
//! ([`Effect`]s and [`StepRecord`]s), collected by [`Collector`], the one [`Effects`]
//! implementation every driver uses (the simulator, the engine's tests, the durable engine).
//!
//! A driver's loop is: `handle(program, &contact, &mut state, input, now, seed, &mut collector)`,
//! then for each collected effect: apply [`Effect::Contact`] changes to the contact record, hand
//! [`Effect::Send`] / [`Effect::CallWebhook`] to a channel (which answers later with
//! [`Input::Delivery`] / [`Input::WebhookResult`] carrying the effect's key), and schedule an
//! [`Input::Timer`] for [`Effect::WakeAt`]. The steps are the trace, in the shape of the
//! simulation report.
//!
//! [`Input::Delivery`]: crate::Input::Delivery
//! [`Input::WebhookResult`]: crate::Input::WebhookResult
//! [`Input::Timer`]: crate::Input::Timer

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::effects::{Effects, OutgoingMessage, Step, WebhookCall};
use crate::program::Channel;
use crate::state::ContactChange;

/// One thing the driver must do, as owned data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Send a message; answer with `Input::Delivery { key, .. }` (none by `deadline` counts as
    /// delivered).
    Send(Message),
    /// Call a webhook; answer with `Input::WebhookResult { key, .. }`.
    CallWebhook(WebhookRequest),
    /// Deliver `Input::Timer` at (or after) `at`.
    WakeAt {
        /// When.
        at: Timestamp,
    },
    /// Apply this change to the contact's profile (every journey of the contact sees it).
    Contact(ContactChange),
}

/// A message to send, owned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Idempotency key.
    pub key: String,
    /// The send node's id.
    pub node: String,
    /// The send node's index.
    pub node_index: usize,
    /// Channel.
    pub channel: Channel,
    /// The contact's address on it.
    pub to: String,
    /// Rendered text (only when the collector renders detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Rendered email subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// WhatsApp template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<MessageTemplate>,
    /// Quick-reply buttons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// When it was handed over.
    pub at: Timestamp,
    /// When no delivery result counts as delivered.
    pub deadline: Timestamp,
}

/// A WhatsApp template as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageTemplate {
    /// Template name.
    pub name: String,
    /// Language.
    pub language: String,
    /// Rendered parameters.
    pub params: Vec<String>,
}

/// A quick-reply button.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "SentButton"))]
pub struct Button {
    /// Button id (what a tap replies with).
    pub id: String,
    /// Title shown.
    pub title: String,
}

/// A webhook call, owned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookRequest {
    /// Idempotency key.
    pub key: String,
    /// The webhook node's id.
    pub node: String,
    /// The webhook node's index.
    pub node_index: usize,
    /// HTTP method.
    pub method: String,
    /// Rendered URL (only when the collector renders detail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Headers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Rendered body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// When it was called.
    pub at: Timestamp,
}

/// One step of a contact's trace: exactly a step of the simulation report (`--json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepRecord {
    /// When (UTC, RFC 3339).
    #[cfg_attr(feature = "ts", ts(as = "String"))]
    pub at: Timestamp,
    /// Node id.
    pub node: String,
    /// Node type.
    #[serde(rename = "type")]
    pub node_type: String,
    /// The key of the enrollment that took the step, in a journey whose trigger has a `key`;
    /// absent for a keyless enrollment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub key: Option<String>,
    /// Result word (`sent`, `deferred`, `matched`, ...).
    pub result: String,
    /// Reason code when a send was stopped or deferred.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reason: Option<String>,
    /// Port taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub port: Option<String>,
    /// Plain-words sentence.
    pub detail: String,
    /// Template variables that rendered empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
}

impl From<Step<'_>> for StepRecord {
    fn from(step: Step<'_>) -> StepRecord {
        StepRecord {
            at: step.at,
            node: step.node_id.to_string(),
            node_type: step.node_type.to_string(),
            key: step.key.map(str::to_string),
            result: step.result.as_str().to_string(),
            reason: step.reason.map(|r| r.code().to_string()),
            port: step.port.map(|(_, name)| name.to_string()),
            detail: step.detail,
            missing: step.missing,
        }
    }
}

/// Sees every step before the collector keeps (or drops) it: how a driver counts without
/// allocating a record per step. `()` observes nothing.
pub trait StepObserver {
    /// One step.
    fn observe(&mut self, step: &Step<'_>);
}

impl StepObserver for () {
    fn observe(&mut self, _: &Step<'_>) {}
}

/// Collects what the interpreter emits as owned values.
#[derive(Debug)]
pub struct Collector<O: StepObserver = ()> {
    /// Effects, in the order emitted; a driver drains them after each input.
    pub effects: Vec<Effect>,
    /// Steps kept, in order (only with detail, at most `step_limit`).
    pub steps: Vec<StepRecord>,
    /// Render templates and write sentences, and keep steps.
    pub detail: bool,
    /// The most steps kept; past it [`Collector::truncated`] is set and steps are dropped.
    pub step_limit: usize,
    /// Some step was dropped ([`Collector::step_limit`]).
    pub truncated: bool,
    /// Sees every step.
    pub observer: O,
    now: Timestamp,
}

impl Collector<()> {
    /// A collector that renders and keeps every step when `detail`.
    pub fn new(detail: bool) -> Collector<()> {
        Collector::with_observer(detail, ())
    }
}

impl<O: StepObserver> Collector<O> {
    /// A collector whose steps `observer` also sees.
    pub fn with_observer(detail: bool, observer: O) -> Collector<O> {
        Collector {
            effects: Vec::new(),
            steps: Vec::new(),
            detail,
            step_limit: usize::MAX,
            truncated: false,
            observer,
            now: Timestamp::UNIX_EPOCH,
        }
    }

    /// Sets the time effects are stamped with (call before each `handle`; `handle`'s steps carry
    /// their own time).
    pub fn at(&mut self, now: Timestamp) -> &mut Self {
        self.now = now;
        self
    }
}

impl<O: StepObserver> Effects for Collector<O> {
    fn send(&mut self, m: OutgoingMessage<'_>) {
        self.effects.push(Effect::Send(Message {
            key: m.key,
            node: m.node_id.to_string(),
            node_index: m.node,
            channel: m.channel,
            to: m.to.to_string(),
            text: m.text,
            subject: m.subject,
            template: m.template.map(|(name, language, params)| MessageTemplate {
                name: name.to_string(),
                language: language.to_string(),
                params,
            }),
            buttons: m.buttons.iter().map(|(id, title)| Button { id: id.clone(), title: title.clone() }).collect(),
            at: self.now,
            deadline: m.deadline,
        }));
    }

    fn call_webhook(&mut self, call: WebhookCall<'_>) {
        self.effects.push(Effect::CallWebhook(WebhookRequest {
            key: call.key,
            node: call.node_id.to_string(),
            node_index: call.node,
            method: call.method.to_string(),
            url: call.url,
            headers: call.headers.to_vec(),
            body: call.body,
            at: self.now,
        }));
    }

    fn wake_at(&mut self, at: Timestamp) {
        self.effects.push(Effect::WakeAt { at });
    }

    fn contact(&mut self, change: ContactChange) {
        self.effects.push(Effect::Contact(change));
    }

    fn step(&mut self, step: Step<'_>) {
        self.observer.observe(&step);
        if !self.detail {
            return;
        }
        if self.steps.len() >= self.step_limit {
            self.truncated = true;
        } else {
            self.steps.push(step.into());
        }
    }

    fn wants_detail(&self) -> bool {
        self.detail
    }
}
