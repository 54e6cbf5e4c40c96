//! OpenTelemetry export, behind the cargo feature `otel`: with
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set (e.g. `http://collector:4318`), every
//! span — each HTTP request with its request id, the work inside it — goes
//! in batches to an OTLP/HTTP collector as protobuf. The standard
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` apply.
//!
//! The batches leave from the exporter's own thread, so they travel on a
//! blocking client: the reqwest the server already has, not a second one.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use std::time::Duration;

#[derive(Debug)]
struct Blocking(reqwest::blocking::Client);

#[async_trait::async_trait]
impl HttpClient for Blocking {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let answer = self
            .0
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body.to_vec())
            .send()?;
        let mut response = Response::builder().status(answer.status().as_u16());
        if let Some(headers) = response.headers_mut() {
            headers.extend(answer.headers().clone());
        }
        Ok(response.body(answer.bytes()?)?)
    }
}

/// The provider (flushed and stopped on drop) and its tracer, when an
/// endpoint is configured.
pub struct Export {
    provider: SdkTracerProvider,
    pub tracer: SdkTracer,
}

impl Drop for Export {
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

impl Export {
    pub fn from_env() -> Result<Option<Export>, String> {
        match std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT") {
            Ok(endpoint) if !endpoint.trim().is_empty() => {
                Export::to(&format!("{}/v1/traces", endpoint.trim_end_matches('/'))).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Spans to the OTLP/HTTP traces endpoint `url`.
    pub fn to(url: &str) -> Result<Export, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("OpenTelemetry's HTTP client: {e}"))?;
        let exporter = SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_http_client(Blocking(client))
            .with_endpoint(url)
            .build()
            .map_err(|e| format!("OpenTelemetry's exporter: {e}"))?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(Resource::builder().with_service_name("prudentia").build())
            .build();
        let tracer = provider.tracer("prudentia");
        Ok(Export { provider, tracer })
    }

    /// Sends what is batched now.
    pub fn flush(&self) -> Result<(), String> {
        self.provider.force_flush().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message;
    use std::io::{BufRead, BufReader, Read, Write};
    use tracing_subscriber::layer::SubscriberExt;

    /// One OTLP/HTTP request received on loopback: its path and body.
    fn collector() -> (String, std::thread::JoinHandle<(String, Vec<u8>)>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}/v1/traces", listener.local_addr().expect("addr"));
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("a request");
            let mut reader = BufReader::new(stream);
            let (mut line, mut length) = (String::new(), 0);
            reader.read_line(&mut line).expect("request line");
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).expect("a header");
                if header.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().expect("a length");
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).expect("the body");
            reader
                .get_mut()
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .expect("an answer");
            (path, body)
        });
        (url, handle)
    }

    #[test]
    fn a_span_reaches_an_otlp_collector_as_protobuf() {
        let (url, received) = collector();
        let export = Export::to(&url).expect("an exporter");
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(export.tracer.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", request_id = "abc-123");
            span.in_scope(|| tracing::info!("inside"));
        });
        export.flush().expect("flushed");
        let (path, body) = received.join().expect("the collector");
        assert_eq!(path, "/v1/traces");
        let request = ExportTraceServiceRequest::decode(body.as_slice()).expect("OTLP protobuf");
        let spans: Vec<_> = request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .collect();
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].name, "request");
        assert!(
            spans[0].attributes.iter().any(|a| a.key == "request_id"),
            "{:?}",
            spans[0].attributes
        );
    }
}
