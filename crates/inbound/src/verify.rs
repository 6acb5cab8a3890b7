//! Signature schemes. Each takes the secret, what was signed (raw body, URL and parameters) and
//! the header as received, and answers `Ok(())` or why the request is [`Refused`]. The MAC is
//! always compared in constant time (`verify_slice`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha1::Sha1;
use sha2::Sha256;

use crate::{Refused, TOLERANCE};

type HmacSha256 = Hmac<Sha256>;
type HmacSha1 = Hmac<Sha1>;

fn sha256(secret: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length.
    <HmacSha256 as KeyInit>::new_from_slice(secret).expect("HMAC accepts any key length")
}

fn check(mac: impl Mac, expected: &[u8]) -> Result<(), Refused> {
    mac.verify_slice(expected).map_err(|_| Refused::Mismatch)
}

fn header<'a>(name: &str, value: Option<&'a str>) -> Result<&'a str, Refused> {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(Refused::Missing(name.to_string())),
    }
}

fn hex_digest(name: &str, text: &str) -> Result<Vec<u8>, Refused> {
    hex::decode(text).map_err(|_| Refused::Malformed(name.to_string()))
}

fn base64_digest(name: &str, text: &str) -> Result<Vec<u8>, Refused> {
    STANDARD.decode(text).map_err(|_| Refused::Malformed(name.to_string()))
}

/// Meta (WhatsApp Cloud API): `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app_secret, raw body)>`.
pub fn meta(app_secret: &[u8], body: &[u8], signature: Option<&str>) -> Result<(), Refused> {
    const NAME: &str = "X-Hub-Signature-256";
    let value = header(NAME, signature)?;
    let hex = value.strip_prefix("sha256=").ok_or_else(|| Refused::Malformed(NAME.into()))?;
    let expected = hex_digest(NAME, hex)?;
    let mut mac = sha256(app_secret);
    mac.update(body);
    check(mac, &expected)
}

/// Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth_token, URL + every POST parameter's
/// name and value, sorted by name)>`, where URL is the full URL Twilio called (the server's
/// `public_url` plus the path and query).
pub fn twilio(auth_token: &[u8], url: &str, params: &[(String, String)], signature: Option<&str>) -> Result<(), Refused> {
    const NAME: &str = "X-Twilio-Signature";
    let value = header(NAME, signature)?;
    let expected = base64_digest(NAME, value)?;
    check(twilio_mac(auth_token, url, params), &expected)
}

