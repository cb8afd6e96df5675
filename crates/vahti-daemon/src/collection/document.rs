//! The messages a collection agency receives: the case document at the hand-over, and the
//! payments, credit notes and recalls that follow it. The same JSON goes to an agency's API and
//! into export files; `docs/collection.md` describes it for agencies.
//!
//! Amounts are decimal strings with the currency beside them, as everywhere in Vahti's API.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The kind of a message to the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A new case: the debtor, the itemised debt and the evidence.
    Handover,
    /// The creditor received a payment on the case's invoices after the hand-over.
    PaymentReceived,
    /// The creditor issued a credit note on the case's invoices after the hand-over.
    CreditNote,
    /// The creditor takes the case back.
    Recall,
}

impl MessageKind {
    /// Returns the lower-snake-case name, as in the message's `message` field.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Handover => "handover",
            MessageKind::PaymentReceived => "payment_received",
            MessageKind::CreditNote => "credit_note",
            MessageKind::Recall => "recall",
        }
    }
}

/// One message to the agency. Exactly one of `case`, `payment`, `credit_note` and `recall` is
/// present, the one that `message` names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartnerMessage {
    /// The kind of message.
    pub message: MessageKind,
    /// Vahti's id of the case; an agency that receives a case id twice has the case already.
    pub case_id: i64,
    /// The case, for a hand-over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseDocument>,
    /// The payment, for `payment_received`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<ForwardedPayment>,
    /// The credit note, for `credit_note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_note: Option<ForwardedCreditNote>,
    /// The recall, for `recall`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recall: Option<Recall>,
}

impl PartnerMessage {
    /// Builds the hand-over of `case`.
    pub fn handover(case: CaseDocument) -> Self {
        PartnerMessage {
            message: MessageKind::Handover,
            case_id: case.case_id,
            case: Some(case),
            payment: None,
            credit_note: None,
            recall: None,
        }
    }

    /// Builds the message about a payment received after the hand-over.
    pub fn payment(case_id: i64, payment: ForwardedPayment) -> Self {
        PartnerMessage {
            message: MessageKind::PaymentReceived,
            case_id,
            case: None,
            payment: Some(payment),
            credit_note: None,
            recall: None,
        }
    }

    /// Builds the message about a credit note issued after the hand-over.
    pub fn credit_note(case_id: i64, credit_note: ForwardedCreditNote) -> Self {
        PartnerMessage {
            message: MessageKind::CreditNote,
            case_id,
            case: None,
            payment: None,
            credit_note: Some(credit_note),
            recall: None,
        }
    }

    /// Builds the recall of a case.
    pub fn recall(case_id: i64, reason: &str) -> Self {
        PartnerMessage {
            message: MessageKind::Recall,
            case_id,
            case: None,
            payment: None,
            credit_note: None,
            recall: Some(Recall {
                reason: reason.to_owned(),
            }),
        }
    }
}

/// Everything the agency needs to collect the debt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseDocument {
    /// Vahti's id of the case.
    pub case_id: i64,
    /// When the case was handed over.
    pub handed_over_at: DateTime<Utc>,
    /// The creditor: the tenant company.
    pub creditor: CreditorBlock,
    /// The debtor.
    pub debtor: DebtorBlock,
    /// The invoices, each with its amounts itemised.
    pub invoices: Vec<CaseInvoice>,
    /// The totals per currency.
    pub totals: Vec<CaseTotal>,
    /// Every escalation step of the invoices, oldest first: what was sent, when, and the
    /// balance then. This is the evidence that the debtor was reminded.
    pub history: Vec<StepEvidence>,
}

/// The creditor's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditorBlock {
    /// The registered name.
    pub name: String,
    /// The business id, such as `1234567-8`.
    pub business_id: Option<String>,
    /// The postal address lines.
    pub address: Vec<String>,
    /// The contact email address.
    pub email: Option<String>,
    /// The contact phone number.
    pub phone: Option<String>,
    /// The account the debtor paid to.
    pub iban: Option<String>,
    /// The BIC of that account.
    pub bic: Option<String>,
}

