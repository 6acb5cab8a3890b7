//! Event data times written relative to the event in the contact's local time
//! (`"in 2 days at 09:00 local"`): what they resolve to (DST edges included, jiff's
//! `compatible` disambiguation), what stays as written, and the parse errors for bad forms.

use itinera_model::Journey;
use itinera_sim::scenario::{Scenario, ScenarioError};
use itinera_sim::{Detail, RunOptions, run};
use jiff::tz::TimeZone;
use serde_json::{Value, json};

/// A scenario with one contact (zone `tz`, or none), one event at `at` carrying `value` as `starts_at`.
fn scenario(tz: Option<&str>, at: &str, value: &Value) -> String {
    let mut contact = json!({
        "id": "ana",
        "events": [{"at": at, "name": "appointment_booked", "data": {"starts_at": value, "location": "Rua Augusta 10"}}]
    });
    if let Some(tz) = tz {
        contact["timezone"] = json!(tz);
    }
    json!({"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "400d", "contacts": [contact]}).to_string()
}

/// `starts_at` as the simulator reads it, for a journey whose default zone is `default`.
fn resolved(tz: Option<&str>, at: &str, value: &Value, default: &str) -> Value {
    let s = Scenario::parse(&scenario(tz, at, value)).unwrap_or_else(|e| panic!("{value}: {e}"));
    let mut contact = s.contact(0);
    contact.resolve_local_times(&TimeZone::get(default).expect("zone"));
    assert_eq!(contact.events[0].data["location"], json!("Rua Augusta 10"), "other fields are kept");
    contact.events[0].data["starts_at"].clone()
}

#[test]
fn local_times_resolve_in_the_contact_zone_dst_edges_included() {
    // (contact zone, event time, written, expected RFC 3339, why)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        ("Europe/Lisbon", "2026-03-02T09:00:00Z", "in 2 days at 09:00 local", "2026-03-04T09:00:00Z", "winter: Lisbon is UTC"),
        ("Europe/Lisbon", "2026-03-02T09:00:00Z", "in 2d at 09:00 local", "2026-03-04T09:00:00Z", "compact days"),
        ("Europe/Lisbon", "2026-03-02T09:00:00Z", "in 0 days at 18:30 local", "2026-03-02T18:30:00Z", "the same day"),
        ("Europe/Lisbon", "2026-03-02T09:00:00Z", "in 1 day at 9:05 local", "2026-03-03T09:05:00Z", "one digit hour"),
        ("Europe/Lisbon", "2026-03-02T09:00:00Z", "in 1 week at 09:00 local", "2026-03-09T09:00:00Z", "weeks"),
        ("Europe/Lisbon", "2026-03-02T09:00:00Z", "in 2w at 09:00 local", "2026-03-16T09:00:00Z", "compact weeks"),
        (
            "Europe/Lisbon",
            "2026-03-28T12:00:00Z",
            "in 2 days at 09:00 local",
            "2026-03-30T08:00:00Z",
            "across the spring change: summer time, UTC+1",
        ),
        (
            "Europe/Lisbon",
            "2026-03-27T12:00:00Z",
            "in 2 days at 01:30 local",
            "2026-03-29T01:30:00Z",
            "01:30 does not exist on 29 March: read with the offset before (02:30 WEST)",
        ),
        (
            "Europe/Lisbon",
            "2026-10-23T12:00:00Z",
            "in 2 days at 01:30 local",
            "2026-10-25T00:30:00Z",
            "01:30 happens twice on 25 October: the first (WEST)",
        ),
        ("Europe/Lisbon", "2026-10-23T12:00:00Z", "in 2 days at 02:00 local", "2026-10-25T02:00:00Z", "02:00 after the fall change is WET"),
        (
            "America/New_York",
            "2026-03-06T15:00:00Z",
            "in 2 days at 02:30 local",
            "2026-03-08T07:30:00Z",
            "02:30 skipped on 8 March: 03:30 EDT",
        ),
        (
            "America/New_York",
            "2026-10-30T15:00:00Z",
            "in 2 days at 01:30 local",
            "2026-11-01T05:30:00Z",
            "01:30 twice on 1 November: the first, EDT",
        ),
        (
            "America/New_York",
            "2026-03-03T03:00:00Z",
            "in 1 day at 09:00 local",
            "2026-03-03T14:00:00Z",
            "the event's local day (2 March in New York), not its UTC day",
        ),
        ("Asia/Tokyo", "2026-03-02T20:00:00Z", "in 1 day at 09:00 local", "2026-03-04T00:00:00Z", "the event is on 3 March in Tokyo"),
        (
            "Australia/Lord_Howe",
            "2026-10-02T12:00:00Z",
            "in 2 days at 02:15 local",
            "2026-10-03T15:45:00Z",
            "a half-hour DST gap: 02:15 is read at +10:30, so 02:45 +11:00",
        ),
    ];
    for (tz, at, written, expected, why) in cases {
        assert_eq!(resolved(Some(tz), at, &json!(written), "UTC"), json!(expected), "{tz} {at} {written}: {why}");
    }
}

#[test]
fn a_contact_without_a_zone_uses_the_journey_default() {
    let value = json!("in 1 day at 09:00 local");
    assert_eq!(resolved(None, "+0m", &value, "Europe/Berlin"), json!("2026-03-03T08:00:00Z"));
    assert_eq!(resolved(None, "+0m", &value, "UTC"), json!("2026-03-03T09:00:00Z"));
    // The contact's own zone wins over the default.
    assert_eq!(resolved(Some("Asia/Tokyo"), "+0m", &value, "Europe/Berlin"), json!("2026-03-03T00:00:00Z"));
}

#[test]
fn other_values_keep_their_meaning() {
    let kept = [
        json!("2026-03-04T15:00:00Z"),
        json!("2026-03-04T15:00:00+01:00"),
        json!("in 2 days"),
        json!("in 2 days at 09:00"),
        json!("In 2 days at 09:00 local"),
        json!("at 09:00 local"),
        json!(42),
        json!({"in": "2d", "at": "09:00", "local": true}),
        json!(["in 2 days at 09:00 local"]),
    ];
    for value in kept {
        assert_eq!(resolved(Some("Europe/Lisbon"), "+0m", &value, "UTC"), value, "{value}");
    }
}

#[test]
fn bad_forms_are_parse_errors_naming_the_contact_event_and_field() {
    let bad = [
        "in 2 dayz at 09:00 local",
        "in two days at 09:00 local",
        "in 2 days at 9 local",
        "in 2 days at 24:00 local",
        "in 2 days at 09:60 local",
        "in 2 days at 09:5 local",
        "in 2 hours at 09:00 local",
        "in -1 days at 09:00 local",
        "in 2 days local",
        "in 100001 days at 09:00 local",
    ];
    for written in bad {
        match Scenario::parse(&scenario(Some("Europe/Lisbon"), "+0m", &json!(written))) {
            Err(ScenarioError::Parse { path, message, line, .. }) => {
                assert_eq!(path, "contacts[0]", "{written}");
                assert!(line > 0, "{written}: a line is given");
                assert!(
                    message.starts_with(&format!(
                        "contact \"ana\", events[0] (\"appointment_booked\"), data.starts_at: \"{written}\" is not a local time: write \"in N days at HH:MM local\""
                    )),
                    "{written}: {message}"
                );
            }
            other => panic!("{written}: {other:?}"),
        }
    }
}

#[test]
fn a_constant_in_generated_event_data_is_checked_too() {
    let text = json!({
        "format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "7d",
        "population": {"count": 3, "events": [{"name": "appointment_booked", "at": {"from": "+0m", "to": "+1d"},
            "data": {"starts_at": "in 2 dayz at 09:00 local"}}]}
    })
    .to_string();
    let err = Scenario::parse(&text).map(|_| ()).expect_err("a bad local time in a population is refused");
    assert!(err.to_string().contains("\"in 2 dayz at 09:00 local\" is not a local time"), "{err}");
}

#[test]
fn a_generated_contact_resolves_its_local_times_in_its_zone() {
    let text = json!({
        "format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "7d", "seed": 3,
        "population": {"count": 20, "timezones": {"Asia/Tokyo": 1, "America/New_York": 1},
            "events": [{"name": "appointment_booked", "at": {"from": "+0m", "to": "+1d"}, "data": {"starts_at": "in 2 days at 09:00 local"}}]}
    })
    .to_string();
    let s = Scenario::parse(&text).expect("valid");
    for i in 0..s.contact_count() {
        let mut c = s.contact(i);
        let zone = TimeZone::get(c.timezone.as_deref().expect("a generated zone")).expect("zone");
        let at = c.events[0].at;
        c.resolve_local_times(&TimeZone::UTC);
        let starts: jiff::Timestamp = c.events[0].data["starts_at"].as_str().expect("text").parse().expect("RFC 3339");
        let local = zone.to_datetime(starts);
        assert_eq!((local.hour(), local.minute()), (9, 0), "{}: 09:00 in its zone", c.id);
        assert_eq!(zone.to_datetime(at).date().checked_add(jiff::Span::new().days(2)).expect("date"), local.date(), "{}", c.id);
    }
}

#[test]
fn the_simulator_reads_the_resolved_time() {
    // A branch on `event.starts_at within_next 24h` and a message with the time: in 2 days is not within 24h.
    let journey = Journey::parse(
        &json!({
            "format": "itinera/journey@1", "id": "j", "name": "J", "version": 1,
            "settings": {"default_timezone": "Europe/Lisbon"},
            "nodes": [
                {"id": "t", "type": "trigger", "event": "appointment_booked"},
                {"id": "soon", "type": "branch", "condition": {"field": "event.starts_at", "op": "within_next", "value": "24h"}},
                {"id": "yes", "type": "exit"},
                {"id": "no", "type": "exit"}
            ],
            "edges": [
                {"from": "t", "port": "next", "to": "soon"},
                {"from": "soon", "port": "yes", "to": "yes"},
                {"from": "soon", "port": "no", "to": "no"}
            ]
        })
        .to_string(),
    )
    .expect("journey");
    let both = |written: &str| {
        let s = Scenario::parse(&scenario(None, "+0m", &json!(written))).expect("scenario");
        let report =
            run(&itinera_sim::Validated::new(journey.clone()), &s, &RunOptions { detail: Detail::All, cancel: None }, None).expect("runs");
        report.contacts[0].exit_node.clone()
    };
    assert_eq!(both("in 2 days at 09:00 local").as_deref(), Some("no"));
    assert_eq!(both("in 0 days at 20:00 local").as_deref(), Some("yes"));
}
