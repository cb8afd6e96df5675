//! Integration tests of the parsers against the shared samples and this crate's fixtures.
//!
//! The modules are marked `cfg(test)` so that the workspace lints treat their helper functions
//! as test code, as they do for unit tests.

#[cfg(test)]
mod camt;
#[cfg(test)]
mod common;
#[cfg(test)]
mod detection;
#[cfg(test)]
mod finvoice;
#[cfg(test)]
mod ktl;
#[cfg(test)]
mod no_panic;
#[cfg(test)]
mod ubl;
