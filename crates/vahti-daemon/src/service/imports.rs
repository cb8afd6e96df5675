//! Imports of e-invoice files (Finvoice, Peppol UBL) and bank payment files (camt.053,
//! camt.054, KTL).
//!
//! A file that cannot be read as a whole is rejected before anything is stored. A file that
//! was imported completely before, recognised by the SHA-256 of its bytes, is not applied again:
//! the stored report comes back with `already_imported`. Every record is applied the way its
//! API call applies it, so importing a file again after an interrupted import only adds what is
//! missing: invoices are upserted by external id and payments are skipped by archive id.
//!
//! Invoice files: each document's buyer is first looked up by the seller's customer number
//! (Finvoice `SellersBuyerIdentifier`, UBL buyer `PartyIdentification/ID` without a scheme), which
//! integrators usually use as the account's external id. Failing that, by an id derived from the
//! buyer's organisation id (`org:`), VAT id (`vat:`), e-invoice address (`einvoice:`), e-mail
//! address (`email:`) or name (`name:`), in that order of preference. Failing that, it is the
//! account with the buyer's exact name and e-mail address. Failing that, a new account is
//! created under the derived id. Each invoice is upserted under `inv:` and its number, each
//! credit note under `cn:` and its number, correcting `inv:` and the number of the invoice it
//! names.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use vahti_api::limits::{MAX_EXTERNAL_ID_CHARS, validate_external_id};
use vahti_api::{Contact, ImportFormat, ImportRejection, ImportReport, ImportWarning};
use vahti_domain::ids::TenantId;
use vahti_domain::{DebtorType, ErrorCode};
use vahti_formats::{
    BankFile, BankFormat, DocumentKind, FormatError, InvoiceFile, InvoiceFormat, ParsedInvoice,
    ParsedPayment, Party, Warning, WarningKind,
};
use vahti_store::ids::ImportId;
use vahti_store::imports::{self, Import, NewImport};
use vahti_store::invoices::{InvoiceKind, InvoiceStatus};
use vahti_store::payments::PaymentSource;
use vahti_store::{Locale, StoreError, Tx, accounts as account_store, tenants};

use super::accounts::{self, AccountInput};
use super::invoices::{self, InvoiceDraft, Outcome, ReferenceInput, checked_amount};
use super::payments::{self, PaymentInput, PaymentReferenceInput, ReversalOutcome};
use crate::app::App;
use crate::error::{ServiceError, ServiceResult};

/// The prefix of the external id of an imported invoice, before its number.
pub const INVOICE_PREFIX: &str = "inv:";

/// The prefix of the external id of an imported credit note, before its number. Credit notes
/// have their own prefix because a seller may number a credit note like the invoice it corrects.
pub const CREDIT_NOTE_PREFIX: &str = "cn:";

/// The suffix the bank file parser gives the archive id of a reversal.
const REVERSAL_SUFFIX: &str = "/reversal";

/// Imports an e-invoice file and returns its report.
///
/// Fails with 422 `import_format_unknown` or `import_invalid` when the file cannot be read as a
/// whole, naming the line or element and the reason. Nothing is stored then.
pub async fn import_invoices(
    app: &App,
    tenant_id: TenantId,
    bytes: Vec<u8>,
    file_name: String,
) -> ServiceResult<ImportReport> {
    let hash = sha256(&bytes);
    if let Some(report) = completed(app, tenant_id, &hash).await? {
        return Ok(report);
    }
    let file = vahti_formats::parse_invoice_file(&bytes).map_err(format_error)?;
    drop(bytes);
    let format = match file.format {
        InvoiceFormat::Finvoice => ImportFormat::Finvoice,
        InvoiceFormat::Ubl => ImportFormat::PeppolUbl,
    };
    let import_id = begin(app, tenant_id, format, &hash, &file_name).await?;

    let mut report = empty_report(import_id, format, Some(file.version.clone()));
    apply_invoice_file(app, tenant_id, &file, &mut report).await?;
    finish(app, import_id, &report).await?;
    tracing::info!(
        tenant.id = tenant_id.0,
        import.id = import_id.0,
        created = report.created,
        updated = report.updated,
        unchanged = report.duplicates_skipped,
        rejected = report.rejected.len(),
        "invoice file imported"
    );
    Ok(report)
}

