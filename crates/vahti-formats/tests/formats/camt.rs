//! ISO 20022 camt.053 and camt.054 samples and fixtures.

use vahti_domain::ErrorCode;
use vahti_formats::{
    BankFile, BankFormat, ParsedPayment, ReferenceSource, SkippedCounts, parse_bank_file,
    parse_camt,
};

use crate::common::{date, eur, fixture, money, raw_reference, sample, valid_reference, warnings};

/// Summarises a payment as (amount, reference as validated or raw, archive id, payer).
fn summary(payment: &ParsedPayment) -> (String, Option<String>, String, Option<String>) {
    let reference = payment
        .reference
        .as_ref()
        .map(|reference| match &reference.parsed {
            Some(parsed) => parsed.as_str().to_owned(),
            None => format!("raw:{}", reference.raw),
        });
    (
        payment.amount.amount().to_string(),
        reference,
        payment.archive_id.clone(),
        payment.payer_name.clone(),
    )
}

fn summaries(file: &BankFile) -> Vec<(String, Option<String>, String, Option<String>)> {
    file.payments.iter().map(summary).collect()
}

fn row(
    amount: &str,
    reference: Option<&str>,
    archive_id: &str,
    payer: Option<&str>,
) -> (String, Option<String>, String, Option<String>) {
    (
        amount.to_owned(),
        reference.map(str::to_owned),
        archive_id.to_owned(),
        payer.map(str::to_owned),
    )
}

#[test]
fn finnish_notification_sample() {
    let file = parse_bank_file(&sample("camt/content_054.xml")).unwrap();
    assert_eq!(file.format, BankFormat::Camt054);
    assert_eq!(file.version.as_deref(), Some("001.02"));
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI7433010001222090"
    );
    assert_eq!(
        file.skipped,
        SkippedCounts {
            debit_entries: 2,
            unbooked_entries: 1,
            opposite_transactions: 0,
            failed_direct_debits: 0,
        }
    );
    assert_eq!(
        summaries(&file),
        vec![
            row(
                "1900.00",
                Some("3900"),
                "D091029N987654321S001",
                Some("PAYERS NAME1")
            ),
            row(
                "100.00",
                Some("43216"),
                "D091029N987654321S002",
                Some("PAYERS NAME2")
            ),
            row(
                "400.00",
                Some("3900"),
                "D091029N987654321S211",
                Some("PAYERS NAME1")
            ),
            row(
                "100.00",
                Some("43216"),
                "D091029N987654321S212",
                Some("PAYERS NAME2")
            ),
            row(
                "2500.00",
                Some("RF7812345"),
                "D091029N123456789S001",
                Some("AT-02 DEBTOR NAME 01")
            ),
            row(
                "500.00",
                Some("557742358"),
                "D091029N123456789S002",
                Some("AT-02 DEBTOR NAME 02")
            ),
        ]
    );

    let first = &file.payments[0];
    assert_eq!(first.booking_date, date(2010, 10, 29));
    assert_eq!(first.value_date, Some(date(2010, 10, 29)));
    assert_eq!(first.payment_date, date(2010, 10, 28));
    assert_eq!(
        first.entry_archive_id.as_deref(),
        Some("091029ACCTSTMTARCH04")
    );
    assert_eq!(first.remittances.len(), 2);
    assert_eq!(first.remittances[0].remitted_amount, Some(eur("2500.00")));
    assert_eq!(first.remittances[1].credit_note_amount, Some(eur("600.00")));
    assert_eq!(
        first.remittances[1]
            .reference
            .parsed
            .as_ref()
            .unwrap()
            .as_str(),
        "12344"
    );
    assert_eq!(file.payments[1].payment_date, date(2010, 10, 29));
    assert!(file.payments[2].direct_debit);
    assert!(!file.payments[0].direct_debit);
    assert_eq!(
        raw_reference(&file.payments[4].reference),
        Some("RF7812345 ")
    );
    assert_eq!(file.payments[5].reference_source, ReferenceSource::FreeText);
    assert_eq!(file.payments[5].free_text.as_deref(), Some("RFB/557742358"));
    assert!(file.payments.iter().all(|payment| !payment.reversal));

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("reference_multiple", Some(0), Some(160)),
            ("reference_multiple", Some(4), Some(409)),
            ("reference_whitespace_ignored", Some(4), Some(453)),
            ("reference_from_free_text", Some(5), Some(537)),
        ]
    );
}

