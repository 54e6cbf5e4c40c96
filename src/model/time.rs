//! Moments as the API and the pages exchange them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A moment in UTC: RFC 3339 on the wire (`2026-11-26T04:39:12Z`), for
/// programs; `2026-11-26 04:39 UTC` when shown to people.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema), schema(value_type = String, format = DateTime))]
#[serde(transparent)]
pub struct Timestamp(String);

impl Timestamp {
    #[cfg(feature = "ssr")]
    pub fn from_utc(at: chrono::DateTime<chrono::Utc>) -> Timestamp {
        Timestamp(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    }

    pub fn as_rfc3339(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.get(..10), self.0.get(11..16)) {
            (Some(date), Some(time)) => write!(f, "{date} {time} UTC"),
            _ => f.write_str(&self.0),
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::Timestamp;
    use chrono::TimeZone;

    #[test]
    fn rfc3339_for_programs_minutes_for_people() {
        let at = Timestamp::from_utc(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 26, 4, 39, 12)
                .unwrap(),
        );
        assert_eq!(at.as_rfc3339(), "2026-11-26T04:39:12Z");
        assert_eq!(at.to_string(), "2026-11-26 04:39 UTC");
        assert_eq!(
            serde_json::to_string(&at).unwrap(),
            "\"2026-11-26T04:39:12Z\""
        );
        assert_eq!(Timestamp::default().to_string(), "");
    }
}
