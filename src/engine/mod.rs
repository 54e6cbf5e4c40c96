//! The ratio engine: the regulatory rules of `shared/spec/ratios.md`, pure
//! Rust with no I/O, compiled unchanged into the server and the WASM client.
