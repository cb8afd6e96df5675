//! Delivery into a directory: one `.eml` file per message, named after its `Message-ID`.
//!
//! lettre's own file transport names files by a random UUID, so this one writes the same bytes
//! (`Message::formatted`, the RFC 5322 message with CRLF line endings that mail clients open)
//! under a name taken from the `Message-ID`. A message written again after a crash replaces its
//! file instead of adding a second one. Each file is written under a temporary name and renamed,
//! so a reader never sees half a message.

use std::path::{Path, PathBuf};

use vahti_domain::ErrorCode;

use super::Delivered;
use super::error::DeliveryError;
use crate::message::Message;

/// Writes messages as `.eml` files into a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMailer {
    directory: PathBuf,
}

impl FileMailer {
    /// A mailer writing into `directory`, which is created on the first message if missing.
    pub fn new(directory: impl Into<PathBuf>) -> Self {
        FileMailer {
            directory: directory.into(),
        }
    }

    /// The directory the files go to.
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// The file a message is written to.
    pub fn path_of(&self, message: &Message) -> PathBuf {
        self.directory
            .join(format!("{}.eml", file_stem(message.message_id())))
    }

    /// Writes the message to its file, replacing an earlier copy.
    ///
    /// # Errors
    ///
    /// [`DeliveryError::File`] when the directory cannot be created or the file cannot be
    /// written.
    pub async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        let path = self.path_of(message);
        let result = self.write(&path, &message.formatted()).await;
        match &result {
            Ok(()) => tracing::info!(
                outbox.id = message.outbox_id().0,
                message.id = message.message_id(),
                path = %path.display(),
                "message written to file"
            ),
            Err(error) => tracing::warn!(
                outbox.id = message.outbox_id().0,
                message.id = message.message_id(),
                error.code = error.code(),
                error = %error,
                "writing message file failed"
            ),
        }
        result?;

        Ok(Delivered {
            message_id: message.message_id().to_owned(),
            smtp_code: None,
            server_text: String::new(),
            path: Some(path),
        })
    }

    async fn write(&self, path: &Path, bytes: &[u8]) -> Result<(), DeliveryError> {
        let failed = |error: std::io::Error| DeliveryError::File {
            path: path.to_owned(),
            reason: error.to_string(),
        };
        tokio::fs::create_dir_all(&self.directory)
            .await
            .map_err(failed)?;

        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        tokio::fs::write(&temporary, bytes).await.map_err(failed)?;
        tokio::fs::rename(&temporary, path).await.map_err(failed)
    }
}

/// Turns a `Message-ID` into a file name: the angle brackets go, and any character outside
/// letters, digits, `.`, `-`, `_` and `@` becomes `_`.
fn file_stem(message_id: &str) -> String {
    message_id
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_are_safe_names() {
        let cases = [
            (
                "<vahti.4711@mail.example.com>",
                "vahti.4711@mail.example.com",
            ),
            ("<a/../b@x>", "a_.._b@x"),
            ("<a b\\c@x>", "a_b_c@x"),
        ];
        for (id, expected) in cases {
            assert_eq!(file_stem(id), expected, "{id}");
        }
    }
}
