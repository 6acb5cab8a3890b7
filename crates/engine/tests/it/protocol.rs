//! The interpreter's protocol: owned effects and inputs, idempotency keys, delivery deadlines,
//! versioned states checked against their program, and a profile that belongs to the contact
//! (changes come out as effects, so a STOP in one journey stops sends in every journey).

use itinera_engine::{
    Collector, Contact, ContactChange, ContactState, DeliveryResult, Effect, Input, Message, PrepareError, Program, Route, STATE_SCHEMA,
    StateError, Status, StepRecord, Waiting, WebhookOutcome, handle, idempotency_key, keyed_idempotency_key,
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

    /// Every step, one line each (`at  node  result [reason] [→ port]  detail`), for snapshots.
    fn trace(&self) -> String {
        let lines: Vec<String> = self
            .steps
            .iter()
            .map(|s| {
                let reason = s.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
                let port = s.port.as_deref().map(|p| format!(" → {p}")).unwrap_or_default();
                format!("{}  {:<5}  {}{reason}{port}  {}", s.at, s.node, s.result, s.detail).trim_end().to_string()
            })
            .collect();
        lines.join("\n")
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
    assert_eq!(program.idempotency_key("ana", None, 1, 1, 1), "remind:v4:ana:1:msg:1");
    // An enrollment with a key adds a `k=` segment, escaped like the ids.
    assert_eq!(program.idempotency_key("ana", Some("A-1"), 1, 1, 1), "remind:v4:ana:k=A-1:1:msg:1");
    assert_eq!(keyed_idempotency_key("r", 1, "ana", Some("a:b%"), 2, "m", 1), "r:v1:ana:k=a%3Ab%25:2:m:1");
    assert_eq!(keyed_idempotency_key("r", 1, "ana", None, 2, "m", 1), idempotency_key("r", 1, "ana", 2, "m", 1));
    assert_ne!(keyed_idempotency_key("r", 1, "ana", Some(""), 2, "m", 1), idempotency_key("r", 1, "ana", 2, "m", 1));
    // The interpreter checks a key without building it: exactly the keys that are equal.
    let cases = [("ana", None, 1, 1), ("a:n%a", None, 12, 3), ("", None, 0, 0), ("ünï", None, u32::MAX, 10)];
    let keyed = [("ana", Some("A"), 1, 1), ("a:n%a", Some("k:1%"), 12, 3), ("", Some(""), 0, 0), ("ünï", Some("ü"), 7, 1)];
    for (contact, entry_key, entry, attempt) in cases.into_iter().chain(keyed) {
        let key = program.idempotency_key(contact, entry_key, entry, 1, attempt);
        assert!(program.is_key(&key, contact, entry_key, entry, 1, attempt), "{key}");
        for other in [format!("{key}0"), key[..key.len() - 1].to_string(), key.replace(":v4:", ":v5:"), key.replace("msg", "msh")] {
            assert!(!program.is_key(&other, contact, entry_key, entry, 1, attempt), "{other} is not {key}");
        }
        assert!(!program.is_key(&key, contact, entry_key, entry.wrapping_add(1), 1, attempt));
        assert!(!program.is_key(&key, contact, entry_key, entry, 2, attempt));
        let other_key = if entry_key.is_some() { None } else { Some("1") };
        assert!(!program.is_key(&key, contact, other_key, entry, 1, attempt), "{key} is not for key {other_key:?}");
        if let Some(k) = entry_key {
            assert!(!program.is_key(&key, contact, Some(&format!("{k}x")), entry, 1, attempt));
        }
    }
    assert!(!program.is_key("remind:v4:a:na:1:msg:1", "a:na", None, 1, 1, 1), "an unescaped separator is not the key");
    assert!(!program.is_key("remind:v4:ana:k=a:b:1:msg:1", "ana", Some("a:b"), 1, 1, 1), "nor in a key");
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
    assert_eq!(run.state.sent_at, vec![ts("2026-03-02T09:05:00Z")], "it counts towards the frequency cap");
    insta::assert_snapshot!(run.trace());
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

/// trigger (keyed on `event.appointment_id`) → sms → wait 1d → sms → exit; `cancelled` leaves.
fn clinic(reentry: &str) -> Journey {
    journey(
        "clinic",
        json!({"reentry": reentry, "exit_on": ["cancelled"]}),
        json!([
            {"id": "start", "type": "trigger", "event": "booked", "key": "event.appointment_id"},
            {"id": "confirm", "type": "send", "channel": "sms", "text": "Booked {{ event.appointment_id }}"},
            {"id": "pause", "type": "wait", "for": "1d"},
            {"id": "remind", "type": "send", "channel": "sms", "text": "Tomorrow: {{ event.appointment_id }}"},
            {"id": "done", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "confirm"}, {"from": "confirm", "to": "pause"}, {"from": "pause", "to": "remind"},
               {"from": "remind", "to": "done"}]),
    )
}

fn data(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

#[test]
fn the_key_of_an_event_and_its_route() {
    let program = Program::prepare(&clinic("never")).expect("valid");
    assert_eq!(program.key_field.as_ref().map(|f| f.text.as_str()), Some("event.appointment_id"));
    assert_eq!(program.entry_key(&data(json!({"appointment_id": "A"}))), Some("A".to_string()));
    assert_eq!(program.entry_key(&data(json!({"appointment_id": 42}))), Some("42".to_string()));
    assert_eq!(program.entry_key(&data(json!({"appointment_id": 1.5}))), Some("1.5".to_string()));
    assert_eq!(program.entry_key(&data(json!({"appointment_id": true}))), Some("true".to_string()));
    for none in [json!({}), json!({"appointment_id": null}), json!({"appointment_id": [1]}), json!({"appointment_id": {"a": 1}})] {
        assert_eq!(program.entry_key(&data(none.clone())), None, "{none}");
    }
    let booked_a = program.route_event("booked", &data(json!({"appointment_id": "A"})));
    assert_eq!(booked_a, Route::Key { key: "A".into(), enters: true });
    assert!(booked_a.reaches(Some("A")) && !booked_a.reaches(Some("B")) && !booked_a.reaches(None));
    assert_eq!(booked_a.key(), Some("A"));
    let cancelled = program.route_event("cancelled", &data(json!({})));
    assert_eq!(cancelled, Route::All { enters: false });
    assert!(cancelled.reaches(Some("A")) && cancelled.reaches(None) && !cancelled.enters());
    // A nested key field.
    let mut nested = clinic("never");
    if let itinera_model::NodeKind::Trigger(t) = &mut nested.nodes[0].kind {
        t.key = Some("event.order.id".into());
    }
    let program = Program::prepare(&nested).expect("valid");
    assert_eq!(program.entry_key(&data(json!({"order": {"id": "o-1"}}))), Some("o-1".to_string()));
    // A journey without a key routes every event to every enrollment (its one).
    let keyless = Program::prepare(&one_sms(json!({}))).expect("valid");
    assert_eq!(keyless.key_field, None);
    assert_eq!(keyless.route_event("go", &data(json!({"appointment_id": "A"}))), Route::All { enters: true });
}

#[test]
fn a_keyed_enrollment_takes_only_the_events_about_it() {
    let program = Program::prepare(&clinic("never")).expect("valid");
    let contact = ana();
    let mut a = ContactState::new_keyed(&program, Some("A".into()));
    let mut fx = Collector::new(true);
    let feed = |state: &mut ContactState, input: Input, at: &str, fx: &mut Collector| {
        let now = ts(at);
        handle(&program, &contact, state, input, now, 1, fx.at(now)).expect("state matches");
        let steps: Vec<(String, String, Option<String>)> = fx.steps.drain(..).map(|s| (s.node, s.result, s.key)).collect();
        let keys: Vec<String> = fx
            .effects
            .drain(..)
            .filter_map(|e| match e {
                Effect::Send(m) => Some(m.key),
                _ => None,
            })
            .collect();
        (steps, keys)
    };
    let booked = |id: &str| Input::Event { name: "booked".into(), data: data(json!({"appointment_id": id})) };
    let (steps, keys) = feed(&mut a, booked("A"), "2026-03-02T09:00:00Z", &mut fx);
    assert_eq!(steps[0], ("start".into(), "entered".into(), Some("A".into())), "every step names the key");
    assert!(steps.iter().all(|s| s.2.as_deref() == Some("A")));
    assert_eq!(keys, vec!["clinic:v1:ana:k=A:1:confirm:1".to_string()]);
    let delivered = Input::Delivery { key: keys[0].clone(), result: DeliveryResult::Delivered };
    feed(&mut a, delivered, "2026-03-02T09:00:00Z", &mut fx);
    assert!(matches!(a.status, Status::Waiting { waiting: Waiting::Timer { .. }, .. }));
    // Events about another appointment, or a keyless booking, change nothing and say nothing.
    let before = a.clone();
    for input in [
        booked("B"),
        Input::Event { name: "cancelled".into(), data: data(json!({"appointment_id": "B"})) },
        Input::Event { name: "booked".into(), data: data(json!({})) },
    ] {
        let (steps, _) = feed(&mut a, input, "2026-03-02T10:00:00Z", &mut fx);
        assert!(steps.is_empty(), "{steps:?}");
        assert_eq!(a, before);
    }
    // Its own booking again: ignored, it is inside.
    let (steps, _) = feed(&mut a, booked("A"), "2026-03-02T10:00:00Z", &mut fx);
    assert_eq!(steps, vec![("start".into(), "ignored".into(), Some("A".into()))]);
    // A cancellation without the key field reaches it.
    let (steps, _) = feed(&mut a, Input::Event { name: "cancelled".into(), data: data(json!({})) }, "2026-03-02T11:00:00Z", &mut fx);
    assert_eq!(steps, vec![("pause".into(), "left".into(), Some("A".into()))]);
    assert!(!a.is_inside());
    // Finished, it only hears the trigger (and a goal) event: another changes nothing.
    assert!(program.moves_outside("booked") && !program.moves_outside("cancelled"));
    let before = a.clone();
    let (steps, keys) = feed(&mut a, Input::Event { name: "cancelled".into(), data: data(json!({})) }, "2026-03-02T12:00:00Z", &mut fx);
    assert!(steps.is_empty() && keys.is_empty() && a == before);
    // Re-entry `never` holds per key: A again is refused...
    let (steps, _) = feed(&mut a, booked("A"), "2026-03-03T09:00:00Z", &mut fx);
    assert_eq!(steps, vec![("start".into(), "ignored".into(), Some("A".into()))]);
    // ...while a keyless enrollment is not entered by a keyed booking, only by a keyless one.
    let mut keyless = ContactState::new(&program);
    let (steps, _) = feed(&mut keyless, booked("A"), "2026-03-03T09:00:00Z", &mut fx);
    assert!(steps.is_empty() && keyless.status == Status::NotEntered);
    let (steps, keys) = feed(&mut keyless, Input::Event { name: "booked".into(), data: data(json!({})) }, "2026-03-03T09:00:00Z", &mut fx);
    assert_eq!(steps[0], ("start".into(), "entered".into(), None));
    assert_eq!(keys, vec!["clinic:v1:ana:1:confirm:1".to_string()], "the keyless enrollment's keys are the usual ones");
    // The stored state names its key; a keyless one is stored as before.
    let stored = serde_json::to_value(&a).expect("serializes");
    assert_eq!(stored["key"], json!("A"));
    assert_eq!(ContactState::load(&stored.to_string(), &program).expect("loads"), a);
    assert!(serde_json::to_value(&keyless).expect("serializes").get("key").is_none());
}

#[test]
fn splits_roll_apart_per_key() {
    let keyless = itinera_engine::split_roll(7, "j", "ana", "ab", 1);
    assert_eq!(itinera_engine::split_roll_keyed(7, "j", "ana", None, "ab", 1), keyless);
    let a = itinera_engine::split_roll_keyed(7, "j", "ana", Some("A"), "ab", 1);
    let b = itinera_engine::split_roll_keyed(7, "j", "ana", Some("B"), "ab", 1);
    assert!(a != keyless && a != b && (0.0..100.0).contains(&a));
}
