//! Prints events as they happen, and saves the last sequence number in a file so that a
//! restart resumes where the previous run stopped.
//!
//! ```sh
//! export VAHTI_URL=http://127.0.0.1:7878 VAHTI_TOKEN=vht_...
//! cargo run -p vahti-sdk --example follow_events -- events.cursor
//! ```

#![expect(
    clippy::print_stdout,
    reason = "an example prints its results for the reader"
)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use futures::StreamExt;
use vahti_sdk::Client;

#[tokio::main]
async fn main() -> ExitCode {
    let cursor_file = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("vahti-events.cursor"), PathBuf::from);
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    let after = match load_cursor(&cursor_file) {
        Ok(after) => after,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(4);
        }
    };
    match after {
        Some(seq) => eprintln!(
            "resuming after event {seq} (from {})",
            cursor_file.display()
        ),
        None => eprintln!(
            "reading from the first event; saving progress in {}",
            cursor_file.display()
        ),
    }

    let mut events = client.events().stream_from(after);
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        println!(
            "{:>8}  {}  {:<22}  {:<12}  {}",
            event.seq,
            event.at.format("%Y-%m-%d %H:%M:%S"),
            event.event_type.as_str(),
            event.account.as_deref().unwrap_or("-"),
            event.invoice.as_deref().unwrap_or("-")
        );

        if let Some(seq) = events.last_seq()
            && let Err(error) = save_cursor(&cursor_file, seq)
        {
            eprintln!(
                "error: cannot save the cursor to {}: {error}",
                cursor_file.display()
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Builds a client from `VAHTI_URL` (default `http://127.0.0.1:7878`) and `VAHTI_TOKEN`.
fn client_from_env() -> Result<Client, String> {
    let url = std::env::var("VAHTI_URL").unwrap_or_else(|_| "http://127.0.0.1:7878".to_owned());
    let token = std::env::var("VAHTI_TOKEN")
        .map_err(|_| "missing VAHTI_TOKEN: set it to a tenant's API token".to_owned())?;
    Client::builder()
        .base_url(url)
        .token(token)
        .build()
        .map_err(|error| error.to_string())
}

/// Reads the saved sequence number; a missing file means "from the first event".
fn load_cursor(path: &Path) -> Result<Option<i64>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text.trim().parse::<i64>().map(Some).map_err(|_| {
            format!(
                "invalid cursor file {}: expected one sequence number, found {:?}; delete it to start from the first event",
                path.display(),
                text.trim()
            )
        }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("cannot read {}: {error}", path.display())),
    }
}

/// Saves the sequence number through a temporary file and a rename, so that a crash never
/// leaves a half-written cursor.
fn save_cursor(path: &Path, seq: i64) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, format!("{seq}\n"))?;
    std::fs::rename(&temporary, path)
}
