//! More than one PostgreSQL host: `DATABASE_URL` may list a primary and
//! its standbys as libpq does (`postgres://u@db1:5432,db2:5432/prudentia`).
//! The pool connects to the host that accepts writes; a watch asks that
//! host every second whether it still does, and when it is lost and a
//! standby has been promoted, new connections go to the promoted one. The
//! application reconnects by itself: connections to the lost host fail
//! their check and are dropped, and requests waiting for a connection get
//! one from the new primary.

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// How often the primary is asked, and how long an answer may take.
const EVERY: Duration = Duration::from_secs(1);
const PATIENCE: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum HostsError {
    #[error("the database URL lists an empty host")]
    EmptyHost,
    #[error(transparent)]
    Url(#[from] sqlx::Error),
}

/// One set of connect options per host of `url`, in its order.
pub fn hosts(url: &str) -> Result<Vec<PgConnectOptions>, HostsError> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Ok(vec![PgConnectOptions::from_str(url)?]);
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (user, hosts) = match authority.rsplit_once('@') {
        Some((user, hosts)) => (format!("{user}@"), hosts),
        None => (String::new(), authority),
    };
    // Every host is asked whether it accepts writes: libpq's
    // `target_session_attrs` says nothing more to us.
    let tail = without_param(tail, "target_session_attrs");
    hosts
        .split(',')
        .map(|host| {
            if host.trim().is_empty() {
                return Err(HostsError::EmptyHost);
            }
            Ok(PgConnectOptions::from_str(&format!(
                "{scheme}://{user}{host}{tail}"
            ))?)
        })
        .collect()
}

fn without_param(tail: &str, name: &str) -> String {
    match tail.split_once('?') {
        None => tail.to_owned(),
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| p.split('=').next() != Some(name))
                .collect();
            if kept.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
    }
}

fn name(options: &PgConnectOptions) -> String {
    format!("{}:{}", options.get_host(), options.get_port())
}

async fn accepts_writes(conn: &mut PgConnection) -> bool {
    let asked = sqlx::query_scalar::<_, bool>("SELECT NOT pg_is_in_recovery()").fetch_one(conn);
    matches!(tokio::time::timeout(PATIENCE, asked).await, Ok(Ok(true)))
}

async fn connect(options: &PgConnectOptions) -> Option<PgConnection> {
    let options = options.clone().disable_statement_logging();
    match tokio::time::timeout(PATIENCE, PgConnection::connect_with(&options)).await {
        Ok(Ok(conn)) => Some(conn),
        _ => None,
    }
}

/// The first host that accepts writes, with a connection to it.
async fn find_primary(hosts: &[PgConnectOptions]) -> Option<(usize, PgConnection)> {
    for (i, host) in hosts.iter().enumerate() {
        if let Some(mut conn) = connect(host).await {
            if accepts_writes(&mut conn).await {
                return Some((i, conn));
            }
            let _ = conn.close().await;
        }
    }
    None
}

/// The host to start on: the first that accepts writes, waiting up to
/// `wait` for one (a standby being promoted), else the first.
pub async fn primary(hosts: &[PgConnectOptions], wait: Duration) -> PgConnectOptions {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        if let Some((i, conn)) = find_primary(hosts).await {
            let _ = conn.close().await;
            return hosts[i].clone();
        }
        if tokio::time::Instant::now() >= deadline {
            tracing::error!("no database host accepts writes; starting on the first");
            return hosts[0].clone();
        }
        tokio::time::sleep(EVERY).await;
    }
}

/// Watches the pool's host and moves the pool to the host that accepts
/// writes when that changes.
pub fn watch(pool: PgPool, hosts: Vec<PgConnectOptions>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut asking: Option<PgConnection> = None;
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tick.tick().await;
            let current = pool.connect_options();
            if asking.is_none() {
                asking = connect(&current).await;
            }
            if let Some(conn) = asking.as_mut()
                && accepts_writes(conn).await
            {
                continue;
            }
            asking = None;
            let Some((i, conn)) = find_primary(&hosts).await else {
                tracing::warn!(host = %name(&current), "the database primary is lost; no host accepts writes yet");
                continue;
            };
            if name(&hosts[i]) != name(&current) {
                tracing::warn!(from = %name(&current), to = %name(&hosts[i]), "the database primary moved; new connections go to it");
                metrics::counter!("prudentia_database_failovers_total").increment(1);
                pool.set_connect_options(hosts[i].clone());
            }
            asking = Some(conn);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_several_hosts_gives_one_option_set_per_host() {
        let hosts = hosts(
            "postgres://app:s3cret@db1:5433,db2/prudentia?sslmode=disable&target_session_attrs=read-write",
        )
        .expect("hosts");
        let names: Vec<String> = hosts.iter().map(name).collect();
        assert_eq!(names, ["db1:5433", "db2:5432"]);
        assert!(hosts.iter().all(|h| h.get_username() == "app"));
        assert!(hosts.iter().all(|h| h.get_database() == Some("prudentia")));
    }

    #[test]
    fn a_url_with_one_host_is_read_as_before() {
        let hosts = hosts("postgres://app@localhost:5432/prudentia").expect("hosts");
        assert_eq!(hosts.len(), 1);
        assert!(matches!(
            super::hosts("postgres://app@db1,,db2/prudentia"),
            Err(HostsError::EmptyHost)
        ));
    }
}
