//! The review of a simulation version (draft → submitted → approved, or
//! back to draft with a reason), its comments, notifications and the audit
//! trail, as pages and server functions exchange them.

use super::error::{AppError, FieldErrors};
use crate::engine::results::Ratios;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Draft,
    Submitted,
    Approved,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 3] = [
        ReviewStatus::Draft,
        ReviewStatus::Submitted,
        ReviewStatus::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::Approved => "approved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "Draft",
            ReviewStatus::Submitted => "Submitted for approval",
            ReviewStatus::Approved => "Approved",
        }
    }
}

impl FromStr for ReviewStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ReviewStatus::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("\"{s}\" is not a review status"))
    }
}

/// What a reviewer or an author does to a version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    Submit,
    Approve,
    Reject,
}

impl Transition {
    pub const ALL: [Transition; 3] = [Transition::Submit, Transition::Approve, Transition::Reject];

    /// What the version was: "submitted", "approved", "rejected".
    pub fn past(self) -> &'static str {
        match self {
            Transition::Submit => "submitted",
            Transition::Approve => "approved",
            Transition::Reject => "rejected",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transition::Submit => "submit",
            Transition::Approve => "approve",
            Transition::Reject => "reject",
        }
    }
}

impl FromStr for Transition {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        Transition::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::Validation(FieldErrors::single(
                    "transition",
                    format!("\"{s}\" is not submit, approve or reject."),
                ))
            })
    }
}

/// Who attempts a transition, as the state machine needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    /// May create and change data (analysts and admins).
    pub can_edit: bool,
    /// May approve: admins, and analysts when the tenant says so.
    pub can_approve: bool,
    /// Wrote or submitted the version under review: four eyes means
    /// someone else decides.
    pub involved: bool,
}

/// Why a transition is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("Your role does not allow this.")]
    NotAllowed,
    #[error("Four eyes: someone other than the version's author and its submitter must decide.")]
    FourEyes,
    #[error("This version is {}: it cannot be {}.", .0.label().to_lowercase(), .1.past())]
    WrongState(ReviewStatus, Transition),
}

impl From<WorkflowError> for AppError {
    fn from(e: WorkflowError) -> Self {
        match e {
            WorkflowError::NotAllowed | WorkflowError::FourEyes => AppError::Forbidden,
            WorkflowError::WrongState(..) => AppError::Conflict(e.to_string()),
        }
    }
}

/// The state a transition leads to, or why it may not happen. Rejection
/// returns the version to draft (its reason is kept beside it).
pub fn next(
    status: ReviewStatus,
    transition: Transition,
    actor: Actor,
) -> Result<ReviewStatus, WorkflowError> {
    use ReviewStatus::*;
    use Transition::*;
    let allowed = match transition {
        Submit => actor.can_edit,
        Approve | Reject => actor.can_approve,
    };
    if !allowed {
        return Err(WorkflowError::NotAllowed);
    }
    match (status, transition) {
        (Draft, Submit) => Ok(Submitted),
        (Submitted, Approve | Reject) if actor.involved => Err(WorkflowError::FourEyes),
        (Submitted, Approve) => Ok(Approved),
        (Submitted, Reject) => Ok(Draft),
        (status, transition) => Err(WorkflowError::WrongState(status, transition)),
    }
}

pub const REASON_MAX: usize = 1000;
pub const COMMENT_MAX: usize = 4000;

/// A rejection needs a reason the author can act on.
pub fn parse_reason(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    let message = if text.is_empty() {
        "Say why, so the author knows what to change."
    } else if text.chars().count() > REASON_MAX {
        "Please keep the reason under 1,000 characters."
    } else {
        return Ok(text.to_owned());
    };
    Err(AppError::Validation(FieldErrors::single("reason", message)))
}

pub fn parse_comment(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    let message = if text.is_empty() {
        "Write something first."
    } else if text.chars().count() > COMMENT_MAX {
        "Please keep a comment under 4,000 characters."
    } else {
        return Ok(text.to_owned());
    };
    Err(AppError::Validation(FieldErrors::single("body", message)))
}

/// A version's review as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Review {
    pub status: ReviewStatus,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<super::time::Timestamp>,
    pub decided_by: Option<String>,
    pub decided_at: Option<super::time::Timestamp>,
    /// The reason of the last rejection, while the version is a draft again.
    pub rejection_reason: Option<String>,
    /// What the caller may do now.
    pub can_submit: bool,
    pub can_decide: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub author: String,
    pub body: String,
    pub created_at: String,
}

/// What changed from the previous version: the data and every ratio.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionChanges {
    pub from_version: i32,
    pub lines_added: LineChanges,
    pub lines_removed: LineChanges,
    pub lines_modified: LineChanges,
    /// `label (tier)`: before → after (`None`: absent).
    pub capital: Vec<(String, Option<f64>, Option<f64>)>,
    /// Rule parameters and requirements: key, before → after.
    pub parameters: Vec<(String, Option<String>, Option<String>)>,
    pub ratios_before: Ratios,
    pub ratios_after: Ratios,
}

/// How many ids a change list shows; the count is always complete.
pub const CHANGED_IDS_SHOWN: usize = 20;

/// Lines changed one way: how many, and the first ids in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineChanges {
    pub count: usize,
    pub ids: Vec<String>,
}