#[test]
fn finnish_statement_sample() {
    let file = parse_camt(&sample("camt/content_053.xml")).unwrap();
    assert_eq!(file.format, BankFormat::Camt053);
    assert_eq!(file.version.as_deref(), Some("001.02"));
    assert_eq!(file.skipped.debit_entries, 4);
    assert_eq!(
        summaries(&file),
        vec![
            row("2000.00", None, "091029ACCTSTMTARCH04", None),
            row("500.00", None, "091029ACCTSTMTARCH21", None),
            row("3000.00", None, "091029ACCTSTMTARCH05", None),
            row("2120.00", None, "091029ACCTSTMTARCH06", Some("DEBTOR NAME")),
            row(
                "5455.00",
                Some("raw:RF98123456789012"),
                "091029ACCTSTMTARCH07",
                Some("PAYERS NAME2")
            ),
            row(
                "10000.00",
                Some("raw:RF98123456789012"),
                "091029ACCTSTMTARCH08",
                Some("DEBTOR")
            ),
        ]
    );
    assert_eq!(file.payments[3].value_date, Some(date(2010, 10, 30)));
    assert_eq!(file.payments[3].payment_date, date(2010, 10, 30));
    assert_eq!(
        file.payments[3].free_text.as_deref(),
        Some("INVOICE US20291092")
    );
    assert_eq!(file.payments[3].reference_source, ReferenceSource::None);
    assert_eq!(file.payments[5].payment_date, date(2010, 10, 28));
    assert_eq!(
        file.payments[4]
            .reference
            .as_ref()
            .unwrap()
            .issue
            .as_ref()
            .unwrap()
            .code,
        "rf_reference_checksum"
    );

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("batch_without_details", Some(0), Some(523)),
            ("batch_without_details", Some(1), Some(565)),
            ("batch_without_details", Some(2), Some(605)),
            ("reference_invalid_kept", Some(4), Some(813)),
            ("reference_invalid_kept", Some(5), Some(894)),
        ]
    );
}

#[test]
fn danske_style_notification() {
    let file = parse_bank_file(&sample("camt/camt.054.001.02.feature.xml")).unwrap();
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI9881234511224450"
    );
    assert_eq!(
        summaries(&file),
        vec![
            row(
                "147.00",
                Some("raw:123"),
                "1109168E0049198529",
                Some("Maksaja")
            ),
            row(
                "36.00",
                Some("RF74100978"),
                "1109168E0049198530",
                Some("Maksaja")
            ),
            row(
                "10.00",
                Some("6450830029863"),
                "1109158E0049179974",
                Some("Maksaja")
            ),
        ]
    );
    let total = file
        .payments
        .iter()
        .try_fold(eur("0"), |sum, payment| sum.checked_add(payment.amount))
        .unwrap();
    assert_eq!(total, eur("193.00"));
    assert!(file.payments[2].direct_debit);
    assert_eq!(file.payments[0].payment_date, date(2011, 9, 16));
    assert_eq!(
        file.payments[0]
            .reference
            .as_ref()
            .unwrap()
            .issue
            .as_ref()
            .unwrap()
            .code,
        "reference_length"
    );
    assert_eq!(
        warnings(&file.warnings),
        vec![("reference_invalid_kept", Some(0), Some(127))]
    );
}

#[test]
fn op_statement_on_one_line() {
    let file = parse_bank_file(&sample("camt/camt53.xml")).unwrap();
    assert_eq!(file.format, BankFormat::Camt053);
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI1557169020004185"
    );
    assert_eq!(
        summaries(&file),
        vec![row("1159.23", None, "140103578800012359", None)]
    );
    assert_eq!(file.payments[0].payment_date, date(2014, 1, 3));
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn generic_debit_notifications() {
    let version_2 = parse_bank_file(&sample("camt/camt054.v2.xml")).unwrap();
    assert_eq!(version_2.version.as_deref(), Some("001.02"));
    assert!(version_2.payments.is_empty());
    assert_eq!(version_2.skipped.debit_entries, 1);
    assert_eq!(version_2.account, None);

    let version_8 = parse_bank_file(&sample("camt/camt054.v8.xml")).unwrap();
    assert_eq!(version_8.version.as_deref(), Some("001.08"));
    assert!(version_8.payments.is_empty());
    assert_eq!(version_8.skipped.debit_entries, 1);
    assert_eq!(
        version_8.account.as_ref().unwrap().as_str(),
        "CH2801234000123456789"
    );
    assert!(version_8.warnings.is_empty());
}

