//! Personal API tokens as the tokens page and the server exchange them.

use super::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

id_type!(
    /// A personal API token; the `jti` of its JWT.
    ApiTokenId
);

pub const TOKEN_NAME_MAX: usize = 80;
/// The longest a token may live: a year, so a forgotten one dies anyway.
pub const MAX_DAYS: i64 = 366;
pub const DEFAULT_DAYS: i64 = 90;

/// What a token may do on top of its owner's role: read only, or whatever
/// the role allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read_write",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TokenScope::Read => "Read only",
            TokenScope::ReadWrite => "Read and write",
        }
    }
}

impl FromStr for TokenScope {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "read_write" => Ok(TokenScope::ReadWrite),
            _ => Err(AppError::Validation(FieldErrors::single(
                "scope",
                "Choose read only or read and write.",
            ))),
        }
    }
}

/// A token as listed: never the token itself, which is shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub token_id: ApiTokenId,
    pub name: String,
    pub scope: TokenScope,
    /// The member the token acts as.
    pub owner: String,
    /// Revoked, or signed by a retired key.
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
    pub expired: bool,
}

/// A token just created: the only time its text is ever shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub token_id: ApiTokenId,
    pub token: String,
    pub expires_at: String,
    /// The API's address, for the example shown with the token.
    pub api_url: String,
}

/// The new token form, validated: a name, a scope and a lifetime in days.
pub fn parse_new_token(
    name: &str,
    scope: &str,
    days: &str,
) -> Result<(String, TokenScope, i64), AppError> {
    let mut errors = FieldErrors::default();
    let name = name.trim().to_owned();
    if name.is_empty() {
        errors.push(
            "name",
            "Give the token a name, such as the system that will use it.",
        );
    } else if name.chars().any(char::is_control) {
        errors.push(
            "name",
            "The name holds a control character; please type it again.",
        );
    } else if name.chars().count() > TOKEN_NAME_MAX {
        errors.push(
            "name",
            format!("Please keep the name under {TOKEN_NAME_MAX} characters."),
        );
    }
    let scope = match scope.parse::<TokenScope>() {
        Ok(scope) => Some(scope),
        Err(_) => {
            errors.push("scope", "Choose read only or read and write.");
            None
        }
    };
    let days = match days.trim().parse::<i64>() {
        Ok(d) if (1..=MAX_DAYS).contains(&d) => Some(d),
        _ => {
            errors.push(
                "days",
                format!("Give a lifetime from 1 to {MAX_DAYS} days."),
            );
            None
        }
    };
    match (scope, days) {
        (Some(scope), Some(days)) if errors.is_empty() => Ok((name, scope, days)),
        _ => Err(AppError::Validation(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_token_needs_a_name_a_scope_and_a_lifetime() {
        assert_eq!(
            parse_new_token(" ETL ", "read", "30").expect("valid"),
            ("ETL".to_owned(), TokenScope::Read, 30)
        );
        let Err(AppError::Validation(errors)) = parse_new_token("", "admin", "0") else {
            panic!("invalid form accepted");
        };
        assert!(errors.for_field("name").is_some());
        assert!(errors.for_field("scope").is_some());
        assert!(errors.for_field("days").is_some());
        assert!(
            parse_new_token("x", "read_write", "367").is_err(),
            "over a year"
        );
        assert!(parse_new_token("x", "read_write", "366").is_ok());
    }
}
