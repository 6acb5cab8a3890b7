//! The durable engine as its operators use it: publishing and versions, pause/resume/archive,
//! migration, contacts and inputs, several journeys sharing a contact, the outbox and its
//! retries — driven on a manual timeline through the engine's own batches.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use itinera_engine::Effect;
use itinera_runtime::core::{Attempt, Engine};
use itinera_runtime::intake::{self, PublishOptions};
use itinera_runtime::status::status;
use itinera_runtime::{Error, Options, Service, Sinks};
use itinera_store::{Store, VersionStatus};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

fn at(secs: i64) -> Timestamp {
    t0().saturating_add(SignedDuration::from_secs(secs)).unwrap()
}

/// trigger `booked` → sms → wait `wait` → email → exit, leaving on `cancelled`.
fn journey(id: &str, wait: &str, extra_node: bool) -> String {
    let mut nodes = vec![
        json!({"id": "start", "type": "trigger", "event": "booked"}),
        json!({"id": "sms", "type": "send", "channel": "sms", "text": "Hi {{ contact.first_name }}"}),
        json!({"id": "pause", "type": "wait", "for": wait}),
        json!({"id": "mail", "type": "send", "channel": "email", "subject": "See you", "text": "Bye"}),
        json!({"id": "done", "type": "exit"}),
    ];
    let mut edges = vec![
        json!({"from": "start", "to": "sms"}),
        json!({"from": "sms", "to": "pause"}),
        json!({"from": "pause", "to": "mail"}),
        json!({"from": "mail", "to": "done"}),
    ];
    if extra_node {
        nodes.insert(4, json!({"id": "note", "type": "update", "set": {"reminded": true}}));
        edges[3] = json!({"from": "mail", "to": "note"});
        edges.push(json!({"from": "note", "to": "done"}));
    }
    json!({
        "format": "itinera/journey@1", "id": id, "name": id,
        "settings": {"exit_on": ["cancelled"], "reentry": "always"},
        "nodes": nodes, "edges": edges
    })
    .to_string()
}

fn store_with(journeys: &[String]) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    for j in journeys {
        intake::publish(&mut store, j, &PublishOptions::default(), t0()).unwrap();
    }
    let contacts = [
        json!({"id": "ana", "attributes": {"first_name": "Ana"}, "addresses": {"sms": "+351900000001", "email": "ana@example.com"}, "consent": {"sms": true, "email": true}}),
        json!({"id": "bo", "attributes": {"first_name": "Bo"}, "addresses": {"sms": "+351900000002", "email": "bo@example.com"}, "consent": {"sms": true, "email": true}}),
    ];
    let text: String = contacts.iter().map(|c| format!("{c}\n")).collect();
    intake::import_contacts(&mut store, "contacts.jsonl", &text, t0()).unwrap();
    store
}

fn push(engine: &mut Engine, lines: &[Value]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let inputs = intake::parse_inputs("events.jsonl", &text).unwrap();
    intake::push_inputs(engine.store(), &inputs, t0()).unwrap();
}

/// Runs every instant up to `until`, answering each outbox row with `answer`; returns the keys
/// dispatched, in order.
fn run_until(engine: &mut Engine, until: Timestamp, answer: &dyn Fn(&Effect) -> Attempt) -> Vec<String> {
    let mut keys = Vec::new();
    loop {
        let applied = engine.apply_due(until, 100).unwrap();
        let due = engine.due_outbox(until, 1000).unwrap();
        let answers: Vec<_> = due
            .into_iter()
            .map(|row| {
                let effect: Effect = serde_json::from_str(&row.effect).unwrap();
                keys.push(row.key.clone());
                let a = answer(&effect);
                (row, a)
            })
            .collect();
        let n = answers.len();
        // Results come back at the instant of the batch's latest due item; good enough here.
        let when = engine.next_due().unwrap().map_or(until, |d| d.min(until));
        engine.record_attempts(&answers, when).unwrap();
        if applied.inputs == 0 && n == 0 && applied.deferred == 0 {
            return keys;
        }
    }
}

fn delivered(_: &Effect) -> Attempt {
    Attempt::Done(Ok(()))
}

