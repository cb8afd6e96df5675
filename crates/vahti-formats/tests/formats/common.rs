//! Helpers shared by the integration tests: reading sample and fixture files, building expected
//! values, and summarising warnings for exact comparison.

use std::path::PathBuf;

use chrono::NaiveDate;
use vahti_domain::{Currency, ErrorCode, Money};
use vahti_formats::{ParsedReference, Warning};

/// Returns the directory of the shared sample files: `VAHTI_SAMPLES_DIR`, or `shared/samples`
/// beside the repository.
pub fn samples_dir() -> PathBuf {
    match std::env::var_os("VAHTI_SAMPLES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/samples"
        )),
    }
}

/// Reads a sample file, such as `finvoice/finvoice1.xml`.
pub fn sample(path: &str) -> Vec<u8> {
    let full = samples_dir().join(path);
    std::fs::read(&full).unwrap_or_else(|error| panic!("cannot read {}: {error}", full.display()))
}

/// Reads a fixture file of this crate.
pub fn fixture(name: &str) -> Vec<u8> {
    let full = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name);
    std::fs::read(&full).unwrap_or_else(|error| panic!("cannot read {}: {error}", full.display()))
}

pub fn money(amount: &str, code: &str) -> Money {
    Money::parse(amount, Currency::from_code(code).unwrap()).unwrap()
}

pub fn eur(amount: &str) -> Money {
    money(amount, "EUR")
}

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// Lists each warning as (code, item, line), in order.
pub fn warnings(list: &[Warning]) -> Vec<(&'static str, Option<usize>, Option<usize>)> {
    list.iter()
        .map(|warning| {
            (
                warning.code(),
                warning.item,
                warning.position.as_ref().map(|position| position.line),
            )
        })
        .collect()
}

/// Returns the validated compact form of a reference, or `None` when missing or invalid.
pub fn valid_reference(reference: &Option<ParsedReference>) -> Option<&str> {
    reference
        .as_ref()
        .and_then(|reference| reference.parsed.as_ref())
        .map(|parsed| parsed.as_str())
}

/// Returns the raw text of a reference.
pub fn raw_reference(reference: &Option<ParsedReference>) -> Option<&str> {
    reference.as_ref().map(|reference| reference.raw.as_str())
}
