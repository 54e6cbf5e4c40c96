//! Subscription plans: a catalogue shared by all tenants (no `tenant_id`).

use crate::model::money::EuroCents;
use crate::model::plan::{Plan, PlanLimits};
use sqlx::PgPool;

#[derive(sqlx::FromRow)]
struct PlanRow {
    plan_code: String,
    name: String,
    tagline: String,
    monthly_price_cents: i64,
    max_members: Option<i32>,
    max_simulations: Option<i32>,
    max_storage_mb: Option<i64>,
    max_api_calls_per_day: Option<i64>,
    highlights: Vec<String>,
    featured: bool,
}

impl From<PlanRow> for Plan {
    fn from(row: PlanRow) -> Self {
        Plan {
            code: row.plan_code,
            name: row.name,
            tagline: row.tagline,
            monthly_price: EuroCents::new(row.monthly_price_cents),
            limits: PlanLimits {
                members: row.max_members,
                simulations: row.max_simulations,
                storage_mb: row.max_storage_mb,
                api_calls_per_day: row.max_api_calls_per_day,
            },
            highlights: row.highlights,
            featured: row.featured,
        }
    }
}

/// Whether `code` is a plan anyone may sign up for.
pub async fn is_public(conn: &mut sqlx::PgConnection, code: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM plans WHERE plan_code = $1 AND public)")
        .bind(code)
        .fetch_one(conn)
        .await
}

/// Plans on sale, in the order the pricing table shows them.
pub async fn list_public(pool: &PgPool) -> Result<Vec<Plan>, sqlx::Error> {
    let rows: Vec<PlanRow> = sqlx::query_as(
        "SELECT plan_code, name, tagline, monthly_price_cents, max_members, max_simulations,
                max_storage_mb, max_api_calls_per_day, highlights, featured
           FROM plans
          WHERE public
          ORDER BY sort_order, plan_code",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Plan::from).collect())
}
