//! The durable engine's input files (`contacts import`, `events push` lines) from anywhere:
//! parsing must answer an error naming the line or succeed, never panic; what it accepts is
//! applied by the engine (batches, dispatch answered delivered) without a panic or an
//! inconsistent store (every pending count drains).
#![no_main]

use itinera_runtime::core::{Attempt, Engine};
use itinera_runtime::intake::{self, PublishOptions};
use itinera_store::Store;
use libfuzzer_sys::fuzz_target;

const JOURNEY: &str = r#"{"format": "itinera/journey@1", "id": "f", "name": "f",
  "settings": {"exit_on": ["stop"], "reentry": "always", "goal": {"event": "won"}},
  "nodes": [
    {"id": "t", "type": "trigger", "event": "go"},
    {"id": "s", "type": "send", "channel": "sms", "text": "Hi {{ contact.name }} {{ event.x }}"},
    {"id": "w", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1h"},
    {"id": "e", "type": "exit"}],
  "edges": [{"from": "t", "to": "s"}, {"from": "s", "to": "w"}, {"from": "w", "port": "timeout", "to": "e"}, {"from": "w", "to": "e"}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (contacts, inputs) = text.split_once("\n--\n").unwrap_or((text, text));
    let now: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let mut store = Store::open_in_memory().unwrap();
    intake::publish(&mut store, JOURNEY, &PublishOptions::default(), now).unwrap();
    let _ = intake::import_contacts(&mut store, "contacts.jsonl", contacts, now);
    let Ok(parsed) = intake::parse_inputs("events.jsonl", inputs) else { return };
    intake::push_inputs(&mut store, &parsed, now).unwrap();
    let mut engine = Engine::new(store);
    let end: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    for _ in 0..64 {
        let applied = engine.apply_due(end, 256).unwrap();
        let due = engine.due_outbox(end, 256).unwrap();
        let answers: Vec<_> = due.into_iter().map(|row| (row, Attempt::Done(Ok(())))).collect();
        let n = answers.len();
        engine.record_attempts(&answers, now).unwrap();
        if applied.inputs == 0 && applied.deferred == 0 && n == 0 {
            let (inbox, _timers, outbox) = engine.pending().unwrap();
            // Inputs dated after the end may wait; nothing due may be left behind.
            assert!(engine.next_due().unwrap().is_none_or(|t| t > end), "due work left: {inbox} inputs, {outbox} outbox rows");
            return;
        }
    }
});
