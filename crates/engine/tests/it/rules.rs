//! The interpreter's rules, one test (or a small table) per rule, on a ManualClock.
//!
//! Each test builds a small journey, feeds inputs at chosen instants and checks the steps and
//! effects that come out. Expected values are written by hand from the rules in issue 3; where
//! the whole trace is the point (the path and its explanations), it is an insta snapshot
//! (`tests/snapshots/rules__*.snap`, one line per step), reviewed against the same rules.

use itinera_engine::{
    Clock, Collector, Contact, ContactState, DeliveryResult, Effect, Input, ManualClock, Program, Status, Step, StepObserver,
    WebhookOutcome, handle,
};
use itinera_model::Journey;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

#[derive(Debug, Clone, PartialEq)]
struct Rec {
    at: String,
    node: String,
    result: &'static str,
    reason: Option<String>,
    port: Option<String>,
    detail: String,
}

/// Every step, as the observer of the engine's collector sees it.
#[derive(Default)]
struct StepLog(Vec<Rec>);

impl StepObserver for StepLog {
    fn observe(&mut self, s: &Step<'_>) {
        self.0.push(Rec {
            at: s.at.to_string(),
            node: s.node_id.to_string(),
            result: s.result.as_str(),
            reason: s.reason.as_ref().map(|r| r.code().to_string()),
            port: s.port.map(|(_, p)| p.to_string()),
            detail: s.detail.clone(),
        });
    }
}

#[derive(Default)]
struct Log {
    steps: Vec<Rec>,
    sent: Vec<(String, String, Option<String>)>,
    webhooks: Vec<(String, Option<String>)>,
    wakes: Vec<Timestamp>,
    /// Idempotency keys of every send and webhook call, in order.
    keys: Vec<String>,
}

/// A contact in a journey, driven by hand.
struct Harness {
    program: Program,
    contact: Contact,
    state: ContactState,
    clock: ManualClock,
    log: Log,
    fx: Collector<StepLog>,
    /// Failure to report for the next delivery/webhook result (None = success).
    fail_next: Option<String>,
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("test timestamp")
}

fn journey(settings: Value, nodes: Value, edges: Value) -> Journey {
    let text = json!({"format": "itinera/journey@1", "id": "j", "name": "J", "settings": settings, "nodes": nodes, "edges": edges});
    Journey::parse(&text.to_string()).expect("test journey parses")
}

fn contact(id: &str, extra: Value) -> Contact {
    let mut c = Contact {
        id: id.into(),
        timezone: None,
        attributes: Map::new(),
        addresses: [("sms", "+1555000"), ("whatsapp", "+1555000"), ("email", "a@example.com")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        consent: [("sms", true), ("whatsapp", true), ("email", true)].into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        last_whatsapp_inbound: None,
    };
    if let Some(tz) = extra.get("timezone").and_then(Value::as_str) {
        c.timezone = Some(tz.to_string());
    }
    if let Some(attrs) = extra.get("attributes").and_then(Value::as_object) {
        c.attributes = attrs.clone();
    }
    if let Some(consent) = extra.get("consent").and_then(Value::as_object) {
        for (k, v) in consent {
            c.consent.insert(k.clone(), v.as_bool().unwrap_or(false));
        }
    }
    if let Some(addresses) = extra.get("no_address").and_then(Value::as_array) {
        for a in addresses {
            c.addresses.remove(a.as_str().unwrap_or_default());
        }
    }
    c
}

impl Harness {
    fn new(journey: &Journey, contact: Contact, start: &str) -> Harness {
        let program = Program::compile(journey).expect("compiles");
        let state = ContactState::new(&program);
        Harness {
            program,
            contact,
            state,
            clock: ManualClock::new(ts(start)),
            log: Log::default(),
            fx: Collector::with_observer(true, StepLog::default()),
            fail_next: None,
        }
    }

    fn at(&mut self, when: &str) -> &mut Self {
        self.clock.set(ts(when));
        self
    }

    fn input(&mut self, input: Input) -> &mut Self {
        let mut next = Some(input);
        while let Some(input) = next.take() {
            let now = self.clock.now();
            handle(&self.program, &self.contact, &mut self.state, input, now, 7, self.fx.at(now)).expect("state matches the program");
            self.log.steps.append(&mut self.fx.observer.0);
            for effect in self.fx.effects.drain(..) {
                match effect {
                    Effect::Send(m) => {
                        self.log.sent.push((m.node, m.channel.as_str().to_string(), m.text));
                        self.log.keys.push(m.key.clone());
                        let result = match self.fail_next.take() {
                            Some(reason) => DeliveryResult::Failed(reason),
                            None => DeliveryResult::Delivered,
                        };
                        next = Some(Input::Delivery { key: m.key, result });
                    }
                    Effect::CallWebhook(c) => {
                        self.log.webhooks.push((c.node, c.url));
                        self.log.keys.push(c.key.clone());
                        let result = match self.fail_next.take() {
                            Some(reason) => WebhookOutcome::Failed(reason),
                            None => WebhookOutcome::Ok,
                        };
                        next = Some(Input::WebhookResult { key: c.key, result });
                    }
                    Effect::WakeAt { at } => self.log.wakes.push(at),
                    Effect::Contact(change) => self.contact.apply(&change),
                }
            }
        }
        self
    }

    fn event(&mut self, name: &str, data: Value) -> &mut Self {
        let data = data.as_object().cloned().unwrap_or_default();
        self.input(Input::Event { name: name.into(), data })
    }

    fn reply(&mut self, channel: &str, text: Option<&str>, button: Option<&str>) -> &mut Self {
        self.input(Input::Reply { channel: channel.into(), text: text.map(Into::into), button: button.map(Into::into) })
    }

    fn timer(&mut self) -> &mut Self {
        self.input(Input::Timer)
    }

    /// Fires every wake-up asked for, earliest first, until none is left.
    fn run_timers(&mut self) -> &mut Self {
        while !self.log.wakes.is_empty() {
            self.log.wakes.sort();
            let at = self.log.wakes.remove(0);
            self.clock.set(at);
            self.timer();
        }
        self
    }

    /// `(node, result, reason, port)` of every step.
    fn path(&self) -> Vec<(String, &'static str, Option<String>, Option<String>)> {
        self.log.steps.iter().map(|s| (s.node.clone(), s.result, s.reason.clone(), s.port.clone())).collect()
    }

    /// Every step so far, one line each: what the snapshots of whole traces hold.
    fn trace(&self) -> String {
        trace(&self.log.steps)
    }

    fn results_at(&self, node: &str) -> Vec<&'static str> {
        self.log.steps.iter().filter(|s| s.node == node).map(|s| s.result).collect()
    }

    fn step_with(&self, node: &str, result: &str) -> &Rec {
        self.log
            .steps
            .iter()
            .find(|s| s.node == node && s.result == result)
            .unwrap_or_else(|| panic!("no {result} step at {node}: {:#?}", self.log.steps))
    }
}

