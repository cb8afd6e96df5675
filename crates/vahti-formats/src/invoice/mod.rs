//! E-invoices: Finvoice and Peppol BIS / EN 16931 UBL, read into one model.

mod finvoice;
mod party;
mod ubl;

pub use finvoice::parse_finvoice;
pub use ubl::parse_ubl;

use chrono::NaiveDate;
use serde::Serialize;
use vahti_domain::ident::{Bic, Iban};
use vahti_domain::{Currency, Money};

use crate::diagnostics::{Position, Warning, WarningKind};
use crate::error::FormatError;
use crate::reference::ParsedReference;
use crate::xml::{Node, parse_xml};

/// The formats [`parse_invoice_file`] reads, for error messages.
const INVOICE_FORMATS: &str =
    "a Finvoice (1.2 to 3.0) or a Peppol BIS Billing 3.0 / EN 16931 UBL invoice or credit note";

/// An invoice file: one or more invoices or credit notes of one format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceFile {
    /// The format of the file.
    pub format: InvoiceFormat,
    /// The format version: Finvoice's `Version` attribute (such as `3.0`) of the first message,
    /// or UBL's `CustomizationID` (such as
    /// `urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0`), which is
    /// how EN 16931 names the specification a document follows.
    pub version: String,
    /// The invoices and credit notes, in file order.
    pub documents: Vec<ParsedInvoice>,
    /// Everything the parser tolerated, with positions; `item` indexes `documents`.
    pub warnings: Vec<Warning>,
}

/// An e-invoice format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceFormat {
    /// Finvoice, the Finnish banks' and operators' XML invoice.
    Finvoice,
    /// OASIS UBL 2.1 `Invoice` or `CreditNote`, as Peppol BIS Billing 3.0 and EN 16931 use it.
    Ubl,
}

/// Whether a document requests payment or credits an earlier invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// An invoice (Finvoice `INV01` and other codes, UBL `Invoice`).
    Invoice,
    /// A credit note (Finvoice `INV02`, UN/EDIFACT 1001 code 381, UBL `CreditNote`).
    CreditNote,
}

/// One invoice or credit note.
///
/// Sign convention: for an invoice the amounts are as written. For a credit note, `gross_total`,
/// `prepaid` and `amount_payable` are the amounts credited, as non-negative numbers, whichever
/// sign the file used (Finvoice writes credit notes negative, UBL positive). The kind tells that
/// they reduce what the buyer owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedInvoice {
    /// Invoice or credit note.
    pub kind: DocumentKind,
    /// The invoice number as written.
    pub number: String,
    /// The issue date.
    pub issue_date: NaiveDate,
    /// The due date, when the document has one.
    pub due_date: Option<NaiveDate>,
    /// The document currency.
    pub currency: Currency,
    /// The total including VAT, before prepayments.
    pub gross_total: Money,
    /// Amounts already paid; zero when the document states none.
    pub prepaid: Money,
    /// The amount to pay (or, for a credit note, credited) after prepayments: Finvoice's
    /// `EpiInstructedAmount`, UBL's `PayableAmount`.
    pub amount_payable: Money,
    /// The creditor reference to pay with, kept even when it fails validation.
    pub reference: Option<ParsedReference>,
    /// The seller's account to pay to: Finvoice `EpiAccountID` (else the first `SellerAccountID`),
    /// UBL `PayeeFinancialAccount/ID`. `None` when missing or invalid, and invalid gives a warning.
    pub seller_iban: Option<Iban>,
    /// The BIC of the seller's bank: Finvoice `EpiBfiIdentifier` (else the first `SellerBic`), UBL
    /// `FinancialInstitutionBranch/ID`. `None` when missing or invalid, and invalid gives a warning.
    pub seller_bic: Option<Bic>,
    /// The seller.
    pub seller: Party,
    /// The buyer, who owes the amount.
    pub buyer: Party,
    /// For a credit note, the number of the invoice it corrects.
    pub corrected_invoice_number: Option<String>,
    /// The seller's own identifier of the buyer, such as a customer number: Finvoice
    /// `SellersBuyerIdentifier`, or in UBL a buyer `PartyIdentification/ID` without a scheme.
    pub customer_number: Option<String>,
    /// The language the buyer reads, as a lower-case ISO 639-1 code such as `fi`: Finvoice's
    /// `InvoiceRecipientLanguageCode`. `None` for UBL, which has no such element, and for a code
    /// that is not two letters.
    pub recipient_language: Option<String>,
    /// The place where the document starts in the file.
    pub position: Position,
}

