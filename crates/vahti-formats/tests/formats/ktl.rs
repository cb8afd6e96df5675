//! KTL samples and fixtures.

use vahti_domain::ErrorCode;
use vahti_formats::{BankFile, BankFormat, ReferenceSource, parse_bank_file, parse_ktl};

use crate::common::{date, eur, fixture, sample, warnings};

/// Lists each payment as (amount, validated reference or `raw:` text, archive id, payer,
/// reversal, direct debit).
fn summaries(file: &BankFile) -> Vec<(String, String, String, String, bool, bool)> {
    file.payments
        .iter()
        .map(|payment| {
            let reference = payment.reference.as_ref().unwrap();
            let reference = match &reference.parsed {
                Some(parsed) => parsed.as_str().to_owned(),
                None => format!("raw:{}", reference.raw),
            };
            (
                payment.amount.amount().to_string(),
                reference,
                payment.archive_id.clone(),
                payment.payer_name.clone().unwrap_or_default(),
                payment.reversal,
                payment.direct_debit,
            )
        })
        .collect()
}

fn row(
    amount: &str,
    reference: &str,
    archive_id: &str,
    payer: &str,
    reversal: bool,
    direct_debit: bool,
) -> (String, String, String, String, bool, bool) {
    (
        amount.to_owned(),
        reference.to_owned(),
        archive_id.to_owned(),
        payer.to_owned(),
        reversal,
        direct_debit,
    )
}

fn bank_sample_rows() -> Vec<(String, String, String, String, bool, bool)> {
    vec![
        row(
            "323.24",
            "raw:00000000000000000013",
            "03025LM     6545",
            "LOPEN PERUNA",
            false,
            false,
        ),
        row(
            "776.40",
            "455435",
            "03031950AA123185",
            "TUTTU TIMO",
            false,
            false,
        ),
        row(
            "851.50",
            "844677",
            "03031950AA123678",
            "POUTA PILVI",
            false,
            false,
        ),
        row(
            "1332.83",
            "890922",
            "0303258877BA1234",
            "KULMAN KAUPP",
            false,
            false,
        ),
        row(
            "1618.24",
            "2535337",
            "0303258878014444",
            "KASVI KIELO",
            false,
            false,
        ),
        row(
            "724.50",
            "6678753",
            "0303258879025555",
            "HANNULA OY",
            false,
            false,
        ),
        row(
            "855.50",
            "raw:00000000000003088187",
            "0303258878BA0114",
            "NELLI & CO",
            false,
            false,
        ),
        row(
            "541.27",
            "raw:00000000230000094280",
            "03032588731K0008",
            "MAKSAJA MATT",
            false,
            true,
        ),
        row(
            "788.46",
            "raw:00000000234000095350",
            "03022588731K0505",
            "OSTAJA OSSI",
            false,
            true,
        ),
        row(
            "613.49",
            "raw:00000000465000051612",
            "03022588731K0399",
            "TUTTU TIMO",
            false,
            true,
        ),
        row(
            "177.46",
            "raw:00000000810000090650",
            "03022588731K0014",
            "OSSIN AUTO O",
            false,
            true,
        ),
    ]
}

fn bank_sample_warnings() -> Vec<(&'static str, Option<usize>, Option<usize>)> {
    vec![
        ("reference_invalid_kept", Some(0), Some(2)),
        ("reference_invalid_kept", Some(6), Some(8)),
        ("reference_invalid_kept", Some(7), Some(9)),
        ("reference_invalid_kept", Some(8), Some(10)),
        ("reference_invalid_kept", Some(9), Some(11)),
        ("reference_invalid_kept", Some(10), Some(14)),
    ]
}

#[test]
fn bank_sample_decoded() {
    let file = parse_bank_file(&sample("ktl/df_ktl.content.ktl")).unwrap();
    assert_eq!(file.format, BankFormat::Ktl);
    assert_eq!(file.version, None);
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI4819503000000010"
    );
    assert_eq!(file.skipped.failed_direct_debits, 2);
    assert_eq!(summaries(&file), bank_sample_rows());

    let total = file
        .payments
        .iter()
        .try_fold(eur("0"), |sum, payment| sum.checked_add(payment.amount))
        .unwrap();
    assert_eq!(total, eur("8602.89"));

    let first = &file.payments[0];
    assert_eq!(first.booking_date, date(2006, 3, 3));
    assert_eq!(first.payment_date, date(2006, 3, 2));
    assert_eq!(first.value_date, None);
    assert_eq!(first.reference_source, ReferenceSource::Structured);
    assert_eq!(
        first
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
        file.payments[6]
            .reference
            .as_ref()
            .unwrap()
            .issue
            .as_ref()
            .unwrap()
            .code,
        "reference_check_digit"
    );
    assert_eq!(warnings(&file.warnings), bank_sample_warnings());
}

#[test]
fn web_service_response_unwrapped() {
    let file = parse_bank_file(&sample("ktl/df_ktl.xml")).unwrap();
    assert_eq!(file.format, BankFormat::Ktl);
    assert_eq!(summaries(&file), bank_sample_rows());

    let mut expected = vec![("bank_response_unwrapped", None, None)];
    expected.extend(bank_sample_warnings());
    assert_eq!(warnings(&file.warnings), expected);
}