/// Steps as lines: `at  node  result [reason] [→ port]  detail`.
fn trace(steps: &[Rec]) -> String {
    let width = steps.iter().map(|s| s.node.len()).max().unwrap_or(0);
    let lines: Vec<String> = steps
        .iter()
        .map(|s| {
            let reason = s.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
            let port = s.port.as_deref().map(|p| format!(" → {p}")).unwrap_or_default();
            format!("{}  {:<width$}  {}{reason}{port}  {}", s.at, s.node, s.result, s.detail).trim_end().to_string()
        })
        .collect();
    lines.join("\n")
}

fn p(node: &str, result: &'static str, reason: Option<&str>, port: Option<&str>) -> (String, &'static str, Option<String>, Option<String>) {
    (node.to_string(), result, reason.map(Into::into), port.map(Into::into))
}

/// trigger → send(channel, text or template) → exit, `failed` wired to `fallback` (sms) → exit.
fn send_journey(settings: Value, send: Value) -> Journey {
    let mut send = send;
    send["id"] = json!("msg");
    send["type"] = json!("send");
    journey(
        settings,
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            send,
            {"id": "fallback", "type": "send", "channel": "email", "subject": "s", "text": "fallback"},
            {"id": "done", "type": "exit"}
        ]),
        json!([
            {"from": "start", "to": "msg"}, {"from": "msg", "to": "done"}, {"from": "msg", "port": "failed", "to": "fallback"},
            {"from": "fallback", "to": "done"}
        ]),
    )
}

