//! HTTPS served by Prudentia itself, for banks that bring no proxy:
//! rustls (on ring, as everywhere else here), HTTP/2 offered by ALPN,
//! `Strict-Transport-Security` on every answer, the certificate and key
//! read again on SIGHUP (a renewal needs no restart), and an optional plain
//! listener that sends every request to the https address.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_server::tls_rustls::RustlsConfig;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How long in-flight requests get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(30);

/// A year, with subdomains: the bank's site is https only.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Where the certificate chain and its key are (PEM).
#[derive(Clone, Debug)]
pub struct Files {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Files {
    pub async fn load(&self) -> Result<RustlsConfig, String> {
        RustlsConfig::from_pem_file(&self.cert, &self.key)
            .await
            .map_err(|e| {
                format!(
                    "cannot use the certificate {} and key {}: {e}",
                    self.cert.display(),
                    self.key.display()
                )
            })
    }
}

/// Reads the certificate and key again at each SIGHUP; a pair that does
/// not load is refused and the one in use kept.
pub fn reload_on_hangup(config: RustlsConfig, files: Files) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            tracing::error!("SIGHUP cannot be watched: the certificate reloads on restart only");
            return;
        };
        while hangups.recv().await.is_some() {
            match config.reload_from_pem_file(&files.cert, &files.key).await {
                Ok(()) => tracing::info!(cert = %files.cert.display(), "certificate reloaded"),
                Err(error) => {
                    tracing::error!(%error, "the new certificate does not load: the old one stays")
                }
            }
        }
    })
}

/// Serves `app` over TLS on `addr` until `shutdown` resolves, then lets
/// in-flight requests finish.
pub async fn serve(
    addr: SocketAddr,
    app: Router,
    config: RustlsConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopping.graceful_shutdown(Some(DRAIN));
    });
    let app = app.layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    ));
    axum_server::bind_rustls(addr, config)
        .handle(handle)
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .map_err(|e| format!("cannot serve https on {addr}: {e}"))
}

/// A plain listener on `addr` that answers every request with a permanent
/// redirect to the same path at `origin` (`https://…`).
pub async fn redirect(
    addr: SocketAddr,
    origin: String,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} for the https redirect: {e}"))?;
    let app = Router::new().fallback(move |uri: Uri| {
        let origin = origin.clone();
        async move { to_https(&origin, &uri) }
    });
    tracing::info!(%addr, "plain http on {addr} is redirected to https");
    Ok(tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "the https redirect stopped");
        }
    }))
}

fn to_https(origin: &str, uri: &Uri) -> Response {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    if !path.starts_with('/') {
        return StatusCode::BAD_REQUEST.into_response();
    }
    Redirect::permanent(&format!("{origin}{path}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_keeps_the_path_and_query_on_the_public_origin() {
        let uri: Uri = "/app/simulations?x=1".parse().expect("a uri");
        let answer = to_https("https://prudentia.bank.eu", &uri);
        assert_eq!(answer.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(
            answer.headers()[header::LOCATION],
            "https://prudentia.bank.eu/app/simulations?x=1"
        );
    }
}