/// Imports a bank payment file and returns its report.
///
/// Fails like [`import_invoices`] when the file cannot be read as a whole.
pub async fn import_payments(
    app: &App,
    tenant_id: TenantId,
    bytes: Vec<u8>,
    file_name: String,
) -> ServiceResult<ImportReport> {
    let hash = sha256(&bytes);
    if let Some(report) = completed(app, tenant_id, &hash).await? {
        return Ok(report);
    }
    let file = vahti_formats::parse_bank_file(&bytes).map_err(format_error)?;
    drop(bytes);
    let format = match file.format {
        BankFormat::Camt053 => ImportFormat::Camt053,
        BankFormat::Camt054 => ImportFormat::Camt054,
        BankFormat::Ktl => ImportFormat::Ktl,
    };
    let import_id = begin(app, tenant_id, format, &hash, &file_name).await?;

    let mut report = empty_report(import_id, format, file.version.clone());
    apply_bank_file(app, tenant_id, &file, import_id, &mut report).await;
    finish(app, import_id, &report).await?;
    tracing::info!(
        tenant.id = tenant_id.0,
        import.id = import_id.0,
        created = report.created,
        reversed = report.updated,
        duplicates = report.duplicates_skipped,
        rejected = report.rejected.len(),
        "bank file imported"
    );
    Ok(report)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Builds the error of a file that cannot be read.
fn format_error(error: FormatError) -> ServiceError {
    let code = match error {
        FormatError::UnknownFormat { .. } => "import_format_unknown",
        _ => "import_invalid",
    };
    ServiceError::unprocessable(
        code,
        None,
        format!("the file cannot be imported ({}): {error}", error.code()),
    )
}

/// Returns the stored report of a file imported completely before, marked `already_imported`.
async fn completed(
    app: &App,
    tenant_id: TenantId,
    hash: &str,
) -> ServiceResult<Option<ImportReport>> {
    let key = hash.to_owned();
    let found = app
        .read(move |tx| Ok(imports::find_by_hash(tx, tenant_id, &key)?))
        .await?;
    Ok(found.as_ref().and_then(stored_report).map(|mut report| {
        report.already_imported = true;
        report
    }))
}

/// Reads the report stored with a completed import.
fn stored_report(import: &Import) -> Option<ImportReport> {
    if import.summary.get("complete") != Some(&json!(true)) {
        return None;
    }
    serde_json::from_value(import.summary.get("report")?.clone()).ok()
}

/// Records the import before its records are applied, or returns the id of an earlier attempt
/// that did not finish.
async fn begin(
    app: &App,
    tenant_id: TenantId,
    format: ImportFormat,
    hash: &str,
    file_name: &str,
) -> ServiceResult<ImportId> {
    let now = app.now();
    let new = NewImport {
        kind: format.as_str().to_owned(),
        file_sha256: hash.to_owned(),
        file_name: file_name.to_owned(),
        summary: json!({"complete": false}),
    };
    app.write(move |tx| begin_in(tx, tenant_id, &new, now))
        .await
}

fn begin_in(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    new: &NewImport,
    now: DateTime<Utc>,
) -> ServiceResult<ImportId> {
    if let Some(earlier) = imports::find_by_hash(tx, tenant_id, &new.file_sha256)? {
        return Ok(earlier.id);
    }
    Ok(imports::record(tx, tenant_id, new, now)?.id)
}

/// Stores the report, which marks the import complete.
async fn finish(app: &App, import_id: ImportId, report: &ImportReport) -> ServiceResult<()> {
    let summary = json!({"complete": true, "report": report});
    app.write(move |tx| Ok(imports::set_summary(tx, import_id, &summary)?))
        .await
}

fn empty_report(
    import_id: ImportId,
    format: ImportFormat,
    version: Option<String>,
) -> ImportReport {
    ImportReport {
        import_id: import_id.0,
        format,
        version,
        created: 0,
        updated: 0,
        duplicates_skipped: 0,
        warnings: Vec::new(),
        rejected: Vec::new(),
        already_imported: false,
    }
}

/// Describes the place of a record in the file, such as `document 2, line 41, element /Finvoice`.
fn position(noun: &str, item: Option<usize>, place: Option<&vahti_formats::Position>) -> String {
    let record = item.map(|index| format!("{noun} {}", index.saturating_add(1)));
    match (record, place) {
        (Some(record), Some(place)) => format!("{record}, {place}"),
        (Some(record), None) => record,
        (None, Some(place)) => place.to_string(),
        (None, None) => "file".to_owned(),
    }
}

fn warning(noun: &str, warning: &Warning) -> ImportWarning {
    ImportWarning {
        position: position(noun, warning.item, warning.position.as_ref()),
        code: warning.kind.code().to_owned(),
        message: warning.message.clone(),
    }
}

fn rejection(position: String, error: &ServiceError) -> ImportRejection {
    ImportRejection {
        position,
        code: Some(error.code().to_owned()),
        reason: error.message().to_owned(),
    }
}

fn count(value: &mut u32) {
    *value = value.saturating_add(1);
}

// Invoice files.

async fn apply_invoice_file(
    app: &App,
    tenant_id: TenantId,
    file: &InvoiceFile,
    report: &mut ImportReport,
) -> ServiceResult<()> {
    let default_locale = app
        .read(move |tx| Ok(tenants::get(tx, tenant_id)?.default_locale))
        .await?;
    let mut buyers: HashMap<String, ServiceResult<String>> = HashMap::new();
    let mut drafts: Vec<ServiceResult<InvoiceDraft>> = Vec::with_capacity(file.documents.len());

    for (index, document) in file.documents.iter().enumerate() {
        let buyer = Buyer::of(document, default_locale);
        let account = match buyer.as_ref().map(|buyer| buyer.external_id.clone()) {
            Err(error) => Err(error.clone()),
            Ok(key) => {
                if !buyers.contains_key(&key) {
                    let resolved = match &buyer {
                        Ok(buyer) => resolve_buyer(app, tenant_id, buyer, index, report).await,
                        Err(error) => Err(error.clone()),
                    };
                    buyers.insert(key.clone(), resolved);
                }
                buyers
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| Err(ServiceError::internal("buyer not resolved")))
            }
        };
        drafts.push(account.and_then(|account| draft_of(document, account)));
    }

    let results = invoices::apply_many(app, tenant_id, drafts).await;
    let mut applied = vec![false; file.documents.len()];
    for (index, (document, result)) in file.documents.iter().zip(results).enumerate() {
        match result {
            Ok(outcome) => {
                if let Some(done) = applied.get_mut(index) {
                    *done = true;
                }
                match outcome.outcome {
                    Outcome::Created => count(&mut report.created),
                    Outcome::Updated => count(&mut report.updated),
                    Outcome::Unchanged => count(&mut report.duplicates_skipped),
                }
            }
            Err(error) => report.rejected.push(rejection(
                format!(
                    "{}, number {}",
                    position("document", Some(index), Some(&document.position)),
                    document.number
                ),
                &error,
            )),
        }
    }

    for parsed in &file.warnings {
        let imported = parsed
            .item
            .and_then(|item| applied.get(item).copied())
            .unwrap_or(false);
        if parsed.kind == WarningKind::ReferenceInvalid {
            if imported {
                report.warnings.push(flagged_reference(file, parsed));
            }
            continue;
        }
        report.warnings.push(warning("document", parsed));
    }
    Ok(())
}

