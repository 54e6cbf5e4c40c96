//! The fast read of a large data set. Its `exposures` array is cut into
//! pieces at line boundaries; each piece is parsed and compiled on its own
//! (the caller runs the pieces side by side), line by line, with no
//! `Exposure` kept; the rest of the document is parsed apart. Nothing here
//! explains an error: at any doubt (a cut that is not a line boundary, a bad
//! line, a duplicate id, a problem in the rest) the answer is `None`, and
//! the caller reads the document the full way, whose errors name the line
//! and the field. What is answered equals the full read: the same lines
//! through the same `Exposure` parser and checks, compiled in the same order.

use super::dataset::{DataSet, Exposure};
use super::portfolio::{Piece, Portfolio};
use serde::de::DeserializeOwned;
use std::hash::BuildHasher;

/// The hasher of line ids: a 64-bit hash seeded per process, so that no
/// file can be built to collide (two equal hashes send the read the full
/// way, which compares the ids themselves).
type IdHasher = foldhash::fast::RandomState;

/// The whole fast read of `text`, a document holding the data set
/// `data` finds in it: the lines cut into about `pieces` runs, which
/// `each` reads (side by side or in turn) and returns in order. The
/// document comes back with no lines in its data set, and the lines
/// compiled.
pub fn read<T: DeserializeOwned>(
    text: &str,
    pieces: usize,
    data: fn(&mut T) -> &mut DataSet,
    each: impl FnOnce(Vec<Span>, &(dyn Fn(Span) -> Option<ReadPiece> + Sync)) -> Vec<Option<ReadPiece>>,
) -> Option<(T, Portfolio)> {
    let layout = Layout::of(text)?;
    let guess = layout.currency_guess(data);
    let hasher = IdHasher::default();
    let read = |span| layout.read(span, guess.as_deref(), &hasher);
    let pieces = each(layout.spans(pieces), &read);
    layout.assemble(pieces, guess, data, &hasher)
}

/// A document whose data set's `exposures` array opens at `open`.
struct Layout<'a> {
    text: &'a str,
    open: usize,
}

/// A run of lines: from `start` (a line's `{`, or just after the `[`) to
/// `end` (just after a line's `}` that a comma follows, or the end of the
/// text for the last run). A run may meet the array's `]` before its end:
/// the runs after it are not lines.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    start: usize,
    end: usize,
    last: bool,
}

/// A piece's lines compiled, and what the whole needs to know of them.
#[derive(Debug)]
pub struct ReadPiece {
    piece: Piece,
    id_hashes: Vec<u64>,
    /// No line has a problem of its own.
    clean: bool,
    /// A line's collateral currency is compared with the reporting
    /// currency (it has none of its own), which the piece had to guess.
    reads_reporting_currency: bool,
    /// Just after the array's `]`, when the piece's lines end there.
    close: Option<usize>,
}

fn skip_whitespace(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// The brackets that close what is open at the end of `prefix`, or None
/// when it ends inside a string or closes more than it opened.
fn closers(prefix: &str) -> Option<String> {
    let mut open = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    for b in prefix.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => open.push('}'),
            b'[' => open.push(']'),
            b'}' | b']' => {
                open.pop()?;
            }
            _ => {}
        }
    }
    (!in_string).then(|| open.iter().rev().collect())
}

