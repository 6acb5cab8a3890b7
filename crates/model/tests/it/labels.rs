//! The optional step `label` (a journey@1 addition): kept on round trip, never required, and a
//! label that is not a string is a shape error naming the field.

use itinera_model::Journey;

const WITH_LABEL: &str = r#"{
  "format": "itinera/journey@1",
  "id": "labels",
  "nodes": [
    {"id": "booked", "type": "trigger", "event": "appointment_booked", "label": "Appointment booked"},
    {"id": "confirm_sms", "type": "send", "channel": "sms", "text": "See you soon", "label": "SMS confirmation"},
    {"id": "done", "type": "exit"},
    {"id": "later", "type": "future_step", "label": "From a newer version"}
  ],
  "edges": [{"from": "booked", "to": "confirm_sms"}, {"from": "confirm_sms", "to": "done"}]
}"#;

#[test]
fn a_label_is_read_and_written_back() {
    let journey = Journey::parse(WITH_LABEL).expect("parses");
    let labels: Vec<Option<&str>> = journey.nodes.iter().map(|n| n.label.as_deref()).collect();
    assert_eq!(labels, [Some("Appointment booked"), Some("SMS confirmation"), None, Some("From a newer version")]);

    let text = serde_json::to_string(&journey).expect("serializes");
    let again = Journey::parse(&text).expect("parses again");
    assert_eq!(again, journey);
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(value["nodes"][1]["label"], "SMS confirmation");
    assert_eq!(value["nodes"][3]["label"], "From a newer version");
    assert!(value["nodes"][2].get("label").is_none(), "no label is written when there is none: {text}");
}

#[test]
fn a_label_that_is_not_a_string_is_a_shape_error() {
    let text = WITH_LABEL.replace(r#""label": "SMS confirmation""#, r#""label": 7"#);
    let err = Journey::parse(&text).expect_err("a number is not a label");
    assert!(err.message.contains("`confirm_sms` field `label`"), "{}", err.message);
}
