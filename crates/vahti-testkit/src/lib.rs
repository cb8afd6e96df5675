//! Placeholder; the crate's contents are under construction.

pub mod smtp;
