//! Scenario format v1 parsing: the issue's example, defaults, and every kind of bad input
//! giving an error that names the field (and, for shape errors, the line and column).

use itinera_model::Duration;
use itinera_sim::scenario::{Delivery, Scenario, ScenarioError, ScriptedReply, json_schema};
use jiff::Timestamp;
use serde_json::json;

/// The example of issue 3 §2, verbatim (its `"population": { }` generates nobody).
const ISSUE_EXAMPLE: &str = r#"{
  "format": "itinera/scenario@1",
  "start": "2026-03-02T09:00:00Z",
  "run_for": "14d",
  "seed": 42,
  "contacts": [
    {
      "id": "ana",
      "timezone": "Europe/Lisbon",
      "attributes": {"first_name": "Ana", "tier": "gold"},
      "addresses": {"sms": "+351912000001", "whatsapp": "+351912000001", "email": "ana@example.com"},
      "consent": {"sms": true, "whatsapp": true, "email": false},
      "events": [{"at": "+0m", "name": "appointment_booked", "data": {"starts_at": "2026-03-03T15:00:00Z"}}],
      "replies": [{"to": "wa_reminder", "after": "30m", "channel": "whatsapp", "button": "confirm"},
                  {"to": "sms_followup", "after": "2h", "channel": "sms", "text": "yes"}],
      "delivery": {"whatsapp": "undeliverable"}
    }
  ],
  "population": { }
}"#;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("test timestamp")
}

#[test]
fn the_issue_example_parses_to_the_expected_values() {
    let s = Scenario::parse(ISSUE_EXAMPLE).expect("the issue's example is valid");
    assert_eq!(s.start, ts("2026-03-02T09:00:00Z"));
    assert_eq!(s.run_for, Duration::from_secs(14 * 86_400));
    assert_eq!(s.end(), ts("2026-03-16T09:00:00Z"));
    assert_eq!(s.seed, 42);
    assert_eq!(s.population.as_ref().map(|p| p.count), Some(0));
    assert_eq!(s.contact_count(), 1);

    let ana = s.contact(0);
    assert_eq!(ana.id, "ana");
    assert_eq!(ana.timezone.as_deref(), Some("Europe/Lisbon"));
    assert_eq!(ana.attributes.get("first_name"), Some(&json!("Ana")));
    assert_eq!(ana.attributes.get("tier"), Some(&json!("gold")));
    assert_eq!(ana.addresses.get("sms").map(String::as_str), Some("+351912000001"));
    assert_eq!(ana.addresses.get("whatsapp").map(String::as_str), Some("+351912000001"));
    assert_eq!(ana.addresses.get("email").map(String::as_str), Some("ana@example.com"));
    assert_eq!(ana.consent.get("sms"), Some(&true));
    assert_eq!(ana.consent.get("whatsapp"), Some(&true));
    assert_eq!(ana.consent.get("email"), Some(&false));

    assert_eq!(ana.events.len(), 1);
    assert_eq!(ana.events[0].at, ts("2026-03-02T09:00:00Z"));
    assert_eq!(ana.events[0].name, "appointment_booked");
    assert_eq!(ana.events[0].data.get("starts_at"), Some(&json!("2026-03-03T15:00:00Z")));

    assert_eq!(
        ana.replies,
        vec![
            ScriptedReply {
                to: "wa_reminder".into(),
                after: Duration::from_secs(30 * 60),
                channel: "whatsapp".into(),
                button: Some("confirm".into()),
                text: None,
            },
            ScriptedReply {
                to: "sms_followup".into(),
                after: Duration::from_secs(2 * 3600),
                channel: "sms".into(),
                button: None,
                text: Some("yes".into()),
            },
        ]
    );
    assert_eq!(ana.delivery.len(), 1);
    assert_eq!(ana.delivery.get("whatsapp"), Some(&Delivery::Undeliverable));
    assert_eq!(s.contact_index("ana"), Some(0));
    assert_eq!(s.contact_index("bob"), None);
}

