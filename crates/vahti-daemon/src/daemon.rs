//! The commands that start after the configuration is loaded: `run`, `migrate` and
//! `copy-sqlite-to-postgres`.
//!
//! `run` already carries the process plumbing: directories, signals, reload, the systemd
//! notifications and watchdog, and the bounded drain. The store, actors, scheduler and HTTP API
//! plug in at the `TODO` marks.

use std::fs::DirBuilder;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::clock;
use crate::config::{Config, MailTransport};
use crate::metrics::Metrics;
use crate::reload::reload_log_filter;
use crate::shutdown::{ShutdownToken, Signals, drain_within};
use crate::systemd;
use crate::telemetry::LogFilterHandle;

/// The state that the start-up sequence passes to a command.
#[derive(Debug)]
pub struct Startup {
    /// The validated configuration.
    pub config: Config,
    /// The `--config` path, read again on SIGHUP.
    pub config_path: Option<PathBuf>,
    /// Changes the log filter of the running subscriber.
    pub log_filter: LogFilterHandle,
}

/// Runs the daemon until SIGTERM or SIGINT, then drains within `server.shutdown_timeout_seconds`.
pub fn run(startup: Startup) -> anyhow::Result<()> {
    prepare_directories(&startup.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")?;
    runtime.block_on(serve(startup))
}

async fn serve(startup: Startup) -> anyhow::Result<()> {
    let Startup {
        config,
        config_path,
        log_filter,
    } = startup;

    let shutdown = ShutdownToken::new();
    let signals = Signals::install().context("failed to install the signal handlers")?;
    let mut running = config.clone();
    tokio::spawn(signals.run(shutdown.clone(), move || {
        // TODO: reload collection policies here as well once the store is wired in.
        if let Some(loaded) = reload_log_filter(config_path.as_deref(), &running, &log_filter) {
            running = loaded;
        }
        std::future::ready(())
    }));

    let _clock = clock::from_config(&config.clock);
    let _metrics = Metrics::new(crate::cli::VERSION);
    // TODO: run migrations when database.migrate_on_start is set, open the store, start the
    // actors, the scheduler and the HTTP listener, and make the health check below real.
    let watchdog = systemd::spawn_watchdog(|| async { true });

    systemd::notify_ready();
    systemd::notify_status("running");
    tracing::info!(listen = %config.server.listen, "vahtid started");

    shutdown.triggered().await;
    systemd::notify_stopping();
    systemd::notify_status("stopping: finishing running work");
    // TODO: stop accepting requests and wait for the actors, scheduler and outbox here.
    let drained = drain_within(config.server.shutdown_timeout(), async {}).await;

    if let Some(watchdog) = watchdog {
        watchdog.abort();
    }
    match drained {
        Ok(()) => tracing::info!("vahtid stopped"),
        Err(_) => tracing::warn!("vahtid stopped before all work finished"),
    }
    Ok(())
}

/// Applies pending database migrations and exits.
pub fn migrate(startup: Startup) -> anyhow::Result<()> {
    prepare_directories(&startup.config)?;
    // TODO: run the embedded migrations of the store on startup.config.database.
    anyhow::bail!("`vahtid migrate` is not available in this build")
}

/// Copies all data from an SQLite database into an empty PostgreSQL database.
pub fn copy_sqlite_to_postgres(_startup: Startup, _from: &str, _to: &str) -> anyhow::Result<()> {
    // TODO: copy table by table through the store once it supports both backends.
    anyhow::bail!("`vahtid copy-sqlite-to-postgres` is not available in this build")
}

/// Creates the data directory and, for the file transport, the mail directory, with mode 0700
/// when they are missing. Existing directories keep their mode.
pub fn prepare_directories(config: &Config) -> anyhow::Result<()> {
    create_private_dir(&config.daemon.data_dir, "daemon.data_dir")?;
    if config.mail.transport == MailTransport::File {
        create_private_dir(&config.mail.file_dir, "mail.file_dir")?;
    }
    Ok(())
}

fn create_private_dir(path: &Path, key: &str) -> anyhow::Result<()> {
    if path.is_dir() {
        return Ok(());
    }
    match DirBuilder::new().recursive(true).mode(0o700).create(path) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created {key}");
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
            Err(error).with_context(|| {
                format!(
                    "failed to create {key} {}: permission denied; create it for the user that \
                     runs vahtid, or set {key} to a writable directory",
                    path.display()
                )
            })
        }
        Err(error) => {
            Err(error).with_context(|| format!("failed to create {key} {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::config::ProcessEnv;

    #[test]
    fn directories_created_private() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("state/vahti");
        let env = ProcessEnv::from_pairs([("VAHTI__DAEMON__DATA_DIR", data_dir.as_os_str())]);
        let config = Config::load_with(None, None, &env).unwrap();

        prepare_directories(&config).unwrap();

        let mode = std::fs::metadata(&data_dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(data_dir.join("mail").is_dir());
    }
}
