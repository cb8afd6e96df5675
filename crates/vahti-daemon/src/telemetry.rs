//! Logging: a `tracing` subscriber that writes text, JSON or journald entries, with a filter that
//! can be changed while the daemon runs (on SIGHUP).
//!
//! Conventions, also in `docs/logging.md`:
//! - A message states what happened in plain words, and the details go in fields.
//! - Ids are fields with dotted names: `tenant.id`, `account.id`, `invoice.id`, `request.id`.
//! - Units are part of the name: `duration_ms`, `size_bytes`, `delay_seconds`.
//! - Never log debtor names, email addresses, IBANs, tokens, passwords or message bodies; log the
//!   id of the record instead.
//! - Levels: `error` needs a person, `warn` is handled but unusual, `info` marks starts, stops
//!   and state changes, `debug` and `trace` are for developers.

use std::io::{self, IsTerminal};
use std::sync::{Arc, Mutex, PoisonError};

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Layered, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};
use vahti_domain::ErrorCode;

use crate::config::{LogConfig, LogFormat};

/// An error in setting up or changing logging.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The filter is not valid `EnvFilter` syntax.
    #[error(
        "invalid log filter {directives:?}: {message}; use a level such as \"info\", or \
         directives such as \"info,vahti_daemon=debug\""
    )]
    InvalidFilter {
        /// The filter as given.
        directives: String,
        /// The parser's message.
        message: String,
    },

    /// The journald socket could not be opened.
    #[error(
        "cannot log to journald: {error}; is systemd-journald running? Set log.format = \"text\" \
         to log to standard error instead"
    )]
    JournaldUnavailable {
        /// The error from opening the socket.
        #[source]
        error: io::Error,
    },

    /// A global subscriber is already installed in this process.
    #[error("logging is already set up in this process: {message}")]
    AlreadyInitialized {
        /// The message from `tracing`.
        message: String,
    },

    /// The running subscriber is gone, so its filter cannot be changed.
    #[error("cannot change the log filter: {message}")]
    ReloadFailed {
        /// The message from `tracing_subscriber`.
        message: String,
    },
}

impl ErrorCode for TelemetryError {
    fn code(&self) -> &'static str {
        match self {
            TelemetryError::InvalidFilter { .. } => "log_filter_invalid",
            TelemetryError::JournaldUnavailable { .. } => "log_journald_unavailable",
            TelemetryError::AlreadyInitialized { .. } => "log_already_initialized",
            TelemetryError::ReloadFailed { .. } => "log_reload_failed",
        }
    }
}

/// The registry with the reloadable filter, which the output layer sits on.
type Filtered = Layered<reload::Layer<EnvFilter, Registry>, Registry>;

/// A handle that changes the log filter of a running subscriber.
#[derive(Clone)]
pub struct LogFilterHandle {
    handle: reload::Handle<EnvFilter, Registry>,
    directives: Arc<Mutex<String>>,
}

impl std::fmt::Debug for LogFilterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogFilterHandle")
            .field("directives", &self.current())
            .finish()
    }
}

