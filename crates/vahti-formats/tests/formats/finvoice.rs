//! Finvoice samples and fixtures, asserted field by field.

use vahti_domain::{Currency, ErrorCode};
use vahti_formats::{DocumentKind, InvoiceFormat, parse_finvoice, parse_invoice_file};

use crate::common::{date, eur, fixture, raw_reference, sample, valid_reference, warnings};

#[test]
fn anonymous_template_3_0() {
    let file = parse_invoice_file(&sample(
        "finvoice/anon_finvoice_30_invoice_with_MessageTransmissionDetails.xml",
    ))
    .unwrap();
    assert_eq!(file.format, InvoiceFormat::Finvoice);
    assert_eq!(file.version, "3.0");
    assert_eq!(file.documents.len(), 1);

    let invoice = &file.documents[0];
    assert_eq!(invoice.kind, DocumentKind::Invoice);
    assert_eq!(invoice.number, "9190100001");
    assert_eq!(invoice.issue_date, date(2019, 1, 21));
    assert_eq!(invoice.due_date, Some(date(2019, 1, 28)));
    assert_eq!(invoice.currency, Currency::EUR);
    assert_eq!(invoice.gross_total, eur("1116.00"));
    assert_eq!(invoice.prepaid, eur("10.00"));
    assert_eq!(invoice.amount_payable, eur("1106.00"));
    assert_eq!(valid_reference(&invoice.reference), Some("91901000011"));
    assert_eq!(invoice.seller_iban, None);
    assert_eq!(invoice.seller_bic.as_ref().unwrap().as_str(), "NDEAFIHH");
    assert_eq!(
        invoice.seller.organisation_id.as_ref().unwrap().id,
        "1234567-8"
    );
    assert_eq!(
        invoice.buyer.name.as_deref(),
        Some("BuyerOrganisationName BuyerOrganisationName")
    );
    assert_eq!(invoice.buyer.email, None);
    assert_eq!(invoice.position.line, 3);
    assert_eq!(invoice.position.path.as_deref(), Some("/Finvoice"));

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("email_invalid_dropped", Some(0), Some(38)),
            ("email_invalid_dropped", Some(0), Some(69)),
            ("iban_invalid_dropped", Some(0), Some(201)),
        ]
    );
}

#[test]
fn finvoice1_mislabelled_utf8() {
    let file = parse_invoice_file(&sample("finvoice/finvoice1.xml")).unwrap();
    assert_eq!(file.version, "2.01");

    let invoice = &file.documents[0];
    assert_eq!(invoice.number, "100946");
    assert_eq!(invoice.issue_date, date(2023, 2, 1));
    assert_eq!(invoice.due_date, Some(date(2023, 2, 28)));
    assert_eq!(invoice.gross_total, eur("451.98"));
    assert_eq!(invoice.prepaid, eur("0.00"));
    assert_eq!(invoice.amount_payable, eur("451.98"));
    assert_eq!(
        valid_reference(&invoice.reference),
        Some("101074450001009462")
    );
    assert_eq!(
        invoice.seller_iban.as_ref().unwrap().as_str(),
        "FI3843224649000556"
    );
    assert_eq!(
        invoice.seller.contact_name.as_deref(),
        Some("Myyjä Yhteyshenkilö")
    );
    assert_eq!(invoice.seller.phone.as_deref(), Some("040 351 8322"));
    assert_eq!(invoice.buyer.name.as_deref(), Some("Mallikas Oy"));
    assert_eq!(invoice.buyer.email, None);
    assert_eq!(invoice.buyer.organisation_id, None);

    // The file declares ISO-8859-15, but its replaced contact name is UTF-8.
    assert_eq!(
        warnings(&file.warnings),
        vec![("encoding_declaration_mismatch", None, Some(15))]
    );
}

