//! The `vahti demo` command: a guided demonstration against a local daemon. This build has no
//! demonstration yet, so the command reports that and exits with a usage error.

use crate::error::CliError;

/// Runs the demonstration. This build has none, so it fails with a usage error.
pub async fn run() -> Result<(), CliError> {
    Err(CliError::Usage(
        "vahti demo: not available in this build".to_owned(),
    ))
}
