//! Collection cases: debts handed over to a collection agency, the agency's reports on them, and
//! the tenant's collection partner that receives them.
//!
//! The last step of a policy hands its invoices over to the partner configured with
//! `PUT /v1/collection/partner`. The agency reports progress with `POST /v1/cases/{id}/state`,
//! authenticated with an API token of the tenant issued for it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::common::Amount;
use crate::wire::{self, wire_enum};

wire_enum! {
    /// The state of a collection case.
    pub enum CaseState {
        /// Created at the hand-over, not yet delivered to the agency.
        Preparing = "preparing",
        /// Delivered to the agency.
        HandedOver = "handed_over",
        /// The agency confirmed that it took the case on.
        Acknowledged = "acknowledged",
        /// The agency reports that the debtor paid it.
        PaidToAgency = "paid_to_agency",
        /// The agency gave the case back, for example because the debtor disputed the debt.
        Returned = "returned",
        /// The agency finished the case.
        Closed = "closed",
        /// The creditor took the case back.
        Recalled = "recalled",
    }
}

wire_enum! {
    /// A state that the agency reports with `POST /v1/cases/{id}/state`.
    pub enum ReportedCaseState {
        /// The agency has the case.
        HandedOver = "handed_over",
        /// The agency confirmed that it took the case on.
        Acknowledged = "acknowledged",
        /// The debtor paid the agency; give the `amount`.
        PaidToAgency = "paid_to_agency",
        /// The agency gives the case back to the creditor.
        Returned = "returned",
        /// The agency finished the case.
        Closed = "closed",
    }
}

wire_enum! {
    /// The kind of change in a collection case.
    pub enum CaseChange {
        /// The case was created at the hand-over.
        Created = "created",
        /// The case reached the agency.
        Delivered = "delivered",
        /// The case could not be delivered to the agency; see the note.
        DeliveryFailed = "delivery_failed",
        /// The agency reported a new state.
        StateChanged = "state_changed",
        /// A payment received after the hand-over was forwarded to the agency.
        PaymentForwarded = "payment_forwarded",
        /// A credit note issued after the hand-over was forwarded to the agency.
        CreditNoteForwarded = "credit_note_forwarded",
        /// The creditor recalled the case.
        Recalled = "recalled",
    }
}

/// Body of `POST /v1/cases/{id}/state`: the agency reports the state of a case.
///
/// ```
/// use vahti_api::{CaseStateRequest, ReportedCaseState};
///
/// let request: CaseStateRequest = serde_json::from_str(
///     r#"{"state": "paid_to_agency", "amount": "148.20", "note": "paid in full"}"#,
/// )?;
/// assert_eq!(request.state, ReportedCaseState::PaidToAgency);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "Body of `POST /v1/cases/{id}/state`: the agency reports the state of a case."
    )
)]
#[serde(deny_unknown_fields)]
pub struct CaseStateRequest {
    /// The new state.
    #[serde(deserialize_with = "wire::known")]
    pub state: ReportedCaseState,
    /// A note, such as the agency's own case number; at most 1000 characters.
    #[serde(default)]
    pub note: Option<String>,
    /// The amount the debtor paid the agency, in the case's currency; required with
    /// `paid_to_agency` and not allowed otherwise.
    #[serde(default, with = "crate::decimal::option")]
    pub amount: Option<Decimal>,
}

/// Body of `POST /v1/cases/{id}/recall`: takes a case back from the agency, for example after a
/// credit note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecallCaseRequest {
    /// The reason for the recall, sent to the agency: 1 to 1000 characters.
    pub reason: String,
}

/// An invoice in a collection case, with the amount handed over for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseInvoice {
    /// External id of the invoice.
    pub invoice: String,
    /// The invoice number.
    pub number: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The amount the debtor owed on the invoice at the hand-over: principal, interest and
    /// fees.
    #[serde(with = "crate::decimal")]
    pub amount: Decimal,
}

/// An entry in the history of a collection case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseUpdate {
    /// The kind of change.
    pub change: CaseChange,
    /// The state of the case after the change.
    pub state: CaseState,
    /// A note, such as the agency's comment or the reason of a recall.
    #[serde(default)]
    pub note: Option<String>,
    /// An amount, such as a forwarded payment or what the agency collected.
    #[serde(default)]
    pub amount: Option<Amount>,
    /// The item the change refers to, such as `payment:12` or `credit_note:CN-7`.
    #[serde(default)]
    pub reference: Option<String>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

/// A collection case, returned by `GET /v1/cases/{id}`, by its state and recall actions, and in
/// the pages of `GET /v1/cases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionCase {
    /// Vahti's id of the case.
    pub id: i64,
    /// External id of the account.
    pub account: String,
    /// The state.
    pub state: CaseState,
    /// The name of the agency the case went to.
    pub agency: String,
    /// The invoices handed over.
    #[serde(default)]
    pub invoices: Vec<CaseInvoice>,
    /// The amounts handed over, one entry per currency.
    #[serde(default)]
    pub totals: Vec<Amount>,
    /// The history, oldest first.
    #[serde(default)]
    pub history: Vec<CaseUpdate>,
    /// The case document as delivered to the agency: debtor, itemised amounts and step
    /// history. Only `GET /v1/cases/{id}` returns it; lists leave it `null`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub document: Option<serde_json::Value>,
    /// When the case was created.
    pub created_at: DateTime<Utc>,
    /// When the case last changed.
    pub updated_at: DateTime<Utc>,
}