fn outcome_of(engine: &mut Engine, journey: &str, contact: &str) -> (u32, String) {
    let tx = engine.store().read().unwrap();
    let row = tx.enrollments_of(contact).unwrap().into_iter().find(|r| r.journey == journey).expect("enrolled");
    let state: itinera_engine::ContactState = serde_json::from_str(&row.state).unwrap();
    (row.version, state.status.outcome().0.as_str().to_string())
}

#[test]
fn publishing_validates_and_an_unchanged_journey_makes_no_new_version() {
    let mut store = Store::open_in_memory().unwrap();
    let text = journey("j", "1h", false);
    let first = intake::publish(&mut store, &text, &PublishOptions::default(), t0()).unwrap();
    assert_eq!((first.version, first.changed), (1, true));
    // Reformatted but the same journey: unchanged.
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&text).unwrap()).unwrap();
    let again = intake::publish(&mut store, &pretty, &PublishOptions::default(), t0()).unwrap();
    assert_eq!((again.version, again.changed), (1, false));
    let dry =
        intake::publish(&mut store, &journey("j", "2h", false), &PublishOptions { dry_run: true, ..Default::default() }, t0()).unwrap();
    assert_eq!((dry.version, dry.changed, dry.dry_run), (2, false, true));
    assert_eq!(store.read().unwrap().latest_version("j").unwrap().unwrap().version, 1, "a dry run stores nothing");
    // A journey with an error is refused with every diagnostic.
    let mut bad: Value = serde_json::from_str(&text).unwrap();
    bad["edges"] = json!([]);
    match intake::publish(&mut store, &bad.to_string(), &PublishOptions::default(), t0()) {
        Err(Error::Invalid { diagnostics, .. }) => assert!(diagnostics.len() >= 2, "{diagnostics:?}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn contacts_inside_stay_on_their_version_and_new_entries_take_the_latest() {
    let mut engine = Engine::new(store_with(&[journey("j", "1h", false)]));
    push(&mut engine, &[json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)})]);
    run_until(&mut engine, at(60), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "ana"), (1, "waiting".into()));
    let v2 = intake::publish(engine.store(), &journey("j", "2h", true), &PublishOptions::default(), at(60)).unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.impact.len(), 1);
    assert_eq!((v2.impact[0].node.as_str(), v2.impact[0].waiting, v2.impact[0].kept), ("pause", 1, true));
    push(&mut engine, &[json!({"id": "e2", "contact": "bo", "name": "booked", "at": at(120)})]);
    let keys = run_until(&mut engine, at(4 * 3600), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "ana"), (1, "exited".into()));
    assert_eq!(outcome_of(&mut engine, "j", "bo"), (2, "exited".into()));
    assert!(keys.contains(&"j:v1:ana:1:mail:1".to_string()), "{keys:?}");
    assert!(keys.contains(&"j:v2:bo:1:sms:1".to_string()), "{keys:?}");
    // Ana re-enters: on the latest version, as entry 2.
    push(&mut engine, &[json!({"id": "e3", "contact": "ana", "name": "booked", "at": at(5 * 3600)})]);
    let keys = run_until(&mut engine, at(6 * 3600), &delivered);
    assert_eq!(keys.first().map(String::as_str), Some("j:v2:ana:2:sms:1"));
    let report = status(engine.store(), Some("j")).unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(report[1].waiting.get("pause"), Some(&1));
    assert_eq!(report[0].outcomes["exited"], 0, "ana moved to v2 when she re-entered");
}

