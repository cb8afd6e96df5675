//! Requests reject what a typo would produce: unknown fields, unknown enum values, missing
//! fields and amounts written as JSON numbers.

use serde_json::{Value, json};
use vahti_api::{DebtorType, Locale, UpsertAccountRequest, UpsertInvoiceRequest};

use crate::fixtures::{Case, decode, requests};

fn request(name: &str) -> Case {
    requests()
        .into_iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("no request example named {name:?}"))
}

/// Decodes and encodes again the example `name` after replacing the value at `pointer`.
fn decode_changed(name: &str, pointer: &str, value: Value) -> Result<Value, String> {
    let case = request(name);
    let mut json = case.json.clone();
    *json
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("{name}: no field at {pointer}")) = value;
    (case.decode_encode)(&json)
}

/// Decodes and encodes again the example `name` after adding a field to the object at `pointer`.
fn decode_with_field(name: &str, pointer: &str, field: &str) -> Result<Value, String> {
    let case = request(name);
    let mut json = case.json.clone();
    json.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{name}: no object at {pointer:?}"))
        .insert(field.to_owned(), json!("blue"));
    (case.decode_encode)(&json)
}

/// Decodes and encodes again the example `name` after removing the field at `pointer`.
fn decode_without(name: &str, pointer: &str) -> Result<Value, String> {
    let case = request(name);
    let mut json = case.json.clone();
    let (parent, field) = pointer
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{pointer} is not a JSON pointer"));
    json.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .and_then(|object| object.remove(field))
        .unwrap_or_else(|| panic!("{name}: no field at {pointer}"));
    (case.decode_encode)(&json)
}

fn assert_error_contains(result: Result<Value, String>, expected: &str, context: &str) {
    match result {
        Ok(json) => panic!("{context}: decoded, expected an error with {expected:?}: {json}"),
        Err(message) => assert!(
            message.contains(expected),
            "{context}: error {message:?} does not contain {expected:?}"
        ),
    }
}

#[test]
fn every_request_rejects_unknown_field() {
    for case in requests() {
        assert_error_contains(
            decode_with_field(case.name, "", "colour"),
            "unknown field `colour`",
            case.name,
        );
    }
}

#[test]
fn nested_request_objects_reject_unknown_field() {
    let cases = [
        ("create tenant", "/contact"),
        ("upsert account", "/contact"),
        ("batch invoices", "/items/0"),
        ("batch invoices", "/items/1/invoice"),
        ("create payment plan", "/instalments/1"),
        ("approve pending", "/fee_amounts/0"),
    ];
    for (name, pointer) in cases {
        assert_error_contains(
            decode_with_field(name, pointer, "colour"),
            "unknown field `colour`",
            &format!("{name} {pointer}"),
        );
    }
}

#[test]
fn request_enums_reject_unknown_values() {
    let cases = [
        ("create tenant", "/locale", "de"),
        ("update tenant", "/locale", "FI"),
        ("upsert account", "/debtor_type", "consumr"),
        ("upsert account", "/locale", "unknown"),
        ("upsert invoice", "/kind", "creditnote"),
        ("upsert invoice", "/status", "sent"),
        ("batch invoices", "/items/1/invoice/kind", "debit_note"),
        ("resolve dispute", "/resolution", "accepted"),
        ("remind", "/kind", "sms"),
    ];
    for (name, pointer, value) in cases {
        assert_error_contains(
            decode_changed(name, pointer, json!(value)),
            &format!("unknown variant `{value}`"),
            &format!("{name} {pointer}"),
        );
    }
}