#[test]
fn finvoice3_rejected_with_tags() {
    let error = parse_invoice_file(&sample("finvoice/finvoice3.xml")).unwrap_err();
    assert_eq!(error.code(), "xml_malformed");
    assert_eq!(
        error.to_string(),
        "line 37, column 30, element /Finvoice/InvoiceDetails/InvoiceNumber: malformed XML: \
         mismatched closing tag </Invoicenumber>, expected </InvoiceNumber>"
    );
}

#[test]
fn operator_converted_one_line() {
    let file = parse_finvoice(&sample("finvoice/operator-converted.xml")).unwrap();
    assert_eq!(file.version, "1.3");

    let invoice = &file.documents[0];
    assert_eq!(invoice.number, "00044");
    assert_eq!(invoice.issue_date, date(2026, 9, 22));
    assert_eq!(invoice.due_date, Some(date(2026, 9, 22)));
    assert_eq!(invoice.gross_total, eur("0.99"));
    assert_eq!(invoice.amount_payable, eur("0.99"));
    assert_eq!(raw_reference(&invoice.reference), Some("000440"));
    assert_eq!(valid_reference(&invoice.reference), Some("440"));
    assert_eq!(
        invoice.seller_iban.as_ref().unwrap().as_str(),
        "FI2112345600000785"
    );
    assert_eq!(invoice.seller.name.as_deref(), Some("Lähettäjä Oy"));
    assert_eq!(
        invoice.buyer.organisation_id.as_ref().unwrap().id,
        "0112038-9"
    );
    assert_eq!(invoice.buyer.endpoint.as_ref().unwrap().id, "003701120389");
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn credit_note_keeps_bad_reference() {
    let file = parse_invoice_file(&sample("finvoice/credit-note.xml")).unwrap();
    let credit = &file.documents[0];
    assert_eq!(credit.kind, DocumentKind::CreditNote);
    assert_eq!(credit.number, "1043");
    assert_eq!(credit.corrected_invoice_number.as_deref(), Some("1042"));
    assert_eq!(credit.issue_date, date(2026, 9, 25));
    assert_eq!(credit.due_date, Some(date(2026, 10, 9)));
    // Finvoice writes -125,50, and the model stores the amount credited.
    assert_eq!(credit.gross_total, eur("125.50"));
    assert_eq!(credit.amount_payable, eur("125.50"));

    let reference = credit.reference.as_ref().unwrap();
    assert_eq!(reference.raw, "1043002");
    assert_eq!(reference.parsed, None);
    assert_eq!(
        reference.issue.as_ref().unwrap().code,
        "reference_check_digit"
    );

    assert_eq!(
        warnings(&file.warnings),
        vec![("reference_invalid_kept", Some(0), Some(72))]
    );
}

#[test]
fn soap_framed_delivery() {
    let file = parse_invoice_file(&sample("finvoice/soap-framed.xml")).unwrap();
    assert_eq!(file.version, "3.0");
    assert_eq!(file.documents.len(), 1);

    let invoice = &file.documents[0];
    assert_eq!(invoice.number, "2026-77");
    assert_eq!(invoice.gross_total, eur("325.50"));
    assert_eq!(invoice.amount_payable, eur("325.50"));
    assert_eq!(invoice.due_date, Some(date(2026, 10, 6)));
    assert_eq!(
        valid_reference(&invoice.reference),
        Some("RF18539007547034")
    );
    assert_eq!(invoice.seller.name.as_deref(), Some("Lähettäjä Oy"));
    assert_eq!(
        invoice.seller.email.as_deref(),
        Some("laskutus@lahettaja.example")
    );
    assert_eq!(invoice.seller.phone.as_deref(), Some("+358 9 123 4567"));
    assert_eq!(
        invoice.buyer.organisation_id.as_ref().unwrap().id,
        "4567890-7"
    );
    assert_eq!(invoice.position.line, 41);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn version_1_2_in_iso_8859_15() {
    let file = parse_invoice_file(&fixture("finvoice-1.2-iso-8859-15.xml")).unwrap();
    assert_eq!(file.version, "1.2");

    let invoice = &file.documents[0];
    assert_eq!(invoice.number, "2024-0117");
    assert_eq!(invoice.issue_date, date(2024, 1, 17));
    assert_eq!(invoice.due_date, Some(date(2024, 1, 31)));
    assert_eq!(invoice.gross_total, eur("1234.56"));
    assert_eq!(invoice.prepaid, eur("0.00"));
    assert_eq!(invoice.amount_payable, eur("1234.56"));
    assert_eq!(valid_reference(&invoice.reference), Some("20240112"));
    assert_eq!(
        invoice.seller_iban.as_ref().unwrap().as_str(),
        "FI4950009420028730"
    );
    assert_eq!(invoice.seller_bic.as_ref().unwrap().as_str(), "OKOYFIHH");
    assert_eq!(invoice.seller.name.as_deref(), Some("Kärppä & Pöllö Oy"));
    assert_eq!(invoice.seller.contact_name.as_deref(), Some("Åsa Öhman"));
    assert_eq!(invoice.buyer.name.as_deref(), Some("Tuulikki Šarkovski"));
    assert_eq!(
        invoice.buyer.email.as_deref(),
        Some("tuulikki.sarkovski@posti.example")
    );
    let address = invoice.buyer.address.as_ref().unwrap();
    assert_eq!(address.street, vec!["Kuusikkotie 12 as. 3".to_owned()]);
    assert_eq!(address.town.as_deref(), Some("PIEKSÄMÄKI"));
    assert_eq!(address.post_code.as_deref(), Some("76100"));

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("amount_thousands_separator", Some(0), Some(47)),
            ("amount_thousands_separator", Some(0), Some(86)),
        ]
    );
}

