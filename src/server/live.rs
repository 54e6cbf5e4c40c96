//! Live collaboration: people looking at the same simulation see each
//! other and, without reloading, a new version, a saved scenario, a
//! comment or a review decision. `publish` writes the event in the
//! transaction of the change with a NOTIFY, which PostgreSQL delivers at
//! commit to every application server; each server's `LiveHub` wakes the
//! streams of that simulation, and each reads the rows it has not sent,
//! so a browser reconnecting with `Last-Event-ID` gets what it missed.
//! Streams open only on a simulation their member may read.

use crate::model::account::TenantId;
use crate::model::error::AppError;
use crate::model::simulation::SimulationId;
use crate::server::auth::Caller;
use crate::server::db::{live, scope};
use axum::response::sse::Event;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// The NOTIFY channel; its payload is `tenant simulation`.
const CHANNEL: &str = "prudentia_live";
/// How late an event may commit after a later-numbered one and still be
/// sent: longer than the end of any transaction that publishes.
const LATE: Duration = Duration::from_secs(10);
/// How long a stream waits for more wake-ups before it reads.
const COALESCE: Duration = Duration::from_millis(50);
/// How often an open stream says its member is still there.
const HEARTBEAT: Duration = Duration::from_secs(20);

/// What happened to a simulation, as the browser's event names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Version,
    Scenario,
    Comment,
    Review,
    /// Someone opened or closed the simulation.
    Presence,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Version => "version",
            Kind::Scenario => "scenario",
            Kind::Comment => "comment",
            Kind::Review => "review",
            Kind::Presence => "presence",
        }
    }
}

/// Writes an event of `simulation` in the caller's transaction; the
/// streams hear of it when that transaction commits, and not before.
pub async fn publish(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    simulation: SimulationId,
    kind: Kind,
    payload: Value,
) -> Result<(), sqlx::Error> {
    live::insert(&mut *conn, tenant, simulation, kind.as_str(), &payload).await?;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(format!("{} {}", tenant.0, simulation.0))
        .execute(conn)
        .await?;
    Ok(())
}

/// This server's ear on the channel: one LISTEN connection, fanned out to
/// every open stream.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<(Uuid, Uuid)>,
}

