//! Finvoice 1.2, 1.3, 2.0, 2.01 and 3.0.
//!
//! Facts used here, from the Finvoice implementation guides and the files operators deliver:
//! - amounts use a decimal comma and carry their currency in `AmountCurrencyIdentifier`;
//! - dates are `CCYYMMDD`;
//! - `INV02` is a credit note and writes its amounts negative;
//! - the reference is `EpiRemittanceInfoIdentifier`, with `IdentificationSchemeName` `SPY`
//!   (Finnish) or `ISO` (RF);
//! - an operator may put an ebXML SOAP envelope before each message, so a file can contain several
//!   envelopes and messages.

use vahti_domain::ident::PaymentReference;
use vahti_domain::{Currency, Money};

use crate::diagnostics::{Warning, WarningKind, sort_warnings};
use crate::error::FormatError;
use crate::reference::{ParsedReference, reference_warnings};
use crate::values::{WrittenAmount, parse_ccyymmdd, parse_comma_amount};
use crate::xml::{Node, parse_xml};

use super::party::{BUYER, SELLER, finvoice_party};
use super::{
    Amounts, CreditNoteSign, DocumentKind, InvoiceFile, InvoiceFormat, ParsedInvoice,
    attach_warnings, check_currency, checked_bic, checked_iban, invalid_value, normalize_amounts,
    parse_date_with, required_text, text_with_position,
};

/// The Finvoice versions this parser reads. The elements it uses exist in all of them.
const SUPPORTED_VERSIONS: [&str; 5] = ["1.2", "1.3", "2.0", "2.01", "3.0"];

/// Parses a Finvoice file: one or more `Finvoice` messages, each optionally preceded by an
/// operator's SOAP envelope.
pub fn parse_finvoice(bytes: &[u8]) -> Result<InvoiceFile, FormatError> {
    let xml = parse_xml(bytes)?;
    from_roots(&Node::roots(&xml.roots), xml.warnings)
}

