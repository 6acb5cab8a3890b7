//! Templates at their bounds, as the interpreter and validation see them: a send or webhook
//! whose template cannot render within its bounds, or whose message is longer than its channel
//! takes, fails with `template_error` before anything is sent, on `failed` when wired, with or
//! without detail; validation names the node and field of every template that cannot compile.

use itinera_engine::DeliveryResult;
use itinera_engine::{
    Collector, Contact, ContactState, Effect, Input, Program, Step, StepObserver, WebhookOutcome, check_source, handle, validate,
};
use itinera_model::{Code, Journey};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// A step as recorded: node, result, reason, port, detail.
type Rec = (String, &'static str, Option<String>, Option<String>, String);

/// Every step, with or without detail.
#[derive(Default)]
struct Steps(Vec<Rec>);

impl StepObserver for Steps {
    fn observe(&mut self, s: &Step<'_>) {
        self.0.push((
            s.node_id.to_string(),
            s.result.as_str(),
            s.reason.as_ref().map(|r| r.code().to_string()),
            s.port.map(|p| p.1.to_string()),
            s.detail.clone(),
        ));
    }
}

#[derive(Default)]
struct Log {
    steps: Vec<Rec>,
    sent: Vec<(String, Option<String>)>,
    webhooks: Vec<Option<String>>,
}

fn journey(send: Value) -> Journey {
    let text = json!({
        "format": "itinera/journey@1", "id": "j", "name": "J",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "signed_up"},
            send,
            {"id": "done", "type": "exit"},
            {"id": "oops", "type": "exit"}
        ],
        "edges": [
            {"from": "start", "to": "msg"},
            {"from": "msg", "to": "done"},
            {"from": "msg", "port": "failed", "to": "oops"}
        ]
    });
    Journey::parse(&text.to_string()).expect("test journey parses")
}

