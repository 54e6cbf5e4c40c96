//! Secrets Prudentia must use again (an SFTP password or key, a bearer
//! token) are sealed with XChaCha20-Poly1305 under a key from the
//! environment (`PRUDENTIA_SECRETS_KEY`, 32 bytes in base64), so a copy of
//! the database alone reveals none. Each is bound to its row: a sealed
//! value moved to another connection does not open.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

/// The layout's version, first byte of every sealed value.
const V1: u8 = 1;
const NONCE: usize = 24;

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum SecretsError {
    #[error("the secrets key must be 32 bytes in base64 (head -c 32 /dev/urandom | base64)")]
    BadKey,
    #[error("the sealed secret does not open with this key")]
    Unsealed,
}

pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Sealer {
        Sealer {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The key as the environment gives it: base64 of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Sealer, SecretsError> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| SecretsError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretsError::BadKey)?;
        Ok(Sealer::new(&key))
    }

    /// `secret` sealed for the row `bound_to` names.
    pub fn seal(&self, secret: &str, bound_to: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret.as_bytes(),
            aad: bound_to.as_bytes(),
        };
        let sealed = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("XChaCha20-Poly1305 seals any length we store");
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
        out.push(V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8], bound_to: &str) -> Result<String, SecretsError> {
        let (version, rest) = sealed.split_first().ok_or(SecretsError::Unsealed)?;
        if *version != V1 || rest.len() < NONCE {
            return Err(SecretsError::Unsealed);
        }
        let (nonce, body) = rest.split_at(NONCE);
        let payload = Payload {
            msg: body,
            aad: bound_to.as_bytes(),
        };
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| SecretsError::Unsealed)?;
        String::from_utf8(plain).map_err(|_| SecretsError::Unsealed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_its_row() {
        let sealer = Sealer::new(&[7; 32]);
        let sealed = sealer.seal("hunter2", "tenant/a");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(sealer.open(&sealed, "tenant/a").as_deref(), Ok("hunter2"));
        assert_eq!(
            sealer.open(&sealed, "tenant/b"),
            Err(SecretsError::Unsealed)
        );
        let other = Sealer::new(&[8; 32]);
        assert_eq!(other.open(&sealed, "tenant/a"), Err(SecretsError::Unsealed));
        assert_ne!(
            sealer.seal("hunter2", "tenant/a"),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn the_key_must_be_32_bytes_of_base64() {
        assert!(Sealer::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
        assert_eq!(
            Sealer::from_base64("c2hvcnQ=").err(),
            Some(SecretsError::BadKey)
        );
        assert_eq!(
            Sealer::from_base64("not base64!").err(),
            Some(SecretsError::BadKey)
        );
    }
}
