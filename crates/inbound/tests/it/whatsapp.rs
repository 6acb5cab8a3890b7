//! WhatsApp Cloud API webhook payloads in the shapes Meta sends (messages: text, an interactive
//! reply button, a template quick-reply button, a reaction; statuses: delivered, read, failed).

use itinera_inbound::{Inbound, Receipt, whatsapp};

const NUMBER: Option<&str> = Some("106540352242922");

#[test]
fn messages_become_replies_with_their_button_ids() {
    let got = whatsapp::read(include_bytes!("../payloads/whatsapp_messages.json"), NUMBER).unwrap();
    type Row = (String, Option<String>, Option<String>, Option<String>);
    let summary: Vec<Row> = got
        .iter()
        .map(|i| match i {
            Inbound::Message { from, id, text, button, context, .. } => {
                assert_eq!(from, "+16505551234");
                (id.clone(), text.clone(), button.clone(), context.clone())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("wamid.TEXT1".into(), Some("Hi, can I move my appointment?".into()), None, None),
            ("wamid.BTN1".into(), Some("Confirm".into()), Some("confirm".into()), Some("wamid.OURS1".into())),
            ("wamid.QR1".into(), Some("Reschedule".into()), Some("reschedule".into()), Some("wamid.OURS2".into())),
        ],
        "the reaction yields nothing"
    );
    let Inbound::Message { at, .. } = &got[0] else { unreachable!() };
    assert_eq!(*at, Some("2025-12-01T10:00:00Z".parse().unwrap()));
}

#[test]
fn statuses_become_receipts_for_our_number_only() {
    let got = whatsapp::read(include_bytes!("../payloads/whatsapp_statuses.json"), NUMBER).unwrap();
    let summary: Vec<(String, Receipt, Option<String>)> = got
        .iter()
        .map(|i| match i {
            Inbound::Status { provider_id, status, error_code, .. } => (provider_id.clone(), *status, error_code.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("wamid.OURS1".into(), Receipt::Delivered, None),
            ("wamid.OURS1".into(), Receipt::Read, None),
            ("wamid.OURS3".into(), Receipt::Failed, Some("131026".into())),
        ]
    );
    // Without a number to filter on, the other number's status is read too.
    assert_eq!(whatsapp::read(include_bytes!("../payloads/whatsapp_statuses.json"), None).unwrap().len(), 4);
}

#[test]
fn a_payload_that_is_not_whatsapps_is_a_read_error() {
    assert!(whatsapp::read(b"not json", NUMBER).is_err());
    assert!(whatsapp::read(br#"{"object":"page","entry":[]}"#, NUMBER).is_err());
    assert_eq!(whatsapp::read(br#"{"object":"whatsapp_business_account","entry":[]}"#, NUMBER).unwrap(), vec![]);
}
