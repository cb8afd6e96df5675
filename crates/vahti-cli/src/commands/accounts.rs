//! `vahti accounts`: customer accounts.

use vahti_sdk::api::{Account, UpsertAccountRequest};

use super::{collect, fields, page_query};
use crate::cli::{AccountsCommand, UpsertAccountArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, or_dash};

pub async fn run(context: &Context, command: AccountsCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    match command {
        AccountsCommand::Upsert(args) => {
            let external_id = args.external_id.clone();
            let account = client
                .accounts()
                .upsert(&external_id, &upsert_request(args))
                .await?;
            if out.json {
                return out.json(&account);
            }
            show(out, &account)
        }
        AccountsCommand::List(args) => {
            let stream = client.accounts().list_all(page_query(&args));
            let accounts = collect(stream, args.limit).await?;
            if out.json {
                return out.json(&accounts);
            }
            let mut table = Table::new(&[
                ("ACCOUNT", Align::Left),
                ("NAME", Align::Left),
                ("TYPE", Align::Left),
                ("LOCALE", Align::Left),
                ("POLICY", Align::Left),
                ("PAUSED UNTIL", Align::Left),
                ("NEXT ACTION (UTC)", Align::Left),
            ]);
            for account in &accounts {
                table.push(vec![
                    account.external_id.clone(),
                    account.name.clone(),
                    account.debtor_type.to_string(),
                    account.locale.to_string(),
                    account.effective_policy.clone(),
                    or_dash(account.paused_until),
                    or_dash(account.next_action_at.map(instant)),
                ]);
            }
            out.table(&table, "no accounts")
        }
        AccountsCommand::Show { external_id } => {
            let account = client.accounts().get(&external_id).await?;
            if out.json {
                return out.json(&account);
            }
            show(out, &account)
        }
    }
}

fn upsert_request(args: UpsertAccountArgs) -> UpsertAccountRequest {
    UpsertAccountRequest {
        name: args.name,
        debtor_type: args.debtor_type,
        emails: args.emails,
        locale: args.locale,
        time_zone: args.time_zone,
        policy: args.policy,
        contact: None,
        electronic_demand_consent_until: args.consent_until,
    }
}

/// Writes an account as labelled lines.
pub fn show(out: &Output, account: &Account) -> Result<(), CliError> {
    fields(
        out,
        &[
            ("account", account.external_id.clone()),
            ("name", account.name.clone()),
            ("type", account.debtor_type.to_string()),
            ("emails", account.emails.join(", ")),
            ("locale", account.locale.to_string()),
            ("time zone", account.time_zone.clone()),
            ("policy", account.effective_policy.clone()),
            (
                "email demands until",
                or_dash(account.electronic_demand_consent_until),
            ),
            ("paused until", or_dash(account.paused_until)),
            (
                "next action (UTC)",
                or_dash(account.next_action_at.map(instant)),
            ),
        ],
    )
}
