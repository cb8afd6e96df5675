//! `vahti tenants`: tenants, with the operator token.

use vahti_sdk::api::{ContactInput, CreateTenantRequest, Tenant};

use super::{collect, fields, page_query};
use crate::cli::{CreateTenantArgs, TenantsCommand};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, iban, instant, or_dash};

pub async fn run(context: &Context, command: TenantsCommand) -> Result<(), CliError> {
    let client = context.admin_client()?;
    let out = &context.out;
    match command {
        TenantsCommand::Create(args) => {
            let created = client
                .admin()
                .tenants()
                .create(&create_request(*args))
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
    let has_contact = !args.address_lines.is_empty()
        || args.postal_code.is_some()
        || args.city.is_some()
        || args.country.is_some()
        || args.phone.is_some();
    let contact = has_contact.then_some(ContactInput {
        address_lines: args.address_lines,
        postal_code: args.postal_code,
        city: args.city,
        country: args.country,
        phone: args.phone,
    });
    CreateTenantRequest {
        name: args.name,
        business_id: args.business_id,
        time_zone: args.time_zone,
        locale: args.locale,
        sender_email: args.sender_email,
        reply_to: args.reply_to,
        iban: args.iban,
        bic: args.bic,
        contact,
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
            ("address", or_dash(address(tenant))),
            ("phone", or_dash(tenant.contact.phone.as_deref())),
            ("iban", or_dash(tenant.iban.as_deref().map(iban))),
            ("bic", or_dash(tenant.bic.as_deref())),
            ("active", yes_no(tenant.active)),
            ("created", instant(tenant.created_at)),
            ("updated", instant(tenant.updated_at)),
        ],
    )
}

/// The tenant's postal address on one line, or `None` when it has none.
fn address(tenant: &Tenant) -> Option<String> {
    let contact = &tenant.contact;
    let city_line = [contact.postal_code.as_deref(), contact.city.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<&str> = contact
        .address_lines
        .iter()
        .map(String::as_str)
        .chain([city_line.as_str()])
        .chain(contact.country.as_deref())
        .filter(|part| !part.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_owned()
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parsed_args(extra: &[&str]) -> CreateTenantArgs {
        let args = ["vahti", "tenants", "create", "--name", "Acme Oy"]
            .into_iter()
            .chain(extra.iter().copied());
        let Command::Tenants(TenantsCommand::Create(args)) = Cli::parse_from(args).command else {
            panic!("parsed another command");
        };
        *args
    }

    #[test]
    fn create_sends_address_fields() {
        let args = parsed_args(&[
            "--address-line",
            "Paahtimonkuja 4",
            "--postal-code",
            "33470",
            "--city",
            "Ylöjärvi",
            "--country",
            "FI",
        ]);

        let contact = create_request(args).contact.unwrap();
        assert_eq!(contact.address_lines, ["Paahtimonkuja 4"]);
        assert_eq!(contact.postal_code.as_deref(), Some("33470"));
        assert_eq!(contact.city.as_deref(), Some("Ylöjärvi"));
        assert_eq!(contact.country.as_deref(), Some("FI"));
        assert_eq!(contact.phone, None);
    }

    #[test]
    fn create_without_address_sends_no_contact() {
        assert_eq!(create_request(parsed_args(&[])).contact, None);
    }
}
