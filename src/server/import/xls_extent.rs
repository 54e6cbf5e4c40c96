//! The extent a legacy Excel workbook (xls, BIFF) declares, measured from
//! its records before calamine opens it. calamine builds every sheet of an
//! xls whole when it opens the file: it reserves the cells a sheet's
//! DIMENSIONS record declares and then lays its cells out densely from the
//! first row and column used to the last. Two cells, at A1 and at a column
//! number no Excel writes (the record holds 16 bits), would ask for
//! billions of cells; so would a DIMENSIONS record whose last row comes
//! before its first. Such a file is refused here, with the same limits as
//! every other format.

use super::read::{FileError, MAX_BYTES, MAX_CELLS, MAX_COLUMNS, MAX_ROWS};
use std::io::{Cursor, Read};

const BOUND_SHEET: u16 = 0x0085;
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const DIMENSIONS: u16 = 0x0200;
const MUL_RK: u16 = 0x00BD;
/// Number, Label, RString, BoolErr, Rk, LabelSst and Formula: the records
/// calamine turns into a cell, each starting with its row and column.
const CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];

fn damaged(detail: impl std::fmt::Display) -> FileError {
    FileError::Damaged {
        detail: detail.to_string(),
    }
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// BIFF records from `stream`, framed as calamine frames them; CONTINUE
/// records are skipped (calamine appends them to the record before, whose
/// cell position they do not change). `None` ends the walk, as a record
/// running past the stream ends calamine's.
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        loop {
            let kind = u16_at(rest, 0)?;
            let len = usize::from(u16_at(rest, 2)?);
            let data = rest.get(4..4 + len)?;
            rest = &rest[4 + len..];
            if kind != CONTINUE {
                return Some((kind, data));
            }
        }
    })
}

/// Refuses an xls whose sheets would pass the row, column or cell limits
/// once calamine lays them out; reads nothing but record headers and cell
/// positions.
pub fn check(bytes: &[u8]) -> Result<(), FileError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(damaged)?;
    let mut stream = Vec::new();
    let opened = file
        .open_stream("/Workbook")
        .or_else(|_| file.open_stream("/Book"))
        .map_err(damaged)?;
    opened
        .take(MAX_BYTES as u64)
        .read_to_end(&mut stream)
        .map_err(damaged)?;
    let mut cells: u64 = 0;
    for (name, position) in sheets(&stream) {
        let Some(sheet) = stream.get(position..) else {
            return Err(damaged(format!(
                "sheet \"{name}\" starts past the end of the file"
            )));
        };
        let extent = Extent::of(sheet)?;
        if extent.rows > MAX_ROWS as u64 {
            return Err(FileError::TooManyRows { sheet: name });
        }
        if extent.columns > MAX_COLUMNS as u64 {
            return Err(FileError::TooManyColumns { sheet: name });
        }
        cells = cells.saturating_add(
            extent
                .rows
                .saturating_mul(extent.columns)
                .max(extent.declared),
        );
        if cells > MAX_CELLS as u64 {
            return Err(FileError::TooManyCells);
        }
    }
    Ok(())
}

/// Every sheet the workbook globals list (BoundSheet8): its name and where
/// its records start in the stream.
fn sheets(stream: &[u8]) -> Vec<(String, usize)> {
    records(stream)
        .take_while(|(kind, _)| *kind != EOF)
        .filter(|(kind, _)| *kind == BOUND_SHEET)
        .filter_map(|(_, data)| Some((sheet_name(data), u32_at(data, 0)? as usize)))
        .collect()
}

/// A ShortXLUnicodeString after the position, type and visibility.
fn sheet_name(data: &[u8]) -> String {
    let chars = data.get(6).copied().map_or(0, usize::from);
    let wide = data.get(7).is_some_and(|flags| flags & 1 == 1);
    let text = data.get(8..).unwrap_or_default();
    if wide {
        let units: Vec<u16> = text
            .chunks_exact(2)
            .take(chars)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        text.iter().take(chars).map(|&b| char::from(b)).collect()
    }
}

/// What a sheet would take: its dense range from the first cell used to
/// the last, and the cells its DIMENSIONS records reserve.
#[derive(Default)]
struct Extent {
    rows: u64,
    columns: u64,
    declared: u64,
}

impl Extent {
    fn of(sheet: &[u8]) -> Result<Extent, FileError> {
        let mut first: Option<(u16, u16)> = None;
        let mut last = (0u16, 0u16);
        let mut extent = Extent::default();
        let mut seen_bof = false;
        let mut nested = 0usize;
        for (kind, data) in records(sheet) {
            // Embedded charts are substreams of their own, skipped as
            // calamine skips them.
            if nested > 0 {
                match kind {
                    BOF => nested += 1,
                    EOF => nested -= 1,
                    _ => {}
                }
                continue;
            }
            let mut cell = |row: u16, from: u16, to: u16| {
                let (r0, c0) = first.get_or_insert((row, from));
                *r0 = (*r0).min(row);
                *c0 = (*c0).min(from);
                last = (last.0.max(row), last.1.max(to));
            };
            match kind {
                BOF if seen_bof => nested += 1,
                BOF => seen_bof = true,
                EOF => break,
                DIMENSIONS => extent.declared = extent.declared.saturating_add(declared(data)?),
                MUL_RK => {
                    if let (Some(row), Some(from), Some(to)) = (
                        u16_at(data, 0),
                        u16_at(data, 2),
                        data.len().checked_sub(2).and_then(|at| u16_at(data, at)),
                    ) {
                        cell(row, from.min(to), to.max(from));
                    }
                }
                kind if CELLS.contains(&kind) => {
                    if let (Some(row), Some(column)) = (u16_at(data, 0), u16_at(data, 2)) {
                        cell(row, column, column);
                    }
                }
                _ => {}
            }
        }
        if let Some((row, column)) = first {
            extent.rows = u64::from(last.0 - row) + 1;
            extent.columns = u64::from(last.1 - column) + 1;
        }
        Ok(extent)
    }
}

