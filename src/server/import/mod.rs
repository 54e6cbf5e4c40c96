//! Importing a bank's spreadsheet: upload (the file is checked and kept),
//! a proposed mapping the user corrects, a preview with every problem and
//! the ratios it gives, then one transaction that creates the simulation.

pub mod build;
pub mod fields;
pub mod mapping;
mod ods_extent;
pub mod read;
mod recent;
pub mod values;
mod xls_extent;

use crate::engine::{ComputeOptions, compute, resolve_profile};
use crate::intel::anomalies::{Thresholds, detect};
use crate::model::account::{Permission, Role, TenantId};
use crate::model::error::{AppError, FieldErrors};
use crate::model::import::{
    ClassTotal, FieldChoice, ImportId, ImportPreview, ImportProposal, Mapping, Section,
    SectionCount, SectionFields, Severity, error_messages,
};
use crate::model::simulation::SimulationId;
use crate::model::webhooks::EventType;
use crate::server::auth::Caller;
use crate::server::db::{imports, scope};
use crate::server::idempotency::{self, Created, IdempotencyKey};
use crate::server::{anomalies, audit, classification, heavy, simulations};
use build::Built;
use read::Workbook;
use recent::{Basis, Kept, PREVIEWS};
use serde_json::json;
use sqlx::PgPool;

/// The most problems a preview lists (the totals count them all).
const PROBLEMS_SHOWN: usize = 500;
const SAMPLE_LINES: usize = 10;
/// The least confident proposed classes a preview lists.
const PROPOSALS_SHOWN: usize = 500;
/// The most severe anomalies a preview lists.
const ANOMALIES_SHOWN: usize = 200;

fn file_error(error: read::FileError) -> AppError {
    AppError::Validation(FieldErrors::single("file", error.to_string()))
}

/// Reads an upload; a file Prudentia cannot read is refused here, with the
/// reason, and nothing is stored.
pub async fn parse(
    tenant: TenantId,
    file_name: String,
    content: Vec<u8>,
) -> Result<(Workbook, Vec<u8>), AppError> {
    heavy::run(Some(tenant), "import read", move || {
        read::read(&file_name, &content).map(|book| (book, content))
    })
    .await?
    .map_err(file_error)
}

/// Keeps an uploaded file for its mapping and returns the proposal.
pub async fn upload(
    pool: &PgPool,
    caller: Caller,
    file_name: &str,
    content: Vec<u8>,
) -> Result<ImportProposal, AppError> {
    Ok(stage(pool, caller, file_name, content).await?.0)
}

/// [`upload`] with the proposal's preview, from one reading of the file
/// (a 100k-row workbook takes about a second to read).
pub async fn upload_with_preview(
    pool: &PgPool,
    caller: Caller,
    file_name: &str,
    content: Vec<u8>,
) -> Result<(ImportProposal, ImportPreview), AppError> {
    let (proposal, book, basis) = stage(pool, caller, file_name, content).await?;
    let sent = proposal.mapping.clone();
    let kept = mapped(pool, caller.tenant_id, book, sent, Some(basis)).await?;
    let preview = preview_of(pool, caller.tenant_id, proposal.import_id, kept).await?;
    Ok((proposal, preview))
}

async fn stage(
    pool: &PgPool,
    caller: Caller,
    file_name: &str,
    content: Vec<u8>,
) -> Result<(ImportProposal, Workbook, Basis), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let file_name = clean_name(file_name)?;
    let size = content.len() as i64;
    let (book, content) = parse(caller.tenant_id, file_name.clone(), content).await?;
    let sheets = book.sheets.len();
    let (mapping, book, basis) = proposed(pool, caller.tenant_id, book).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let id = imports::stage(
        &mut tx,
        caller.tenant_id,
        caller.user_id,
        &file_name,
        &content,
    )
    .await?;
    crate::server::db::tenants::within_storage(&mut tx).await?;
    audit::record(
        &mut tx,
        caller,
        "import.uploaded",
        &format!("file “{file_name}”"),
        json!({ "bytes": size, "sheets": sheets }),
    )
    .await?;
    tx.commit().await?;
    Ok((proposal(id, file_name, size, mapping), book, basis))
}