#[test]
fn migrate_moves_contacts_waiting_at_a_kept_node_and_archive_makes_them_leave() {
    let mut engine = Engine::new(store_with(&[journey("j", "1h", false)]));
    push(
        &mut engine,
        &[
            json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)}),
            json!({"id": "e2", "contact": "bo", "name": "booked", "at": at(0)}),
        ],
    );
    run_until(&mut engine, at(60), &delivered);
    let v2 = intake::publish(engine.store(), &journey("j", "1h", true), &PublishOptions { migrate: true, ..Default::default() }, at(60))
        .unwrap();
    assert_eq!(v2.migrated, 2);
    assert_eq!(outcome_of(&mut engine, "j", "ana"), (2, "waiting".into()));
    // The wait keeps its deadline: both leave `pause` an hour after they entered it, on v2.
    run_until(&mut engine, at(3600), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "ana"), (2, "exited".into()));
    let tx = engine.store().read().unwrap();
    let ana: itinera_engine::Contact = serde_json::from_str(&tx.contact("ana").unwrap().unwrap()).unwrap();
    assert_eq!(ana.attributes["reminded"], json!(true), "v2's update node ran");
    drop(tx);

    // Archive while inside: outcome left, reason archived.
    push(&mut engine, &[json!({"id": "e3", "contact": "bo", "name": "booked", "at": at(7200)})]);
    run_until(&mut engine, at(7200), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "bo"), (2, "waiting".into()));
    intake::set_status(engine.store(), "j", None, VersionStatus::Archived, at(7300)).unwrap();
    run_until(&mut engine, at(7300), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "bo"), (2, "left".into()));
    let steps = engine.store().read().unwrap().steps_of("bo", "j").unwrap();
    let last: Value = serde_json::from_str(steps.last().unwrap()).unwrap();
    assert_eq!((last["result"].as_str(), last["reason"].as_str()), (Some("left"), Some("archived")));
    // An archived latest version takes no new entries.
    push(&mut engine, &[json!({"id": "e4", "contact": "ana", "name": "booked", "at": at(8000)})]);
    let keys = run_until(&mut engine, at(9000), &delivered);
    assert!(keys.is_empty(), "{keys:?}");
}

#[test]
fn a_paused_version_takes_no_new_entries_but_contacts_inside_finish() {
    let mut engine = Engine::new(store_with(&[journey("j", "1h", false)]));
    push(&mut engine, &[json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)})]);
    run_until(&mut engine, at(10), &delivered);
    intake::set_status(engine.store(), "j", Some(1), VersionStatus::Paused, at(10)).unwrap();
    push(&mut engine, &[json!({"id": "e2", "contact": "bo", "name": "booked", "at": at(20)})]);
    run_until(&mut engine, at(7200), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "ana"), (1, "exited".into()));
    assert!(engine.store().read().unwrap().enrollments_of("bo").unwrap().is_empty());
    intake::set_status(engine.store(), "j", Some(1), VersionStatus::Active, at(7200)).unwrap();
    push(&mut engine, &[json!({"id": "e3", "contact": "bo", "name": "booked", "at": at(7300)})]);
    run_until(&mut engine, at(7300), &delivered);
    assert_eq!(outcome_of(&mut engine, "j", "bo"), (1, "waiting".into()));
}

#[test]
fn inputs_are_idempotent_and_bad_lines_name_their_line() {
    let mut engine = Engine::new(store_with(&[journey("j", "1h", false)]));
    let line = json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)});
    push(&mut engine, std::slice::from_ref(&line));
    push(&mut engine, &[line]);
    let keys = run_until(&mut engine, at(10), &delivered);
    assert_eq!(keys, ["j:v1:ana:1:sms:1"], "the same input id twice enters once");
    let err = intake::parse_inputs(
        "in.jsonl",
        "\n{\"id\": \"x\", \"contact\": \"ana\", \"name\": \"booked\"}\n{\"id\": \"y\", \"contact\": \"ana\"}\n",
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "in.jsonl:3: a line is an event (`name`, `data`) or a reply (`reply`), not both or neither");
    let err = intake::import_contacts(engine.store(), "c.jsonl", "{\"id\": \"z\", \"consent\": {\"fax\": true}}", t0()).unwrap_err();
    assert!(err.to_string().starts_with("c.jsonl:1: unknown channel `fax`"), "{err}");
    let err = intake::import_contacts(engine.store(), "c.jsonl", "{\"id\": \"z\", \"id\": \"w\"}", t0()).unwrap_err();
    assert!(err.to_string().contains("c.jsonl:1"), "{err}");
}

#[test]
fn a_stop_reply_in_one_journey_stops_sends_in_another_and_is_kept_as_evidence() {
    let a = journey("a", "1h", false);
    let b = journey("b", "1h", false).replace("\"booked\"", "\"paid\"");
    let mut engine = Engine::new(store_with(&[a, b]));
    push(&mut engine, &[json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)})]);
    run_until(&mut engine, at(10), &delivered);
    push(&mut engine, &[json!({"id": "r1", "contact": "ana", "reply": {"channel": "sms", "text": "STOP"}, "at": at(20)})]);
    push(&mut engine, &[json!({"id": "e2", "contact": "ana", "name": "paid", "at": at(30)})]);
    run_until(&mut engine, at(40), &delivered);
    let steps = engine.store().read().unwrap().steps_of("ana", "b").unwrap();
    let sms: Value = serde_json::from_str(&steps[1]).unwrap();
    assert_eq!((sms["node"].as_str(), sms["result"].as_str(), sms["reason"].as_str()), (Some("sms"), Some("failed"), Some("no_consent")));
    let evidence = engine.store().read().unwrap().consent_evidence("ana").unwrap();
    let last = evidence.last().unwrap();
    assert_eq!((last.channel.as_str(), last.granted, last.source.as_str(), last.shown.as_deref()), ("sms", false, "reply", Some("STOP")));
    assert_eq!(evidence[0].source, "import contacts.jsonl");
}

