//! When a failed delivery is tried again: the Standard Webhooks schedule
//! (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h),
//! or later when the receiver asks so with `Retry-After`.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// The wait before each attempt; the first is immediate.
pub const SCHEDULE: [u64; 10] = [
    0,
    5,
    5 * 60,
    30 * 60,
    2 * 3600,
    5 * 3600,
    10 * 3600,
    14 * 3600,
    20 * 3600,
    24 * 3600,
];

/// The wait before the next attempt after `done` attempts failed; none
/// when the schedule is spent. A receiver's `Retry-After` may lengthen
/// the wait, up to a day, never shorten it.
pub fn next(done: usize, retry_after: Option<Duration>) -> Option<Duration> {
    let scheduled = Duration::from_secs(*SCHEDULE.get(done)?);
    let asked = retry_after
        .unwrap_or_default()
        .min(Duration::from_secs(24 * 3600));
    Some(scheduled.max(asked))
}

/// `Retry-After` in seconds or as an HTTP date.
pub fn retry_after(header: &str, now: DateTime<Utc>) -> Option<Duration> {
    let header = header.trim();
    if let Ok(seconds) = header.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(header).ok()?;
    (at.with_timezone(&Utc) - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_runs_ten_attempts_over_about_three_days() {
        let waits: Vec<u64> = (1..=10)
            .map_while(|done| next(done, None))
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(waits, SCHEDULE[1..].to_vec());
        assert_eq!(next(10, None), None);
        assert_eq!(
            next(1, Some(Duration::from_secs(120))),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            next(2, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            next(1, Some(Duration::from_secs(999_999))),
            Some(Duration::from_secs(86_400))
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z")
            .expect("a date")
            .with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(retry_after("soon", now), None);
    }
}
