//! Password hashing (Argon2id with the OWASP parameters: 19 MiB, t = 2,
//! p = 1), run on the blocking pool so a log-in never stalls the server, and
//! the common-password list shipped with the application.
//!
//! Each hash costs 19 MiB and about 50 ms of a core: a fixed number run at
//! once (`PRUDENTIA_HASH_CONCURRENCY`), and a caller that cannot get a turn
//! within a second is told to come back (503 with `Retry-After`) instead of
//! queueing without bound. Callers hold no database connection meanwhile.

use crate::model::account::check_password;
use crate::model::error::{AppError, FieldErrors};
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::collections::HashSet;
use std::sync::OnceLock;

static TURNS: OnceLock<tokio::sync::Semaphore> = OnceLock::new();
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// How many hashes may run at once; set once at start-up (the default is
/// one per core).
pub fn set_concurrency(turns: usize) {
    let _ = TURNS.set(tokio::sync::Semaphore::new(turns.max(1)));
}

fn turns() -> &'static tokio::sync::Semaphore {
    TURNS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs `work` on the blocking pool once a turn is free.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let turn = tokio::time::timeout(TURN_WAIT, turns().acquire())
        .await
        .map_err(|_| {
            tracing::warn!("password hashing is at capacity: request turned away");
            AppError::Busy {
                retry_after_secs: 1,
            }
        })?
        .map_err(|_| AppError::Internal)?;
    let result = tokio::task::spawn_blocking(work).await.map_err(|error| {
        tracing::error!(%error, "password hashing task failed");
        AppError::Internal
    });
    drop(turn);
    result
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP Argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: String) -> Result<String, AppError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|error| {
        tracing::error!(%error, "password hashing failed");
        AppError::Internal
    })
}

/// Verifies `password` against `stored`, or against a dummy hash when the
/// account does not exist, so an unknown e-mail costs the same time as a
/// wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let known = stored.is_some();
    let result = hashing(move || {
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        PasswordHash::new(&stored)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?;
    Ok(known && result)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no account has this password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

fn common_passwords() -> &'static HashSet<String> {
    static LIST: OnceLock<HashSet<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Length rules, the common-password list, and not the e-mail address.
pub fn check_new(field: &str, password: &str, email: &str) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    check_password(&mut errors, field, password);
    let lowered = password.trim().to_lowercase();
    if errors.is_empty() && common_passwords().contains(&lowered) {
        errors.push(
            field,
            "This password is on the list of the most common ones; please choose another.",
        );
    } else if errors.is_empty() && lowered == email.to_lowercase() {
        errors.push(field, "Your password cannot be your e-mail address.");
    }
    errors.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let h = hash("a long enough passphrase".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify("a long enough passphrase".into(), Some(h.clone()))
                .await
                .expect("verified")
        );
        assert!(
            !verify("another passphrase!".into(), Some(h))
                .await
                .expect("verified")
        );
        assert!(
            !verify("a long enough passphrase".into(), None)
                .await
                .expect("verified")
        );
    }

    #[test]
    fn common_and_short_passwords_are_refused() {
        assert!(check_new("p", "Password1234", "a@b.eu").is_err());
        assert!(check_new("p", "short", "a@b.eu").is_err());
        assert!(check_new("p", "ana@alpha.eu", "ana@alpha.eu").is_err());
        assert!(check_new("p", "tide pools at dawn", "a@b.eu").is_ok());
    }
}
