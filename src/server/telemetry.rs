//! Structured logs with `tracing`. The filter comes from `RUST_LOG`
//! (default: info for Prudentia and HTTP requests, warnings for the rest).
//! Built with the `otel` feature, spans also go to an OpenTelemetry
//! collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (see `otel`).

use super::config::LogFormat;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const DEFAULT_FILTER: &str = "warn,prudentia=info,tower_http=info";

/// Kept for the life of the process: the exporter flushes when dropped.
pub struct Telemetry {
    #[cfg(feature = "otel")]
    _export: Option<super::otel::Export>,
}

pub fn init(format: LogFormat) -> Telemetry {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let (pretty, json) = match format {
        LogFormat::Pretty => (
            Some(
                tracing_subscriber::fmt::layer()
                    .compact()
                    .with_writer(std::io::stderr),
            ),
            None,
        ),
        LogFormat::Json => (
            None,
            Some(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            ),
        ),
    };
    #[cfg(feature = "otel")]
    let export = super::otel::Export::from_env().unwrap_or_else(|error| {
        eprintln!("OpenTelemetry export is off: {error}");
        None
    });
    #[cfg(feature = "otel")]
    let spans = export
        .as_ref()
        .map(|e| tracing_opentelemetry::layer().with_tracer(e.tracer.clone()));
    #[cfg(not(feature = "otel"))]
    let spans: Option<tracing_subscriber::layer::Identity> = None;
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(pretty)
        .with(json)
        .with(spans)
        .try_init();
    Telemetry {
        #[cfg(feature = "otel")]
        _export: export,
    }
}
