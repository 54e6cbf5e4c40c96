//! Log-in throttling that an attacker cannot turn against users. An attempt
//! counts against three keys, each with its own allowance an hour:
//!
//! - the account from one address: 5 failures, then 30 s doubling to 15 min;
//! - the address: 100 failures (a whole office behind one proxy), same delays;
//! - the account from every address: 1,000 failures, then 5 s doubling to 1 min.
//!
//! The last two do not apply to an account from an address it logged in from
//! successfully in the last 90 days: a flood from one address does not lock
//! out the colleagues behind it, and nobody can keep a known account locked
//! from an address its owner never uses. An attempt is counted *before* the
//! password is checked, in one transaction that locks the keys' rows, so a
//! burst cannot slip past the count; a right password gives its count back.
//! Kept in PostgreSQL so every server instance agrees.

use crate::model::account::UserId;
use crate::model::error::AppError;
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};
use std::net::IpAddr;

/// How many failures a key allows in its window, and the delay after.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    pub free: i32,
    pub first_delay_secs: f64,
    pub max_delay_secs: f64,
}

/// The account from one address.
pub const PAIR: Rule = Rule {
    free: 5,
    first_delay_secs: 30.0,
    max_delay_secs: 15.0 * 60.0,
};
/// An address, whatever the account.
pub const ADDRESS: Rule = Rule {
    free: 100,
    first_delay_secs: 30.0,
    max_delay_secs: 15.0 * 60.0,
};
/// An account, from every address.
pub const ACCOUNT: Rule = Rule {
    free: 1000,
    first_delay_secs: 5.0,
    max_delay_secs: 60.0,
};
/// Sign-ups from one address.
pub const SIGN_UP: Rule = Rule {
    free: 10,
    first_delay_secs: 60.0,
    max_delay_secs: 60.0 * 60.0,
};

const WINDOW_HOURS: i64 = 1;
const KNOWN_ADDRESS_DAYS: i64 = 90;

impl Rule {
    /// The delay once `failures` reached the allowance: doubling from the
    /// first delay, capped.
    pub fn delay_secs(self, failures: i32) -> Option<f64> {
        (failures >= self.free).then(|| {
            let doublings = (failures - self.free).min(30);
            (self.first_delay_secs * 2f64.powi(doublings)).min(self.max_delay_secs)
        })
    }
}

/// One key an attempt counts against, and whether it may refuse it.
#[derive(Clone, Debug)]
pub struct Key {
    pub name: String,
    pub rule: Rule,
    pub enforced: bool,
}

/// A key's row as locked for one attempt.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeyState {
    pub throttle_key: String,
    pub failures: i32,
    pub window_start: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
    pub refused: i32,
}

/// What an admitted attempt did to its keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Admitted {
    /// Keys this attempt took to their allowance, with the failures counted
    /// and the attempts refused while the key was last blocked: the one
    /// event of a burst for the audit trail.
    pub newly_blocked: Vec<(String, i32, i32)>,
    /// The longest delay now in force on an enforced key, if any.
    pub delay_secs: Option<u64>,
}

/// The decision for one attempt on the locked rows, and the rows after it.
pub fn decide(
    keys: &[Key],
    rows: &[KeyState],
    now: DateTime<Utc>,
) -> (Result<Admitted, u64>, Vec<KeyState>) {
    let state_of = |name: &str| rows.iter().find(|r| r.throttle_key == name);
    let blocked_for = keys
        .iter()
        .filter(|k| k.enforced)
        .filter_map(|k| state_of(&k.name)?.blocked_until)
        .filter(|until| *until > now)
        .map(|until| (until - now).num_milliseconds())
        .max();
    if let Some(ms) = blocked_for {
        let after = keys
            .iter()
            .filter(|k| k.enforced)
            .filter_map(|k| state_of(&k.name))
            .filter(|r| r.blocked_until.is_some_and(|u| u > now))
            .map(|r| KeyState {
                refused: r.refused + 1,
                ..r.clone()
            })
            .collect();
        return (Err(((ms + 999) / 1000).max(1) as u64), after);
    }
    let mut admitted = Admitted::default();
    let mut after = Vec::with_capacity(keys.len());
    for key in keys {
        let fresh = KeyState {
            throttle_key: key.name.clone(),
            failures: 0,
            window_start: now,
            blocked_until: None,
            refused: 0,
        };
        let mut row = state_of(&key.name).cloned().unwrap_or(fresh);
        if row.window_start <= now - Duration::hours(WINDOW_HOURS) {
            row.failures = 0;
            row.window_start = now;
        }
        row.failures += 1;
        if let Some(secs) = key.rule.delay_secs(row.failures) {
            row.blocked_until = Some(now + Duration::milliseconds((secs * 1000.0) as i64));
            if row.failures == key.rule.free {
                admitted
                    .newly_blocked
                    .push((key.name.clone(), row.failures, row.refused));
                row.refused = 0;
            }
            if key.enforced {
                admitted.delay_secs = admitted.delay_secs.max(Some(secs.ceil() as u64));
            }
        }
        after.push(row);
    }
    (Ok(admitted), after)
}

