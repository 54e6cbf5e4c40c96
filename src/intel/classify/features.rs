//! What a line says about its class, as hashed sparse features: words,
//! word pairs and character n-grams of its names, product and description
//! (accents and case folded, so "Prêt IMMOBILIER" and "pret immobilier"
//! are one text), and its categorical and numeric fields as tokens.
//! `class` itself is never read.

use crate::engine::dataset::{CounterpartyType, Exposure, ExposureClass, OffBalanceType};

/// 2^18 buckets: few collisions for a bank's vocabulary, 13.6 MB of
/// weights dense, far less stored (only touched rows are saved).
pub const BITS: u32 = 18;
pub const DIM: usize = 1 << BITS;

/// One feature of a line. `source` numbers the token it came from, in a
/// fixed order, so the reasons for a prediction are described by
/// extracting again and naming only the winning sources.
pub struct Feature<'a> {
    pub index: u32,
    pub value: f32,
    pub source: u16,
    pub describe: &'a dyn Fn() -> String,
}

/// FNV-1a over the parts: stable across platforms and releases, so a
/// saved model keeps its meaning.
fn hash(namespace: &str, parts: &[&[u8]]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = namespace.as_bytes().iter().chain([&0xff]);
    for byte in bytes.chain(parts.iter().flat_map(|p| p.iter())) {
        h ^= u64::from(*byte);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((h >> 32) ^ h) as u32 & (DIM as u32 - 1)
}

/// The bucket of the counterparty-type token that [`extract`] emits.
pub fn type_index(kind: CounterpartyType) -> u32 {
    hash("type", &[kind.key().as_bytes()])
}

/// The class as a feature of the counterparty-type model, which knows it
/// (given in the file, chosen by the analyst or predicted first).
pub fn class_index(class: ExposureClass) -> u32 {
    hash("class", &[class.key().as_bytes()])
}

/// Lower-case ASCII: "Prêt IMMOBILIER" → "pret immobilier".
fn fold(text: &str) -> String {
    let mut folded = if text.is_ascii() {
        text.to_owned()
    } else {
        deunicode::deunicode(text)
    };
    folded.make_ascii_lowercase();
    folded
}

/// The words of a folded text: "Prêt à taux zéro" → pret, a, taux, zero.
fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
}

struct Extractor<'s> {
    sink: &'s mut dyn FnMut(Feature<'_>),
    source: u16,
}

impl Extractor<'_> {
    fn token(&mut self, namespace: &str, token: &str, describe: &dyn Fn() -> String) {
        self.source += 1;
        (self.sink)(Feature {
            index: hash(namespace, &[token.as_bytes()]),
            value: 1.0,
            source: self.source,
            describe,
        });
    }

    /// Each word, each pair of neighbours and the 3- and 4-grams of each
    /// word, weighted so a long text weighs no more than a short one.
    fn text(&mut self, namespace: &str, label: &str, text: &str, whole: bool) {
        let folded = fold(text);
        let words: Vec<&str> = words(&folded).collect();
        if words.is_empty() {
            return;
        }
        let grams: usize = words.iter().map(|w| w.len().saturating_sub(1) * 2).sum();
        let value = 1.0 / ((words.len() * 2 + grams) as f32).sqrt();
        let mut padded = Vec::with_capacity(32);
        for (i, word) in words.iter().enumerate() {
            self.source += 1;
            let source = self.source;
            let describe = || {
                if whole {
                    format!("{label} '{}'", text.trim())
                } else {
                    format!("{label} contains '{word}'")
                }
            };
            let mut emit = |index: u32| {
                (self.sink)(Feature {
                    index,
                    value,
                    source,
                    describe: &describe,
                })
            };
            emit(hash(namespace, &[word.as_bytes()]));
            if let Some(next) = words.get(i + 1) {
                emit(hash(namespace, &[word.as_bytes(), b" ", next.as_bytes()]));
            }
            padded.clear();
            padded.push(b' ');
            padded.extend_from_slice(word.as_bytes());
            padded.push(b' ');
            for n in [3, 4] {
                for gram in padded.windows(n) {
                    emit(hash(namespace, &[b"#", gram]));
                }
            }
        }
    }
}

fn band(value: f64, edges: &[f64]) -> usize {
    edges.iter().take_while(|edge| value >= **edge).count()
}