#[test]
fn times_are_relative_to_start_or_absolute() {
    let text = json!({
        "format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "1d",
        "contacts": [{"id": "a", "events": [
            {"at": "+1d2h", "name": "x"},
            {"at": "+90s", "name": "y"},
            {"at": "2026-03-05T10:30:00+01:00", "name": "z"},
            {"at": "+1w", "name": "w"}
        ]}]
    })
    .to_string();
    let s = Scenario::parse(&text).expect("valid");
    let at: Vec<Timestamp> = s.contact(0).events.iter().map(|e| e.at).collect();
    assert_eq!(at, vec![ts("2026-03-03T11:00:00Z"), ts("2026-03-02T09:01:30Z"), ts("2026-03-05T09:30:00Z"), ts("2026-03-09T09:00:00Z")]);
}

#[test]
fn optional_fields_take_their_documented_defaults() {
    let text = r#"{"format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "2h",
                   "contacts": [{"id": "bare"}, {"id": "other", "delivery": {"sms_1": "rate_limited", "email": "delivered"}}]}"#;
    let s = Scenario::parse(text).expect("valid");
    assert_eq!(s.seed, 0);
    assert_eq!(s.contact_count(), 2);
    let bare = s.contact(0);
    assert_eq!(bare.timezone, None);
    assert!(bare.attributes.is_empty() && bare.addresses.is_empty() && bare.consent.is_empty());
    assert!(bare.events.is_empty() && bare.replies.is_empty() && bare.delivery.is_empty());
    let other = s.contact(1);
    assert_eq!(other.delivery.get("sms_1"), Some(&Delivery::Failed("rate_limited".into())));
    assert_eq!(other.delivery.get("email"), Some(&Delivery::Delivered));
    assert_eq!(s.get_contact(2), None);
    assert_eq!(s.contact_id(1).as_deref(), Some("other"));
}

#[test]
fn a_scenario_without_contacts_is_valid_and_empty_and_may_name_its_schema() {
    // `$schema` (for editors) is accepted and ignored.
    let s = Scenario::parse(
        r#"{"$schema": "../docs/scenario.schema.json", "format":"itinera/scenario@1","start":"2026-01-01T00:00:00Z","run_for":"1d"}"#,
    )
    .expect("valid");
    assert_eq!(s.contact_count(), 0);
    assert_eq!(s.iter_contacts().count(), 0);
}

/// A valid scenario to break one field at a time.
fn base() -> serde_json::Value {
    json!({
        "format": "itinera/scenario@1",
        "start": "2026-03-02T09:00:00Z",
        "run_for": "14d",
        "seed": 7,
        "contacts": [
            {"id": "ana"},
            {"id": "ben"},
            {"id": "cat", "timezone": "Europe/Lisbon",
             "addresses": {"sms": "+1"}, "consent": {"sms": true},
             "events": [{"at": "+2h", "name": "booked"}],
             "replies": [{"to": "n1", "after": "5m", "channel": "sms", "text": "yes"}],
             "delivery": {"sms": "undeliverable"}}
        ]
    })
}

/// Applies `edit` to the base scenario and returns its error.
fn error_of(edit: impl FnOnce(&mut serde_json::Value)) -> ScenarioError {
    let mut v = base();
    edit(&mut v);
    let text = serde_json::to_string_pretty(&v).expect("json");
    Scenario::parse(&text).expect_err("the edited scenario must be rejected")
}

#[test]
fn the_base_scenario_is_valid() {
    let text = serde_json::to_string_pretty(&base()).expect("json");
    let s = Scenario::parse(&text).expect("base is valid");
    assert_eq!(s.contact_count(), 3);
}

