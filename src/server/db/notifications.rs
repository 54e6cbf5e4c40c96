//! In-app notifications and each member's preferences. Every function runs
//! inside a tenant scope (`scope::begin`).

use crate::model::account::{TenantId, UserId};
use crate::model::workflow::{Inbox, Notification, NotificationKind, Preference};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// How many notifications the bell lists.
const LATEST: i64 = 30;

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    kind: NotificationKind,
    message: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notifications (tenant_id, notification_id, user_id, kind, message, link)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant.0)
    .bind(Uuid::now_v7())
    .bind(user.0)
    .bind(kind.as_str())
    .bind(message)
    .bind(link)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn inbox(conn: &mut PgConnection, user: UserId) -> Result<Inbox, sqlx::Error> {
    let unread: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user.0)
    .fetch_one(&mut *conn)
    .await?;
    type Row = (
        Uuid,
        String,
        String,
        String,
        Option<DateTime<Utc>>,
        DateTime<Utc>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT notification_id, kind, message, link, read_at, created_at FROM notifications
          WHERE user_id = $1 ORDER BY created_at DESC, notification_id DESC LIMIT $2",
    )
    .bind(user.0)
    .bind(LATEST)
    .fetch_all(conn)
    .await?;
    Ok(Inbox {
        unread,
        latest: rows
            .into_iter()
            .filter_map(|(id, kind, message, link, read, created)| {
                Some(Notification {
                    notification_id: id,
                    kind: kind.parse().ok()?,
                    message,
                    link,
                    read: read.is_some(),
                    created_at: created.format("%Y-%m-%d %H:%M UTC").to_string(),
                })
            })
            .collect(),
    })
}

/// Marks one notification (or all, with `None`) of `user` as read.
pub async fn mark_read(
    conn: &mut PgConnection,
    user: UserId,
    notification: Option<Uuid>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE notifications SET read_at = now()
          WHERE user_id = $1 AND read_at IS NULL AND ($2::uuid IS NULL OR notification_id = $2)",
    )
    .bind(user.0)
    .bind(notification)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Every kind with the user's choice (both channels when never set).
pub async fn preferences(
    conn: &mut PgConnection,
    user: UserId,
) -> Result<Vec<Preference>, sqlx::Error> {
    let rows: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT kind, in_app, email FROM notification_preferences WHERE user_id = $1",
    )
    .bind(user.0)
    .fetch_all(conn)
    .await?;
    Ok(NotificationKind::ALL
        .into_iter()
        .map(|kind| {
            let set = rows.iter().find(|r| r.0 == kind.as_str());
            Preference {
                kind,
                in_app: set.is_none_or(|r| r.1),
                email: set.is_none_or(|r| r.2),
            }
        })
        .collect())
}

pub async fn set_preference(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    preference: Preference,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_preferences (tenant_id, user_id, kind, in_app, email)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, user_id, kind) DO UPDATE
            SET in_app = excluded.in_app, email = excluded.email",
    )
    .bind(tenant.0)
    .bind(user.0)
    .bind(preference.kind.as_str())
    .bind(preference.in_app)
    .bind(preference.email)
    .execute(conn)
    .await?;
    Ok(())
}