#[test]
fn requests_reject_missing_fields() {
    let cases = [
        ("create tenant", "/name"),
        ("create token", "/name"),
        ("create policy", "/key"),
        ("create policy", "/policy"),
        ("upsert account", "/name"),
        ("upsert account", "/debtor_type"),
        ("upsert invoice", "/account"),
        ("upsert invoice", "/number"),
        ("upsert invoice", "/issue_date"),
        ("upsert invoice", "/currency"),
        ("upsert invoice", "/amount"),
        ("batch invoices", "/items/0/external_id"),
        ("change due date", "/due_date"),
        ("record payment", "/amount"),
        ("record payment", "/paid_on"),
        ("match payment", "/invoice"),
        ("open dispute", "/reason"),
        ("resolve dispute", "/resolution"),
        ("pause", "/until"),
        ("pause", "/reason"),
        ("promise", "/pay_by"),
        ("create payment plan", "/instalments"),
        ("create payment plan", "/instalments/0/amount"),
        ("skip pending", "/reason"),
    ];
    for (name, pointer) in cases {
        let field = pointer.rsplit('/').next().unwrap();
        assert_error_contains(
            decode_without(name, pointer),
            &format!("missing field `{field}`"),
            &format!("{name} {pointer}"),
        );
    }
}

#[test]
fn optional_request_fields_may_be_absent() {
    let minimal = [
        ("create tenant", json!({"name": "Esimerkki Oy"})),
        ("update tenant", json!({})),
        ("clock request", json!({"advance_seconds": 60})),
        (
            "upsert account",
            json!({"name": "Oy Asiakas Ab", "debtor_type": "business"}),
        ),
        (
            "upsert invoice",
            json!({"account": "C-1", "number": "1", "issue_date": "2025-03-01",
                   "currency": "EUR", "amount": "10.00"}),
        ),
        (
            "record payment",
            json!({"amount": "10.00", "currency": "EUR", "paid_on": "2025-03-01"}),
        ),
        ("resolve dispute", json!({"resolution": "upheld"})),
        ("resume", json!({})),
        ("promise", json!({"pay_by": "2025-04-20"})),
        ("approve pending", json!({})),
        ("remind", json!({})),
    ];
    for (name, json) in minimal {
        let case = request(name);
        assert!((case.decode_encode)(&json).is_ok(), "{name}");
    }
}

#[test]
fn upsert_invoice_defaults() {
    let json = json!({"account": "C-1", "number": "1", "issue_date": "2025-03-01",
                      "currency": "EUR", "amount": "10.00"});
    let request: UpsertInvoiceRequest = decode(&json).unwrap();
    assert_eq!(request.kind, vahti_api::InvoiceKind::Invoice);
    assert_eq!(request.status, vahti_api::IssueStatus::Issued);
    assert_eq!(request.sent_on, None);
}

#[test]
fn request_amounts_reject_json_numbers() {
    let cases = [
        (
            "upsert invoice",
            "/amount",
            json!(1234.5),
            "invalid type: floating point",
        ),
        (
            "upsert invoice",
            "/amount",
            json!(1234),
            "invalid type: integer",
        ),
        (
            "record payment",
            "/amount",
            json!(250),
            "invalid type: integer",
        ),
        (
            "promise",
            "/amount",
            json!(500.0),
            "invalid type: floating point",
        ),
        (
            "create payment plan",
            "/instalments/0/amount",
            json!(600),
            "invalid type: integer",
        ),
        (
            "approve pending",
            "/fee_amounts/0/amount",
            json!(0),
            "invalid type: integer",
        ),
    ];
    for (name, pointer, value, expected) in cases {
        assert_error_contains(
            decode_changed(name, pointer, value),
            expected,
            &format!("{name} {pointer}"),
        );
    }
}

#[test]
fn unknown_variant_cannot_be_sent() {
    let request = UpsertAccountRequest {
        name: "Oy Asiakas Ab".to_owned(),
        debtor_type: DebtorType::Unknown,
        emails: Vec::new(),
        locale: Some(Locale::Fi),
        time_zone: None,
        policy: None,
        contact: None,
        electronic_demand_consent_until: None,
    };
    let error = serde_json::to_string(&request).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("DebtorType::Unknown cannot be serialized"),
        "{error}"
    );
}