/// Builds the warning of an invoice whose reference failed its check and was replaced.
fn flagged_reference(file: &InvoiceFile, parsed: &Warning) -> ImportWarning {
    let document = parsed.item.and_then(|item| file.documents.get(item));
    let raw = document
        .and_then(|document| document.reference.as_ref())
        .map(|reference| reference.raw.clone())
        .unwrap_or_default();
    let reason = document
        .and_then(|document| document.reference.as_ref())
        .and_then(|reference| reference.issue.as_ref())
        .map(|issue| issue.message.clone())
        .unwrap_or_default();
    ImportWarning {
        position: position("document", parsed.item, parsed.position.as_ref()),
        code: "reference_flagged".to_owned(),
        message: format!(
            "payment reference {raw:?} fails its check ({reason}); the invoice got a generated valid reference instead and is flagged"
        ),
    }
}

/// The buyer of a document, as an account would be created from it.
#[derive(Debug, Clone)]
struct Buyer {
    /// The seller's customer number of the buyer, as the file states it.
    customer_number: Option<String>,
    /// The account id derived from the buyer's strongest identifier.
    external_id: String,
    /// The registered name, else the trading name. A new account needs it.
    name: Option<String>,
    email: Option<String>,
    debtor_type: DebtorType,
    locale: Locale,
    contact: Contact,
}

