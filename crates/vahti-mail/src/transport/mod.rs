//! Sending built messages: over SMTP, or into `.eml` files when no relay is configured.
//!
//! [`Mailer::send`] delivers one message and reports a [`Delivered`] receipt or a classified
//! [`DeliveryError`]. Logs name the outbox row and the `Message-ID`, never the recipient.

mod config;
mod error;
mod file;
mod smtp;

use std::path::PathBuf;

use lettre::address::Envelope;

pub use config::{
    AuthMechanism, ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_FILE_DIRECTORY,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_POOL_SIZE, DEFAULT_SEND_TIMEOUT, Security, SmtpConfig,
    SmtpCredentials, TransportConfig, is_loopback,
};
pub use error::DeliveryError;
pub use file::FileMailer;
pub use smtp::SmtpMailer;

use crate::message::Message;

/// The receipt of a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The `Message-ID` of the message.
    pub message_id: String,
    /// The relay's final reply code, such as 250, for SMTP.
    pub smtp_code: Option<u16>,
    /// The relay's final reply text, often with its queue id, for SMTP. Recipient addresses are
    /// replaced with `<recipient>`.
    pub server_text: String,
    /// The file written, for the file transport.
    pub path: Option<PathBuf>,
}

/// The destination of messages: an SMTP relay or a directory. Cloning shares the SMTP connection pool.
#[derive(Debug, Clone)]
pub enum Mailer {
    /// An SMTP relay.
    Smtp(SmtpMailer),
    /// A directory of `.eml` files.
    File(FileMailer),
}

impl Mailer {
    /// Builds the mailer for `config`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for SMTP settings that cannot work; see [`SmtpMailer::new`].
    pub fn from_config(config: &TransportConfig) -> Result<Self, ConfigError> {
        match config {
            TransportConfig::Smtp(smtp) => SmtpMailer::new(smtp).map(Mailer::Smtp),
            TransportConfig::File { directory } => {
                Ok(Mailer::File(FileMailer::new(directory.clone())))
            }
        }
    }

    /// Delivers one message. Several tasks may send through one mailer at once.
    ///
    /// # Errors
    ///
    /// [`DeliveryError`], whose [`DeliveryError::is_permanent`] shows whether a retry can help.
    pub async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await,
            Mailer::File(file) => file.send(message).await,
        }
    }

    /// Closes pooled connections. Call it before the process exits.
    pub async fn shutdown(&self) {
        if let Mailer::Smtp(smtp) = self {
            smtp.shutdown().await;
        }
    }
}

/// Replaces every envelope recipient address in `text` with `<recipient>`, ignoring case, so
/// that relay replies can be logged.
fn redact_recipients(text: &str, envelope: &Envelope) -> String {
    let mut out = text.to_owned();
    for address in envelope.to() {
        out = replace_ignoring_case(&out, address.as_ref(), "<recipient>");
    }
    out
}

fn replace_ignoring_case(text: &str, needle: &str, replacement: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let lower_text = text.to_lowercase();
    let lower_needle = needle.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII, so fall back to an exact match then.
    if lower_text.len() != text.len() || lower_needle.len() != needle.len() {
        return text.replace(needle, replacement);
    }

    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (start, _) in lower_text.match_indices(&lower_needle) {
        if start < rest {
            continue;
        }
        out.push_str(text.get(rest..start).unwrap_or_default());
        out.push_str(replacement);
        rest = start + needle.len();
    }
    out.push_str(text.get(rest..).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_redacted() {
        let envelope = Envelope::new(
            Some("a@example.com".parse().unwrap()),
            vec!["Maija@Example.com".parse().unwrap()],
        )
        .unwrap();
        let text = "5.1.1 <maija@example.com>: Recipient address rejected (MAIJA@EXAMPLE.COM)";
        assert_eq!(
            redact_recipients(text, &envelope),
            "5.1.1 <<recipient>>: Recipient address rejected (<recipient>)"
        );
    }

    #[test]
    fn redaction_keeps_other_text() {
        let cases = [
            ("", "x@y", ""),
            ("no address here", "x@y", "no address here"),
            ("ä x@y ö", "x@y", "ä <recipient> ö"),
        ];
        for (text, needle, expected) in cases {
            assert_eq!(replace_ignoring_case(text, needle, "<recipient>"), expected);
        }
    }
}
