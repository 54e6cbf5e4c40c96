//! Everything that exists only on the server: configuration, state, the
//! database, HTTP plumbing, services and the command line.

pub mod account_links;
pub mod accounts;
pub mod anomalies;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod classification;
pub mod cli;
pub mod compute;
pub mod config;
pub mod connections;
pub mod contact;
pub mod db;
pub mod demo;
pub mod error;
pub mod heavy;
pub mod http;
pub mod idempotency;
pub mod import;
pub mod live;
pub mod mail_limits;
pub mod mailer;
pub mod metrics;
pub mod quotas;
pub mod reports;
pub mod rest;
pub mod rule_profiles;
pub mod secrets;
pub mod simulations;
pub mod state;
pub mod suggestions;
pub mod telemetry;
pub mod tls;
pub mod webhooks;
pub mod workflow;