#[test]
fn utf8_batch_of_three() {
    let file = parse_invoice_file(&fixture("finvoice-2.01-utf8-batch.xml")).unwrap();
    assert_eq!(file.version, "2.01");
    assert_eq!(file.documents.len(), 3);

    let first = &file.documents[0];
    assert_eq!(first.number, "5001");
    assert_eq!(first.position.line, 16);
    assert_eq!(first.position.path.as_deref(), Some("/Finvoice[1]"));
    assert_eq!(first.gross_total, eur("12500.00"));
    assert_eq!(first.amount_payable, eur("12500.00"));
    assert_eq!(raw_reference(&first.reference), Some("555 01017"));
    assert_eq!(valid_reference(&first.reference), Some("55501017"));
    assert_eq!(first.buyer.name.as_deref(), Some("Asunto Oy Mäntylä"));
    assert_eq!(
        first.buyer.contact_name.as_deref(),
        Some("Isännöitsijä Jaana Kallio")
    );
    assert_eq!(first.buyer.phone.as_deref(), Some("+358 40 555 0142"));
    assert_eq!(first.buyer.endpoint.as_ref().unwrap().id, "003716180339");
    assert_eq!(
        first.seller.email.as_deref(),
        Some("reskontra@lumivaara.example")
    );
    assert_eq!(first.seller.phone.as_deref(), Some("+358 16 555 0199"));

    let second = &file.documents[1];
    assert_eq!(second.number, "5002");
    assert_eq!(second.position.path.as_deref(), Some("/Finvoice[2]"));
    assert_eq!(second.gross_total, eur("89.90"));
    assert_eq!(second.prepaid, eur("20.00"));
    assert_eq!(second.amount_payable, eur("69.90"));
    assert_eq!(second.due_date, Some(date(2024, 3, 1)));
    assert_eq!(valid_reference(&second.reference), Some("RF8755501033"));
    assert_eq!(second.buyer.name.as_deref(), Some("Åke Sjöström"));

    let third = &file.documents[2];
    assert_eq!(third.kind, DocumentKind::CreditNote);
    assert_eq!(third.number, "5003");
    assert_eq!(third.corrected_invoice_number.as_deref(), Some("5001"));
    assert_eq!(third.gross_total, eur("99.90"));
    assert_eq!(third.amount_payable, eur("99.90"));

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("amount_thousands_separator", Some(0), Some(57)),
            ("amount_thousands_separator", Some(0), Some(85)),
        ]
    );
}