/// A party of an invoice. Empty elements in the file become `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Party {
    /// The registered (legal) name.
    pub name: Option<String>,
    /// The trading name, when the document gives one.
    pub trading_name: Option<String>,
    /// The organisation identifier: the Finnish business id (Y-tunnus) in Finvoice, the legal
    /// entity's company id in UBL.
    pub organisation_id: Option<Identifier>,
    /// The VAT number.
    pub vat_id: Option<String>,
    /// The electronic invoicing address: UBL `EndpointID`, Finvoice `...OrganisationUnitNumber`.
    pub endpoint: Option<Identifier>,
    /// The e-mail address; `None` when missing or not an address (the latter gives a warning).
    pub email: Option<String>,
    /// The phone number as written.
    pub phone: Option<String>,
    /// The contact person.
    pub contact_name: Option<String>,
    /// The postal address.
    pub address: Option<PostalAddress>,
}

/// An identifier with its optional ISO 6523 scheme code, such as `0088` or `0037`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identifier {
    /// The scheme code, when the file states one.
    pub scheme: Option<String>,
    /// The identifier.
    pub id: String,
}

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PostalAddress {
    /// Street lines (street name, additional lines, post office box) in file order.
    pub street: Vec<String>,
    /// The postal code.
    pub post_code: Option<String>,
    /// The town.
    pub town: Option<String>,
    /// The ISO 3166 country code.
    pub country_code: Option<String>,
}

/// Parses an invoice file, detecting Finvoice or UBL by its root element.
///
/// A Finvoice file may contain several `Finvoice` messages, each optionally preceded by an
/// operator's SOAP envelope. A UBL file contains one `Invoice` or `CreditNote`, optionally inside
/// a Peppol `StandardBusinessDocument`.
pub fn parse_invoice_file(bytes: &[u8]) -> Result<InvoiceFile, FormatError> {
    let first = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .unwrap_or(bytes)
        .iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .ok_or(FormatError::Empty)?;
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if *first != b'<' && !utf16 {
        return Err(FormatError::UnknownFormat {
            found: "content that is not XML".to_owned(),
            expected: INVOICE_FORMATS,
        });
    }

    let xml = parse_xml(bytes)?;
    let roots = Node::roots(&xml.roots);
    if roots.iter().any(|root| root.local_name() == "Finvoice") {
        return finvoice::from_roots(&roots, xml.warnings);
    }

    let first = roots.first().ok_or(FormatError::Empty)?;
    match first.local_name() {
        "Invoice" | "CreditNote" | "StandardBusinessDocument" => {
            ubl::from_roots(&roots, xml.warnings)
        }
        "Document" | "ApplicationResponse" => Err(FormatError::UnknownFormat {
            found: format!(
                "root element <{}>, which is a bank file: import it as a bank file",
                first.local_name()
            ),
            expected: INVOICE_FORMATS,
        }),
        other => Err(FormatError::UnknownFormat {
            found: format!("root element <{other}>"),
            expected: INVOICE_FORMATS,
        }),
    }
}

/// The amounts of one document before sign normalization, as read from the file.
struct Amounts {
    gross_total: Money,
    prepaid: Money,
    amount_payable: Money,
    /// UBL's `PayableRoundingAmount`, zero elsewhere.
    rounding: Money,
}

/// The sign a format normally uses for credit-note amounts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CreditNoteSign {
    Negative,
    Positive,
}

