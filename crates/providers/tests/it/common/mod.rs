//! Helpers of the provider tests: an outbox row and its effect, as the dispatcher hands them.
#![allow(dead_code)]

use itinera_engine::{Button, Channel as Ch, Effect, Message, MessageTemplate};
use itinera_store::OutboxItem;
use jiff::Timestamp;

pub fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

pub fn message(channel: Ch, to: &str) -> Message {
    Message {
        key: "j:v1:ana:1:send:1".into(),
        node: "send".into(),
        node_index: 1,
        channel,
        to: to.into(),
        text: Some("Hi Ana".into()),
        subject: None,
        template: None,
        buttons: Vec::new(),
        at: t0(),
        deadline: t0(),
    }
}

pub fn template(name: &str, language: &str, params: &[&str]) -> Option<MessageTemplate> {
    Some(MessageTemplate {
        name: name.into(),
        language: language.into(),
        params: params.iter().map(std::string::ToString::to_string).collect(),
    })
}

pub fn buttons(pairs: &[(&str, &str)]) -> Vec<Button> {
    pairs.iter().map(|(id, title)| Button { id: id.to_string(), title: title.to_string() }).collect()
}

pub fn row(message: &Message, attempts: u32) -> (OutboxItem, Effect) {
    let effect = Effect::Send(message.clone());
    let row = OutboxItem {
        seq: 1,
        key: message.key.clone(),
        enrollment: 1,
        journey: "j".into(),
        version: 1,
        contact: "ana".into(),
        channel: message.channel.as_str().into(),
        node: message.node.clone(),
        created_at: message.at,
        effect: serde_json::to_string(&effect).unwrap(),
        attempts,
    };
    (row, effect)
}

/// A config text's environment: every `NAME` answers `value-of-NAME`.
pub fn env(name: &str) -> Option<String> {
    Some(format!("value-of-{name}"))
}
