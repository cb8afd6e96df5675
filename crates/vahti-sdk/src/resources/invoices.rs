//! Invoices, credit notes and disputes.

use reqwest::Method;
use vahti_api::limits::validate_batch_len;
use vahti_api::{
    BatchInvoiceRequest, BatchInvoiceResponse, ChangeDueDateRequest, Dispute, Invoice,
    InvoiceListQuery, OpenDisputeRequest, Page, ResolveDisputeRequest, UpsertInvoiceRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::{external_id_segment, fill};
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

/// Fills a path template whose only parameter is an invoice's external id.
fn invoice_path(template: &str, external_id: &str) -> Result<String, SdkError> {
    Ok(fill(
        template,
        &[("external_id", &external_id_segment(external_id)?)],
    ))
}

resource_handle! {
    /// Invoices and credit notes, returned by [`Client::invoices`](crate::Client::invoices).
    ///
    /// Documents are keyed by your own id, the `external_id`; the client percent-encodes it in
    /// paths, so ids such as `INV/2026/0001` work.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use chrono::NaiveDate;
    /// use rust_decimal::Decimal;
    /// use vahti_sdk::api::{InvoiceKind, IssueStatus, UpsertInvoiceRequest};
    ///
    /// let invoice = client
    ///     .invoices()
    ///     .upsert(
    ///         "INV/2026/0001",
    ///         &UpsertInvoiceRequest {
    ///             account: "C-1001".to_owned(),
    ///             kind: InvoiceKind::Invoice,
    ///             number: "2026-0001".to_owned(),
    ///             issue_date: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
    ///             sent_on: None,
    ///             due_date: NaiveDate::from_ymd_opt(2026, 3, 16),
    ///             currency: "EUR".to_owned(),
    ///             amount: Decimal::new(12450, 2),
    ///             reference: None,
    ///             corrects: None,
    ///             status: IssueStatus::Issued,
    ///             seller_iban: None,
    ///             seller_bic: None,
    ///         },
    ///     )
    ///     .await?;
    /// println!("pay with reference {}", invoice.payment_codes.reference.printed);
    /// # Ok(())
    /// # }
    /// ```
    Invoices
}

impl Invoices<'_> {
    /// Creates or updates an invoice or credit note (`PUT /v1/invoices/{external_id}`).
    /// Repeating the same request changes nothing.
    pub async fn upsert(
        &self,
        external_id: &str,
        request: &UpsertInvoiceRequest,
    ) -> Result<Invoice, SdkError> {
        let path = invoice_path(paths::INVOICE, external_id)?;
        let request = Request::new(Method::PUT, path).json(request)?;
        self.client.call(request).await
    }

    /// Reads an invoice or credit note with its outstanding amounts and payment codes
    /// (`GET /v1/invoices/{external_id}`).
    pub async fn get(&self, external_id: &str) -> Result<Invoice, SdkError> {
        let path = invoice_path(paths::INVOICE, external_id)?;
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Reads one page of invoices and credit notes, filtered by account and status
    /// (`GET /v1/invoices`).
    pub async fn list(&self, query: &InvoiceListQuery) -> Result<Page<Invoice>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::INVOICES.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every invoice and credit note that matches `query`, page by page.
    pub fn list_all(&self, query: InvoiceListQuery) -> ItemStream<Invoice> {
        paginate(self.client.clone(), paths::INVOICES.to_owned(), query)
    }

    /// Creates or updates up to 10000 documents at once (`POST /v1/invoices/batch`). Each item
    /// succeeds or fails on its own; see each result's `status` and `error`.
    ///
    /// Fails with [`SdkError::InvalidArgument`] without sending when the batch is too large.
    pub async fn batch(
        &self,
        request: &BatchInvoiceRequest,
    ) -> Result<BatchInvoiceResponse, SdkError> {
        validate_batch_len(request.items.len())?;
        let request = self.post(paths::INVOICES_BATCH.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Issues a draft invoice (`POST /v1/invoices/{external_id}/issue`).
    pub async fn issue(&self, external_id: &str) -> Result<Invoice, SdkError> {
        let path = invoice_path(paths::INVOICE_ISSUE, external_id)?;
        let request = self.post(path).json(&serde_json::json!({}))?;
        self.client.call(request).await
    }

    /// Cancels an invoice (`POST /v1/invoices/{external_id}/cancel`).
    pub async fn cancel(&self, external_id: &str) -> Result<Invoice, SdkError> {
        let path = invoice_path(paths::INVOICE_CANCEL, external_id)?;
        let request = self.post(path).json(&serde_json::json!({}))?;
        self.client.call(request).await
    }

    /// Changes an invoice's due date (`POST /v1/invoices/{external_id}/due-date`); later steps
    /// are rescheduled from the new date.
    pub async fn change_due_date(
        &self,
        external_id: &str,
        request: &ChangeDueDateRequest,
    ) -> Result<Invoice, SdkError> {
        let path = invoice_path(paths::INVOICE_DUE_DATE, external_id)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }
}

resource_handle! {
    /// Disputes, returned by [`Client::disputes`](crate::Client::disputes).
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::{DisputeResolution, OpenDisputeRequest, ResolveDisputeRequest};
    ///
    /// let dispute = client
    ///     .disputes()
    ///     .open("INV-1", &OpenDisputeRequest { reason: "goods never arrived".to_owned() })
    ///     .await?;
    /// client
    ///     .disputes()
    ///     .resolve(
    ///         dispute.id,
    ///         &ResolveDisputeRequest {
    ///             resolution: DisputeResolution::Rejected,
    ///             note: Some("delivery confirmed by the carrier".to_owned()),
    ///         },
    ///     )
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    Disputes
}

impl Disputes<'_> {
    /// Opens a dispute on an invoice (`POST /v1/invoices/{external_id}/disputes`); collection
    /// of the invoice stops until it is resolved.
    pub async fn open(
        &self,
        invoice: &str,
        request: &OpenDisputeRequest,
    ) -> Result<Dispute, SdkError> {
        let path = invoice_path(paths::INVOICE_DISPUTES, invoice)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Resolves a dispute (`POST /v1/disputes/{id}/resolve`).
    pub async fn resolve(
        &self,
        id: i64,
        request: &ResolveDisputeRequest,
    ) -> Result<Dispute, SdkError> {
        let path = fill(paths::DISPUTE_RESOLVE, &[("id", &id.to_string())]);
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }
}
