//! The interpreter's protocol: owned effects and inputs, idempotency keys, delivery deadlines,
//! versioned states checked against their program, and a profile that belongs to the contact
//! (changes come out as effects, so a STOP in one journey stops sends in every journey).

use itinera_engine::{
    Collector, Contact, ContactChange, ContactState, DeliveryResult, Effect, Input, Message, PrepareError, Program, STATE_SCHEMA,
    StateError, Status, StepRecord, Waiting, WebhookOutcome, handle, idempotency_key,
};
use itinera_model::{Code, Journey};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

fn journey(id: &str, settings: Value, nodes: Value, edges: Value) -> Journey {
    let text = json!({"format": "itinera/journey@1", "id": id, "name": id, "settings": settings, "nodes": nodes, "edges": edges});
    Journey::parse(&text.to_string()).expect("test journey parses")
}

fn ana() -> Contact {
    Contact {
        id: "ana".into(),
        addresses: [("sms", "+1555000"), ("email", "a@example.com")].into_iter().map(|(k, v)| (k.into(), v.into())).collect(),
        consent: [("sms", true), ("email", true)].into_iter().map(|(k, v)| (k.into(), v)).collect(),
        ..Contact::default()
    }
}

/// trigger → sms → exit (re-entry always).
fn one_sms(settings: Value) -> Journey {
    let mut settings = settings;
    settings["reentry"] = json!("always");
    journey(
        "remind",
        settings,
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "msg", "type": "send", "channel": "sms", "text": "Hi"},
            {"id": "done", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "msg"}, {"from": "msg", "to": "done"}]),
    )
}

/// One contact in one journey, effects applied by hand: sends are answered only when asked.
struct Run {
    program: Program,
    state: ContactState,
    fx: Collector,
    steps: Vec<StepRecord>,
    sent: Vec<Message>,
    wakes: Vec<Timestamp>,
}

impl Run {
    fn new(journey: &Journey) -> Run {
        let program = Program::prepare(journey).expect("valid");
        let state = ContactState::new(&program);
        Run { program, state, fx: Collector::new(true), steps: Vec::new(), sent: Vec::new(), wakes: Vec::new() }
    }

    fn input(&mut self, contact: &mut Contact, input: Input, at: &str) -> &mut Run {
        let now = ts(at);
        handle(&self.program, contact, &mut self.state, input, now, 1, self.fx.at(now)).expect("state matches");
        self.steps.append(&mut self.fx.steps);
        for effect in self.fx.effects.drain(..) {
            match effect {
                Effect::Send(m) => self.sent.push(m),
                Effect::WakeAt { at } => self.wakes.push(at),
                Effect::Contact(change) => contact.apply(&change),
                Effect::CallWebhook(_) => {}
            }
        }
        self
    }

    fn go(&mut self, contact: &mut Contact, at: &str) -> &mut Run {
        self.input(contact, Input::Event { name: "go".into(), data: Map::new() }, at)
    }

    fn results(&self) -> Vec<(String, String, Option<String>)> {
        self.steps.iter().map(|s| (s.node.clone(), s.result.clone(), s.reason.clone())).collect()
    }
}

fn r(node: &str, result: &str) -> (String, String, Option<String>) {
    (node.into(), result.into(), None)
}