fn address(ip: Option<IpAddr>) -> String {
    ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The keys of a log-in attempt (or a password check) for `email`.
pub async fn login_keys(
    conn: &mut PgConnection,
    email: &str,
    ip: Option<IpAddr>,
) -> Result<Vec<Key>, sqlx::Error> {
    let known: bool =
        match ip {
            Some(ip) => sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM login_known_addresses k JOIN users u USING (user_id)
                                 WHERE u.email = $1 AND k.ip = $2
                                   AND k.last_success > now() - make_interval(days => $3))",
            )
            .bind(email)
            .bind(sqlx::types::ipnetwork::IpNetwork::from(ip))
            .bind(KNOWN_ADDRESS_DAYS as i32)
            .fetch_one(&mut *conn)
            .await?,
            None => false,
        };
    let at = address(ip);
    Ok(vec![
        Key {
            name: format!("pair:{email}|{at}"),
            rule: PAIR,
            enforced: true,
        },
        Key {
            name: format!("ip:{at}"),
            rule: ADDRESS,
            enforced: !known,
        },
        Key {
            name: format!("account:{email}"),
            rule: ACCOUNT,
            enforced: !known,
        },
    ])
}

/// Mails about an account to its own address: nobody can flood an inbox
/// through sign-up or "forgot password".
pub const ACCOUNT_MAILS: Rule = Rule {
    free: 3,
    first_delay_secs: 20.0 * 60.0,
    max_delay_secs: 60.0 * 60.0,
};

fn single(name: String, rule: Rule) -> Vec<Key> {
    vec![Key {
        name,
        rule,
        enforced: true,
    }]
}

/// The key of a sign-up from `ip`.
pub fn sign_up_keys(ip: Option<IpAddr>) -> Vec<Key> {
    single(format!("signup:{}", address(ip)), SIGN_UP)
}

/// The key of a "forgot password" request from `ip` (as many as sign-ups).
pub fn reset_request_keys(ip: Option<IpAddr>) -> Vec<Key> {
    single(format!("reset:{}", address(ip)), SIGN_UP)
}

/// The key of a mail about an account to its own address.
pub fn account_mail_keys(email: &str) -> Vec<Key> {
    single(format!("account-mail:{email}"), ACCOUNT_MAILS)
}

/// Counts one attempt against `keys`, atomically: refused (with the wait)
/// while an enforced key is blocked, else admitted and counted.
pub async fn attempt(pool: &PgPool, keys: &[Key]) -> Result<Admitted, AppError> {
    let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO login_throttle (throttle_key, failures, window_start)
         SELECT k, 0, now() FROM unnest($1::text[]) AS k ORDER BY k
         ON CONFLICT (throttle_key) DO NOTHING",
    )
    .bind(&names)
    .execute(&mut *tx)
    .await?;
    let rows: Vec<KeyState> = sqlx::query_as(
        "SELECT throttle_key, failures, window_start, blocked_until, refused
           FROM login_throttle WHERE throttle_key = ANY($1)
          ORDER BY throttle_key FOR UPDATE",
    )
    .bind(&names)
    .fetch_all(&mut *tx)
    .await?;
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await?;
    let (decision, after) = decide(keys, &rows, now);
    for row in &after {
        sqlx::query(
            "UPDATE login_throttle SET failures = $2, window_start = $3, blocked_until = $4,
                    refused = $5
              WHERE throttle_key = $1",
        )
        .bind(&row.throttle_key)
        .bind(row.failures)
        .bind(row.window_start)
        .bind(row.blocked_until)
        .bind(row.refused)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    decision.map_err(|retry_after_secs| AppError::LoginThrottled { retry_after_secs })
}