impl<'a> Layout<'a> {
    /// The first `"exposures": [` of `text`. It may be a key of some
    /// other object or sit in a string: `Layout::assemble` finds out.
    fn of(text: &'a str) -> Option<Layout<'a>> {
        let key = text.find("\"exposures\"")?;
        let colon = skip_whitespace(text, key + "\"exposures\"".len());
        (text.as_bytes().get(colon) == Some(&b':')).then_some(())?;
        let open = skip_whitespace(text, colon + 1);
        (text.as_bytes().get(open) == Some(&b'[')).then_some(Layout { text, open })
    }

    /// The reporting currency of the data set as the text before the
    /// array gives it (None when it gives none or does not parse), for the
    /// pieces to compile with; `Layout::assemble` checks it against the
    /// whole document's.
    fn currency_guess<T: DeserializeOwned>(
        &self,
        data: fn(&mut T) -> &mut DataSet,
    ) -> Option<String> {
        let prefix = &self.text[..self.open];
        let document = format!("{prefix}[]{}", closers(prefix)?);
        let mut outline: T = serde_json::from_str(&document).ok()?;
        data(&mut outline).currency.take()
    }

    /// About `n` runs of about equal length, cut after a line's `}` that a
    /// comma and another line's `{` follow. A cut inside a string or a
    /// nested value is possible; the run before it then fails to parse.
    fn spans(&self, n: usize) -> Vec<Span> {
        let (text, bytes) = (self.text, self.text.as_bytes());
        let length = text.len() - self.open;
        let mut spans = Vec::with_capacity(n);
        let mut start = self.open + 1;
        for k in 1..n.max(1) {
            let target = (self.open + length * k / n).max(start);
            let Some(cut) = next_cut(text, target) else {
                break;
            };
            spans.push(Span {
                start,
                end: cut.0,
                last: false,
            });
            start = cut.1;
        }
        spans.push(Span {
            start,
            end: bytes.len(),
            last: true,
        });
        spans
    }

    /// Parses and compiles the lines of `span`, reading the reporting
    /// currency as `currency`. None when the run is not exactly a sequence
    /// of lines separated by commas, up to its end or to a `]`.
    fn read(&self, span: Span, currency: Option<&str>, hasher: &IdHasher) -> Option<ReadPiece> {
        let text = &self.text[..span.end];
        // Room for as many lines as the run could hold (a line takes 40
        // bytes at least): pages never written cost nothing, growing would
        // copy every line again.
        let room = (span.end - span.start) / 40;
        let mut read = ReadPiece {
            piece: Piece::new(currency, room),
            id_hashes: Vec::with_capacity(room),
            clean: true,
            reads_reporting_currency: false,
            close: None,
        };
        let mut at = span.start;
        loop {
            let mut stream =
                serde_json::Deserializer::from_str(&text[at..]).into_iter::<Exposure>();
            let exposure = stream.next()?.ok()?;
            at += stream.byte_offset();
            exposure.problems(|_, _| read.clean = false);
            read.id_hashes.push(hasher.hash_one(exposure.id.as_str()));
            read.reads_reporting_currency |=
                exposure.currency.is_none() && exposure.collateral_currency.is_some();
            read.piece.push(&exposure);
            if at == text.len() && !span.last {
                return Some(read);
            }
            let next = skip_whitespace(text, at);
            match text.as_bytes().get(next) {
                Some(b',') => at = next + 1,
                Some(b']') => {
                    read.close = Some(next + 1);
                    return Some(read);
                }
                _ => return None,
            }
        }
    }

    /// The document with its lines compiled from `pieces` (read from
    /// `Layout::spans`, in order, with `guess` as the reporting
    /// currency), when the whole is what the full read would accept: the
    /// runs chain (each read to its end, up to one that met the `]`; the
    /// runs after that one are ignored), the array is the data set's own,
    /// no line has a problem, no id repeats, and the rest of the data set
    /// has no problem.
    fn assemble<T: DeserializeOwned>(
        &self,
        pieces: Vec<Option<ReadPiece>>,
        guess: Option<String>,
        data: fn(&mut T) -> &mut DataSet,
        hasher: &IdHasher,
    ) -> Option<(T, Portfolio)> {
        let closing = pieces
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| p.close.is_some()))?;
        let pieces: Vec<ReadPiece> = pieces
            .into_iter()
            .take(closing + 1)
            .collect::<Option<_>>()?;
        let close = pieces.last()?.close?;
        if pieces.iter().any(|p| !p.clean) {
            return None;
        }
        let count = pieces.iter().map(|p| p.id_hashes.len()).sum();
        let mut seen = foldhash::HashSet::with_capacity_and_hasher(count, hasher.clone());
        for hash in pieces.iter().flat_map(|p| &p.id_hashes) {
            if !seen.insert(*hash) {
                return None;
            }
        }
        // A line no document can hold in its place: if the placeholder
        // comes back as the data set's only line, the array was the data
        // set's own and no other `exposures` key exists.
        let marker = format!("placeholder {:x}", hasher.hash_one(close));
        let document = format!(
            "{}[{{\"id\": \"{marker}\", \"class\": \"retail\", \"drawn\": 0}}]{}",
            &self.text[..self.open],
            &self.text[close..]
        );
        let mut outline: T = serde_json::from_str(&document).ok()?;
        let set = data(&mut outline);
        if set.exposures.len() != 1 || set.exposures[0].id != marker {
            return None;
        }
        set.exposures.clear();
        let reporting = |currency: Option<&str>| currency.unwrap_or("EUR").to_owned();
        let guessed_right = reporting(set.currency.as_deref()) == reporting(guess.as_deref());
        if !set.validate().is_empty()
            || (!guessed_right && pieces.iter().any(|p| p.reads_reporting_currency))
        {
            return None;
        }
        let portfolio = Portfolio::from_pieces(pieces.into_iter().map(|p| p.piece).collect());
        Some((outline, portfolio))
    }
}

