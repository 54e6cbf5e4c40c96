//! Tenants, their memberships and quotas. Every query but the membership
//! listing of one user runs inside a tenant scope (`scope::begin`), where
//! row-level security shows that tenant's rows only.

use crate::model::account::{Member, Quotas, Role, TenantId, TenantMembership, Usage, UserId};
use crate::model::mail::{MailPolicy, OutsideRecipients};
use sqlx::PgConnection;
use uuid::Uuid;

fn role(text: &str) -> Role {
    // The CHECK constraint admits exactly the three roles.
    text.parse().unwrap_or(Role::Viewer)
}

/// Creates the tenant of the current scope (its id must be the scope's),
/// on a trial of `trial_days` when given; returns the trial's end.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    plan_code: &str,
    trial_days: Option<i32>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO tenants (tenant_id, name, plan_code, trial_ends_at)
         VALUES ($1, $2, $3, now() + make_interval(days => $4)) RETURNING trial_ends_at",
    )
    .bind(tenant.0)
    .bind(name)
    .bind(plan_code)
    .bind(trial_days)
    .fetch_one(conn)
    .await
}

/// Every tenant a user belongs to (a narrow function that crosses tenants
/// for this one purpose).
pub async fn memberships_of(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<TenantMembership>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT tenant_id, tenant_name, role FROM app_user_memberships($1)")
            .bind(user.0)
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, r)| TenantMembership {
            tenant_id: TenantId(id),
            tenant_name: name,
            role: role(&r),
        })
        .collect())
}

/// The user's role in the scope's tenant, `None` when not a member.
pub async fn role_of(conn: &mut PgConnection, user: UserId) -> Result<Option<Role>, sqlx::Error> {
    let r: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = $1")
        .bind(user.0)
        .fetch_optional(conn)
        .await?;
    Ok(r.as_deref().map(role))
}

/// The user's role in the scope's tenant and the account's session epoch,
/// `None` when not a member.
pub async fn standing_of(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Option<(Role, i32)>, sqlx::Error> {
    let row: Option<(String, i32)> = sqlx::query_as(
        "SELECT m.role, u.session_epoch FROM memberships m JOIN users u USING (user_id)
          WHERE m.user_id = $1",
    )
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(r, epoch)| (role(&r), epoch)))
}

pub async fn add_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, user_id) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(user.0)
    .bind(role.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn members(conn: &mut PgConnection) -> Result<Vec<Member>, sqlx::Error> {
    let rows: Vec<(Uuid, String, String, String, Vec<String>)> = sqlx::query_as(
        "SELECT u.user_id, u.display_name, u.email::text, m.role,
                coalesce(array_agg(t.name ORDER BY t.name) FILTER (WHERE t.name IS NOT NULL), '{}')
           FROM memberships m
           JOIN users u USING (user_id)
      LEFT JOIN team_members tm ON tm.tenant_id = m.tenant_id AND tm.user_id = m.user_id
      LEFT JOIN teams t ON t.tenant_id = tm.tenant_id AND t.team_id = tm.team_id
       GROUP BY u.user_id, u.display_name, u.email, m.role
       ORDER BY u.display_name, u.email",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, email, r, teams)| Member {
            user_id: UserId(id),
            display_name: name,
            email,
            role: role(&r),
            teams,
        })
        .collect())
}

pub async fn count_role(conn: &mut PgConnection, r: Role) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM memberships WHERE role = $1")
        .bind(r.as_str())
        .fetch_one(conn)
        .await
}

