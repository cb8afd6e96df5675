//! Guided mode: lists the actions that wait for approval and approves or skips them, one by one
//! at a prompt, or all at once by flag.
//!
//! ```sh
//! export VAHTI_URL=http://127.0.0.1:7878 VAHTI_TOKEN=vht_...
//! cargo run -p vahti-sdk --example approve_pending              # ask for each action
//! cargo run -p vahti-sdk --example approve_pending -- --list    # only list them
//! cargo run -p vahti-sdk --example approve_pending -- --approve-all
//! cargo run -p vahti-sdk --example approve_pending -- --skip-all "handled by phone"
//! ```

#![expect(
    clippy::print_stdout,
    reason = "an example prints its results for the reader"
)]

use std::io::{BufRead, Write};
use std::process::ExitCode;

use futures::TryStreamExt;
use vahti_sdk::api::{ApprovePendingRequest, PendingAction, PendingListQuery, SkipPendingRequest};
use vahti_sdk::{Client, SdkError};

/// The handling of each pending action.
enum Mode {
    List,
    ApproveAll,
    SkipAll(String),
    Ask,
}

/// A person's answer at the prompt.
enum Answer {
    Approve,
    Skip(String),
    Next,
    Quit,
}

#[tokio::main]
async fn main() -> ExitCode {
    let mode = match parse_mode(std::env::args().skip(1).collect()) {
        Ok(mode) => mode,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!("usage: approve_pending [--list | --approve-all | --skip-all REASON]");
            return ExitCode::from(2);
        }
    };
    let client = match client_from_env() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };

    match run(&client, mode).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse_mode(args: Vec<String>) -> Result<Mode, String> {
    match args.as_slice() {
        [] => Ok(Mode::Ask),
        [flag] if flag == "--list" => Ok(Mode::List),
        [flag] if flag == "--approve-all" => Ok(Mode::ApproveAll),
        [flag, reason] if flag == "--skip-all" && !reason.trim().is_empty() => {
            Ok(Mode::SkipAll(reason.clone()))
        }
        [flag] if flag == "--skip-all" => Err("missing reason after --skip-all".to_owned()),
        other => Err(format!("unexpected arguments {other:?}")),
    }
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

async fn run(client: &Client, mode: Mode) -> Result<(), SdkError> {
    // Read the whole list first: approving an action removes it from the pending list, which
    // would shift the pages of a listing that is still being read.
    let actions: Vec<PendingAction> = client
        .pending()
        .list_all(PendingListQuery::default())
        .try_collect()
        .await?;
    if actions.is_empty() {
        println!("no actions wait for approval");
        return Ok(());
    }

    for action in &actions {
        describe(action);
        let answer = match &mode {
            Mode::List => Answer::Next,
            Mode::ApproveAll => Answer::Approve,
            Mode::SkipAll(reason) => Answer::Skip(reason.clone()),
            Mode::Ask => ask().await,
        };
        match answer {
            Answer::Approve => {
                let approved = client
                    .pending()
                    .approve(action.id, &ApprovePendingRequest::default())
                    .await?;
                println!("  approved: {}", approved.state);
            }
            Answer::Skip(reason) => {
                let skipped = client
                    .pending()
                    .skip(action.id, &SkipPendingRequest { reason })
                    .await?;
                println!("  skipped: {}", skipped.state);
            }
            Answer::Next => {}
            Answer::Quit => break,
        }
    }
    Ok(())
}

fn describe(action: &PendingAction) {
    let totals: Vec<String> = action
        .totals
        .iter()
        .map(|total| format!("{} {}", total.amount, total.currency))
        .collect();
    println!(
        "#{} {} for account {}: {} ({})",
        action.id,
        action.step_kind,
        action.account,
        action.kind,
        totals.join(", ")
    );
    for invoice in &action.invoices {
        println!(
            "  {} at step {}: outstanding {} {}, fee {}",
            invoice.invoice, invoice.step, invoice.outstanding, invoice.currency, invoice.fee
        );
    }
}

/// Asks at the prompt what to do; reading stdin blocks, so it runs off the async threads.
async fn ask() -> Answer {
    let answer = tokio::task::spawn_blocking(|| -> std::io::Result<Answer> {
        let stdin = std::io::stdin();
        loop {
            print!("  [a]pprove, [s]kip, [n]ext, [q]uit? ");
            std::io::stdout().flush()?;
            let mut line = String::new();
            if stdin.lock().read_line(&mut line)? == 0 {
                return Ok(Answer::Quit);
            }
            match line.trim() {
                "a" => return Ok(Answer::Approve),
                "n" => return Ok(Answer::Next),
                "q" => return Ok(Answer::Quit),
                "s" => {
                    print!("  reason: ");
                    std::io::stdout().flush()?;
                    let mut reason = String::new();
                    stdin.lock().read_line(&mut reason)?;
                    let reason = reason.trim();
                    if !reason.is_empty() {
                        return Ok(Answer::Skip(reason.to_owned()));
                    }
                    println!("  a reason is required to skip");
                }
                _ => println!("  answer a, s, n or q"),
            }
        }
    })
    .await;
    match answer {
        Ok(Ok(answer)) => answer,
        _ => Answer::Quit,
    }
}
