//! Uploaded files waiting for their mapping, and the tenant's saved column
//! choices. Every function runs inside a tenant scope (`scope::begin`).

use crate::model::account::{TenantId, UserId};
use crate::model::import::{ImportId, Section};
use sqlx::PgConnection;
use sqlx::types::Json;

/// A staged file's name and uploader; its bytes are read apart
/// ([`content`]), only when the file has to be read.
pub struct Staged {
    pub file_name: String,
    pub created_by: UserId,
}

pub async fn stage(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    file_name: &str,
    content: &[u8],
) -> Result<ImportId, sqlx::Error> {
    let id = uuid::Uuid::now_v7();
    sqlx::query(
        "INSERT INTO imports (tenant_id, import_id, created_by, file_name, content)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(tenant.0)
    .bind(id)
    .bind(user.0)
    .bind(file_name)
    .bind(content)
    .execute(conn)
    .await?;
    Ok(ImportId(id))
}

pub async fn get(conn: &mut PgConnection, id: ImportId) -> Result<Option<Staged>, sqlx::Error> {
    let row: Option<(String, uuid::Uuid)> = sqlx::query_as(
        "SELECT file_name, created_by FROM imports
          WHERE tenant_id = app_tenant() AND import_id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(file_name, user)| Staged {
        file_name,
        created_by: UserId(user),
    }))
}

pub async fn content(
    conn: &mut PgConnection,
    id: ImportId,
) -> Result<Option<Vec<u8>>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT content FROM imports WHERE tenant_id = app_tenant() AND import_id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
}

/// Removes a staged file; false when it was already gone (committed twice).
pub async fn remove(conn: &mut PgConnection, id: ImportId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM imports WHERE tenant_id = app_tenant() AND import_id = $1")
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Column choices as stored: (header, field) in column order.
pub type Columns = Vec<(String, Option<String>)>;

pub async fn saved(
    conn: &mut PgConnection,
    signatures: &[String],
) -> Result<Vec<(String, Section, Columns)>, sqlx::Error> {
    let rows: Vec<(String, String, Json<Columns>)> = sqlx::query_as(
        "SELECT signature, section, columns FROM import_mappings
          WHERE tenant_id = app_tenant() AND signature = ANY($1)",
    )
    .bind(signatures)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(signature, section, columns)| {
            Some((signature, section.parse().ok()?, columns.0))
        })
        .collect())
}

pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    signature: &str,
    section: Section,
    columns: &Columns,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO import_mappings (tenant_id, signature, section, columns)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, signature)
         DO UPDATE SET section = EXCLUDED.section, columns = EXCLUDED.columns, updated_at = now()",
    )
    .bind(tenant.0)
    .bind(signature)
    .bind(section.key())
    .bind(Json(columns))
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes every tenant's uploads older than a day (owner function).
pub async fn expire(conn: &mut PgConnection) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT app_expire_imports()")
        .fetch_one(conn)
        .await
}
