//! Scheduled imports and exports: a connection is a source files are
//! fetched from (a folder on the server, SFTP, HTTPS) or a target a report
//! or results are pushed to, on a cron schedule or on approval; each run
//! is kept with its outcome and reason. What can be checked without I/O
//! is checked here; addresses, schedules and time zones are checked by the
//! server.

use super::error::{AppError, FieldErrors};
use super::time::Timestamp;
use serde::{Deserialize, Serialize};

id_type!(ConnectionId);
id_type!(RunId);

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text)
            }
        }
    };
}

string_enum!(
    /// Which way files go.
    Direction {
        /// Files are fetched and imported as draft versions.
        Import = "import",
        /// A report or results are pushed.
        Export = "export",
    }
);

string_enum!(
    /// How a file is reached.
    Transport {
        /// A folder under the operator's connections folder
        /// (`PRUDENTIA_CONNECTIONS_ROOT`), this organisation's part of it.
        Folder = "folder",
        /// `sftp://user@host:port/folder`.
        Sftp = "sftp",
        /// `https://…`: a file to download, or where to send one.
        Https = "https",
    }
);

string_enum!(
    /// What proves who Prudentia is to the other side.
    Auth {
        None = "none",
        Password = "password",
        /// An SSH private key (OpenSSH format).
        Key = "key",
        /// An `Authorization: Bearer` token.
        Bearer = "bearer",
    }
);

string_enum!(
    /// What an export sends.
    Content {
        ReportPdf = "report_pdf",
        ReportXlsx = "report_xlsx",
        ResultsJson = "results_json",
        ResultsCsv = "results_csv",
    }
);

impl Content {
    pub fn extension(self) -> &'static str {
        match self {
            Content::ReportPdf => "pdf",
            Content::ReportXlsx => "xlsx",
            Content::ResultsJson => "json",
            Content::ResultsCsv => "csv",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Content::ReportPdf => "application/pdf",
            Content::ReportXlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Content::ResultsJson => "application/json",
            Content::ResultsCsv => "text/csv; charset=utf-8",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Content::ReportPdf => "Report (PDF)",
            Content::ReportXlsx => "Report (Excel)",
            Content::ResultsJson => "Results (JSON)",
            Content::ResultsCsv => "Results (CSV)",
        }
    }
}

string_enum!(
    /// What a run did.
    Outcome {
        /// A new draft version was made from the file.
        Imported = "imported",
        /// The newest file was imported before (same SHA-256).
        Skipped = "skipped",
        /// No file matched the pattern.
        NoFile = "no_file",
        Exported = "exported",
        Failed = "failed",
    }
);

string_enum!(
    /// What started a run.
    Trigger {
        Schedule = "schedule",
        Manual = "manual",
        Approval = "approval",
    }
);

string_enum!(
    /// A connection's health, from its latest runs.
    Health {
        /// Not run yet.
        New = "new",
        Healthy = "healthy",
        /// Its latest run failed.
        Failing = "failing",
        Disabled = "disabled",
    }
);

/// What an admin gives to add or change a connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConnection {
    pub direction: Direction,
    pub name: String,
    pub transport: Transport,
    /// A folder (`nightly/positions`), `sftp://user@host:22/outgoing`, or
    /// `https://dwh.example.com/positions.xlsx`.
    pub location: String,
    pub auth: Auth,
    /// The password, private key or token. On a change, leave it out to
    /// keep the one stored. Never shown again.
    #[serde(default)]
    pub secret: Option<String>,
    /// An SFTP server's host key (`SHA256:…`, as `ssh-keygen -lf` prints
    /// it); left empty, the first connection learns it.
    #[serde(default)]
    pub host_key: Option<String>,
    /// Imports: which files, `*` and `?` as wildcards (`positions_*.xlsx`).
    #[serde(default)]
    pub file_pattern: String,
    /// Exports: what is sent.
    #[serde(default)]
    pub content: Option<Content>,
    /// A cron expression (`0 2 * * 1-5`: 02:00 on weekdays); empty for an
    /// export sent on approval only.
    #[serde(default)]
    pub schedule: String,
    /// The IANA time zone the schedule is read in (`Europe/Paris`).
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Exports: sent each time a version of the simulation is approved.
    #[serde(default)]
    pub on_approval: bool,
    /// The simulation imported into, or whose results are exported.
    pub simulation_id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn utc() -> String {
    "UTC".to_owned()
}

fn yes() -> bool {
    true
}

