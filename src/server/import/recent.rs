//! The data set an upload's latest preview built, kept for the commit that
//! usually follows: reading and building a 100k-row workbook again takes
//! about a second. Kept in this process only, for a few uploads and a few
//! minutes; a commit that finds nothing here (another server, a restart,
//! an evicted entry) reads the file again.

use super::build::Built;
use super::mapping::Saved;
use crate::model::account::TenantId;
use crate::model::import::{ImportId, Mapping};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Uploads kept at once, and their lines in total, which bound the memory:
/// a kept 100k-line data set holds about 50 MB.
const ENTRIES: usize = 16;
const LINES: usize = 400_000;
/// Past this, a preview is too old to stand for the commit.
const KEPT_FOR: Duration = Duration::from_secs(15 * 60);

/// What a proposed mapping depended on besides the file: the saved layouts
/// found under its header signatures. The same layouts found again give
/// the same proposal.
#[derive(Clone, PartialEq)]
pub struct Basis {
    pub signatures: Vec<String>,
    pub saved: Saved,
}

/// A preview's data set and what it was built from.
pub struct Kept {
    /// The mapping as the preview was asked for.
    pub sent: Mapping,
    /// The same, reconciled with the file.
    pub mapping: Mapping,
    pub built: Built,
    /// Set when `sent` was the proposal.
    pub proposal: Option<Basis>,
    /// The organisation's classification model that proposed classes.
    pub model: Option<i32>,
}

struct Entry {
    tenant: TenantId,
    import: ImportId,
    at: Instant,
    kept: Kept,
}

/// The kept previews of this process ([`PREVIEWS`]).
pub struct Recent(Mutex<Vec<Entry>>);

pub static PREVIEWS: Recent = Recent::new();

fn lines(entries: &[Entry]) -> usize {
    entries
        .iter()
        .map(|e| e.kept.built.data.exposures.len())
        .sum()
}

impl Recent {
    pub const fn new() -> Recent {
        Recent(Mutex::new(Vec::new()))
    }

    /// Keeps the latest preview of an upload, in place of an earlier one;
    /// the oldest entries make room. A data set past the bound is not kept.
    pub fn keep(&self, tenant: TenantId, import: ImportId, kept: Kept) {
        if kept.built.data.exposures.len() > LINES {
            return;
        }
        let Ok(mut entries) = self.0.lock() else {
            return;
        };
        entries.retain(|e| e.at.elapsed() < KEPT_FOR && (e.tenant, e.import) != (tenant, import));
        entries.push(Entry {
            tenant,
            import,
            at: Instant::now(),
            kept,
        });
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        while entries.len() > ENTRIES || lines(&entries) > LINES {
            entries.pop();
        }
    }

    /// The kept preview of an upload, taken out: a commit uses it once.
    pub fn take(&self, tenant: TenantId, import: ImportId) -> Option<Kept> {
        let mut entries = self.0.lock().ok()?;
        entries.retain(|e| e.at.elapsed() < KEPT_FOR);
        let at = entries
            .iter()
            .position(|e| (e.tenant, e.import) == (tenant, import))?;
        Some(entries.swap_remove(at).kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::dataset::{DataSet, Exposure, ExposureClass};

    fn kept(lines: usize) -> Kept {
        let data = DataSet {
            exposures: vec![Exposure::new("L", ExposureClass::Corporate, 1.0); lines],
            ..DataSet::default()
        };
        Kept {
            sent: Mapping::default(),
            mapping: Mapping::default(),
            built: Built {
                data,
                problems: Vec::new(),
                proposals: Vec::new(),
                threshold: 0.5,
            },
            proposal: None,
            model: None,
        }
    }

    fn id() -> ImportId {
        ImportId(uuid::Uuid::now_v7())
    }

    #[test]
    fn an_upload_keeps_its_latest_preview_for_its_own_tenant_and_gives_it_once() {
        let recent = Recent::new();
        let (a, b) = (
            TenantId(uuid::Uuid::now_v7()),
            TenantId(uuid::Uuid::now_v7()),
        );
        let upload = id();
        recent.keep(a, upload, kept(1));
        recent.keep(a, upload, kept(2));
        assert!(
            recent.take(b, upload).is_none(),
            "another tenant's key finds nothing"
        );
        let latest = recent.take(a, upload).expect("kept");
        assert_eq!(latest.built.data.exposures.len(), 2, "the latest preview");
        assert!(recent.take(a, upload).is_none(), "taken once");
    }

    #[test]
    fn the_oldest_make_room_and_a_data_set_past_the_bound_is_not_kept() {
        let recent = Recent::new();
        let tenant = TenantId(uuid::Uuid::now_v7());
        let too_large = id();
        recent.keep(tenant, too_large, kept(LINES + 1));
        assert!(recent.take(tenant, too_large).is_none());
        let uploads: Vec<ImportId> = (0..ENTRIES + 1).map(|_| id()).collect();
        for upload in &uploads {
            recent.keep(tenant, *upload, kept(LINES / ENTRIES));
        }
        assert!(recent.take(tenant, uploads[0]).is_none(), "the oldest went");
        assert!(
            recent.take(tenant, uploads[ENTRIES]).is_some(),
            "the newest stayed"
        );
    }
}
