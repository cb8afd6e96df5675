//! `vahti clock`: the daemon's manual clock, with the operator token.

use vahti_sdk::api::{Clock, ClockRequest};

use super::fields;
use crate::cli::ClockCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, instant};

pub async fn run(context: &Context, command: ClockCommand) -> Result<(), CliError> {
    let client = context.admin_client()?;
    let clock = client.admin().clock();
    let current = match command {
        ClockCommand::Show => clock.get().await?,
        ClockCommand::Set { at, wait } => {
            let request = ClockRequest {
                set: Some(at),
                advance_seconds: None,
                wait: !wait.no_wait,
            };
            clock.change(&request).await?
        }
        ClockCommand::Advance { seconds, wait } => {
            let request = ClockRequest {
                set: None,
                advance_seconds: Some(seconds),
                wait: !wait.no_wait,
            };
            clock.change(&request).await?
        }
    };
    let out = &context.out;
    if out.json {
        return out.json(&current);
    }
    show(out, &current)
}

fn show(out: &Output, clock: &Clock) -> Result<(), CliError> {
    fields(
        out,
        &[
            ("now (UTC)", instant(clock.now)),
            (
                "clock",
                if clock.manual { "manual" } else { "system" }.to_owned(),
            ),
        ],
    )
}
