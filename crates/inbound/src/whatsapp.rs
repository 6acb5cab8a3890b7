//! WhatsApp Cloud API webhooks: the subscription handshake and the `messages` payloads
//! (inbound messages and the statuses of messages we sent).

use serde_json::Value;

use crate::{Inbound, ReadError, Receipt, Refused, e164, unix_seconds};

/// The `GET` handshake: `hub.mode=subscribe`, `hub.verify_token` equal to ours → echo
/// `hub.challenge`. Anything else is refused (403), as Meta expects.
pub fn verify_subscription(query: &[(String, String)], verify_token: &str) -> Result<String, Refused> {
    let get = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let (Some(mode), Some(token), Some(challenge)) = (get("hub.mode"), get("hub.verify_token"), get("hub.challenge")) else {
        return Err(Refused::Missing("hub.mode, hub.verify_token and hub.challenge".into()));
    };
    // Constant time is overkill for a handshake token, but costs nothing.
    let same = token.len() == verify_token.len() && token.bytes().zip(verify_token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if mode == "subscribe" && same { Ok(challenge.to_string()) } else { Err(Refused::Mismatch) }
}

/// Reads a verified `POST /webhooks/whatsapp` body. `phone_number_id`: only changes for this
/// business number are taken (one app can serve several numbers). Unknown message types
/// (reactions, media without a caption, ...) and fields other than `messages` yield nothing.
pub fn read(body: &[u8], phone_number_id: Option<&str>) -> Result<Vec<Inbound>, ReadError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| ReadError(format!("not JSON: {e}")))?;
    if root.get("object").and_then(Value::as_str) != Some("whatsapp_business_account") {
        return Err(ReadError("`object` is not `whatsapp_business_account`".into()));
    }
    let entries = root.get("entry").and_then(Value::as_array).ok_or_else(|| ReadError("no `entry` list".into()))?;
    let mut out = Vec::new();
    for entry in entries {
        for change in entry.get("changes").and_then(Value::as_array).into_iter().flatten() {
            if change.get("field").and_then(Value::as_str) != Some("messages") {
                continue;
            }
            let Some(value) = change.get("value") else { continue };
            let number = value.pointer("/metadata/phone_number_id").and_then(Value::as_str);
            if let (Some(ours), Some(theirs)) = (phone_number_id, number)
                && ours != theirs
            {
                continue;
            }
            for message in value.get("messages").and_then(Value::as_array).into_iter().flatten() {
                if let Some(item) = read_message(message) {
                    out.push(item);
                }
            }
            for status in value.get("statuses").and_then(Value::as_array).into_iter().flatten() {
                if let Some(item) = read_status(status) {
                    out.push(item);
                }
            }
        }
    }
    Ok(out)
}

fn text_at(value: &Value, pointer: &str) -> Option<String> {
    value.pointer(pointer).and_then(Value::as_str).map(str::to_string)
}

fn read_message(m: &Value) -> Option<Inbound> {
    let from = m.get("from").and_then(Value::as_str)?;
    let id = m.get("id").and_then(Value::as_str)?;
    let (text, button) = match m.get("type").and_then(Value::as_str)? {
        "text" => (text_at(m, "/text/body"), None),
        // A reply button of an interactive message we sent: its id is the button id.
        "interactive" => match text_at(m, "/interactive/type").as_deref() {
            Some("button_reply") => (text_at(m, "/interactive/button_reply/title"), text_at(m, "/interactive/button_reply/id")),
            Some("list_reply") => (text_at(m, "/interactive/list_reply/title"), text_at(m, "/interactive/list_reply/id")),
            _ => return None,
        },
        // A template's quick-reply button: the payload is the button id we set.
        "button" => (text_at(m, "/button/text"), text_at(m, "/button/payload")),
        // Media with a caption still says something.
        "image" | "video" | "document" => (text_at(m, &format!("/{}/caption", m["type"].as_str()?)), None),
        _ => return None,
    };
    if text.is_none() && button.is_none() {
        return None;
    }
    Some(Inbound::Message {
        channel: "whatsapp".into(),
        from: e164(from),
        id: id.to_string(),
        text,
        button,
        context: text_at(m, "/context/id"),
        at: m.get("timestamp").and_then(unix_seconds),
    })
}

fn read_status(s: &Value) -> Option<Inbound> {
    let id = s.get("id").and_then(Value::as_str)?;
    let status = match s.get("status").and_then(Value::as_str)? {
        "sent" => Receipt::Sent,
        "delivered" => Receipt::Delivered,
        "read" => Receipt::Read,
        "failed" => Receipt::Failed,
        _ => return None,
    };
    let error = s.pointer("/errors/0");
    Some(Inbound::Status {
        channel: "whatsapp".into(),
        provider_id: id.to_string(),
        status,
        error_code: error.and_then(|e| e.get("code")).map(|c| match c {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        error_title: error.and_then(|e| e.get("title").or_else(|| e.get("message"))).and_then(Value::as_str).map(str::to_string),
        at: s.get("timestamp").and_then(unix_seconds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn the_handshake_echoes_the_challenge_for_our_token_only() {
        let good = q(&[("hub.mode", "subscribe"), ("hub.verify_token", "tok"), ("hub.challenge", "1158201444")]);
        assert_eq!(verify_subscription(&good, "tok"), Ok("1158201444".into()));
        assert_eq!(verify_subscription(&good, "other"), Err(Refused::Mismatch));
        let bad_mode = q(&[("hub.mode", "unsubscribe"), ("hub.verify_token", "tok"), ("hub.challenge", "1")]);
        assert_eq!(verify_subscription(&bad_mode, "tok"), Err(Refused::Mismatch));
        assert!(matches!(verify_subscription(&q(&[("hub.mode", "subscribe")]), "tok"), Err(Refused::Missing(_))));
    }
}