#[test]
fn each_bad_field_is_named_in_the_error() {
    type Edit = fn(&mut serde_json::Value);
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        ("wrong format", |v| v["format"] = json!("itinera/scenario@2"), "format", "not a supported scenario format"),
        (
            "format missing",
            |v| {
                v.as_object_mut().unwrap().remove("format");
            },
            "",
            "missing field `format`",
        ),
        ("start not RFC 3339", |v| v["start"] = json!("2026-03-02 9am"), "start", "not an RFC 3339 timestamp"),
        ("start without offset", |v| v["start"] = json!("2026-03-02T09:00:00"), "start", "not an RFC 3339 timestamp"),
        ("run_for not a duration", |v| v["run_for"] = json!("two weeks"), "run_for", "is not a duration"),
        ("run_for signed", |v| v["run_for"] = json!("+14d"), "run_for", "is not a duration"),
        ("seed negative", |v| v["seed"] = json!(-1), "seed", "invalid value"),
        ("seed a string", |v| v["seed"] = json!("42"), "seed", "invalid type"),
        ("unknown top-level field", |v| v["runfor"] = json!("1d"), "runfor", "unknown field `runfor`"),
        ("contacts not an array", |v| v["contacts"] = json!({}), "contacts", "an array of contacts"),
        ("contact id missing", |v| v["contacts"][1] = json!({}), "contacts[1]", "missing field `id`"),
        ("contact id empty", |v| v["contacts"][1]["id"] = json!(""), "contacts[1].id", "must not be empty"),
        (
            "duplicate contact id",
            |v| v["contacts"][2]["id"] = json!("ana"),
            "contacts[2]",
            "duplicate contact id \"ana\" (already used by contacts[0])",
        ),
        ("unknown contact field", |v| v["contacts"][2]["phone"] = json!("+1"), "contacts[2].phone", "unknown field `phone`"),
        (
            "unknown time zone",
            |v| v["contacts"][2]["timezone"] = json!("Europe/Lisbn"),
            "contacts[2].timezone",
            "unknown time zone \"Europe/Lisbn\"",
        ),
        ("attributes not an object", |v| v["contacts"][2]["attributes"] = json!([1]), "contacts[2].attributes", "invalid type"),
        (
            "unknown address channel",
            |v| v["contacts"][2]["addresses"]["telegram"] = json!("@cat"),
            "contacts[2].addresses.telegram",
            "unknown channel \"telegram\"",
        ),
        ("address not a string", |v| v["contacts"][2]["addresses"]["sms"] = json!(351), "contacts[2].addresses.sms", "invalid type"),
        (
            "unknown consent channel",
            |v| v["contacts"][2]["consent"]["push"] = json!(true),
            "contacts[2].consent.push",
            "unknown channel \"push\"",
        ),
        ("consent not a bool", |v| v["contacts"][2]["consent"]["sms"] = json!("yes"), "contacts[2].consent.sms", "invalid type"),
        (
            "event at not a duration",
            |v| v["contacts"][2]["events"][0]["at"] = json!("+2x"),
            "contacts[2].events[0].at",
            "\"+2x\" is not a duration",
        ),
        (
            "event at before start",
            |v| v["contacts"][2]["events"][0]["at"] = json!("-1h"),
            "contacts[2].events[0].at",
            "cannot be before it",
        ),
        (
            "event at neither",
            |v| v["contacts"][2]["events"][0]["at"] = json!("tomorrow"),
            "contacts[2].events[0].at",
            "neither a time relative to `start`",
        ),
        (
            "event name missing",
            |v| {
                v["contacts"][2]["events"][0].as_object_mut().unwrap().remove("name");
            },
            "contacts[2].events[0]",
            "missing field `name`",
        ),
        ("event data not an object", |v| v["contacts"][2]["events"][0]["data"] = json!("x"), "contacts[2].events[0].data", "invalid type"),
        (
            "reply with neither button nor text",
            |v| {
                v["contacts"][2]["replies"][0].as_object_mut().unwrap().remove("text");
            },
            "contacts[2].replies[0]",
            "neither `button` nor `text`",
        ),
        (
            "reply after not a duration",
            |v| v["contacts"][2]["replies"][0]["after"] = json!("soon"),
            "contacts[2].replies[0].after",
            "\"soon\" is not a duration",
        ),
        (
            "reply on an unknown channel",
            |v| v["contacts"][2]["replies"][0]["channel"] = json!("fax"),
            "contacts[2].replies[0].channel",
            "unknown channel \"fax\"",
        ),
        (
            "reply to missing",
            |v| {
                v["contacts"][2]["replies"][0].as_object_mut().unwrap().remove("to");
            },
            "contacts[2].replies[0]",
            "missing field `to`",
        ),
        ("delivery empty reason", |v| v["contacts"][2]["delivery"]["sms"] = json!(""), "contacts[2].delivery.sms", "must not be empty"),
        ("delivery not a string", |v| v["contacts"][2]["delivery"]["sms"] = json!(false), "contacts[2].delivery.sms", "invalid type"),
        ("population count negative", |v| v["population"] = json!({"count": -5}), "population.count", "invalid value"),
        ("population unknown knob", |v| v["population"] = json!({"count": 5, "size": 5}), "population.size", "unknown field `size`"),
    ];
    let mut rendered = String::new();
    for (name, edit, path, fragment) in cases {
        let err = error_of(edit);
        assert_eq!(err.path(), path, "{name}: {err}");
        assert!(err.message().contains(fragment), "{name}: expected {fragment:?} in {err}");
        match &err {
            ScenarioError::Parse { line, column, .. } => assert!(*line > 0 && *column > 0, "{name}: no position in {err}"),
            ScenarioError::Invalid { .. } => panic!("{name}: expected a positioned parse error, got {err}"),
        }
        rendered.push_str(&format!("{name}\n    {err}\n"));
    }
    insta::assert_snapshot!("bad_scenarios", rendered);
}