impl LogFilterHandle {
    /// Returns the filter in force, as it was given.
    pub fn current(&self) -> String {
        self.directives
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the filter. On error the old filter stays in force.
    pub fn set(&self, directives: &str) -> Result<(), TelemetryError> {
        let filter = parse_filter(directives)?;
        self.handle
            .reload(filter)
            .map_err(|error| TelemetryError::ReloadFailed {
                message: error.to_string(),
            })?;
        *self
            .directives
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = directives.to_owned();
        Ok(())
    }
}

fn parse_filter(directives: &str) -> Result<EnvFilter, TelemetryError> {
    EnvFilter::builder()
        .parse(directives)
        .map_err(|error| TelemetryError::InvalidFilter {
            directives: directives.to_owned(),
            message: error.to_string(),
        })
}

/// Installs the global subscriber for `config`, writing text and JSON to standard error.
///
/// Call it once, early in `main`. Events from the `log` crate are forwarded to it too.
pub fn init(config: &LogConfig) -> Result<LogFilterHandle, TelemetryError> {
    let (subscriber, handle) = build(config, io::stderr, io::stderr().is_terminal())?;
    subscriber
        .try_init()
        .map_err(|error| TelemetryError::AlreadyInitialized {
            message: error.to_string(),
        })?;
    Ok(handle)
}

/// Builds a subscriber for `config` that writes text and JSON to `writer`, without installing it.
/// `ansi` turns on colours in the text format.
pub fn build<W>(
    config: &LogConfig,
    writer: W,
    ansi: bool,
) -> Result<
    (
        impl tracing::Subscriber + Send + Sync + 'static,
        LogFilterHandle,
    ),
    TelemetryError,
>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let (filter, handle) = reload::Layer::new(parse_filter(&config.level)?);

    let output: Box<dyn Layer<Filtered> + Send + Sync> = match config.format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(writer)
            .boxed(),
        // Without the default `F_` prefix, `account.id` becomes the journal field ACCOUNT_ID.
        LogFormat::Journald => tracing_journald::layer()
            .map_err(|error| TelemetryError::JournaldUnavailable { error })?
            .with_field_prefix(None)
            .boxed(),
    };

    let subscriber = Registry::default().with(filter).with(output);
    let handle = LogFilterHandle {
        handle,
        directives: Arc::new(Mutex::new(config.level.clone())),
    };
    Ok((subscriber, handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that keeps everything written to it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'writer> MakeWriter<'writer> for Captured {
        type Writer = Captured;

        fn make_writer(&'writer self) -> Self::Writer {
            self.clone()
        }
    }

    fn log_config(format: LogFormat, level: &str) -> LogConfig {
        LogConfig {
            format,
            level: level.to_owned(),
        }
    }

    #[test]
    fn text_respects_level() {
        let captured = Captured::default();
        let (subscriber, _) = build(
            &log_config(LogFormat::Text, "info"),
            captured.clone(),
            false,
        )
        .unwrap();

        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!("hidden detail");
            tracing::info!(account.id = 42, "account woken");
        });

        let text = captured.text();
        assert!(!text.contains("hidden detail"), "{text}");
        assert!(text.contains("account woken"), "{text}");
        assert!(text.contains("account.id=42"), "{text}");
    }

    #[test]
    fn filter_change_takes_effect() {
        let captured = Captured::default();
        let (subscriber, handle) = build(
            &log_config(LogFormat::Text, "info"),
            captured.clone(),
            false,
        )
        .unwrap();

        tracing::subscriber::with_default(subscriber, || {
            handle.set("debug").unwrap();
            tracing::debug!("now visible");
        });

        assert!(captured.text().contains("now visible"));
        assert_eq!(handle.current(), "debug");
    }

    #[test]
    fn invalid_filter_keeps_old_one() {
        let captured = Captured::default();
        let (_subscriber, handle) =
            build(&log_config(LogFormat::Text, "warn"), captured, false).unwrap();

        let error = handle.set("info,[").unwrap_err();

        assert_eq!(error.code(), "log_filter_invalid");
        assert_eq!(handle.current(), "warn");
    }

    #[test]
    fn json_has_flat_fields() {
        let captured = Captured::default();
        let (subscriber, _) = build(
            &log_config(LogFormat::Json, "info"),
            captured.clone(),
            false,
        )
        .unwrap();

        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(tenant.id = 7, duration_ms = 12, "reminder sent");
        });

        let line: serde_json::Value = serde_json::from_str(captured.text().trim()).unwrap();
        assert_eq!(line["message"], "reminder sent");
        assert_eq!(line["tenant.id"], 7);
        assert_eq!(line["duration_ms"], 12);
        assert_eq!(line["level"], "INFO");
    }
}
