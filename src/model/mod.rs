//! Serializable types shared by the browser and the server, with their validation.
//! Nothing here performs I/O: the same code checks input in WASM and on the server.

/// A typed identifier: a UUID that reads from text (an unknown one is
/// "not found") and prints as itself.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[cfg_attr(feature = "ssr", derive(::utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub ::uuid::Uuid);

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::model::error::AppError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|_| $crate::model::error::AppError::NotFound)
            }
        }
    };
}

pub mod account;
pub mod anomalies;
pub mod api_token;
pub mod classification;
pub mod connections;
pub mod contact;
pub mod error;
pub mod import;
pub mod line_columns;
pub mod mail;
pub mod money;
pub mod plan;
pub mod report;
pub mod rule_profile;
pub mod simulation;
pub mod status;
pub mod text;
pub mod time;
pub mod webhooks;
pub mod workflow;