/// Applies the sign convention of [`ParsedInvoice`] and checks that the totals add up.
fn normalize_amounts(
    kind: DocumentKind,
    usual_sign: CreditNoteSign,
    amounts: Amounts,
    number: &str,
    position: &Position,
    warnings: &mut Vec<Warning>,
) -> (Money, Money, Money) {
    let adds_up = amounts
        .gross_total
        .checked_sub(amounts.prepaid)
        .and_then(|expected| expected.checked_add(amounts.rounding))
        .is_ok_and(|expected| expected == amounts.amount_payable);
    if !adds_up {
        warnings.push(Warning::new(
            WarningKind::AmountsInconsistent,
            format!(
                "document {number}: amount payable {} is not gross total {} minus prepaid {}",
                amounts.amount_payable, amounts.gross_total, amounts.prepaid
            ),
            Some(position.clone()),
        ));
    }

    let all = [amounts.gross_total, amounts.prepaid, amounts.amount_payable];
    match kind {
        DocumentKind::Invoice => {
            if amounts.amount_payable.is_negative() {
                warnings.push(Warning::new(
                    WarningKind::InvoiceAmountNegative,
                    format!(
                        "invoice {number} has a negative amount payable {}; it is kept negative",
                        amounts.amount_payable
                    ),
                    Some(position.clone()),
                ));
            }
            (all[0], all[1], all[2])
        }
        DocumentKind::CreditNote => {
            let unusual = match usual_sign {
                CreditNoteSign::Negative => all.iter().any(Money::is_positive),
                CreditNoteSign::Positive => all.iter().any(Money::is_negative),
            };
            if unusual {
                warnings.push(Warning::new(
                    WarningKind::CreditNoteSign,
                    format!(
                        "credit note {number} states {} amounts, unlike the format's usual sign; they were read as the amount credited",
                        if usual_sign == CreditNoteSign::Negative { "positive" } else { "negative" }
                    ),
                    Some(position.clone()),
                ));
            }
            let credited = |money: Money| {
                if money.is_negative() {
                    money.negate()
                } else {
                    money
                }
            };
            (credited(all[0]), credited(all[1]), credited(all[2]))
        }
    }
}

/// Reads an IBAN, turning an invalid one into a warning.
fn checked_iban(text: Option<(String, Position)>, warnings: &mut Vec<Warning>) -> Option<Iban> {
    let (text, position) = text?;
    match Iban::parse(&text) {
        Ok(iban) => Some(iban),
        Err(error) => {
            warnings.push(Warning::new(
                WarningKind::IbanInvalid,
                format!("seller account dropped: {error}"),
                Some(position),
            ));
            None
        }
    }
}

/// Reads a BIC, turning an invalid one into a warning.
fn checked_bic(text: Option<(String, Position)>, warnings: &mut Vec<Warning>) -> Option<Bic> {
    let (text, position) = text?;
    match Bic::parse(&text) {
        Ok(bic) => Some(bic),
        Err(error) => {
            warnings.push(Warning::new(
                WarningKind::BicInvalid,
                format!("seller bank BIC dropped: {error}"),
                Some(position),
            ));
            None
        }
    }
}

/// Marks warnings as belonging to document `item` and moves them to the file's list.
fn attach_warnings(item: usize, document_warnings: Vec<Warning>, file_warnings: &mut Vec<Warning>) {
    file_warnings.extend(document_warnings.into_iter().map(|mut warning| {
        warning.item = Some(item);
        warning
    }));
}

/// Reads a text that must be present, or fails naming the element.
fn required_text(
    node: &Node<'_>,
    path: &[&str],
    hint: &'static str,
) -> Result<(String, Position), FormatError> {
    match node.descendant(path) {
        Some(found) => match found.text() {
            Some(text) => Ok((text, found.position())),
            None => Err(FormatError::MissingElement {
                position: found.position(),
                name: format!("text of <{}>", found.local_name()),
                hint,
            }),
        },
        None => Err(FormatError::MissingElement {
            position: node.position(),
            name: format!("<{}>", path.join("/")),
            hint,
        }),
    }
}

/// Returns a text with the position of its element, when the element exists and is not empty.
fn text_with_position(node: &Node<'_>, path: &[&str]) -> Option<(String, Position)> {
    let found = node.descendant(path)?;
    found.text().map(|text| (text, found.position()))
}

/// Rejects an amount whose currency attribute names another currency than the document's.
fn check_currency(node: &Node<'_>, attribute: &str, currency: Currency) -> Result<(), FormatError> {
    match node.attribute(attribute) {
        Some(code) if !code.trim().eq_ignore_ascii_case(currency.code()) => {
            Err(FormatError::CurrencyMismatch {
                position: node.position(),
                expected: currency.code().to_owned(),
                found: code.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

fn invalid_value(
    position: Position,
    field: &'static str,
    value: &str,
    reason: String,
) -> FormatError {
    FormatError::InvalidValue {
        position,
        field,
        value: value.to_owned(),
        reason,
    }
}

fn parse_date_with(
    parse: fn(&str) -> Result<NaiveDate, String>,
    (text, position): (String, Position),
    field: &'static str,
) -> Result<NaiveDate, FormatError> {
    parse(&text).map_err(|reason| invalid_value(position, field, &text, reason))
}