#[test]
fn errors_point_at_the_line_of_the_bad_value() {
    let text = "{\n  \"format\": \"itinera/scenario@1\",\n  \"start\": \"2026-03-02T09:00:00Z\",\n  \"run_for\": \"1d\",\n  \"contacts\": [\n    {\"id\": \"a\", \"events\": [{\"at\": \"+2x\", \"name\": \"e\"}]}\n  ]\n}";
    let err = Scenario::parse(text).expect_err("bad duration");
    let ScenarioError::Parse { line, path, .. } = &err else { panic!("expected a parse error: {err}") };
    assert_eq!(*line, 6, "{err}");
    assert_eq!(path, "contacts[0].events[0].at");
    assert_eq!(
        err.to_string(),
        format!(
            "line 6, column {}: contacts[0].events[0].at: \"+2x\" is not a duration (write e.g. \"+0m\", \"+2h\", \"+1d2h\")",
            err_column(&err)
        )
    );
}

fn err_column(err: &ScenarioError) -> usize {
    match err {
        ScenarioError::Parse { column, .. } => *column,
        ScenarioError::Invalid { .. } => 0,
    }
}

#[test]
fn not_json_and_trailing_garbage_are_rejected_with_a_position() {
    for (text, line) in [
        ("", 1),
        ("{\"format\": ", 1),
        ("[1, 2]", 1),
        ("{\"format\":\"itinera/scenario@1\",\"start\":\"2026-03-02T09:00:00Z\",\"run_for\":\"1d\"}\n\n{}", 3),
    ] {
        match Scenario::parse(text) {
            Err(ScenarioError::Parse { line: l, .. }) => assert_eq!(l, line, "{text:?}"),
            other => panic!("{text:?}: expected a parse error, got {other:?}"),
        }
    }
}

#[test]
fn a_generated_id_colliding_with_a_hand_written_one_is_rejected() {
    let err = error_of(|v| {
        v["contacts"][0]["id"] = json!("p3");
        v["population"] = json!({"count": 10});
    });
    assert_eq!(err.path(), "contacts[0].id");
    assert!(err.message().contains("also the id of a generated contact"), "{err}");
    // Outside the generated range there is no collision.
    let mut v = base();
    v["contacts"][0]["id"] = json!("p10");
    v["population"] = json!({"count": 10});
    let s = Scenario::parse(&v.to_string()).expect("p10 is not generated when count is 10");
    assert_eq!(s.contact_count(), 13);
    assert_eq!(s.contact_index("p10"), Some(0));
    assert_eq!(s.contact_index("p9"), Some(12));
    assert_eq!(s.contact_index("p09"), None);
    assert_eq!(s.contact(12).id, "p9");
}

#[test]
fn run_for_past_the_calendar_is_rejected() {
    let err = error_of(|v| v["run_for"] = json!("99999999d"));
    assert_eq!(err.path(), "run_for");
    assert!(matches!(err, ScenarioError::Invalid { .. }), "{err}");
}

#[test]
fn the_committed_json_schema_is_in_sync() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/scenario.schema.json");
    let generated = serde_json::to_string_pretty(&json_schema()).expect("schema serializes") + "\n";
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write docs/scenario.schema.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/scenario.schema.json is out of date: run `UPDATE_SCHEMA=1 cargo test -p itinera-sim --test it scenario_parse::`"
    );
}

#[test]
fn the_schema_describes_the_required_fields() {
    let schema = json_schema();
    let required: Vec<&str> = schema["required"].as_array().expect("required").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(required, vec!["format", "start", "run_for"]);
    for field in ["format", "start", "run_for", "seed", "contacts", "population"] {
        assert!(schema["properties"].get(field).is_some(), "schema lacks {field}");
    }
    assert_eq!(schema["properties"]["format"]["const"], json!("itinera/scenario@1"));
}

