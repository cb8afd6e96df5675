//! Peppol BIS Billing 3.0 and EN 16931 invoices and credit notes in the OASIS UBL 2.1 syntax.
//!
//! Amounts are XML Schema decimals with a dot and carry `currencyID`; dates are `YYYY-MM-DD`.
//! A Peppol access point may deliver the document inside a `StandardBusinessDocument`.

use vahti_domain::{Currency, Money};

use crate::diagnostics::{Warning, sort_warnings};
use crate::error::FormatError;
use crate::reference::{ParsedReference, reference_warnings};
use crate::values::{parse_dot_amount, parse_iso_date};
use crate::xml::{Node, parse_xml};

use super::party::ubl_party;
use super::{
    Amounts, CreditNoteSign, DocumentKind, InvoiceFile, InvoiceFormat, ParsedInvoice,
    attach_warnings, check_currency, checked_bic, checked_iban, invalid_value, normalize_amounts,
    parse_date_with, required_text, text_with_position,
};

const INVOICE_NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const CREDIT_NOTE_NAMESPACE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

/// Parses a UBL `Invoice` or `CreditNote`, bare or inside a `StandardBusinessDocument`.
pub fn parse_ubl(bytes: &[u8]) -> Result<InvoiceFile, FormatError> {
    let xml = parse_xml(bytes)?;
    from_roots(&Node::roots(&xml.roots), xml.warnings)
}

