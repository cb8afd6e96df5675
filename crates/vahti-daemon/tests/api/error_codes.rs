//! Every error code the daemon can answer with is a variant of `vahti_api::ErrorCode`, so that
//! clients can match it, and the status the daemon answers it with is the one the variant
//! documents.
//!
//! The codes are read from the sources: the first argument of the constructors of
//! `ServiceError` and `ApiError`, and the codes of every `ErrorCode` implementation of the
//! daemon, the store and the domain rules. The daemon's configuration, logging and SQLite lock
//! errors only stop start-up and never reach a client, so their modules are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use vahti_api::ErrorCode;

/// Source folders read, relative to the workspace root.
const FOLDERS: [&str; 3] = [
    "crates/vahti-daemon/src",
    "crates/vahti-store/src",
    "crates/vahti-domain/src",
];

/// Files whose codes never reach a client.
const START_UP_ONLY: [&str; 4] = [
    "crates/vahti-daemon/src/config",
    "crates/vahti-daemon/src/telemetry.rs",
    "crates/vahti-daemon/src/cli.rs",
    "crates/vahti-daemon/src/sqlite_lock.rs",
];

/// Constructors whose first argument is a code, with the status they answer with.
const CONSTRUCTORS: [(&str, Option<u16>); 7] = [
    ("ServiceError::invalid(", Some(400)),
    ("ServiceError::unprocessable(", Some(422)),
    ("ServiceError::not_found(", Some(404)),
    ("ServiceError::conflict(", Some(409)),
    ("ApiError::bad_request(", Some(400)),
    ("ApiError::not_found(", Some(404)),
    ("ApiError::new(", None),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

/// The text of a file without its `#[cfg(test)]` module and without the test files beside it.
fn production_text(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    if name == "tests.rs" {
        return None;
    }
    let text = std::fs::read_to_string(path).unwrap();
    Some(match text.find("#[cfg(test)]\nmod tests") {
        Some(end) => text[..end].to_owned(),
        None => text,
    })
}

/// The first string literal after `start`, when it comes before any other token but a status.
fn literal_after(text: &str) -> Option<&str> {
    let rest = text.trim_start();
    let rest = match rest.find(',') {
        Some(comma) if rest[..comma].contains("StatusCode::") => rest[comma + 1..].trim_start(),
        _ => rest,
    };
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    let code = &rest[..end];
    code.bytes()
        .all(|byte| byte.is_ascii_lowercase() || byte == b'_')
        .then_some(code)
}

/// The status of an `ApiError::new(StatusCode::X, ...)` call.
fn explicit_status(text: &str) -> Option<u16> {
    let rest = text.trim_start();
    let name = rest
        .split(',')
        .next()?
        .rsplit("StatusCode::")
        .next()?
        .trim();
    let status = match name {
        "BAD_REQUEST" => 400,
        "UNAUTHORIZED" => 401,
        "FORBIDDEN" => 403,
        "NOT_FOUND" => 404,
        "METHOD_NOT_ALLOWED" => 405,
        "CONFLICT" => 409,
        "PAYLOAD_TOO_LARGE" => 413,
        "UNSUPPORTED_MEDIA_TYPE" => 415,
        "UNPROCESSABLE_ENTITY" => 422,
        "INTERNAL_SERVER_ERROR" => 500,
        "SERVICE_UNAVAILABLE" => 503,
        _ => return None,
    };
    Some(status)
}

/// Every code with the statuses it is answered with, where the source shows them.
fn emitted() -> BTreeMap<String, BTreeSet<u16>> {
    let root = workspace();
    let mut files = Vec::new();
    for folder in FOLDERS {
        rust_files(&root.join(folder), &mut files);
    }
    let mut codes: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for path in files {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if START_UP_ONLY
            .iter()
            .any(|skipped| relative.starts_with(skipped))
        {
            continue;
        }
        let Some(text) = production_text(&path) else {
            continue;
        };
        for (constructor, status) in CONSTRUCTORS {
            for (at, _) in text.match_indices(constructor) {
                let after = &text[at + constructor.len()..];
                if let Some(code) = literal_after(after) {
                    let status = status.or_else(|| explicit_status(after));
                    let entry = codes.entry(code.to_owned()).or_default();
                    entry.extend(status);
                }
            }
        }
        if let Some(start) = text.find("fn code(&self)") {
            let body = &text[start..];
            let end = body.find("\n    }").unwrap_or(body.len());
            for piece in body[..end].split("=>").skip(1) {
                if let Some(code) = literal_after(piece) {
                    codes.entry(code.to_owned()).or_default();
                }
            }
        }
    }
    codes
}

#[test]
fn emitted_codes_are_found() {
    let codes = emitted();

    assert!(codes.contains_key("payment_duplicate"), "{codes:?}");
    assert!(codes.contains_key("store_unavailable"), "{codes:?}");
    assert!(codes.contains_key("reference_check_digit"), "{codes:?}");
}

#[test]
fn emitted_codes_are_known() {
    let unknown: Vec<String> = emitted()
        .into_keys()
        .filter(|code| !ErrorCode::parse(code).is_known())
        .collect();

    assert!(unknown.is_empty(), "vahti_api::ErrorCode lacks {unknown:?}");
}

#[test]
fn emitted_statuses_are_documented() {
    let mut wrong = Vec::new();
    for (code, statuses) in emitted() {
        let documented = ErrorCode::parse(&code).http_status();
        for status in statuses {
            if documented != Some(status) {
                wrong.push(format!(
                    "{code}: answered {status}, documented {documented:?}"
                ));
            }
        }
    }

    assert!(wrong.is_empty(), "{wrong:#?}");
}
