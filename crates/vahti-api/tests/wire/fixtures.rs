//! One complete JSON example of every request and response body, as the server and SDK send it.
//!
//! Each example sets every field, `null` where a field is optional, so that decoding and encoding
//! it again must give the same JSON.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use vahti_api::*;

/// A body example with the type it belongs to.
pub struct Case {
    pub name: &'static str,
    pub json: Value,
    /// Decodes the JSON text into the case's type and encodes the result again.
    pub decode_encode: fn(&Value) -> Result<Value, String>,
}

/// Decodes `json` as text into `T` and encodes it back to a JSON value.
pub fn decode_encode<T: Serialize + DeserializeOwned>(json: &Value) -> Result<Value, String> {
    let decoded: T = decode(json)?;
    serde_json::to_value(&decoded).map_err(|error| error.to_string())
}

/// Decodes `json` as text into `T`, with serde's error message on failure.
pub fn decode<T: DeserializeOwned>(json: &Value) -> Result<T, String> {
    serde_json::from_str(&json.to_string()).map_err(|error| error.to_string())
}

fn case<T: Serialize + DeserializeOwned>(name: &'static str, json: Value) -> Case {
    Case {
        name,
        json,
        decode_encode: decode_encode::<T>,
    }
}

pub fn contact_input() -> Value {
    json!({
        "address_lines": ["Mannerheimintie 1 A 2"],
        "postal_code": "00100",
        "city": "Helsinki",
        "country": "FI",
        "phone": "+358 40 123 4567"
    })
}

pub fn upsert_invoice() -> Value {
    json!({
        "account": "C-1001",
        "kind": "invoice",
        "number": "2025-0042",
        "issue_date": "2025-03-01",
        "sent_on": "2025-03-02",
        "due_date": "2025-03-31",
        "currency": "EUR",
        "amount": "1234.50",
        "reference": "12 34561",
        "corrects": null,
        "status": "issued",
        "seller_iban": "FI21 1234 5600 0007 85",
        "seller_bic": "NDEAFIHH"
    })
}

