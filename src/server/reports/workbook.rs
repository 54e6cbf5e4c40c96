//! Excel workbooks: the canonical workbook of dataset.md (one sheet per
//! section, JSON names as headers; the importer reads it back exactly) and
//! the report workbook (KM1, OV1, CR5, then the data sheets).

use super::tables::{Table, Value as TableValue};
use crate::engine::dataset::DataSet;
use crate::model::import::Section;
use crate::server::import::fields::{self, SETTING_KEYS};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Serialize;
use serde_json::Value;

struct Styles {
    header: Format,
    amount: Format,
    ratio: Format,
    total_label: Format,
    total_amount: Format,
    total_ratio: Format,
    title: Format,
}

impl Styles {
    fn new(primary: u32) -> Styles {
        let header = Format::new()
            .set_bold()
            .set_font_color(Color::White)
            .set_background_color(Color::RGB(primary))
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        let total = Format::new().set_bold().set_border_top(FormatBorder::Thin);
        Styles {
            header,
            amount: Format::new().set_num_format("#,##0"),
            ratio: Format::new().set_num_format("0.00%"),
            total_label: total.clone(),
            total_amount: total.clone().set_num_format("#,##0"),
            total_ratio: total.set_num_format("0.00%"),
            title: Format::new().set_bold().set_font_size(14),
        }
    }
}

/// The sheets of `data` in the canonical layout; a section the data set
/// does not have gets no sheet (dataset.md: a missing sheet is an absent
/// section).
fn write_canonical(book: &mut Workbook, data: &DataSet, styles: &Styles) -> Result<(), XlsxError> {
    let settings = settings_of(data);
    let sheet = book.add_worksheet().set_name("settings")?;
    write_rows(
        sheet,
        &["key", "value"],
        settings
            .iter()
            .map(|(k, v)| vec![Value::from(*k), v.clone()]),
        styles,
    )?;
    let requirements = data.requirements.as_ref();
    let ccyb: Vec<Vec<Value>> = requirements
        .map(|r| {
            r.ccyb_rates
                .iter()
                .map(|(c, rate)| vec![Value::from(c.as_str()), Value::from(*rate)])
                .collect()
        })
        .unwrap_or_default();
    if requirements.is_some() {
        section_sheet(book, Section::CcybRates, ccyb, styles)?;
    }
    list_sheet(book, Section::Capital, Some(&data.capital), styles)?;
    list_sheet(book, Section::Exposures, Some(&data.exposures), styles)?;
    list_sheet(book, Section::RwaLines, Some(&data.rwa_lines), styles)?;
    list_sheet(
        book,
        Section::OpRisk,
        data.op_risk.as_ref().map(|o| &o.years),
        styles,
    )?;
    list_sheet(
        book,
        Section::LcrHqla,
        data.lcr.as_ref().map(|l| &l.hqla),
        styles,
    )?;
    list_sheet(
        book,
        Section::LcrOutflows,
        data.lcr.as_ref().map(|l| &l.outflows),
        styles,
    )?;
    list_sheet(
        book,
        Section::LcrInflows,
        data.lcr.as_ref().map(|l| &l.inflows),
        styles,
    )?;
    list_sheet(
        book,
        Section::NsfrAsf,
        data.nsfr.as_ref().map(|n| &n.asf),
        styles,
    )?;
    list_sheet(
        book,
        Section::NsfrRsf,
        data.nsfr.as_ref().map(|n| &n.rsf),
        styles,
    )?;
    Ok(())
}

fn settings_of(data: &DataSet) -> Vec<(&'static str, Value)> {
    let json = serde_json::to_value(data).unwrap_or(Value::Null);
    SETTING_KEYS
        .iter()
        .filter_map(|key| {
            let value = key.split('.').try_fold(&json, |v, part| v.get(part))?;
            (!value.is_null()).then(|| (*key, value.clone()))
        })
        .collect()
}

fn list_sheet<T: Serialize>(
    book: &mut Workbook,
    section: Section,
    items: Option<&Vec<T>>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let Some(items) = items else { return Ok(()) };
    let names: Vec<&str> = fields::fields(section).iter().map(|f| f.name).collect();
    let rows = items.iter().map(|item| {
        let object = serde_json::to_value(item).unwrap_or(Value::Null);
        names
            .iter()
            .map(|n| object.get(*n).cloned().unwrap_or(Value::Null))
            .collect()
    });
    let sheet = book.add_worksheet().set_name(section.key())?;
    write_rows(sheet, &names, rows, styles)
}

