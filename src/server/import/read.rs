//! Files as banks have them, read into sheets of cells: spreadsheets through
//! calamine, CSV with its encoding and delimiter detected. Every limit is
//! checked while reading, so a huge or hostile file costs bounded memory.

use calamine::{Data, DataRef, Reader, Sheets, open_workbook_auto_from_rs};
use std::io::{Cursor, Read};

/// The most rows a sheet may have (header included); a larger file is
/// refused while it is read, not after.
pub const MAX_ROWS: usize = 200_001;
pub const MAX_COLUMNS: usize = 256;
/// The most cells a workbook may hold, all sheets together (rows padded to
/// their last cell): about 300 MB in memory.
pub const MAX_CELLS: usize = 12_000_000;
/// The largest upload.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most a zipped workbook may inflate to, all parts together.
const MAX_INFLATED: u64 = 1024 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(Box<str>),
    Number(f64),
    Bool(bool),
    /// An Excel date serial (days since 1899-12-30).
    Date(f64),
    /// `#N/A`, `#DIV/0!` and the like.
    Error(Box<str>),
    /// A formula whose result the file does not hold.
    Uncalculated(Box<str>),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => t.trim().is_empty(),
            _ => false,
        }
    }

    /// The cell as the user would read it in their spreadsheet.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) | Cell::Error(t) => t.to_string(),
            Cell::Uncalculated(f) => format!("={f}"),
            Cell::Number(n) | Cell::Date(n) => format!("{n}"),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    pub name: String,
    /// Rows as in the file, the first at index 0 (the user's row 1).
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// A sheet of text cells, an empty string an empty cell: what the
    /// import tests build their workbooks from.
    #[cfg(test)]
    pub fn of_text(name: &str, rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: name.into(),
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .map(|c| {
                            if c.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text((*c).into())
                            }
                        })
                        .collect()
                })
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

#[derive(Debug, PartialEq, thiserror::Error)]
pub enum FileError {
    #[error("The file is {size} bytes; the largest import is {MAX_BYTES} bytes (64 MiB).")]
    TooLarge { size: usize },
    #[error("The file is empty.")]
    Empty,
    #[error(
        "\"{name}\" is not a spreadsheet Prudentia reads: give an Excel workbook (xlsx, xlsm, xls, \
         xlsb), an OpenDocument spreadsheet (ods) or a CSV file."
    )]
    Unsupported { name: String },
    #[error(
        "The workbook cannot be read ({detail}). It may be damaged or truncated: save it again and retry."
    )]
    Damaged { detail: String },
    #[error(
        "The workbook would inflate to more than {} MiB when unzipped: it is refused as a \
         compression bomb.",
        MAX_INFLATED / 1024 / 1024
    )]
    Bomb,
    #[error(
        "Sheet \"{sheet}\" has more than {} rows; split the file (the largest import is {} \
         rows per sheet).",
        MAX_ROWS - 1,
        MAX_ROWS - 1
    )]
    TooManyRows { sheet: String },
    #[error("Sheet \"{sheet}\" has more than {MAX_COLUMNS} columns.")]
    TooManyColumns { sheet: String },
    #[error(
        "The file holds more than {MAX_CELLS} cells (rows × columns, every sheet together); \
         remove the sheets and columns that are not needed, or split it."
    )]
    TooManyCells,
    #[error("The file has no data: every sheet is empty.")]
    NoData,
    #[error("The CSV file cannot be read at line {line}: {detail}")]
    Csv { line: u64, detail: String },
}

/// Reads `bytes` (named `name` by the user) into sheets.
pub fn read(name: &str, bytes: &[u8]) -> Result<Workbook, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge { size: bytes.len() });
    }
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let workbook = if is_zip || is_ole {
        if is_zip {
            check_zip(bytes)?;
        } else {
            super::xls_extent::check(bytes)?;
        }
        read_spreadsheet(bytes)?
    } else if is_workbook_name(name) {
        return Err(FileError::Damaged {
            detail: "it is not a zip or OLE container, as a workbook must be".into(),
        });
    } else if looks_like_text(bytes) {
        read_csv(stem(name), bytes)?
    } else {
        return Err(FileError::Unsupported { name: name.into() });
    };
    if workbook
        .sheets
        .iter()
        .all(|s| s.rows.iter().all(|r| r.iter().all(Cell::is_empty)))
    {
        return Err(FileError::NoData);
    }
    Ok(workbook)
}