/// Returns an example of every request body, named for failure messages.
pub fn requests() -> Vec<Case> {
    vec![
        case::<CreateTenantRequest>(
            "create tenant",
            json!({
                "name": "Esimerkki Oy",
                "business_id": "1234567-8",
                "time_zone": "Europe/Helsinki",
                "locale": "fi",
                "sender_email": "perinta@esimerkki.fi",
                "reply_to": null,
                "iban": "FI21 1234 5600 0007 85",
                "bic": "NDEAFIHH",
                "contact": contact_input(),
                "token_name": "billing-prod"
            }),
        ),
        case::<UpdateTenantRequest>(
            "update tenant",
            json!({
                "name": "Esimerkki Oyj",
                "business_id": null,
                "locale": "sv",
                "active": false
            }),
        ),
        case::<ClockRequest>(
            "clock request",
            json!({"set": "2025-05-01T06:00:00Z", "wait": true}),
        ),
        case::<CreateTokenRequest>("create token", json!({"name": "billing-prod"})),
        case::<CreatePolicyRequest>(
            "create policy",
            json!({
                "key": "consumer-standard",
                "policy": {"debtor_type": "consumer", "steps": [{"key": "first", "days": 7}]}
            }),
        ),
        case::<UpdatePolicyRequest>("update policy", json!({"policy": {"steps": []}})),
        case::<ValidatePolicyRequest>(
            "validate policy",
            json!({"policy": {"steps": [{"fee": "12.00"}]}}),
        ),
        case::<UpsertAccountRequest>(
            "upsert account",
            json!({
                "name": "Maija Meikäläinen",
                "debtor_type": "consumer",
                "emails": ["maija@example.fi", "maija.m@example.com"],
                "locale": "fi",
                "time_zone": "Europe/Helsinki",
                "policy": "consumer-standard",
                "contact": contact_input(),
                "electronic_demand_consent_until": "2026-02-28"
            }),
        ),
        case::<UpsertInvoiceRequest>("upsert invoice", upsert_invoice()),
        case::<BatchInvoiceRequest>(
            "batch invoices",
            json!({"items": [
                {"external_id": "INV-42", "invoice": upsert_invoice()},
                {"external_id": "CN-7", "invoice": {
                    "account": "C-1001",
                    "kind": "credit_note",
                    "number": "H-7",
                    "issue_date": "2025-03-10",
                    "sent_on": null,
                    "due_date": null,
                    "currency": "EUR",
                    "amount": "100.00",
                    "reference": null,
                    "corrects": "INV-42",
                    "status": "draft",
                    "seller_iban": null,
                    "seller_bic": null
                }}
            ]}),
        ),
        case::<ChangeDueDateRequest>("change due date", json!({"due_date": "2025-04-30"})),
        case::<RecordPaymentRequest>(
            "record payment",
            json!({
                "amount": "250.00",
                "currency": "EUR",
                "paid_on": "2025-04-02",
                "booked_on": "2025-04-03",
                "reference": "RF34 1234 561",
                "invoice": null,
                "archive_id": "20250402123456789",
                "payer_name": "MEIKALAINEN MAIJA"
            }),
        ),
        case::<MatchPaymentRequest>("match payment", json!({"invoice": "INV-42"})),
        case::<OpenDisputeRequest>(
            "open dispute",
            json!({"reason": "The goods never arrived."}),
        ),
        case::<ResolveDisputeRequest>(
            "resolve dispute",
            json!({"resolution": "rejected", "note": "Delivery receipt signed on 2025-03-03."}),
        ),
        case::<PauseRequest>(
            "pause",
            json!({"until": "2025-05-15", "reason": "Debtor in hospital", "invoice": "INV-42"}),
        ),
        case::<ResumeRequest>("resume", json!({"invoice": null})),
        case::<PromiseRequest>(
            "promise",
            json!({"invoice": "INV-42", "pay_by": "2025-04-20", "amount": "500.00", "currency": "EUR"}),
        ),
        case::<CreatePaymentPlanRequest>(
            "create payment plan",
            json!({
                "invoices": ["INV-42", "INV-43"],
                "instalments": [
                    {"due_date": "2025-05-01", "amount": "600.00"},
                    {"due_date": "2025-06-01", "amount": "634.50"}
                ]
            }),
        ),
        case::<ApprovePendingRequest>(
            "approve pending",
            json!({
                "fee_amounts": [{"invoice": "INV-42", "amount": "0.00"}],
                "note": "Fee waived after phone call.",
                "free_text": "Kiitos puhelustasi."
            }),
        ),
        case::<SkipPendingRequest>(
            "skip pending",
            json!({"reason": "Debtor called and paid by card."}),
        ),
        case::<RemindRequest>(
            "remind",
            json!({"kind": "reminder", "invoices": ["INV-42"]}),
        ),
    ]
}

pub fn contact() -> Value {
    json!({
        "address_lines": ["Mannerheimintie 1 A 2"],
        "postal_code": "00100",
        "city": "Helsinki",
        "country": "FI",
        "phone": null
    })
}

pub fn created_token() -> Value {
    json!({
        "id": 3,
        "name": "billing-prod",
        "prefix": "vht_3Fq9",
        "token": "vht_3Fq9Xc0aLm2Rk8TzYw4Pv1Nn6Hs5Gd7E",
        "created_at": "2025-03-01T08:00:00Z"
    })
}

pub fn tenant() -> Value {
    json!({
        "id": 1,
        "name": "Esimerkki Oy",
        "business_id": "1234567-8",
        "time_zone": "Europe/Helsinki",
        "locale": "fi",
        "sender_email": "perinta@esimerkki.fi",
        "reply_to": null,
        "iban": "FI21 1234 5600 0007 85",
        "bic": "NDEAFIHH",
        "contact": contact(),
        "active": true,
        "created_at": "2025-03-01T08:00:00Z",
        "updated_at": "2025-03-01T08:00:00.250Z"
    })
}

