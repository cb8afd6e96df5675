//! The file adapter, for agencies without an API: each message becomes a JSON file, and a
//! hand-over also a CSV file, in `<collection.export_dir>/<tenant id>/`.
//!
//! A file appears whole or not at all: it is written under a temporary name in the same
//! directory, flushed to disk, and renamed. The name is the message's idempotency key, such as
//! `case-12.json` and `case-12.csv`, so writing a message again replaces its file with the same
//! content.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use vahti_domain::ids::TenantId;

use super::Failure;
use super::document::{MessageKind, PartnerMessage, case_csv};
use crate::app::App;
use crate::service::cases::CollectionPayload;

/// Writes the files of one message.
pub async fn write(
    app: &App,
    tenant: TenantId,
    payload: &CollectionPayload,
) -> Result<(), Failure> {
    let directory = app
        .config()
        .collection
        .export_dir
        .join(tenant.0.to_string());
    let mut files = vec![(format!("{}.json", payload.key), payload.body.clone())];
    if payload.message == MessageKind::Handover {
        let message: PartnerMessage = serde_json::from_str(&payload.body).map_err(|error| {
            Failure::permanent(format!("the stored case cannot be read: {error}"))
        })?;
        let case = message
            .case
            .ok_or_else(|| Failure::permanent("the stored hand-over has no case"))?;
        files.push((format!("{}.csv", payload.key), case_csv(&case)));
    }

    let written = tokio::task::spawn_blocking(move || write_all(&directory, &files)).await;
    match written {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(Failure::transient(error)),
        Err(error) => Err(Failure::transient(format!(
            "the file export stopped: {error}"
        ))),
    }
}

fn write_all(directory: &Path, files: &[(String, String)]) -> Result<(), String> {
    create_private_dir(directory).map_err(|error| {
        format!(
            "cannot create the export directory {}: {error}",
            directory.display()
        )
    })?;
    for (name, content) in files {
        write_atomically(&directory.join(name), content.as_bytes())?;
    }
    // The renames are durable once the directory itself is flushed. Not every file system
    // supports that, so a failure here is not an error.
    if let Ok(handle) = fs::File::open(directory) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// Creates the directory and its missing parents with mode 0700, because the files contain
/// the debtors' personal data. An existing directory keeps its mode.
fn create_private_dir(directory: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(directory)
}

fn write_atomically(path: &Path, content: &[u8]) -> Result<(), String> {
    let temporary = temporary_path(path);
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        file.write_all(content)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    result.map_err(|error| {
        let _ = fs::remove_file(&temporary);
        format!("cannot write {}: {error}", path.display())
    })
}

/// Returns a hidden name beside `path`, which agencies that collect `*.json` and `*.csv` skip.
fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_replace_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("7");
        let files = vec![("case-1.json".to_owned(), "{\"a\":1}".to_owned())];
        write_all(&target, &files).unwrap();
        let again = vec![("case-1.json".to_owned(), "{\"a\":2}".to_owned())];
        write_all(&target, &again).unwrap();

        let names: Vec<String> = fs::read_dir(&target)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["case-1.json".to_owned()]);
        assert_eq!(
            fs::read_to_string(target.join("case-1.json")).unwrap(),
            "{\"a\":2}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn export_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;

        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("exports").join("7");
        write_all(&target, &[]).unwrap();
        let mode = fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn temporary_name_is_hidden() {
        let path = Path::new("/exports/3/case-9.csv");
        assert_eq!(
            temporary_path(path),
            Path::new("/exports/3/.case-9.csv.tmp")
        );
    }
}
