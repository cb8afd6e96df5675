//! The demo's timeline: one row per message, approval, letter or payment, built from the events.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Helsinki;
use vahti_sdk::api::{Event, EventType, PendingAction, UpsertAccountRequest};

use super::text;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    date: NaiveDate,
    account: String,
    what: String,
    invoices: Vec<String>,
    amount: String,
    file: String,
}

/// Collects rows from events as the demo runs.
#[derive(Debug)]
pub struct Timeline {
    names: BTreeMap<String, String>,
    rows: Vec<Row>,
    /// Rows of emails by Message-ID, so that the steps of one email share a row.
    emails: BTreeMap<String, usize>,
}

impl Timeline {
    /// An empty timeline that names accounts by the given requests.
    pub fn new(accounts: &BTreeMap<String, UpsertAccountRequest>) -> Self {
        Timeline {
            names: accounts
                .iter()
                .map(|(id, account)| (id.clone(), account.name.clone()))
                .collect(),
            rows: Vec::new(),
            emails: BTreeMap::new(),
        }
    }

    /// Adds the row an event stands for, if any. Returns the id of the pending action when the
    /// event is a letter to send by post, which the demo approves as the creditor would.
    pub fn record(&mut self, event: &Event) -> Option<i64> {
        let date = local_date(event.at);
        let account = event.account.clone().unwrap_or_default();
        let invoice = event
            .invoice
            .as_deref()
            .map(invoice_number)
            .unwrap_or_default();
        let data = &event.data;

        match event.event_type {
            EventType::StepSent => {
                // A letter's steps become sent when it is approved, and its row is already there.
                if data.get("pending_action").is_some() {
                    return None;
                }
                let message_id = text(data, "message_id").unwrap_or_default();
                if let Some(&index) = self.emails.get(&message_id) {
                    if let Some(row) = self.rows.get_mut(index)
                        && !row.invoices.contains(&invoice)
                    {
                        row.invoices.push(invoice);
                    }
                    return None;
                }
                let mut invoices = invoice_list(data);
                if invoices.is_empty() {
                    invoices.push(invoice);
                }
                let amount = match (text(data, "total"), text(data, "currency")) {
                    (Some(total), Some(currency)) => format!("{total} {currency}"),
                    _ => String::new(),
                };
                self.emails.insert(message_id.clone(), self.rows.len());
                self.rows.push(Row {
                    date,
                    account,
                    what: format!("email: {}", kind_name(data)),
                    invoices,
                    amount,
                    file: file_name(&message_id),
                });
            }
            EventType::ApprovalNeeded => self.rows.push(Row {
                date,
                account,
                what: format!("{} waiting for approval", kind_name(data)),
                invoices: invoice_list(data),
                amount: String::new(),
                file: String::new(),
            }),
            EventType::ManualTaskCreated => {
                let letter = text(data, "kind").as_deref() == Some("letter");
                self.rows.push(Row {
                    date,
                    account,
                    what: if letter {
                        format!("letter to send by post: {}", kind_name(data))
                    } else {
                        format!("task for a person: {}", kind_name(data))
                    },
                    invoices: Vec::new(),
                    amount: String::new(),
                    file: String::new(),
                });
                if letter {
                    return data
                        .get("pending_action")
                        .and_then(serde_json::Value::as_i64);
                }
            }
            EventType::PaymentMatched | EventType::PaymentUnmatched => self.rows.push(Row {
                date,
                account,
                what: if event.event_type == EventType::PaymentMatched {
                    "payment matched".to_owned()
                } else {
                    "payment without a matching invoice".to_owned()
                },
                invoices: if invoice.is_empty() {
                    Vec::new()
                } else {
                    vec![invoice]
                },
                amount: match (
                    text(data, "allocated").or_else(|| text(data, "amount")),
                    text(data, "currency"),
                ) {
                    (Some(amount), Some(currency)) => format!("{amount} {currency}"),
                    _ => String::new(),
                },
                file: String::new(),
            }),
            EventType::InvoicePaid => self.rows.push(Row {
                date,
                account,
                what: "invoice paid in full".to_owned(),
                invoices: vec![invoice],
                amount: String::new(),
                file: String::new(),
            }),
            _ => {}
        }
        None
    }

    /// Completes the row of the letter that the demo approved with its invoices and total.
    pub fn note_letter_approved(&mut self, action: &PendingAction) {
        let Some(row) = self
            .rows
            .iter_mut()
            .rev()
            .find(|row| row.account == action.account && row.what.starts_with("letter"))
        else {
            return;
        };
        row.what.push_str(", approved by the demo");
        row.invoices = action
            .invoices
            .iter()
            .map(|invoice| invoice_number(&invoice.invoice))
            .collect();
        row.amount = action
            .totals
            .iter()
            .map(|total| format!("{} {}", total.amount, total.currency))
            .collect::<Vec<_>>()
            .join(", ");
    }

    /// Notes the import of a bank file on `date`.
    pub fn note_import(
        &mut self,
        date: NaiveDate,
        name: &str,
        created: u32,
        duplicates: u32,
        warnings: usize,
    ) {
        self.rows.push(Row {
            date,
            account: String::new(),
            what: format!(
                "bank file {name} imported: {created} payments, {duplicates} duplicates, {warnings} warnings"
            ),
            invoices: Vec::new(),
            amount: String::new(),
            file: String::new(),
        });
    }

    /// Prints the timeline as a table.
    pub fn print(&self) {
        println!();
        println!(
            "{}",
            table_line([
                "date",
                "account",
                "what",
                "invoices",
                "amount",
                "email file"
            ])
        );
        for row in &self.rows {
            let account = match self.names.get(&row.account) {
                Some(name) => format!("{} {}", row.account, name),
                None => row.account.clone(),
            };
            let date = row.date.to_string();
            let invoices = row.invoices.join(", ");
            println!(
                "{}",
                table_line([
                    &date,
                    &truncate(&account, 28),
                    &row.what,
                    &invoices,
                    &row.amount,
                    &row.file,
                ])
            );
        }
    }
}

/// One line of the timeline table, columns padded to their widths.
fn table_line([date, account, what, invoices, amount, file]: [&str; 6]) -> String {
    format!("{date:<10}  {account:<28}  {what:<46}  {invoices:<16}  {amount:>14}  {file}")
}

fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Helsinki).date_naive()
}

/// A readable name of the step kind in an event's data.
fn kind_name(data: &serde_json::Value) -> String {
    match text(data, "step_kind").as_deref() {
        Some("friendly_reminder") => "friendly reminder".to_owned(),
        Some("reminder") => "reminder".to_owned(),
        Some("final_demand") => "final demand".to_owned(),
        Some("collection_handover") => "hand-over to collection".to_owned(),
        Some("manual_task") => "manual task".to_owned(),
        Some(other) => other.replace('_', " "),
        None => "message".to_owned(),
    }
}

fn invoice_list(data: &serde_json::Value) -> Vec<String> {
    data.get("invoice_external_ids")
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(invoice_number)
                .collect()
        })
        .unwrap_or_default()
}

/// The invoice number in an external id that an import derived, such as `inv:4093`.
fn invoice_number(external_id: &str) -> String {
    external_id
        .strip_prefix("inv:")
        .or_else(|| external_id.strip_prefix("cn:"))
        .unwrap_or(external_id)
        .to_owned()
}

/// The file the file transport wrote for a Message-ID: the id without angle brackets.
fn file_name(message_id: &str) -> String {
    format!("{}.eml", message_id.trim_matches(|c| c == '<' || c == '>'))
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}
