//! Reports: the Pillar 3 tables, the Excel workbook, the PDF laid out by
//! typst, their templates, branding and history, and e-mail delivery.

pub mod pdf;
pub mod service;
pub mod tables;
pub mod workbook;