#[test]
fn version_3_0_without_declaration() {
    let file = parse_invoice_file(&fixture("finvoice-3.0-no-declaration.xml")).unwrap();
    let invoice = &file.documents[0];
    assert_eq!(invoice.number, "MP-88");
    assert_eq!(invoice.gross_total, eur("250.00"));
    assert_eq!(invoice.prepaid, eur("50.00"));
    assert_eq!(invoice.amount_payable, eur("200.00"));
    assert_eq!(invoice.due_date, Some(date(2024, 2, 3)));
    assert_eq!(valid_reference(&invoice.reference), Some("RF1920240138"));
    assert_eq!(
        invoice.seller_iban.as_ref().unwrap().as_str(),
        "FI2112345600000785"
    );
    assert_eq!(invoice.buyer.name.as_deref(), Some("Ülle Õunapuu"));
    assert_eq!(
        warnings(&file.warnings),
        vec![("reference_scheme_mismatch", Some(0), Some(44))]
    );
}

#[test]
fn latin_text_without_declaration() {
    let file = parse_invoice_file(&fixture("finvoice-1.3-latin-no-declaration.xml")).unwrap();
    let invoice = &file.documents[0];
    assert_eq!(invoice.seller.name.as_deref(), Some("Pöytä ja Tuoli Oy"));
    assert_eq!(invoice.buyer.name.as_deref(), Some("Eero Ääninen"));
    assert_eq!(invoice.gross_total, eur("49.00"));
    assert_eq!(invoice.amount_payable, eur("49.00"));
    assert_eq!(invoice.due_date, Some(date(2024, 1, 19)));
    assert_eq!(valid_reference(&invoice.reference), Some("314152"));
    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("encoding_assumed", None, Some(4)),
            ("amount_decimal_point", Some(0), Some(13)),
            ("due_date_conflict", Some(0), Some(30)),
        ]
    );
}

/// Replaces the first occurrence of `from` in a fixture and parses the result.
fn parse_changed(
    name: &str,
    from: &str,
    to: &str,
) -> Result<vahti_formats::InvoiceFile, vahti_formats::FormatError> {
    let text = String::from_utf8(fixture(name)).unwrap();
    assert!(text.contains(from), "{from:?} not in {name}");
    parse_invoice_file(text.replacen(from, to, 1).as_bytes())
}

#[test]
fn unknown_version_is_rejected() {
    let error = parse_changed(
        "finvoice-3.0-no-declaration.xml",
        "Version=\"3.0\"",
        "Version=\"4.0\"",
    )
    .unwrap_err();
    assert_eq!(error.code(), "file_version_unsupported");
    assert!(error.to_string().contains("\"4.0\""), "{error}");
}

#[test]
fn missing_version_warns() {
    let file = parse_changed("finvoice-3.0-no-declaration.xml", " Version=\"3.0\"", "").unwrap();
    assert_eq!(file.version, "");
    assert_eq!(file.warnings[0].code(), "format_version_missing");
}

#[test]
fn recipient_language_is_lower_case() {
    let cases = [("SV", Some("sv")), (" en ", Some("en")), ("FIN", None)];
    for (code, expected) in cases {
        let file = parse_changed(
            "finvoice-3.0-no-declaration.xml",
            "  <InvoiceDetails>",
            &format!(
                "  <InvoiceRecipientLanguageCode>{code}</InvoiceRecipientLanguageCode>\n  <InvoiceDetails>"
            ),
        )
        .unwrap();
        assert_eq!(
            file.documents[0].recipient_language.as_deref(),
            expected,
            "{code:?}"
        );
    }
}

#[test]
fn missing_invoice_number_names_element() {
    let error = parse_changed(
        "finvoice-3.0-no-declaration.xml",
        "<InvoiceNumber>MP-88</InvoiceNumber>",
        "",
    )
    .unwrap_err();
    assert_eq!(error.code(), "file_element_missing");
    assert!(
        error.to_string().starts_with("line 21, column 3"),
        "{error}"
    );
    assert!(error.to_string().contains("<InvoiceNumber>"), "{error}");
}