/// The debtor's details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebtorBlock {
    /// The integrator's id of the customer account.
    pub external_id: String,
    /// The name.
    pub name: String,
    /// `consumer` or `business`.
    #[serde(rename = "type")]
    pub debtor_type: String,
    /// The email addresses.
    pub emails: Vec<String>,
    /// The language of messages: `fi`, `sv` or `en`.
    pub locale: String,
    /// Postal address, phone and other contact details as the integrator gave them.
    pub contact: serde_json::Value,
}

/// One invoice of the case with its amounts itemised, as of the hand-over day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseInvoice {
    /// Vahti's id of the invoice.
    pub invoice_id: i64,
    /// The integrator's id of the invoice.
    pub external_id: String,
    /// The invoice number.
    pub number: String,
    /// The payment reference.
    pub reference: Option<String>,
    /// The invoice date.
    pub invoice_date: NaiveDate,
    /// The original due date.
    pub due_date: Option<NaiveDate>,
    /// ISO 4217 currency code of every amount of the invoice.
    pub currency: String,
    /// The invoiced amount.
    #[serde(with = "vahti_api::decimal")]
    pub original_amount: Decimal,
    /// The part cancelled by credit notes.
    #[serde(with = "vahti_api::decimal")]
    pub credited: Decimal,
    /// The principal owed: the invoiced amount less credit notes.
    #[serde(with = "vahti_api::decimal")]
    pub principal: Decimal,
    /// Principal still unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub principal_outstanding: Decimal,
    /// Penalty interest.
    pub interest: InterestBlock,
    /// Reminder fees and standard compensation.
    pub fees: FeesBlock,
    /// Everything paid so far: principal, interest and fees.
    #[serde(with = "vahti_api::decimal")]
    pub paid: Decimal,
    /// Everything still owed: principal, claimed interest and fees.
    #[serde(with = "vahti_api::decimal")]
    pub total: Decimal,
    /// The payments allocated to the invoice before the hand-over.
    pub payments: Vec<PaymentItem>,
    /// The credit notes that correct the invoice, issued before the hand-over.
    pub credit_notes: Vec<CreditNoteItem>,
}

/// Penalty interest of an invoice (Interest Act 633/1982).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterestBlock {
    /// The day from which interest is claimed, if it is.
    pub claimed_from: Option<NaiveDate>,
    /// The interest claimed up to the hand-over day.
    #[serde(with = "vahti_api::decimal")]
    pub claimed: Decimal,
    /// Interest paid.
    #[serde(with = "vahti_api::decimal")]
    pub paid: Decimal,
    /// Claimed interest unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub outstanding: Decimal,
    /// The periods of accrued interest, one per rate and principal, with the amount of each
    /// rounded to the cent.
    pub periods: Vec<InterestPeriodItem>,
}

/// A period of penalty interest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterestPeriodItem {
    /// The first day charged.
    pub first_day: NaiveDate,
    /// The last day charged, included.
    pub last_day: NaiveDate,
    /// The number of days.
    pub days: u32,
    /// The annual rate in percent.
    #[serde(with = "vahti_api::decimal")]
    pub rate_percent: Decimal,
    /// The principal the interest ran on.
    #[serde(with = "vahti_api::decimal")]
    pub principal: Decimal,
    /// The interest of the period, rounded to the cent.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
}

/// The fees of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeesBlock {
    /// Fees charged and not waived.
    #[serde(with = "vahti_api::decimal")]
    pub charged: Decimal,
    /// Fees paid.
    #[serde(with = "vahti_api::decimal")]
    pub paid: Decimal,
    /// Fees unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub outstanding: Decimal,
    /// Each fee that is owed.
    pub items: Vec<FeeItem>,
}

/// One fee.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeeItem {
    /// Vahti's id of the fee.
    pub fee_id: i64,
    /// `reminder_fee` or `standard_compensation`.
    pub kind: String,
    /// The amount.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
    /// The day it was charged.
    pub charged_on: NaiveDate,
}

/// A payment allocated to an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaymentItem {
    /// Vahti's id of the payment.
    pub payment_id: i64,
    /// The day the debtor paid.
    pub paid_on: NaiveDate,
    /// The part of the payment allocated to this invoice.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
}