fn is_workbook_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"]
        .iter()
        .any(|e| lower.ends_with(e))
}

fn stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(stem, _)| stem)
}

/// A text file has no NUL byte in its first kilobytes (UTF-16 aside,
/// which starts with its byte-order mark).
fn looks_like_text(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || !bytes[..bytes.len().min(8192)].contains(&0)
}

/// Sums the sizes a zip declares for its parts before anything inflates
/// them (the zip reader stops at the declared size, so this bounds
/// memory), and measures an ODS workbook's tables before calamine builds
/// them whole.
fn check_zip(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        // The central directory's size, read without inflating the entry.
        let size = archive.by_index_raw(i).map_err(damaged)?.size();
        total = total.saturating_add(size);
        if total > MAX_INFLATED {
            return Err(FileError::Bomb);
        }
    }
    if super::ods_extent::is_ods(&mut archive) {
        super::ods_extent::check(&mut archive)?;
    }
    Ok(())
}

fn damaged(error: impl std::fmt::Display) -> FileError {
    FileError::Damaged {
        detail: error.to_string(),
    }
}

/// calamine reads hostile input: a panic inside it (the fuzzer found
/// some, on row numbers past any sheet's) is a damaged file, not a failure
/// of ours.
fn read_spreadsheet(bytes: &[u8]) -> Result<Workbook, FileError> {
    std::panic::catch_unwind(|| read_cells(bytes)).unwrap_or_else(|_| {
        tracing::warn!("the spreadsheet reader panicked on an upload: refused as damaged");
        Err(FileError::Damaged {
            detail: "its cells do not make sense (a row or column is out of range)".into(),
        })
    })
}

fn read_cells(bytes: &[u8]) -> Result<Workbook, FileError> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(damaged)?;
    let names = book.sheet_names();
    let mut sheets = Vec::with_capacity(names.len());
    let mut budget = Budget(MAX_CELLS);
    for name in names {
        let rows = match &mut book {
            Sheets::Xlsx(xlsx) => stream_xlsx(xlsx, &name, &mut budget)?,
            Sheets::Xlsb(xlsb) => stream_xlsb(xlsb, &name, &mut budget)?,
            other => {
                let range = other.worksheet_range(&name).map_err(damaged)?;
                from_range(&name, &range, &mut budget)?
            }
        };
        sheets.push(Sheet { name, rows });
    }
    Ok(Workbook { sheets })
}

/// Cells left to read in the workbook.
struct Budget(usize);

impl Budget {
    fn take(&mut self, cells: usize) -> Result<(), FileError> {
        self.0 = self.0.checked_sub(cells).ok_or(FileError::TooManyCells)?;
        Ok(())
    }
}

fn place(
    rows: &mut Vec<Vec<Cell>>,
    budget: &mut Budget,
    sheet: &str,
    (row, column): (usize, usize),
    cell: Cell,
) -> Result<(), FileError> {
    if row >= MAX_ROWS {
        return Err(FileError::TooManyRows {
            sheet: sheet.into(),
        });
    }
    if column >= MAX_COLUMNS {
        return Err(FileError::TooManyColumns {
            sheet: sheet.into(),
        });
    }
    if matches!(cell, Cell::Empty) {
        return Ok(());
    }
    if rows.len() <= row {
        rows.resize_with(row + 1, Vec::new);
    }
    let cells = &mut rows[row];
    if cells.len() <= column {
        budget.take(column + 1 - cells.len())?;
        cells.resize(column + 1, Cell::Empty);
    }
    cells[column] = cell;
    Ok(())
}

/// xlsx cell by cell, so a million-row sheet is refused at its limit
/// instead of being loaded; formulas come with their cached result.
fn stream_xlsx<R: Read + std::io::Seek>(
    xlsx: &mut calamine::Xlsx<R>,
    name: &str,
    budget: &mut Budget,
) -> Result<Vec<Vec<Cell>>, FileError> {
    let mut reader = xlsx.worksheet_cells_reader(name).map_err(damaged)?;
    let mut rows = Vec::new();
    while let Some(record) = reader.next_cell_with_formula().map_err(damaged)? {
        let (row, column) = record.pos;
        let mut cell = from_data_ref(record.value);
        if cell.is_empty()
            && let Some(formula) = record.formula.filter(|f| !f.is_empty())
        {
            cell = Cell::Uncalculated(formula.into());
        }
        place(
            &mut rows,
            budget,
            name,
            (row as usize, column as usize),
            cell,
        )?;
    }
    Ok(rows)
}

