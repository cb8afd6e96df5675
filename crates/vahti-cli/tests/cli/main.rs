//! Tests that run the built `vahti` binary: help texts, offline policy validation, shell
//! completions, exit codes, and output against a canned HTTP server on loopback.
//!
//! The modules are marked `cfg(test)` so that the workspace lints treat their helper functions
//! as test code.

#[cfg(test)]
mod canned;
#[cfg(test)]
mod demo;
#[cfg(test)]
mod exit_codes;
#[cfg(test)]
mod help;
#[cfg(test)]
mod output;
#[cfg(test)]
mod policies;
#[cfg(test)]
mod support;
