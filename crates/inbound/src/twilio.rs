//! Twilio webhooks: inbound SMS and message status callbacks, both form-encoded POSTs.

use crate::{Inbound, ReadError, Receipt, e164};

/// The form body's parameters in order (what the signature is computed over).
pub fn params(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Reads a verified request's parameters: a status callback (it has `MessageStatus`) or an
/// inbound message (`From`, `Body`). Statuses Twilio reports on the way (`queued`, `sending`,
/// `accepted`, `scheduled`) come out as [`Receipt::Sent`].
pub fn read(params: &[(String, String)]) -> Result<Vec<Inbound>, ReadError> {
    let get = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let Some(sid) = get("MessageSid").or_else(|| get("SmsSid")) else {
        return Err(ReadError("no `MessageSid` parameter".into()));
    };
    if let Some(status) = get("MessageStatus") {
        let status = match status {
            "delivered" => Receipt::Delivered,
            "read" => Receipt::Read,
            "failed" | "undelivered" => Receipt::Failed,
            "received" | "receiving" => return read_message(sid, &get),
            _ => Receipt::Sent,
        };
        return Ok(vec![Inbound::Status {
            channel: "sms".into(),
            provider_id: sid.to_string(),
            status,
            error_code: get("ErrorCode").map(str::to_string),
            error_title: get("ErrorMessage").map(str::to_string),
            at: None,
        }]);
    }
    read_message(sid, &get)
}

fn read_message<'a>(sid: &str, get: &dyn Fn(&str) -> Option<&'a str>) -> Result<Vec<Inbound>, ReadError> {
    let Some(from) = get("From") else { return Err(ReadError("an inbound message without `From`".into())) };
    Ok(vec![Inbound::Message {
        channel: "sms".into(),
        from: e164(from),
        id: sid.to_string(),
        text: Some(get("Body").unwrap_or_default().to_string()),
        button: None,
        context: None,
        at: None,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inbound_sms_and_a_status_callback() {
        let sms =
            params(b"ToCountry=US&SmsMessageSid=SM1&Body=STOP&From=%2B15550001234&To=%2B15550001111&MessageSid=SM1&SmsStatus=received");
        assert_eq!(
            read(&sms).unwrap(),
            vec![Inbound::Message {
                channel: "sms".into(),
                from: "+15550001234".into(),
                id: "SM1".into(),
                text: Some("STOP".into()),
                button: None,
                context: None,
                at: None
            }]
        );
        let status = params(b"MessageSid=SM2&MessageStatus=undelivered&ErrorCode=30003&To=%2B15550001234");
        match &read(&status).unwrap()[0] {
            Inbound::Status { provider_id, status, error_code, .. } => {
                assert_eq!((provider_id.as_str(), *status, error_code.as_deref()), ("SM2", Receipt::Failed, Some("30003")));
            }
            other => panic!("{other:?}"),
        }
        assert!(read(&params(b"Body=hi")).is_err());
    }
}