#[test]
fn malformed_amount_is_rejected() {
    let error =
        parse_changed("finvoice-3.0-no-declaration.xml", ">200,00<", ">200,0,0<").unwrap_err();
    assert_eq!(error.code(), "file_value_invalid");
    assert!(error.to_string().contains("\"200,0,0\""), "{error}");
    assert!(error.to_string().contains("EpiInstructedAmount"), "{error}");
}

#[test]
fn mixed_currencies_are_rejected() {
    let error = parse_changed(
        "finvoice-3.0-no-declaration.xml",
        "<InvoicePaidAmount AmountCurrencyIdentifier=\"EUR\">",
        "<InvoicePaidAmount AmountCurrencyIdentifier=\"SEK\">",
    )
    .unwrap_err();
    assert_eq!(error.code(), "file_currency_mismatch");
    assert!(error.to_string().contains("SEK"), "{error}");
}

#[test]
fn inconsistent_totals_warn() {
    let file = parse_changed("finvoice-3.0-no-declaration.xml", ">200,00<", ">210,00<").unwrap();
    let codes: Vec<_> = file.warnings.iter().map(ErrorCode::code).collect();
    assert!(codes.contains(&"amounts_inconsistent"), "{codes:?}");
    assert_eq!(file.documents[0].amount_payable, eur("210.00"));
}

#[test]
fn positive_credit_note_warns() {
    let text = String::from_utf8(fixture("finvoice-2.01-utf8-batch.xml"))
        .unwrap()
        .replace(">-99,90<", ">99,90<");
    let file = parse_invoice_file(text.as_bytes()).unwrap();
    assert_eq!(file.documents[2].amount_payable, eur("99.90"));
    let credit_warnings: Vec<_> = file
        .warnings
        .iter()
        .filter(|warning| warning.item == Some(2))
        .map(ErrorCode::code)
        .collect();
    assert_eq!(credit_warnings, vec!["credit_note_sign"]);
}

/// Returns the seller and buyer names of every document, to compare two encodings of a file.
fn names(file: &vahti_formats::InvoiceFile) -> Vec<(Option<String>, Option<String>)> {
    file.documents
        .iter()
        .map(|document| (document.seller.name.clone(), document.buyer.name.clone()))
        .collect()
}

#[test]
fn version_1_2_also_in_utf8() {
    let latin = fixture("finvoice-1.2-iso-8859-15.xml");
    let (text, _, _) = encoding_rs::ISO_8859_15.decode(&latin);
    let utf8 = text.replacen("encoding=\"ISO-8859-15\"", "encoding=\"UTF-8\"", 1);

    let from_latin = parse_invoice_file(&latin).unwrap();
    let from_utf8 = parse_invoice_file(utf8.as_bytes()).unwrap();
    assert_eq!(names(&from_utf8), names(&from_latin));
    assert_eq!(from_utf8.documents, from_latin.documents);
    assert_eq!(from_utf8.warnings.len(), 2);
}

#[test]
fn batch_also_in_iso_8859_15() {
    let utf8 = String::from_utf8(fixture("finvoice-2.01-utf8-batch.xml")).unwrap();
    let declared = utf8.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-15\"");
    let (latin, _, unmappable) = encoding_rs::ISO_8859_15.encode(&declared);
    assert!(!unmappable);

    let from_utf8 = parse_invoice_file(utf8.as_bytes()).unwrap();
    let from_latin = parse_invoice_file(&latin).unwrap();
    assert_eq!(
        names(&from_latin)[1],
        (
            Some("Lumivaara Sähkö Oy".to_owned()),
            Some("Åke Sjöström".to_owned())
        )
    );
    assert_eq!(from_latin.documents, from_utf8.documents);
    assert_eq!(from_latin.warnings, from_utf8.warnings);
}
