//! Every journey shipped in assets/journeys validates with no error, and its facts are sane.

use std::path::PathBuf;

use itinera_model::{Code, check_source};

fn journeys() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/journeys");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".journey.json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_template_validates_without_errors() {
    let files = journeys();
    assert!(!files.is_empty(), "no templates found");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable template");
        let (journey, report) = check_source(&text);
        let journey = journey.unwrap_or_else(|| panic!("{} does not parse: {:?}", path.display(), report.diagnostics));
        let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        assert!(report.valid);
        let facts = report.facts.as_ref().expect("a valid journey has facts");
        assert_eq!(facts.nodes, journey.nodes.len());
        assert!(facts.max_messages_total > 0, "{}: a template sends messages", path.display());
        // Every template positions every node for the editor.
        for node in &journey.nodes {
            assert!(node.position.is_some(), "{}: node `{}` has no position", path.display(), node.id);
        }
    }
}

#[test]
fn appointment_reminder_matches_the_article() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/journeys/appointment-reminder.journey.json");
    let text = std::fs::read_to_string(path).expect("readable");
    let (_, report) = check_source(&text);
    // The texts after the reply branches are inside the window; the reminder is a template.
    assert!(report.diagnostics.iter().all(|d| d.code != Code::WhatsappOutsideWindow), "{:#?}", report.diagnostics);
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let facts = report.facts.expect("facts");
    // The reminder waits until 24 h before the appointment: data-dependent.
    assert_eq!(facts.longest_time, "unbounded");
    assert_eq!(facts.longest_seconds, None);
    assert_eq!(facts.unbounded_waits, vec!["wait_day_before".to_string()]);
    // Worst path: confirmation SMS, WhatsApp reminder fails, SMS reminder = 2 SMS; or
    // confirmation, reminder, reply, thank-you / link = 2 WhatsApp.
    assert_eq!(facts.max_messages["sms"], 2);
    assert_eq!(facts.max_messages["whatsapp"], 2);
    assert_eq!(facts.max_messages["email"], 0);
    assert_eq!(facts.max_messages["webhook"], 1);
    // confirm_sms + wa_reminder + reschedule_link (or thank_you / sms_followup) = 3.
    assert_eq!(facts.max_messages_total, 3);
}
