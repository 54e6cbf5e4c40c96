//! Signatures per the Standard Webhooks specification: `webhook-id`,
//! `webhook-timestamp` and `webhook-signature`, the last `v1,` and the
//! base64 HMAC-SHA256 of `id.timestamp.body` under the endpoint's key;
//! during a secret rotation one signature per key, space-separated.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// An endpoint's signing key, kept as `whsec_` and its base64.
pub struct Secret(Vec<u8>);

impl Secret {
    /// A new random key of 24 bytes, as text.
    pub fn generate() -> String {
        let key: [u8; 24] = rand::random();
        format!("{PREFIX}{}", STANDARD.encode(key))
    }

    pub fn parse(text: &str) -> Option<Secret> {
        let key = STANDARD
            .decode(text.strip_prefix(PREFIX).unwrap_or(text))
            .ok()?;
        (!key.is_empty()).then_some(Secret(key))
    }

    /// `v1,` and the base64 signature of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Whether one of a header's signatures is this key's (compared in
    /// constant time).
    pub fn verifies(&self, id: &str, timestamp: i64, body: &str, header: &str) -> bool {
        let expected = self.sign(id, timestamp, body);
        header.split(' ').any(|candidate| {
            candidate.len() == expected.len()
                && candidate
                    .bytes()
                    .zip(expected.bytes())
                    .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                    == 0
        })
    }
}

/// The `webhook-signature` header: one signature per key in use.
pub fn signature_header(keys: &[Secret], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter()
        .map(|k| k.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The specification's published vector (standard-webhooks, the
    // reference libraries' `test_sign`).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1614265330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn signs_the_specifications_test_vectors() {
        let key = Secret::parse(SECRET).expect("a key");
        assert_eq!(key.sign(ID, TIMESTAMP, BODY), SIGNATURE);
        let other = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("a key");
        assert_eq!(
            other.sign(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                r#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn a_rotation_signs_with_both_keys_and_either_verifies() {
        let old = Secret::parse(SECRET).expect("a key");
        let new = Secret::parse(&Secret::generate()).expect("a key");
        let header = signature_header(
            &[new, Secret::parse(SECRET).expect("a key")],
            ID,
            TIMESTAMP,
            BODY,
        );
        assert_eq!(header.split(' ').count(), 2);
        assert!(old.verifies(ID, TIMESTAMP, BODY, &header));
        assert!(!old.verifies(ID, TIMESTAMP + 1, BODY, &header));
        assert!(!old.verifies(ID, TIMESTAMP, r#"{"test": 2432232315}"#, &header));
        assert!(Secret::parse("whsec_not base64!").is_none());
    }
}
