//! Inbound webhooks through the durable engine: the appointment template's WhatsApp reminder
//! is taken by the provider (accepted, with its message id); the provider's receipts and the
//! contact's button reply move the contact, a failure code takes the SMS fallback, an opt-out
//! code revokes consent — and every request is kept raw with what it became.

use itinera_engine::Effect;
use itinera_inbound::{Inbound, Receipt};
use itinera_runtime::core::{Attempt, Engine};
use itinera_runtime::inbound::{self, Failure, Raw};
use itinera_runtime::intake::{self, PublishOptions};
use itinera_store::{Store, Tx};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

fn t0() -> Timestamp {
    "2026-03-02T09:00:00Z".parse().unwrap()
}

fn at(secs: i64) -> Timestamp {
    t0().saturating_add(SignedDuration::from_secs(secs)).unwrap()
}

fn engine() -> Engine {
    let mut store = Store::open_in_memory().unwrap();
    let template =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/journeys/appointment-reminder.journey.json")).unwrap();
    intake::publish(&mut store, &template, &PublishOptions::default(), t0()).unwrap();
    let contacts: String = ["ana", "bo", "cy"]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                "{}\n",
                json!({"id": id, "attributes": {"first_name": id}, "addresses": {"sms": format!("+35190000000{i}"), "whatsapp": format!("+35190000000{i}")},
                       "consent": {"sms": true, "whatsapp": true}})
            )
        })
        .collect();
    intake::import_contacts(&mut store, "contacts.jsonl", &contacts, t0()).unwrap();
    let events: String = ["ana", "bo", "cy"]
        .iter()
        .map(|id| {
            format!(
                "{}\n",
                json!({"id": format!("booked-{id}"), "contact": id, "name": "appointment_booked",
                       "data": {"starts_at": at(3 * 3600).to_string(), "location": "Main St"}})
            )
        })
        .collect();
    intake::push_inputs(&mut store, &intake::parse_inputs("events.jsonl", &events).unwrap(), t0()).unwrap();
    Engine::new(store)
}

/// Runs the engine at `now`: SMS are delivered at once; WhatsApp messages are taken by the
/// provider, which gives each the id `wamid.<contact>` (as a provider channel does).
fn turn(engine: &mut Engine, now: Timestamp) -> Vec<(String, String)> {
    let mut sent = Vec::new();
    loop {
        let applied = engine.apply_due(now, 100).unwrap();
        let due = engine.due_outbox(now, 100).unwrap();
        let mut answers = Vec::new();
        for row in &due {
            let effect: Effect = serde_json::from_str(&row.effect).unwrap();
            let Effect::Send(m) = &effect else { panic!("{effect:?}") };
            sent.push((row.contact.clone(), m.node.clone()));
            let answer = if m.channel.as_str() == "whatsapp" {
                Attempt::Accepted { provider_id: Some(format!("wamid.{}.{}", row.contact, row.seq)) }
            } else {
                Attempt::Done(Ok(()))
            };
            answers.push((row.clone(), answer));
        }
        engine.record_attempts(&answers, now).unwrap();
        if applied.inputs == 0 && due.is_empty() {
            return sent;
        }
    }
}

fn classify(_channel: &str, code: &str) -> Failure {
    match code {
        "131026" => Failure { reason: "undeliverable".into(), opt_out: false },
        "131050" => Failure { reason: "opt_out".into(), opt_out: true },
        other => Failure { reason: other.into(), opt_out: false },
    }
}

fn provider_id(tx: &Tx<'_>, contact: &str) -> String {
    tx.conn()
        .query_row("SELECT provider_id FROM outbox WHERE contact = ?1 AND channel = 'whatsapp' ORDER BY seq LIMIT 1", [contact], |r| {
            r.get(0)
        })
        .unwrap()
}

fn node_of(engine: &mut Engine, contact: &str) -> (String, String) {
    let tx = engine.store().read().unwrap();
    let row = tx.enrollments_of(contact).unwrap().remove(0);
    let state: itinera_engine::ContactState = serde_json::from_str(&row.state).unwrap();
    (state.status.outcome().0.as_str().to_string(), state.node_id.clone().unwrap_or_default())
}

fn status(provider_id: &str, status: Receipt, code: Option<&str>) -> Inbound {
    Inbound::Status {
        channel: "whatsapp".into(),
        provider_id: provider_id.into(),
        status,
        error_code: code.map(String::from),
        error_title: code.map(|_| "provider words".into()),
        at: None,
    }
}

