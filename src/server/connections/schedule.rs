//! When a connection runs: a cron expression (five fields, or six with
//! seconds) read in an IANA time zone, so "02:00 in Paris" stays 02:00
//! across daylight saving.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("“{0}” is not a cron expression such as 0 2 * * 1-5 ({1})")]
    Cron(String, String),
    #[error("“{0}” is not a time zone such as Europe/Paris")]
    Zone(String),
}

/// A checked schedule.
pub struct Schedule {
    cron: Cron,
    zone: Tz,
}

impl Schedule {
    pub fn parse(expression: &str, zone: &str) -> Result<Schedule, ScheduleError> {
        let zone: Tz = zone
            .parse()
            .map_err(|_| ScheduleError::Zone(zone.to_owned()))?;
        let cron: Cron = expression.parse().map_err(|e: croner::errors::CronError| {
            ScheduleError::Cron(expression.to_owned(), e.to_string())
        })?;
        Ok(Schedule { cron, zone })
    }

    /// The first moment after `after`, or none (a pattern such as
    /// 30 February never comes).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.zone), false)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }

    /// The schedule in words.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.cron.describe(), self.zone.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_schedule_is_read_in_its_time_zone_across_daylight_saving() {
        let nightly = Schedule::parse("0 2 * * *", "Europe/Paris").expect("a schedule");
        // Winter: 02:00 in Paris is 01:00 UTC; summer: 00:00 UTC.
        let winter = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
        assert_eq!(
            nightly.next_after(winter),
            Some(Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).unwrap())
        );
        let summer = Utc.with_ymd_and_hms(2027, 7, 1, 12, 0, 0).unwrap();
        assert_eq!(
            nightly.next_after(summer),
            Some(Utc.with_ymd_and_hms(2027, 7, 2, 0, 0, 0).unwrap())
        );
    }

    #[test]
    fn weekdays_skip_the_weekend() {
        let weekdays = Schedule::parse("30 6 * * 1-5", "UTC").expect("a schedule");
        // Friday 2026-12-04 after 06:30 → Monday 2026-12-07.
        let friday = Utc.with_ymd_and_hms(2026, 12, 4, 7, 0, 0).unwrap();
        assert_eq!(
            weekdays.next_after(friday),
            Some(Utc.with_ymd_and_hms(2026, 12, 7, 6, 30, 0).unwrap())
        );
    }

    #[test]
    fn bad_expressions_and_zones_are_named() {
        assert!(matches!(
            Schedule::parse("61 2 * * *", "UTC"),
            Err(ScheduleError::Cron(..))
        ));
        assert_eq!(
            Schedule::parse("0 2 * * *", "Europe/Atlantis").err(),
            Some(ScheduleError::Zone("Europe/Atlantis".into()))
        );
    }
}
