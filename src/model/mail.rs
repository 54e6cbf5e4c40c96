//! Who an organisation's members may send mail to: its own members always;
//! outside addresses only as its admin allows (none, some domains, any).

use crate::model::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutsideRecipients {
    /// Members of the organisation only (the default).
    #[default]
    None,
    /// Addresses at the listed domains.
    Domains,
    /// Any address.
    Any,
}

impl OutsideRecipients {
    pub fn key(self) -> &'static str {
        match self {
            OutsideRecipients::None => "none",
            OutsideRecipients::Domains => "domains",
            OutsideRecipients::Any => "any",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "none" => Some(OutsideRecipients::None),
            "domains" => Some(OutsideRecipients::Domains),
            "any" => Some(OutsideRecipients::Any),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPolicy {
    pub outside: OutsideRecipients,
    /// Lower-case domains, for `OutsideRecipients::Domains`.
    pub domains: Vec<String>,
}

/// At most this many domains in a policy.
pub const MAX_DOMAINS: usize = 50;

impl MailPolicy {
    /// The admin's form: a choice and a list of domains (commas, spaces or
    /// new lines between them).
    pub fn parse(outside: &str, domains: &str) -> Result<MailPolicy, AppError> {
        let mut errors = FieldErrors::default();
        let choice = OutsideRecipients::from_key(outside.trim());
        if choice.is_none() {
            errors.push(
                "outside",
                "Choose who outside the organisation may receive mail.",
            );
        }
        let list: Vec<String> = domains
            .split([',', ';', ' ', '\n'])
            .map(|d| d.trim().trim_start_matches('@').to_lowercase())
            .filter(|d| !d.is_empty())
            .collect();
        let valid = |d: &str| {
            d.contains('.')
                && d.len() <= 253
                && d.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        };
        if let Some(bad) = list.iter().find(|d| !valid(d)) {
            errors.push(
                "domains",
                format!("\"{bad}\" is not a domain name (like bank.eu)."),
            );
        } else if list.len() > MAX_DOMAINS {
            errors.push("domains", format!("List at most {MAX_DOMAINS} domains."));
        } else if choice == Some(OutsideRecipients::Domains) && list.is_empty() {
            errors.push("domains", "List the domains outside addresses may be at.");
        }
        errors.into_result(())?;
        Ok(MailPolicy {
            outside: choice.unwrap_or_default(),
            domains: list,
        })
    }

    /// Whether an address that is not a member's may receive mail.
    pub fn allows_outside(&self, address: &str) -> bool {
        match self.outside {
            OutsideRecipients::None => false,
            OutsideRecipients::Any => true,
            OutsideRecipients::Domains => address.rsplit_once('@').is_some_and(|(_, domain)| {
                self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_allows_outside_addresses_only_as_chosen() {
        let domains = MailPolicy::parse("domains", "@Bank.eu, auditor.example").expect("valid");
        assert_eq!(domains.domains, ["bank.eu", "auditor.example"]);
        assert!(domains.allows_outside("cfo@BANK.eu"));
        assert!(!domains.allows_outside("cfo@evil.example"));
        assert!(
            !domains.allows_outside("cfo@sub.bank.eu"),
            "exact domains only"
        );
        assert!(
            !MailPolicy::parse("none", "")
                .expect("valid")
                .allows_outside("a@bank.eu")
        );
        assert!(
            MailPolicy::parse("any", "")
                .expect("valid")
                .allows_outside("a@x.example")
        );
        assert!(
            MailPolicy::parse("domains", "").is_err(),
            "domains need a list"
        );
        assert!(MailPolicy::parse("domains", "not a domain").is_err());
        assert!(MailPolicy::parse("everyone", "").is_err());
    }
}
