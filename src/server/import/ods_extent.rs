//! The extent an OpenDocument spreadsheet declares, measured from its XML
//! before any sheet is built. calamine expands repeated rows and cells into
//! a dense range when it opens the file, so a few bytes
//! (`table:number-rows-repeated="1048576"` on a row whose one cell repeats
//! 16,384 times) could ask for billions of cells. Like calamine, empty rows
//! and cells at the edges are not counted, so a sheet LibreOffice padded
//! with formatted empty areas passes.

use super::read::{FileError, MAX_CELLS, MAX_COLUMNS, MAX_ROWS};
use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor};

/// Whether `bytes` (a zip) is an OpenDocument spreadsheet.
pub fn is_ods(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> bool {
    use std::io::Read;
    let Ok(mut mimetype) = archive.by_name("mimetype") else {
        return false;
    };
    let mut head = [0u8; 46];
    mimetype.read_exact(&mut head).is_ok()
        && &head[..] == b"application/vnd.oasis.opendocument.spreadsheet"
}

/// One table being measured, in expanded rows and columns.
#[derive(Default)]
struct Table {
    name: String,
    rows: u64,
    first_used: Option<u64>,
    end_used: u64,
    width: u64,
}

/// One row being measured.
#[derive(Default)]
struct Row {
    repeat: u64,
    columns: u64,
    end_used: Option<u64>,
}

fn repeat(element: &BytesStart<'_>, attribute: &str) -> Result<u64, FileError> {
    match element.try_get_attribute(attribute).map_err(damaged)? {
        None => Ok(1),
        Some(value) => value
            .value
            .trim()
            .parse::<u64>()
            .ok()
            .ok_or_else(|| damaged(format!("{attribute} is not a count"))),
    }
}

fn damaged(error: impl std::fmt::Display) -> FileError {
    FileError::Damaged {
        detail: error.to_string(),
    }
}

/// Refuses a workbook whose tables would pass the row, column or cell
/// limits once expanded; reads the XML as a stream, in constant memory.
pub fn check(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), FileError> {
    let content = archive.by_name("content.xml").map_err(damaged)?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(content));
    let mut buf = Vec::new();
    let mut table = Table::default();
    let mut row = Row::default();
    let mut cells: u64 = 0;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(damaged)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => match e.name().as_ref() {
                "table:table" => {
                    let name = e
                        .try_get_attribute("table:name")
                        .ok()
                        .flatten()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                    table = Table {
                        name,
                        ..Table::default()
                    };
                }
                "table:table-row" => {
                    row = Row {
                        repeat: repeat(e, "table:number-rows-repeated")?,
                        ..Row::default()
                    };
                    if matches!(event, Event::Empty(_)) {
                        table.rows = table.rows.saturating_add(row.repeat);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let span = repeat(e, "table:number-columns-repeated")?;
                    let used = e
                        .try_get_attribute("office:value-type")
                        .map_err(damaged)?
                        .is_some();
                    row.columns = row.columns.saturating_add(span);
                    if used {
                        row.end_used = Some(row.columns);
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                "table:table-row" => {
                    if let Some(end) = row.end_used {
                        table.first_used.get_or_insert(table.rows);
                        table.end_used = table.rows.saturating_add(row.repeat);
                        table.width = table.width.max(end);
                    }
                    table.rows = table.rows.saturating_add(row.repeat);
                }
                "table:table" => {
                    let height = table.end_used - table.first_used.unwrap_or(table.end_used);
                    if height > MAX_ROWS as u64 {
                        return Err(FileError::TooManyRows {
                            sheet: table.name.clone(),
                        });
                    }
                    if table.width > MAX_COLUMNS as u64 {
                        return Err(FileError::TooManyColumns {
                            sheet: table.name.clone(),
                        });
                    }
                    cells = cells.saturating_add(height.saturating_mul(table.width));
                    if cells > MAX_CELLS as u64 {
                        return Err(FileError::TooManyCells);
                    }
                }
                _ => {}
            },
            Event::Eof => return Ok(()),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// An .ods holding `body` as the inside of its one table.
    pub(crate) fn ods(body: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).expect("mimetype");
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .expect("write");
        zip.start_file("content.xml", stored).expect("content");
        write!(
            zip,
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Loans">{body}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
        .expect("write");
        zip.finish().expect("zip").into_inner()
    }

    fn measured(bytes: &[u8]) -> Result<(), FileError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        assert!(is_ods(&mut archive));
        check(&mut archive)
    }

    const CELL: &str = r#"<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>"#;

    #[test]
    fn a_few_bytes_declaring_billions_of_cells_are_refused_before_any_sheet_is_built() {
        let bomb = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row>"#;
        let bytes = ods(bomb);
        assert!(bytes.len() < 2_000);
        assert!(
            matches!(measured(&bytes), Err(FileError::TooManyRows { sheet }) if sheet == "Loans")
        );
        let wide = r#"<table:table-row><table:table-cell table:number-columns-repeated="300" office:value-type="float" office:value="1"/></table:table-row>"#;
        assert!(matches!(
            measured(&ods(wide)),
            Err(FileError::TooManyColumns { .. })
        ));
        let many = r#"<table:table-row table:number-rows-repeated="200000"><table:table-cell table:number-columns-repeated="200" office:value-type="float" office:value="1"/></table:table-row>"#;
        assert_eq!(measured(&ods(many)), Err(FileError::TooManyCells));
    }

    #[test]
    fn empty_padding_as_libreoffice_writes_it_is_not_counted() {
        let padded = format!(
            r#"<table:table-row>{CELL}{CELL}<table:table-cell table:number-columns-repeated="16382"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#
        );
        assert_eq!(measured(&ods(&padded)), Ok(()));
    }
}
