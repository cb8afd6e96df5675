//! `vahti tokens`: the API tokens of the tenant.

use vahti_sdk::api::CreateTokenRequest;

use super::{collect, fields, page_query};
use crate::cli::TokensCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Table, instant, or_dash};

pub async fn run(context: &Context, command: TokensCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    match command {
        TokensCommand::Create { name } => {
            let created = client.tokens().create(&CreateTokenRequest { name }).await?;
            if out.json {
                return out.json(&created);
            }
            fields(
                out,
                &[
                    ("id", created.id.to_string()),
                    ("name", created.name.clone()),
                    ("token", created.token.clone()),
                ],
            )?;
            eprintln!("Store the token now: it is not shown again.");
            Ok(())
        }
        TokensCommand::List(args) => {
            let tokens = collect(client.tokens().list_all(page_query(&args)), args.limit).await?;
            if out.json {
                return out.json(&tokens);
            }
            let mut table = Table::new(&[
                ("ID", Align::Right),
                ("NAME", Align::Left),
                ("PREFIX", Align::Left),
                ("CREATED", Align::Left),
                ("LAST USED", Align::Left),
                ("REVOKED", Align::Left),
            ]);
            for token in &tokens {
                table.push(vec![
                    token.id.to_string(),
                    token.name.clone(),
                    token.prefix.clone(),
                    instant(token.created_at),
                    or_dash(token.last_used_at.map(instant)),
                    or_dash(token.revoked_at.map(instant)),
                ]);
            }
            out.table(&table, "no tokens")
        }
        TokensCommand::Revoke { id } => {
            let token = client.tokens().revoke(id).await?;
            if out.json {
                return out.json(&token);
            }
            out.line(format!("revoked token {} ({})", token.id, token.name))
        }
    }
}
