//! The commands: each module runs one group of them against the API.

mod accounts;
mod cases;
mod clock;
mod collection;
mod events;
mod imports;
mod invoices;
mod payments;
mod pending;
mod policies;
mod reports;
mod tenants;
mod tokens;
mod webhooks;

use clap::CommandFactory;
use futures::{StreamExt, TryStreamExt};
use vahti_sdk::api::PageQuery;
use vahti_sdk::{ItemStream, SdkError};

use crate::cli::{Cli, Command, ListArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;

/// Runs the parsed command.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let context = Context::new(cli.global);
    match cli.command {
        Command::Tenants(command) => tenants::run(&context, command).await,
        Command::Clock(command) => clock::run(&context, command).await,
        Command::Tokens(command) => tokens::run(&context, command).await,
        Command::Accounts(command) => accounts::run(&context, command).await,
        Command::Invoices(command) => invoices::run(&context, command).await,
        Command::Payments(command) => payments::run(&context, command).await,
        Command::Policies(command) => policies::run(&context, command).await,
        Command::Pending(command) => pending::run(&context, command).await,
        Command::Webhooks(command) => webhooks::run(&context, command).await,
        Command::Cases(command) => cases::run(&context, command).await,
        Command::Pause(args) => collection::pause(&context, args).await,
        Command::Resume(args) => collection::resume(&context, args).await,
        Command::Dispute(command) => collection::dispute(&context, command).await,
        Command::Promise(args) => collection::promise(&context, args).await,
        Command::Remind(args) => collection::remind(&context, args).await,
        Command::Status(args) => reports::status(&context, args).await,
        Command::Aging(args) => reports::aging(&context, args).await,
        Command::Events(args) => events::run(&context, args).await,
        Command::Completions(args) => completions(args.shell),
        Command::Demo(args) => {
            crate::demo::run(crate::demo::DemoOptions {
                days: args.days,
                out: args.out,
            })
            .await
        }
    }
}

/// Writes the completion script of `shell` to standard output.
fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "vahti", &mut script);
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, &script)?;
    Ok(())
}

/// Returns the query of the first page of a list command: a page of the requested size, up to
/// the API's maximum of 1000.
fn page_query(args: &ListArgs) -> PageQuery {
    PageQuery {
        cursor: None,
        limit: page_size(args.limit),
    }
}

/// Returns the page size for printing at most `limit` items.
fn page_size(limit: Option<usize>) -> Option<u32> {
    limit.map(|limit| u32::try_from(limit.clamp(1, 1000)).unwrap_or(1000))
}

/// Reads at most `limit` items of a list, or all of them.
async fn collect<T>(stream: ItemStream<T>, limit: Option<usize>) -> Result<Vec<T>, SdkError> {
    match limit {
        Some(limit) => stream.take(limit).try_collect().await,
        None => stream.try_collect().await,
    }
}

/// Writes labelled values as aligned `label  value` lines.
fn fields(out: &Output, rows: &[(&str, String)]) -> Result<(), CliError> {
    let width = rows
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        let padding = width.saturating_sub(label.chars().count());
        out.line(format!("{label}:{}  {value}", " ".repeat(padding)))?;
    }
    Ok(())
}