impl Buyer {
    fn of(document: &ParsedInvoice, default_locale: Locale) -> ServiceResult<Buyer> {
        let party = &document.buyer;
        let email = party
            .email
            .as_deref()
            .map(str::trim)
            .filter(|email| email.parse::<lettre::Address>().is_ok())
            .map(str::to_ascii_lowercase);
        let name = party
            .name
            .clone()
            .or_else(|| party.trading_name.clone())
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty());
        let external_id = derived_external_id(party, email.as_deref(), name.as_deref())
            .ok_or_else(|| {
                ServiceError::unprocessable(
                    "buyer_unidentified",
                    None,
                    "the buyer has no organisation id, VAT id, e-invoice address, e-mail address or name, so no account can be found or created; add one to the file",
                )
            })?;
        let locale = match document.recipient_language.as_deref() {
            Some("fi") => Locale::Fi,
            Some("sv") => Locale::Sv,
            Some("en") => Locale::En,
            _ => default_locale,
        };
        let address = party.address.clone().unwrap_or_default();
        let customer_number = document
            .customer_number
            .as_deref()
            .map(str::trim)
            .filter(|number| validate_external_id(number).is_ok())
            .map(str::to_owned);
        Ok(Buyer {
            customer_number,
            external_id,
            name,
            email,
            debtor_type: if party.organisation_id.is_some() {
                DebtorType::Business
            } else {
                DebtorType::Consumer
            },
            locale,
            contact: Contact {
                address_lines: address.street,
                postal_code: address.post_code,
                city: address.town,
                country: address.country_code,
                phone: party.phone.clone(),
            },
        })
    }
}

/// Derives the account id of a buyer: `org:`, `vat:`, `einvoice:`, `email:` or `name:` with the first
/// identifier the buyer has, without spaces for the identifiers, cut to the longest external id.
fn derived_external_id(party: &Party, email: Option<&str>, name: Option<&str>) -> Option<String> {
    let compact = |text: &str| {
        text.chars()
            .filter(|character| !character.is_whitespace())
            .collect::<String>()
            .to_uppercase()
    };
    let derived = if let Some(id) = &party.organisation_id {
        format!("org:{}", compact(&id.id))
    } else if let Some(vat) = &party.vat_id {
        format!("vat:{}", compact(vat))
    } else if let Some(endpoint) = &party.endpoint {
        format!("einvoice:{}", compact(&endpoint.id))
    } else if let Some(email) = email {
        format!("email:{email}")
    } else {
        format!("name:{}", name?)
    };
    let cut: String = derived
        .chars()
        .filter(|character| !character.is_control())
        .take(MAX_EXTERNAL_ID_CHARS)
        .collect();
    let cut = cut.trim_end().to_owned();
    validate_external_id(&cut).ok().map(|()| cut)
}

