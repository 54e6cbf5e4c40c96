use serde::{Deserialize, Serialize};
use std::fmt;

/// A price in euro cents. Prices never go through floating point, so a plan's
/// price reads back exactly as it was stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EuroCents(i64);

impl EuroCents {
    pub const fn new(cents: i64) -> Self {
        Self(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }
}

/// Renders as `€1,490` (or `€1,490.50` when there are cents), the way a price
/// list shows it.
impl fmt::Display for EuroCents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, cents) = (abs / 100, abs % 100);
        let grouped = group_thousands(whole);
        if cents == 0 {
            write!(f, "{sign}€{grouped}")
        } else {
            write!(f, "{sign}€{grouped}.{cents:02}")
        }
    }
}

/// `1234567` → `"1,234,567"`, the English grouping the price list uses.
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    grouped
}

/// A whole amount with thousands separators: `-1,234,567`.
pub fn amount(value: f64) -> String {
    let grouped = group_thousands(value.abs().round() as u64);
    if value.round() < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A ratio as a percentage with two decimals, or a dash when it cannot be
/// computed.
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{:.2} %", v * 100.0))
}

#[cfg(test)]
mod tests {
    use super::{EuroCents, amount, group_thousands, percent};

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(200_000), "200,000");
    }

    #[test]
    fn amounts_and_ratios_read_as_in_a_committee_pack() {
        assert_eq!(amount(1_234_567.4), "1,234,567");
        assert_eq!(amount(-999.6), "-1,000");
        assert_eq!(percent(Some(0.14213)), "14.21 %");
    }

    #[test]
    fn displays_grouped_euros() {
        assert_eq!(EuroCents::new(0).to_string(), "€0");
        assert_eq!(EuroCents::new(49_000).to_string(), "€490");
        assert_eq!(EuroCents::new(149_000).to_string(), "€1,490");
        assert_eq!(EuroCents::new(123_456_789).to_string(), "€1,234,567.89");
        assert_eq!(EuroCents::new(-1_050).to_string(), "-€10.50");
    }
}
