//! `vahti tenants`: tenants, with the operator token.

use vahti_sdk::api::{CreateTenantRequest, Tenant};

use super::{collect, fields, page_query};
use crate::cli::{CreateTenantArgs, TenantsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, or_dash};

pub async fn run(context: &Context, command: TenantsCommand) -> Result<(), CliError> {
    let client = context.admin_client()?;
    let out = &context.out;
    match command {
        TenantsCommand::Create(args) => {
            let created = client
                .admin()
                .tenants()
                .create(&create_request(args))
                .await?;
            if out.json {
                return out.json(&created);
            }
            show(out, &created.tenant)?;
            out.line("")?;
            fields(
                out,
                &[
                    ("token id", created.token.id.to_string()),
                    ("token name", created.token.name.clone()),
                    ("token", created.token.token.clone()),
                ],
            )?;
            eprintln!("Store the token now: it is not shown again.");
            Ok(())
        }
        TenantsCommand::List(args) => {
            let stream = client.admin().tenants().list_all(page_query(&args));
            let tenants = collect(stream, args.limit).await?;
            if out.json {
                return out.json(&tenants);
            }
            let mut table = Table::new(&[
                ("ID", Align::Right),
                ("NAME", Align::Left),
                ("BUSINESS ID", Align::Left),
                ("TIME ZONE", Align::Left),
                ("LOCALE", Align::Left),
                ("ACTIVE", Align::Left),
            ]);
            for tenant in &tenants {
                table.push(vec![
                    tenant.id.to_string(),
                    tenant.name.clone(),
                    or_dash(tenant.business_id.as_deref()),
                    tenant.time_zone.clone(),
                    tenant.locale.to_string(),
                    yes_no(tenant.active),
                ]);
            }
            out.table(&table, "no tenants")
        }
        TenantsCommand::Show { id } => {
            let tenant = client.admin().tenants().get(id).await?;
            if out.json {
                return out.json(&tenant);
            }
            show(out, &tenant)
        }
    }
}

fn create_request(args: CreateTenantArgs) -> CreateTenantRequest {
    CreateTenantRequest {
        name: args.name,
        business_id: args.business_id,
        time_zone: args.time_zone,
        locale: args.locale,
        sender_email: args.sender_email,
        reply_to: args.reply_to,
        iban: args.iban,
        bic: args.bic,
        contact: None,
        token_name: args.token_name,
    }
}

fn show(out: &Output, tenant: &Tenant) -> Result<(), CliError> {
    fields(
        out,
        &[
            ("id", tenant.id.to_string()),
            ("name", tenant.name.clone()),
            ("business id", or_dash(tenant.business_id.as_deref())),
            ("time zone", tenant.time_zone.clone()),
            ("locale", tenant.locale.to_string()),
            ("sender email", or_dash(tenant.sender_email.as_deref())),
            ("reply to", or_dash(tenant.reply_to.as_deref())),
            ("iban", or_dash(tenant.iban.as_deref())),
            ("bic", or_dash(tenant.bic.as_deref())),
            ("active", yes_no(tenant.active)),
            ("created", instant(tenant.created_at)),
            ("updated", instant(tenant.updated_at)),
        ],
    )
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}
