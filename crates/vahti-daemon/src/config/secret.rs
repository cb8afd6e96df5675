//! Secrets in the configuration: a wrapper that never prints its value, and reading secrets from
//! files and systemd credentials.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use super::error::ConfigError;

/// What [`Secret`] prints in place of its value.
pub const REDACTED: &str = "***";

/// A password, token or connection string that must not appear in logs or output.
///
/// `Debug`, `Display` and `Serialize` all print `***`. Call [`Secret::expose`] where the value
/// itself is needed, such as when connecting.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(REDACTED)
    }
}

/// Resolves the path of a secret file: a relative path is taken inside `$CREDENTIALS_DIRECTORY`
/// when systemd set it (`LoadCredential=`), and inside the current directory otherwise.
pub(crate) fn resolve_secret_path(path: &Path, credentials_dir: Option<&str>) -> PathBuf {
    match credentials_dir {
        Some(dir) if path.is_relative() && !dir.is_empty() => Path::new(dir).join(path),
        _ => path.to_path_buf(),
    }
}

/// Reads a secret from a file, dropping trailing line breaks.
///
/// `key` is the `*_file` key, named in errors.
pub(crate) fn read_secret_file(key: &str, path: &Path) -> Result<Secret, ConfigError> {
    let text = fs::read_to_string(path).map_err(|error| ConfigError::SecretFile {
        key: key.to_owned(),
        path: path.to_path_buf(),
        error: explain(error),
    })?;

    let trimmed = text.trim_end_matches(['\r', '\n']);
    if trimmed.is_empty() {
        return Err(ConfigError::EmptySecret {
            key: key.to_owned(),
            path: path.to_path_buf(),
        });
    }
    Ok(Secret::new(trimmed))
}

/// Adds the usual fix to the two errors an operator meets most often.
fn explain(error: io::Error) -> io::Error {
    let hint = match error.kind() {
        io::ErrorKind::NotFound => {
            "file not found: check the path, or the LoadCredential= line of the systemd unit"
        }
        io::ErrorKind::PermissionDenied => {
            "permission denied: make the file readable by the user that runs vahtid"
        }
        io::ErrorKind::InvalidData => "the file is not UTF-8 text",
        _ => return error,
    };
    io::Error::new(error.kind(), hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "***");
    }

    #[test]
    fn secret_display_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(secret.to_string(), "***");
    }

    #[test]
    fn secret_serialize_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"***\"");
    }

    #[test]
    fn secret_file_trims_line_breaks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        fs::write(&path, "abc def\r\n\n").unwrap();

        let secret = read_secret_file("admin.token_file", &path).unwrap();

        assert_eq!(secret.expose(), "abc def");
    }

    #[test]
    fn secret_file_keeps_inner_spaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        fs::write(&path, " a b ").unwrap();

        let secret = read_secret_file("admin.token_file", &path).unwrap();

        assert_eq!(secret.expose(), " a b ");
    }

    #[test]
    fn secret_file_empty_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        fs::write(&path, "\n").unwrap();

        let error = read_secret_file("admin.token_file", &path).unwrap_err();

        assert!(matches!(error, ConfigError::EmptySecret { .. }), "{error}");
    }

    #[test]
    fn secret_file_missing_names_key_and_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing");

        let message = read_secret_file("admin.token_file", &path)
            .unwrap_err()
            .to_string();

        assert!(message.contains("`admin.token_file`"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("not found"), "{message}");
    }

    #[test]
    fn relative_path_resolved_in_credentials_dir() {
        let path = resolve_secret_path(Path::new("smtp-password"), Some("/run/credentials/x"));
        assert_eq!(path, Path::new("/run/credentials/x/smtp-password"));
    }

    #[test]
    fn absolute_path_ignores_credentials_dir() {
        let path = resolve_secret_path(Path::new("/etc/vahti/token"), Some("/run/credentials/x"));
        assert_eq!(path, Path::new("/etc/vahti/token"));
    }

    #[test]
    fn relative_path_without_credentials_dir_unchanged() {
        let path = resolve_secret_path(Path::new("token"), None);
        assert_eq!(path, Path::new("token"));
    }
}