#[test]
fn version_04_fixture() {
    let file = parse_bank_file(&fixture("camt054-001.04-fi.xml")).unwrap();
    assert_eq!(file.version.as_deref(), Some("001.04"));
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI4950009420028730"
    );
    assert_eq!(
        file.skipped,
        SkippedCounts {
            debit_entries: 1,
            unbooked_entries: 1,
            opposite_transactions: 0,
            failed_direct_debits: 0,
        }
    );
    assert_eq!(
        summaries(&file),
        vec![
            row(
                "1234.56",
                Some("20240112"),
                "240118REF000001/1",
                Some("TUULIKKI SARKOVSKI")
            ),
            row(
                "199.90",
                Some("RF1920240138"),
                "240118REF000001/2",
                Some("ÅKE SJÖSTRÖM")
            ),
            row(
                "50.00",
                Some("raw:20240126"),
                "240118REF000001/3",
                Some("MAIJA MEIKÄLÄINEN")
            ),
            row(
                "320.00",
                Some("20240141"),
                "240118SCT000002T1",
                Some("Pekka Virtanen")
            ),
            row(
                "75.00",
                Some("20240154"),
                "240115REF000007/reversal",
                Some("OLLI OPTIMI")
            ),
        ]
    );

    let dates: Vec<_> = file
        .payments
        .iter()
        .map(|payment| payment.payment_date)
        .collect();
    assert_eq!(
        dates,
        vec![
            date(2024, 1, 17),
            date(2024, 1, 16),
            date(2024, 1, 17),
            date(2024, 1, 17),
            date(2024, 1, 18),
        ]
    );
    assert_eq!(file.payments[3].reference_source, ReferenceSource::FreeText);
    assert_eq!(
        raw_reference(&file.payments[3].reference),
        Some("2024 0141")
    );
    let reversal = &file.payments[4];
    assert!(reversal.reversal);
    assert_eq!(reversal.bank_archive_id.as_deref(), Some("240115REF000007"));
    assert!(file.payments[..4].iter().all(|payment| !payment.reversal));

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("reference_invalid_kept", Some(2), Some(126)),
            ("reference_from_free_text", Some(3), Some(175)),
        ]
    );
}

#[test]
fn version_08_fixture() {
    let file = parse_bank_file(&fixture("camt054-001.08-fi.xml")).unwrap();
    assert_eq!(file.version.as_deref(), Some("001.08"));
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI7944052020036082"
    );
    assert_eq!(
        file.skipped,
        SkippedCounts {
            debit_entries: 1,
            unbooked_entries: 0,
            opposite_transactions: 1,
            failed_direct_debits: 0,
        }
    );
    assert_eq!(
        summaries(&file),
        vec![
            row(
                "12400.10",
                Some("55501017"),
                "240301ARK0001T01",
                Some("Asunto Oy Mäntylä")
            ),
            row(
                "69.90",
                Some("RF8755501033"),
                "240301ARK0001T02",
                Some("Åke Sjöström")
            ),
            row(
                "45.00",
                Some("RF1920240138"),
                "240301ARK0002T01",
                Some("Pekka Virtanen")
            ),
            row(
                "69.90",
                Some("RF8755501033"),
                "240301ARK0001T02/reversal",
                Some("Åke Sjöström")
            ),
            row(
                "180.00",
                Some("20240167"),
                "240301ARK0004T01",
                Some("Jaana Kallio")
            ),
        ]
    );

    let netted = &file.payments[0];
    assert_eq!(netted.remittances.len(), 2);
    assert_eq!(netted.remittances[0].remitted_amount, Some(eur("12500.00")));
    assert_eq!(netted.remittances[1].credit_note_amount, Some(eur("99.90")));
    assert_eq!(
        valid_reference(&Some(netted.remittances[1].reference.clone())),
        Some("55501046")
    );
    assert_eq!(netted.payment_date, date(2024, 2, 29));
    assert_eq!(
        raw_reference(&file.payments[1].reference),
        Some("RF87 5550 1033")
    );
    assert_eq!(file.payments[2].reference_source, ReferenceSource::FreeText);
    assert!(file.payments[3].reversal);
    assert_eq!(file.payments[4].value_date, None);
    assert_eq!(file.payments[4].payment_date, date(2024, 3, 1));
    assert_eq!(money("180.00", "EUR"), file.payments[4].amount);

    assert_eq!(
        warnings(&file.warnings),
        vec![
            ("reference_multiple", Some(0), Some(47)),
            ("reference_from_free_text", Some(2), Some(155)),
        ]
    );
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

#[test]
fn every_supported_version_is_read() {
    let text = fixture_text("camt054-001.04-fi.xml");
    for version in ["02", "03", "04", "05", "06", "07", "08"] {
        let changed = text.replace("camt.054.001.04", &format!("camt.054.001.{version}"));
        let file = parse_bank_file(changed.as_bytes()).unwrap();
        assert_eq!(
            file.version,
            Some(format!("001.{version}")),
            "version {version}"
        );
        assert_eq!(file.payments.len(), 5, "version {version}");
    }
}