impl NewConnection {
    /// The connection with its text trimmed, or each field's problem.
    pub fn checked(self) -> Result<NewConnection, AppError> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push("name", "A name of 1 to 100 characters.");
        }
        let location = self.location.trim().to_owned();
        if location.is_empty() || location.len() > 2000 {
            errors.push("location", "Where the files are, at most 2,000 characters.");
        }
        let auth_fits = match self.transport {
            Transport::Folder => self.auth == Auth::None,
            Transport::Sftp => matches!(self.auth, Auth::Password | Auth::Key),
            Transport::Https => matches!(self.auth, Auth::None | Auth::Bearer),
        };
        if !auth_fits {
            errors.push(
                "auth",
                "A folder needs none; SFTP a password or a key; HTTPS none or a bearer token.",
            );
        }
        let secret = self.secret.filter(|s| !s.trim().is_empty());
        if secret.as_ref().is_some_and(|s| s.len() > 16_000) {
            errors.push("secret", "At most 16,000 characters.");
        }
        let file_pattern = self.file_pattern.trim().to_owned();
        let content = match self.direction {
            Direction::Import => {
                if self.transport != Transport::Https
                    && (file_pattern.is_empty() || file_pattern.contains('/'))
                {
                    errors.push(
                        "file_pattern",
                        "Which files to take, such as positions_*.xlsx (no folder in it).",
                    );
                }
                if self.content.is_some() || self.on_approval {
                    errors.push("content", "An import source sends nothing.");
                }
                None
            }
            Direction::Export => {
                if self.content.is_none() {
                    errors.push("content", "Choose what to send.");
                }
                self.content
            }
        };
        let schedule = self.schedule.trim().to_owned();
        if schedule.is_empty() && !self.on_approval {
            errors.push(
                "schedule",
                "A schedule such as 0 2 * * 1-5 (02:00 on weekdays), or send on approval.",
            );
        }
        let host_key = self
            .host_key
            .map(|k| k.trim().to_owned())
            .filter(|k| !k.is_empty());
        if host_key
            .as_ref()
            .is_some_and(|k| !k.starts_with("SHA256:") || k.len() > 100)
        {
            errors.push(
                "host_key",
                "The key's SHA-256 fingerprint, as ssh-keygen -lf prints it: SHA256:….",
            );
        }
        errors.into_result(NewConnection {
            name,
            location,
            secret,
            host_key,
            file_pattern,
            content,
            schedule,
            time_zone: self.time_zone.trim().to_owned(),
            ..self
        })
    }
}

/// A connection as the admins see it (never its secret).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Connection {
    pub connection_id: ConnectionId,
    pub direction: Direction,
    pub name: String,
    pub transport: Transport,
    pub location: String,
    pub auth: Auth,
    /// Whether a secret is stored.
    pub has_secret: bool,
    pub host_key: Option<String>,
    pub file_pattern: String,
    pub content: Option<Content>,
    pub schedule: String,
    /// The schedule in words ("At 02:00 on Monday to Friday").
    pub schedule_text: String,
    pub time_zone: String,
    pub on_approval: bool,
    pub simulation_id: String,
    pub simulation: String,
    pub enabled: bool,
    pub next_run_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub status: HealthReport,
}

/// How a connection has been doing, from its runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HealthReport {
    pub health: Option<Health>,
    pub last_run_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub consecutive_failures: i64,
    /// Over the last 30 days' runs.
    pub average_ms: Option<i64>,
    /// The latest failure's reason while failing.
    pub last_error: Option<String>,
    /// Runs per day over the last 30 days, oldest first.
    pub days: Vec<Day>,
}

impl Health {
    /// From whether it is on, has run, and whether its latest run failed.
    pub fn of(enabled: bool, ran: bool, latest_failed: bool) -> Health {
        match (enabled, ran, latest_failed) {
            (false, _, _) => Health::Disabled,
            (true, false, _) => Health::New,
            (true, true, true) => Health::Failing,
            (true, true, false) => Health::Healthy,
        }
    }
}

/// One day's runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Day {
    /// `2026-12-04`.
    pub date: String,
    pub succeeded: i64,
    pub failed: i64,
}

impl From<(String, i64, i64)> for Day {
    fn from((date, succeeded, failed): (String, i64, i64)) -> Day {
        Day {
            date,
            succeeded,
            failed,
        }
    }
}

/// One run: what it did and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Run {
    pub run_id: RunId,
    pub trigger: Trigger,
    pub started_at: Timestamp,
    pub duration_ms: i32,
    pub outcome: Outcome,
    pub file_name: Option<String>,
    pub sha256: Option<String>,
    pub bytes: Option<i64>,
    /// The version imported, or exported.
    pub version: Option<i32>,
    pub message: String,
}

/// What "Test connection" found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Probe {
    /// What was reached, in words ("3 files match, the newest …").
    pub message: String,
    /// The files that match, newest first (imports).
    pub files: Vec<String>,
    pub host_key: Option<String>,
    pub latency_ms: i64,
}

/// A webhook endpoint's health, told like a connection's (from its
/// delivery attempts).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct WebhookHealth {
    pub endpoint_id: String,
    pub url: String,
    pub status: HealthReport,
}
