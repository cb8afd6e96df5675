//! `vahti invoices import` and `vahti payments import`: files sent to the import endpoints, and
//! JSON batches of invoices uploaded in chunks, with a progress bar for long imports.

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use vahti_sdk::api::{
    BatchInvoiceItem, BatchInvoiceRequest, BatchInvoiceResponse, BatchItemStatus, ImportReport,
    MAX_BATCH_ITEMS,
};
use vahti_sdk::{Client, SdkError};

use crate::error::{CliError, EXIT_API, EXIT_INPUT};
use crate::output::Output;

/// The import endpoint a file goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Invoices,
    Payments,
}

/// Imports invoice files: `.json` files as batches, every other file as an e-invoice.
pub async fn import_invoices(
    client: &Client,
    out: &Output,
    files: &[PathBuf],
) -> Result<(), CliError> {
    import_files(client, out, files, Target::Invoices).await
}

/// Imports bank payment files.
pub async fn import_payments(
    client: &Client,
    out: &Output,
    files: &[PathBuf],
) -> Result<(), CliError> {
    import_files(client, out, files, Target::Payments).await
}

/// Imports each file in order. A file that fails is reported and the next one is tried, except
/// after a connection error, which would fail every other file too.
async fn import_files(
    client: &Client,
    out: &Output,
    files: &[PathBuf],
    target: Target,
) -> Result<(), CliError> {
    let several = files.len() > 1;
    let progress = if several {
        progress_bar(files.len(), "files")
    } else {
        ProgressBar::hidden()
    };

    let mut failed = 0;
    let mut exit_code = EXIT_API;
    for path in files {
        progress.set_message(file_name(path));
        let result = if target == Target::Invoices && is_json(path) {
            import_batch(client, out, path, &progress, several).await
        } else {
            import_file(client, out, path, target, &progress).await
        };
        progress.inc(1);

        match result {
            Ok(()) => {}
            Err(CliError::Sdk(error)) if error.is_unreachable() => {
                progress.abandon();
                return Err(CliError::Sdk(error));
            }
            Err(error) => {
                progress.suspend(|| report_failure(path, &error));
                failed += 1;
                if error.exit_code() == EXIT_INPUT {
                    exit_code = EXIT_INPUT;
                }
                if !several {
                    progress.finish_and_clear();
                    return Err(error);
                }
            }
        }
    }
    progress.finish_and_clear();

    if failed > 0 {
        return Err(CliError::Files {
            failed,
            total: files.len(),
            exit_code,
        });
    }
    Ok(())
}

/// Sends one file to its import endpoint and prints the report.
async fn import_file(
    client: &Client,
    out: &Output,
    path: &Path,
    target: Target,
    progress: &ProgressBar,
) -> Result<(), CliError> {
    let content = read(path)?;
    let report = match target {
        Target::Invoices => client.imports().invoices(content).await?,
        Target::Payments => client.imports().payments(content).await?,
    };
    progress.suspend(|| print_report(out, path, &report))
}

/// Uploads a JSON batch of invoices in requests of at most [`MAX_BATCH_ITEMS`] items and prints
/// the outcome. The file contains `{"items": [...]}` or a bare array of items, each
/// `{"external_id": ..., "invoice": {...}}`.
async fn import_batch(
    client: &Client,
    out: &Output,
    path: &Path,
    files_progress: &ProgressBar,
    several: bool,
) -> Result<(), CliError> {
    let items = read_batch(path)?;
    let progress = if several {
        ProgressBar::hidden()
    } else {
        progress_bar(items.len(), "invoices")
    };

    let mut results = Vec::with_capacity(items.len());
    for chunk in items.chunks(MAX_BATCH_ITEMS) {
        let request = BatchInvoiceRequest {
            items: chunk.to_vec(),
        };
        let response = client.invoices().batch(&request).await.inspect_err(|_| {
            progress.abandon();
        })?;
        progress.inc(u64::try_from(chunk.len()).unwrap_or(u64::MAX));
        results.extend(response.results);
    }
    progress.finish_and_clear();

    let response = BatchInvoiceResponse { results };
    files_progress.suspend(|| print_batch(out, path, &response))
}

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|error| CliError::Input {
        path: path.to_owned(),
        message: format!("cannot read the file: {error}"),
    })
}

