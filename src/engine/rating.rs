//! Ratings (ratios.md §3.2): S&P/Fitch and Moody's notches on one scale, and
//! credit quality steps.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A notch on the S&P/Fitch scale; Moody's notches map onto it (`A1` = `A+`).
/// The index orders from best (AAA = 0) to worst (D/SD/RD = 21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Notch(u8);

const SP: [&str; 22] = [
    "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB", "BB-", "B+",
    "B", "B-", "CCC+", "CCC", "CCC-", "CC", "C", "D",
];
const MOODYS: [(&str, u8); 21] = [
    ("AAA", 0),
    ("AA1", 1),
    ("AA2", 2),
    ("AA3", 3),
    ("A1", 4),
    ("A2", 5),
    ("A3", 6),
    ("BAA1", 7),
    ("BAA2", 8),
    ("BAA3", 9),
    ("BA1", 10),
    ("BA2", 11),
    ("BA3", 12),
    ("B1", 13),
    ("B2", 14),
    ("B3", 15),
    ("CAA1", 16),
    ("CAA2", 17),
    ("CAA3", 18),
    ("CA", 19),
    ("C", 20),
];
/// Shifts are clamped to AAA…C (dataset.md, `shift_ratings`).
const WORST_SHIFT: u8 = 20;

impl Notch {
    pub fn parse(text: &str) -> Option<Notch> {
        let upper = text.trim().to_ascii_uppercase();
        if let Some(i) = SP.iter().position(|n| *n == upper) {
            return Some(Notch(i as u8));
        }
        if upper == "SD" || upper == "RD" {
            return Some(Notch(21));
        }
        MOODYS
            .iter()
            .find(|(n, _)| *n == upper)
            .map(|(_, i)| Notch(*i))
    }

    pub fn cqs(self) -> Cqs {
        Cqs(match self.0 {
            0..=3 => 1,
            4..=6 => 2,
            7..=9 => 3,
            10..=12 => 4,
            13..=15 => 5,
            _ => 6,
        })
    }

    /// Positive = downgrade; the result stays within AAA…C.
    pub fn shifted(self, notches: i32) -> Notch {
        // Default (D/SD/RD) is an event, not a grade: as in a migration
        // matrix it is absorbing, and no shift moves a line out of it (a
        // cure is modelled by setting the line's rating or `defaulted`).
        if self.0 > WORST_SHIFT {
            return self;
        }
        let moved = i32::from(self.0).saturating_add(notches);
        Notch(moved.clamp(0, i32::from(WORST_SHIFT)) as u8)
    }

    /// The notch standing for a whole credit quality step when only `cqs` is
    /// known (its middle notch), so that a notch shift can move it.
    pub fn middle_of(cqs: Cqs) -> Notch {
        Notch(match cqs.0 {
            1 => 2,
            2 => 5,
            3 => 8,
            4 => 11,
            5 => 14,
            _ => 17,
        })
    }

    pub fn as_str(self) -> &'static str {
        SP[usize::from(self.0)]
    }
}

impl fmt::Display for Notch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Credit quality step 1–6.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cqs(u8);

impl Cqs {
    pub fn new(step: u8) -> Option<Cqs> {
        (1..=6).contains(&step).then_some(Cqs(step))
    }

    pub fn step(self) -> u8 {
        self.0
    }

    /// Index 0–5 into a risk-weight table.
    pub fn index(self) -> usize {
        usize::from(self.0 - 1)
    }
}

/// A rating as given in the data set: a notch, or unrated (`""`, `NR`, `WR`).
/// Serialises back to the canonical S&P/Fitch notch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Rating {
    #[default]
    Unrated,
    Notch(Notch),
}

impl Rating {
    pub fn parse(text: &str) -> Result<Rating, String> {
        let trimmed = text.trim();
        if trimmed.is_empty()
            || trimmed.eq_ignore_ascii_case("NR")
            || trimmed.eq_ignore_ascii_case("WR")
        {
            return Ok(Rating::Unrated);
        }
        Notch::parse(trimmed).map(Rating::Notch).ok_or_else(|| {
            format!(
                "unknown rating \"{text}\" (expected an S&P/Fitch notch such as BBB+, a Moody's \
                 notch such as Baa1, NR or WR)"
            )
        })
    }

    pub fn notch(self) -> Option<Notch> {
        match self {
            Rating::Unrated => None,
            Rating::Notch(n) => Some(n),
        }
    }

    pub fn is_unrated(&self) -> bool {
        matches!(self, Rating::Unrated)
    }
}

impl Serialize for Rating {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Rating::Unrated => s.serialize_str("NR"),
            Rating::Notch(n) => s.serialize_str(n.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for Rating {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Rating::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Cqs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.0)
    }
}

impl<'de> Deserialize<'de> for Cqs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(d)?;
        if value.fract() == 0.0 && (1.0..=6.0).contains(&value) {
            Ok(Cqs(value as u8))
        } else {
            Err(serde::de::Error::custom(format!(
                "credit quality step {value} is outside 1–6"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_notch_maps_to_its_cqs() {
        let cases = [
            ("AAA", 1),
            ("AA-", 1),
            ("A+", 2),
            ("A-", 2),
            ("BBB+", 3),
            ("BBB-", 3),
            ("BB+", 4),
            ("BB-", 4),
            ("B+", 5),
            ("B-", 5),
            ("CCC+", 6),
            ("C", 6),
            ("D", 6),
            ("SD", 6),
            ("RD", 6),
            ("Aaa", 1),
            ("Aa3", 1),
            ("A1", 2),
            ("A3", 2),
            ("Baa1", 3),
            ("Baa3", 3),
            ("Ba1", 4),
            ("Ba3", 4),
            ("B1", 5),
            ("B3", 5),
            ("Caa1", 6),
            ("Ca", 6),
        ];
        for (text, cqs) in cases {
            let notch = Notch::parse(text).unwrap_or_else(|| panic!("{text} parses"));
            assert_eq!(notch.cqs().step(), cqs, "{text}");
        }
    }

    #[test]
    fn moodys_a1_is_an_a_plus_equivalent_and_matching_ignores_case() {
        assert_eq!(Notch::parse("A1"), Notch::parse("A+"));
        assert_eq!(Notch::parse("baa2"), Notch::parse("BBB"));
        assert_eq!(Notch::parse("bbb-"), Notch::parse("Baa3"));
    }

    #[test]
    fn unrated_and_invalid_strings() {
        for text in ["", "  ", "NR", "nr", "WR"] {
            assert_eq!(Rating::parse(text), Ok(Rating::Unrated), "{text:?}");
        }
        for text in ["AAB", "A4", "BBB+-", "X"] {
            assert!(Rating::parse(text).is_err(), "{text} must be rejected");
        }
    }

    #[test]
    fn shifts_clamp_to_aaa_and_c() {
        let bbb = Notch::parse("BBB").expect("BBB");
        assert_eq!(bbb.shifted(2).as_str(), "BB+");
        assert_eq!(bbb.shifted(-20).as_str(), "AAA");
        assert_eq!(bbb.shifted(30).as_str(), "C");
        assert_eq!(
            bbb.shifted(i32::MAX).as_str(),
            "C",
            "found by schemathesis: it overflowed"
        );
        assert_eq!(bbb.shifted(i32::MIN).as_str(), "AAA");
        let d = Notch::parse("D").expect("D");
        assert_eq!(d.shifted(3), d, "a default cannot get worse");
        assert_eq!(d.shifted(-1), d, "nor be cured by an upgrade");
    }
}
