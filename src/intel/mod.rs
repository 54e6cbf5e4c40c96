//! The intelligence around the engine: what the data itself says about its
//! quality (anomalies) and which class a line belongs to (classify). Plain
//! Rust with no I/O; anomalies are compiled into the browser like the
//! engine, classification only runs on the server (imports).

pub mod anomalies;
#[cfg(feature = "ssr")]
pub mod classify;
