//! The intelligence around the engine: what the data itself says about its
//! quality (anomalies), which class a line belongs to (classify), and the
//! cheapest plan back to the targets (suggest). Plain Rust with no I/O;
//! anomalies and suggestions are compiled into the browser like the
//! engine, classification only runs on the server (imports).

pub mod anomalies;
#[cfg(feature = "ssr")]
pub mod classify;
pub mod suggest;
