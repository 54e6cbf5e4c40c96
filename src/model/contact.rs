//! A visitor's contact request from the landing page.

use super::error::{AppError, FieldErrors};
use email_address::EmailAddress;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub const NAME_MAX: usize = 120;
pub const ORGANISATION_MAX: usize = 160;
pub const MESSAGE_MIN: usize = 10;
pub const MESSAGE_MAX: usize = 4000;
const EMAIL_MAX: usize = 254;

/// What the form sends, exactly as typed. `website` is a honeypot: it is hidden
/// from people, so only bots fill it in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub message: String,
    pub website: String,
}

/// A contact request that passed validation: trimmed, within limits, with a
/// syntactically valid e-mail address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactRequest {
    name: String,
    email: String,
    organisation: Option<String>,
    message: String,
}

/// What the visitor sees once the request is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactAck {
    pub reference: String,
    pub message: String,
}

impl ContactForm {
    pub fn is_spam_trap_filled(&self) -> bool {
        !self.website.trim().is_empty()
    }

    /// Checks every field and reports all problems at once, so the visitor
    /// fixes the form in one pass.
    pub fn parse(&self) -> Result<ContactRequest, AppError> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        let email = self.email.trim();
        let organisation = self.organisation.trim();
        let message = self.message.trim();

        if name.is_empty() {
            errors.push("name", "Please tell us your name.");
        } else if name.chars().count() > NAME_MAX {
            errors.push(
                "name",
                format!("Please keep your name under {NAME_MAX} characters."),
            );
        }
        if email.is_empty() {
            errors.push("email", "Please give an e-mail address so we can answer.");
        } else if email.len() > EMAIL_MAX || !is_plausible_email(email) {
            errors.push(
                "email",
                "This does not look like an e-mail address (name@bank.com).",
            );
        }
        if organisation.chars().count() > ORGANISATION_MAX {
            errors.push(
                "organisation",
                format!("Please keep the organisation under {ORGANISATION_MAX} characters."),
            );
        }
        let message_len = message.chars().count();
        if message_len < MESSAGE_MIN {
            errors.push(
                "message",
                format!("Please write at least {MESSAGE_MIN} characters so we know how to help."),
            );
        } else if message_len > MESSAGE_MAX {
            errors.push(
                "message",
                format!(
                    "Please keep the message under {MESSAGE_MAX} characters ({message_len} now)."
                ),
            );
        }

        errors.into_result(ContactRequest {
            name: name.to_owned(),
            email: email.to_owned(),
            organisation: (!organisation.is_empty()).then(|| organisation.to_owned()),
            message: message.to_owned(),
        })
    }
}

/// RFC 5322 syntax plus a dot in the domain: a bank's contact is never at a
/// bare host name, and `name@localhost` is a typo for us.
fn is_plausible_email(email: &str) -> bool {
    match EmailAddress::from_str(email) {
        Ok(parsed) => {
            let domain = parsed.domain();
            domain.contains('.') && !domain.starts_with('[') && !domain.ends_with('.')
        }
        Err(_) => false,
    }
}

impl ContactRequest {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn email(&self) -> &str {
        &self.email
    }
    pub fn organisation(&self) -> Option<&str> {
        self.organisation.as_deref()
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ContactForm {
        ContactForm {
            name: "  Ada Lovelace ".into(),
            email: "ada@bank.example".into(),
            organisation: "".into(),
            message: "We would like a demo for our ALM team.".into(),
            website: "".into(),
        }
    }

    #[test]
    fn accepts_and_trims_a_valid_form() {
        let parsed = form().parse().expect("valid");
        assert_eq!(parsed.name(), "Ada Lovelace");
        assert_eq!(parsed.organisation(), None);
    }

    #[test]
    fn reports_every_invalid_field() {
        let bad = ContactForm {
            name: " ".into(),
            email: "not-an-email".into(),
            organisation: "x".repeat(ORGANISATION_MAX + 1),
            message: "short".into(),
            website: "".into(),
        };
        let err = bad.parse().unwrap_err();
        let fields = err.field_errors().expect("validation error");
        for field in ["name", "email", "organisation", "message"] {
            assert!(
                fields.for_field(field).is_some(),
                "{field} should be in error"
            );
        }
        assert_eq!(err.status_code(), 422);
    }

    #[test]
    fn rejects_emails_without_a_dotted_domain() {
        for email in ["a@localhost", "a@", "@bank.com", "a b@bank.com", "a@bank."] {
            let f = ContactForm {
                email: email.into(),
                ..form()
            };
            assert!(f.parse().is_err(), "{email} should be rejected");
        }
    }

    #[test]
    fn message_length_counts_characters_not_bytes() {
        let f = ContactForm {
            message: "é".repeat(MESSAGE_MAX),
            ..form()
        };
        assert!(f.parse().is_ok());
        let f = ContactForm {
            message: "é".repeat(MESSAGE_MAX + 1),
            ..form()
        };
        assert!(f.parse().is_err());
    }

    #[test]
    fn honeypot_is_detected() {
        assert!(!form().is_spam_trap_filled());
        assert!(
            ContactForm {
                website: "http://spam".into(),
                ..form()
            }
            .is_spam_trap_filled()
        );
    }
}
