//! Incoming payments and file imports.

use bytes::Bytes;
use reqwest::Method;
use vahti_api::limits::MAX_IMPORT_BODY_BYTES;
use vahti_api::{
    ImportReport, MatchPaymentRequest, Page, Payment, PaymentListQuery, RecordPaymentRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::fill;
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

resource_handle! {
    /// Incoming payments, returned by [`Client::payments`](crate::Client::payments).
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use chrono::NaiveDate;
    /// use rust_decimal::Decimal;
    /// use vahti_sdk::IdempotencyKey;
    /// use vahti_sdk::api::RecordPaymentRequest;
    ///
    /// // A key derived from the bank's archive id keeps the call idempotent across restarts.
    /// let key = IdempotencyKey::new("payment-20260302123456789")?;
    /// let payment = client
    ///     .payments()
    ///     .with_idempotency_key(key)
    ///     .record(&RecordPaymentRequest {
    ///         amount: Decimal::new(12450, 2),
    ///         currency: "EUR".to_owned(),
    ///         paid_on: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default(),
    ///         booked_on: None,
    ///         reference: Some("RF18 5390 0754 7034".to_owned()),
    ///         invoice: None,
    ///         archive_id: Some("20260302123456789".to_owned()),
    ///         payer_name: None,
    ///     })
    ///     .await?;
    /// println!("matched: {}", payment.matched);
    /// # Ok(())
    /// # }
    /// ```
    Payments
}

impl Payments<'_> {
    /// Records an incoming payment (`POST /v1/payments`). A payment that matches no invoice is
    /// stored as unmatched; a repeated `archive_id` returns the first payment.
    pub async fn record(&self, request: &RecordPaymentRequest) -> Result<Payment, SdkError> {
        let request = self.post(paths::PAYMENTS.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Reads one page of payments, optionally only unmatched or matched ones
    /// (`GET /v1/payments`).
    pub async fn list(&self, query: &PaymentListQuery) -> Result<Page<Payment>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::PAYMENTS.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every payment that matches `query`, page by page.
    pub fn list_all(&self, query: PaymentListQuery) -> ItemStream<Payment> {
        paginate(self.client.clone(), paths::PAYMENTS.to_owned(), query)
    }

    /// Reverses a payment (`POST /v1/payments/{id}/reverse`); its allocations are undone.
    pub async fn reverse(&self, id: i64) -> Result<Payment, SdkError> {
        let path = fill(paths::PAYMENT_REVERSE, &[("id", &id.to_string())]);
        let request = self.post(path).json(&serde_json::json!({}))?;
        self.client.call(request).await
    }

    /// Matches an unmatched payment to an invoice by hand (`POST /v1/payments/{id}/match`).
    pub async fn match_invoice(
        &self,
        id: i64,
        request: &MatchPaymentRequest,
    ) -> Result<Payment, SdkError> {
        let path = fill(paths::PAYMENT_MATCH, &[("id", &id.to_string())]);
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }
}

resource_handle! {
    /// File imports, returned by [`Client::imports`](crate::Client::imports).
    ///
    /// The body is the file's bytes as they are; the server detects the format. Importing the
    /// same file again changes nothing and reports `already_imported`.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = std::fs::read("invoices/2026-03-02.xml")?;
    /// let report = client.imports().invoices(file).await?;
    /// println!("{} created, {} rejected", report.created, report.rejected.len());
    /// # Ok(())
    /// # }
    /// ```
    Imports
}

impl Imports<'_> {
    /// Imports an e-invoice file, Finvoice or Peppol UBL (`POST /v1/imports/invoices`).
    ///
    /// Fails with [`SdkError::BodyTooLarge`] without sending when the file is larger than
    /// 64 MiB.
    pub async fn invoices(&self, file: impl Into<Bytes>) -> Result<ImportReport, SdkError> {
        self.import(paths::IMPORT_INVOICES, file.into()).await
    }

    /// Imports a bank payment file, camt.053, camt.054 or KTL (`POST /v1/imports/payments`).
    ///
    /// Fails with [`SdkError::BodyTooLarge`] without sending when the file is larger than
    /// 64 MiB.
    pub async fn payments(&self, file: impl Into<Bytes>) -> Result<ImportReport, SdkError> {
        self.import(paths::IMPORT_PAYMENTS, file.into()).await
    }

    async fn import(&self, path: &str, file: Bytes) -> Result<ImportReport, SdkError> {
        if file.len() > MAX_IMPORT_BODY_BYTES {
            return Err(SdkError::BodyTooLarge {
                endpoint: format!("POST {path}"),
                bytes: file.len(),
                max_bytes: MAX_IMPORT_BODY_BYTES,
            });
        }
        let content_type = import_content_type(&file);
        let request = self.post(path.to_owned()).bytes(content_type, file);
        self.client.call(request).await
    }
}

/// Returns the `Content-Type` sent with an imported file: `application/xml` when the file
/// starts with `<` (after an optional byte order mark and white space), as Finvoice, UBL and
/// camt files do, and `text/plain` otherwise, as for KTL files. The daemon accepts both, as well
/// as `text/xml` and `application/octet-stream`.
///
/// ```
/// use vahti_sdk::import_content_type;
///
/// assert_eq!(import_content_type(b"<?xml version=\"1.0\"?><Finvoice/>"), "application/xml");
/// assert_eq!(import_content_type(b"0TESTPANKKI..."), "text/plain");
/// ```
pub fn import_content_type(file: &[u8]) -> &'static str {
    let without_bom = file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(file);
    let first = without_bom.iter().find(|byte| !byte.is_ascii_whitespace());
    if first == Some(&b'<') {
        "application/xml"
    } else {
        "text/plain"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_cases() {
        let cases: [(&[u8], &str); 5] = [
            (b"<?xml version=\"1.0\"?>", "application/xml"),
            (b"\xEF\xBB\xBF<Finvoice>", "application/xml"),
            (b"\r\n  <Document>", "application/xml"),
            (b"00FI1234", "text/plain"),
            (b"", "text/plain"),
        ];
        for (file, expected) in cases {
            assert_eq!(import_content_type(file), expected, "{file:?}");
        }
    }
}