#[test]
fn unknown_version_is_named() {
    let changed =
        fixture_text("camt054-001.08-fi.xml").replace("camt.054.001.08", "camt.054.001.09");
    let error = parse_bank_file(changed.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "file_version_unsupported");
    assert_eq!(
        error.to_string(),
        "unsupported camt.054 version \"001.09\": supported are camt.053 and camt.054, versions 001.02 to 001.08"
    );
}

#[test]
fn account_report_is_unsupported() {
    let changed =
        fixture_text("camt054-001.04-fi.xml").replace("camt.054.001.04", "camt.052.001.04");
    let error = parse_bank_file(changed.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "file_version_unsupported");
    assert!(error.to_string().contains("camt.052"), "{error}");
}

#[test]
fn missing_transaction_amount_is_rejected() {
    let changed = fixture_text("camt054-001.04-fi.xml").replacen(
        "<AmtDtls>\n              <TxAmt>\n                <Amt Ccy=\"EUR\">199.90</Amt>\n              </TxAmt>\n            </AmtDtls>",
        "",
        1,
    );
    let error = parse_bank_file(changed.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "file_element_missing");
    assert!(error.to_string().contains("TxDtls[2]"), "{error}");
}

#[test]
fn entry_sum_mismatch_warns() {
    let changed = fixture_text("camt054-001.04-fi.xml").replacen(
        "<Amt Ccy=\"EUR\">1484.46</Amt>",
        "<Amt Ccy=\"EUR\">1484.47</Amt>",
        1,
    );
    let file = parse_bank_file(changed.as_bytes()).unwrap();
    assert_eq!(file.warnings[0].code(), "entry_amount_mismatch");
    assert_eq!(file.warnings[0].item, Some(0));
    assert!(
        file.warnings[0].message.contains("1484.46"),
        "{}",
        file.warnings[0].message
    );
}

#[test]
fn credit_reversal_warns() {
    let changed = fixture_text("camt054-001.04-fi.xml").replacen(
        "<CdtDbtInd>DBIT</CdtDbtInd>\n        <RvslInd>true</RvslInd>",
        "<CdtDbtInd>CRDT</CdtDbtInd>\n        <RvslInd>true</RvslInd>",
        1,
    );
    let file = parse_bank_file(changed.as_bytes()).unwrap();
    assert!(file.payments[4].reversal);
    let codes: Vec<_> = file
        .warnings
        .iter()
        .filter(|warning| warning.item == Some(4))
        .map(ErrorCode::code)
        .collect();
    assert_eq!(codes, vec!["credit_entry_reversal"]);
}

#[test]
fn negative_amount_is_rejected() {
    let changed = fixture_text("camt054-001.04-fi.xml").replacen(
        "<Amt Ccy=\"EUR\">320.00</Amt>",
        "<Amt Ccy=\"EUR\">-320.00</Amt>",
        1,
    );
    let error = parse_bank_file(changed.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "file_value_invalid");
    assert!(error.to_string().contains("CdtDbtInd"), "{error}");
}

#[test]
fn missing_archive_ids_get_keys() {
    let changed = fixture_text("camt054-001.04-fi.xml")
        .replace("<AcctSvcrRef>240118REF000001</AcctSvcrRef>", "");
    let file = parse_bank_file(changed.as_bytes()).unwrap();
    let keys: Vec<_> = file.payments[..3]
        .iter()
        .map(|payment| payment.archive_id.as_str())
        .collect();
    assert_eq!(
        keys,
        vec![
            "NTF20240118001/1/1",
            "NTF20240118001/1/2",
            "NTF20240118001/1/3"
        ]
    );
    let codes: Vec<_> = file.warnings.iter().map(ErrorCode::code).collect();
    assert_eq!(
        codes
            .iter()
            .filter(|code| **code == "archive_id_missing")
            .count(),
        3
    );
}

#[test]
fn repeated_archive_ids_are_numbered() {
    let changed = fixture_text("camt054-001.08-fi.xml").replace(
        "<AcctSvcrRef>240301ARK0002T01</AcctSvcrRef>",
        "<AcctSvcrRef>240301ARK0001T01</AcctSvcrRef>",
    );
    let file = parse_bank_file(changed.as_bytes()).unwrap();
    assert_eq!(file.payments[2].archive_id, "240301ARK0001T01/2");
    let duplicate = file
        .warnings
        .iter()
        .find(|warning| warning.code() == "archive_id_duplicate")
        .unwrap();
    assert_eq!(duplicate.item, Some(2));
}