pub fn account() -> Value {
    json!({
        "id": 11,
        "external_id": "C-1001",
        "name": "Maija Meikäläinen",
        "debtor_type": "consumer",
        "emails": ["maija@example.fi"],
        "locale": "fi",
        "time_zone": "Europe/Helsinki",
        "policy": null,
        "effective_policy": "consumer-standard",
        "contact": contact(),
        "electronic_demand_consent_until": null,
        "paused_until": null,
        "next_action_at": "2025-04-15T06:00:00Z",
        "created_at": "2025-03-01T08:00:00Z",
        "updated_at": "2025-03-01T08:00:00Z"
    })
}

pub fn invoice() -> Value {
    json!({
        "id": 17,
        "external_id": "INV-42",
        "account": "C-1001",
        "kind": "invoice",
        "number": "2025-0042",
        "issue_date": "2025-03-01",
        "sent_on": "2025-03-01",
        "due_date": "2025-03-31",
        "currency": "EUR",
        "amount": "1234.50",
        "credited": "0.00",
        "paid": "200.00",
        "principal_outstanding": "1034.50",
        "interest_outstanding": "3.12",
        "fees_outstanding": "5.00",
        "total_outstanding": "1042.62",
        "status": "open",
        "disputed": false,
        "paused_until": null,
        "promised_until": "2025-04-20",
        "current_step": {
            "key": "fee_reminder",
            "kind": "reminder",
            "state": "sent",
            "at": "2025-04-14T06:05:00Z"
        },
        "next_action_at": "2025-04-28T06:00:00Z",
        "corrects": null,
        "seller_iban": "FI7944052020036082",
        "seller_bic": "NDEAFIHH",
        "payment_codes": {
            "reference": {"finnish": "1234561", "rf": "RF341234561", "printed": "12 34561"},
            "barcode": "479440520200360820010426200000000000000001234561250331",
            "epc_qr": "BCD\n002\n1\nSCT\nNDEAFIHH\nEsimerkki Oy\nFI7944052020036082\nEUR1042.62\n\nRF341234561"
        },
        "reference_flagged": false,
        "created_at": "2025-03-01T08:00:00Z",
        "updated_at": "2025-04-15T06:30:00Z"
    })
}

pub fn payment() -> Value {
    json!({
        "id": 5,
        "amount": "250.00",
        "currency": "EUR",
        "paid_on": "2025-04-02",
        "booked_on": "2025-04-03",
        "reference": "RF341234561",
        "archive_id": "20250402123456789",
        "payer_name": "MEIKALAINEN MAIJA",
        "matched": true,
        "account": "C-1001",
        "allocations": [
            {"invoice": "INV-42", "component": "principal", "amount": "240.00"},
            {"invoice": "INV-42", "component": "interest", "amount": "5.00"},
            {"invoice": "INV-42", "component": "costs", "amount": "5.00"}
        ],
        "unallocated": "0.00",
        "reversed_at": null,
        "created_at": "2025-04-03T07:00:00Z"
    })
}

pub fn pending_action() -> Value {
    json!({
        "id": 9,
        "account": "C-1001",
        "kind": "message",
        "step_kind": "reminder",
        "invoices": [
            {"invoice": "INV-42", "step": "fee_reminder", "currency": "EUR",
             "outstanding": "1037.62", "fee": "5.00"}
        ],
        "totals": [{"amount": "1042.62", "currency": "EUR"}],
        "state": "pending",
        "created_at": "2025-04-14T06:00:00Z",
        "decided_at": null,
        "note": null
    })
}

pub fn payment_plan() -> Value {
    json!({
        "id": 4,
        "account": "C-1001",
        "state": "active",
        "invoices": ["INV-42"],
        "currency": "EUR",
        "total": "1234.50",
        "instalments": [
            {"due_date": "2025-05-01", "amount": "600.00", "paid": "600.00", "status": "paid"},
            {"due_date": "2025-06-01", "amount": "634.50", "paid": "0.00", "status": "pending"}
        ],
        "created_at": "2025-04-20T09:00:00Z",
        "updated_at": "2025-05-01T12:00:00Z"
    })
}

