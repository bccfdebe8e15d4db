//! Standard Webhooks signatures (<https://www.standardwebhooks.com>).
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the
//! signature header is a space-separated list of `v1,<base64 HMAC-SHA256>`
//! so that a receiver can accept several during a secret rotation.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// A signing secret. Standard Webhooks secrets are `whsec_` followed by
/// base64 key bytes; any other string is used as the key bytes as written,
/// so integrators can paste whatever their side generated.
#[derive(Clone)]
pub struct WebhookSecret(Vec<u8>);

impl WebhookSecret {
    /// A `whsec_` secret whose key is not valid base64 is an error: used as
    /// raw bytes instead, it would sign with a key the receiver (decoding
    /// it as the standard says) does not have.
    pub fn parse(secret: &str) -> Result<Self, String> {
        match secret.strip_prefix("whsec_") {
            Some(b64) => match STANDARD.decode(b64) {
                Ok(key) if !key.is_empty() => Ok(WebhookSecret(key)),
                Ok(_) => Err("the key after `whsec_` is empty".into()),
                // The decoder's detail would quote a character of the key.
                Err(_) => Err("the key after `whsec_` is not base64".into()),
            },
            None => Ok(WebhookSecret(secret.as_bytes().to_vec())),
        }
    }

    /// For secrets already validated with [`Self::parse`] (and tests); an
    /// invalid `whsec_` key falls back to the raw bytes.
    pub fn new(secret: &str) -> Self {
        Self::parse(secret).unwrap_or_else(|_| WebhookSecret(secret.as_bytes().to_vec()))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` header value for this message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", STANDARD.encode(tag))
    }

    /// Checks a `webhook-signature` header: true when any `v1` signature in
    /// it matches, compared in constant time.
    pub fn verify(&self, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        header.split_whitespace().any(|sig| {
            let Some(b64) = sig.strip_prefix("v1,") else {
                return false;
            };
            let Ok(tag) = STANDARD.decode(b64) else {
                return false;
            };
            self.mac(id, timestamp, body).verify_slice(&tag).is_ok()
        })
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The example from the Standard Webhooks specification's test suite.
        let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let body = br#"{"test": 2432232314}"#;
        let sig = secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(secret.verify("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, &sig));
    }

    #[test]
    fn wrong_secret_body_or_id_does_not_verify() {
        let right = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let wrong = WebhookSecret::new("whsec_AAAA9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let sig = right.sign("id1", 10, b"{}");
        assert!(!wrong.verify("id1", 10, b"{}", &sig));
        assert!(!right.verify("id2", 10, b"{}", &sig));
        assert!(!right.verify("id1", 11, b"{}", &sig));
        assert!(!right.verify("id1", 10, b"{ }", &sig));
        assert!(!right.verify("id1", 10, b"{}", "v1,not-base64!"));
        assert!(!right.verify("id1", 10, b"{}", ""));
        // A rotation header with one stale and one good signature verifies.
        let both = format!("v1,AAAA {sig}");
        assert!(right.verify("id1", 10, b"{}", &both));
    }

    #[test]
    fn whsec_keys_must_be_base64() {
        assert!(WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
        let err = WebhookSecret::parse("whsec_not base64!").unwrap_err();
        assert!(err.contains("not base64"), "{err}");
        assert!(WebhookSecret::parse("whsec_").is_err());
        assert!(WebhookSecret::parse("any string at all").is_ok());
    }

    #[test]
    fn plain_secrets_are_used_as_bytes() {
        let a = WebhookSecret::new("not-prefixed");
        let b = WebhookSecret::new("not-prefixed");
        assert_eq!(a.sign("x", 1, b"y"), b.sign("x", 1, b"y"));
        assert_eq!(format!("{a:?}"), "WebhookSecret(<redacted>)");
    }
}