/// Reads a JSON batch file: an object with `items`, or a bare array of items.
fn read_batch(path: &Path) -> Result<Vec<BatchInvoiceItem>, CliError> {
    let content = read(path)?;
    let invalid = |error: serde_json::Error| CliError::Input {
        path: path.to_owned(),
        message: format!(
            "invalid invoice batch: {error}; write {{\"items\": [{{\"external_id\": ..., \"invoice\": {{...}}}}]}} or a bare array of such items"
        ),
    };

    let starts_with_array = content
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|byte| *byte == b'[');
    if starts_with_array {
        serde_json::from_slice::<Vec<BatchInvoiceItem>>(&content).map_err(invalid)
    } else {
        serde_json::from_slice::<BatchInvoiceRequest>(&content)
            .map(|batch| batch.items)
            .map_err(invalid)
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

fn progress_bar(length: usize, unit: &str) -> ProgressBar {
    let progress = ProgressBar::new(u64::try_from(length).unwrap_or(u64::MAX));
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        progress.set_style(style);
    }
    progress
}

fn report_failure(path: &Path, error: &CliError) {
    match error {
        CliError::Input { message, .. } => eprintln!("{}: {message}", path.display()),
        CliError::Sdk(error) => report_sdk_failure(path, error),
        other => eprintln!("{}: {other}", path.display()),
    }
}

fn report_sdk_failure(path: &Path, error: &SdkError) {
    eprintln!("{}: {error}", path.display());
    if let Some(api) = error.api_error() {
        eprintln!("  code:   {}", api.code);
        if let Some(field) = &api.field {
            eprintln!("  field:  {field}");
        }
    }
}

/// The JSON line printed per file with `--json`.
#[derive(Serialize)]
struct FileOutcome<'a, T: Serialize> {
    file: String,
    #[serde(flatten)]
    outcome: &'a T,
}

fn print_report(out: &Output, path: &Path, report: &ImportReport) -> Result<(), CliError> {
    if out.json {
        return out.json_line(&FileOutcome {
            file: path.display().to_string(),
            outcome: report,
        });
    }

    let name = path.display();
    if report.already_imported {
        return out.line(format!(
            "{name}: already imported as import {}; nothing changed",
            report.import_id
        ));
    }
    out.line(format!(
        "{name}: {} {}: {} created, {} updated, {} duplicates skipped, {} warnings, {} rejected",
        report.format,
        report.version.as_deref().unwrap_or(""),
        report.created,
        report.updated,
        report.duplicates_skipped,
        report.warnings.len(),
        report.rejected.len()
    ))?;
    for warning in &report.warnings {
        out.line(format!(
            "  warning at {}: {} ({})",
            warning.position, warning.message, warning.code
        ))?;
    }
    for rejection in &report.rejected {
        out.line(format!(
            "  rejected at {}: {} ({})",
            rejection.position,
            rejection.reason,
            rejection.code.as_deref().unwrap_or("-")
        ))?;
    }
    Ok(())
}

fn print_batch(out: &Output, path: &Path, response: &BatchInvoiceResponse) -> Result<(), CliError> {
    if out.json {
        return out.json_line(&FileOutcome {
            file: path.display().to_string(),
            outcome: response,
        });
    }

    let count = |status: BatchItemStatus| {
        response
            .results
            .iter()
            .filter(|result| result.status == status)
            .count()
    };
    out.line(format!(
        "{}: batch of {}: {} created, {} updated, {} unchanged, {} rejected",
        path.display(),
        response.results.len(),
        count(BatchItemStatus::Created),
        count(BatchItemStatus::Updated),
        count(BatchItemStatus::Unchanged),
        count(BatchItemStatus::Rejected)
    ))?;
    for result in &response.results {
        let Some(error) = &result.error else {
            continue;
        };
        let field = error
            .field
            .as_deref()
            .map(|field| format!(" in field {field}"))
            .unwrap_or_default();
        out.line(format!(
            "  rejected {}: {} ({}){field}",
            result.external_id, error.message, error.code
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const ITEM: &str = r#"{"external_id": "INV-1", "invoice": {"account": "C-1",
        "number": "1", "issue_date": "2026-03-02", "currency": "EUR", "amount": "10.00"}}"#;

    fn write_file(content: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
        file.write_all(content.as_bytes()).unwrap();
        file
    }

    #[test]
    fn batch_reads_object_form() {
        let file = write_file(&format!(r#"{{"items": [{ITEM}, {ITEM}]}}"#));
        assert_eq!(read_batch(file.path()).unwrap().len(), 2);
    }

    #[test]
    fn batch_reads_array_form() {
        let file = write_file(&format!("  [{ITEM}]"));
        assert_eq!(read_batch(file.path()).unwrap().len(), 1);
    }

    #[test]
    fn batch_rejects_unknown_fields() {
        let file = write_file(r#"[{"external_id": "X", "invoice": {}, "colour": "red"}]"#);
        let error = read_batch(file.path()).unwrap_err();
        assert_eq!(error.exit_code(), EXIT_INPUT);
    }

    #[test]
    fn json_extension_detected() {
        assert!(is_json(Path::new("batch.JSON")));
        assert!(!is_json(Path::new("finvoice.xml")));
    }
}