#[test]
fn keys_are_deterministic_per_journey_version_contact_entry_node_and_attempt() {
    assert_eq!(idempotency_key("remind", 3, "ana", 2, "msg", 1), "remind:v3:ana:2:msg:1");
    // Separators inside ids are escaped, so distinct parts never collide.
    assert_eq!(idempotency_key("a:b", 1, "c%d", 1, "e:f", 1), "a%3Ab:v1:c%25d:1:e%3Af:1");
    assert_ne!(idempotency_key("a", 1, "b:1", 1, "n", 1), idempotency_key("a", 1, "b", 1, "1:n", 1));
    let program = Program::prepare(&one_sms(json!({}))).expect("valid").with_version(4);
    assert_eq!(program.idempotency_key("ana", 1, 1, 1), "remind:v4:ana:1:msg:1");
    // The interpreter checks a key without building it: exactly the keys that are equal.
    for (contact, entry, attempt) in [("ana", 1, 1), ("a:n%a", 12, 3), ("", 0, 0), ("ünï", u32::MAX, 10)] {
        let key = program.idempotency_key(contact, entry, 1, attempt);
        assert!(program.is_key(&key, contact, entry, 1, attempt), "{key}");
        for other in [format!("{key}0"), key[..key.len() - 1].to_string(), key.replace(":v4:", ":v5:"), key.replace("msg", "msh")] {
            assert!(!program.is_key(&other, contact, entry, 1, attempt), "{other} is not {key}");
        }
        assert!(!program.is_key(&key, contact, entry.wrapping_add(1), 1, attempt));
        assert!(!program.is_key(&key, contact, entry, 2, attempt));
    }
    assert!(!program.is_key("remind:v4:a:na:1:msg:1", "a:na", 1, 1, 1), "an unescaped separator is not the key");
    let mut contact = ana();
    let mut run = Run::new(&one_sms(json!({})));
    run.program = Program::prepare(&one_sms(json!({}))).expect("valid").with_version(4);
    run.state = ContactState::new(&run.program);
    run.go(&mut contact, "2026-03-02T09:00:00Z");
    assert_eq!(run.sent[0].key, "remind:v4:ana:1:msg:1");
    assert_eq!(run.sent[0].deadline, ts("2026-03-02T09:01:00Z"));
}

#[test]
fn no_result_by_the_deadline_counts_as_delivered() {
    let mut contact = ana();
    let mut run = Run::new(&one_sms(json!({"channels": {"sms": {"delivery_deadline": "5m"}}})));
    run.go(&mut contact, "2026-03-02T09:00:00Z");
    assert_eq!(run.wakes, vec![ts("2026-03-02T09:05:00Z")]);
    assert!(matches!(run.state.status, Status::Waiting { waiting: Waiting::Delivery { .. }, .. }));
    // Too early: still waiting.
    run.input(&mut contact, Input::Timer, "2026-03-02T09:04:59Z");
    assert!(matches!(run.state.status, Status::Waiting { waiting: Waiting::Delivery { .. }, .. }));
    run.input(&mut contact, Input::Timer, "2026-03-02T09:05:00Z");
    assert_eq!(run.results(), vec![r("start", "entered"), r("msg", "sent"), r("msg", "delivered"), r("done", "exited")]);
    assert_eq!(run.steps[2].at, ts("2026-03-02T09:05:00Z"));
    assert_eq!(run.steps[2].detail, "SMS: no delivery result by 2026-03-02 09:05 UTC → counted as delivered");
    assert_eq!(run.state.sent_at, vec![ts("2026-03-02T09:05:00Z")], "it counts towards the frequency cap");
}

#[test]
fn a_late_receipt_from_an_earlier_entry_does_not_move_the_contact() {
    let mut contact = ana();
    let mut run = Run::new(&one_sms(json!({})));
    // Entry 1: the receipt is lost; the deadline moves the contact on.
    run.go(&mut contact, "2026-03-02T09:00:00Z").input(&mut contact, Input::Timer, "2026-03-02T09:01:00Z");
    assert!(matches!(run.state.status, Status::Done { .. }));
    // Entry 2 waits for its own receipt.
    run.go(&mut contact, "2026-03-02T10:00:00Z");
    let (first, second) = (run.sent[0].key.clone(), run.sent[1].key.clone());
    assert_eq!((first.as_str(), second.as_str()), ("remind:v1:ana:1:msg:1", "remind:v1:ana:2:msg:1"));
    run.steps.clear();
    // The late receipt of entry 1 says failed: ignored.
    run.input(&mut contact, Input::Delivery { key: first, result: DeliveryResult::Failed("undeliverable".into()) }, "2026-03-02T10:00:10Z");
    assert_eq!(run.results(), vec![r("msg", "ignored")]);
    assert!(matches!(run.state.status, Status::Waiting { waiting: Waiting::Delivery { .. }, .. }));
    // A webhook result is not a delivery result either.
    run.input(&mut contact, Input::WebhookResult { key: second.clone(), result: WebhookOutcome::Ok }, "2026-03-02T10:00:11Z");
    assert!(matches!(run.state.status, Status::Waiting { waiting: Waiting::Delivery { .. }, .. }));
    // Its own receipt moves it.
    run.input(&mut contact, Input::Delivery { key: second.clone(), result: DeliveryResult::Delivered }, "2026-03-02T10:00:20Z");
    assert_eq!(run.results()[2..], [r("msg", "delivered"), r("done", "exited")]);
    // A duplicate of it afterwards changes nothing.
    let before = run.state.clone();
    run.steps.clear();
    run.input(&mut contact, Input::Delivery { key: second, result: DeliveryResult::Failed("x".into()) }, "2026-03-02T10:00:30Z");
    assert_eq!(run.state, before);
    assert!(run.steps.is_empty(), "not waiting: nothing to say");
}

