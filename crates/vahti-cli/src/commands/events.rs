//! `vahti events`: the event log, once or followed.

use futures::StreamExt;
use vahti_sdk::api::{Event, EventsQuery};

use crate::cli::EventsArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, or_dash};

pub async fn run(context: &Context, args: EventsArgs) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;

    if !args.follow {
        let query = EventsQuery {
            after: args.after,
            limit: Some(args.limit),
            wait: Some(0),
        };
        let response = client.events().list(&query).await?;
        if out.json {
            return out.json(&response);
        }
        let mut table = Table::new(&COLUMNS);
        for event in &response.events {
            table.push(row(event));
        }
        out.table(&table, "no events")?;
        eprintln!("continue with --after {}", response.next_after);
        return Ok(());
    }

    let mut events = client.events().stream_from(args.after);
    while let Some(event) = events.next().await {
        let event = event?;
        print_followed(out, &event)?;
    }
    Ok(())
}

const COLUMNS: [(&str, Align); 5] = [
    ("SEQ", Align::Right),
    ("AT (UTC)", Align::Left),
    ("TYPE", Align::Left),
    ("ACCOUNT", Align::Left),
    ("INVOICE", Align::Left),
];

fn row(event: &Event) -> Vec<String> {
    vec![
        event.seq.to_string(),
        instant(event.at),
        event.event_type.to_string(),
        or_dash(event.account.as_deref()),
        or_dash(event.invoice.as_deref()),
    ]
}

/// Writes one followed event: a JSON line with `--json`, otherwise a line with fixed column
/// widths, because the widths of later events are not known yet.
fn print_followed(out: &Output, event: &Event) -> Result<(), CliError> {
    if out.json {
        return out.json_line(event);
    }
    out.line(format!(
        "{:>8}  {}  {:<24}  {:<16}  {}",
        event.seq,
        instant(event.at),
        event.event_type.as_str(),
        or_dash(event.account.as_deref()),
        or_dash(event.invoice.as_deref())
    ))
}
