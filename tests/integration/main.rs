//! The one integration-test binary (one binary links once: much faster than
//! many). Every test runs against a real PostgreSQL: a throwaway cluster
//! started once per run, with a fresh database per test cloned from a
//! template that was migrated once.

mod accounts;
mod api;
mod backup;
mod cli;
mod connections;
mod contact;
mod embedded_postgres;
mod failover;
mod hardening;
mod http;
mod imports_reports;
mod live;
mod operations;
mod proxy;
mod rule_profiles;
mod simulations;
mod support;
mod webhooks;
mod workflow;