pub(super) fn from_roots(
    roots: &[Node<'_>],
    mut warnings: Vec<Warning>,
) -> Result<InvoiceFile, FormatError> {
    let mut messages = Vec::new();
    for root in roots {
        match root.local_name() {
            "Finvoice" => messages.push(root),
            "Envelope" => {}
            other => {
                return Err(FormatError::UnknownFormat {
                    found: format!(
                        "root element <{other}> at {} in a Finvoice file",
                        root.position()
                    ),
                    expected: "only Finvoice messages and their SOAP envelopes",
                });
            }
        }
    }

    let mut version: Option<String> = None;
    let mut documents = Vec::with_capacity(messages.len());
    for message in messages {
        let message_version = check_version(message, &mut warnings)?;
        match &version {
            None => version = Some(message_version),
            Some(first) if *first != message_version => warnings.push(Warning::new(
                WarningKind::VersionsDiffer,
                format!(
                    "this message is Finvoice {message_version:?}, the first message of the file {first:?}"
                ),
                Some(message.position()),
            )),
            Some(_) => {}
        }

        let mut document_warnings = Vec::new();
        let document = parse_message(message, &mut document_warnings)?;
        attach_warnings(documents.len(), document_warnings, &mut warnings);
        documents.push(document);
    }

    sort_warnings(&mut warnings);
    Ok(InvoiceFile {
        format: InvoiceFormat::Finvoice,
        version: version.unwrap_or_default(),
        documents,
        warnings,
    })
}

/// Returns the message's version, rejecting one this parser does not know.
fn check_version(message: &Node<'_>, warnings: &mut Vec<Warning>) -> Result<String, FormatError> {
    let Some(version) = message.attribute("Version").map(str::trim) else {
        warnings.push(Warning::new(
            WarningKind::VersionMissing,
            "the Finvoice message has no Version attribute; it was read with the elements common to versions 1.2 to 3.0",
            Some(message.position()),
        ));
        return Ok(String::new());
    };
    if SUPPORTED_VERSIONS.contains(&version) {
        Ok(version.to_owned())
    } else {
        Err(FormatError::UnsupportedVersion {
            format: "Finvoice".to_owned(),
            version: version.to_owned(),
            supported: "1.2, 1.3, 2.0, 2.01 and 3.0",
        })
    }
}

fn parse_message(
    message: &Node<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<ParsedInvoice, FormatError> {
    let position = message.position();
    let details = message
        .child("InvoiceDetails")
        .ok_or_else(|| FormatError::MissingElement {
            position: position.clone(),
            name: "<InvoiceDetails>".to_owned(),
            hint: "it holds the invoice number, dates and totals",
        })?;
    let instruction = message
        .descendant(&["EpiDetails", "EpiPaymentInstructionDetails"])
        .ok_or_else(|| FormatError::MissingElement {
            position: position.clone(),
            name: "<EpiDetails/EpiPaymentInstructionDetails>".to_owned(),
            hint: "it holds the amount to pay and the reference",
        })?;

    let type_code = details.text_at(&["InvoiceTypeCode"]);
    let type_code_un = details.text_at(&["InvoiceTypeCodeUN"]);
    let kind = if type_code.as_deref() == Some("INV02") || type_code_un.as_deref() == Some("381") {
        DocumentKind::CreditNote
    } else {
        DocumentKind::Invoice
    };

    let (number, _) = required_text(&details, &["InvoiceNumber"], "it identifies the invoice")?;
    let issue_date = parse_date_with(
        parse_ccyymmdd,
        required_text(&details, &["InvoiceDate"], "it is the issue date")?,
        "invoice date",
    )?;
    let due_date = due_date(&details, &instruction, warnings)?;

    let instructed =
        instruction
            .child("EpiInstructedAmount")
            .ok_or_else(|| FormatError::MissingElement {
                position: instruction.position(),
                name: "<EpiInstructedAmount>".to_owned(),
                hint: "it is the amount to pay",
            })?;
    let total = details
        .child("InvoiceTotalVatIncludedAmount")
        .ok_or_else(|| FormatError::MissingElement {
            position: details.position(),
            name: "<InvoiceTotalVatIncludedAmount>".to_owned(),
            hint: "it is the invoice total including VAT",
        })?;
    let currency = document_currency(&instructed, &total)?;
    let amount_payable = read_amount(&instructed, currency, warnings)?;
    let gross_total = read_amount(&total, currency, warnings)?;
    let prepaid = match details.child("InvoicePaidAmount") {
        Some(paid) => read_amount(&paid, currency, warnings)?,
        None => Money::zero(currency).round(),
    };
    let (gross_total, prepaid, amount_payable) = normalize_amounts(
        kind,
        CreditNoteSign::Negative,
        Amounts {
            gross_total,
            prepaid,
            amount_payable,
            rounding: Money::zero(currency).round(),
        },
        &number,
        &position,
        warnings,
    );

    let party_details = message.descendant(&["EpiDetails", "EpiPartyDetails"]);
    let seller_account = message.descendant(&["SellerInformationDetails", "SellerAccountDetails"]);
    let iban_text = party_details
        .as_ref()
        .and_then(|node| text_with_position(node, &["EpiBeneficiaryPartyDetails", "EpiAccountID"]))
        .or_else(|| {
            seller_account
                .as_ref()
                .and_then(|node| text_with_position(node, &["SellerAccountID"]))
        });
    let bic_text = party_details
        .as_ref()
        .and_then(|node| text_with_position(node, &["EpiBfiPartyDetails", "EpiBfiIdentifier"]))
        .or_else(|| {
            seller_account
                .as_ref()
                .and_then(|node| text_with_position(node, &["SellerBic"]))
        });

    let corrected_invoice_number = details
        .text_at(&["OriginalInvoiceNumber"])
        .or_else(|| details.text_at(&["OriginalInvoiceReference", "InvoiceNumber"]));

    Ok(ParsedInvoice {
        kind,
        number,
        issue_date,
        due_date,
        currency,
        gross_total,
        prepaid,
        amount_payable,
        reference: reference(&instruction, warnings),
        seller_iban: checked_iban(iban_text, warnings),
        seller_bic: checked_bic(bic_text, warnings),
        seller: finvoice_party(message, &SELLER, warnings),
        buyer: finvoice_party(message, &BUYER, warnings),
        corrected_invoice_number,
        customer_number: details.text_at(&["SellersBuyerIdentifier"]),
        recipient_language: recipient_language(message),
        position,
    })
}

/// Reads `InvoiceRecipientLanguageCode` as a lower-case two-letter code.
fn recipient_language(message: &Node<'_>) -> Option<String> {
    let code = message.text_at(&["InvoiceRecipientLanguageCode"])?;
    let code = code.trim();
    (code.len() == 2 && code.bytes().all(|byte| byte.is_ascii_alphabetic()))
        .then(|| code.to_ascii_lowercase())
}

/// Reads the due date: `InvoiceDueDate` of the payment terms, else `EpiDateOptionDate` of the
/// payment instruction. When both are present and differ, the payment terms win with a warning.
fn due_date(
    details: &Node<'_>,
    instruction: &Node<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<chrono::NaiveDate>, FormatError> {
    let terms_date = details
        .children("PaymentTermsDetails")
        .iter()
        .find_map(|terms| text_with_position(terms, &["InvoiceDueDate"]));
    let terms_due = terms_date
        .map(|found| parse_date_with(parse_ccyymmdd, found, "due date"))
        .transpose()?;
    let instruction_date = text_with_position(instruction, &["EpiDateOptionDate"]);
    let instruction_position = instruction_date
        .as_ref()
        .map(|(_, position)| position.clone());
    let instruction_due = instruction_date
        .map(|found| parse_date_with(parse_ccyymmdd, found, "payment date"))
        .transpose()?;

    match (terms_due, instruction_due) {
        (Some(terms), Some(epi)) if terms != epi => {
            warnings.push(Warning::new(
                WarningKind::DueDateConflict,
                format!(
                    "the payment terms give due date {terms} but the payment instruction {epi}; {terms} was used"
                ),
                instruction_position,
            ));
            Ok(Some(terms))
        }
        (Some(terms), _) => Ok(Some(terms)),
        (None, epi) => Ok(epi),
    }
}

/// Reads the currency of the amount payable, or of the total when the amount payable has none.
fn document_currency(instructed: &Node<'_>, total: &Node<'_>) -> Result<Currency, FormatError> {
    let (code, node) = match instructed.attribute("AmountCurrencyIdentifier") {
        Some(code) => (code, instructed),
        None => match total.attribute("AmountCurrencyIdentifier") {
            Some(code) => (code, total),
            None => {
                return Err(FormatError::MissingElement {
                    position: instructed.position(),
                    name: "attribute AmountCurrencyIdentifier".to_owned(),
                    hint: "it is the currency of the amount, such as EUR",
                });
            }
        },
    };
    Currency::from_code(code)
        .map_err(|error| invalid_value(node.position(), "currency", code, error.to_string()))
}

/// Reads an amount element in the document currency, warning about separators.
fn read_amount(
    node: &Node<'_>,
    currency: Currency,
    warnings: &mut Vec<Warning>,
) -> Result<Money, FormatError> {
    check_currency(node, "AmountCurrencyIdentifier", currency)?;
    let text = node.raw_text();
    let written: WrittenAmount = parse_comma_amount(text, currency)
        .map_err(|reason| invalid_value(node.position(), "amount", text.trim(), reason))?;
    if written.thousands_separator {
        warnings.push(Warning::new(
            WarningKind::AmountThousandsSeparator,
            format!(
                "amount {:?} has thousands separators, which were ignored",
                text.trim()
            ),
            Some(node.position()),
        ));
    }
    if written.decimal_point {
        warnings.push(Warning::new(
            WarningKind::AmountDecimalPoint,
            format!(
                "amount {:?} uses a decimal point; Finvoice amounts use a decimal comma",
                text.trim()
            ),
            Some(node.position()),
        ));
    }
    Ok(written.money)
}

/// Reads `EpiRemittanceInfoIdentifier`, warning when it fails validation or its scheme name does
/// not match its form.
fn reference(instruction: &Node<'_>, warnings: &mut Vec<Warning>) -> Option<ParsedReference> {
    let node = instruction.child("EpiRemittanceInfoIdentifier")?;
    if node.raw_text().trim().is_empty() {
        return None;
    }
    let reference = ParsedReference::parse(node.raw_text());
    let position = node.position();
    warnings.extend(reference_warnings(&reference, &position));

    let scheme = node.attribute("IdentificationSchemeName").map(str::trim);
    let mismatch = match (&reference.parsed, scheme) {
        (Some(PaymentReference::Rf(_)), Some("SPY")) => Some(("SPY", "a Finnish reference")),
        (Some(PaymentReference::Finnish(_)), Some("ISO")) => Some(("ISO", "an RF reference")),
        _ => None,
    };
    if let Some((scheme, expected)) = mismatch {
        warnings.push(Warning::new(
            WarningKind::ReferenceSchemeMismatch,
            format!(
                "reference {:?} is marked {scheme}, which means {expected}; it was read by its form",
                reference.raw.trim()
            ),
            Some(position),
        ));
    }
    Some(reference)
}
