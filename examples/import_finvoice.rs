//! Sends every `.xml` file of a folder to the invoice import endpoint and prints each report.
//!
//! ```sh
//! export VAHTI_URL=http://127.0.0.1:7878 VAHTI_TOKEN=vht_...
//! cargo run -p vahti-sdk --example import_finvoice -- path/to/finvoices
//! ```

#![expect(
    clippy::print_stdout,
    reason = "an example prints its results for the reader"
)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vahti_sdk::Client;
use vahti_sdk::api::ImportReport;

#[tokio::main]
async fn main() -> ExitCode {
    let Some(folder) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: import_finvoice FOLDER");
        return ExitCode::from(2);
    };
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    let files = match xml_files(&folder) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: cannot read folder {}: {error}", folder.display());
            return ExitCode::from(4);
        }
    };
    if files.is_empty() {
        eprintln!("no .xml files in {}", folder.display());
        return ExitCode::SUCCESS;
    }

    let mut failures = 0;
    for path in &files {
        let content = match std::fs::read(path) {
            Ok(content) => content,
            Err(error) => {
                eprintln!("{}: cannot read: {error}", path.display());
                failures += 1;
                continue;
            }
        };
        match client.imports().invoices(content).await {
            Ok(report) => print_report(path, &report),
            Err(error) => {
                eprintln!("{}: {error}", path.display());
                failures += 1;
            }
        }
    }

    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Builds a client from `VAHTI_URL` (default `http://127.0.0.1:7878`) and `VAHTI_TOKEN`.
fn client_from_env() -> Result<Client, String> {
    let url = std::env::var("VAHTI_URL").unwrap_or_else(|_| "http://127.0.0.1:7878".to_owned());
    let token = std::env::var("VAHTI_TOKEN")
        .map_err(|_| "missing VAHTI_TOKEN: set it to a tenant's API token".to_owned())?;
    Client::builder()
        .base_url(url)
        .token(token)
        .build()
        .map_err(|error| error.to_string())
}

/// Lists the `.xml` files of a folder, sorted by name.
fn xml_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        let is_xml = path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("xml"));
        if is_xml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn print_report(path: &Path, report: &ImportReport) {
    let version = report.version.as_deref().unwrap_or("?");
    if report.already_imported {
        println!(
            "{}: already imported (import {})",
            path.display(),
            report.import_id
        );
        return;
    }
    println!(
        "{}: {} {version}, {} created, {} updated, {} duplicates, {} warnings, {} rejected",
        path.display(),
        report.format,
        report.created,
        report.updated,
        report.duplicates_skipped,
        report.warnings.len(),
        report.rejected.len()
    );
    for warning in &report.warnings {
        println!(
            "  warning at {}: {} ({})",
            warning.position, warning.message, warning.code
        );
    }
    for rejection in &report.rejected {
        let code = rejection.code.as_deref().unwrap_or("-");
        println!(
            "  rejected at {}: {} ({code})",
            rejection.position, rejection.reason
        );
    }
}