#[test]
fn receipts_and_a_button_reply_move_contacts_and_every_request_is_kept() {
    let mut engine = engine();
    let sent = turn(&mut engine, t0());
    assert_eq!(sent.iter().filter(|(_, n)| n == "wa_reminder").count(), 3, "{sent:?}");
    let (ana, bo, cy) = {
        let tx = engine.store().read().unwrap();
        (provider_id(&tx, "ana"), provider_id(&tx, "bo"), provider_id(&tx, "cy"))
    };
    let raw = Raw { source: "whatsapp", headers: &[("X-Hub-Signature-256".into(), "sha256=…".into())], body: b"{raw}" };
    let now = at(10);
    // Ana's reminder is delivered then read; Bo's fails as undeliverable; Cy opted out at Meta.
    let items = [
        status(&ana, Receipt::Sent, None),
        status(&ana, Receipt::Delivered, None),
        status(&ana, Receipt::Read, None),
        status(&bo, Receipt::Failed, Some("131026")),
        status(&cy, Receipt::Failed, Some("131050")),
        status("wamid.unknown", Receipt::Delivered, None),
    ];
    let accepted = inbound::accept(engine.store(), raw, &items, &classify, now).unwrap();
    assert_eq!((accepted.inputs, accepted.consent), (3, 1), "{accepted:?}");
    assert_eq!(accepted.ignored.len(), 1, "{accepted:?}");
    // The same webhook delivered again adds no input.
    let again = inbound::accept(engine.store(), raw, &items, &classify, now).unwrap();
    assert_eq!((again.inputs, again.consent), (0, 0));
    let sent = turn(&mut engine, now);
    assert!(sent.contains(&("bo".into(), "sms_reminder".into())), "undeliverable takes the SMS fallback: {sent:?}");
    assert!(sent.contains(&("cy".into(), "sms_reminder".into())), "{sent:?}");
    assert_eq!(node_of(&mut engine, "ana"), ("waiting".into(), "await_reply".into()));
    {
        let tx = engine.store().read().unwrap();
        let cy: itinera_engine::Contact = serde_json::from_str(&tx.contact("cy").unwrap().unwrap()).unwrap();
        assert_eq!(cy.consent.get("whatsapp"), Some(&false), "131050 revokes WhatsApp consent");
        let evidence = tx.consent_evidence("cy").unwrap();
        assert_eq!(evidence.last().unwrap().source, "whatsapp error 131050");
        let read: Option<i64> =
            tx.conn().query_row("SELECT read_at FROM outbox WHERE contact = 'ana' AND channel = 'whatsapp'", [], |r| r.get(0)).unwrap();
        assert!(read.is_some(), "the read receipt is on the row");
    }
    // The stats count it: three reminders sent, Ana's delivered and read, two failed.
    let stats = itinera_runtime::stats::stats(engine.store(), "appointment-reminder").unwrap();
    let wa = &stats.versions[0].messages["whatsapp"];
    assert_eq!((wa.sent, wa.delivered, wa.read, wa.failed), (1, 1, 1, 2), "{wa:?}");
    // Ana taps Confirm on the reminder: the reply, by her phone number, takes the confirm port.
    let reply = Inbound::Message {
        channel: "whatsapp".into(),
        from: "+351900000000".into(),
        id: "wamid.BTN1".into(),
        text: Some("Confirm".into()),
        button: Some("confirm".into()),
        context: Some(ana.clone()),
        at: None,
    };
    let stranger = Inbound::Message {
        channel: "whatsapp".into(),
        from: "+1999".into(),
        id: "wamid.X".into(),
        text: Some("hello?".into()),
        button: None,
        context: None,
        at: None,
    };
    let accepted = inbound::accept(engine.store(), raw, &[reply, stranger], &classify, at(60)).unwrap();
    assert_eq!((accepted.inputs, accepted.ignored.len()), (1, 1), "{accepted:?}");
    let sent = turn(&mut engine, at(60));
    assert_eq!(sent, vec![("ana".to_string(), "thank_you".to_string())]);
    // Three requests kept raw (the repeat too), each with its outcome.
    let tx = engine.store().read().unwrap();
    let kept = tx.inbound_recent(10).unwrap();
    assert_eq!(kept.len(), 3);
    assert!(kept.iter().all(|k| k.body == b"{raw}" && k.outcome.is_some() && k.headers.contains("x-hub-signature-256")));
}

#[test]
fn an_event_for_an_unknown_contact_creates_it_and_an_unsubscribe_revokes_consent() {
    let mut engine = engine();
    let raw = Raw { source: "hooks/calendly", headers: &[], body: b"{}" };
    let event = Inbound::Event {
        id: "calendly:1".into(),
        contact: "new@example.com".into(),
        name: "appointment_booked".into(),
        data: Default::default(),
        at: None,
    };
    let accepted = inbound::accept(engine.store(), raw, std::slice::from_ref(&event), &classify, t0()).unwrap();
    assert_eq!((accepted.inputs, accepted.created), (1, 1));
    let again = inbound::accept(engine.store(), raw, &[event], &classify, t0()).unwrap();
    assert_eq!((again.inputs, again.created, again.ignored.len()), (0, 0, 1));
    let raw = Raw { source: "unsubscribe", headers: &[], body: b"List-Unsubscribe=One-Click" };
    assert_eq!(inbound::unsubscribe(engine.store(), raw, "ana", "sms", t0()).unwrap().consent, 1);
    assert_eq!(inbound::unsubscribe(engine.store(), raw, "ana", "sms", t0()).unwrap().consent, 0);
    let tx = engine.store().read().unwrap();
    let ana: itinera_engine::Contact = serde_json::from_str(&tx.contact("ana").unwrap().unwrap()).unwrap();
    assert_eq!(ana.consent.get("sms"), Some(&false));
}