fn section_sheet(
    book: &mut Workbook,
    section: Section,
    rows: Vec<Vec<Value>>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let names: Vec<&str> = fields::fields(section).iter().map(|f| f.name).collect();
    let sheet = book.add_worksheet().set_name(section.key())?;
    write_rows(sheet, &names, rows.into_iter(), styles)
}

fn write_rows(
    sheet: &mut Worksheet,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Value>>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (c, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *header, &styles.header)?;
        sheet.set_column_width(c as u16, (header.len() as f64 + 2.0).max(12.0))?;
    }
    let mut last = 0u32;
    for (r, cells) in rows.enumerate() {
        let r = r as u32 + 1;
        last = r;
        for (c, value) in cells.iter().enumerate() {
            let c = c as u16;
            match value {
                Value::Null => {}
                Value::Bool(b) => {
                    sheet.write_boolean(r, c, *b)?;
                }
                Value::Number(n) => {
                    sheet.write_number(r, c, n.as_f64().unwrap_or(0.0))?;
                }
                Value::String(s) => {
                    sheet.write_string(r, c, s)?;
                }
                other => {
                    sheet.write_string(r, c, other.to_string())?;
                }
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if last > 0 && !headers.is_empty() {
        sheet.autofilter(0, 0, last, headers.len() as u16 - 1)?;
    }
    Ok(())
}

fn write_table(book: &mut Workbook, table: &Table, styles: &Styles) -> Result<(), XlsxError> {
    let sheet = book.add_worksheet().set_name(&table.code)?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{} – {}", table.code, table.title),
        &styles.title,
    )?;
    sheet.write_string_with_format(2, 0, "Row", &styles.header)?;
    sheet.write_string_with_format(2, 1, "", &styles.header)?;
    for (i, column) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(2, i as u16 + 2, column, &styles.header)?;
        sheet.set_column_width(i as u16 + 2, 16)?;
    }
    sheet.set_column_width(0, 8)?;
    sheet.set_column_width(1, 52)?;
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 3;
        let (label, amount, ratio) = if row.total {
            (
                &styles.total_label,
                &styles.total_amount,
                &styles.total_ratio,
            )
        } else {
            (&Format::new(), &styles.amount, &styles.ratio)
        };
        sheet.write_string_with_format(r, 0, &row.reference, label)?;
        sheet.write_string_with_format(r, 1, &row.label, label)?;
        for (c, cell) in row.cells.iter().enumerate() {
            let c = c as u16 + 2;
            match cell {
                TableValue::Amount(a) => sheet.write_number_with_format(r, c, *a, amount)?,
                TableValue::Ratio(x) => sheet.write_number_with_format(r, c, *x, ratio)?,
                TableValue::None => sheet.write_string_with_format(r, c, "–", label)?,
            };
        }
    }
    sheet.set_freeze_panes(3, 2)?;
    Ok(())
}

/// A data set with every section present and empty: the blank workbook
/// shows every sheet and every settings key.
pub fn blank() -> DataSet {
    use crate::engine::dataset::{
        Lcr, LeverageInputs, Nsfr, OpRisk, OwnFundsRequirement, Requirements,
    };
    DataSet {
        market_risk: Some(OwnFundsRequirement::default()),
        cva: Some(OwnFundsRequirement::default()),
        op_risk: Some(OpRisk::default()),
        leverage: Some(LeverageInputs::default()),
        lcr: Some(Lcr::default()),
        nsfr: Some(Nsfr::default()),
        requirements: Some(Requirements::default()),
        ..DataSet::default()
    }
}

/// The canonical workbook of a data set (the demo data, or `blank()`).
pub fn canonical(data: &DataSet) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    write_canonical(&mut book, data, &Styles::new(0x1f3a5f))?;
    book.save_to_buffer()
}

/// The report workbook: the Pillar 3 tables first, then the data set in
/// the canonical layout (so the workbook can be imported again).
pub fn report(tables: &[Table], data: &DataSet, primary: u32) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let styles = Styles::new(primary);
    for table in tables {
        write_table(&mut book, table, &styles)?;
    }
    write_canonical(&mut book, data, &styles)?;
    book.save_to_buffer()
}
