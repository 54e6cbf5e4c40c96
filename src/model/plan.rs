use super::money::EuroCents;
use serde::{Deserialize, Serialize};

/// A subscription plan as shown on the pricing table. Limits are enforced per
/// tenant; `None` means the plan sets no limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Stable key used by tenants and invoices (`starter`, `professional`, …).
    pub code: String,
    pub name: String,
    pub tagline: String,
    pub monthly_price: EuroCents,
    pub limits: PlanLimits,
    pub highlights: Vec<String>,
    /// The plan the pricing table draws attention to.
    pub featured: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    pub members: Option<i32>,
    pub simulations: Option<i32>,
    pub storage_mb: Option<i64>,
    pub api_calls_per_day: Option<i64>,
}
