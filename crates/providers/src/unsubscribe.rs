//! Unsubscribe tokens: the opaque part of `{public_url}/unsubscribe/{token}` in every email's
//! `List-Unsubscribe` header (RFC 8058 one-click).
//!
//! A token is `base64url(channel "\n" contact) "." base64url(HMAC-SHA256(secret, same bytes))`
//! (no padding): it names whom to unsubscribe from what, and nobody without the secret can make
//! one for another contact. [`verify`] compares the MAC in constant time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length")
}

/// The token for unsubscribing `contact` from `channel`.
pub fn token(secret: &[u8], contact: &str, channel: &str) -> String {
    let payload = format!("{channel}\n{contact}");
    let mut m = mac(secret);
    m.update(payload.as_bytes());
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload.as_bytes()), URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
}

/// `(contact, channel)` of a token made with this secret; `None` for anything else.
pub fn verify(secret: &[u8], token: &str) -> Option<(String, String)> {
    let (payload, tag) = token.split_once('.')?;
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    let mut m = mac(secret);
    m.update(&payload);
    m.verify_slice(&tag).ok()?;
    let text = String::from_utf8(payload).ok()?;
    let (channel, contact) = text.split_once('\n')?;
    Some((contact.to_string(), channel.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_and_a_forged_one_does_not() {
        let t = token(b"k1", "ana/7", "email");
        assert!(!t.contains('/') && !t.contains('+') && !t.contains('='), "url-safe: {t}");
        assert_eq!(verify(b"k1", &t), Some(("ana/7".into(), "email".into())));
        assert_eq!(verify(b"k2", &t), None, "another secret");
        // Someone else's contact id with the old MAC.
        let (_, tag) = t.split_once('.').unwrap();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(b"email\nbo"));
        assert_eq!(verify(b"k1", &forged), None);
        assert_eq!(verify(b"k1", "garbage"), None);
        assert_eq!(verify(b"k1", ""), None);
        assert_eq!(verify(b"k1", &t[..t.len() - 2]), None, "a cut MAC");
    }
}
