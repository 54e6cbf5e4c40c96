//! `make fuzz`: the import readers (xlsx, xlsb, xls, ods, CSV and the CSV
//! sniffer) on mutated files for a while (600 s by default, or the first
//! argument), on the stable toolchain. Seeds are real files the application
//! makes; mutations flip, insert, drop and repeat bytes, and, inside the
//! zip containers, rewrite one part so the XML itself is mutated (with
//! extents and repeat counts far past the limits). A panic is a failure:
//! its input is saved under `$CARGO_TARGET_DIR/fuzz-crashes/` to become a
//! regression test. Prints the inputs tried, the outcomes and the peak
//! memory of the process. Reported, never a timed test.

use prudentia::server::import::read::{self, FileError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

struct Seed {
    name: &'static str,
    bytes: Vec<u8>,
}

fn seeds() -> Vec<Seed> {
    let demo = prudentia::samples::demo_bank();
    let xlsx = prudentia::server::reports::workbook::canonical(&demo).expect("the demo workbook");
    let csv = b"id;class;drawn;rating\nL-1;corporate;1000,5;BBB\nL-2;retail;250;\n\"L;3\";sovereign;1e6;AA\n".to_vec();
    let ods = ods_seed();
    vec![
        Seed {
            name: "demo.xlsx",
            bytes: xlsx,
        },
        Seed {
            name: "loans.csv",
            bytes: csv,
        },
        Seed {
            name: "loans.ods",
            bytes: ods,
        },
        Seed {
            name: "loans.xls",
            bytes: xls_seed(),
        },
    ]
}

/// A BIFF8 workbook of one sheet (header row, two lines, a MulRk row) in
/// a compound file, so mutations reach the record walker and calamine's
/// cell layout, not just the container.
fn xls_seed() -> Vec<u8> {
    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        [
            &kind.to_le_bytes()[..],
            &(data.len() as u16).to_le_bytes(),
            data,
        ]
        .concat()
    }
    fn number(row: u16, column: u16, value: f64) -> Vec<u8> {
        record(
            0x0203,
            &[
                &row.to_le_bytes()[..],
                &column.to_le_bytes(),
                &[0, 0],
                &value.to_le_bytes(),
            ]
            .concat(),
        )
    }
    let bof = |kind: u16| {
        record(
            0x0809,
            &[&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat(),
        )
    };
    let bound = |at: u32| {
        record(
            0x0085,
            &[&at.to_le_bytes()[..], &[0, 0, 5, 0], b"Loans"].concat(),
        )
    };
    let eof = record(0x000A, &[]);
    let start = (bof(5).len() + bound(0).len() + eof.len()) as u32;
    let dimensions = record(
        0x0200,
        &[
            &0u32.to_le_bytes()[..],
            &4u32.to_le_bytes(),
            &0u16.to_le_bytes(),
            &3u16.to_le_bytes(),
            &[0, 0],
        ]
        .concat(),
    );
    let rk = |v: u32| (v << 2 | 2).to_le_bytes();
    let mul_rk = record(
        0x00BD,
        &[
            &3u16.to_le_bytes()[..],
            &0u16.to_le_bytes(),
            &[0, 0],
            &rk(7),
            &[0, 0],
            &rk(8),
            &[0, 0],
            &rk(9),
            &2u16.to_le_bytes(),
        ]
        .concat(),
    );
    let stream = [
        bof(5),
        bound(start),
        eof.clone(),
        bof(0x10),
        dimensions,
        number(0, 0, 1.0),
        number(1, 1, 100.0),
        number(2, 2, 250.5),
        mul_rk,
        eof,
    ]
    .concat();
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
            .expect("compound file");
    file.create_stream("/Workbook")
        .and_then(|mut s| s.write_all(&stream))
        .expect("workbook stream");
    file.flush().expect("flush");
    file.into_inner().into_inner()
}

fn ods_seed() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).expect("mimetype");
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("write");
    zip.start_file("META-INF/manifest.xml", stored)
        .expect("manifest");
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
    )
    .expect("write");
    zip.start_file("content.xml", stored).expect("content");
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Loans"><table:table-row><table:table-cell office:value-type="string"><text:p>id</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>drawn</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>L-1</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="100"><text:p>100</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#,
    )
    .expect("write");
    zip.finish().expect("zip").into_inner()
}

const HUGE: [&str; 6] = [
    "1048576",
    "16384",
    "4294967295",
    "18446744073709551615",
    "99999999999999999999",
    "-1",
];