/// xlsb cell by cell, as xlsx (cached formula results are its values).
fn stream_xlsb<R: Read + std::io::Seek>(
    xlsb: &mut calamine::Xlsb<R>,
    name: &str,
    budget: &mut Budget,
) -> Result<Vec<Vec<Cell>>, FileError> {
    let mut reader = xlsb.worksheet_cells_reader(name).map_err(damaged)?;
    let mut rows = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(damaged)? {
        let (row, column) = cell.get_position();
        let value = from_data_ref(cell.get_value().clone());
        place(
            &mut rows,
            budget,
            name,
            (row as usize, column as usize),
            value,
        )?;
    }
    Ok(rows)
}

fn from_range(
    name: &str,
    range: &calamine::Range<Data>,
    budget: &mut Budget,
) -> Result<Vec<Vec<Cell>>, FileError> {
    let mut rows = Vec::new();
    if range.is_empty() {
        return Ok(rows);
    }
    let (top, left) = range.start().unwrap_or((0, 0));
    if range.height() + top as usize > MAX_ROWS {
        return Err(FileError::TooManyRows { sheet: name.into() });
    }
    for (row, column, value) in range.used_cells() {
        let at = (row + top as usize, column + left as usize);
        place(&mut rows, budget, name, at, from_data(value))?;
    }
    Ok(rows)
}

/// Text as stored, without NUL characters (PostgreSQL refuses them).
fn text(s: &str) -> Cell {
    if s.contains('\0') {
        Cell::Text(s.replace('\0', "").into())
    } else {
        Cell::Text(s.into())
    }
}

fn from_data(value: &Data) -> Cell {
    match value {
        Data::Empty => Cell::Empty,
        Data::String(s) => text(s),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => Cell::Date(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => text(s),
        Data::Error(e) => Cell::Error(format!("{e}").into()),
    }
}

fn from_data_ref(value: DataRef<'_>) -> Cell {
    match value {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) => text(&s),
        DataRef::SharedString(s) => text(s),
        DataRef::Int(i) => Cell::Number(i as f64),
        DataRef::Float(f) => Cell::Number(f),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::DateTime(d) => Cell::Date(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text(&s),
        DataRef::Error(e) => Cell::Error(format!("{e}").into()),
    }
}

/// Text in UTF-8 (with or without BOM), UTF-16 with a BOM, or else
/// Windows-1252, the encoding Excel uses for "CSV" on a French Windows.
pub fn decode(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding
            .decode_without_bom_handling(&bytes[bom..])
            .0
            .into_owned();
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned(),
    }
}

/// The delimiter that splits the most of the first lines into the same
/// number of fields (quoted text aside); a title line without any
/// delimiter does not count against it.
pub fn detect_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b';', b',', b'\t', b'|'] {
        let mut counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, delimiter))
            .filter(|&c| c > 0)
            .collect();
        counts.sort_unstable();
        // The most frequent count, and on how many lines it is found.
        let mut mode = (0usize, 0usize);
        for group in counts.chunk_by(|a, b| a == b) {
            if group.len() > mode.1 || (group.len() == mode.1 && group[0] > mode.0) {
                mode = (group[0], group.len());
            }
        }
        if (mode.1, mode.0) > (best.2, best.1) {
            best = (delimiter, mode.0, mode.1);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    line.bytes()
        .filter(|&b| {
            if b == b'"' {
                quoted = !quoted;
            }
            b == delimiter && !quoted
        })
        .count()
}