/// Finds or creates the account of a buyer and returns its external id.
async fn resolve_buyer(
    app: &App,
    tenant_id: TenantId,
    buyer: &Buyer,
    index: usize,
    report: &mut ImportReport,
) -> ServiceResult<String> {
    let query = buyer.clone();
    let found = app
        .read(move |tx| find_buyer(tx, tenant_id, &query))
        .await?;
    if let Some(external_id) = found {
        return Ok(external_id);
    }

    let name = buyer.name.clone().ok_or_else(|| {
        ServiceError::unprocessable(
            "buyer_name_missing",
            None,
            format!(
                "no account matched the buyer, and a new account {:?} needs the buyer's name, which the document lacks; add the name to the file or create the account first",
                buyer.external_id
            ),
        )
    })?;
    let input = AccountInput {
        external_id: buyer.external_id.clone(),
        name,
        debtor_type: buyer.debtor_type,
        emails: buyer.email.iter().cloned().collect(),
        locale: Some(buyer.locale),
        time_zone: None,
        policy: None,
        contact: serde_json::to_value(&buyer.contact).unwrap_or_default(),
        electronic_demand_consent_until: None,
    };
    let now = app.now();
    let created = app
        .write(move |tx| accounts::upsert(tx, tenant_id, &input, now))
        .await?;
    report.warnings.push(ImportWarning {
        position: position("document", Some(index), None),
        code: "account_created".to_owned(),
        message: format!(
            "no account matched the buyer, so account {:?} was created as a {} with language {}",
            created.account.external_id,
            created.account.debtor_type.as_str(),
            created.account.locale.as_str()
        ),
    });
    Ok(created.account.external_id)
}

