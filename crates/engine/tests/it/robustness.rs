//! The interpreter never panics, whatever a journey or a contact holds: arbitrary text in
//! templates, field paths, operands, durations, clock times, time zones, replies and event
//! data either fails to compile with an error or runs.

use itinera_engine::{Collector, Contact, ContactState, DeliveryResult, Effect, Input, Program, WebhookOutcome, handle};
use itinera_model::Journey;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use serde_json::{Value, json};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        Just("{{ contact.first_name }} 🎉 {{ event.x.y }}".to_string()),
        Just("{% if contact.vip %}é{% endif %}".to_string()),
        Just("{{ contact.".to_string()),
        Just("-24h".to_string()),
        Just("25:99".to_string()),
        Just("09:00".to_string()),
        Just("Mars/Olympus_Mons".to_string()),
        Just("2026-03-02T09:00:00Z".to_string()),
        Just("STOP".to_string()),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(Value::Null),
        Just(json!([1, "a"]))
    ]
}

/// Mostly a valid setting (so that most journeys compile and run), sometimes anything.
fn mostly(valid: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![9 => prop::sample::select(valid).prop_map(str::to_string), 1 => text()]
}

prop_compose! {
    fn journey()(t in prop::collection::vec(text(), 12), v in prop::collection::vec(value(), 4),
                 quiet in mostly(&["21:00", "00:00", "12:30"]), per in mostly(&["1d", "2h"]), zone in mostly(&["UTC", "Asia/Kolkata"]),
                 within in mostly(&["14d", "1h"]), offset in mostly(&["-24h", "+1h30m"]), local in mostly(&["09:00", "23:59"]))
                 -> String {
        json!({
            "format": "itinera/journey@1", "id": t[0],
            "settings": {"quiet_hours": {"start": quiet, "end": "08:00"}, "frequency_cap": {"max": 1, "per": per},
                         "default_timezone": zone, "goal": {"event": "g", "within": within}, "exit_on": [t[1]]},
            "nodes": [
                {"id": "start", "type": "trigger", "event": "go", "filter": {"field": format!("event.{}", t[5]), "op": "ne", "value": v[0]}},
                {"id": "msg", "type": "send", "channel": "whatsapp", "text": t[6], "buttons": [{"id": "b", "title": "B"}]},
                {"id": "pause", "type": "wait", "until": {"field": format!("contact.{}", t[7]), "offset": offset}},
                {"id": "local", "type": "wait", "until_local_time": local},
                {"id": "ask", "type": "wait_for", "reply": {"channel": "whatsapp"}, "timeout": "1h",
                 "branches": [{"port": "k", "keywords": [t[10]]}, {"port": "w", "where": {"field": "event.text", "op": "gt", "value": v[1]}}]},
                {"id": "hook", "type": "webhook", "url": t[11], "body": t[6]},
                {"id": "up", "type": "update", "set": {"a": v[2]}},
                {"id": "ab", "type": "split", "variants": [{"port": "p", "percent": 50}, {"port": "q", "percent": 50}]},
                {"id": "c", "type": "branch", "condition": {"field": "contact.a", "op": "within_next", "value": "1d"}},
                {"id": "done", "type": "exit"}
            ],
            "edges": [
                {"from": "start", "to": "msg"}, {"from": "msg", "to": "pause"}, {"from": "pause", "to": "local"},
                {"from": "local", "to": "ask"}, {"from": "ask", "port": "k", "to": "hook"}, {"from": "ask", "port": "w", "to": "hook"},
                {"from": "ask", "port": "timeout", "to": "up"}, {"from": "hook", "to": "up"}, {"from": "up", "to": "ab"},
                {"from": "ab", "port": "p", "to": "c"}, {"from": "ab", "port": "q", "to": "c"},
                {"from": "c", "port": "yes", "to": "done"}, {"from": "c", "port": "no", "to": "done"}
            ]
        }).to_string()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(source in journey(), zone in text(), attrs in prop::collection::vec((text(), value()), 0..4),
                    data in prop::collection::vec((text(), value()), 0..4), reply in text(), detail in any::<bool>()) {
        let Ok(journey) = Journey::parse(&source) else { return Ok(()) };
        let Ok(program) = Program::compile(&journey) else { return Ok(()) };
        let mut contact = Contact { id: "c".into(), timezone: Some(zone), ..Contact::default() };
        contact.attributes = attrs.into_iter().collect();
        contact.addresses.insert("whatsapp".into(), "+1".into());
        contact.consent.insert("whatsapp".into(), true);
        let mut state = ContactState::new(&program);
        let mut fx = Collector::new(detail);
        let (mut pending, mut wakes, mut steps): (Vec<Input>, Vec<Timestamp>, usize) = (Vec::new(), Vec::new(), 0);
        let mut now: Timestamp = "2026-03-02T09:00:00Z".parse().expect("timestamp");
        let data = data.into_iter().collect();
        let mut inputs = vec![
            Input::Reply { channel: "whatsapp".into(), text: Some(reply.clone()), button: None },
            Input::Event { name: "go".into(), data },
        ];
        for _ in 0..40 {
            let input = match (pending.pop(), inputs.pop()) {
                (Some(pending), _) => pending,
                (None, Some(input)) => input,
                (None, None) => {
                    let Some(at) = wakes.iter().min().copied() else { break };
                    wakes.retain(|w| *w != at);
                    now = now.max(at);
                    if steps.is_multiple_of(3) {
                        inputs.push(Input::Reply { channel: "whatsapp".into(), text: Some(reply.clone()), button: Some("b".into()) });
                    }
                    Input::Timer
                }
            };
            handle(&program, &contact, &mut state, input, now, 1, fx.at(now)).expect("state matches the program");
            steps += 1;
            for effect in fx.effects.drain(..) {
                match effect {
                    Effect::Send(m) => pending.push(Input::Delivery { key: m.key, result: DeliveryResult::Delivered }),
                    Effect::CallWebhook(c) => pending.push(Input::WebhookResult { key: c.key, result: WebhookOutcome::Failed("x".into()) }),
                    Effect::WakeAt { at } => wakes.push(at),
                    Effect::Contact(change) => contact.apply(&change),
                }
            }
            // The state survives a round trip through its stored form, checked against the program.
            let stored = serde_json::to_string(&state).expect("state serializes");
            state = ContactState::load(&stored, &program).expect("a stored state loads with its program");
            now = now.saturating_add(SignedDuration::from_mins(1)).unwrap_or(now);
        }
    }
}

#[test]
fn the_generator_mostly_makes_runnable_journeys() {
    // Guards the property above against testing only compile errors.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let runnable = (0..200)
        .filter(|_| {
            let source = journey().new_tree(&mut runner).expect("generates").current();
            Journey::parse(&source).ok().is_some_and(|j| Program::compile(&j).is_ok())
        })
        .count();
    eprintln!("{runnable}/200 generated journeys compile");
    assert!(runnable >= 60, "only {runnable}/200 generated journeys compile");
}