fn contact(attributes: Value) -> Contact {
    Contact {
        id: "ana".into(),
        timezone: None,
        attributes: attributes.as_object().cloned().unwrap_or_default(),
        addresses: [("sms", "+1555000"), ("whatsapp", "+1555000"), ("email", "a@example.com")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        consent: [("sms", true), ("whatsapp", true), ("email", true)].into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        last_whatsapp_inbound: None,
    }
}

/// Runs one contact through the journey, answering every send and webhook with success;
/// returns the log.
fn run(journey: &Journey, contact: Contact, detail: bool) -> Log {
    let program = Program::compile(journey).expect("compiles");
    let mut state = ContactState::new(&program);
    let mut fx = Collector::with_observer(detail, Steps::default());
    let mut log = Log::default();
    let now: Timestamp = "2026-03-02T09:00:00Z".parse().expect("time");
    let mut next = Some(Input::Event { name: "signed_up".into(), data: Map::new() });
    while let Some(input) = next.take() {
        handle(&program, &contact, &mut state, input, now, 1, fx.at(now)).expect("state matches the program");
        for effect in fx.effects.drain(..) {
            match effect {
                Effect::Send(m) => {
                    log.sent.push((m.node, m.text));
                    next = Some(Input::Delivery { key: m.key, result: DeliveryResult::Delivered });
                }
                Effect::CallWebhook(c) => {
                    log.webhooks.push(c.url);
                    next = Some(Input::WebhookResult { key: c.key, result: WebhookOutcome::Ok });
                }
                Effect::WakeAt { .. } | Effect::Contact(_) => {}
            }
        }
    }
    log.steps = std::mem::take(&mut fx.observer.0);
    log
}

fn failure(log: &Log) -> Option<&Rec> {
    log.steps.iter().find(|s| s.0 == "msg" && s.1 == "failed")
}

#[test]
fn a_send_whose_template_hits_a_bound_fails_with_template_error_on_failed() {
    let cases = [
        // (A range written with numbers that is too long is refused when the journey is validated.)
        ("{% for i in (1..contact.n) %}x{% endfor %}", "a loop would run over 9223372036854775807 items, more than the 1000 allowed"),
        (
            "{% assign s = \"x\" %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s }}",
            "a value would grow past 65536 bytes",
        ),
        (
            "{% for i in (1..800) %}{{ contact.first_name }}{% endfor %}",
            "the SMS text would be longer than the 1600 characters the channel takes",
        ),
    ];
    for (text, why) in cases {
        let j = journey(json!({"id": "msg", "type": "send", "channel": "sms", "text": text}));
        for detail in [true, false] {
            let log = run(&j, contact(json!({"first_name": "Ana", "n": i64::MAX})), detail);
            let step = failure(&log).unwrap_or_else(|| panic!("{text}: no failure in {:?}", log.steps));
            assert_eq!(step.2.as_deref(), Some("template_error"), "{text}");
            assert_eq!(step.3.as_deref(), Some("failed"), "{text}");
            assert!(log.sent.is_empty(), "{text}: nothing is sent");
            assert!(log.steps.iter().any(|s| s.0 == "oops" && s.1 == "exited"), "{text}: takes the failed branch");
            if detail {
                assert_eq!(step.4, format!("SMS failed: template error: {why} → took the failed branch"));
            }
        }
    }
}

#[test]
fn the_same_journey_sends_when_the_data_fits() {
    let j = journey(
        json!({"id": "msg", "type": "send", "channel": "sms", "text": "{% for i in (1..contact.n) %}{{ i }}{% endfor %} {{ contact.first_name }}"}),
    );
    let log = run(&j, contact(json!({"first_name": "Ana", "n": 3})), true);
    assert_eq!(log.sent, vec![("msg".to_string(), Some("123 Ana".to_string()))]);
    assert!(failure(&log).is_none());
    // A plain template too long for an SMS because of one contact's data, with and without detail.
    let j = journey(json!({"id": "msg", "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}"}));
    for detail in [true, false] {
        let log = run(&j, contact(json!({"first_name": "x".repeat(1_598)})), detail);
        assert!(failure(&log).is_some(), "1,601 characters is too long");
        let log = run(&j, contact(json!({"first_name": "é".repeat(1_597)})), detail);
        assert!(failure(&log).is_none(), "1,600 characters (3,197 bytes) fit");
        assert_eq!(log.sent.len(), 1);
    }
}

#[test]
fn email_subject_and_webhook_url_are_bounded_too() {
    let j = journey(json!({"id": "msg", "type": "send", "channel": "email", "subject": "{{ contact.s }}", "text": "Hello"}));
    let log = run(&j, contact(json!({"s": "s".repeat(999)})), false);
    assert_eq!(failure(&log).and_then(|s| s.2.as_deref()), Some("template_error"));
    let j = journey(json!({"id": "msg", "type": "webhook", "url": "https://x.example/{% for i in (1..contact.n) %}{% endfor %}"}));
    let log = run(&j, contact(json!({"n": 2000})), true);
    let step = failure(&log).expect("fails");
    assert_eq!((step.2.as_deref(), step.3.as_deref()), (Some("template_error"), Some("failed")));
    assert!(log.webhooks.is_empty(), "no call is made");
}

#[test]
fn validation_names_node_and_field_of_each_bad_template() {
    let cases = [
        (json!({"id": "msg", "type": "send", "channel": "sms", "text": "{{ contact.x | shout }}"}), "text", "unknown filter `shout`"),
        (json!({"id": "msg", "type": "send", "channel": "sms", "text": "{% if contact.x %}hi"}), "text", "never closed"),
        (
            json!({"id": "msg", "type": "send", "channel": "email", "subject": "{% capture x %}{% endcapture %}", "text": "ok"}),
            "subject",
            "the tag `capture` is not allowed",
        ),
        (
            json!({"id": "msg", "type": "send", "channel": "sms", "text": format!("{}x{}", "{% if a %}".repeat(1_200), "{% endif %}".repeat(1_200))}),
            "text",
            "nested more than 16 deep",
        ),
        (
            json!({"id": "msg", "type": "send", "channel": "whatsapp", "template": {"name": "t", "language": "en", "params": ["ok", "{% include 'x' %}"]}}),
            "template.params[1]",
            "the tag `include` is not allowed",
        ),
        (
            json!({"id": "msg", "type": "webhook", "url": "https://x.example/{% tablerow a in b %}{% endtablerow %}"}),
            "url",
            "the tag `tablerow`",
        ),
        (
            json!({"id": "msg", "type": "webhook", "url": "https://x.example/", "body": "{{ a[a[a[a[a[a[a[a[a[a[a[a[a[a[a[a[a[a]]]]]]]]]]]]]]]]] }}"}),
            "body",
            "nested 17 deep",
        ),
    ];
    for (node, field, words) in cases {
        let j = journey(node);
        let model_report = itinera_model::validate(&j);
        assert!(model_report.valid, "the model alone does not know Liquid");
        let report = validate(&j);
        assert!(!report.valid, "{field}: {words}");
        assert!(report.facts.is_none());
        let d = report.diagnostics.iter().find(|d| d.code == Code::InvalidConfig).expect("a diagnostic");
        assert_eq!((d.node.as_deref(), d.field.as_deref()), (Some("msg"), Some(field)));
        assert!(d.message.contains(words), "{}", d.message);
        assert!(d.is_error());
    }
}

#[test]
fn check_source_merges_in_the_models_order() {
    let text = json!({
        "format": "itinera/journey@1", "id": "j", "name": "J",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "signed_up"},
            {"id": "a", "type": "send", "channel": "sms", "text": "{% cycle 'x' %}"},
            {"id": "b", "type": "wait", "for": "forever"},
            {"id": "done", "type": "exit"}
        ],
        "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"}, {"from": "b", "to": "done"}]
    })
    .to_string();
    let (journey, report) = check_source(&text);
    assert!(journey.is_some());
    let at: Vec<(Option<&str>, Option<&str>)> = report.diagnostics.iter().map(|d| (d.node.as_deref(), d.field.as_deref())).collect();
    let a = at.iter().position(|x| x.0 == Some("a")).expect("template diagnostic");
    let b = at.iter().position(|x| x.0 == Some("b")).expect("wait diagnostic");
    assert!(a < b, "{at:?}");
    assert!(!report.valid);
    // A good journey keeps its report exactly.
    let good = text.replace("{% cycle 'x' %}", "Hi").replace("forever", "1d");
    assert_eq!(check_source(&good).1, itinera_model::check_source(&good).1);
}