fn clean_name(name: &str) -> Result<String, AppError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    let base: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    if base.is_empty() {
        return Err(AppError::Validation(FieldErrors::single(
            "file",
            "Choose a file to import.",
        )));
    }
    Ok(base)
}

fn proposal(
    import_id: ImportId,
    file_name: String,
    size_bytes: i64,
    mapping: Mapping,
) -> ImportProposal {
    let catalogue = Section::ALL
        .iter()
        .map(|&section| SectionFields {
            section,
            fields: fields::fields(section)
                .iter()
                .map(|f| FieldChoice {
                    name: f.name.to_owned(),
                    required: f.required,
                })
                .collect(),
        })
        .collect();
    ImportProposal {
        import_id,
        file_name,
        size_bytes,
        mapping,
        catalogue,
    }
}

/// The automatic mapping, with the tenant's saved corrections applied,
/// handed back with the file and what it was proposed from.
async fn proposed(
    pool: &PgPool,
    tenant: TenantId,
    book: Workbook,
) -> Result<(Mapping, Workbook, Basis), AppError> {
    // The saved layout is looked up under every candidate header row.
    let signatures: Vec<String> = book
        .sheets
        .iter()
        .flat_map(|sheet| {
            (0..sheet.rows.len().min(10))
                .map(|row| mapping::signature(&mapping::headers_of(sheet, row)))
        })
        .collect();
    let saved = saved_layouts(pool, tenant, &signatures).await?;
    heavy::run(Some(tenant), "import mapping", move || {
        let mapping = mapping::propose(&book, &saved);
        (mapping, book, Basis { signatures, saved })
    })
    .await
}

/// The organisation's saved layouts among those header signatures.
async fn saved_layouts(
    pool: &PgPool,
    tenant: TenantId,
    signatures: &[String],
) -> Result<mapping::Saved, AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    let saved = imports::saved(&mut tx, signatures)
        .await?
        .into_iter()
        .map(|(signature, section, columns)| (signature, (section, columns)))
        .collect();
    tx.commit().await?;
    Ok(saved)
}

/// The staged file, for its uploader or an admin; others get "not found".
async fn staged(
    tx: &mut sqlx::PgConnection,
    caller: Caller,
    id: ImportId,
) -> Result<imports::Staged, AppError> {
    let file = imports::get(tx, id).await?.ok_or(AppError::NotFound)?;
    if file.created_by != caller.user_id && caller.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    Ok(file)
}

/// A staged file read as a workbook, with its size in bytes; the caller
/// checked it may use it ([`staged`]).
async fn read_staged(
    pool: &PgPool,
    tenant: TenantId,
    id: ImportId,
    file_name: String,
) -> Result<(Workbook, usize), AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    let content = imports::content(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let (book, content) = parse(tenant, file_name, content).await?;
    Ok((book, content.len()))
}

/// The proposal of a staged file (the import page after a reload).
pub async fn open(pool: &PgPool, caller: Caller, id: ImportId) -> Result<ImportProposal, AppError> {
    Ok(reopen(pool, caller, id).await?.0)
}

/// [`open`] with the proposal's preview, from one reading of the file.
pub async fn open_with_preview(
    pool: &PgPool,
    caller: Caller,
    id: ImportId,
) -> Result<(ImportProposal, ImportPreview), AppError> {
    let (proposal, book, basis) = reopen(pool, caller, id).await?;
    let sent = proposal.mapping.clone();
    let kept = mapped(pool, caller.tenant_id, book, sent, Some(basis)).await?;
    let preview = preview_of(pool, caller.tenant_id, id, kept).await?;
    Ok((proposal, preview))
}

async fn reopen(
    pool: &PgPool,
    caller: Caller,
    id: ImportId,
) -> Result<(ImportProposal, Workbook, Basis), AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let file = staged(&mut tx, caller, id).await?;
    tx.commit().await?;
    let (book, size) = read_staged(pool, caller.tenant_id, id, file.file_name.clone()).await?;
    let (mapping, book, basis) = proposed(pool, caller.tenant_id, book).await?;
    Ok((
        proposal(id, file.file_name, size as i64, mapping),
        book,
        basis,
    ))
}

