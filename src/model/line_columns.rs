//! Exposure lines on the wire as columns: what a version stores and the
//! dashboard downloads. A field's values are kept once each, with one small
//! index per line, so the browser reads no field names and builds each
//! distinct value once; amounts travel as raw little-endian floats.
//!
//! Layout: [`MAGIC`], then MessagePack of `LineColumns` (fields in order).
//! Versions packed earlier hold MessagePack with field names and keep it: a
//! version's packed lines never change. Both forms decode (`decode_lines`).

use crate::engine::dataset::{
    CollateralType, CounterpartyType, Exposure, ExposureClass, OffBalanceType, OtherType, ReType,
    RetailType, ScraGrade, SlType,
};
use crate::engine::rating::{Cqs, Rating};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hash;

/// Bytes no MessagePack array (the earlier form) starts with.
const MAGIC: &[u8; 4] = b"PLC1";

/// How a column maps lines to its values.
const CONSTANT: u8 = 0;
const ONE_EACH: u8 = 255;

/// One field of every line: its distinct values in the order met and, per
/// line, which one (`width` bytes, little-endian). A field with one value
/// for all lines has no index (`CONSTANT`), nor one whose values all differ
/// (`ONE_EACH`: the values are the lines' own, in order).
#[derive(Serialize, Deserialize)]
struct Column<T> {
    values: Vec<T>,
    width: u8,
    #[serde(with = "serde_bytes")]
    index: Vec<u8>,
}

impl<T: Clone + Eq + Hash> Column<T> {
    fn of<'a>(field: impl ExactSizeIterator<Item = &'a T> + Clone) -> Column<T>
    where
        T: 'a,
    {
        // Most fields are absent from every line: no need to hash them.
        let mut rest = field.clone();
        if let Some(first) = rest.next()
            && rest.all(|value| value == first)
        {
            return Column {
                values: vec![first.clone()],
                width: CONSTANT,
                index: Vec::new(),
            };
        }
        let len = field.len();
        let mut seen: HashMap<&T, u32, foldhash::fast::RandomState> = HashMap::default();
        let mut values = Vec::new();
        let mut positions = Vec::with_capacity(len);
        for value in field {
            let next = seen.len() as u32;
            let at = *seen.entry(value).or_insert_with(|| {
                values.push(value.clone());
                next
            });
            positions.push(at);
        }
        let (width, index) = match values.len() {
            n if n <= 1 => (CONSTANT, Vec::new()),
            n if n == len => (ONE_EACH, Vec::new()),
            n => {
                let width: u8 = if n <= 1 << 8 {
                    1
                } else if n <= 1 << 16 {
                    2
                } else {
                    4
                };
                let bytes = positions
                    .iter()
                    .flat_map(|p| p.to_le_bytes().into_iter().take(usize::from(width)))
                    .collect();
                (width, bytes)
            }
        };
        Column {
            values,
            width,
            index,
        }
    }

    /// Every line's value, after checking the column fits `len` lines.
    fn values(self, len: usize, field: &str) -> Result<Vec<T>, String> {
        let wrong = || format!("the exposure lines could not be read: column `{field}` is damaged");
        match self.width {
            CONSTANT => match self.values.as_slice() {
                [] if len == 0 => Ok(Vec::new()),
                [value] => Ok(vec![value.clone(); len]),
                _ => Err(wrong()),
            },
            ONE_EACH if self.values.len() == len => Ok(self.values),
            width @ (1 | 2 | 4) if self.index.len() == len * usize::from(width) => self
                .index
                .chunks_exact(usize::from(width))
                .map(|bytes| {
                    let mut le = [0u8; 4];
                    le[..bytes.len()].copy_from_slice(bytes);
                    let at = u32::from_le_bytes(le) as usize;
                    self.values.get(at).cloned().ok_or_else(wrong)
                })
                .collect(),
            _ => Err(wrong()),
        }
    }
}

/// An optional amount of every line: which lines have one, then those
/// amounts as little-endian `f64`s (bit for bit what was stored).
#[derive(Serialize, Deserialize)]
struct Amounts {
    #[serde(with = "serde_bytes")]
    present: Vec<u8>,
    #[serde(with = "serde_bytes")]
    bits: Vec<u8>,
}

impl Amounts {
    fn of(field: impl Iterator<Item = Option<f64>>) -> Amounts {
        let mut present = Vec::new();
        let mut bits = Vec::new();
        for value in field {
            present.push(u8::from(value.is_some()));
            if let Some(amount) = value {
                bits.extend_from_slice(&amount.to_le_bytes());
            }
        }
        if bits.is_empty() {
            present.clear();
        }
        Amounts { present, bits }
    }

