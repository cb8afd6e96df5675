//! The Vahti daemon `vahtid`.
//!
//! This crate owns the running process: configuration, the clock, logging, systemd integration,
//! signal handling, metrics and the command line. The binary in `main.rs` only calls
//! [`cli::main`].

pub mod config;
