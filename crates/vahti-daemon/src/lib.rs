//! The Vahti daemon `vahtid`.
//!
//! This crate owns the running process: configuration, the clock, logging, systemd integration,
//! signal handling, metrics and the command line. The binary only calls [`cli::main`].

pub mod actors;
pub mod app;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod collection;
pub mod config;
pub mod daemon;
pub mod error;
pub mod http;
pub mod memory;
pub mod metrics;
pub mod outbox;
pub mod ratelimit;
pub mod reload;
pub mod scheduler;
pub mod selfservice;
pub mod service;
pub mod shutdown;
pub mod sqlite_lock;
pub mod systemd;
pub mod telemetry;
pub mod webhook_sender;