/// A credit note of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreditNoteItem {
    /// Vahti's id of the credit note.
    pub invoice_id: i64,
    /// The integrator's id of the credit note.
    pub external_id: String,
    /// The credit note's number.
    pub number: String,
    /// Its date.
    pub issue_date: NaiveDate,
    /// Its amount.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
}

/// The totals of one currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseTotal {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Principal unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub principal: Decimal,
    /// Claimed interest unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub interest: Decimal,
    /// Fees unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub fees: Decimal,
    /// Everything unpaid.
    #[serde(with = "vahti_api::decimal")]
    pub total: Decimal,
}

/// One escalation step of an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepEvidence {
    /// The integrator's id of the invoice.
    pub invoice: String,
    /// The policy step's key.
    pub step: String,
    /// The kind of step, such as `reminder`.
    pub kind: String,
    /// `sent`, `queued`, `skipped`, `failed` or `pending_approval`.
    pub state: String,
    /// When the step was due.
    pub due_at: DateTime<Utc>,
    /// When it was carried out: for an email, when the mail server accepted it.
    pub executed_at: Option<DateTime<Utc>>,
    /// A note, such as why a step was skipped or a fee waived.
    pub detail: Option<String>,
    /// The outbox message that carried it, whose id is in the email's `Message-ID`.
    pub message_id: Option<i64>,
    /// The amount the debtor owed on the invoice when the step was recorded.
    #[serde(with = "vahti_api::decimal")]
    pub balance: Decimal,
    /// The currency of the balance.
    pub currency: String,
}

/// A payment forwarded to the agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardedPayment {
    /// Vahti's id of the payment.
    pub payment_id: i64,
    /// The day the debtor paid.
    pub paid_on: NaiveDate,
    /// The part of the payment that went to the case's invoices.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency: String,
    /// How the amount was split between the case's invoices.
    pub invoices: Vec<InvoiceShare>,
}

/// A credit note forwarded to the agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardedCreditNote {
    /// Vahti's id of the credit note.
    pub invoice_id: i64,
    /// The integrator's id of the credit note.
    pub external_id: String,
    /// Its number.
    pub number: String,
    /// Its date.
    pub issue_date: NaiveDate,
    /// The part of it that went to the case's invoices.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
    /// ISO 4217 currency code.
    pub currency: String,
    /// How the amount was split between the case's invoices.
    pub invoices: Vec<InvoiceShare>,
}

/// The part of a payment or credit note that went to one invoice, and what is left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvoiceShare {
    /// The integrator's id of the invoice.
    pub external_id: String,
    /// The part that went to this invoice.
    #[serde(with = "vahti_api::decimal")]
    pub amount: Decimal,
    /// What the debtor still owes on the invoice afterwards.
    #[serde(with = "vahti_api::decimal")]
    pub outstanding: Decimal,
}

/// A recall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recall {
    /// Why the creditor takes the case back.
    pub reason: String,
}

/// The columns of the CSV export, one row per invoice.
const CSV_HEADER: [&str; 20] = [
    "case_id",
    "debtor_external_id",
    "debtor_name",
    "debtor_type",
    "debtor_email",
    "invoice_external_id",
    "invoice_number",
    "reference",
    "invoice_date",
    "due_date",
    "currency",
    "original_amount",
    "credited",
    "principal_outstanding",
    "interest_outstanding",
    "fees_outstanding",
    "paid",
    "total",
    "creditor_name",
    "creditor_business_id",
];