fn mutate_bytes(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..8) {
        if bytes.is_empty() {
            bytes.push(rng.random());
            continue;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..6) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => bytes[at] = rng.random(),
            2 => bytes.insert(at, rng.random()),
            3 => {
                bytes.remove(at);
            }
            4 => bytes.truncate(at),
            _ => {
                let end = (at + rng.random_range(1..64)).min(bytes.len());
                let chunk = bytes[at..end].to_vec();
                for _ in 0..rng.random_range(1..50) {
                    bytes.splice(at..at, chunk.iter().copied());
                }
            }
        }
    }
}

/// Text-aware mutations of XML: extents, repeats and cell references far
/// past the limits, where the readers size their ranges.
fn mutate_xml(rng: &mut StdRng, text: &mut Vec<u8>) {
    let huge = HUGE[rng.random_range(0..HUGE.len())];
    let edits: [(&[u8], String); 5] = [
        (
            b"table:number-rows-repeated=\"",
            format!("table:number-rows-repeated=\"{huge}"),
        ),
        (
            b"<table:table-cell ",
            format!("<table:table-cell table:number-columns-repeated=\"{huge}\" "),
        ),
        (
            b"<dimension ref=\"",
            "<dimension ref=\"A1:XFD1048576\" x=\"".to_owned(),
        ),
        (b" r=\"", format!(" r=\"XFD{huge}\" q=\"")),
        (b"<row ", format!("<row r=\"{huge}\" ")),
    ];
    let (needle, replacement) = &edits[rng.random_range(0..edits.len())];
    if let Some(at) = text.windows(needle.len()).position(|w| w == *needle) {
        text.splice(at..at + needle.len(), replacement.bytes());
    } else {
        mutate_bytes(rng, text);
    }
}

/// Rewrites one part of a zip container mutated, the rest as it was.
fn mutate_zip(rng: &mut StdRng, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let target = rng.random_range(0..archive.len().max(1));
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).ok()?;
        let name = entry.name().ok()?.into_owned();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).ok()?;
        if i == target {
            if rng.random_bool(0.7) {
                mutate_xml(rng, &mut content);
            } else {
                mutate_bytes(rng, &mut content);
            }
        }
        out.start_file(name, options).ok()?;
        out.write_all(&content).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn outcome(result: &Result<read::Workbook, FileError>) -> &'static str {
    match result {
        Ok(_) => "read",
        Err(FileError::Damaged { .. }) => "damaged",
        Err(
            FileError::TooManyRows { .. }
            | FileError::TooManyColumns { .. }
            | FileError::TooManyCells,
        ) => "over a limit",
        Err(FileError::Bomb) => "bomb",
        Err(FileError::Csv { .. }) => "csv error",
        Err(_) => "other refusal",
    }
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(600);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut rng = StdRng::seed_from_u64(seed);
    let corpus = seeds();
    for seed in &corpus {
        if let Err(error) = read::read(seed.name, &seed.bytes) {
            panic!("the seed {} does not read: {error}", seed.name);
        }
    }
    let crashes = std::path::PathBuf::from(
        std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("fuzz-crashes");
    std::panic::set_hook(Box::new(|_| {}));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tried = 0u64;
    let mut panics = 0u64;
    let mut counts = std::collections::BTreeMap::<&str, u64>::new();
    println!("fuzzing the import readers for {seconds} s (seed {seed})");
    while Instant::now() < deadline {
        let seed = &corpus[rng.random_range(0..corpus.len())];
        let mut bytes = seed.bytes.clone();
        let zipped = bytes.starts_with(b"PK\x03\x04");
        if zipped && rng.random_bool(0.8) {
            if let Some(mutated) = mutate_zip(&mut rng, &bytes) {
                bytes = mutated;
            }
        } else if seed.name.ends_with(".csv") && rng.random_bool(0.5) {
            mutate_xml(&mut rng, &mut bytes);
            mutate_bytes(&mut rng, &mut bytes);
        } else {
            mutate_bytes(&mut rng, &mut bytes);
        }
        tried += 1;
        let input = bytes.clone();
        let name = seed.name;
        match std::panic::catch_unwind(move || {
            let text = read::decode(&input);
            read::detect_delimiter(&text);
            read::read(name, &input)
        }) {
            Ok(result) => *counts.entry(outcome(&result)).or_default() += 1,
            Err(_) => {
                panics += 1;
                let _ = std::fs::create_dir_all(&crashes);
                let path = crashes.join(format!("crash-{tried}-{name}"));
                let _ = std::fs::write(&path, &bytes);
                eprintln!(
                    "PANIC on input {tried} ({name}): saved to {}",
                    path.display()
                );
            }
        }
    }
    println!("{tried} inputs in {seconds} s: {counts:?}");
    println!("panics: {panics}");
    println!(
        "peak memory of the process (VmHWM): {:.0} MiB",
        peak_rss_mib()
    );
    if panics > 0 {
        std::process::exit(1);
    }
}