/// `false` when the user is not a member of the scope's tenant.
pub async fn set_role(conn: &mut PgConnection, user: UserId, r: Role) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE memberships SET role = $2 WHERE user_id = $1")
        .bind(user.0)
        .bind(r.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remove_member(conn: &mut PgConnection, user: UserId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM memberships WHERE user_id = $1")
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Serialises quota checks of one tenant (two invitations accepted at the
/// same moment cannot both take the last seat). `NO KEY UPDATE`, so the
/// foreign-key checks of other transactions' inserts (a live event, a
/// version) do not wait for it: one that holds the audit chain's lock and
/// inserts would otherwise deadlock with one that holds this and appends to
/// the chain.
pub async fn lock(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT 1 FROM tenants FOR NO KEY UPDATE")
        .execute(conn)
        .await?;
    Ok(())
}

const MIB: i64 = 1024 * 1024;

/// Whole megabytes, rounded up: a byte over is a megabyte used.
fn megabytes(bytes: i64) -> i64 {
    (bytes + MIB - 1) / MIB
}

/// Refuses the transaction's writes when they take the organisation past
/// its storage quota: called after writing, so the bytes counted are the
/// real ones, and the caller's transaction then rolls back whole.
pub async fn within_storage(conn: &mut PgConnection) -> Result<(), StorageExceeded> {
    let (stored, limit_mb): (i64, Option<i64>) = sqlx::query_as(
        "SELECT tenant_stored_bytes(), coalesce(t.max_storage_mb, p.max_storage_mb)
           FROM tenants t JOIN plans p USING (plan_code)",
    )
    .fetch_one(&mut *conn)
    .await?;
    match limit_mb {
        Some(limit) if stored > limit.saturating_mul(MIB) => Err(StorageExceeded::Over {
            used_mb: megabytes(stored),
            limit_mb: limit,
        }),
        _ => Ok(()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StorageExceeded {
    #[error("storage over quota")]
    Over { used_mb: i64, limit_mb: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn quotas(conn: &mut PgConnection) -> Result<Option<Quotas>, sqlx::Error> {
    type Row = (
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
        i64,
        i64,
        i64,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT p.name,
                t.max_members::int8, p.max_members::int8,
                t.max_simulations::int8, p.max_simulations::int8,
                t.max_storage_mb, p.max_storage_mb,
                t.max_api_calls_per_day, p.max_api_calls_per_day,
                (SELECT count(*) FROM memberships),
                (SELECT count(*) FROM invitations
                  WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > now()),
                (SELECT coalesce(sum(calls), 0)::int8 FROM api_usage
                  WHERE tenant_id = t.tenant_id AND day = (now() AT TIME ZONE 'UTC')::date),
                tenant_stored_bytes()
           FROM tenants t JOIN plans p USING (plan_code)",
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(
        |(plan, tm, pm, ts, ps, tst, pst, ta, pa, members, pending, api_calls, stored)| Quotas {
            plan_name: plan,
            members: Usage {
                used: members + pending,
                limit: tm.or(pm),
                plan_limit: pm,
            },
            // The simulation count arrives with its issue.
            simulations: Usage {
                used: 0,
                limit: ts.or(ps),
                plan_limit: ps,
            },
            storage_mb: Usage {
                used: megabytes(stored),
                limit: tst.or(pst),
                plan_limit: pst,
            },
            api_calls_per_day: Usage {
                used: api_calls,
                limit: ta.or(pa),
                plan_limit: pa,
            },
        },
    ))
}

/// Overrides (None: back to the plan's limit).
pub async fn set_quotas(
    conn: &mut PgConnection,
    members: Option<i64>,
    simulations: Option<i64>,
    storage_mb: Option<i64>,
    api_calls_per_day: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tenants SET max_members = $1::int4, max_simulations = $2::int4,
                            max_storage_mb = $3, max_api_calls_per_day = $4",
    )
    .bind(members)
    .bind(simulations)
    .bind(storage_mb)
    .bind(api_calls_per_day)
    .execute(conn)
    .await?;
    Ok(())
}

/// The scope's tenant's rule for mail to outside addresses.
pub async fn mail_policy(conn: &mut PgConnection) -> Result<MailPolicy, sqlx::Error> {
    let (outside, domains): (String, Vec<String>) =
        sqlx::query_as("SELECT mail_outside, mail_domains FROM tenants")
            .fetch_one(conn)
            .await?;
    Ok(MailPolicy {
        // The CHECK constraint admits exactly the three choices.
        outside: OutsideRecipients::from_key(&outside).unwrap_or_default(),
        domains,
    })
}

pub async fn set_mail_policy(
    conn: &mut PgConnection,
    policy: &MailPolicy,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tenants SET mail_outside = $1, mail_domains = $2")
        .bind(policy.outside.key())
        .bind(&policy.domains)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records that the organisation was told `quota` nears its limit; false
/// when it already had been.
pub async fn warn_of_quota(
    conn: &mut PgConnection,
    tenant: TenantId,
    quota: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO quota_warnings (tenant_id, quota) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(quota)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets the warning of a quota back below its mark.
pub async fn forget_quota_warning(
    conn: &mut PgConnection,
    tenant: TenantId,
    quota: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM quota_warnings WHERE tenant_id = $1 AND quota = $2")
        .bind(tenant.0)
        .bind(quota)
        .execute(conn)
        .await?;
    Ok(())
}