#[test]
fn a_stop_in_one_journey_stops_sends_in_every_journey() {
    // Journey A asks a question; journey B sends an SMS an hour after entry.
    let a = journey(
        "survey",
        json!({}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "ask", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "1d"},
            {"id": "done", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "ask"}, {"from": "ask", "to": "done"}, {"from": "ask", "port": "timeout", "to": "done"}]),
    );
    let b = journey(
        "promo",
        json!({}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "pause", "type": "wait", "for": "1h"},
            {"id": "msg", "type": "send", "channel": "sms", "text": "Sale!"},
            {"id": "done", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "pause"}, {"from": "pause", "to": "msg"}, {"from": "msg", "to": "done"}]),
    );
    let mut contact = ana();
    let (mut in_a, mut in_b) = (Run::new(&a), Run::new(&b));
    in_a.go(&mut contact, "2026-03-02T09:00:00Z");
    in_b.go(&mut contact, "2026-03-02T09:00:00Z");
    // STOP arrives while the contact waits in A; the change comes out as an effect.
    let stop = Input::Reply { channel: "sms".into(), text: Some("stop".into()), button: None };
    let before = contact.clone();
    let now = ts("2026-03-02T09:30:00Z");
    handle(&in_a.program, &before, &mut in_a.state, stop, now, 1, in_a.fx.at(now)).expect("state matches");
    assert_eq!(in_a.fx.effects, vec![Effect::Contact(ContactChange::Consent { channel: "sms".into(), granted: false })]);
    assert_eq!(in_a.fx.steps.last().map(|s| s.result.as_str()), Some("opted_out"));
    assert_eq!(before.consent.get("sms"), Some(&true), "the interpreter never writes the profile it is given");
    for effect in in_a.fx.effects.drain(..) {
        if let Effect::Contact(change) = effect {
            contact.apply(&change);
        }
    }
    // B's wait ends: the send is stopped for lack of consent.
    in_b.input(&mut contact, Input::Timer, "2026-03-02T10:00:00Z");
    assert!(in_b.sent.is_empty());
    assert_eq!(in_b.results().last(), Some(&r("done", "exited")));
    assert!(in_b.results().contains(&("msg".into(), "failed".into(), Some("no_consent".into()))));
}

#[test]
fn an_update_comes_out_as_a_contact_change_and_is_seen_by_the_rest_of_the_pass() {
    let j = journey(
        "vip",
        json!({}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "up", "type": "update", "set": {"tier": "gold"}, "consent": {"email": false}},
            {"id": "gold", "type": "branch", "condition": {"field": "contact.tier", "op": "eq", "value": "gold"}},
            {"id": "mail", "type": "send", "channel": "email", "subject": "s", "text": "t"},
            {"id": "done", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "up"}, {"from": "up", "to": "gold"}, {"from": "gold", "port": "yes", "to": "mail"},
               {"from": "gold", "port": "no", "to": "done"}, {"from": "mail", "to": "done"}, {"from": "mail", "port": "failed", "to": "done"}]),
    );
    let mut contact = ana();
    let mut run = Run::new(&j);
    run.go(&mut contact, "2026-03-02T09:00:00Z");
    assert!(run.results().contains(&r("gold", "matched")), "{:?}", run.results());
    assert!(run.results().contains(&("mail".into(), "failed".into(), Some("no_consent".into()))));
    assert_eq!(contact.attributes.get("tier"), Some(&json!("gold")));
    assert_eq!(contact.consent.get("email"), Some(&false));
}