/// The first cut at or after byte `from` (which may fall inside a
/// character): (just after a `}`, the next `{`) with only a comma and
/// whitespace between them, and a quote or `}` after the `{`.
fn next_cut(text: &str, from: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        let brace = at + bytes.get(at..)?.iter().position(|b| *b == b'}')?;
        let comma = skip_whitespace(text, brace + 1);
        if bytes.get(comma) == Some(&b',') {
            let next = skip_whitespace(text, comma + 1);
            let key = skip_whitespace(text, next + 1);
            // A line's first key, or an empty line: in a string, the quote
            // would be escaped.
            if bytes.get(next) == Some(&b'{') && matches!(bytes.get(key), Some(b'"' | b'}')) {
                return Some((brace + 1, next));
            }
        }
        at = brace + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::profile::Profile;
    use crate::engine::{ComputeOptions, compute, compute_compiled};
    use crate::samples::generate;

    fn in_turn(text: &str, pieces: usize) -> Option<(DataSet, Portfolio)> {
        read::<DataSet>(
            text,
            pieces,
            |d| d,
            |spans, read| spans.into_iter().map(read).collect(),
        )
    }

    fn assert_same(fast: &Portfolio, full: &Portfolio) {
        let names = |i: &crate::engine::aggregate::Interner| -> Vec<String> {
            (0..i.len() as u32)
                .map(|id| i.name(id).to_owned())
                .collect()
        };
        assert_eq!(format!("{:?}", fast.lines()), format!("{:?}", full.lines()));
        assert_eq!(fast.ids(), full.ids());
        assert_eq!(fast.kinds, full.kinds);
        assert_eq!(names(&fast.groups), names(&full.groups));
        assert_eq!(names(&fast.countries), names(&full.countries));
        assert_eq!(names(&fast.counterparties), names(&full.counterparties));
        assert_eq!(fast.watched, full.watched);
        assert_eq!(fast.unwatched, full.unwatched);
        assert!((0..full.len()).all(|i| fast.slot(i) == full.slot(i)));
    }

    /// The fast read answers, and what it answers equals the full read:
    /// the rest of the document, every compiled line, and the results.
    fn assert_read_as_in_full(text: &str, pieces: usize) {
        let full = DataSet::from_json_str(text).expect("a valid data set");
        assert!(full.validate().is_empty());
        let (header, portfolio) = in_turn(text, pieces).expect("read the fast way");
        assert_eq!(header, full.header());
        assert_same(&portfolio, &Portfolio::compile(&full));
        let profile = Profile::named("basel31").expect("profile");
        let options = ComputeOptions::default();
        assert_eq!(
            serde_json::to_string(&compute_compiled(&header, &portfolio, &profile, &options))
                .expect("json"),
            serde_json::to_string(&compute(&full, &profile, &options)).expect("json"),
        );
    }

    #[test]
    fn pieces_read_side_by_side_equal_the_full_read() {
        let data = generate(3_000, 11);
        assert!(
            data.exposures
                .iter()
                .any(|e| e.currency.is_none() && e.collateral_currency.is_some()),
            "some lines compare their collateral with the reporting currency"
        );
        let texts = [
            serde_json::to_string(&data).expect("json"),
            serde_json::to_string_pretty(&data).expect("json"),
        ];
        for text in &texts {
            for pieces in [1, 2, 3, 7, 64, 5_000] {
                assert_read_as_in_full(text, pieces);
            }
        }
    }

    /// Written by hand, the data set's keys in any order: the currency after
    /// the lines, and strings holding what a cut looks for.
    #[test]
    fn the_lines_may_come_anywhere_and_hold_anything() {
        let line = |i: usize| {
            format!(
                r#"{{"id": "L{i}", "class": "corporate", "drawn": {i}.5, "collateral_type": "cash",
                   "collateral_value": 1, "collateral_currency": "USD",
                   "description": "}}, {{\"id\": \"x\"}}, {{ \\u00e9té ] \"exposures\": ["}}"#
            )
        };
        let lines: Vec<String> = (0..400).map(line).collect();
        let lines = lines.join(",\n ");
        let before = format!(r#"{{"currency": "USD", "exposures": [{lines}], "name": "n"}}"#);
        let after = format!(r#"{{"name": "n", "exposures": [ {lines} ] , "currency": "USD"}}"#);
        for pieces in [1, 2, 9, 40] {
            assert_read_as_in_full(&before, pieces);
            // The pieces guessed the reporting currency (EUR) from the text
            // before the lines, and these lines read it: the full read.
            assert!(in_turn(&after, pieces).is_none());
        }
        let euro = after.replace("\"currency\": \"USD\"", "\"currency\": \"EUR\"");
        assert_read_as_in_full(&euro, 9);
    }

    /// A string that ends with what a cut looks for fools the cut; the run
    /// before it then ends inside the string and fails.
    #[test]
    fn a_cut_inside_a_string_sends_the_read_the_full_way() {
        let mut data = generate(300, 5);
        for line in &mut data.exposures {
            line.description = Some("a}, {".into());
        }
        let text = serde_json::to_string(&data).expect("json");
        assert!(in_turn(&text, 50).is_none());
        assert_read_as_in_full(&text, 1);
    }

    #[test]
    fn at_any_doubt_the_read_goes_the_full_way() {
        let data = generate(2_000, 3);
        let text = serde_json::to_string_pretty(&data).expect("json");
        let last = &data.exposures[1_999].id;
        let doubtful = [
            // A line with a problem of its own, another repeating an id
            // of a line far before it, a problem outside the lines.
            text.replacen("\"drawn\": ", "\"drawn\": -", 1),
            text.replace(
                &format!("\"{last}\""),
                &format!("\"{}\"", data.exposures[3].id),
            ),
            text.replacen("\"amount\": ", "\"amount\": 1e300, \"was\": ", 1),
            // The first `"exposures": [` is another object's, or a key
            // that ends with it.
            text.replacen('{', r#"{"extra": {"exposures": []},"#, 1),
            text.replacen('{', r#"{"a\"exposures": [1],"#, 1),
            // Not a whole document.
            text[..text.len() / 2].to_owned(),
            format!("{text} {{}}"),
            text.replacen("\"exposures\": [", "\"exposures\": [,", 1),
        ];
        for (case, doubtful) in doubtful.iter().enumerate() {
            assert_ne!(doubtful, &text, "case {case} changes the text");
            for pieces in [1, 4] {
                assert!(
                    in_turn(doubtful, pieces).is_none(),
                    "case {case}, {pieces} pieces"
                );
            }
        }
        assert_read_as_in_full(&text, 4);
    }
}