#[test]
fn trigger_enters_only_on_its_event_and_filter() {
    let j = journey(
        json!({}),
        json!([{"id": "start", "type": "trigger", "event": "signup", "filter": {"field": "event.plan", "op": "eq", "value": "pro"}},
               {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "done"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T09:00:00Z");
    h.event("other", json!({"plan": "pro"}));
    assert!(h.log.steps.is_empty(), "an unrelated event changes nothing");
    h.event("signup", json!({"plan": "free"}));
    assert_eq!(h.state.status, Status::NotEntered);
    h.event("signup", json!({"plan": "pro"}));
    assert_eq!(h.state.entries, 1);
    insta::assert_snapshot!(h.trace());
}

#[test]
fn reentry_never_always_and_after() {
    let cases = [
        (json!("never"), vec!["entered", "ignored", "ignored"]),
        (json!("always"), vec!["entered", "entered", "entered"]),
        // after 2d: 1 day later refused, 3 days later allowed.
        (json!({"after": "2d"}), vec!["entered", "ignored", "entered"]),
    ];
    for (reentry, expected) in cases {
        let j = journey(
            json!({"reentry": reentry}),
            json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "done", "type": "exit"}]),
            json!([{"from": "start", "to": "done"}]),
        );
        let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-01T00:00:00Z");
        h.event("go", json!({}));
        h.at("2026-03-02T00:00:00Z").event("go", json!({}));
        h.at("2026-03-04T00:00:00Z").event("go", json!({}));
        assert_eq!(h.results_at("start"), expected, "reentry {reentry}");
    }
}

#[test]
fn a_trigger_while_inside_is_ignored() {
    let j = journey(
        json!({"reentry": "always"}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "pause", "type": "wait", "for": "1d"}, {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "pause"}, {"from": "pause", "to": "done"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-01T00:00:00Z");
    h.event("go", json!({})).at("2026-03-01T12:00:00Z").event("go", json!({}));
    assert_eq!(h.results_at("start"), vec!["entered", "ignored"]);
    assert_eq!(h.state.entries, 1);
}

#[test]
fn send_rules_in_order() {
    let text_wa = json!({"channel": "whatsapp", "text": "Hi {{ contact.first_name }}"});
    let template_wa = json!({"channel": "whatsapp", "template": {"name": "t", "language": "en", "params": []}});
    let sms = json!({"channel": "sms", "text": "Hi"});
    // (send node, contact, expected reason at msg or None when sent)
    let cases = [
        (sms.clone(), json!({"no_address": ["sms"]}), Some("no_address")),
        // No address wins over no consent (rule 1 before rule 2).
        (sms.clone(), json!({"no_address": ["sms"], "consent": {"sms": false}}), Some("no_address")),
        (sms.clone(), json!({"consent": {"sms": false}}), Some("no_consent")),
        // Free-form WhatsApp text without an inbound WhatsApp message: outside the window.
        (text_wa.clone(), json!({}), Some("outside_24h_window")),
        // No consent is checked before the window.
        (text_wa.clone(), json!({"consent": {"whatsapp": false}}), Some("no_consent")),
        // A template is allowed outside the window.
        (template_wa, json!({}), None),
        (sms, json!({}), None),
    ];
    for (send, who, reason) in cases {
        let j = send_journey(json!({}), send.clone());
        let mut h = Harness::new(&j, contact("a", who.clone()), "2026-03-02T12:00:00Z");
        h.event("go", json!({}));
        if let Some(reason) = reason {
            let step = h.step_with("msg", "failed");
            assert_eq!((step.reason.as_deref(), step.port.as_deref()), (Some(reason), Some("failed")), "{send} {who}");
            assert_eq!(h.log.sent.iter().map(|s| s.0.as_str()).collect::<Vec<_>>(), vec!["fallback"], "{send} {who}");
        } else {
            assert_eq!(h.results_at("msg"), vec!["sent", "delivered"], "{send} {who}");
            assert_eq!(h.log.sent.len(), 1);
        }
    }
}

#[test]
fn whatsapp_window_opens_with_an_inbound_message_and_closes_after_24h() {
    let j = send_journey(json!({}), json!({"channel": "whatsapp", "text": "Hi"}));
    for (reply_at, expected) in [("2026-03-01T12:00:01Z", Some("sent")), ("2026-03-01T11:59:59Z", None)] {
        let mut h = Harness::new(&j, contact("a", json!({})), reply_at);
        h.reply("whatsapp", Some("hello"), None);
        h.at("2026-03-02T12:00:00Z").event("go", json!({}));
        let first = h.results_at("msg")[0];
        match expected {
            Some(result) => assert_eq!(first, result, "inbound at {reply_at}"),
            None => assert_eq!(h.step_with("msg", "failed").reason.as_deref(), Some("outside_24h_window")),
        }
    }
}

#[test]
fn a_stopped_send_without_failed_wire_continues_on_next() {
    let j = journey(
        json!({}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "msg", "type": "send", "channel": "sms", "text": "x"},
               {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "msg"}, {"from": "msg", "to": "done"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({"consent": {"sms": false}})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    insta::assert_snapshot!(h.trace());
}

#[test]
fn undeliverable_and_provider_reasons_take_the_failed_branch() {
    let mut traces = Vec::new();
    for reason in ["undeliverable", "carrier_blocked"] {
        let j = send_journey(json!({}), json!({"channel": "sms", "text": "x"}));
        let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
        h.fail_next = Some(reason.to_string());
        h.event("go", json!({}));
        traces.push(format!("{reason}:\n{}", h.trace()));
    }
    insta::assert_snapshot!(traces.join("\n\n"));
}

#[test]
fn frequency_cap_counts_sent_messages_in_the_rolling_window() {
    // Two sends in a row with a cap of 1 per 1d: the second is capped; a day later it is not.
    let j = journey(
        json!({"frequency_cap": {"max": 1, "per": "1d"}, "reentry": "always"}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "one", "type": "send", "channel": "sms", "text": "1"},
               {"id": "two", "type": "send", "channel": "sms", "text": "2"}, {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "one"}, {"from": "one", "to": "two"}, {"from": "two", "to": "done"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    // Exactly one day later the first message left the window ("before now", exclusive).
    h.at("2026-03-03T12:00:00Z").event("go", json!({}));
    // Stopped sends are not counted: only 2 messages went out.
    assert_eq!(h.log.sent.len(), 2);
    insta::assert_snapshot!(h.trace());
}

#[test]
fn undelivered_messages_do_not_count_towards_the_cap() {
    let j = journey(
        json!({"frequency_cap": {"max": 1, "per": "1d"}}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "one", "type": "send", "channel": "sms", "text": "1"},
               {"id": "two", "type": "send", "channel": "sms", "text": "2"}, {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "one"}, {"from": "one", "to": "two"}, {"from": "two", "to": "done"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
    h.fail_next = Some("undeliverable".into());
    h.event("go", json!({}));
    assert_eq!(h.results_at("one"), vec!["sent", "failed"]);
    assert_eq!(h.results_at("two"), vec!["sent", "delivered"]);
}

#[test]
fn quiet_hours_defer_in_the_contacts_zone_and_recheck_on_wake() {
    let settings = json!({"quiet_hours": {"start": "21:00", "end": "08:00"}, "default_timezone": "America/New_York"});
    let j = send_journey(settings, json!({"channel": "sms", "text": "Hi"}));
    // 22:30 UTC is 22:30 in Lisbon (WET, March): quiet until 08:00 local = 08:00 UTC next day.
    let mut h = Harness::new(&j, contact("a", json!({"timezone": "Europe/Lisbon"})), "2026-03-02T22:30:00Z");
    h.event("go", json!({}));
    assert_eq!(h.log.wakes, vec![ts("2026-03-03T08:00:00Z")]);
    assert!(h.log.sent.is_empty());
    // A stale timer before the end changes nothing.
    h.at("2026-03-03T07:00:00Z").timer();
    assert!(h.log.sent.is_empty());
    // Consent revoked while deferred: the rules are checked again on wake.
    h.contact.consent.insert("sms".into(), false);
    h.at("2026-03-03T08:00:00Z").timer();
    insta::assert_snapshot!("quiet_hours_in_the_contacts_zone", h.trace());

    // Without a zone the journey's default zone applies: 12:00 UTC is 07:00 in New York (EST).
    let mut h = Harness::new(&j, contact("b", json!({})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    h.run_timers();
    insta::assert_snapshot!("quiet_hours_in_the_journeys_default_zone", h.trace());
    // Outside quiet hours in UTC terms is irrelevant: 20:00 UTC is 15:00 in New York, sent at once.
    let mut h = Harness::new(&j, contact("c", json!({})), "2026-03-02T20:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.results_at("msg")[0], "sent");
}

#[test]
fn quiet_hours_within_one_day() {
    // start < end: 12:00–14:00 is quiet; 13:00 defers to 14:00 the same day.
    let j = send_journey(json!({"quiet_hours": {"start": "12:00", "end": "14:00"}}), json!({"channel": "sms", "text": "x"}));
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T13:00:00Z");
    h.event("go", json!({})).run_timers();
    assert_eq!(h.step_with("msg", "sent").at, "2026-03-02T14:00:00Z");
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T14:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.step_with("msg", "sent").at, "2026-03-02T14:00:00Z", "the end is not quiet");
}

#[test]
fn stop_revokes_and_start_restores_consent_on_that_channel_only() {
    let j = send_journey(json!({"reentry": "always"}), json!({"channel": "sms", "text": "x"}));
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
    for (word, sms_consent) in [("stop", false), ("Start", true), (" UNSUBSCRIBE ", false), ("unstop", true), ("quit", false)] {
        h.reply("sms", Some(word), None);
        assert_eq!(h.contact.consent.get("sms"), Some(&sms_consent), "{word}");
        assert_eq!(h.contact.consent.get("whatsapp"), Some(&true), "{word} touches only sms");
    }
    // Not a single word: not an opt-out.
    h.reply("sms", Some("please start"), None);
    assert_eq!(h.contact.consent.get("sms"), Some(&false));
    h.reply("whatsapp", Some("STOPALL"), None);
    assert_eq!(h.contact.consent.get("whatsapp"), Some(&false));
    // Email replies never opt out.
    h.reply("email", Some("stop"), None);
    assert_eq!(h.contact.consent.get("email"), Some(&true));
    h.event("go", json!({}));
    assert_eq!(h.step_with("msg", "failed").reason.as_deref(), Some("no_consent"));
}

#[test]
fn waits_for_until_and_local_time() {
    let wait_journey = |wait: Value| {
        let mut wait = wait;
        wait["id"] = json!("pause");
        wait["type"] = json!("wait");
        journey(
            json!({"default_timezone": "Asia/Tokyo"}),
            json!([{"id": "start", "type": "trigger", "event": "go"}, wait, {"id": "done", "type": "exit"}]),
            json!([{"from": "start", "to": "pause"}, {"from": "pause", "to": "done"}]),
        )
    };
    // (wait, event data, expected wake or None when it continues at once)
    let cases = [
        (json!({"for": "1h30m"}), json!({}), Some("2026-03-02T10:30:00Z")),
        (
            json!({"until": {"field": "event.starts_at", "offset": "-24h"}}),
            json!({"starts_at": "2026-03-05T15:00:00Z"}),
            Some("2026-03-04T15:00:00Z"),
        ),
        (json!({"until": {"field": "event.starts_at", "offset": "-24h"}}), json!({"starts_at": "2026-03-03T08:00:00Z"}), None),
        (json!({"until": {"field": "event.starts_at"}}), json!({}), None),
        (json!({"until": {"field": "event.starts_at"}}), json!({"starts_at": "tomorrow"}), None),
        // 09:00 UTC is 18:00 in Tokyo; next 09:00 Tokyo is 00:00 UTC on the 3rd.
        (json!({"until_local_time": "09:00"}), json!({}), Some("2026-03-03T00:00:00Z")),
        (json!({"until_local_time": "19:00"}), json!({}), Some("2026-03-02T10:00:00Z")),
    ];
    for (wait, data, wake) in cases {
        let j = wait_journey(wait.clone());
        let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T09:00:00Z");
        h.event("go", data.clone());
        if let Some(at) = wake {
            assert_eq!(h.log.wakes, vec![ts(at)], "{wait} {data}");
            assert_eq!(h.results_at("pause"), vec!["waiting"]);
            h.run_timers();
            assert_eq!(h.results_at("pause"), vec!["waiting", "continued"]);
            assert_eq!(h.step_with("done", "exited").at, at);
        } else {
            assert!(h.log.wakes.is_empty(), "{wait} {data}");
            assert_eq!(h.path()[1..], [p("pause", "continued", None, Some("next")), p("done", "exited", None, None)], "{wait} {data}");
        }
    }
}

fn reply_journey() -> Journey {
    journey(
        json!({}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "ask", "type": "wait_for", "reply": {"channel": "sms"}, "timeout": "4h", "branches": [
                {"port": "yes", "button": "confirm", "keywords": ["yes", "ok", "sounds good"]},
                {"port": "rich", "where": {"field": "event.text", "op": "contains", "value": "€"}},
                {"port": "other", "where": {"field": "contact.tier", "op": "eq", "value": "gold"}}
            ]},
            {"id": "y", "type": "exit"}, {"id": "r", "type": "exit"}, {"id": "o", "type": "exit"}, {"id": "t", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "ask"}, {"from": "ask", "port": "yes", "to": "y"}, {"from": "ask", "port": "rich", "to": "r"},
               {"from": "ask", "port": "other", "to": "o"}, {"from": "ask", "port": "timeout", "to": "t"}]),
    )
}

#[test]
fn wait_for_reply_branches_in_order() {
    // (reply text, button, contact tier, expected exit or None = still waiting)
    let cases = [
        (Some("Yes please"), None, "silver", Some("y")),
        (Some("OK!"), None, "silver", Some("y")),
        (Some("that sounds  good to me"), None, "silver", Some("y")),
        (Some("yesterday was fine"), None, "silver", None),
        (None, Some("confirm"), "silver", Some("y")),
        (Some("20 € is fine"), None, "silver", Some("r")),
        (Some("maybe"), None, "gold", Some("o")),
        (Some("maybe"), None, "silver", None),
        // The branch order decides: "yes" matches the first branch even for a gold contact.
        (Some("yes"), None, "gold", Some("y")),
    ];
    for (text, button, tier, expected) in cases {
        let mut h = Harness::new(&reply_journey(), contact("a", json!({"attributes": {"tier": tier}})), "2026-03-02T09:00:00Z");
        h.event("go", json!({"x": 1}));
        h.at("2026-03-02T10:00:00Z").reply("sms", text, button);
        if let Some(exit) = expected {
            assert_eq!(h.state.node().map(|n| h.program.nodes[n].id.as_str()), Some(exit), "{text:?} {button:?} {tier}");
            // The reply joins the event data; the trigger's data stays.
            assert_eq!(h.state.event.get("x"), Some(&json!(1)));
            assert_eq!(h.state.event.get("channel"), Some(&json!("sms")));
            assert_eq!(h.state.event.get("text").and_then(Value::as_str), text);
            assert_eq!(h.state.event.get("button").and_then(Value::as_str), button);
        } else {
            assert_eq!(h.results_at("ask"), vec!["waiting", "no_match"], "{text:?}");
            assert!(matches!(h.state.status, Status::Waiting { .. }));
        }
    }
}

#[test]
fn wait_for_times_out_and_ignores_other_channels() {
    let mut h = Harness::new(&reply_journey(), contact("a", json!({})), "2026-03-02T09:00:00Z");
    h.event("go", json!({}));
    h.at("2026-03-02T10:00:00Z").reply("whatsapp", Some("yes"), None);
    assert_eq!(h.results_at("ask"), vec!["waiting", "ignored"]);
    h.run_timers();
    assert_eq!(h.path().last(), Some(&p("t", "exited", None, None)));
    assert_eq!(h.step_with("ask", "timeout").at, "2026-03-02T13:00:00Z");
    assert_eq!(h.step_with("ask", "timeout").port.as_deref(), Some("timeout"));
    // A reply after the timeout changes nothing.
    h.at("2026-03-02T14:00:00Z").reply("sms", Some("yes"), None);
    assert_eq!(h.path().last(), Some(&p("t", "exited", None, None)));
}

#[test]
fn wait_for_event_with_where_replaces_the_event_data() {
    let j = journey(
        json!({}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "paid", "type": "wait_for", "event": "payment", "timeout": "1d", "branches": [
                {"port": "big", "where": {"field": "event.amount", "op": "gte", "value": 100}}, {"port": "small", "any": true}]},
            {"id": "b", "type": "exit"}, {"id": "s", "type": "exit"}, {"id": "t", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "paid"}, {"from": "paid", "port": "big", "to": "b"}, {"from": "paid", "port": "small", "to": "s"},
               {"from": "paid", "port": "timeout", "to": "t"}]),
    );
    for (amount, exit) in [(150, "b"), (20, "s")] {
        let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T09:00:00Z");
        h.event("go", json!({"from": "trigger"})).at("2026-03-02T10:00:00Z").event("payment", json!({"amount": amount}));
        assert_eq!(h.path().last(), Some(&p(exit, "exited", None, None)));
        assert_eq!(h.state.event, json!({"amount": amount}).as_object().cloned().unwrap_or_default());
        assert_eq!(h.state.event_name.as_deref(), Some("payment"));
    }
}

#[test]
fn branch_update_and_split() {
    let j = journey(
        json!({}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "vip", "type": "branch", "condition": {"field": "contact.tier", "op": "eq", "value": "gold"}},
            {"id": "mark", "type": "update", "set": {"tier": "gold", "score": 3}, "consent": {"email": false}},
            {"id": "ab", "type": "split", "variants": [{"port": "a", "percent": 30}, {"port": "b", "percent": 70}]},
            {"id": "ea", "type": "exit"}, {"id": "eb", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "vip"}, {"from": "vip", "port": "yes", "to": "ab"}, {"from": "vip", "port": "no", "to": "mark"},
               {"from": "mark", "to": "ab"}, {"from": "ab", "port": "a", "to": "ea"}, {"from": "ab", "port": "b", "to": "eb"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({"attributes": {"tier": "silver"}})), "2026-03-02T09:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.contact.attributes.get("tier"), Some(&json!("gold")));
    assert_eq!(h.contact.attributes.get("score"), Some(&json!(3)));
    assert_eq!(h.contact.consent.get("email"), Some(&false));
    insta::assert_snapshot!(h.trace());

    // The split follows split_roll: variant a when the roll is below 30. Over many contacts the
    // shares approach 30/70, and the same contact always gets the same variant.
    let program = Program::compile(&j).expect("compiles");
    let mut a = 0;
    for i in 0..2000 {
        let id = format!("c{i}");
        let roll = itinera_engine::split_roll(7, "j", &id, "ab", 1);
        let mut h = Harness::new(&j, contact(&id, json!({"attributes": {"tier": "gold"}})), "2026-03-02T09:00:00Z");
        h.event("go", json!({}));
        let exit = h.state.node().map(|n| program.nodes[n].id.clone());
        assert_eq!(exit.as_deref(), Some(if roll < 30.0 { "ea" } else { "eb" }));
        if roll < 30.0 {
            a += 1;
        }
    }
    assert!((500..700).contains(&a), "variant a share {a}/2000 should be near 30%");
}

#[test]
fn split_roll_is_stable() {
    // Pinned values: a change of the hash or generator would re-split existing journeys.
    let first = itinera_engine::split_roll(42, "appointment-reminder", "ana", "ab", 1);
    assert_eq!(first, itinera_engine::split_roll(42, "appointment-reminder", "ana", "ab", 1));
    assert_ne!(first, itinera_engine::split_roll(42, "appointment-reminder", "ana", "ab", 2), "re-entry rolls again");
    assert_ne!(first, itinera_engine::split_roll(43, "appointment-reminder", "ana", "ab", 1), "the seed matters");
    assert!((0.0..100.0).contains(&first));
}

#[test]
fn webhooks_call_and_follow_failed() {
    let j = journey(
        json!({"quiet_hours": {"start": "00:00", "end": "23:59"}}),
        json!([
            {"id": "start", "type": "trigger", "event": "go"},
            {"id": "hook", "type": "webhook", "url": "https://x.example/{{ contact.id }}", "body": "{{ event.n }}"},
            {"id": "ok", "type": "exit"}, {"id": "bad", "type": "exit"}
        ]),
        json!([{"from": "start", "to": "hook"}, {"from": "hook", "to": "ok"}, {"from": "hook", "port": "failed", "to": "bad"}]),
    );
    let mut h = Harness::new(&j, contact("ana", json!({})), "2026-03-02T09:00:00Z");
    h.event("go", json!({"n": 1}));
    // Webhooks are not subject to quiet hours.
    assert_eq!(h.log.webhooks, vec![("hook".to_string(), Some("https://x.example/ana".to_string()))]);
    assert_eq!(h.path().last(), Some(&p("ok", "exited", None, None)));
    let mut h = Harness::new(&j, contact("ana", json!({})), "2026-03-02T09:00:00Z");
    h.fail_next = Some("http_500".into());
    h.event("go", json!({}));
    assert_eq!(h.step_with("hook", "failed").reason.as_deref(), Some("http_500"));
    assert_eq!(h.path().last(), Some(&p("bad", "exited", None, None)));
}

fn lifecycle_journey() -> Journey {
    journey(
        json!({"exit_on": ["cancelled"], "goal": {"event": "bought", "within": "2d"}}),
        json!([{"id": "start", "type": "trigger", "event": "go"}, {"id": "pause", "type": "wait", "for": "1d"},
               {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "pause"}, {"from": "pause", "to": "done"}]),
    )
}

#[test]
fn exit_on_leaves_from_a_waiting_point() {
    let mut h = Harness::new(&lifecycle_journey(), contact("a", json!({})), "2026-03-02T09:00:00Z");
    h.event("go", json!({})).at("2026-03-02T10:00:00Z").event("cancelled", json!({}));
    assert_eq!(h.state.status, Status::Done { outcome: itinera_engine::Outcome::Left, node: 1 });
    assert_eq!(h.path().last(), Some(&p("pause", "left", None, None)));
    // The wait's timer fires later and changes nothing.
    h.run_timers();
    assert_eq!(h.path().last(), Some(&p("pause", "left", None, None)));
}

#[test]
fn goal_within_the_window_ends_the_journey() {
    let mut h = Harness::new(&lifecycle_journey(), contact("a", json!({})), "2026-03-02T09:00:00Z");
    h.event("go", json!({})).at("2026-03-02T12:00:00Z").event("bought", json!({}));
    assert_eq!(h.path().last(), Some(&p("pause", "goal", None, None)));
    // After exiting, a goal within the window still counts as a conversion.
    let mut h = Harness::new(&lifecycle_journey(), contact("b", json!({})), "2026-03-02T09:00:00Z");
    h.event("go", json!({})).run_timers();
    h.at("2026-03-04T09:00:00Z").event("bought", json!({}));
    assert_eq!(h.path().last(), Some(&p("done", "goal", None, None)));
    // Outside the window it does not.
    let mut h = Harness::new(&lifecycle_journey(), contact("c", json!({})), "2026-03-02T09:00:00Z");
    h.event("go", json!({})).run_timers();
    h.at("2026-03-04T09:00:01Z").event("bought", json!({}));
    assert_eq!(h.path().last(), Some(&p("done", "exited", None, None)));
}

#[test]
fn missing_template_variables_render_empty_and_are_reported() {
    let j = send_journey(json!({}), json!({"channel": "sms", "text": "Hi {{ contact.first_name }}, {{ event.place }}"}));
    let mut h = Harness::new(&j, contact("a", json!({"attributes": {"first_name": "Ana"}})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.log.sent[0].2.as_deref(), Some("Hi Ana, "));
    assert_eq!(h.step_with("msg", "sent").detail, "SMS sent: 'Hi Ana,' (missing: event.place)");
}

#[test]
fn contact_state_round_trips_through_json() {
    let mut h = Harness::new(&reply_journey(), contact("a", json!({"timezone": "Europe/Lisbon"})), "2026-03-02T09:00:00Z");
    h.event("go", json!({"k": "v"}));
    let text = serde_json::to_string(&h.state).expect("serializes");
    let back: ContactState = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, h.state);
    // A restored state continues exactly as the original would.
    let mut restored = Harness::new(&reply_journey(), h.contact.clone(), "2026-03-02T10:00:00Z");
    restored.state = back;
    restored.reply("sms", Some("yes"), None);
    assert_eq!(restored.path().last(), Some(&p("y", "exited", None, None)));
}

#[test]
fn clock_drives_time_not_the_wall() {
    let clock = ManualClock::new(ts("2030-01-01T00:00:00Z"));
    clock.advance(SignedDuration::from_mins(5));
    assert_eq!(clock.now(), ts("2030-01-01T00:05:00Z"));
}

#[test]
fn a_state_pointing_past_the_journey_is_refused_and_left_alone() {
    let mut h = Harness::new(&lifecycle_journey(), contact("a", json!({})), "2026-03-02T09:00:00Z");
    let deadline = ts("2026-03-02T09:01:00Z");
    let waiting = itinera_engine::Waiting::Delivery { attempt: 1, deadline };
    h.state.status = Status::Waiting { node: 99, since: ts("2026-03-02T09:00:00Z"), waiting };
    h.state.node_id = Some("gone".into());
    let before = h.state.clone();
    let now = h.clock.now();
    for input in [Input::Timer, Input::Event { name: "cancelled".into(), data: Map::new() }] {
        let refused = handle(&h.program, &h.contact, &mut h.state, input, now, 7, &mut h.fx);
        assert_eq!(refused, Err(itinera_engine::StateError::NodeMismatch { index: 99, node: "gone".into() }));
    }
    assert!(h.fx.observer.0.is_empty() && h.fx.effects.is_empty());
    assert_eq!(h.state, before);
}

#[test]
fn transactional_sends_skip_quiet_hours_and_the_cap_but_never_consent() {
    let settings = json!({"quiet_hours": {"start": "21:00", "end": "08:00"}, "frequency_cap": {"max": 1, "per": "1d"}});
    // Booked at 22:00 in Lisbon: a promotion waits until 08:00, a booking confirmation goes now.
    let j = send_journey(settings.clone(), json!({"channel": "sms", "text": "Booked", "transactional": true}));
    let mut h = Harness::new(&j, contact("a", json!({"timezone": "Europe/Lisbon"})), "2026-03-02T22:00:00Z");
    h.event("go", json!({}));
    let sent = h.step_with("msg", "sent").clone();
    assert_eq!(sent.at, "2026-03-02T22:00:00Z");
    assert_eq!(sent.detail, "SMS sent: 'Booked' (transactional: quiet hours do not apply)");
    let promo = send_journey(settings.clone(), json!({"channel": "sms", "text": "Sale"}));
    let mut h = Harness::new(&promo, contact("a", json!({"timezone": "Europe/Lisbon"})), "2026-03-02T22:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.results_at("msg"), vec!["deferred"]);
    // Outside quiet hours nothing is said.
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.step_with("msg", "sent").detail, "SMS sent: 'Booked'");

    // The cap: a promotion that reached the cap does not stop a transactional send, and a
    // transactional send does not count toward it.
    let j = journey(
        json!({"frequency_cap": {"max": 1, "per": "1d"}}),
        json!([{"id": "start", "type": "trigger", "event": "go"},
               {"id": "receipt", "type": "send", "channel": "sms", "text": "r", "transactional": true},
               {"id": "promo", "type": "send", "channel": "sms", "text": "p"},
               {"id": "receipt2", "type": "send", "channel": "sms", "text": "r2", "transactional": true},
               {"id": "promo2", "type": "send", "channel": "sms", "text": "p2"},
               {"id": "done", "type": "exit"}]),
        json!([{"from": "start", "to": "receipt"}, {"from": "receipt", "to": "promo"}, {"from": "promo", "to": "receipt2"},
               {"from": "receipt2", "to": "promo2"}, {"from": "promo2", "to": "done"}]),
    );
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.results_at("receipt"), vec!["sent", "delivered"]);
    assert_eq!(h.results_at("promo"), vec!["sent", "delivered"], "the receipt did not count");
    assert_eq!(h.step_with("receipt2", "sent").detail, "SMS sent: 'r2' (transactional: the frequency cap does not apply)");
    assert_eq!(h.step_with("promo2", "failed").reason.as_deref(), Some("frequency_capped"));

    // Never consent, never the WhatsApp window.
    let j = send_journey(settings.clone(), json!({"channel": "sms", "text": "Booked", "transactional": true}));
    let mut h = Harness::new(&j, contact("a", json!({"consent": {"sms": false}})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.step_with("msg", "failed").reason.as_deref(), Some("no_consent"));
    let j = send_journey(json!({}), json!({"channel": "whatsapp", "text": "Booked", "transactional": true}));
    let mut h = Harness::new(&j, contact("a", json!({})), "2026-03-02T12:00:00Z");
    h.event("go", json!({}));
    assert_eq!(h.step_with("msg", "failed").reason.as_deref(), Some("outside_24h_window"));
}

#[test]
fn transactional_must_be_a_boolean() {
    let j = send_journey(json!({}), json!({"channel": "sms", "text": "x", "transactional": "yes"}));
    let report = itinera_engine::validate(&j);
    assert!(!report.valid);
    let d = report.diagnostics.iter().find(|d| d.field.as_deref() == Some("transactional")).expect("names the field");
    assert_eq!((d.code, d.node.as_deref()), (itinera_model::Code::InvalidConfig, Some("msg")));
    assert_eq!(d.message, "`transactional`: must be true or false, not \"yes\"");
    let j = send_journey(json!({}), json!({"channel": "sms", "text": "x", "transactional": false}));
    assert!(itinera_engine::validate(&j).valid);
}