    fn values(self, len: usize, field: &str) -> Result<Vec<Option<f64>>, String> {
        let wrong = || format!("the exposure lines could not be read: column `{field}` is damaged");
        if self.present.is_empty() {
            return if self.bits.is_empty() {
                Ok(vec![None; len])
            } else {
                Err(wrong())
            };
        }
        let count = self.present.iter().filter(|&&p| p == 1).count();
        if self.present.len() != len
            || self.present.iter().any(|&p| p > 1)
            || self.bits.len() != count * 8
        {
            return Err(wrong());
        }
        let mut amounts = self.bits.chunks_exact(8);
        Ok(self
            .present
            .iter()
            .map(|&p| {
                (p == 1)
                    .then(|| amounts.next())
                    .flatten()
                    .and_then(|b| b.try_into().ok())
                    .map(f64::from_le_bytes)
            })
            .collect())
    }
}

/// Declares the columns once: the struct, its packing and its reading
/// (which names every field of [`Exposure`], so a new field cannot be
/// forgotten here).
macro_rules! line_columns {
    (amounts: [$($a:ident),* $(,)?], values: [$($v:ident: $t:ty),* $(,)?] $(,)?) => {
        #[derive(Serialize, Deserialize)]
        struct LineColumns {
            len: u64,
            $($a: Amounts,)*
            $($v: Column<$t>,)*
        }

        impl LineColumns {
            fn of(lines: &[Exposure]) -> LineColumns {
                LineColumns {
                    len: lines.len() as u64,
                    $($a: Amounts::of(lines.iter().map(|l| l.$a)),)*
                    $($v: Column::of(lines.iter().map(|l| &l.$v)),)*
                }
            }

            fn lines(self) -> Result<Vec<Exposure>, String> {
                let len = usize::try_from(self.len).map_err(|e| e.to_string())?;
                $(let mut $a = self.$a.values(len, stringify!($a))?.into_iter();)*
                $(let mut $v = self.$v.values(len, stringify!($v))?.into_iter();)*
                let mut lines = Vec::with_capacity(len);
                for _ in 0..len {
                    lines.push(Exposure {
                        $($a: $a.next().flatten(),)*
                        $($v: next($v.next())?,)*
                    });
                }
                Ok(lines)
            }
        }
    };
}

fn next<T>(value: Option<T>) -> Result<T, String> {
    value.ok_or_else(|| "the exposure lines could not be read: a column is short".to_owned())
}

line_columns! {
    amounts: [
        ltv, property_value, drawn, undrawn, specific_provisions, collateral_value,
        collateral_residual_maturity_years, guaranteed_amount,
    ],
    values: [
        id: String,
        class: ExposureClass,
        counterparty_id: Option<String>,
        counterparty_name: Option<String>,
        group_id: Option<String>,
        counterparty_type: Option<CounterpartyType>,
        rating: Rating,
        cqs: Option<Cqs>,
        short_term: bool,
        scra_grade: Option<ScraGrade>,
        issuer_rating: Rating,
        issuer_scra_grade: Option<ScraGrade>,
        sme: bool,
        investment_grade: bool,
        mdb_qualifying: bool,
        sl_type: Option<SlType>,
        retail_type: Option<RetailType>,
        other_type: Option<OtherType>,
        re_type: Option<ReType>,
        re_criteria_met: bool,
        defaulted: bool,
        currency: Option<String>,
        currency_mismatch: bool,
        country: Option<String>,
        sector: Option<String>,
        off_balance_type: Option<OffBalanceType>,
        collateral_type: Option<CollateralType>,
        collateral_currency: Option<String>,
        guarantor_class: Option<ExposureClass>,
        guarantor_rating: Rating,
        guarantor_group_id: Option<String>,
        maturity_date: Option<String>,
        product: Option<String>,
        description: Option<String>,
    ],
}

