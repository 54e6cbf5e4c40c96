//! Heavy work — the engine on a data set, reading a spreadsheet, laying out
//! a report — runs on a bounded set of worker threads, never on the request
//! threads (which then keep answering, `/healthz` included) and never
//! inside an open database transaction.
//!
//! At most one job per worker runs at once (`PRUDENTIA_HEAVY_WORKERS`, one
//! per core by default) and each organisation at most
//! `PRUDENTIA_HEAVY_PER_TENANT` of them, so one tenant cannot take every
//! worker. A job waits in line at most `QUEUE_WAIT` for its organisation's
//! turn (then 429) and as long again for a worker (then 503), both with
//! `Retry-After`: the queue is bounded in time, not left to grow.

use crate::model::account::TenantId;
use crate::model::error::AppError;
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const QUEUE_WAIT: Duration = Duration::from_secs(10);

struct Workers {
    turns: Arc<Semaphore>,
    /// Each organisation's own line, made at its first job.
    tenants: Mutex<FxHashMap<TenantId, Arc<Semaphore>>>,
    per_tenant: usize,
}

static WORKERS: OnceLock<Workers> = OnceLock::new();

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

impl Workers {
    fn new(workers: usize, per_tenant: usize) -> Workers {
        Workers {
            turns: Arc::new(Semaphore::new(workers.max(1))),
            tenants: Mutex::new(FxHashMap::default()),
            per_tenant: per_tenant.max(1),
        }
    }

    fn line_of(&self, tenant: TenantId) -> Result<Arc<Semaphore>, AppError> {
        let mut lines = self.tenants.lock().map_err(|_| AppError::Internal)?;
        Ok(Arc::clone(lines.entry(tenant).or_insert_with(|| {
            Arc::new(Semaphore::new(self.per_tenant))
        })))
    }

    /// The organisation's turn (if any), then a worker's.
    async fn admit(
        &self,
        tenant: Option<TenantId>,
        what: &'static str,
        wait: Duration,
    ) -> Result<(Option<OwnedSemaphorePermit>, OwnedSemaphorePermit), AppError> {
        let own = match tenant {
            Some(tenant) => Some(
                tokio::time::timeout(wait, self.line_of(tenant)?.acquire_owned())
                    .await
                    .map_err(|_| {
                        tracing::warn!(%tenant, what, "tenant's heavy work queue full: request turned away");
                        AppError::RateLimited {
                            retry_after_secs: 5,
                        }
                    })?
                    .map_err(|_| AppError::Internal)?,
            ),
            None => None,
        };
        let worker = tokio::time::timeout(wait, Arc::clone(&self.turns).acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!(what, "every worker busy: request turned away");
                AppError::Busy {
                    retry_after_secs: 5,
                }
            })?
            .map_err(|_| AppError::Internal)?;
        Ok((own, worker))
    }
}

/// Sets the number of workers and each tenant's share; once, at start-up.
pub fn configure(workers: usize, per_tenant: usize) {
    let _ = WORKERS.set(Workers::new(workers, per_tenant));
}

/// Runs `work` on a worker for `tenant` (`None`: not yet known, as while a
/// request body is parsed; only the workers' bound applies). The turns are
/// held until the work ends, even if the request that started it was cut
/// short by its timeout.
pub async fn run<T: Send + 'static>(
    tenant: Option<TenantId>,
    what: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let workers = WORKERS.get_or_init(|| Workers::new(cores(), cores().div_ceil(2)));
    let turns = workers
        .admit(tenant, what, QUEUE_WAIT)
        .await
        .inspect_err(|refused| {
            let reason = match refused {
                AppError::RateLimited { .. } => "tenant",
                _ => "busy",
            };
            crate::server::metrics::job_refused(what, reason);
        })?;
    tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let result = work();
        drop(turns);
        crate::server::metrics::job(what, started.elapsed().as_secs_f64());
        result
    })
    .await
    .map_err(|error| {
        tracing::error!(%error, what, "heavy task failed");
        AppError::Internal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tenant_waits_for_its_share_and_others_are_not_held_up() {
        let workers = Workers::new(4, 2);
        let wait = Duration::from_millis(50);
        let a = TenantId(uuid::Uuid::now_v7());
        let b = TenantId(uuid::Uuid::now_v7());
        let first = workers.admit(Some(a), "test", wait).await.expect("first");
        let _second = workers.admit(Some(a), "test", wait).await.expect("second");
        assert!(
            matches!(
                workers.admit(Some(a), "test", wait).await,
                Err(AppError::RateLimited { .. })
            ),
            "a third waits, then is told to retry"
        );
        let _other = workers
            .admit(Some(b), "test", wait)
            .await
            .expect("another tenant");
        drop(first);
        let _again = workers
            .admit(Some(a), "test", wait)
            .await
            .expect("a turn comes back");
        let _fourth = workers
            .admit(None, "test", wait)
            .await
            .expect("a fourth worker");
        assert!(
            matches!(
                workers.admit(None, "test", wait).await,
                Err(AppError::Busy { .. })
            ),
            "four workers busy: the fifth job is turned away"
        );
    }
}