/// Calls `sink` with every feature of `line`, always in the same order.
pub fn extract(line: &Exposure, sink: &mut dyn FnMut(Feature<'_>)) {
    let mut x = Extractor { sink, source: 0 };
    x.token("bias", "", &|| "every line".into());
    if let Some(name) = line.counterparty_name.as_deref() {
        x.text("name", "name", name, false);
    }
    if let Some(product) = line.product.as_deref() {
        x.text("product", "product", product, true);
    }
    if let Some(description) = line.description.as_deref() {
        x.text("description", "description", description, false);
    }
    categorical(&mut x, line);
    numeric(&mut x, line);
}

fn categorical(x: &mut Extractor<'_>, line: &Exposure) {
    if let Some(kind) = line.counterparty_type {
        let key = kind.key();
        x.token("type", key, &|| format!("counterparty type {key}"));
    }
    if let Some(sector) = line
        .sector
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let code = sector.to_uppercase();
        x.token("nace", &code, &|| format!("NACE {code}"));
        let section = &code[..code.chars().next().map_or(0, char::len_utf8)];
        x.token("nace-section", section, &|| {
            format!("NACE section {section}")
        });
        let division: String = code.chars().filter(char::is_ascii_digit).take(2).collect();
        if division.len() == 2 {
            x.token("nace-division", &division, &|| {
                format!("NACE division {division}")
            });
        }
    }
    let codes = [
        ("country", "country", line.country.as_deref()),
        ("currency", "currency", line.currency.as_deref()),
        (
            "collateral-currency",
            "collateral in",
            line.collateral_currency.as_deref(),
        ),
    ];
    for (namespace, label, value) in codes {
        if let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) {
            let value = value.to_uppercase();
            x.token(namespace, &value, &|| format!("{label} {value}"));
        }
    }
    if let Some(kind) = line.collateral_type {
        let key = format!("{kind:?}");
        x.token("collateral", &key, &|| format!("collateral {key}"));
    }
    if let Some(kind) = line.off_balance_type {
        let key = format!("{kind:?}");
        let describe = || match kind {
            OffBalanceType::UnconditionallyCancellable => "a cancellable commitment".to_owned(),
            _ => format!("off-balance {key}"),
        };
        x.token("off-balance", &key, &describe);
    }
    if let Some(class) = line.guarantor_class {
        let key = class.key();
        x.token("guarantor", key, &|| format!("guaranteed by a {key}"));
    }
    let flags = [
        ("short-term", line.short_term),
        ("sme", line.sme),
        ("investment-grade", line.investment_grade),
        ("mdb-qualifying", line.mdb_qualifying),
        ("defaulted", line.defaulted),
        ("currency-mismatch", line.currency_mismatch),
        ("scra-grade", line.scra_grade.is_some()),
        ("issuer-rating", !line.issuer_rating.is_unrated()),
        ("maturity", line.maturity_date.is_some()),
    ];
    for (flag, set) in flags {
        if set {
            x.token("flag", flag, &|| format!("flagged {flag}"));
        }
    }
    let step = line
        .rating
        .notch()
        .map(|notch| notch.cqs().step())
        .or(line.cqs.map(|cqs| cqs.step()));
    match step {
        Some(step) => x.token("cqs", &step.to_string(), &|| {
            format!("rated, credit quality step {step}")
        }),
        None => x.token("cqs", "unrated", &|| "unrated".into()),
    }
}

fn numeric(x: &mut Extractor<'_>, line: &Exposure) {
    if let Some(drawn) = line.drawn.filter(|d| *d > 0.0) {
        let magnitude = drawn.log10().floor().clamp(0.0, 12.0) as u8;
        x.token("drawn", &magnitude.to_string(), &|| {
            format!("drawn about 10^{magnitude}")
        });
    }
    if line.undrawn.is_some_and(|u| u > 0.0) {
        x.token("undrawn", "", &|| "an undrawn amount".into());
    }
    if let Some(ltv) = line.ltv {
        let band = band(ltv, &[0.5, 0.8, 1.0, 1.5]);
        x.token("ltv", &band.to_string(), &|| format!("an LTV of {ltv:.2}"));
    }
    if line.property_value.is_some() {
        x.token("property", "", &|| "a property value".into());
    }
    if line.collateral_value.is_some_and(|c| c > 0.0) {
        x.token("collateral-value", "", &|| "collateral".into());
    }
    if line.specific_provisions.is_some_and(|p| p > 0.0) {
        x.token("provisions", "", &|| "specific provisions".into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::ExposureClass;

    fn indices(line: &Exposure) -> Vec<u32> {
        let mut out = Vec::new();
        extract(line, &mut |f| out.push(f.index));
        out
    }

    #[test]
    fn accents_and_case_are_folded() {
        let mut a = Exposure::new("a", ExposureClass::Retail, 1.0);
        a.product = Some("Prêt IMMOBILIER".into());
        let mut b = a.clone();
        b.product = Some("pret immobilier".into());
        assert_eq!(indices(&a), indices(&b));
        let folded = fold("Prêt à taux zéro");
        assert_eq!(
            words(&folded).collect::<Vec<_>>(),
            ["pret", "a", "taux", "zero"]
        );
    }

    #[test]
    fn the_class_is_never_read() {
        let mut a = Exposure::new("a", ExposureClass::Retail, 1.0);
        a.counterparty_name = Some("SCI Les Tilleuls".into());
        let mut b = a.clone();
        b.class = ExposureClass::Sovereign;
        assert_eq!(indices(&a), indices(&b));
    }

    #[test]
    fn a_source_describes_what_it_read() {
        let mut line = Exposure::new("a", ExposureClass::RealEstate, 1.0);
        line.counterparty_name = Some("SCI Les Tilleuls".into());
        line.product = Some("Prêt immobilier".into());
        line.sector = Some("L68.20".into());
        let mut said = Vec::new();
        extract(&line, &mut |f| said.push((f.describe)()));
        assert!(said.contains(&"name contains 'sci'".to_owned()));
        assert!(said.contains(&"product 'Prêt immobilier'".to_owned()));
        assert!(said.contains(&"NACE L68.20".to_owned()));
        assert!(said.contains(&"NACE division 68".to_owned()));
    }
}