#[test]
fn failed_attempts_are_retried_then_fail_the_send() {
    let mut engine = Engine::new(store_with(&[journey("j", "1h", false)]));
    engine.max_attempts = 3;
    push(&mut engine, &[json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)})]);
    let calls = AtomicUsize::new(0);
    let retry = |_: &Effect| {
        calls.fetch_add(1, Ordering::SeqCst);
        Attempt::Retry { error: "http_503".into(), at: at(5) }
    };
    run_until(&mut engine, at(1), &retry);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the retry waits for its time");
    run_until(&mut engine, at(10), &retry);
    assert_eq!(calls.load(Ordering::SeqCst), 3, "three attempts in all");
    let steps = engine.store().read().unwrap().steps_of("ana", "j").unwrap();
    let last: Value = serde_json::from_str(steps.last().unwrap()).unwrap();
    // No `failed` port on the sms: the contact goes on `next` after the failure.
    assert!(steps.iter().any(|s| s.contains("\"undeliverable\"")), "{steps:#?}");
    assert_eq!(last["node"], "pause");
    let report = status(engine.store(), Some("j")).unwrap();
    assert_eq!(report[0].messages["sms"]["failed"], 1);
}

#[test]
fn the_service_runs_until_done_and_records_every_effect() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let records = dir.path().join("records.jsonl");
    let mut store = Store::open(&db).unwrap();
    intake::publish(&mut store, &journey("j", "1s", false), &PublishOptions::default(), t0()).unwrap();
    let contacts = r#"{"id": "ana", "attributes": {"first_name": "Ana"}, "addresses": {"sms": "+1", "email": "a@x"}, "consent": {"sms": true, "email": true}}"#;
    intake::import_contacts(&mut store, "c.jsonl", contacts, t0()).unwrap();
    let inputs = intake::parse_inputs("e.jsonl", r#"{"id": "e1", "contact": "ana", "name": "booked"}"#).unwrap();
    intake::push_inputs(&mut store, &inputs, Timestamp::now()).unwrap();
    drop(store);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let totals = runtime
        .block_on(async {
            let mut options = Options::new(&db);
            options.until_done = true;
            let handle = Service::start(options, Sinks::record(&records).unwrap(), Arc::new(itinera_engine::SystemClock)).unwrap();
            handle.finished().await
        })
        .unwrap();
    assert!(totals.inputs >= 4, "{totals:?}");
    let lines: Vec<Value> = std::fs::read_to_string(&records).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["key"], "j:v1:ana:1:sms:1");
    assert_eq!(
        (lines[0]["channel"].as_str(), lines[0]["to"].as_str(), lines[0]["text"].as_str()),
        (Some("sms"), Some("+1"), Some("Hi Ana"))
    );
    assert_eq!((lines[1]["channel"].as_str(), lines[1]["subject"].as_str()), (Some("email"), Some("See you")));
    let mut store = Store::open(&db).unwrap();
    assert_eq!(store.read().unwrap().pending().unwrap(), (0, 0, 0));
    assert_eq!(status(&mut store, None).unwrap()[0].outcomes["exited"], 1);
}