pub fn encode(lines: &[Exposure]) -> Result<Vec<u8>, String> {
    let mut bytes = MAGIC.to_vec();
    rmp_serde::encode::write(&mut bytes, &LineColumns::of(lines)).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Lines in either stored form: by columns ([`encode`]), or the
/// MessagePack with field names of versions packed before.
pub fn decode(bytes: &[u8]) -> Result<Vec<Exposure>, String> {
    match bytes.strip_prefix(MAGIC) {
        Some(columns) => read::<LineColumns>(columns)?.lines(),
        None => read(bytes),
    }
}

fn read<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    rmp_serde::from_slice(bytes).map_err(|e| format!("the exposure lines could not be read: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::simulation::{decode_lines, encode_lines};

    fn every_field() -> Exposure {
        let mut line: Exposure = serde_json::from_str(
            r#"{"id": "L1", "class": "corporate", "counterparty_id": "C1",
                "counterparty_name": "Acme", "group_id": "G1", "counterparty_type": "bank",
                "rating": "BBB+", "cqs": 3, "short_term": true, "scra_grade": "A",
                "issuer_rating": "AA", "issuer_scra_grade": "B", "sme": true,
                "investment_grade": true, "mdb_qualifying": true, "sl_type": "project_operational",
                "retail_type": "transactor", "other_type": "cash", "re_type": "rre_ip",
                "ltv": 0.85, "property_value": 1e6, "re_criteria_met": false, "defaulted": true,
                "currency": "USD", "currency_mismatch": true, "country": "FR", "sector": "K",
                "drawn": 0.1, "undrawn": 2.5, "off_balance_type": "commitment",
                "specific_provisions": 3.0, "collateral_type": "cash", "collateral_value": 4.0,
                "collateral_currency": "EUR", "collateral_residual_maturity_years": 1.5,
                "guaranteed_amount": 5.0, "guarantor_class": "bank",
                "guarantor_rating": "A-", "guarantor_group_id": "G2",
                "maturity_date": "2030-01-01", "product": "loan", "description": "d"}"#,
        )
        .expect("a line with every field");
        line.drawn = Some(0.1 + 0.2);
        line
    }

    #[test]
    fn lines_come_back_as_they_were_packed() {
        let mut lines = crate::samples::generate(3_000, 7).exposures;
        lines.push(every_field());
        lines.push(Exposure::new("bare", ExposureClass::Retail, 0.0));
        for set in [&lines[..], &lines[..1], &[]] {
            let packed = encode_lines(set).expect("encodes");
            assert!(packed.starts_with(MAGIC));
            assert_eq!(decode_lines(&packed).expect("decodes"), set);
        }
    }

    #[test]
    fn lines_packed_the_earlier_way_still_read() {
        let lines = vec![
            every_field(),
            Exposure::new("b", ExposureClass::Retail, 1.0),
        ];
        let earlier = rmp_serde::to_vec_named(&lines).expect("encodes");
        assert_eq!(decode_lines(&earlier).expect("decodes"), lines);
    }

    #[test]
    fn a_damaged_column_is_an_error_naming_it_not_a_panic() {
        let lines: Vec<Exposure> = (0..300)
            .map(|i| Exposure::new(format!("L{i}"), ExposureClass::Corporate, f64::from(i % 7)))
            .collect();
        let mut columns = LineColumns::of(&lines);
        assert_eq!(columns.drawn.bits.len(), 300 * 8);
        columns.drawn.bits.pop();
        let error = columns.lines().expect_err("short amounts");
        assert!(error.contains("`drawn`"), "{error}");

        let mut columns = LineColumns::of(&lines);
        columns.len += 1;
        assert!(columns.lines().is_err());

        let mut columns = LineColumns::of(&[every_field(), every_field(), every_field()]);
        columns.class.values = vec![ExposureClass::Corporate, ExposureClass::Retail];
        columns.class.width = 1;
        columns.class.index = vec![0, 1, 2];
        let error = columns.lines().expect_err("an index past the values");
        assert!(error.contains("`class`"), "{error}");

        let packed = encode_lines(&lines).expect("encodes");
        for cut in [4, packed.len() / 2, packed.len() - 1] {
            assert!(decode_lines(&packed[..cut]).is_err());
        }
    }

    #[test]
    fn repeated_values_are_kept_once_with_the_narrowest_index() {
        let lines: Vec<Exposure> = (0..1_000)
            .map(|i| {
                let mut line = Exposure::new(format!("L{i}"), ExposureClass::Corporate, 1.0);
                line.counterparty_id = Some(format!("C{}", i % 300));
                line.country = Some(if i % 2 == 0 { "FR" } else { "DE" }.to_owned());
                line
            })
            .collect();
        let columns = LineColumns::of(&lines);
        assert_eq!(
            (columns.id.width, columns.id.values.len()),
            (ONE_EACH, 1_000)
        );
        assert_eq!(
            (columns.class.width, columns.class.values.len()),
            (CONSTANT, 1)
        );
        assert_eq!(
            (columns.country.width, columns.country.index.len()),
            (1, 1_000)
        );
        assert_eq!(
            (
                columns.counterparty_id.width,
                columns.counterparty_id.index.len()
            ),
            (2, 2_000)
        );
        assert!(columns.ltv.present.is_empty() && columns.ltv.bits.is_empty());
    }
}