/// The data set a mapping gives, with its problems and the classes the
/// organisation's model proposes, computed off the request threads; `sent`
/// is kept in it.
async fn mapped(
    pool: &PgPool,
    tenant: TenantId,
    book: Workbook,
    sent: Mapping,
    proposal: Option<Basis>,
) -> Result<Kept, AppError> {
    let model = classification::in_force(pool, tenant).await?;
    heavy::run(Some(tenant), "import build", move || {
        let mapping = mapping::reconcile(&book, &sent)
            .map_err(|message| AppError::Validation(FieldErrors::single("mapping", message)))?;
        let mut built = build::classified(&book, &mapping, || model.model());
        let gate = build::unconfirmed(&built.proposals, built.threshold);
        built.problems.extend(gate);
        built.problems.sort_by_key(|p| p.severity);
        Ok(Kept {
            sent,
            mapping,
            built,
            proposal,
            model: model.version(),
        })
    })
    .await?
}

/// What the import would create: problems, counts, totals, a sample and
/// the ratios. Nothing is written.
pub async fn preview(
    pool: &PgPool,
    caller: Caller,
    id: ImportId,
    sent: Mapping,
) -> Result<ImportPreview, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let file = staged(&mut tx, caller, id).await?;
    tx.commit().await?;
    // The same mapping again is answered from the data set already built.
    let kept = match previewed(pool, caller.tenant_id, id, Some(&sent)).await? {
        Some(kept) => kept,
        None => {
            let (book, _) = read_staged(pool, caller.tenant_id, id, file.file_name).await?;
            mapped(pool, caller.tenant_id, book, sent, None).await?
        }
    };
    preview_of(pool, caller.tenant_id, id, kept).await
}

/// The preview of a built data set, which is then kept for the commit
/// that usually follows ([`recent`]).
async fn preview_of(
    pool: &PgPool,
    tenant: TenantId,
    id: ImportId,
    kept: Kept,
) -> Result<ImportPreview, AppError> {
    let mut tx = scope::begin(pool, tenant).await?;
    let t = anomalies::thresholds(&mut tx, tenant).await?;
    tx.commit().await?;
    heavy::run(Some(tenant), "import preview", move || {
        let preview = summarise(&kept.mapping, &kept.built, &t);
        PREVIEWS.keep(tenant, id, kept);
        preview
    })
    .await
}