fn read_csv(name: &str, bytes: &[u8]) -> Result<Workbook, FileError> {
    let decoded = decode(bytes);
    let delimiter = detect_delimiter(&decoded);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut budget = Budget(MAX_CELLS);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                return Err(FileError::Csv {
                    line: error.position().map_or(0, |p| p.line()),
                    detail: error.to_string(),
                });
            }
        }
        // Rows are numbered as the file's lines, blank lines included, so
        // a problem's row is the line a text editor shows.
        // The reader reports where it started looking, before the blank
        // lines it skips: count those.
        let row = record.position().map_or(rows.len(), |p| {
            let blank = decoded.as_bytes()[(p.byte() as usize).min(decoded.len())..]
                .iter()
                .take_while(|b| matches!(b, b'\n' | b'\r'))
                .filter(|b| **b == b'\n')
                .count();
            p.line().saturating_sub(1) as usize + blank
        });
        if row >= MAX_ROWS {
            return Err(FileError::TooManyRows { sheet: name.into() });
        }
        if record.len() > MAX_COLUMNS {
            return Err(FileError::TooManyColumns { sheet: name.into() });
        }
        budget.take(record.len())?;
        if rows.len() < row {
            rows.resize_with(row, Vec::new);
        }
        rows.push(
            record
                .iter()
                .map(|field| {
                    if field.trim().is_empty() {
                        Cell::Empty
                    } else {
                        text(field)
                    }
                })
                .collect(),
        );
    }
    Ok(Workbook {
        sheets: vec![Sheet {
            name: name.into(),
            rows,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_windows_1252_with_semicolons_and_french_numbers() {
        let bytes = encoding_rs::WINDOWS_1252
            .encode("Référence du prêt;Encours\nL1;\"1 234,50\"\nL2;7\n")
            .0
            .into_owned();
        let book = read("portefeuille.csv", &bytes).unwrap();
        let sheet = &book.sheets[0];
        assert_eq!(sheet.name, "portefeuille");
        assert_eq!(sheet.rows[0][0], Cell::Text("Référence du prêt".into()));
        assert_eq!(sheet.rows[1][1], Cell::Text("1 234,50".into()));
        assert_eq!(sheet.rows.len(), 3);
    }

    #[test]
    fn utf8_bom_is_dropped_and_commas_detected() {
        let book = read("x.csv", "\u{feff}id,class\nA,retail\n".as_bytes()).unwrap();
        assert_eq!(book.sheets[0].rows[0][0], Cell::Text("id".into()));
        assert_eq!(book.sheets[0].rows[1][1], Cell::Text("retail".into()));
    }

    #[test]
    fn delimiter_ignores_commas_inside_quotes() {
        assert_eq!(detect_delimiter("a;\"b,c\";d\n1;\"2,5\";3\n"), b';');
        assert_eq!(detect_delimiter("a\tb\n1\t2\n"), b'\t');
    }

    #[test]
    fn truncated_and_binary_files_are_refused_with_a_reason() {
        let truncated = b"PK\x03\x04\x14\x00\x00\x00\x08\x00";
        assert!(matches!(
            read("x.xlsx", truncated),
            Err(FileError::Damaged { .. })
        ));
        assert!(matches!(
            read("x.bin", &[0u8, 1, 2, 0, 5]),
            Err(FileError::Unsupported { .. })
        ));
        assert_eq!(read("x.csv", b""), Err(FileError::Empty));
        assert_eq!(read("x.csv", b" ; \n;\n"), Err(FileError::NoData));
    }

    #[test]
    fn csv_rows_keep_their_line_numbers_across_blank_lines() {
        let book = read("x.csv", b"Title\n\nid;class\nA;retail\n").unwrap();
        assert_eq!(book.sheets[0].rows[2][0], Cell::Text("id".into()));
        assert_eq!(book.sheets[0].rows[3][1], Cell::Text("retail".into()));
    }

    #[test]
    fn nul_characters_are_dropped_from_text() {
        assert_eq!(text("A\0B"), Cell::Text("AB".into()));
    }

    #[test]
    fn the_cell_budget_covers_padding_and_stops_at_its_limit() {
        let mut budget = Budget(10);
        let mut rows = Vec::new();
        place(&mut rows, &mut budget, "s", (0, 7), Cell::Number(1.0)).unwrap();
        assert_eq!(
            budget.0, 2,
            "a cell in column H costs the row's eight cells"
        );
        assert_eq!(
            place(&mut rows, &mut budget, "s", (1, 2), Cell::Number(1.0)),
            Err(FileError::TooManyCells)
        );
    }

    #[test]
    fn too_many_rows_is_refused_while_reading() {
        let text = "id\n".to_string() + &"x\n".repeat(MAX_ROWS);
        assert_eq!(
            read("big.csv", text.as_bytes()),
            Err(FileError::TooManyRows {
                sheet: "big".into()
            })
        );
    }
}

/// Inputs on which the fuzzer (`make fuzz`) once found the reader
/// panicking: each must now be refused with a reason.
#[cfg(test)]
mod fuzz_regressions {
    #[test]
    fn every_input_the_fuzzer_found_is_refused_without_a_panic() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).expect("the fuzz corpus") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("input");
            let read = super::read(name, &bytes);
            assert!(
                matches!(read, Err(super::FileError::Damaged { .. })),
                "{name}: {read:?}"
            );
            seen += 1;
        }
        assert!(seen >= 3, "the corpus is there");
    }
}