/// The cells calamine reserves for a DIMENSIONS record, computed as it
/// computes them; a last row or column before the first would wrap round
/// to billions there, so it is damage here.
fn declared(data: &[u8]) -> Result<u64, FileError> {
    let (first_row, end_row, first_column, end_column) = match data.len() {
        10 => (
            u16_at(data, 0).map(u32::from),
            u16_at(data, 2).map(u32::from),
            u16_at(data, 4),
            u16_at(data, 6),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u16_at(data, 8),
            u16_at(data, 10),
        ),
        _ => return Err(damaged("a sheet's dimensions record has the wrong length")),
    };
    let (Some(first_row), Some(end_row), Some(mut first_column), Some(end_column)) =
        (first_row, end_row, first_column, end_column)
    else {
        return Err(damaged("a sheet's dimensions record is cut short"));
    };
    if first_column > 0xFF || end_column < first_column {
        first_column = 0;
    }
    if end_row == 0 || end_column == 0 {
        return Ok(1);
    }
    let rows = i64::from(end_row) - i64::from(first_row);
    let columns = i64::from(end_column) - i64::from(first_column);
    if rows < 0 || columns < 0 {
        return Err(damaged("a sheet's dimensions end before they start"));
    }
    Ok((rows as u64).saturating_mul(columns as u64))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    fn number(row: u16, column: u16, value: f64) -> Vec<u8> {
        let mut data = row.to_le_bytes().to_vec();
        data.extend(column.to_le_bytes());
        data.extend(0u16.to_le_bytes());
        data.extend(value.to_le_bytes());
        record(0x0203, &data)
    }

    fn dimensions(rows: (u32, u32), columns: (u16, u16)) -> Vec<u8> {
        let mut data = rows.0.to_le_bytes().to_vec();
        data.extend(rows.1.to_le_bytes());
        data.extend(columns.0.to_le_bytes());
        data.extend(columns.1.to_le_bytes());
        data.extend(0u16.to_le_bytes());
        record(DIMENSIONS, &data)
    }

    /// A BIFF8 workbook of one sheet, "Lines", holding `cells` (records)
    /// within `dims`, in a compound file as Excel writes it.
    pub(crate) fn xls(dims: Vec<u8>, cells: &[Vec<u8>]) -> Vec<u8> {
        let bof = |kind: u16| {
            let mut data = 0x0600u16.to_le_bytes().to_vec();
            data.extend(kind.to_le_bytes());
            data.extend([0u8; 12]);
            record(BOF, &data)
        };
        let bound = |position: u32| {
            let mut data = position.to_le_bytes().to_vec();
            data.extend([0, 0, 5, 0]);
            data.extend(b"Lines");
            record(BOUND_SHEET, &data)
        };
        let globals_len = bof(0x0005).len() + bound(0).len() + record(EOF, &[]).len();
        let mut stream = bof(0x0005);
        stream.extend(bound(globals_len as u32));
        stream.extend(record(EOF, &[]));
        stream.extend(bof(0x0010));
        stream.extend(dims);
        for cell in cells {
            stream.extend(cell);
        }
        stream.extend(record(EOF, &[]));
        let mut file =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
                .expect("compound file");
        file.create_stream("/Workbook")
            .and_then(|mut s| s.write_all(&stream))
            .expect("workbook stream");
        file.flush().expect("flushed");
        file.into_inner().into_inner()
    }

    #[test]
    fn an_ordinary_sheet_passes_and_calamine_reads_it() {
        let bytes = xls(
            dimensions((0, 2), (0, 2)),
            &[
                number(0, 0, 1.0),
                number(0, 1, 2.0),
                number(1, 0, 3.0),
                number(1, 1, 4.0),
            ],
        );
        check(&bytes).expect("within the limits");
        let book = super::super::read::read("book.xls", &bytes).expect("read");
        assert_eq!(book.sheets[0].name, "Lines");
        assert_eq!(book.sheets[0].rows.len(), 2);
    }

    #[test]
    fn two_cells_far_apart_are_refused_before_calamine_lays_them_out() {
        let bytes = xls(
            dimensions((0, 1), (0, 1)),
            &[number(0, 0, 1.0), number(65_535, 65_535, 2.0)],
        );
        assert!(bytes.len() < 4_096, "{} bytes", bytes.len());
        assert!(
            matches!(check(&bytes), Err(FileError::TooManyColumns { sheet }) if sheet == "Lines")
        );
        assert!(matches!(
            super::super::read::read("bomb.xls", &bytes),
            Err(FileError::TooManyColumns { .. })
        ));
        let wide_and_tall = xls(
            dimensions((0, 1), (0, 1)),
            &[number(0, 0, 1.0), number(65_535, 250, 2.0)],
        );
        assert!(matches!(
            check(&wide_and_tall),
            Err(FileError::TooManyCells)
        ));
    }

    #[test]
    fn dimensions_declaring_billions_of_cells_or_ending_before_they_start_are_refused() {
        let huge = xls(dimensions((0, u32::MAX), (0, 255)), &[number(0, 0, 1.0)]);
        assert!(matches!(check(&huge), Err(FileError::TooManyCells)));
        let backwards = xls(dimensions((9, 1), (0, 1)), &[number(0, 0, 1.0)]);
        assert!(matches!(check(&backwards), Err(FileError::Damaged { .. })));
    }
}