/// Every JSON example in docs/scenario-format.md parses: whole scenarios as they are, contact
/// fragments (`"events": [...]`) inside a contact, `"population": {...}` at the top level.
#[test]
fn the_examples_in_the_user_guide_parse() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/scenario-format.md");
    let guide = std::fs::read_to_string(&path).expect("docs/scenario-format.md");
    let head = r#""format": "itinera/scenario@1", "start": "2026-03-02T09:00:00Z", "run_for": "14d""#;
    let mut checked = 0;
    for block in guide.split("```json\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default().trim();
        let text = if block.starts_with('{') {
            block.to_string()
        } else if block.starts_with("\"population\"") {
            format!("{{{head}, {block}}}")
        } else {
            format!("{{{head}, \"contacts\": [{{\"id\": \"x\", {block}}}]}}")
        };
        if let Err(e) = Scenario::parse(&text) {
            panic!("example in the guide does not parse: {e}\n{block}");
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} examples found");
}

/// The scenarios shipped with the templates (assets/scenarios) are valid.
#[test]
fn the_shipped_scenarios_parse() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/scenarios");
    let mut checked = 0;
    for entry in std::fs::read_dir(&folder).expect("assets/scenarios") {
        let path = entry.expect("entry").path();
        if !path.to_string_lossy().ends_with(".scenario.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        if let Err(e) = Scenario::parse(&text) {
            panic!("{}: {e}", path.display());
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} scenarios in {}", folder.display());
}

#[test]
fn times_past_the_representable_range_say_so_and_name_the_field() {
    // Well-formed RFC 3339, but after jiff's last instant (9999-12-30T22:00:00Z).
    let err = error_of(|v| v["start"] = json!("9999-12-31T00:00:00Z"));
    assert_eq!(err.path(), "start");
    assert!(!err.message().contains("not an RFC 3339"), "{err}");
    assert!(err.message().contains("later than 9999-12-30T22:00:00Z, the latest time the simulator can represent"), "{err}");
    let err = error_of(|v| v["start"] = json!("-009999-01-01T00:00:00Z"));
    assert!(err.message().contains("earlier than -009999-01-02T01:59:59Z"), "{err}");
    // Not RFC 3339 at all keeps its own message.
    let err = error_of(|v| v["start"] = json!("9999-12-31"));
    assert!(err.message().contains("is not an RFC 3339 timestamp"), "{err}");

    // A start that is representable, but the run would end past the limit.
    let err = error_of(|v| v["start"] = json!("9999-12-30T00:00:00Z"));
    assert_eq!(err.path(), "run_for");
    assert!(err.message().contains("the run would end after 9999-12-30T22:00:00Z"), "{err}");

    // Event times: absolute past the limit, and relative ones landing past it.
    let err = error_of(|v| v["contacts"][2]["events"][0]["at"] = json!("9999-12-31T23:59:59Z"));
    assert_eq!(err.path(), "contacts[2].events[0].at");
    assert!(err.message().contains("later than 9999-12-30T22:00:00Z"), "{err}");
    let err = error_of(|v| v["contacts"][2]["events"][0]["at"] = json!("+500000000w"));
    assert_eq!(err.path(), "contacts[2].events[0].at");
    assert!(err.message().contains("d after `start` lands after 9999-12-30T22:00:00Z"), "{err}");
    let err = error_of(|v| v["population"] = json!({"count": 1, "events": [{"name": "x", "at": {"from": "+0m", "to": "+500000000w"}}]}));
    assert_eq!(err.path(), "population.events[0].at");
    assert!(err.message().contains("lands after 9999-12-30T22:00:00Z"), "{err}");
}