pub fn aging_bucket(count: u64, amount: &str) -> Value {
    json!({"count": count, "amount": amount})
}

/// Returns an example of every response body, named for failure messages.
pub fn responses() -> Vec<Case> {
    vec![
        case::<Tenant>("tenant", tenant()),
        case::<Page<Tenant>>(
            "tenant page",
            json!({"items": [tenant()], "next_cursor": "eyJpZCI6MX0"}),
        ),
        case::<CreateTenantResponse>(
            "create tenant response",
            json!({"tenant": tenant(), "token": created_token()}),
        ),
        case::<Clock>(
            "clock",
            json!({"now": "2025-05-01T06:00:00Z", "manual": true}),
        ),
        case::<CreatedToken>("created token", created_token()),
        case::<Page<ApiToken>>(
            "token page",
            json!({"items": [{
                "id": 3,
                "name": "billing-prod",
                "prefix": "vht_3Fq9",
                "created_at": "2025-03-01T08:00:00Z",
                "last_used_at": "2025-04-01T12:30:00Z",
                "revoked_at": null
            }], "next_cursor": null}),
        ),
        case::<PolicyValidation>(
            "policy validation",
            json!({
                "valid": false,
                "errors": [{
                    "step": "fee_reminder",
                    "field": "fee",
                    "rule": "consumer_fee_cap",
                    "message": "fee 12.00 EUR is above the consumer cap of 5.00 EUR (Debt Collection Act 513/1999)"
                }],
                "warnings": [{"step": null, "field": null, "rule": "no_final_demand",
                              "message": "the policy has no final demand"}]
            }),
        ),
        case::<Page<PolicySummary>>(
            "policy page",
            json!({"items": [{
                "key": "consumer-standard",
                "version": 2,
                "created_at": "2025-03-01T08:00:00Z",
                "updated_at": "2025-03-05T08:00:00Z"
            }], "next_cursor": null}),
        ),
        case::<Policy>(
            "policy",
            json!({
                "key": "consumer-standard",
                "version": 2,
                "policy": {"steps": [{"key": "first", "days": 7}]},
                "created_at": "2025-03-01T08:00:00Z",
                "updated_at": "2025-03-05T08:00:00Z",
                "versions": [
                    {"version": 1, "created_at": "2025-03-01T08:00:00Z"},
                    {"version": 2, "created_at": "2025-03-05T08:00:00Z"}
                ]
            }),
        ),
        case::<Account>("account", account()),
        case::<Page<Account>>(
            "account page",
            json!({"items": [account()], "next_cursor": null}),
        ),
        case::<Invoice>("invoice", invoice()),
        case::<Page<Invoice>>(
            "invoice page",
            json!({"items": [invoice()], "next_cursor": "MTc"}),
        ),
        case::<BatchInvoiceResponse>(
            "batch response",
            json!({"results": [
                {"external_id": "INV-42", "status": "created", "invoice_id": 17, "error": null},
                {"external_id": "INV-43", "status": "unchanged", "invoice_id": 18, "error": null},
                {"external_id": "CN-7", "status": "rejected", "invoice_id": null, "error": {
                    "code": "invoice_not_found",
                    "message": "invoice \"INV-99\" named in corrects not found",
                    "field": "corrects"
                }}
            ]}),
        ),
        case::<Payment>("payment", payment()),
        case::<Page<Payment>>(
            "payment page",
            json!({"items": [payment()], "next_cursor": null}),
        ),
        case::<ImportReport>(
            "import report",
            json!({
                "import_id": 12,
                "format": "camt_054",
                "version": "001.02",
                "created": 40,
                "updated": 0,
                "duplicates_skipped": 2,
                "warnings": [{"position": "entry 3, transaction 2", "code": "reference_in_free_text",
                              "message": "reference found in unstructured remittance text"}],
                "rejected": [{"position": "entry 7", "code": "currency_unknown",
                              "reason": "unknown currency code \"XXY\""}],
                "already_imported": false
            }),
        ),
        case::<Dispute>(
            "dispute",
            json!({
                "id": 2,
                "invoice": "INV-42",
                "account": "C-1001",
                "reason": "The goods never arrived.",
                "opened_at": "2025-04-05T10:00:00Z",
                "resolved_at": "2025-04-08T10:00:00Z",
                "resolution": "upheld",
                "note": null
            }),
        ),
        case::<PauseState>(
            "pause state",
            json!({"account": "C-1001", "invoice": null, "paused_until": "2025-05-15",
                   "reason": "Debtor in hospital"}),
        ),
        case::<Promise>(
            "promise",
            json!({
                "id": 6,
                "account": "C-1001",
                "invoice": "INV-42",
                "pay_by": "2025-04-20",
                "amount": "1042.62",
                "currency": "EUR",
                "state": "open",
                "created_at": "2025-04-10T09:00:00Z"
            }),
        ),
        case::<PaymentPlan>("payment plan", payment_plan()),
        case::<Page<PaymentPlan>>(
            "payment plan page",
            json!({"items": [payment_plan()], "next_cursor": null}),
        ),
        case::<PendingAction>("pending action", pending_action()),
        case::<Page<PendingAction>>(
            "pending action page",
            json!({"items": [pending_action()], "next_cursor": null}),
        ),
        case::<RemindResponse>(
            "remind response",
            json!({"outcome": "awaiting_approval", "invoices": ["INV-42"], "pending_action_id": 9}),
        ),
        case::<AccountStatus>(
            "account status",
            json!({
                "account": account(),
                "balances": [{
                    "currency": "EUR",
                    "principal": "1034.50",
                    "interest": "3.12",
                    "fees": "5.00",
                    "credit": "0.00",
                    "total": "1042.62"
                }],
                "open_invoices": [invoice()],
                "next_action_at": "2025-04-28T06:00:00Z",
                "timeline": [
                    {"at": "2025-04-14T06:05:00Z", "kind": "step_sent", "invoice": "INV-42",
                     "step": "fee_reminder", "amount": null, "currency": null, "detail": null},
                    {"at": "2025-04-03T07:00:00Z", "kind": "payment", "invoice": "INV-42",
                     "step": null, "amount": "200.00", "currency": "EUR", "detail": null}
                ]
            }),
        ),
        case::<EventsResponse>(
            "events",
            json!({
                "events": [{
                    "seq": 41,
                    "type": "payment_recorded",
                    "at": "2025-04-02T10:00:00Z",
                    "account": "C-1001",
                    "invoice": "INV-42",
                    "data": {"payment_id": 5, "amount": "250.00", "currency": "EUR"}
                }],
                "next_after": 41
            }),
        ),
        case::<AgingReport>(
            "aging report",
            json!({
                "as_of": "2025-04-30",
                "currencies": [{
                    "currency": "EUR",
                    "not_due": aging_bucket(3, "900.00"),
                    "days_1_14": aging_bucket(1, "1034.50"),
                    "days_15_30": aging_bucket(0, "0.00"),
                    "days_31_60": aging_bucket(0, "0.00"),
                    "days_61_90": aging_bucket(2, "80.10"),
                    "days_over_90": aging_bucket(0, "0.00"),
                    "total": aging_bucket(6, "2014.60")
                }]
            }),
        ),
        case::<Health>(
            "health",
            json!({"status": "degraded", "checks": [
                {"name": "database", "status": "ok", "detail": null},
                {"name": "smtp", "status": "degraded", "detail": "3 deliveries waiting to retry"}
            ]}),
        ),
        case::<ApiErrorBody>(
            "error body",
            json!({"error": {"code": "due_date_before_issue_date",
                             "message": "due date 2025-02-01 is before the issue date 2025-03-01",
                             "field": "due_date"}}),
        ),
    ]
}
