//! What a person does with anomalies, shared by the dashboard and the
//! server: the finding they dismiss, and the thresholds detection runs with.

use crate::intel::anomalies::{Anomaly, Kind, Section};
use crate::model::time::Timestamp;
use serde::{Deserialize, Serialize};

/// The finding a person dismisses, as the anomaly list names it.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The exposure line's id; none for items that are not lines.
    pub id: Option<String>,
    pub section: Section,
    pub field: String,
    pub kind: Kind,
}

/// The thresholds an organisation's detection runs with, and where they
/// come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ThresholdsView {
    pub outlier_z: f64,
    pub alert_budget: f64,
    /// Set by an admin: dismissals no longer move the outlier threshold.
    pub fixed: bool,
    /// Dismissed outliers the learnt threshold comes from.
    pub learnt_from: usize,
    pub default_outlier_z: f64,
    pub default_alert_budget: f64,
    pub updated_at: Option<Timestamp>,
}

impl Finding {
    /// The finding an anomaly is (its line, section, field and kind).
    pub fn of(anomaly: &Anomaly) -> Finding {
        Finding {
            id: anomaly.id.clone(),
            section: anomaly.section,
            field: anomaly.field.clone(),
            kind: anomaly.kind,
        }
    }
}
