//! Format detection by content and errors that concern a file as a whole.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use vahti_domain::ErrorCode;
use vahti_formats::{BankFormat, InvoiceFormat, parse_bank_file, parse_invoice_file};

use crate::common::{fixture, sample};

#[test]
fn invoice_files_by_content() {
    let cases = [
        ("finvoice/soap-framed.xml", InvoiceFormat::Finvoice),
        ("finvoice/operator-converted.xml", InvoiceFormat::Finvoice),
        ("peppol-ubl/base-example.xml", InvoiceFormat::Ubl),
        (
            "peppol-ubl/base-creditnote-correction.xml",
            InvoiceFormat::Ubl,
        ),
    ];
    for (path, format) in cases {
        assert_eq!(
            parse_invoice_file(&sample(path)).unwrap().format,
            format,
            "{path}"
        );
    }
}

#[test]
fn bank_files_by_content() {
    let cases = [
        ("camt/content_053.xml", BankFormat::Camt053),
        ("camt/content_054.xml", BankFormat::Camt054),
        ("ktl/df_ktl.content.ktl", BankFormat::Ktl),
        ("ktl/df_ktl.xml", BankFormat::Ktl),
    ];
    for (path, format) in cases {
        assert_eq!(
            parse_bank_file(&sample(path)).unwrap().format,
            format,
            "{path}"
        );
    }
}

#[test]
fn wrong_kind_of_file_is_named() {
    let error = parse_invoice_file(&sample("camt/content_054.xml")).unwrap_err();
    assert_eq!(error.code(), "file_format_unknown");
    assert!(
        error.to_string().contains("import it as a bank file"),
        "{error}"
    );

    let error = parse_bank_file(&sample("finvoice/credit-note.xml")).unwrap_err();
    assert_eq!(error.code(), "file_format_unknown");
    assert!(
        error.to_string().contains("import it as an invoice file"),
        "{error}"
    );

    let error = parse_invoice_file(&fixture("ktl-correction.ktl")).unwrap_err();
    assert_eq!(error.code(), "file_format_unknown");
}

#[test]
fn empty_files_are_rejected() {
    for bytes in [&b""[..], b"   \r\n", b"\xef\xbb\xbf"] {
        assert_eq!(parse_invoice_file(bytes).unwrap_err().code(), "file_empty");
        assert_eq!(parse_bank_file(bytes).unwrap_err().code(), "file_empty");
    }
}

#[test]
fn unknown_root_is_named() {
    let error = parse_invoice_file(b"<?xml version=\"1.0\"?>\n<Order/>").unwrap_err();
    assert_eq!(error.code(), "file_format_unknown");
    assert!(error.to_string().contains("<Order>"), "{error}");
}

fn application_response(encrypted: &str, compressed: &str, content: &[u8]) -> Vec<u8> {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<c2b:ApplicationResponse xmlns:c2b=\"http://bxd.fi/xmldata/\"><c2b:CustomerId>11111111</c2b:CustomerId><c2b:ResponseCode>00</c2b:ResponseCode><c2b:ResponseText>OK.</c2b:ResponseText><c2b:Encrypted>{encrypted}</c2b:Encrypted><c2b:Compressed>{compressed}</c2b:Compressed><c2b:Content>{}</c2b:Content></c2b:ApplicationResponse>",
        STANDARD.encode(content)
    )
    .into_bytes()
}

#[test]
fn bare_application_response_is_unwrapped() {
    let bytes = application_response("false", "false", &fixture("camt054-001.08-fi.xml"));
    let file = parse_bank_file(&bytes).unwrap();
    assert_eq!(file.format, BankFormat::Camt054);
    assert_eq!(file.payments.len(), 5);
    assert_eq!(file.warnings[0].code(), "bank_response_unwrapped");
}

#[test]
fn encrypted_or_compressed_responses_are_rejected() {
    for (encrypted, compressed, expected) in [
        ("true", "false", "encrypted"),
        ("false", "true", "compressed"),
    ] {
        let bytes = application_response(encrypted, compressed, b"irrelevant");
        let error = parse_bank_file(&bytes).unwrap_err();
        assert_eq!(error.code(), "bank_response_unsupported");
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn error_response_is_reported() {
    let bytes = String::from_utf8(application_response("false", "false", b""))
        .unwrap()
        .replace("<c2b:ResponseCode>00<", "<c2b:ResponseCode>12<")
        .replace(">OK.<", ">Schema validation failed<");
    let error = parse_bank_file(bytes.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "bank_response_unsupported");
    assert!(error.to_string().contains("response code 12"), "{error}");
    assert!(
        error.to_string().contains("Schema validation failed"),
        "{error}"
    );
}
