//! Teams: named groups of a tenant's members (used for sharing).

use crate::model::account::{Team, TeamId, TenantId, UserId};
use sqlx::PgConnection;
use uuid::Uuid;

pub async fn list(conn: &mut PgConnection) -> Result<Vec<Team>, sqlx::Error> {
    let rows: Vec<(Uuid, String, Vec<Uuid>)> = sqlx::query_as(
        "SELECT t.team_id, t.name,
                coalesce(array_agg(tm.user_id) FILTER (WHERE tm.user_id IS NOT NULL), '{}')
           FROM teams t
      LEFT JOIN team_members tm USING (tenant_id, team_id)
       GROUP BY t.team_id, t.name
       ORDER BY t.name",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, members)| Team {
            team_id: TeamId(id),
            name,
            members: members.into_iter().map(UserId).collect(),
        })
        .collect())
}

/// `None` when the tenant already has a team of that name.
pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
) -> Result<Option<TeamId>, sqlx::Error> {
    let id = Uuid::now_v7();
    let done = sqlx::query(
        "INSERT INTO teams (tenant_id, team_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, name) DO NOTHING",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(name)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() == 1).then_some(TeamId(id)))
}

pub async fn delete(conn: &mut PgConnection, team: TeamId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM teams WHERE team_id = $1")
        .bind(team.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn exists(conn: &mut PgConnection, team: TeamId) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM teams WHERE team_id = $1)")
        .bind(team.0)
        .fetch_one(conn)
        .await
}

pub async fn add_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    team: TeamId,
    user: UserId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO team_members (tenant_id, team_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant.0)
    .bind(team.0)
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove_member(
    conn: &mut PgConnection,
    team: TeamId,
    user: UserId,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        .bind(team.0)
        .bind(user.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