/// A right password: the account's count from this address is cleared, the
/// others get this attempt back, and the address becomes a known one.
pub async fn record_success(
    pool: &PgPool,
    keys: &[Key],
    user: UserId,
    ip: Option<IpAddr>,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    if let Some((pair, others)) = keys.split_first() {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(&pair.name)
            .execute(&mut *tx)
            .await?;
        give_back(&mut tx, others).await?;
    }
    if let Some(ip) = ip {
        sqlx::query(
            "INSERT INTO login_known_addresses (user_id, ip, last_success) VALUES ($1, $2, now())
             ON CONFLICT (user_id, ip) DO UPDATE SET last_success = now()",
        )
        .bind(user.0)
        .bind(sqlx::types::ipnetwork::IpNetwork::from(ip))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// An attempt that was counted but never checked (the server was busy)
/// is given back to every key.
pub async fn forgive(pool: &PgPool, keys: &[Key]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    give_back(&mut tx, keys).await?;
    tx.commit().await
}

async fn give_back(conn: &mut PgConnection, keys: &[Key]) -> Result<(), sqlx::Error> {
    for key in keys {
        sqlx::query(
            "UPDATE login_throttle SET failures = greatest(failures - 1, 0),
                    blocked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE blocked_until END
              WHERE throttle_key = $1",
        )
        .bind(&key.name)
        .bind(key.rule.free)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Keys untouched for a day hold nothing that still counts.
pub async fn expire(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM login_throttle
          WHERE window_start < now() - interval '1 day'
            AND (blocked_until IS NULL OR blocked_until < now())",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, rule: Rule, enforced: bool) -> Key {
        Key {
            name: name.into(),
            rule,
            enforced,
        }
    }

    fn run(keys: &[Key], rows: &mut Vec<KeyState>, now: DateTime<Utc>) -> Result<Admitted, u64> {
        let (decision, after) = decide(keys, rows, now);
        for row in after {
            match rows.iter_mut().find(|r| r.throttle_key == row.throttle_key) {
                Some(existing) => *existing = row,
                None => rows.push(row),
            }
        }
        decision
    }

    #[test]
    fn the_fifth_failure_blocks_the_pair_and_a_burst_gets_no_further() {
        let keys = [key("pair", PAIR, true)];
        let mut rows = Vec::new();
        let now = Utc::now();
        for n in 1..=4 {
            let admitted = run(&keys, &mut rows, now).expect("admitted");
            assert_eq!(admitted.delay_secs, None, "attempt {n}");
        }
        let fifth = run(&keys, &mut rows, now).expect("the fifth is admitted");
        assert_eq!(fifth.delay_secs, Some(30));
        assert_eq!(fifth.newly_blocked, vec![("pair".to_owned(), 5, 0)]);
        for _ in 0..40 {
            assert_eq!(run(&keys, &mut rows, now), Err(30));
        }
        assert_eq!(rows[0].failures, 5, "refused attempts are not failures");
        assert_eq!(rows[0].refused, 40);
        let later = now + Duration::seconds(31);
        let sixth = run(&keys, &mut rows, later).expect("admitted after the delay");
        assert_eq!(sixth.delay_secs, Some(60), "the delay doubles");
        assert!(sixth.newly_blocked.is_empty(), "one event per burst");
    }

    #[test]
    fn a_key_that_is_not_enforced_counts_but_never_refuses() {
        let keys = [key("pair", PAIR, true), key("ip", ADDRESS, false)];
        let mut rows = vec![KeyState {
            throttle_key: "ip".into(),
            failures: 500,
            window_start: Utc::now(),
            blocked_until: Some(Utc::now() + Duration::minutes(10)),
            refused: 0,
        }];
        let admitted = run(&keys, &mut rows, Utc::now()).expect("a known address passes");
        assert_eq!(admitted.delay_secs, None);
        assert_eq!(rows[0].failures, 501);
    }

    #[test]
    fn the_window_starts_again_after_an_hour() {
        let keys = [key("pair", PAIR, true)];
        let now = Utc::now();
        let mut rows = vec![KeyState {
            throttle_key: "pair".into(),
            failures: 4,
            window_start: now - Duration::minutes(61),
            blocked_until: None,
            refused: 0,
        }];
        run(&keys, &mut rows, now).expect("admitted");
        assert_eq!(rows[0].failures, 1);
    }

    #[test]
    fn delays_double_up_to_their_cap() {
        assert_eq!(PAIR.delay_secs(4), None);
        assert_eq!(PAIR.delay_secs(5), Some(30.0));
        assert_eq!(PAIR.delay_secs(7), Some(120.0));
        assert_eq!(PAIR.delay_secs(500), Some(900.0));
        assert_eq!(ACCOUNT.delay_secs(1003), Some(40.0));
        assert_eq!(ACCOUNT.delay_secs(1004), Some(60.0));
    }
}
