//! Peppol BIS / EN 16931 UBL samples and fixtures.

use vahti_domain::{Currency, ErrorCode};
use vahti_formats::{DocumentKind, InvoiceFormat, parse_invoice_file, parse_ubl};

use crate::common::{date, eur, fixture, money, raw_reference, sample, valid_reference, warnings};

const BIS_3_0: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";

#[test]
fn bis_base_example() {
    let file = parse_invoice_file(&sample("peppol-ubl/base-example.xml")).unwrap();
    assert_eq!(file.format, InvoiceFormat::Ubl);
    assert_eq!(file.version, BIS_3_0);

    let invoice = &file.documents[0];
    assert_eq!(invoice.kind, DocumentKind::Invoice);
    assert_eq!(invoice.number, "Snippet1");
    assert_eq!(invoice.issue_date, date(2017, 11, 13));
    assert_eq!(invoice.due_date, Some(date(2017, 12, 1)));
    assert_eq!(invoice.currency, Currency::EUR);
    assert_eq!(invoice.gross_total, eur("1656.25"));
    assert_eq!(invoice.prepaid, eur("0.00"));
    assert_eq!(invoice.amount_payable, eur("1656.25"));
    assert_eq!(raw_reference(&invoice.reference), Some("Snippet1"));
    assert_eq!(valid_reference(&invoice.reference), None);
    assert_eq!(invoice.seller_iban, None);
    assert_eq!(invoice.seller_bic, None);
    assert_eq!(
        invoice.seller.name.as_deref(),
        Some("SupplierOfficialName Ltd")
    );

    let buyer = &invoice.buyer;
    assert_eq!(buyer.name.as_deref(), Some("Buyer Official Name"));
    assert_eq!(buyer.trading_name.as_deref(), Some("BuyerTradingName AS"));
    let endpoint = buyer.endpoint.as_ref().unwrap();
    assert_eq!(endpoint.scheme.as_deref(), Some("0002"));
    assert_eq!(endpoint.id, "FR23342");
    let company = buyer.organisation_id.as_ref().unwrap();
    assert_eq!(company.scheme.as_deref(), Some("0183"));
    assert_eq!(company.id, "39937423947");
    assert_eq!(buyer.vat_id.as_deref(), Some("SE4598375937"));
    assert_eq!(buyer.email.as_deref(), Some("lj@buyer.se"));
    assert_eq!(buyer.contact_name.as_deref(), Some("Lisa Johnson"));
    assert_eq!(invoice.corrected_invoice_number, None);

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("reference_invalid_kept", Some(0), Some(101)),
            ("iban_invalid_dropped", Some(0), Some(103)),
            ("bic_invalid_dropped", Some(0), Some(106)),
        ]
    );
}

#[test]
fn bis_credit_note_correction() {
    let file = parse_ubl(&sample("peppol-ubl/base-creditnote-correction.xml")).unwrap();
    let credit = &file.documents[0];
    assert_eq!(credit.kind, DocumentKind::CreditNote);
    assert_eq!(credit.number, "Snippet1");
    assert_eq!(credit.corrected_invoice_number.as_deref(), Some("Snippet1"));
    assert_eq!(credit.due_date, None);
    assert_eq!(credit.gross_total, eur("1656.25"));
    assert_eq!(credit.amount_payable, eur("1656.25"));
    assert_eq!(credit.position.path.as_deref(), Some("/CreditNote"));
    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("reference_invalid_kept", Some(0), Some(106)),
            ("iban_invalid_dropped", Some(0), Some(108)),
            ("bic_invalid_dropped", Some(0), Some(111)),
        ]
    );
}

