//! Telling an organisation's other systems that a quota nears its limit:
//! `quota.near_limit` fires when usage reaches 80 % of a limit, once,
//! and again only after it fell back below.

use crate::model::account::{TenantId, Usage};
use crate::model::webhooks::EventType;
use crate::server::db::{simulations, tenants};
use crate::server::webhooks;
use serde_json::json;
use sqlx::PgConnection;

/// The share of a limit that counts as near it, in percent.
const NEAR: i64 = 80;

fn near(usage: &Usage) -> Option<i64> {
    usage
        .limit
        .filter(|limit| *limit > 0 && usage.used * 100 >= limit * NEAR)
}

/// Looks at the quotas after a change that uses them (in its transaction):
/// a newly near one is told, a relieved one forgotten.
pub async fn watch(conn: &mut PgConnection, tenant: TenantId) -> Result<(), sqlx::Error> {
    let Some(mut quotas) = tenants::quotas(conn).await? else {
        return Ok(());
    };
    quotas.simulations.used = simulations::count_live(conn).await?;
    let watched = [
        ("members", &quotas.members),
        ("simulations", &quotas.simulations),
        ("storage_mb", &quotas.storage_mb),
    ];
    for (quota, usage) in watched {
        match near(usage) {
            Some(limit) => {
                if tenants::warn_of_quota(conn, tenant, quota).await? {
                    let data = json!({ "quota": quota, "used": usage.used, "limit": limit });
                    webhooks::emit(conn, tenant, EventType::QuotaNearLimit, data).await?;
                }
            }
            None => tenants::forget_quota_warning(conn, tenant, quota).await?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_is_eighty_percent_of_a_limit() {
        let usage = |used, limit| Usage {
            used,
            limit,
            plan_limit: limit,
        };
        assert_eq!(near(&usage(8, Some(10))), Some(10));
        assert_eq!(near(&usage(7, Some(10))), None);
        assert_eq!(near(&usage(1_000, None)), None, "no limit, never near");
        assert_eq!(near(&usage(0, Some(0))), None);
    }
}