/// HMAC-SHA1 with the auth token over the URL, then each parameter's name and value sorted by
/// name (stable: repeated names keep the order they came in).
fn twilio_mac(auth_token: &[u8], url: &str, params: &[(String, String)]) -> HmacSha1 {
    let mut mac = <HmacSha1 as KeyInit>::new_from_slice(auth_token).expect("HMAC accepts any key length");
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(secret, raw body)>`.
pub fn shopify(secret: &[u8], body: &[u8], signature: Option<&str>) -> Result<(), Refused> {
    const NAME: &str = "X-Shopify-Hmac-Sha256";
    let value = header(NAME, signature)?;
    let expected = base64_digest(NAME, value)?;
    let mut mac = sha256(secret);
    mac.update(body);
    check(mac, &expected)
}

/// Calendly: `Calendly-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(signing key,
/// "<t>.<raw body>")>`, and `t` within five minutes of `now`.
pub fn calendly(secret: &[u8], body: &[u8], signature: Option<&str>, now: Timestamp) -> Result<(), Refused> {
    const NAME: &str = "Calendly-Webhook-Signature";
    let value = header(NAME, signature)?;
    let (mut t, mut v1) = (None, None);
    for part in value.split(',') {
        match part.trim().split_once('=') {
            Some(("t", x)) => t = Some(x),
            Some(("v1", x)) => v1 = Some(x),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return Err(Refused::Malformed(NAME.into())) };
    let seconds: i64 = t.parse().map_err(|_| Refused::Malformed(NAME.into()))?;
    let expected = hex_digest(NAME, v1)?;
    let mut mac = sha256(secret);
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    // The MAC first: a forged request is refused as forged, whatever its timestamp.
    check(mac, &expected)?;
    fresh(seconds, now)
}

/// A generic scheme: `<header>: <hex HMAC-SHA256(secret, raw body)>` (a `sha256=` prefix is
/// accepted, as GitHub and others send it).
pub fn hmac_sha256_hex(secret: &[u8], body: &[u8], header_name: &str, signature: Option<&str>) -> Result<(), Refused> {
    let value = header(header_name, signature)?;
    let hex = value.strip_prefix("sha256=").unwrap_or(value);
    let expected = hex_digest(header_name, hex)?;
    let mut mac = sha256(secret);
    mac.update(body);
    check(mac, &expected)
}

/// A signed unix time within [`TOLERANCE`] of `now`.
fn fresh(seconds: i64, now: Timestamp) -> Result<(), Refused> {
    let away = now.as_second().saturating_sub(seconds).saturating_abs();
    if away > TOLERANCE.as_secs() { Err(Refused::Stale { seconds: away }) } else { Ok(()) }
}

/// Signing helpers for tests and for tools that call this server (the same formulas).
pub mod sign {
    use super::*;

    fn hmac256(secret: &[u8], parts: &[&[u8]]) -> Vec<u8> {
        let mut mac = sha256(secret);
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    /// The `X-Hub-Signature-256` value of a body.
    pub fn meta(app_secret: &[u8], body: &[u8]) -> String {
        format!("sha256={}", hex::encode(hmac256(app_secret, &[body])))
    }

    /// The `X-Twilio-Signature` value of a request.
    pub fn twilio(auth_token: &[u8], url: &str, params: &[(String, String)]) -> String {
        STANDARD.encode(twilio_mac(auth_token, url, params).finalize().into_bytes())
    }

    /// The `X-Shopify-Hmac-Sha256` value of a body.
    pub fn shopify(secret: &[u8], body: &[u8]) -> String {
        STANDARD.encode(hmac256(secret, &[body]))
    }

    /// The `Calendly-Webhook-Signature` value of a body signed at `t` (unix seconds).
    pub fn calendly(secret: &[u8], body: &[u8], t: i64) -> String {
        let t = t.to_string();
        format!("t={t},v1={}", hex::encode(hmac256(secret, &[t.as_bytes(), b".", body])))
    }

    /// The hex HMAC-SHA256 of a body.
    pub fn hmac_sha256_hex(secret: &[u8], body: &[u8]) -> String {
        hex::encode(hmac256(secret, &[body]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    /// Twilio's published example (docs "Webhooks security"): auth token 12345, this URL and
    /// these parameters sign to this value.
    #[test]
    fn twilio_official_test_vector() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let p = params(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(twilio(b"12345", url, &p, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")), Ok(()));
        assert_eq!(sign::twilio(b"12345", url, &p), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        // Parameter order as received does not matter; a changed value or URL does.
        let mut shuffled = p.clone();
        shuffled.reverse();
        assert_eq!(twilio(b"12345", url, &shuffled, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")), Ok(()));
        let mut changed = p.clone();
        changed[2].1 = "9999".into();
        assert_eq!(twilio(b"12345", url, &changed, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")), Err(Refused::Mismatch));
        assert_eq!(twilio(b"12345", "https://mycompany.com/myapp.php", &p, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")), Err(Refused::Mismatch));
        assert_eq!(twilio(b"54321", url, &p, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")), Err(Refused::Mismatch));
        assert_eq!(twilio(b"12345", url, &p, None), Err(Refused::Missing("X-Twilio-Signature".into())));
        assert_eq!(twilio(b"12345", url, &p, Some("not base64!")), Err(Refused::Malformed("X-Twilio-Signature".into())));
    }

    /// Meta signs the raw body with the app secret. Vector computed independently with
    /// Python: `hmac.new(b"app-secret", b'{"object":"whatsapp_business_account"}', sha256).hexdigest()`.
    #[test]
    fn meta_vector() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        assert_eq!(sign::meta(b"app-secret", body), PY_META);
        let computed = PY_META.to_string();
        assert_eq!(meta(b"app-secret", body, Some(&computed)), Ok(()));
        assert_eq!(meta(b"other", body, Some(&computed)), Err(Refused::Mismatch));
        assert_eq!(meta(b"app-secret", b"{}", Some(&computed)), Err(Refused::Mismatch));
        assert_eq!(meta(b"app-secret", body, Some("ba3e")), Err(Refused::Malformed("X-Hub-Signature-256".into())));
        assert_eq!(meta(b"app-secret", body, Some("")), Err(Refused::Missing("X-Hub-Signature-256".into())));
    }

    const PY_META: &str = "sha256=0bf7374433906636bed1653bc7c64affb42fa5da9a39e251ab95c2e3a9c06923";

    #[test]
    fn shopify_vector() {
        let body = br#"{"id":820982911946154508,"email":"jon@example.com"}"#;
        assert_eq!(sign::shopify(b"shpss_secret", body), PY_SHOPIFY);
        assert_eq!(shopify(b"shpss_secret", body, Some(PY_SHOPIFY)), Ok(()));
        assert_eq!(shopify(b"shpss_other", body, Some(PY_SHOPIFY)), Err(Refused::Mismatch));
        assert_eq!(shopify(b"shpss_secret", body, None), Err(Refused::Missing("X-Shopify-Hmac-Sha256".into())));
    }

    const PY_SHOPIFY: &str = "vo+n5h/cLxNKGlgJ0Fd1aDzU0aOaajK8Hs9m0hPqWiQ=";

    #[test]
    fn calendly_vector_and_window() {
        let body = br#"{"event":"invitee.created"}"#;
        let t = 1_764_590_400; // 2025-12-01T12:00:00Z
        let header = format!("t={t},v1={PY_CALENDLY}");
        assert_eq!(sign::calendly(b"calendly-key", body, t), header);
        let now = Timestamp::from_second(t + 120).unwrap();
        assert_eq!(calendly(b"calendly-key", body, Some(&header), now), Ok(()));
        // Replayed ten minutes later: refused as stale, though the MAC is right.
        let later = Timestamp::from_second(t + 600).unwrap();
        assert_eq!(calendly(b"calendly-key", body, Some(&header), later), Err(Refused::Stale { seconds: 600 }));
        // A forged one with a fresh timestamp: refused as forged.
        let forged = format!("t={},v1={PY_CALENDLY}", t + 100);
        assert_eq!(calendly(b"calendly-key", body, Some(&forged), now), Err(Refused::Mismatch));
        assert_eq!(calendly(b"calendly-key", body, Some("v1=abc"), now), Err(Refused::Malformed("Calendly-Webhook-Signature".into())));
    }

    const PY_CALENDLY: &str = "18ce601a61a355f76f09991050ec76ec7a1873c7d1f40d36cf1170836f6a2a68";

    #[test]
    fn generic_hex_scheme_takes_a_prefix_or_not() {
        let body = b"{\"a\":1}";
        let hex = sign::hmac_sha256_hex(b"k", body);
        assert_eq!(hmac_sha256_hex(b"k", body, "X-Signature", Some(&hex)), Ok(()));
        assert_eq!(hmac_sha256_hex(b"k", body, "X-Signature", Some(&format!("sha256={hex}"))), Ok(()));
        assert_eq!(hmac_sha256_hex(b"j", body, "X-Signature", Some(&hex)), Err(Refused::Mismatch));
        assert_eq!(hmac_sha256_hex(b"k", body, "X-Signature", None), Err(Refused::Missing("X-Signature".into())));
    }
}
