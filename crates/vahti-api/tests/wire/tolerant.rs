//! Responses decode what a newer server may send: added fields, absent optional fields, enum
//! values and error codes this version does not know.

use serde_json::{Value, json};
use vahti_api::{
    Account, ApiErrorBody, DebtorType, ErrorCode, Invoice, InvoiceStatus, Locale, StepKind,
    StepState,
};

use crate::fixtures::{Case, account, decode, invoice, responses};

fn response(name: &str) -> Case {
    responses()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no response example named {name:?}"))
}

#[test]
fn every_response_ignores_added_fields() {
    for case in responses() {
        let mut json = case.json.clone();
        json.as_object_mut()
            .unwrap()
            .insert("added_later".to_owned(), json!({"nested": [1, 2]}));
        assert_eq!(
            (case.decode_encode)(&json),
            Ok(case.json.clone()),
            "{}",
            case.name
        );
    }
}

/// Returns whether a field may be left out of a response: `null`, an empty list or `false`.
fn is_default(value: &Value) -> bool {
    matches!(value, Value::Null | Value::Bool(false)) || value.as_array().is_some_and(Vec::is_empty)
}

#[test]
fn every_response_accepts_absent_defaults() {
    for case in responses() {
        let mut json = case.json.clone();
        json.as_object_mut()
            .unwrap()
            .retain(|_, value| !is_default(value));
        assert_eq!(
            (case.decode_encode)(&json),
            Ok(case.json.clone()),
            "{}",
            case.name
        );
    }
}

#[test]
fn nested_response_objects_accept_absent_defaults() {
    let mut json = invoice();
    let object = json.as_object_mut().unwrap();
    object.remove("paused_until");
    object.remove("disputed");
    object["payment_codes"]
        .as_object_mut()
        .unwrap()
        .retain(|key, _| key == "reference");
    object["payment_codes"]["reference"]
        .as_object_mut()
        .unwrap()
        .remove("finnish");

    let decoded: Invoice = decode(&json).unwrap();
    assert_eq!(decoded.paused_until, None);
    assert!(!decoded.disputed);
    assert_eq!(decoded.payment_codes.barcode, None);
    assert_eq!(decoded.payment_codes.reference.finnish, None);
}

/// Response fields of an enum type, each with a value that no version of the enum has.
const UNKNOWN_ENUM_VALUES: &[(&str, &str, &str)] = &[
    ("tenant", "/locale", "de"),
    ("account", "/debtor_type", "public_sector"),
    ("account", "/locale", "et"),
    ("invoice", "/kind", "debit_note"),
    ("invoice", "/status", "in_court"),
    ("invoice", "/current_step/kind", "sms"),
    ("invoice", "/current_step/state", "bounced"),
    ("batch response", "/results/0/status", "merged"),
    ("payment", "/allocations/0/component", "vat"),
    ("import report", "/format", "ebics"),
    ("dispute", "/resolution", "withdrawn"),
    ("promise", "/state", "renegotiated"),
    ("payment plan", "/state", "paused"),
    ("payment plan", "/instalments/0/status", "waived"),
    ("pending action", "/kind", "sms"),
    ("pending action", "/step_kind", "phone_call"),
    ("pending action", "/state", "expired"),
    ("remind response", "/outcome", "delayed"),
    ("account status", "/timeline/0/kind", "letter_returned"),
    ("events", "/events/0/type", "solar_flare"),
    ("health", "/status", "starting"),
    ("health", "/checks/0/status", "unknown"),
];

#[test]
fn unknown_enum_values_decode_as_unknown() {
    for (name, pointer, value) in UNKNOWN_ENUM_VALUES {
        let case = response(name);
        let mut json = case.json.clone();
        *json.pointer_mut(pointer).unwrap() = json!(value);

        // Decoding succeeds; encoding again fails because only the `Unknown` variant refuses to
        // be serialized, which shows the value landed there.
        let error = (case.decode_encode)(&json).unwrap_err();
        assert!(
            error.contains("::Unknown cannot be serialized"),
            "{name} {pointer}: {error}"
        );
    }
}

#[test]
fn unknown_values_reach_the_fields() {
    let mut json = invoice();
    json["status"] = json!("in_court");
    json["current_step"]["kind"] = json!("sms");
    json["current_step"]["state"] = json!("bounced");
    let decoded: Invoice = decode(&json).unwrap();
    let step = decoded.current_step.unwrap();
    assert_eq!(decoded.status, InvoiceStatus::Unknown);
    assert_eq!(step.kind, StepKind::Unknown);
    assert_eq!(step.state, StepState::Unknown);

    let mut json = account();
    json["debtor_type"] = json!("public_sector");
    json["locale"] = json!("et");
    let decoded: Account = decode(&json).unwrap();
    assert_eq!(decoded.debtor_type, DebtorType::Unknown);
    assert_eq!(decoded.locale, Locale::Unknown);
}

#[test]
fn unknown_error_code_round_trips() {
    let json = json!({"error": {"code": "tenant_on_holiday", "message": "try again in August",
                                "field": null}});
    let body: ApiErrorBody = decode(&json).unwrap();
    assert!(!body.error.code.is_known());
    assert_eq!(body.error.code, "tenant_on_holiday");
    assert_eq!(serde_json::to_value(&body).unwrap(), json);
}

#[test]
fn known_error_codes_decode_to_variants() {
    for code in ErrorCode::KNOWN {
        let json = json!({"error": {"code": code.as_str(), "message": "m", "field": null}});
        let body: ApiErrorBody = decode(&json).unwrap();
        assert_eq!(&body.error.code, code);
    }
}

#[test]
fn error_field_may_be_absent() {
    let json = json!({"error": {"code": "unauthorized", "message": "missing bearer token"}});
    let body: ApiErrorBody = decode(&json).unwrap();
    assert_eq!(body.error.code, ErrorCode::Unauthorized);
    assert_eq!(body.error.field, None);
}