#[test]
fn a_run_ending_at_the_last_representable_instant_simulates() {
    // Timers, replies and the goal window all saturate at the limit instead of panicking.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let journey = std::fs::read_to_string(root.join("assets/journeys/appointment-reminder.journey.json")).expect("readable");
    let journey = itinera_model::Journey::parse(&journey).expect("journey");
    let scenario = json!({"format": "itinera/scenario@1", "start": "9999-12-29T22:00:00Z", "run_for": "1d",
        "contacts": [{"id": "late", "addresses": {"sms": "+1", "whatsapp": "+1"}, "consent": {"sms": true, "whatsapp": true},
                      "events": [{"at": "+0m", "name": "appointment_booked", "data": {"starts_at": "9999-12-30T21:00:00Z"}},
                                 {"at": "9999-12-30T22:00:00Z", "name": "appointment_attended"}],
                      "replies": [{"to": "wa_reminder", "after": "9999w", "channel": "whatsapp", "button": "confirm"}]}],
        "population": {"count": 50, "events": [{"name": "appointment_booked", "at": {"from": "+0m", "to": "+1d"},
                       "data": {"starts_at": {"from_event": "-2d", "to_event": "-1h"}}}],
                       "replies": [{"to": "wa_reminder", "after": {"min": "0s", "max": "9999w"}, "channel": "whatsapp", "texts": ["ok"]}]}});
    let scenario = Scenario::parse(&scenario.to_string()).expect("scenario");
    assert_eq!(scenario.end().to_string(), "9999-12-30T22:00:00Z");
    let report = itinera_sim::run(&itinera_sim::Validated::new(journey.clone()), &scenario, &itinera_sim::RunOptions::default(), None)
        .expect("simulates");
    assert_eq!(report.summary.contacts, 51);
    assert_eq!(report.summary.entered, report.summary.nodes["booked"]["entered"] as usize);
}

#[test]
fn hand_written_contacts_are_kept_packed_and_unpack_to_exactly_what_was_written() {
    use itinera_sim::ContactSpec;
    use itinera_sim::Contacts;
    use itinera_sim::scenario::ScriptedEvent;
    let attributes = json!({"first_name": "Zoë 🌍", "n": 1, "x": 1.5, "tiny": 5e-324, "big": 18446744073709551615u64, "neg": -3,
        "list": [1, "a", null, true, {"k": []}], "nested": {"a": {"b": "c"}}, "empty": {}});
    let spec = ContactSpec {
        id: "c-1".into(),
        timezone: Some("Asia/Kolkata".into()),
        attributes: attributes.as_object().cloned().expect("object"),
        addresses: [("sms".to_string(), "+351910000000".to_string())].into(),
        consent: [("sms".to_string(), true), ("whatsapp".to_string(), false)].into(),
        events: vec![ScriptedEvent {
            at: "2026-03-02T09:00:00.123456789Z".parse().expect("time"),
            name: "booked".into(),
            data: json!({"starts_at": "2026-03-04T15:00:00Z", "n": 0.1}).as_object().cloned().expect("object"),
        }],
        replies: vec![ScriptedReply {
            to: "wa".into(),
            after: Duration::from_secs(90),
            channel: "whatsapp".into(),
            button: None,
            text: Some("STOP".into()),
        }],
        delivery: [
            ("sms".to_string(), Delivery::Failed("lost".into())),
            ("wa".to_string(), Delivery::Lost),
            ("email".to_string(), Delivery::Undeliverable),
        ]
        .into(),
    };
    let empty = ContactSpec { id: "bare".into(), ..spec.clone() };
    let empty = ContactSpec {
        timezone: None,
        attributes: Default::default(),
        addresses: Default::default(),
        consent: Default::default(),
        events: vec![],
        replies: vec![],
        delivery: Default::default(),
        ..empty
    };
    let contacts: Contacts = vec![spec.clone(), empty.clone()].into();
    assert_eq!(contacts.get(0), Some(spec));
    assert_eq!(contacts.get(1), Some(empty));
    assert_eq!(contacts.get(2), None);
    assert_eq!(contacts.ids().collect::<Vec<_>>(), ["c-1", "bare"]);

    // Parsed: relative times resolve against `start`, wherever `start` is in the file.
    let text = r#"{"contacts": [{"id": "a", "events": [{"at": "+1d2h", "name": "x", "data": {"v": 1.0}}]}],
        "format": "itinera/scenario@1", "run_for": "14d", "start": "2026-03-02T09:00:00Z"}"#;
    let s = Scenario::parse(text).expect("parses");
    let a = s.contact(0);
    assert_eq!(a.events[0].at.to_string(), "2026-03-03T11:00:00Z");
    assert_eq!(serde_json::Value::Object(a.events[0].data.clone()), json!({"v": 1.0}));
}