fn correction_rows() -> Vec<(String, String, String, String, bool, bool)> {
    vec![
        row(
            "1234.56",
            "20240112",
            "240118ARK0000001",
            "SARKOVSKI TU",
            false,
            false,
        ),
        row(
            "199.90",
            "20240138",
            "240118ARK0000002",
            "SJÖSTRÖM ÅKE",
            false,
            false,
        ),
        row(
            "75.00",
            "20240154",
            "240118ARK0000003",
            "OPTIMI OLLI",
            false,
            false,
        ),
        row(
            "75.00",
            "20240154",
            "240118ARK0000003/reversal",
            "OPTIMI OLLI",
            true,
            false,
        ),
        row(
            "35.00",
            "55501020",
            "240118SV00000005",
            "ÄIJÄLÄ TAIST",
            false,
            true,
        ),
    ]
}

#[test]
fn correction_and_direct_debits() {
    let file = parse_ktl(&fixture("ktl-correction.ktl")).unwrap();
    assert_eq!(
        file.account.as_ref().unwrap().as_str(),
        "FI7944052020036082"
    );
    assert_eq!(summaries(&file), correction_rows());
    assert_eq!(file.skipped.failed_direct_debits, 1);
    assert_eq!(file.payments[1].payment_date, date(2024, 1, 16));
    assert_eq!(file.payments[3].position.line, 5);
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn line_feeds_and_utf8_are_accepted() {
    let latin: Vec<u8> = fixture("ktl-correction.ktl");
    let text: String = latin.iter().map(|&byte| char::from(byte)).collect();
    let utf8_lf = text.replace("\r\n", "\n");

    let file = parse_ktl(utf8_lf.as_bytes()).unwrap();
    assert_eq!(summaries(&file), correction_rows());
    assert!(file.warnings.is_empty(), "{:?}", file.warnings);
}

#[test]
fn totals_mismatch_rejects_file() {
    let error = parse_bank_file(&fixture("ktl-totals-mismatch.ktl")).unwrap_err();
    assert_eq!(error.code(), "ktl_totals_mismatch");
    assert_eq!(
        error.to_string(),
        "line 4: the totals record states 1434.47 EUR for the sum of payments, but the records \
         give 1434.46 EUR: the file is incomplete or corrupt, fetch it again from the bank"
    );
}

/// The correction fixture with one record line replaced.
fn with_line(number: usize, replace: impl Fn(&str) -> String) -> Vec<u8> {
    let latin = fixture("ktl-correction.ktl");
    let text: String = latin.iter().map(|&byte| char::from(byte)).collect();
    let lines: Vec<String> = text
        .split("\r\n")
        .enumerate()
        .map(|(index, line)| {
            if index + 1 == number {
                replace(line)
            } else {
                line.to_owned()
            }
        })
        .collect();
    lines
        .join("\r\n")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect()
}

#[test]
fn totals_count_mismatch_names_figures() {
    let bytes = with_line(8, |line| format!("9000005{}", &line[7..]));
    let error = parse_ktl(&bytes).unwrap_err();
    assert_eq!(error.code(), "ktl_totals_mismatch");
    assert!(
        error
            .to_string()
            .contains("states 5 for the number of payments"),
        "{error}"
    );
    assert!(error.to_string().contains("give 4"), "{error}");
}

#[test]
fn failed_debit_totals_are_checked() {
    let bytes = with_line(8, |line| format!("{}000002{}", &line[..35], &line[41..]));
    let error = parse_ktl(&bytes).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the number of failed direct debits"),
        "{error}"
    );
}

#[test]
fn short_record_is_rejected() {
    let bytes = with_line(2, |line| line[..89].to_owned());
    let error = parse_ktl(&bytes).unwrap_err();
    assert_eq!(error.code(), "ktl_record_length");
    assert_eq!(
        error.to_string(),
        "line 2: KTL record has 89 characters, but every record must have exactly 90"
    );
}

#[test]
fn unknown_record_type_is_rejected() {
    let bytes = with_line(2, |line| format!("7{}", &line[1..]));
    let error = parse_ktl(&bytes).unwrap_err();
    assert_eq!(error.code(), "ktl_record_type_unknown");
    assert!(error.to_string().starts_with("line 2:"), "{error}");
}

#[test]
fn missing_totals_is_rejected() {
    let bytes = with_line(8, |_| String::new());
    let error = parse_ktl(&bytes).unwrap_err();
    assert_eq!(error.code(), "ktl_structure_invalid");
    assert!(error.to_string().contains("no totals record"), "{error}");
}

#[test]
fn record_before_header_is_rejected() {
    let bytes = with_line(1, |_| String::new());
    let error = parse_ktl(&bytes).unwrap_err();
    assert_eq!(error.code(), "ktl_structure_invalid");
    assert!(error.to_string().starts_with("line 2:"), "{error}");
}

#[test]
fn invalid_date_names_column() {
    let bytes = with_line(2, |line| format!("{}241332{}", &line[..15], &line[21..]));
    let error = parse_ktl(&bytes).unwrap_err();
    assert_eq!(error.code(), "file_value_invalid");
    assert!(
        error
            .to_string()
            .starts_with("line 2, column 16: invalid booking date \"241332\""),
        "{error}"
    );
}

#[test]
fn all_zero_reference_warns() {
    let bytes = with_line(2, |line| {
        format!("{}{}{}", &line[..43], "0".repeat(20), &line[63..])
    });
    let file = parse_ktl(&bytes).unwrap();
    assert_eq!(file.payments[0].reference, None);
    assert_eq!(file.payments[0].reference_source, ReferenceSource::None);
    assert_eq!(
        warnings(&file.warnings),
        vec![("reference_missing", Some(0), Some(2))]
    );
}
