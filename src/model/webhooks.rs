//! Outgoing webhooks: the events an endpoint may subscribe to, what an
//! admin sends to create one, and what the admins see of endpoints and
//! deliveries. Checked here so the page and the API refuse alike.

use crate::model::error::{AppError, FieldErrors};
use crate::model::time::Timestamp;
use serde::{Deserialize, Serialize};

id_type!(
    /// A webhook endpoint of an organisation.
    EndpointId
);
id_type!(
    /// One event's delivery to one endpoint, with its attempts.
    DeliveryId
);

/// What happened, named as receivers read it in `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum EventType {
    #[serde(rename = "version.submitted")]
    VersionSubmitted,
    #[serde(rename = "version.approved")]
    VersionApproved,
    #[serde(rename = "version.sent_back")]
    VersionSentBack,
    #[serde(rename = "simulation.created")]
    SimulationCreated,
    #[serde(rename = "simulation.deleted")]
    SimulationDeleted,
    #[serde(rename = "import.committed")]
    ImportCommitted,
    #[serde(rename = "import.scheduled_failed")]
    ScheduledImportFailed,
    #[serde(rename = "report.generated")]
    ReportGenerated,
    #[serde(rename = "anomalies.high_severity")]
    HighSeverityAnomalies,
    #[serde(rename = "quota.near_limit")]
    QuotaNearLimit,
    /// Sent by "Send a test event" only; no endpoint subscribes to it.
    #[serde(rename = "webhook.test")]
    Test,
}

impl EventType {
    /// The events an endpoint may subscribe to.
    pub const SUBSCRIBABLE: [EventType; 10] = [
        EventType::VersionSubmitted,
        EventType::VersionApproved,
        EventType::VersionSentBack,
        EventType::SimulationCreated,
        EventType::SimulationDeleted,
        EventType::ImportCommitted,
        EventType::ScheduledImportFailed,
        EventType::ReportGenerated,
        EventType::HighSeverityAnomalies,
        EventType::QuotaNearLimit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::VersionSubmitted => "version.submitted",
            EventType::VersionApproved => "version.approved",
            EventType::VersionSentBack => "version.sent_back",
            EventType::SimulationCreated => "simulation.created",
            EventType::SimulationDeleted => "simulation.deleted",
            EventType::ImportCommitted => "import.committed",
            EventType::ScheduledImportFailed => "import.scheduled_failed",
            EventType::ReportGenerated => "report.generated",
            EventType::HighSeverityAnomalies => "anomalies.high_severity",
            EventType::QuotaNearLimit => "quota.near_limit",
            EventType::Test => "webhook.test",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventType::VersionSubmitted => "A version is submitted for approval",
            EventType::VersionApproved => "A version is approved",
            EventType::VersionSentBack => "A version is sent back",
            EventType::SimulationCreated => "A simulation is created",
            EventType::SimulationDeleted => "A simulation is deleted",
            EventType::ImportCommitted => "An import is committed",
            EventType::ScheduledImportFailed => "A scheduled import fails",
            EventType::ReportGenerated => "A report is generated",
            EventType::HighSeverityAnomalies => "A new version has high-severity anomalies",
            EventType::QuotaNearLimit => "A quota reaches 80 % of its limit",
            EventType::Test => "A test event",
        }
    }

    pub fn parse(text: &str) -> Option<EventType> {
        EventType::SUBSCRIBABLE
            .into_iter()
            .chain([EventType::Test])
            .find(|e| e.as_str() == text)
    }
}

/// What an admin gives to add an endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `https://…` (plain `http` only where the operator allows private
    /// addresses, as in tests).
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// At least one of the subscribable events.
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>, example = json!(["version.approved"])))]
    pub events: Vec<EventType>,
}

impl NewEndpoint {
    /// The endpoint with its text trimmed, or each field's problem. The
    /// address itself (scheme, host, where it resolves) is checked by the
    /// server, which knows the operator's settings.
    pub fn checked(self) -> Result<NewEndpoint, AppError> {
        let mut errors = FieldErrors::default();
        let url = self.url.trim().to_owned();
        if url.is_empty() || url.len() > 2000 {
            errors.push("url", "An address of at most 2,000 characters, such as https://hooks.example.com/prudentia.");
        }
        let description = self.description.trim().to_owned();
        if description.chars().count() > 200 {
            errors.push("description", "At most 200 characters.");
        }
        let mut events = self.events;
        events.sort_by_key(|e| e.as_str());
        events.dedup();
        if events.is_empty() || events.contains(&EventType::Test) {
            errors.push(
                "events",
                "Choose at least one event (the test event is sent on demand only).",
            );
        }
        errors.into_result(NewEndpoint {
            url,
            description,
            events,
        })
    }
}

/// An endpoint as the admins see it. The secret is shown when it is made
/// (creation, rotation) and on demand to admins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub endpoint_id: EndpointId,
    pub url: String,
    pub description: String,
    #[cfg_attr(feature = "ssr", schema(value_type = Vec<String>))]
    pub events: Vec<EventType>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// The first failure of the current run of failures.
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    /// `whsec_…`: the key receivers verify signatures with.
    pub secret: String,
}

/// How a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    Succeeded,
    /// No attempt left, or the endpoint was disabled.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> DeliveryStatus {
        match text {
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One attempt: what the receiver answered, and how fast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Attempt {
    pub attempt_no: i32,
    pub attempted_at: Timestamp,
    /// None when no answer came (refused, timed out, blocked address).
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    /// The start of the answer's body, at most 500 characters.
    pub response_excerpt: String,
    pub error: Option<String>,
}

/// One event's delivery to one endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub delivery_id: DeliveryId,
    /// `webhook-id` as sent: `msg_` and the event's id.
    pub message_id: String,
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub created_at: Timestamp,
    pub next_attempt_at: Option<Timestamp>,
    pub attempts: Vec<Attempt>,
}