#[test]
fn dates_are_written_in_the_contacts_zone_and_language_and_unreadable_ones_are_explained() {
    let j = journey(json!({"id": "msg", "type": "send", "channel": "sms",
        "text": "On {{ contact.at | date: '%A %-d %B at %H:%M' }} ({{ contact.at | time_zone: 'Asia/Tokyo' | date: '%H:%M' }})"}));
    let mut c = contact(json!({"at": "2026-03-04T15:00:00Z", "locale": "es"}));
    c.timezone = Some("America/New_York".into());
    let log = run(&j, c.clone(), true);
    assert_eq!(log.sent, vec![("msg".to_string(), Some("On miércoles 4 marzo at 10:00 (00:00)".to_string()))]);
    assert_eq!(run(&j, c, false).sent.len(), 1, "without detail it is sent all the same");
    // Without a zone of its own, the journey's default_timezone (UTC here) is used.
    let log = run(&j, contact(json!({"at": "2026-03-04T15:00:00Z"})), true);
    assert_eq!(log.sent[0].1.as_deref(), Some("On Wednesday 4 March at 15:00 (00:00)"));
    // A value that is not a timestamp is sent as written, and the step says so.
    let log = run(&j, contact(json!({"at": "soon"})), true);
    assert_eq!(log.sent[0].1.as_deref(), Some("On soon (soon)"));
    let sent = log.steps.iter().find(|s| s.1 == "sent").expect("sent");
    assert_eq!(sent.4, "SMS sent: 'On soon (soon)' (`soon` is not a timestamp (RFC 3339, like 2026-03-04T15:00:00Z): shown as written)");
}

#[test]
fn validation_warns_of_date_patterns_zones_and_values_it_cannot_use() {
    let text = json!({
        "format": "itinera/journey@1", "id": "j", "name": "J",
        "nodes": [
            {"id": "start", "type": "trigger", "event": "signed_up"},
            {"id": "a", "type": "send", "channel": "email", "subject": "{{ event.at | date: '%d %K' }}", "text": "{{ 'Friday' | date: '%H' }}"},
            {"id": "b", "type": "send", "channel": "whatsapp", "template": {"name": "t", "language": "en", "params": ["x", "{{ event.at | time_zone: 'Europe/Lisboa' | date: '%H' }}"]}},
            {"id": "c", "type": "webhook", "url": "https://x.example/{{ event.at | date: '%s' }}", "body": "{{ event.at | date: '100%' }}"},
            {"id": "done", "type": "exit"}
        ],
        "edges": [{"from": "start", "to": "a"}, {"from": "a", "to": "b"}, {"from": "b", "to": "c"}, {"from": "c", "to": "done"}]
    })
    .to_string();
    let (_, report) = check_source(&text);
    assert!(report.valid, "warnings only: {:?}", report.diagnostics);
    let found: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::InvalidConfig)
        .map(|d| format!("{:?} {} {}: {}", d.severity, d.node.as_deref().unwrap_or("-"), d.field.as_deref().unwrap_or("-"), d.message))
        .collect();
    insta::assert_snapshot!(found.join("\n"));
}
