//! Meta's webhook authentication: the `X-Hub-Signature-256` HMAC of the raw
//! body, and the verification handshake of `GET` subscriptions.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    #[error("malformed X-Hub-Signature-256 header (expected sha256=<64 hex digits>)")]
    Malformed,
    #[error("signature does not match the body")]
    Mismatch,
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks `sha256=<hex>` against the HMAC-SHA256 of the exact raw body,
/// in constant time.
pub fn verify_signature(
    app_secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    let tag = hex_decode(hex)
        .filter(|t| t.len() == 32)
        .ok_or(SignatureError::Malformed)?;
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret)
        .map_err(|_| SignatureError::Mismatch)?;
    mac.update(body);
    mac.verify_slice(&tag).map_err(|_| SignatureError::Mismatch)
}

/// The signature header Meta would send for `body` (for tests and tools).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_secret)
        .expect("HMAC takes keys of any length");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Meta's `GET` handshake: answers the challenge only when the mode is
/// `subscribe` and the token equals ours (compared in constant time).
pub fn verify_handshake<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    expected_token: &str,
) -> Option<&'a str> {
    if mode != Some("subscribe") {
        return None;
    }
    let token = token?;
    // Digests have one length, so neither the token's contents nor its
    // length leak through the comparison's time.
    let given = Sha256::digest(token.as_bytes());
    let expected = Sha256::digest(expected_token.as_bytes());
    if expected_token.is_empty() || !baton_channel::constant_time_eq(&given, &expected) {
        return None;
    }
    challenge
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_exactly() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let sig = sign(b"app-secret", body);
        assert!(sig.starts_with("sha256=") && sig.len() == 71);
        assert_eq!(verify_signature(b"app-secret", body, Some(&sig)), Ok(()));
        assert_eq!(
            verify_signature(b"other", body, Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"app-secret", b"{ }", Some(&sig)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"app-secret", body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(b"app-secret", body, Some("sha1=abc")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(b"app-secret", body, Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        let upper = sig.to_uppercase().replace("SHA256=", "sha256=");
        assert_eq!(
            verify_signature(b"app-secret", body, Some(&upper)),
            Ok(()),
            "hex case does not matter"
        );
    }

    #[test]
    fn handshake() {
        assert_eq!(
            verify_handshake(Some("subscribe"), Some("tok"), Some("123"), "tok"),
            Some("123")
        );
        assert_eq!(
            verify_handshake(Some("subscribe"), Some("bad"), Some("123"), "tok"),
            None
        );
        assert_eq!(
            verify_handshake(Some("unsubscribe"), Some("tok"), Some("123"), "tok"),
            None
        );
        assert_eq!(
            verify_handshake(None, Some("tok"), Some("123"), "tok"),
            None
        );
        assert_eq!(
            verify_handshake(Some("subscribe"), Some(""), Some("1"), ""),
            None
        );
    }
}
