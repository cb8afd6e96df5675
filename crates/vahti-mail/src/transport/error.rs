//! Delivery failures, classified as transient (retry later) or permanent (give up now).

use std::error::Error as _;
use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp;
use vahti_domain::ErrorCode;

/// Reply codes that mean the relay rejected our credentials or requires AUTH (RFC 4954 section 6).
/// They are 5xx, but the fault is in the transport settings, not the message, so retrying after
/// the operator fixes the settings delivers the message.
const AUTH_REPLY_CODES: [u16; 4] = [530, 534, 535, 538];

/// A message that was not delivered.
///
/// SMTP reply texts may quote the recipient address. [`Mailer::send`](super::Mailer::send)
/// replaces the envelope addresses with `<recipient>` before the text gets here, so the error
/// can go into logs and the event log as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The connection could not be opened or broke: refused, reset, or a name that did not
    /// resolve. Transient.
    #[error("the connection to the SMTP relay failed: {reason}")]
    Connection {
        /// The network layer's error message.
        reason: String,
    },

    /// The relay did not reply in time. Transient.
    #[error("the SMTP relay did not respond within {} ms", after.as_millis())]
    TimedOut {
        /// The time allowed.
        after: Duration,
    },

    /// The TLS handshake failed, for example on an untrusted certificate. Transient, because
    /// the certificate or the settings may be fixed.
    #[error("the TLS handshake with the SMTP relay failed: {reason}")]
    Tls {
        /// The TLS layer's error message.
        reason: String,
    },

    /// The relay's reply could not be read, usually because it closed the connection in the
    /// middle of a command. Transient; the relay may or may not have accepted the message.
    #[error("the SMTP relay's reply was incomplete or malformed: {reason}")]
    Protocol {
        /// lettre's error message.
        reason: String,
    },

    /// The relay and the settings do not fit, such as STARTTLS required but not offered, or no
    /// common AUTH mechanism. Transient, until the operator fixes the settings.
    #[error("the SMTP relay does not support the configured settings: {reason}")]
    Configuration {
        /// lettre's error message.
        reason: String,
    },

    /// The relay rejected the credentials or requires AUTH. Transient, until the operator fixes
    /// the credentials.
    #[error("the SMTP relay rejected authentication with {code} {text}: check the credentials")]
    Authentication {
        /// The reply code.
        code: u16,
        /// The reply text.
        text: String,
    },

    /// A 4xx reply: the relay defers the message to a later attempt.
    #[error("the SMTP relay deferred the message with {code} {text}")]
    TransientReply {
        /// The reply code.
        code: u16,
        /// The reply text.
        text: String,
    },

    /// A 5xx reply other than an AUTH failure: the relay refuses the message, for example an
    /// unknown recipient. Permanent.
    #[error("the SMTP relay rejected the message with {code} {text}")]
    PermanentReply {
        /// The reply code.
        code: u16,
        /// The reply text.
        text: String,
    },

    /// The transport was shut down. Transient; another process or a restart delivers it.
    #[error("the mail transport is shut down")]
    ShutDown,

    /// The `.eml` file could not be written. Transient.
    #[error("the message file {path:?} could not be written: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// The file system's error message.
        reason: String,
    },
}

impl DeliveryError {
    /// Whether retrying cannot help, so the message fails at once.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryError::PermanentReply { .. })
    }

    /// The SMTP reply code, for replies.
    pub fn smtp_code(&self) -> Option<u16> {
        match self {
            DeliveryError::Authentication { code, .. }
            | DeliveryError::TransientReply { code, .. }
            | DeliveryError::PermanentReply { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The text of the SMTP reply, for replies.
    pub fn server_text(&self) -> Option<&str> {
        match self {
            DeliveryError::Authentication { text, .. }
            | DeliveryError::TransientReply { text, .. }
            | DeliveryError::PermanentReply { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Classifies a lettre SMTP error. `connect_timeout` is the limit lettre applied when
    /// connecting, and `redact` removes recipient addresses from texts.
    pub(crate) fn from_smtp(
        error: &smtp::Error,
        connect_timeout: Duration,
        redact: impl Fn(&str) -> String,
    ) -> Self {
        let detail = || redact(&error_chain(error));

        if let Some(code) = error.status() {
            let code = u16::from(code);
            let text = redact(&error.source().map(ToString::to_string).unwrap_or_default());
            return if AUTH_REPLY_CODES.contains(&code) {
                DeliveryError::Authentication { code, text }
            } else if error.is_transient() {
                DeliveryError::TransientReply { code, text }
            } else {
                DeliveryError::PermanentReply { code, text }
            };
        }

        if error.is_timeout() {
            DeliveryError::TimedOut {
                after: connect_timeout,
            }
        } else if error.is_tls() || caused_by_tls(error) {
            DeliveryError::Tls { reason: detail() }
        } else if error.is_transport_shutdown() {
            DeliveryError::ShutDown
        } else if error.is_client() {
            DeliveryError::Configuration { reason: detail() }
        } else if error.is_response() {
            DeliveryError::Protocol { reason: detail() }
        } else {
            DeliveryError::Connection { reason: detail() }
        }
    }
}

/// The error and its causes joined with `: `, leaving out a cause whose text is already there.
fn error_chain(error: &smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Whether a rustls error is among the causes. lettre 0.11.23 reports a failed TLS handshake on
/// connect as a connection error, with the rustls error wrapped in an `io::Error`.
fn caused_by_tls(error: &smtp::Error) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        if cause.is::<rustls::Error>() {
            return true;
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io
                .get_ref()
                .is_some_and(|inner| inner.is::<rustls::Error>())
        {
            return true;
        }
        source = cause.source();
    }
    false
}

impl ErrorCode for DeliveryError {
    fn code(&self) -> &'static str {
        match self {
            DeliveryError::Connection { .. } => "smtp_connection_failed",
            DeliveryError::TimedOut { .. } => "smtp_timed_out",
            DeliveryError::Tls { .. } => "smtp_tls_failed",
            DeliveryError::Protocol { .. } => "smtp_protocol_error",
            DeliveryError::Configuration { .. } => "smtp_unsupported_settings",
            DeliveryError::Authentication { .. } => "smtp_authentication_failed",
            DeliveryError::TransientReply { .. } => "smtp_transient_reply",
            DeliveryError::PermanentReply { .. } => "smtp_permanent_reply",
            DeliveryError::ShutDown => "mail_transport_shut_down",
            DeliveryError::File { .. } => "mail_file_write_failed",
        }
    }
}
