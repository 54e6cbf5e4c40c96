//! The results of dataset.md, serialised with exactly its JSON names. A
//! figure that cannot be computed is `None` (JSON `null`), never 0.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Results {
    pub profile: String,
    pub capital: CapitalResults,
    pub rwa: RwaResults,
    pub op_risk: OpRiskResults,
    pub ratios: Ratios,
    pub requirements: RequirementResults,
    pub headroom: Headroom,
    pub buffers: Buffers,
    pub leverage: LeverageResults,
    pub lcr: LcrResults,
    pub nsfr: NsfrResults,
    pub large_exposures: Vec<LargeExposure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineResult>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CapitalResults {
    pub cet1: f64,
    pub at1: f64,
    pub tier1: f64,
    pub t2: f64,
    pub total: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Bucket {
    pub exposure: f64,
    pub rwa: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RwaResults {
    pub credit: f64,
    pub operational: f64,
    pub market: f64,
    pub cva: f64,
    pub other: f64,
    pub total: f64,
    pub by_class: BTreeMap<String, Bucket>,
    pub by_risk_weight: BTreeMap<String, Bucket>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct OpRiskResults {
    pub bi: Option<f64>,
    pub bic: Option<f64>,
    pub ilm: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Ratios {
    pub cet1: Option<f64>,
    pub tier1: Option<f64>,
    pub total_capital: Option<f64>,
    pub leverage: Option<f64>,
    pub lcr: Option<f64>,
    pub nsfr: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequirementResults {
    pub cet1: f64,
    pub tier1: f64,
    pub total_capital: f64,
    pub tscr: f64,
    pub cbr: f64,
    pub ccyb: f64,
    pub leverage: f64,
    pub lcr: f64,
    pub nsfr: f64,
    /// The profile's management buffers (`mgmt_buffer.*`), absent from
    /// results stored before they existed.
    #[serde(default)]
    pub management_buffers: ManagementBuffers,
}

/// Ratio points above each requirement (below the large-exposure limit)
/// the bank keeps as its own target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ManagementBuffers {
    pub cet1: f64,
    pub tier1: f64,
    pub total_capital: f64,
    pub leverage: f64,
    pub lcr: f64,
    pub nsfr: f64,
    pub large_exposure: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Headroom {
    pub cet1: Option<f64>,
    pub tier1: Option<f64>,
    pub total_capital: Option<f64>,
    pub leverage: Option<f64>,
    pub cet1_amount: Option<f64>,
    pub tier1_amount: Option<f64>,
    pub total_capital_amount: Option<f64>,
    pub leverage_amount: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Buffers {
    pub cet1_available: Option<f64>,
    pub mda_factor: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeverageResults {
    pub exposure_measure: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LcrResults {
    pub l1: Option<f64>,
    pub l2a: Option<f64>,
    pub l2b: Option<f64>,
    pub adj15: Option<f64>,
    pub adj40: Option<f64>,
    pub hqla: Option<f64>,
    pub outflows: Option<f64>,
    pub inflows: Option<f64>,
    pub net_outflows: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NsfrResults {
    pub asf: Option<f64>,
    pub rsf: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LargeExposure {
    pub group: String,
    pub exposure: f64,
    pub share_of_tier1: Option<f64>,
    pub limit: f64,
    pub breach: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LineResult {
    pub id: String,
    pub class: String,
    pub exposure: f64,
    pub risk_weight: f64,
    pub rwa: f64,
    /// The rule that set the risk weight; only with explanations on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}