fn summarise(mapping: &Mapping, built: &Built, t: &Thresholds) -> ImportPreview {
    let Built {
        data,
        problems,
        proposals,
        threshold,
    } = built;
    let threshold = *threshold;
    let error_total = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warning_total = problems.len() - error_total;
    let mut sections: Vec<SectionCount> = Vec::new();
    for sheet in &mapping.sheets {
        if let Some(section) = sheet.section {
            match sections.iter_mut().find(|c| c.section == section) {
                Some(count) => count.rows += sheet.data_rows,
                None => sections.push(SectionCount {
                    section,
                    rows: sheet.data_rows,
                }),
            }
        }
    }
    let mut totals: Vec<ClassTotal> = Vec::new();
    for line in &data.exposures {
        let class = line.class.key();
        let total = match totals.iter_mut().position(|t| t.class == class) {
            Some(i) => &mut totals[i],
            None => {
                totals.push(ClassTotal {
                    class: class.into(),
                    lines: 0,
                    drawn: 0.0,
                    undrawn: 0.0,
                });
                totals.last_mut().expect("just pushed")
            }
        };
        total.lines += 1;
        total.drawn += line.drawn.unwrap_or(0.0);
        total.undrawn += line.undrawn.unwrap_or(0.0);
    }
    let sample = data
        .exposures
        .iter()
        .take(SAMPLE_LINES)
        .map(|line| match serde_json::to_value(line) {
            Ok(serde_json::Value::Object(fields)) => fields
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let anomalies = detect(data, None, t);
    let results = (error_total == 0)
        .then(|| resolve_profile(data, None).ok())
        .flatten()
        .map(|profile| compute(data, &profile, &ComputeOptions::default()));
    ImportPreview {
        problems: problems.iter().take(PROBLEMS_SHOWN).cloned().collect(),
        error_total,
        warning_total,
        sections,
        sample,
        totals,
        results,
        to_confirm: proposals
            .iter()
            .filter(|p| p.needs_confirmation(threshold))
            .count(),
        proposal_total: proposals.len(),
        proposals: proposals.iter().take(PROPOSALS_SHOWN).cloned().collect(),
        class_threshold: threshold,
        anomaly_total: anomalies.len(),
        anomalies: anomalies.into_iter().take(ANOMALIES_SHOWN).collect(),
    }
}

/// Creates the simulation from the file in one transaction, with the
/// mapping saved for the next file of this layout and the upload removed:
/// an error anywhere leaves nothing behind.
pub async fn commit(
    pool: &PgPool,
    caller: Caller,
    id: ImportId,
    sent: Mapping,
    name: String,
) -> Result<SimulationId, AppError> {
    commit_once(pool, caller, id, Some(sent), name, None)
        .await
        .map(Created::value)
}

/// [`commit`] with the proposed mapping when none is `sent`, made once per
/// idempotency key: a retry gets the simulation the first commit created,
/// although the upload is gone.
pub async fn commit_once(
    pool: &PgPool,
    caller: Caller,
    id: ImportId,
    sent: Option<Mapping>,
    name: String,
    key: Option<&IdempotencyKey>,
) -> Result<Created<SimulationId>, AppError> {
    let caller = caller.require(Permission::EditData)?;
    if let Some(key) = key
        && let Some(earlier) = idempotency::earlier(pool, caller, key).await?
    {
        return Ok(Created::Replayed(SimulationId(earlier)));
    }
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    let file = staged(&mut tx, caller, id).await?;
    tx.commit().await?;
    let file_name = file.file_name.clone();
    let Kept { mapping, built, .. } =
        match previewed(pool, caller.tenant_id, id, sent.as_ref()).await? {
            Some(kept) => kept,
            None => {
                let (book, _) = read_staged(pool, caller.tenant_id, id, file.file_name).await?;
                let (sent, book, proposal) = match sent {
                    Some(mapping) => (mapping, book, None),
                    None => {
                        let (mapping, book, basis) = proposed(pool, caller.tenant_id, book).await?;
                        (mapping, book, Some(basis))
                    }
                };
                mapped(pool, caller.tenant_id, book, sent, proposal).await?
            }
        };
    let Built {
        mut data,
        problems,
        proposals,
        ..
    } = built;
    refuse_errors(&problems)?;
    if data.name.trim().is_empty() {
        data.name = name.clone();
    }
    resolve_profile(&data, None)
        .map_err(|e| AppError::Validation(FieldErrors::single("file", e.to_string())))?;
    let lines = data.exposures.len();
    let version = simulations::prepare(caller.tenant_id, data).await?;
    let mut tx = scope::begin(pool, caller.tenant_id).await?;
    if let Some(key) = key
        && let Some(earlier) = idempotency::claim(&mut tx, caller, key).await?
    {
        return Ok(Created::Replayed(SimulationId(earlier)));
    }
    // Taken first: a second commit of the same upload waits here, then
    // finds it gone.
    if !imports::remove(&mut tx, id).await? {
        return Err(AppError::Conflict(
            "This import was already committed.".into(),
        ));
    }
    let simulation = simulations::insert_new(&mut tx, caller, &name, &version).await?;
    if let Some(key) = key {
        idempotency::record(&mut tx, caller, key, simulation.0).await?;
    }
    let book_headers = mapping.sheets.iter().filter(|s| s.section.is_some());
    for sheet in book_headers {
        let headers: Vec<(usize, String)> = sheet
            .columns
            .iter()
            .map(|c| (c.column, c.header.clone()))
            .collect();
        let columns: imports::Columns = sheet
            .columns
            .iter()
            .map(|c| (c.header.clone(), c.field.clone()))
            .collect();
        let section = sheet.section.expect("filtered on sections");
        imports::save(
            &mut tx,
            caller.tenant_id,
            &mapping::signature(&headers),
            section,
            &columns,
        )
        .await?;
    }
    audit::record(
        &mut tx,
        caller,
        "import.committed",
        &format!("file “{file_name}”"),
        json!({
            "simulation": simulation.to_string(),
            "lines": lines,
            "warnings": problems.len(),
            "classes": class_decisions(&proposals),
        }),
    )
    .await?;
    let committed = json!({
        "simulation_id": simulation,
        "file": file_name,
        "lines": lines,
        "warnings": problems.len(),
    });
    crate::server::webhooks::emit(
        &mut tx,
        caller.tenant_id,
        EventType::ImportCommitted,
        committed,
    )
    .await?;
    tx.commit().await?;
    crate::server::metrics::import_committed();
    // The analyst's confirmations and corrections teach the next model.
    if proposals.iter().any(|p| p.chosen.is_some()) {
        classification::retrain_later(pool.clone(), caller.tenant_id);
    }
    Ok(Created::New(simulation))
}

/// The data set of the upload's latest preview, when it stands for this
/// preview or commit: built by the model still in force from the mapping
/// sent or, with none sent, from a proposal whose saved layouts are
/// unchanged.
async fn previewed(
    pool: &PgPool,
    tenant: TenantId,
    id: ImportId,
    sent: Option<&Mapping>,
) -> Result<Option<Kept>, AppError> {
    let Some(kept) = PREVIEWS.take(tenant, id) else {
        return Ok(None);
    };
    if kept.model != classification::in_force(pool, tenant).await?.version() {
        return Ok(None);
    }
    let stands = match (sent, &kept.proposal) {
        (Some(sent), _) => *sent == kept.sent,
        (None, Some(basis)) => saved_layouts(pool, tenant, &basis.signatures).await? == basis.saved,
        (None, None) => false,
    };
    Ok(stands.then_some(kept))
}

/// The file's errors, the first ten named, as one refusal.
fn refuse_errors(problems: &[crate::model::import::Problem]) -> Result<(), AppError> {
    let errors = error_messages(problems);
    if errors.is_empty() {
        return Ok(());
    }
    let shown = errors
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    let message = match errors.len().saturating_sub(10) {
        0 => shown,
        more => format!("{shown}; and {more} more"),
    };
    Err(AppError::Validation(FieldErrors::single("file", message)))
}

/// A file fetched by a scheduled import, through the same reading,
/// mapping (the organisation's saved one for this layout), classification
/// and checks as an upload, made into a draft version of `simulation`;
/// returns the version. A file with errors, or with classes the model is
/// not sure of, is refused: nobody is there to confirm them.
pub async fn scheduled(
    pool: &PgPool,
    base: &str,
    caller: Caller,
    simulation: SimulationId,
    file_name: String,
    content: Vec<u8>,
) -> Result<i32, AppError> {
    let caller = caller.require(Permission::EditData)?;
    let (book, _) = parse(caller.tenant_id, file_name.clone(), content).await?;
    let (sent, book, basis) = proposed(pool, caller.tenant_id, book).await?;
    let kept = mapped(pool, caller.tenant_id, book, sent, Some(basis)).await?;
    let Built { data, problems, .. } = kept.built;
    refuse_errors(&problems)?;
    resolve_profile(&data, None)
        .map_err(|e| AppError::Validation(FieldErrors::single("file", e.to_string())))?;
    let lines = data.exposures.len();
    let imported = simulations::Imported {
        file_name: &file_name,
        warnings: problems.len(),
    };
    let version =
        simulations::add_imported_version(pool, base, caller, simulation, data, imported).await?;
    crate::server::metrics::import_committed();
    tracing::info!(tenant = %caller.tenant_id, %simulation, version, lines, "scheduled import");
    Ok(version)
}

/// What the audit keeps of the proposed classes: how many were taken as
/// proposed, confirmed, or corrected (with each correction).
fn class_decisions(proposals: &[crate::model::import::ClassProposal]) -> serde_json::Value {
    let corrected: Vec<_> = proposals
        .iter()
        .filter(|p| p.chosen.is_some_and(|c| c != p.class))
        .map(|p| json!({ "id": p.id, "proposed": p.class.key(), "chosen": p.chosen.map(|c| c.key()) }))
        .collect();
    let confirmed = proposals
        .iter()
        .filter(|p| p.chosen == Some(p.class))
        .count();
    json!({
        "proposed": proposals.len(),
        "confirmed": confirmed,
        "corrected": corrected,
    })
}