/// Renders a case as CSV (RFC 4180): a header line and one line per invoice, with CRLF line
/// ends and every field that contains a comma, quote or line break quoted.
pub fn case_csv(case: &CaseDocument) -> String {
    let mut text = String::new();
    push_line(&mut text, CSV_HEADER.iter().map(|name| (*name).to_owned()));
    for invoice in &case.invoices {
        push_line(
            &mut text,
            [
                case.case_id.to_string(),
                case.debtor.external_id.clone(),
                case.debtor.name.clone(),
                case.debtor.debtor_type.clone(),
                case.debtor.emails.first().cloned().unwrap_or_default(),
                invoice.external_id.clone(),
                invoice.number.clone(),
                invoice.reference.clone().unwrap_or_default(),
                invoice.invoice_date.to_string(),
                invoice
                    .due_date
                    .map(|date| date.to_string())
                    .unwrap_or_default(),
                invoice.currency.clone(),
                invoice.original_amount.to_string(),
                invoice.credited.to_string(),
                invoice.principal_outstanding.to_string(),
                invoice.interest.outstanding.to_string(),
                invoice.fees.outstanding.to_string(),
                invoice.paid.to_string(),
                invoice.total.to_string(),
                case.creditor.name.clone(),
                case.creditor.business_id.clone().unwrap_or_default(),
            ],
        );
    }
    text
}

fn push_line(text: &mut String, fields: impl IntoIterator<Item = String>) {
    let mut first = true;
    for field in fields {
        if !first {
            text.push(',');
        }
        first = false;
        if field.contains([',', '"', '\r', '\n']) {
            text.push('"');
            text.push_str(&field.replace('"', "\"\""));
            text.push('"');
        } else {
            text.push_str(&field);
        }
    }
    text.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    fn document() -> CaseDocument {
        CaseDocument {
            case_id: 4,
            handed_over_at: DateTime::<Utc>::from_timestamp(1_772_434_800, 0).unwrap(),
            creditor: CreditorBlock {
                name: "Kahvi Oy".to_owned(),
                business_id: Some("3958213-2".to_owned()),
                address: vec![],
                email: None,
                phone: None,
                iban: None,
                bic: None,
            },
            debtor: DebtorBlock {
                external_id: "C-1".to_owned(),
                name: "Virtanen, \"Maija\"".to_owned(),
                debtor_type: "consumer".to_owned(),
                emails: vec!["maija@example.com".to_owned()],
                locale: "fi".to_owned(),
                contact: serde_json::json!({}),
            },
            invoices: vec![CaseInvoice {
                invoice_id: 9,
                external_id: "INV-9".to_owned(),
                number: "1009".to_owned(),
                reference: Some("1232".to_owned()),
                invoice_date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
                due_date: NaiveDate::from_ymd_opt(2026, 1, 16),
                currency: "EUR".to_owned(),
                original_amount: dec!(120.00),
                credited: dec!(0.00),
                principal: dec!(120.00),
                principal_outstanding: dec!(120.00),
                interest: InterestBlock {
                    claimed_from: None,
                    claimed: dec!(1.35),
                    paid: dec!(0.00),
                    outstanding: dec!(1.35),
                    periods: vec![],
                },
                fees: FeesBlock {
                    charged: dec!(10.00),
                    paid: dec!(0.00),
                    outstanding: dec!(10.00),
                    items: vec![],
                },
                paid: dec!(0.00),
                total: dec!(131.35),
                payments: vec![],
                credit_notes: vec![],
            }],
            totals: vec![],
            history: vec![],
        }
    }

    #[test]
    fn csv_quotes_names_with_commas() {
        let csv = case_csv(&document());
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines.len(), 3, "{csv}");
        assert!(lines[0].starts_with("case_id,debtor_external_id,"), "{csv}");
        assert!(
            lines[1].starts_with("4,C-1,\"Virtanen, \"\"Maija\"\"\",consumer,"),
            "{csv}"
        );
        assert!(lines[1].ends_with(",131.35,Kahvi Oy,3958213-2"), "{csv}");
        assert_eq!(lines[2], "");
    }

    #[test]
    fn message_carries_one_part() {
        let message = PartnerMessage::recall(4, "credited in full");
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["message"], "recall");
        assert_eq!(json["recall"]["reason"], "credited in full");
        assert!(json.get("case").is_none());
        assert!(json.get("payment").is_none());
    }

    #[test]
    fn amounts_are_strings() {
        let message = PartnerMessage::handover(document());
        let json = serde_json::to_value(&message).unwrap();
        assert_eq!(json["case"]["invoices"][0]["total"], "131.35");
        let back: PartnerMessage = serde_json::from_value(json).unwrap();
        assert_eq!(back, message);
    }
}