/// Query parameters of `GET /v1/cases`, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct CasesQuery {
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Only cases in this state.
    #[serde(
        default,
        deserialize_with = "wire::known_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub state: Option<CaseState>,
    /// Only cases of the account with this external id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

wire_enum! {
    /// The channel through which cases reach a collection partner.
    pub enum PartnerKind {
        /// A JSON `POST` to the agency's API, signed like webhooks.
        Http = "http",
        /// A JSON and a CSV file per case, written into the daemon's export directory.
        File = "file",
    }
}

/// Body of `PUT /v1/collection/partner`: sets the tenant's collection agency.
///
/// The name and at least one of `email`, `phone` and `website` are printed in the debtor's
/// hand-over notice, so a hand-over fails until they are set. An `http` partner needs `url`.
/// Its signing secret is `secret` when given, otherwise the one stored before. Without either,
/// Vahti generates one, which the response shows once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PutPartnerRequest {
    /// The channel through which cases reach the agency.
    #[serde(deserialize_with = "wire::known")]
    pub kind: PartnerKind,
    /// The agency's name, 1 to 200 characters.
    pub name: String,
    /// The agency's email address for debtors.
    #[serde(default)]
    pub email: Option<String>,
    /// The agency's phone number for debtors.
    #[serde(default)]
    pub phone: Option<String>,
    /// The agency's web site for debtors, an `https` URL.
    #[serde(default)]
    pub website: Option<String>,
    /// The URL cases are posted to; required for `http`.
    #[serde(default)]
    pub url: Option<String>,
    /// The secret requests are signed with, at least 24 characters; only for `http`.
    #[serde(default)]
    pub secret: Option<String>,
}

impl std::fmt::Debug for PutPartnerRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutPartnerRequest")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The tenant's collection partner, returned by `GET /v1/collection/partner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectionPartner {
    /// The channel through which cases reach the agency.
    pub kind: PartnerKind,
    /// The agency's name.
    pub name: String,
    /// The agency's email address for debtors.
    #[serde(default)]
    pub email: Option<String>,
    /// The agency's phone number for debtors.
    #[serde(default)]
    pub phone: Option<String>,
    /// The agency's web site for debtors.
    #[serde(default)]
    pub website: Option<String>,
    /// The URL cases are posted to, for `http`.
    #[serde(default)]
    pub url: Option<String>,
    /// The first characters of the signing secret, for `http`.
    #[serde(default)]
    pub secret_prefix: Option<String>,
    /// When the partner was first configured.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Response of `PUT /v1/collection/partner`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PutPartnerResponse {
    /// The partner as stored.
    pub partner: CollectionPartner,
    /// The signing secret Vahti generated, shown only in this response; `null` when the request
    /// gave one or an earlier one is kept.
    #[serde(default)]
    pub secret: Option<String>,
}

impl std::fmt::Debug for PutPartnerResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PutPartnerResponse")
            .field("partner", &self.partner)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_request_rejects_vahti_states() {
        for state in ["recalled", "preparing", "lost"] {
            let body = format!(r#"{{"state": "{state}"}}"#);
            let result: Result<CaseStateRequest, _> = serde_json::from_str(&body);
            assert!(result.is_err(), "{state}");
        }
    }

    #[test]
    fn state_request_reads_amount_as_string() {
        let request: CaseStateRequest =
            serde_json::from_str(r#"{"state": "paid_to_agency", "amount": "10.50"}"#).unwrap();
        assert_eq!(
            request.amount.map(|amount| amount.to_string()),
            Some("10.50".to_owned())
        );
        let number: Result<CaseStateRequest, _> =
            serde_json::from_str(r#"{"state": "paid_to_agency", "amount": 10.5}"#);
        assert!(number.is_err());
    }

    #[test]
    fn partner_request_debug_hides_secret() {
        let request: PutPartnerRequest = serde_json::from_str(
            r#"{"kind": "http", "name": "Perintä Oy", "url": "https://perinta.example/cases",
                "secret": "agency-secret-0123456789abcdef"}"#,
        )
        .unwrap();
        let text = format!("{request:?}");
        assert!(!text.contains("agency-secret"), "{text}");
    }

    #[test]
    fn case_tolerates_unknown_state() {
        let case: CollectionCase = serde_json::from_str(
            r#"{"id": 3, "account": "C-1", "state": "sold", "agency": "Perintä Oy",
                "created_at": "2026-03-02T07:00:00Z", "updated_at": "2026-03-02T07:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(case.state, CaseState::Unknown);
        assert!(case.document.is_none());
    }
}