impl LineChanges {
    pub fn of(mut ids: Vec<String>) -> LineChanges {
        ids.sort();
        let count = ids.len();
        ids.truncate(CHANGED_IDS_SHOWN);
        LineChanges { count, ids }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A version awaits your approval.
    Submitted,
    /// Your version was approved.
    Approved,
    /// Your version was sent back.
    Rejected,
    /// Someone commented on a version you wrote or submitted.
    Commented,
    /// Someone mentioned you in a comment.
    Mentioned,
    /// A new version of a simulation you read has high-severity anomalies.
    Anomalies,
    /// A connection to another system stopped working (admins).
    Integrations,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 7] = [
        NotificationKind::Submitted,
        NotificationKind::Approved,
        NotificationKind::Rejected,
        NotificationKind::Commented,
        NotificationKind::Mentioned,
        NotificationKind::Anomalies,
        NotificationKind::Integrations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Submitted => "submitted",
            NotificationKind::Approved => "approved",
            NotificationKind::Rejected => "rejected",
            NotificationKind::Commented => "commented",
            NotificationKind::Mentioned => "mentioned",
            NotificationKind::Anomalies => "anomalies",
            NotificationKind::Integrations => "integrations",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NotificationKind::Submitted => "A version awaits my approval",
            NotificationKind::Approved => "My version was approved",
            NotificationKind::Rejected => "My version was sent back",
            NotificationKind::Commented => "A comment on a version I wrote or submitted",
            NotificationKind::Mentioned => "Someone mentions me",
            NotificationKind::Anomalies => "A new version has high-severity anomalies",
            NotificationKind::Integrations => "A webhook or another connection stopped working",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotificationKind {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        NotificationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::Validation(FieldErrors::single(
                    "kind",
                    format!("\"{s}\" is not a kind of notification."),
                ))
            })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub notification_id: uuid::Uuid,
    pub kind: NotificationKind,
    pub message: String,
    pub link: String,
    pub read: bool,
    pub created_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub unread: i64,
    pub latest: Vec<Notification>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub kind: NotificationKind,
    pub in_app: bool,
    pub email: bool,
}

/// One audit event as the audit page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub occurred_at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// Before / after, as JSON.
    pub diff: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The audit page's filters; empty text matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub actor: String,
    pub action: String,
    pub target: String,
    /// `YYYY-MM-DD`, inclusive.
    pub from: String,
    pub to: String,
}

/// An event the chain check found altered, removed or out of place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenEvent {
    pub seq: i64,
    pub problem: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    pub events: i64,
    pub broken: Vec<BrokenEvent>,
}

/// Counts for the activity charts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub per_day: Vec<(String, i64)>,
    pub per_actor: Vec<(String, i64)>,
    pub per_action: Vec<(String, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Events matching the filter (the list shows the latest ones).
    pub total: i64,
    pub activity: Activity,
    pub chain: ChainCheck,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every (state, transition, who) triple against the table of the issue.
    #[test]
    fn every_transition_is_allowed_or_refused_as_the_workflow_says() {
        use ReviewStatus::*;
        use Transition::*;
        let analyst = Actor {
            can_edit: true,
            can_approve: false,
            involved: false,
        };
        let approver = Actor {
            can_edit: true,
            can_approve: true,
            involved: false,
        };
        let own = Actor {
            involved: true,
            ..approver
        };
        let viewer = Actor {
            can_edit: false,
            can_approve: false,
            involved: false,
        };
        let expected = |status, transition, actor: Actor| -> Result<ReviewStatus, WorkflowError> {
            match (status, transition) {
                (_, Submit) if !actor.can_edit => Err(WorkflowError::NotAllowed),
                (_, Approve | Reject) if !actor.can_approve => Err(WorkflowError::NotAllowed),
                (Draft, Submit) => Ok(Submitted),
                (Submitted, Approve | Reject) if actor.involved => Err(WorkflowError::FourEyes),
                (Submitted, Approve) => Ok(Approved),
                (Submitted, Reject) => Ok(Draft),
                (s, t) => Err(WorkflowError::WrongState(s, t)),
            }
        };
        let mut allowed = 0;
        for status in ReviewStatus::ALL {
            for transition in Transition::ALL {
                for actor in [analyst, approver, own, viewer] {
                    let got = next(status, transition, actor);
                    assert_eq!(
                        got,
                        expected(status, transition, actor),
                        "{status:?} {transition:?} {actor:?}"
                    );
                    allowed += usize::from(got.is_ok());
                }
            }
        }
        // Submit a draft (three who may edit), approve or reject a
        // submission (the approver who did not submit it).
        assert_eq!(allowed, 5);
        assert_eq!(
            next(Approved, Reject, approver),
            Err(WorkflowError::WrongState(Approved, Reject))
        );
        assert_eq!(
            next(Approved, Submit, approver),
            Err(WorkflowError::WrongState(Approved, Submit))
        );
        assert_eq!(next(Submitted, Approve, own), Err(WorkflowError::FourEyes));
        assert_eq!(
            AppError::from(WorkflowError::WrongState(Approved, Approve)).status_code(),
            409
        );
    }

    #[test]
    fn a_rejection_needs_a_reason_and_a_comment_a_body() {
        assert!(parse_reason("  ").is_err());
        assert_eq!(
            parse_reason(" P2R is wrong ").ok().as_deref(),
            Some("P2R is wrong")
        );
        assert!(parse_reason(&"x".repeat(1001)).is_err());
        assert!(parse_comment("").is_err());
        assert!(parse_comment(&"x".repeat(4001)).is_err());
    }
}