/// Returns the external id of the account of a buyer: the account whose external id is the
/// buyer's customer number, else the account with the derived id, else the one account with the
/// buyer's exact name and e-mail address.
fn find_buyer(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    buyer: &Buyer,
) -> ServiceResult<Option<String>> {
    if let Some(number) = &buyer.customer_number
        && let Some(account) = accounts::find(tx, tenant_id, number)?
    {
        return Ok(Some(account.external_id));
    }
    if let Some(account) = accounts::find(tx, tenant_id, &buyer.external_id)? {
        return Ok(Some(account.external_id));
    }
    let (Some(name), Some(email)) = (&buyer.name, &buyer.email) else {
        return Ok(None);
    };
    let same_name = match account_store::find_by_name(tx, tenant_id, name) {
        Ok(found) => found,
        Err(StoreError::NotFound { .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    Ok(same_name
        .into_iter()
        .find(|account| {
            account
                .emails
                .iter()
                .any(|known| known.trim().eq_ignore_ascii_case(email))
        })
        .map(|account| account.external_id))
}

/// Builds the draft of an imported document on an account.
fn draft_of(document: &ParsedInvoice, account: String) -> ServiceResult<InvoiceDraft> {
    let prefix = match document.kind {
        DocumentKind::Invoice => INVOICE_PREFIX,
        DocumentKind::CreditNote => CREDIT_NOTE_PREFIX,
    };
    let external_id = format!("{prefix}{}", document.number.trim());
    validate_external_id(&external_id).map_err(|error| {
        ServiceError::unprocessable(error.code().as_str(), None, error.to_string())
    })?;
    let (kind, corrects, due_date) = match document.kind {
        DocumentKind::Invoice => (InvoiceKind::Invoice, None, document.due_date),
        DocumentKind::CreditNote => {
            let corrected = document.corrected_invoice_number.as_deref().ok_or_else(|| {
                ServiceError::unprocessable(
                    "credit_note_invalid",
                    None,
                    format!(
                        "credit note {} names no invoice it corrects; add the invoice number to the file",
                        document.number
                    ),
                )
            })?;
            (
                InvoiceKind::CreditNote,
                Some(format!("{INVOICE_PREFIX}{}", corrected.trim())),
                None,
            )
        }
    };
    let amount = checked_amount(
        document.amount_payable.amount(),
        document.amount_payable.currency(),
        "amount",
    )?;
    let reference = match &document.reference {
        None => ReferenceInput::Absent,
        Some(reference) => match &reference.parsed {
            Some(parsed) => ReferenceInput::Valid(parsed.clone()),
            None => ReferenceInput::Invalid {
                raw: reference.raw.clone(),
                reason: reference
                    .issue
                    .as_ref()
                    .map(|issue| issue.message.clone())
                    .unwrap_or_default(),
            },
        },
    };
    Ok(InvoiceDraft {
        external_id,
        account,
        kind,
        number: document.number.trim().to_owned(),
        issue_date: document.issue_date,
        sent_on: None,
        due_date,
        amount,
        reference,
        corrects,
        status: InvoiceStatus::Issued,
        seller_iban: document
            .seller_iban
            .as_ref()
            .map(|iban| iban.as_str().to_owned()),
        seller_bic: document
            .seller_bic
            .as_ref()
            .map(|bic| bic.as_str().to_owned()),
    })
}

// Bank files.

async fn apply_bank_file(
    app: &App,
    tenant_id: TenantId,
    file: &BankFile,
    import_id: ImportId,
    report: &mut ImportReport,
) {
    let source = match file.format {
        BankFormat::Ktl => PaymentSource::Ktl,
        BankFormat::Camt053 | BankFormat::Camt054 => PaymentSource::Camt,
    };
    for parsed in &file.warnings {
        report.warnings.push(warning("payment", parsed));
    }

    for (index, payment) in file.payments.iter().enumerate() {
        let place = position("payment", Some(index), Some(&payment.position));
        if payment.reversal {
            let original = payment
                .archive_id
                .strip_suffix(REVERSAL_SUFFIX)
                .unwrap_or(&payment.archive_id);
            match payments::reverse_by_archive_id(app, tenant_id, original).await {
                Ok(ReversalOutcome::Reversed) => count(&mut report.updated),
                Ok(ReversalOutcome::AlreadyReversed) => count(&mut report.duplicates_skipped),
                Ok(ReversalOutcome::NotFound) => report.rejected.push(ImportRejection {
                    position: place,
                    code: Some("reversal_without_payment".to_owned()),
                    reason: format!(
                        "the reversal of {} undoes the payment with archive id {original:?}, which is not recorded, so nothing was undone",
                        payment.amount
                    ),
                }),
                Err(error) => report.rejected.push(rejection(place, &error)),
            }
            continue;
        }

        let input = payment_input(payment, source, import_id);
        match payments::record(app, tenant_id, input).await {
            Ok(recorded) if recorded.created => {
                count(&mut report.created);
                if let Some(reason) = recorded.unmatched {
                    report.warnings.push(ImportWarning {
                        position: place,
                        code: reason.code().to_owned(),
                        message: format!("payment of {}: {}", payment.amount, reason.describe()),
                    });
                }
            }
            Ok(_) => count(&mut report.duplicates_skipped),
            Err(error) => report.rejected.push(rejection(place, &error)),
        }
    }
}

fn payment_input(
    payment: &ParsedPayment,
    source: PaymentSource,
    import_id: ImportId,
) -> PaymentInput {
    let reference = payment
        .reference
        .as_ref()
        .map(|reference| match &reference.parsed {
            Some(parsed) => PaymentReferenceInput::Valid(parsed.clone()),
            None => PaymentReferenceInput::Invalid(compact_raw(&reference.raw)),
        });
    PaymentInput {
        amount: payment.amount.round(),
        paid_on: payment.payment_date,
        booked_on: Some(payment.booking_date),
        reference,
        invoice: None,
        archive_id: Some(payment.archive_id.clone()),
        payer_name: payment.payer_name.clone(),
        source,
        import_id: Some(import_id),
    }
}

/// Compacts a reference that failed its check: without white space and, when it is all digits,
/// without the zero padding of fixed-width bank fields.
fn compact_raw(raw: &str) -> String {
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if !compact.is_empty() && compact.bytes().all(|byte| byte.is_ascii_digit()) {
        let stripped = compact.trim_start_matches('0');
        if stripped.is_empty() {
            "0".to_owned()
        } else {
            stripped.to_owned()
        }
    } else {
        compact
    }
}
