//! Amounts stay exact decimal strings, dates are calendar dates, and instants are RFC 3339 UTC.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;
use vahti_api::{Amount, ChangeDueDateRequest, Clock, PromiseRequest};

use crate::fixtures::{decode, decode_encode};

fn amount_json(amount: &str) -> serde_json::Value {
    json!({"amount": amount, "currency": "EUR"})
}

#[test]
fn amounts_keep_value_and_scale() {
    let cases = [
        "1234.50",
        "0.10",
        "0",
        "-5.00",
        "100",
        "007.5",
        "79228162514264337593543950335",
        "0.0000000000000000000000000001",
    ];
    for text in cases {
        let decoded: Amount = decode(&amount_json(text)).unwrap();
        assert_eq!(
            decoded.amount,
            Decimal::from_str_exact(text).unwrap(),
            "{text}"
        );
    }
    for text in [
        "1234.50",
        "0.10",
        "-5.00",
        "100",
        "0.0000000000000000000000000001",
    ] {
        let json = amount_json(text);
        assert_eq!(decode_encode::<Amount>(&json), Ok(json.clone()), "{text}");
    }
}

#[test]
fn amounts_add_without_float_error() {
    let tenth: Amount = decode(&amount_json("0.1")).unwrap();
    let fifth: Amount = decode(&amount_json("0.2")).unwrap();
    assert_eq!(tenth.amount + fifth.amount, dec!(0.3));
}

#[test]
fn amounts_encode_as_strings() {
    let amount = Amount {
        amount: dec!(1234.50),
        currency: "EUR".to_owned(),
    };
    assert_eq!(
        serde_json::to_string(&amount).unwrap(),
        r#"{"amount":"1234.50","currency":"EUR"}"#
    );
}

#[test]
fn amounts_reject_other_notation() {
    let cases = [
        "",
        "-",
        "1.",
        ".5",
        "+1",
        " 1",
        "1 ",
        "1,50",
        "1_000",
        "1e3",
        "1E-2",
        "--1",
        "0x10",
        "NaN",
        "١٢",
        "79228162514264337593543950336",
        "0.00000000000000000000000000001",
    ];
    for text in cases {
        let error = decode::<Amount>(&amount_json(text)).unwrap_err();
        assert!(error.contains("invalid amount"), "{text:?}: {error}");
    }
}

#[test]
fn amounts_reject_json_numbers() {
    for number in [json!(12.5), json!(12), json!(-1)] {
        let json = json!({"amount": number, "currency": "EUR"});
        let error = decode::<Amount>(&json).unwrap_err();
        assert!(error.contains("invalid type"), "{number}: {error}");
    }
}

#[test]
fn optional_amount_null_or_absent() {
    let absent: PromiseRequest = decode(&json!({"pay_by": "2025-04-20"})).unwrap();
    assert_eq!(absent.amount, None);

    let null: PromiseRequest = decode(&json!({"pay_by": "2025-04-20", "amount": null})).unwrap();
    assert_eq!(null.amount, None);

    let present: PromiseRequest =
        decode(&json!({"pay_by": "2025-04-20", "amount": "12.30"})).unwrap();
    assert_eq!(
        present.amount.map(|amount| amount.to_string()),
        Some("12.30".to_owned())
    );
}

#[test]
fn optional_amount_rejects_bad_text() {
    let error =
        decode::<PromiseRequest>(&json!({"pay_by": "2025-04-20", "amount": "12,30"})).unwrap_err();
    assert!(error.contains("invalid amount"), "{error}");
}

#[test]
fn dates_are_calendar_dates() {
    let request: ChangeDueDateRequest = decode(&json!({"due_date": "2024-02-29"})).unwrap();
    assert_eq!(
        request.due_date,
        NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
    );
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"due_date": "2024-02-29"})
    );
}

#[test]
fn dates_reject_other_forms() {
    for text in [
        "2025-02-29",
        "2025-13-01",
        "31.03.2025",
        "2025-03-31T00:00:00Z",
        "20250331",
    ] {
        let result = decode::<ChangeDueDateRequest>(&json!({"due_date": text}));
        assert!(result.is_err(), "{text}");
    }
}

#[test]
fn instants_are_normalised_to_utc() {
    let clock: Clock =
        decode(&json!({"now": "2025-04-02T10:00:00+03:00", "manual": false})).unwrap();
    assert_eq!(
        clock.now,
        DateTime::<Utc>::from_str("2025-04-02T07:00:00Z").unwrap()
    );
    assert_eq!(
        serde_json::to_value(&clock).unwrap(),
        json!({"now": "2025-04-02T07:00:00Z", "manual": false})
    );
}

#[test]
fn instants_keep_fractional_seconds() {
    let json = json!({"now": "2025-04-02T07:00:00.250Z", "manual": true});
    assert_eq!(decode_encode::<Clock>(&json), Ok(json.clone()));
}

#[test]
fn instants_need_an_offset() {
    for text in ["2025-04-02T10:00:00", "2025-04-02", "1743580800"] {
        let result = decode::<Clock>(&json!({"now": text, "manual": true}));
        assert!(result.is_err(), "{text}");
    }
}
