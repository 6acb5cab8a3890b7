//! The inbound side's use of the providers' rules: what a failed status's error code means
//! (the same mapping as a refused send), and the secrets the webhooks are checked with.

use itinera_runtime::inbound::Failure;

use crate::limits::ProviderFailure;
use crate::{twilio, whatsapp};

/// A provider's error code on a `failed` receipt → the reason the message fails with, and
/// whether it is an opt-out (consent revoked). A receipt is final: codes that would make a send
/// retry (throttling, a provider in trouble) fail the message with the code.
pub fn classify(channel: &str, code: &str) -> Failure {
    let failure = match (channel, code.trim().parse::<i64>()) {
        ("whatsapp", Ok(n)) => whatsapp::classify_error(n),
        ("sms", Ok(n)) => twilio::classify_error(n),
        _ => ProviderFailure::Failed(format!("{channel}_{code}")),
    };
    match failure {
        ProviderFailure::Failed(reason) => Failure { reason, opt_out: false },
        ProviderFailure::OptOut { .. } => Failure { reason: itinera_runtime::core::OPT_OUT.to_string(), opt_out: true },
        ProviderFailure::Throttled { error } | ProviderFailure::Transient { error } => Failure { reason: error, opt_out: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_map_codes_as_sends_do() {
        assert_eq!(classify("whatsapp", "131026"), Failure { reason: "undeliverable".into(), opt_out: false });
        assert_eq!(classify("whatsapp", "131047"), Failure { reason: "outside_24h_window".into(), opt_out: false });
        assert!(classify("whatsapp", "131050").opt_out);
        assert!(classify("sms", "21610").opt_out);
        assert_eq!(classify("sms", "30003").reason, "undeliverable");
        assert_eq!(classify("whatsapp", "130429").reason, "whatsapp_130429");
        assert_eq!(classify("sms", "abc").reason, "sms_abc");
    }
}
