//! The settings of one run: clients for the tenant and operator tokens, and the output.

use std::time::Duration;

use vahti_sdk::Client;

use crate::cli::GlobalOptions;
use crate::error::CliError;
use crate::output::Output;

/// The settings every command uses: the global options and the output.
#[derive(Debug)]
pub struct Context {
    global: GlobalOptions,
    /// Standard output with this run's settings.
    pub out: Output,
}

impl Context {
    /// Creates the context of a run.
    pub fn new(global: GlobalOptions) -> Self {
        let out = Output::detect(global.json);
        Context { global, out }
    }

    /// Returns a client with the tenant's API token. Fails with a usage error when no token was
    /// given.
    pub fn client(&self) -> Result<Client, CliError> {
        let token = self.global.token.as_deref().ok_or_else(|| {
            CliError::Usage(
                "missing API token: pass --token or set VAHTI_TOKEN to a tenant's token".to_owned(),
            )
        })?;
        self.build(token)
    }

    /// Returns a client with the operator token. Fails with a usage error when no operator token
    /// was given.
    pub fn admin_client(&self) -> Result<Client, CliError> {
        let token = self.global.admin_token.as_deref().ok_or_else(|| {
            CliError::Usage(
                "missing operator token: pass --admin-token or set VAHTI_ADMIN_TOKEN".to_owned(),
            )
        })?;
        self.build(token)
    }

    fn build(&self, token: &str) -> Result<Client, CliError> {
        Client::builder()
            .base_url(&self.global.url)
            .token(token)
            .timeout(Duration::from_secs(self.global.timeout))
            .user_agent(concat!("vahti-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| CliError::Usage(error.to_string()))
    }
}
