//! `vahti`: the command-line tool of Vahti, on the SDK.
//!
//! It reads the daemon's address from `--url` or `VAHTI_URL` (default
//! `http://127.0.0.1:7878`), the tenant's token from `--token` or `VAHTI_TOKEN`, and the
//! operator token for `tenants` from `--admin-token` or `VAHTI_ADMIN_TOKEN`. Exit codes: 0
//! success, 1 the server reported an error, 2 usage error, 3 connection error, 4 an input file
//! cannot be read or is invalid.

mod cli;
mod commands;
mod context;
mod demo;
mod error;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };

    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => error.report(),
    }
}
