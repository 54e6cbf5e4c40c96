//! The PDF report, laid out by typst from `report.typ`. Everything it
//! reads (the template, the figures as JSON, the charts as SVG, the logo)
//! is handed over in memory, and the fonts are typst's embedded ones:
//! nothing is read from disk or downloaded.

use std::collections::HashMap;
use std::sync::LazyLock;
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

const TEMPLATE: &str = include_str!("report.typ");

struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// Parsed once per process: the embedded fonts take a while to index.
static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path)
        .unwrap_or_else(|_| VirtualPath::new("/invalid").expect("a valid path"));
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

struct ReportWorld {
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: (i32, u8, u8),
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Datetime::from_ymd(self.today.0, self.today.1, self.today.2)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("the report could not be laid out: {0}")]
pub struct LayoutError(String);

fn layout_error(
    errors: impl IntoIterator<Item = impl std::ops::Deref<Target = typst::diag::SourceDiagnostic>>,
) -> LayoutError {
    LayoutError(
        errors
            .into_iter()
            .map(|e| e.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// Lays out `main` with `files` (path → bytes) at hand.
fn layout(
    main: String,
    files: Vec<(String, Vec<u8>)>,
    today: (i32, u8, u8),
) -> Result<PagedDocument, LayoutError> {
    let world = ReportWorld {
        main: Source::new(file_id("/main.typ"), main),
        files: files
            .into_iter()
            .map(|(path, bytes)| (file_id(&path), Bytes::new(bytes)))
            .collect(),
        today,
    };
    typst::compile(&world)
        .output
        .map_err(|errors| layout_error(errors.iter()))
}

/// Lays out a page holding only the image: a logo typst cannot read is
/// refused when it is uploaded, not when a report is due.
pub fn check_image(bytes: &[u8], kind: &str) -> Result<(), LayoutError> {
    let path = format!("/logo.{kind}");
    layout(
        format!("#image(\"{path}\", height: 1cm)"),
        vec![(path, bytes.to_vec())],
        (2000, 1, 1),
    )
    .map(|_| ())
}

/// Lays out the report: `data` is the JSON the template reads as
/// `/data.json`; `files` are the charts and the logo, by path.
pub fn render(
    data: &serde_json::Value,
    mut files: Vec<(String, Vec<u8>)>,
    today: (i32, u8, u8),
) -> Result<Vec<u8>, LayoutError> {
    files.push(("/data.json".into(), data.to_string().into_bytes()));
    let document = layout(TEMPLATE.to_owned(), files, today)?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| layout_error(errors.iter()))
}