pub(super) fn from_roots(
    roots: &[Node<'_>],
    mut warnings: Vec<Warning>,
) -> Result<InvoiceFile, FormatError> {
    let [root] = roots else {
        return Err(FormatError::UnknownFormat {
            found: format!("{} top-level elements", roots.len()),
            expected: "one UBL Invoice or CreditNote",
        });
    };
    let document = match root.local_name() {
        "StandardBusinessDocument" => ["Invoice", "CreditNote"]
            .iter()
            .find_map(|name| root.child(name))
            .ok_or_else(|| FormatError::UnknownFormat {
                found: "a StandardBusinessDocument without an Invoice or CreditNote".to_owned(),
                expected: "a UBL Invoice or CreditNote",
            })?,
        _ => root.clone(),
    };

    let (kind_of_root, namespace) = match document.local_name() {
        "Invoice" => (DocumentKind::Invoice, INVOICE_NAMESPACE),
        "CreditNote" => (DocumentKind::CreditNote, CREDIT_NOTE_NAMESPACE),
        other => {
            return Err(FormatError::UnknownFormat {
                found: format!("root element <{other}>"),
                expected: "a UBL Invoice or CreditNote",
            });
        }
    };
    if document.element.namespace() != Some(namespace) {
        return Err(FormatError::UnknownFormat {
            found: format!(
                "<{}> in namespace {:?}",
                document.local_name(),
                document.element.namespace().unwrap_or_default()
            ),
            expected: "the UBL 2.1 namespace urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 or CreditNote-2",
        });
    }

    let version = document.text_at(&["CustomizationID"]).unwrap_or_default();
    let mut document_warnings = Vec::new();
    let parsed = parse_document(&document, kind_of_root, &mut document_warnings)?;
    attach_warnings(0, document_warnings, &mut warnings);

    sort_warnings(&mut warnings);
    Ok(InvoiceFile {
        format: InvoiceFormat::Ubl,
        version,
        documents: vec![parsed],
        warnings,
    })
}

fn parse_document(
    document: &Node<'_>,
    kind_of_root: DocumentKind,
    warnings: &mut Vec<Warning>,
) -> Result<ParsedInvoice, FormatError> {
    let position = document.position();
    let kind = match document.text_at(&["InvoiceTypeCode"]).as_deref() {
        Some("381") => DocumentKind::CreditNote,
        _ => kind_of_root,
    };

    let (number, _) = required_text(document, &["ID"], "it is the invoice number")?;
    let issue_date = parse_date_with(
        parse_iso_date,
        required_text(document, &["IssueDate"], "it is the issue date")?,
        "issue date",
    )?;
    let due_text = text_with_position(document, &["DueDate"]).or_else(|| {
        document
            .children("PaymentMeans")
            .iter()
            .find_map(|means| text_with_position(means, &["PaymentDueDate"]))
    });
    let due_date = due_text
        .map(|found| parse_date_with(parse_iso_date, found, "due date"))
        .transpose()?;

    let (currency_code, currency_position) = required_text(
        document,
        &["DocumentCurrencyCode"],
        "it is the document currency",
    )?;
    let currency = Currency::from_code(&currency_code).map_err(|error| {
        invalid_value(
            currency_position,
            "currency",
            &currency_code,
            error.to_string(),
        )
    })?;

    let totals =
        document
            .child("LegalMonetaryTotal")
            .ok_or_else(|| FormatError::MissingElement {
                position: position.clone(),
                name: "<LegalMonetaryTotal>".to_owned(),
                hint: "it holds the totals and the amount payable",
            })?;
    let amount = |name: &'static str, required: bool| -> Result<Money, FormatError> {
        match totals.child(name) {
            Some(node) => read_amount(&node, currency),
            None if required => Err(FormatError::MissingElement {
                position: totals.position(),
                name: format!("<{name}>"),
                hint: "EN 16931 requires it in every invoice",
            }),
            None => Ok(Money::zero(currency).round()),
        }
    };
    let amounts = Amounts {
        gross_total: amount("TaxInclusiveAmount", true)?,
        prepaid: amount("PrepaidAmount", false)?,
        amount_payable: amount("PayableAmount", true)?,
        rounding: amount("PayableRoundingAmount", false)?,
    };
    let (gross_total, prepaid, amount_payable) = normalize_amounts(
        kind,
        CreditNoteSign::Positive,
        amounts,
        &number,
        &position,
        warnings,
    );

    let payment_means = document.children("PaymentMeans");
    let reference = payment_means
        .iter()
        .find_map(|means| {
            means
                .child("PaymentID")
                .filter(|node| node.text().is_some())
        })
        .map(|node| payment_id(&node, warnings));
    let account = payment_means
        .iter()
        .find_map(|means| means.child("PayeeFinancialAccount"));
    let iban_text = account
        .as_ref()
        .and_then(|node| text_with_position(node, &["ID"]));
    let bic_text = account
        .as_ref()
        .and_then(|node| text_with_position(node, &["FinancialInstitutionBranch", "ID"]));

    let seller = document
        .descendant(&["AccountingSupplierParty", "Party"])
        .map(|party| ubl_party(&party, warnings))
        .unwrap_or_default();
    let buyer = document
        .descendant(&["AccountingCustomerParty", "Party"])
        .map(|party| ubl_party(&party, warnings))
        .unwrap_or_default();

    Ok(ParsedInvoice {
        kind,
        number,
        issue_date,
        due_date,
        currency,
        gross_total,
        prepaid,
        amount_payable,
        reference,
        seller_iban: checked_iban(iban_text, warnings),
        seller_bic: checked_bic(bic_text, warnings),
        seller,
        buyer,
        corrected_invoice_number: document.text_at(&[
            "BillingReference",
            "InvoiceDocumentReference",
            "ID",
        ]),
        customer_number: document
            .descendant(&["AccountingCustomerParty", "Party"])
            .and_then(|party| {
                party
                    .children("PartyIdentification")
                    .iter()
                    .find_map(|identification| {
                        identification
                            .child("ID")
                            .filter(|id| id.attribute("schemeID").is_none())
                            .and_then(|id| id.text())
                    })
            }),
        recipient_language: None,
        position,
    })
}

fn read_amount(node: &Node<'_>, currency: Currency) -> Result<Money, FormatError> {
    check_currency(node, "currencyID", currency)?;
    let text = node.raw_text();
    parse_dot_amount(text, currency)
        .map_err(|reason| invalid_value(node.position(), "amount", text.trim(), reason))
}

/// Reads `PaymentID`. EN 16931 allows any remittance text there, so a value that is not a valid
/// Finnish or RF reference is kept as unstructured text with a warning.
fn payment_id(node: &Node<'_>, warnings: &mut Vec<Warning>) -> ParsedReference {
    let reference = ParsedReference::parse(node.raw_text());
    warnings.extend(reference_warnings(&reference, &node.position()));
    reference
}