impl Default for LiveHub {
    fn default() -> Self {
        LiveHub {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl LiveHub {
    /// Listens until aborted, connecting again after a loss.
    pub fn spawn_listener(&self, pool: PgPool) -> tokio::task::JoinHandle<()> {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(error) = listener.listen(CHANNEL).await {
                            tracing::error!(%error, "live updates cannot LISTEN");
                        } else {
                            while let Ok(note) = listener.recv().await {
                                if let Some(pair) = parse(note.payload()) {
                                    // No open stream is no error.
                                    let _ = sender.send(pair);
                                }
                            }
                        }
                    }
                    Err(error) => tracing::error!(%error, "live updates cannot connect"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        })
    }
}

fn parse(payload: &str) -> Option<(Uuid, Uuid)> {
    let (tenant, simulation) = payload.split_once(' ')?;
    Some((tenant.parse().ok()?, simulation.parse().ok()?))
}

/// An open stream's presence: removed, and the others told, when the
/// stream ends however it ends.
struct Presence {
    pool: PgPool,
    tenant: TenantId,
    simulation: SimulationId,
    connection: Uuid,
}

impl Drop for Presence {
    fn drop(&mut self) {
        let (pool, tenant, simulation, connection) = (
            self.pool.clone(),
            self.tenant,
            self.simulation,
            self.connection,
        );
        tokio::spawn(async move {
            let left = async {
                let mut tx = scope::begin(&pool, tenant).await?;
                live::leave(&mut tx, tenant, connection).await?;
                publish(&mut tx, tenant, simulation, Kind::Presence, json!({})).await?;
                tx.commit().await
            };
            if let Err(error) = left.await {
                tracing::warn!(%error, "a closed live stream's presence stays until it expires");
            }
        });
    }
}

struct Stream {
    pool: PgPool,
    tenant: TenantId,
    simulation: SimulationId,
    /// Where the stream started: nothing at or before it is sent.
    start: i64,
    last: i64,
    /// The ids sent lately: a transaction that inserted its event before
    /// another but committed after it shows up below `last`, and is read
    /// again within `LATE` without being sent twice.
    sent: VecDeque<(i64, std::time::Instant)>,
    wake: broadcast::Receiver<(Uuid, Uuid)>,
    pending: VecDeque<Event>,
    presence: Presence,
}

/// The events of `simulation` for `caller`, from after `last_event_id`
/// (from now without one), then as they happen, with who else is there.
pub async fn stream(
    pool: &PgPool,
    hub: &LiveHub,
    caller: Caller,
    simulation: SimulationId,
    last_event_id: Option<i64>,
) -> Result<impl futures_util::Stream<Item = Result<Event, Infallible>> + use<>, AppError> {
    let tenant = caller.tenant_id;
    let wake = hub.sender.subscribe();
    let mut tx = scope::begin(pool, tenant).await?;
    crate::server::simulations::visible(&mut tx, caller, simulation).await?;
    let last = match last_event_id {
        Some(id) => id,
        None => live::latest(&mut tx, tenant, simulation).await?,
    };
    let connection = Uuid::now_v7();
    live::join(&mut tx, tenant, simulation, connection, caller.user_id).await?;
    publish(&mut tx, tenant, simulation, Kind::Presence, json!({})).await?;
    tx.commit().await?;
    let state = Stream {
        pool: pool.clone(),
        tenant,
        simulation,
        start: last,
        last,
        sent: VecDeque::new(),
        wake,
        // The first read: what was missed, and who is here.
        pending: VecDeque::new(),
        presence: Presence {
            pool: pool.clone(),
            tenant,
            simulation,
            connection,
        },
    };
    Ok(futures_util::stream::unfold(
        (state, true),
        |(mut s, read)| async move {
            let mut read = read;
            loop {
                if read {
                    read = false;
                    match s.read().await {
                        Ok(()) => {}
                        Err(error) => {
                            tracing::warn!(%error, "a live stream stops: the database is unavailable");
                            return None;
                        }
                    }
                }
                if let Some(event) = s.pending.pop_front() {
                    return Some((Ok(event), (s, false)));
                }
                tokio::select! {
                    woken = s.wake.recv() => match woken {
                        Ok((t, sim)) => read = t == s.tenant.0 && sim == s.simulation.0,
                        // Missed wake-ups: read anyway, the rows are the truth.
                        Err(broadcast::error::RecvError::Lagged(_)) => read = true,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    },
                    _ = tokio::time::sleep(HEARTBEAT) => {
                        let _ = s.heartbeat().await;
                    }
                }
                if read {
                    // Wake-ups close together make one read: many people
                    // opening one simulation at once cost each stream a
                    // query, not a query per arrival.
                    tokio::time::sleep(COALESCE).await;
                    while s.wake.try_recv().is_ok() {}
                }
            }
        },
    ))
}

impl Stream {
    /// Queues every event after the last one sent.
    async fn read(&mut self) -> Result<(), sqlx::Error> {
        let mut tx = scope::begin(&self.pool, self.tenant).await?;
        let rows = live::after(&mut tx, self.tenant, self.simulation, self.last, LATE).await?;
        let present = if rows.iter().any(|r| r.kind == Kind::Presence.as_str()) {
            live::present(&mut tx, self.tenant, self.simulation).await?
        } else {
            Vec::new()
        };
        tx.commit().await?;
        let now = std::time::Instant::now();
        while self
            .sent
            .front()
            .is_some_and(|(_, at)| now.duration_since(*at) > 2 * LATE)
        {
            self.sent.pop_front();
        }
        for row in rows {
            if row.event_id <= self.start || self.sent.iter().any(|(id, _)| *id == row.event_id) {
                continue;
            }
            self.last = self.last.max(row.event_id);
            self.sent.push_back((row.event_id, now));
            let data = if row.kind == Kind::Presence.as_str() {
                json!({ "present": present })
            } else {
                row.payload
            };
            self.pending.push_back(
                Event::default()
                    .id(row.event_id.to_string())
                    .event(row.kind)
                    .data(data.to_string()),
            );
        }
        Ok(())
    }

    async fn heartbeat(&self) -> Result<(), sqlx::Error> {
        let mut tx = scope::begin(&self.pool, self.tenant).await?;
        live::seen(&mut tx, self.tenant, self.presence.connection).await?;
        tx.commit().await
    }
}
