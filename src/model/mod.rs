//! Serializable types shared by the browser and the server, with their validation.
//! Nothing here performs I/O: the same code checks input in WASM and on the server.

pub mod account;
pub mod contact;
pub mod error;
pub mod import;
pub mod money;
pub mod plan;
pub mod report;
pub mod simulation;
pub mod workflow;
