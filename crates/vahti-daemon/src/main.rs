//! The Vahti daemon `vahtid`; see the `vahti_daemon` library for everything it does.

use std::process::ExitCode;

fn main() -> ExitCode {
    vahti_daemon::cli::main()
}