#[test]
fn en16931_prepaid_nok() {
    let file = parse_invoice_file(&sample("peppol-ubl/ubl-tc434-example2.xml")).unwrap();
    assert_eq!(file.version, "urn:cen.eu:en16931:2017");

    let invoice = &file.documents[0];
    assert_eq!(invoice.number, "TOSL108");
    assert_eq!(invoice.issue_date, date(2013, 6, 30));
    assert_eq!(invoice.due_date, Some(date(2013, 7, 20)));
    assert_eq!(invoice.currency.code(), "NOK");
    assert_eq!(invoice.gross_total, money("1801.78", "NOK"));
    assert_eq!(invoice.prepaid, money("1000.00", "NOK"));
    assert_eq!(invoice.amount_payable, money("801.78", "NOK"));
    assert_eq!(raw_reference(&invoice.reference), Some("0003434323213231"));
    assert_eq!(valid_reference(&invoice.reference), Some("3434323213231"));
    assert_eq!(
        invoice.seller_iban.as_ref().unwrap().as_str(),
        "NO9386011117947"
    );
    assert_eq!(invoice.seller_bic.as_ref().unwrap().as_str(), "DNBANOKK");
    assert_eq!(invoice.seller.name.as_deref(), Some("Salescompany ltd."));
    assert_eq!(
        invoice.seller.email.as_deref(),
        Some("antonio@salescompany.no")
    );
    assert_eq!(invoice.buyer.name.as_deref(), Some("The Buyercompany"));
    assert_eq!(invoice.buyer.trading_name, None);
    assert_eq!(invoice.buyer.email.as_deref(), Some("john@buyercompany.no"));
    assert_eq!(
        invoice.buyer.organisation_id.as_ref().unwrap().id,
        "987654321"
    );
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn credit_note_in_swedish_crowns() {
    let file = parse_invoice_file(&fixture("ubl-creditnote-sek.xml")).unwrap();
    let credit = &file.documents[0];
    assert_eq!(credit.kind, DocumentKind::CreditNote);
    assert_eq!(credit.number, "TS-KR-2024-007");
    assert_eq!(credit.issue_date, date(2024, 3, 5));
    assert_eq!(credit.due_date, Some(date(2024, 3, 19)));
    assert_eq!(credit.currency.code(), "SEK");
    assert_eq!(credit.gross_total, money("5000.00", "SEK"));
    assert_eq!(credit.prepaid, money("0.00", "SEK"));
    assert_eq!(credit.amount_payable, money("5000.00", "SEK"));
    assert_eq!(
        credit.corrected_invoice_number.as_deref(),
        Some("TS-2024-031")
    );
    assert_eq!(valid_reference(&credit.reference), Some("RF08SNICKERI2024"));
    assert_eq!(
        credit.seller_iban.as_ref().unwrap().as_str(),
        "SE4550000000058398257466"
    );
    assert_eq!(credit.seller_bic.as_ref().unwrap().as_str(), "ESSESESS");
    assert_eq!(
        credit.seller.name.as_deref(),
        Some("Tallbacken Snickeri AB")
    );
    assert_eq!(
        credit.seller.contact_name.as_deref(),
        Some("Göran Lindqvist")
    );
    assert_eq!(
        credit.seller.address.as_ref().unwrap().town.as_deref(),
        Some("Umeå")
    );
    assert_eq!(credit.buyer.name.as_deref(), Some("Oy Saaristolaiva Ab"));
    assert_eq!(
        credit.buyer.address.as_ref().unwrap().street,
        vec!["Satamatie 1".to_owned(), "Laituri 4".to_owned()]
    );
    assert_eq!(
        credit.buyer.email.as_deref(),
        Some("hanna.ek@saaristolaiva.example")
    );
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

fn parse_changed(
    from: &str,
    to: &str,
) -> Result<vahti_formats::InvoiceFile, vahti_formats::FormatError> {
    let text = String::from_utf8(fixture("ubl-creditnote-sek.xml")).unwrap();
    assert!(text.contains(from), "{from:?} not in the fixture");
    parse_invoice_file(text.replacen(from, to, 1).as_bytes())
}

#[test]
fn comma_decimal_is_rejected() {
    let error = parse_changed(
        "<cbc:PayableAmount currencyID=\"SEK\">5000.00",
        "<cbc:PayableAmount currencyID=\"SEK\">5000,00",
    )
    .unwrap_err();
    assert_eq!(error.code(), "file_value_invalid");
    assert!(error.to_string().contains("\"5000,00\""), "{error}");
}

#[test]
fn other_currency_amount_is_rejected() {
    let error = parse_changed(
        "<cbc:PayableAmount currencyID=\"SEK\">",
        "<cbc:PayableAmount currencyID=\"EUR\">",
    )
    .unwrap_err();
    assert_eq!(error.code(), "file_currency_mismatch");
}

#[test]
fn negative_credit_note_warns() {
    let file = parse_changed(
        "<cbc:PayableAmount currencyID=\"SEK\">5000.00",
        "<cbc:PayableAmount currencyID=\"SEK\">-5000.00",
    )
    .unwrap();
    assert_eq!(file.documents[0].amount_payable, money("5000.00", "SEK"));
    let codes: Vec<_> = file.warnings.iter().map(ErrorCode::code).collect();
    assert_eq!(codes, vec!["amounts_inconsistent", "credit_note_sign"]);
}

#[test]
fn wrong_namespace_is_rejected() {
    let error = parse_changed(
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\"",
        "urn:example:credit-note\"",
    )
    .unwrap_err();
    assert_eq!(error.code(), "file_format_unknown");
}

#[test]
fn business_document_wrapper_is_read() {
    let inner = String::from_utf8(fixture("ubl-creditnote-sek.xml")).unwrap();
    let body = inner.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let wrapped = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<StandardBusinessDocument xmlns=\"http://www.unece.org/cefact/namespaces/StandardBusinessDocumentHeader\">\n<StandardBusinessDocumentHeader><HeaderVersion>1.0</HeaderVersion></StandardBusinessDocumentHeader>\n{body}</StandardBusinessDocument>\n"
    );
    let file = parse_invoice_file(wrapped.as_bytes()).unwrap();
    assert_eq!(file.documents[0].number, "TS-KR-2024-007");
    assert_eq!(
        file.documents[0].position.path.as_deref(),
        Some("/StandardBusinessDocument/CreditNote")
    );
}
