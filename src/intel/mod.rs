//! The intelligence around the engine: what the data itself says about its
//! quality (anomalies). Plain Rust with no I/O, compiled into the server
//! and the browser like the engine.

pub mod anomalies;