#[test]
fn a_stored_state_is_checked_against_the_program_it_is_loaded_with() {
    let j = one_sms(json!({}));
    let mut contact = ana();
    let mut run = Run::new(&j);
    run.go(&mut contact, "2026-03-02T09:00:00Z");
    let stored = serde_json::to_value(&run.state).expect("serializes");
    assert_eq!(stored["schema"], json!(STATE_SCHEMA));
    assert_eq!((stored["journey"].clone(), stored["version"].clone()), (json!("remind"), json!(1)));
    assert_eq!((stored["status"]["node"].clone(), stored["node_id"].clone()), (json!(1), json!("msg")));
    let text = stored.to_string();
    assert_eq!(ContactState::load(&text, &run.program).expect("loads"), run.state);
    // Another version of the journey.
    let v2 = Program::prepare(&j).expect("valid").with_version(2);
    assert!(matches!(ContactState::load(&text, &v2), Err(StateError::OtherJourney { found_version: 1, expected_version: 2, .. })));
    // Same version number, but the node at that index is another one.
    let moved = journey(
        "remind",
        json!({"reentry": "always"}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "other", "type": "send", "channel": "sms", "text": "Hi"},
            {"id": "done", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "other"}, {"from": "other", "to": "done"}]),
    );
    let moved = Program::prepare(&moved).expect("valid");
    let err = ContactState::load(&text, &moved).expect_err("refused");
    assert_eq!(err, StateError::NodeMismatch { index: 1, node: "msg".into() });
    assert!(err.to_string().contains("`msg`"), "{err}");
    // And handle refuses it rather than running it.
    let mut state: ContactState = serde_json::from_str(&text).expect("reads");
    let now = ts("2026-03-02T09:01:00Z");
    assert!(handle(&moved, &contact, &mut state, Input::Timer, now, 1, &mut Collector::new(false)).is_err());
    // Another schema, or no schema at all.
    let mut old = stored.clone();
    old.as_object_mut().expect("object").remove("schema");
    assert_eq!(ContactState::load(&old.to_string(), &run.program), Err(StateError::Schema { found: 0, expected: STATE_SCHEMA }));
    assert!(matches!(ContactState::load("[1]", &run.program), Err(StateError::Unreadable(_))));
}

#[test]
fn inputs_and_effects_are_serialisable_values() {
    let inputs = vec![
        Input::Event { name: "go".into(), data: json!({"x": 1}).as_object().cloned().unwrap_or_default() },
        Input::Reply { channel: "sms".into(), text: Some("yes".into()), button: None },
        Input::Timer,
        Input::Delivery { key: "j:v1:a:1:n:1".into(), result: DeliveryResult::Failed("undeliverable".into()) },
        Input::WebhookResult { key: "j:v1:a:1:h:1".into(), result: WebhookOutcome::Ok },
    ];
    let text = serde_json::to_string(&inputs).expect("serializes");
    assert_eq!(serde_json::from_str::<Vec<Input>>(&text).expect("deserializes"), inputs);
    let wire = serde_json::to_value(&inputs[3]).expect("serializes");
    assert_eq!(wire, json!({"input": "delivery", "key": "j:v1:a:1:n:1", "result": {"failed": "undeliverable"}}));

    let mut contact = ana();
    let mut run = Run::new(&one_sms(json!({})));
    run.go(&mut contact, "2026-03-02T09:00:00Z");
    let effect = Effect::Send(run.sent[0].clone());
    let wire = serde_json::to_value(&effect).expect("serializes");
    assert_eq!(wire["effect"], json!("send"));
    assert_eq!(wire["channel"], json!("sms"));
    assert_eq!(wire["text"], json!("Hi"));
    assert_eq!(serde_json::from_value::<Effect>(wire).expect("deserializes"), effect);
}

#[test]
fn prepare_validates_then_compiles() {
    let bad = journey(
        "bad",
        json!({"channels": {"sms": {"delivery_deadline": "0s"}, "pigeon": {}}}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "done"}]),
    );
    let Err(PrepareError::Invalid(diagnostics)) = Program::prepare(&bad) else { panic!("refused") };
    let fields: Vec<_> = diagnostics.iter().filter(|d| d.code == Code::InvalidConfig).filter_map(|d| d.field.clone()).collect();
    assert_eq!(fields, vec!["settings.channels.pigeon".to_string(), "settings.channels.sms.delivery_deadline".to_string()]);
    let good = journey(
        "good",
        json!({"channels": {"email": {"delivery_deadline": "2h"}}}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "done"}]),
    );
    let program = Program::prepare(&good).expect("valid");
    assert_eq!(program.settings.delivery_deadline, [60, 60, 7200]);
}
