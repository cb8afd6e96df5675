//! The errors of the command-line tool and the exit code of each.

use std::path::PathBuf;
use std::process::ExitCode;

use vahti_sdk::SdkError;

/// Exit code of a successful run.
pub const EXIT_OK: u8 = 0;
/// Exit code when the server reported an error or sent a response that cannot be read.
pub const EXIT_API: u8 = 1;
/// Exit code of a usage error: a missing or invalid option, or a command not in this build.
pub const EXIT_USAGE: u8 = 2;
/// Exit code when the server cannot be reached or does not respond in time.
pub const EXIT_CONNECTION: u8 = 3;
/// Exit code when an input file cannot be read or is invalid.
pub const EXIT_INPUT: u8 = 4;

/// The exit codes as shown at the end of `vahti --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  the server reported an error (its code, message and field are printed)
  2  usage error: a missing or invalid option or argument
  3  connection error: the server is unreachable or did not respond in time
  4  an input file cannot be read or is invalid";

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A request failed.
    #[error(transparent)]
    Sdk(#[from] SdkError),

    /// An option or argument is missing or invalid.
    #[error("{0}")]
    Usage(String),

    /// An input file cannot be read or is invalid.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// The problem found.
        message: String,
    },

    /// Several files of one command failed; each was reported as it failed.
    #[error("{failed} of {total} files failed")]
    Files {
        /// Number of failed files.
        failed: usize,
        /// Number of files given.
        total: usize,
        /// Exit code of the most serious failure.
        exit_code: u8,
    },

    /// Something went wrong inside this process, such as the demo's daemon failing to start.
    #[error("{0}")]
    Runtime(String),

    /// Writing to standard output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    /// Returns the exit code documented for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Sdk(error) => sdk_exit_code(error),
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Input { .. } => EXIT_INPUT,
            CliError::Files { exit_code, .. } => *exit_code,
            CliError::Runtime(_) => EXIT_API,
            CliError::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
            CliError::Output(_) => EXIT_API,
        }
    }

    /// Prints the error to standard error: the message, then the server's code, field and HTTP
    /// status when the server reported it.
    pub fn report(&self) -> ExitCode {
        let code = self.exit_code();
        if code == EXIT_OK {
            return ExitCode::SUCCESS;
        }

        eprintln!("error: {self}");
        if let CliError::Sdk(error) = self {
            if let Some(api) = error.api_error() {
                eprintln!("  code:   {}", api.code);
                if let Some(field) = &api.field {
                    eprintln!("  field:  {field}");
                }
            }
            if let Some(status) = error.status() {
                eprintln!("  status: HTTP {status}");
            }
        }
        ExitCode::from(code)
    }
}

/// Maps a client error to an exit code: transport failures are connection errors, arguments
/// the client rejected before sending are usage errors, and the rest came from the server.
fn sdk_exit_code(error: &SdkError) -> u8 {
    match error {
        SdkError::Connect { .. } | SdkError::Timeout { .. } | SdkError::Transport { .. } => {
            EXIT_CONNECTION
        }
        SdkError::InvalidArgument(_) | SdkError::Encode { .. } | SdkError::Config(_) => EXIT_USAGE,
        SdkError::BodyTooLarge { .. } => EXIT_INPUT,
        _ => EXIT_API,
    }
}

#[cfg(test)]
mod tests {
    use vahti_sdk::api::{ApiError, ErrorCode, ValidationError};

    use super::*;

    #[test]
    fn api_error_exits_with_one() {
        let error = CliError::Sdk(SdkError::Api {
            endpoint: "GET /v1/invoices/X".to_owned(),
            status: 404,
            error: ApiError::new(ErrorCode::InvoiceNotFound, "not found"),
            retry_after: None,
        });
        assert_eq!(error.exit_code(), EXIT_API);
    }

    #[test]
    fn rejected_argument_is_usage_error() {
        let error = CliError::Sdk(SdkError::InvalidArgument(
            ValidationError::ClockRequestInvalid,
        ));
        assert_eq!(error.exit_code(), EXIT_USAGE);
    }

    #[test]
    fn broken_pipe_is_success() {
        let error = CliError::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(error.exit_code(), EXIT_OK);
    }

    #[test]
    fn input_error_names_file() {
        let error = CliError::Input {
            path: PathBuf::from("policy.toml"),
            message: "invalid TOML".to_owned(),
        };
        assert_eq!(error.exit_code(), EXIT_INPUT);
        assert_eq!(error.to_string(), "policy.toml: invalid TOML");
    }
}
