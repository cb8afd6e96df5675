//! `vahti webhooks`: the endpoints that receive the tenant's events, and their deliveries.

use vahti_sdk::api::webhooks::ALL_EVENT_TYPES;
use vahti_sdk::api::{CreateWebhookRequest, DeliveriesQuery, WebhookDelivery};

use super::{collect, fields, page_query, page_size};
use crate::cli::WebhooksCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant, or_dash};

pub async fn run(context: &Context, command: WebhooksCommand) -> Result<(), CliError> {
    let client = context.client()?;
    let out = &context.out;
    match command {
        WebhooksCommand::List(args) => {
            let webhooks =
                collect(client.webhooks().list_all(page_query(&args)), args.limit).await?;
            if out.json {
                return out.json(&webhooks);
            }
            let mut table = Table::new(&[
                ("ID", Align::Right),
                ("URL", Align::Left),
                ("EVENTS", Align::Left),
                ("ENABLED", Align::Left),
                ("FAILURES", Align::Right),
                ("LAST SUCCESS", Align::Left),
            ]);
            for webhook in &webhooks {
                table.push(vec![
                    webhook.id.to_string(),
                    webhook.url.clone(),
                    webhook.event_types.join(","),
                    if webhook.enabled { "yes" } else { "no" }.to_owned(),
                    webhook.consecutive_failures.to_string(),
                    or_dash(webhook.last_success_at.map(instant)),
                ]);
            }
            out.table(&table, "no webhook endpoints")
        }
        WebhooksCommand::Create(args) => {
            let event_types = if args.events.is_empty() {
                vec![ALL_EVENT_TYPES.to_owned()]
            } else {
                args.events
            };
            let request = CreateWebhookRequest {
                url: args.endpoint,
                event_types,
                description: args.description,
            };
            let created = client.webhooks().create(&request).await?;
            if out.json {
                return out.json(&created);
            }
            fields(
                out,
                &[
                    ("id", created.webhook.id.to_string()),
                    ("url", created.webhook.url.clone()),
                    ("events", created.webhook.event_types.join(",")),
                    ("secret", created.secret.clone()),
                ],
            )?;
            eprintln!("Store the secret now: it is not shown again.");
            Ok(())
        }
        WebhooksCommand::Rotate { id } => {
            let rotated = client.webhooks().rotate_secret(id).await?;
            if out.json {
                return out.json(&rotated);
            }
            fields(
                out,
                &[
                    ("secret", rotated.secret.clone()),
                    ("previous expires", instant(rotated.previous_expires_at)),
                ],
            )?;
            eprintln!("Store the secret now: it is not shown again.");
            Ok(())
        }
        WebhooksCommand::Deliveries(args) => {
            let query = DeliveriesQuery {
                cursor: None,
                limit: page_size(args.list.limit),
                state: args.state,
            };
            let deliveries = collect(
                client.webhooks().deliveries_all(args.id, query),
                args.list.limit,
            )
            .await?;
            deliveries_table(out, &deliveries)
        }
        WebhooksCommand::Redeliver { id, delivery_id } => {
            let delivery = client.webhooks().redeliver(id, delivery_id).await?;
            if out.json {
                return out.json(&delivery);
            }
            out.line(format!(
                "queued event {} again as delivery {}",
                delivery.event_seq, delivery.id
            ))
        }
    }
}

fn deliveries_table(out: &Output, deliveries: &[WebhookDelivery]) -> Result<(), CliError> {
    if out.json {
        return out.json(&deliveries);
    }
    let mut table = Table::new(&[
        ("ID", Align::Right),
        ("EVENT", Align::Right),
        ("TYPE", Align::Left),
        ("STATE", Align::Left),
        ("ATTEMPTS", Align::Right),
        ("CREATED", Align::Left),
        ("LAST ERROR", Align::Left),
    ]);
    for delivery in deliveries {
        table.push(vec![
            delivery.id.to_string(),
            delivery.event_seq.to_string(),
            delivery.event_type.as_str().to_owned(),
            delivery.state.to_string(),
            delivery.attempts.len().to_string(),
            instant(delivery.created_at),
            or_dash(delivery.last_error.clone()),
        ]);
    }
    out.table(&table, "no deliveries")
}