#[test]
fn the_service_follows_a_manual_clock() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let records = dir.path().join("records.jsonl");
    let mut store = Store::open(&db).unwrap();
    intake::publish(&mut store, &journey("j", "1h", false), &PublishOptions::default(), t0()).unwrap();
    let contacts = r#"{"id": "ana", "attributes": {"first_name": "Ana"}, "addresses": {"sms": "+1", "email": "a@x"}, "consent": {"sms": true, "email": true}}"#;
    intake::import_contacts(&mut store, "c.jsonl", contacts, t0()).unwrap();
    let inputs =
        intake::parse_inputs("e.jsonl", &format!(r#"{{"id": "e1", "contact": "ana", "name": "booked", "at": "{}"}}"#, t0())).unwrap();
    intake::push_inputs(&mut store, &inputs, t0()).unwrap();
    let clock = Arc::new(itinera_engine::ManualClock::new(t0()));
    let lines = || std::fs::read_to_string(&records).map_or(0, |t| t.lines().count());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let mut options = Options::new(&db);
        options.poll = std::time::Duration::from_millis(20);
        let handle = Service::start(options, Sinks::record(&records).unwrap(), clock.clone()).unwrap();
        let settle = || async {
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        };
        settle().await;
        assert_eq!(lines(), 1, "the sms at once; the email waits for the clock");
        clock.advance(SignedDuration::from_mins(59));
        handle.wake();
        settle().await;
        assert_eq!(lines(), 1, "59 minutes are not an hour");
        clock.advance(SignedDuration::from_mins(1));
        handle.wake();
        settle().await;
        assert_eq!(lines(), 2);
        handle.stop().await.unwrap();
    });
    let text = std::fs::read_to_string(&records).unwrap();
    let email: Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    assert_eq!(email["at"], json!(at(3600).to_string()), "sent at the clock's time, not the wall's");
}

#[test]
fn a_second_engine_on_the_same_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let first =
            Service::start(Options::new(&db), Sinks::record(dir.path().join("a.jsonl")).unwrap(), Arc::new(itinera_engine::SystemClock))
                .unwrap();
        let second =
            Service::start(Options::new(&db), Sinks::record(dir.path().join("b.jsonl")).unwrap(), Arc::new(itinera_engine::SystemClock));
        assert!(matches!(second, Err(Error::Busy { .. })), "a second engine must not start");
        first.stop().await.unwrap();
        // Once the first has stopped, the database is free again.
        let third =
            Service::start(Options::new(&db), Sinks::record(dir.path().join("c.jsonl")).unwrap(), Arc::new(itinera_engine::SystemClock))
                .unwrap();
        third.stop().await.unwrap();
    });
}

/// A contact's profile changed while the engine holds it in memory (between two batches, by
/// `change`) is read again: Ana enters, her email consent is withdrawn during her wait, and the
/// email after the wait must fail for want of consent.
fn withdrawn_consent_counts(change: &dyn Fn(&mut Engine, &std::path::Path, String)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.db");
    let mut store = Store::open(&path).unwrap();
    intake::publish(&mut store, &journey("j", "1h", false), &PublishOptions::default(), t0()).unwrap();
    let ana = |email: bool| {
        json!({"id": "ana", "attributes": {"first_name": "Ana"}, "addresses": {"sms": "+351900000001", "email": "ana@example.com"},
               "consent": {"sms": true, "email": email}})
        .to_string()
            + "\n"
    };
    intake::import_contacts(&mut store, "contacts.jsonl", &ana(true), t0()).unwrap();
    let mut engine = Engine::new(store);
    push(&mut engine, &[json!({"id": "e1", "contact": "ana", "name": "booked", "at": at(0)})]);
    run_until(&mut engine, at(10), &delivered);
    change(&mut engine, &path, ana(false));
    run_until(&mut engine, at(7200), &delivered);
    let steps = engine.store().read().unwrap().steps_of("ana", "j").unwrap();
    let mail: Vec<Value> = steps.iter().map(|s| serde_json::from_str::<Value>(s).unwrap()).filter(|s| s["node"] == "mail").collect();
    assert_eq!(mail.len(), 1, "{steps:?}");
    assert_eq!((mail[0]["result"].as_str(), mail[0]["reason"].as_str()), (Some("failed"), Some("no_consent")));
}

#[test]
fn a_contact_changed_by_another_process_between_batches_is_read_again() {
    withdrawn_consent_counts(&|_, path, line| {
        let mut other = Store::open(path).unwrap();
        intake::import_contacts(&mut other, "crm.jsonl", &line, at(20)).unwrap();
    });
}

#[test]
fn a_contact_changed_through_the_engines_own_connection_between_batches_is_read_again() {
    withdrawn_consent_counts(&|engine, _, line| {
        intake::import_contacts(engine.store(), "crm.jsonl", &line, at(20)).unwrap();
    });
}
