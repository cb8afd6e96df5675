//! The command line of `vahtid` and its start-up sequence: load the configuration, set up
//! logging, log the effective configuration, then hand over to the command.
//!
//! Exit codes: 0 success, 1 runtime error, 2 usage or configuration error.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vahti_domain::ErrorCode;

use crate::config::Config;
use crate::daemon::{self, Startup};
use crate::telemetry;

/// Success.
pub const EXIT_OK: u8 = 0;
/// The command failed while running.
pub const EXIT_RUNTIME_ERROR: u8 = 1;
/// The command line or the configuration is invalid.
pub const EXIT_USAGE_ERROR: u8 = 2;

/// The version of this build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The command line of `vahtid`.
#[derive(Debug, Parser)]
#[command(
    name = "vahtid",
    version,
    about = "Vahti daemon: watches open invoices and escalates overdue ones.",
    after_help = "Configuration is read from the built-in defaults, then /etc/vahti/vahti.toml \
                  (or the file given with --config), then VAHTI__SECTION__KEY environment \
                  variables such as VAHTI__SERVER__LISTEN. See docs/configuration.md.\n\n\
                  Exit codes: 0 success, 1 runtime error, 2 usage or configuration error."
)]
pub struct Cli {
    /// Read the configuration from this TOML file instead of /etc/vahti/vahti.toml. The file
    /// must exist.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// The command to run; `run` when none is given.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands of `vahtid`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Start the daemon and run until SIGTERM or SIGINT (the default command).
    Run,
    /// Apply pending database migrations to the configured database and exit.
    Migrate,
    /// Load and validate the configuration, print the effective configuration with secrets
    /// shown as ***, and exit with 0 when it is valid or 2 when it is not.
    CheckConfig,
    /// Copy all data from an SQLite database into an empty PostgreSQL database and exit.
    CopySqliteToPostgres {
        /// The SQLite database to read, as sqlite:///PATH or a file path.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The PostgreSQL database to write, as postgres://USER@HOST/DATABASE.
        #[arg(long, value_name = "URL")]
        to: String,
    },
}

/// Parses the command line, runs the command, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to standard output with code 0; usage errors use code 2.
            let _ = error.print();
            return exit_code(error.exit_code());
        }
    };

    let config_path = cli.config;
    match cli.command.unwrap_or(Command::Run) {
        Command::CheckConfig => check_config(config_path.as_deref()),
        Command::Run => start_and(config_path, daemon::run),
        Command::Migrate => start_and(config_path, daemon::migrate),
        Command::CopySqliteToPostgres { from, to } => start_and(config_path, move |startup| {
            daemon::copy_sqlite_to_postgres(startup, &from, &to)
        }),
    }
}

fn exit_code(code: i32) -> ExitCode {
    u8::try_from(code).map_or(ExitCode::from(EXIT_RUNTIME_ERROR), ExitCode::from)
}

/// Loads the configuration and prints it; nothing else starts.
fn check_config(config_path: Option<&Path>) -> ExitCode {
    let config = match Config::load(config_path) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("vahtid: invalid configuration ({}): {error}", error.code());
            return ExitCode::from(EXIT_USAGE_ERROR);
        }
    };

    let mut text =
        String::from("# The configuration is valid. Effective values, secrets shown as ***.\n");
    match &config.loaded_from.file {
        Some(path) => text.push_str(&format!("# File: {}\n", path.display())),
        None => text.push_str("# File: none, built-in defaults\n"),
    }
    if !config.loaded_from.variables.is_empty() {
        text.push_str(&format!(
            "# Environment variables: {}\n",
            config.loaded_from.variables.join(", ")
        ));
    }
    for notice in &config.notices {
        text.push_str(&format!("# Note: {notice}\n"));
    }
    text.push('\n');
    text.push_str(&config.redacted_summary());

    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("vahtid: failed to write the configuration: {error}");
            ExitCode::from(EXIT_RUNTIME_ERROR)
        }
    }
}

/// Runs the start-up sequence, then `command`.
fn start_and(
    config_path: Option<PathBuf>,
    command: impl FnOnce(Startup) -> anyhow::Result<()>,
) -> ExitCode {
    let config = match Config::load(config_path.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("vahtid: invalid configuration ({}): {error}", error.code());
            return ExitCode::from(EXIT_USAGE_ERROR);
        }
    };

    let log_filter = match telemetry::init(&config.log) {
        Ok(handle) => handle,
        Err(error) => {
            eprintln!(
                "vahtid: failed to set up logging ({}): {error}",
                error.code()
            );
            return ExitCode::from(EXIT_RUNTIME_ERROR);
        }
    };

    log_configuration(&config);

    let startup = Startup {
        config,
        config_path,
        log_filter,
    };
    match command(startup) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "vahtid failed");
            ExitCode::from(EXIT_RUNTIME_ERROR)
        }
    }
}

fn log_configuration(config: &Config) {
    let file = config
        .loaded_from
        .file
        .as_ref()
        .map_or_else(|| "none".to_owned(), |path| path.display().to_string());
    tracing::info!(
        version = VERSION,
        config.file = %file,
        config.variables = %config.loaded_from.variables.join(","),
        "vahtid starting"
    );
    for notice in &config.notices {
        tracing::info!("{notice}");
    }
    tracing::info!(
        configuration = %config.redacted_summary(),
        "effective configuration"
    );
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn cli_definition_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_means_run() {
        let cli = Cli::try_parse_from(["vahtid"]).unwrap();
        assert_eq!(cli.command, None);
    }

    #[test]
    fn config_accepted_after_command() {
        let cli = Cli::try_parse_from(["vahtid", "check-config", "--config", "/x.toml"]).unwrap();
        assert_eq!(cli.config, Some(PathBuf::from("/x.toml")));
        assert_eq!(cli.command, Some(Command::CheckConfig));
    }

    #[test]
    fn copy_requires_both_urls() {
        let error =
            Cli::try_parse_from(["vahtid", "copy-sqlite-to-postgres", "--from", "a"]).unwrap_err();
        assert_eq!(error.exit_code(), 2);
    }
}
