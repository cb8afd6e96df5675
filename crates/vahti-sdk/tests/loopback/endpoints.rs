//! Every endpoint is called with the method and path of `vahti_api::paths`, with external ids
//! percent-encoded, and `POST` requests carry a key and a JSON or file body.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;
use vahti_sdk::api::*;
use vahti_sdk::{Client, SdkError};

use crate::server::ScriptedServer;

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, day).unwrap()
}

fn account_request() -> UpsertAccountRequest {
    UpsertAccountRequest {
        name: "Maija Meikäläinen".to_owned(),
        debtor_type: DebtorType::Consumer,
        emails: vec!["maija@example.fi".to_owned()],
        locale: Some(Locale::Fi),
        time_zone: None,
        policy: None,
        contact: None,
        electronic_demand_consent_until: None,
    }
}

fn invoice_request() -> UpsertInvoiceRequest {
    UpsertInvoiceRequest {
        account: "C/1".to_owned(),
        kind: InvoiceKind::Invoice,
        number: "1".to_owned(),
        issue_date: date(2),
        sent_on: None,
        due_date: Some(date(16)),
        currency: "EUR".to_owned(),
        amount: Decimal::new(10000, 2),
        reference: None,
        corrects: None,
        status: IssueStatus::Issued,
        seller_iban: None,
        seller_bic: None,
    }
}

/// Calls every endpoint once, in the order of `vahti_api::paths`, ignoring the responses.
async fn call_every_endpoint(client: &Client) {
    let tenant = CreateTenantRequest {
        name: "Esimerkki Oy".to_owned(),
        business_id: None,
        time_zone: None,
        locale: None,
        sender_email: None,
        reply_to: None,
        iban: None,
        bic: None,
        contact: None,
        token_name: None,
    };
    let admin = client.admin();
    let _ = admin.tenants().create(&tenant).await;
    let _ = admin.tenants().list(&PageQuery::default()).await;
    let _ = admin.tenants().get(7).await;
    let _ = admin
        .tenants()
        .update(
            7,
            &UpdateTenantRequest {
                active: Some(false),
                ..Default::default()
            },
        )
        .await;
    let _ = admin.clock().get().await;
    let _ = admin
        .clock()
        .change(&ClockRequest {
            set: None,
            advance_seconds: Some(3600),
            wait: true,
        })
        .await;

    let _ = client
        .tokens()
        .create(&CreateTokenRequest {
            name: "ci".to_owned(),
        })
        .await;
    let _ = client.tokens().list(&PageQuery::default()).await;
    let _ = client.tokens().revoke(3).await;

    let policy = json!({"name": "x", "debtor_type": "consumer", "steps": []});
    let _ = client
        .policies()
        .create(&CreatePolicyRequest {
            key: "consumer-std".to_owned(),
            policy: policy.clone(),
        })
        .await;
    let _ = client.policies().list(&PageQuery::default()).await;
    let _ = client.policies().get("consumer-std").await;
    let _ = client
        .policies()
        .update(
            "consumer-std",
            &UpdatePolicyRequest {
                policy: policy.clone(),
            },
        )
        .await;
    let _ = client
        .policies()
        .validate(&ValidatePolicyRequest { policy })
        .await;

    let accounts = client.accounts();
    let _ = accounts
        .list(&PageQuery {
            cursor: None,
            limit: Some(10),
        })
        .await;
    let _ = accounts.upsert("C/1", &account_request()).await;
    let _ = accounts.get("C/1").await;
    let _ = accounts.status("C/1").await;
    let _ = accounts
        .pause(
            "C/1",
            &PauseRequest {
                until: date(31),
                reason: "holiday".to_owned(),
                invoice: None,
            },
        )
        .await;
    let _ = accounts.resume("C/1", &ResumeRequest::default()).await;
    let _ = accounts
        .promise(
            "C/1",
            &PromiseRequest {
                invoice: None,
                pay_by: date(20),
                amount: None,
                currency: None,
            },
        )
        .await;
    let plan = CreatePaymentPlanRequest {
        invoices: vec!["I 1".to_owned()],
        instalments: vec![InstalmentInput {
            due_date: date(30),
            amount: Decimal::new(10000, 2),
        }],
    };
    let _ = client.payment_plans().create("C/1", &plan).await;
    let _ = client
        .payment_plans()
        .list("C/1", &PageQuery::default())
        .await;
    let _ = accounts.remind("C/1", &RemindRequest::default()).await;

    let invoices = client.invoices();
    let _ = invoices
        .list(&InvoiceListQuery {
            status: Some(InvoiceStatus::Open),
            ..Default::default()
        })
        .await;
    let _ = invoices.upsert("I 1", &invoice_request()).await;
    let _ = invoices.get("I 1").await;
    let batch = BatchInvoiceRequest {
        items: vec![BatchInvoiceItem {
            external_id: "I 2".to_owned(),
            invoice: invoice_request(),
        }],
    };
    let _ = invoices.batch(&batch).await;
    let _ = invoices.issue("I 1").await;
    let _ = invoices.cancel("I 1").await;
    let _ = invoices
        .change_due_date("I 1", &ChangeDueDateRequest { due_date: date(31) })
        .await;
    let _ = client
        .disputes()
        .open(
            "I 1",
            &OpenDisputeRequest {
                reason: "not ordered".to_owned(),
            },
        )
        .await;

    let payment = RecordPaymentRequest {
        amount: Decimal::new(10000, 2),
        currency: "EUR".to_owned(),
        paid_on: date(10),
        booked_on: None,
        reference: None,
        invoice: Some("I 1".to_owned()),
        archive_id: None,
        payer_name: None,
    };
    let _ = client.payments().record(&payment).await;
    let _ = client
        .payments()
        .list(&PaymentListQuery {
            unmatched: Some(true),
            ..Default::default()
        })
        .await;
    let _ = client.payments().reverse(11).await;
    let _ = client
        .payments()
        .match_invoice(
            11,
            &MatchPaymentRequest {
                invoice: "I 1".to_owned(),
            },
        )
        .await;

    let _ = client.imports().invoices(b"<Finvoice/>".to_vec()).await;
    let _ = client.imports().payments(b"0TESTI".to_vec()).await;

    let _ = client
        .disputes()
        .resolve(
            5,
            &ResolveDisputeRequest {
                resolution: DisputeResolution::Upheld,
                note: None,
            },
        )
        .await;
    let _ = client.payment_plans().cancel(6).await;

    let _ = client.pending().list(&PendingListQuery::default()).await;
    let _ = client.pending().get(9).await;
    let approve = ApprovePendingRequest {
        fee_amounts: vec![FeeAmount {
            invoice: "I 1".to_owned(),
            amount: Decimal::ZERO,
        }],
        note: None,
        free_text: None,
    };
    let _ = client.pending().approve(9, &approve).await;
    let _ = client
        .pending()
        .skip(
            9,
            &SkipPendingRequest {
                reason: "called".to_owned(),
            },
        )
        .await;

    let _ = client
        .events()
        .list(&EventsQuery {
            after: Some(41),
            limit: None,
            wait: Some(0),
        })
        .await;
    let _ = client
        .reports()
        .aging(&AgingQuery {
            as_of: Some(date(31)),
        })
        .await;

    let _ = client.server().healthz().await;
    let _ = client.server().readyz().await;
    let _ = client.server().metrics().await;
    let _ = client.server().openapi().await;
}

#[tokio::test]
async fn every_endpoint_method_and_path() {
    let server = ScriptedServer::start(Vec::new());
    let client = server.client(Some("vht_test"));

    call_every_endpoint(&client).await;

    let received: Vec<(String, String)> = server
        .received()
        .into_iter()
        .map(|request| (request.method, request.target))
        .collect();
    let expected = [
        ("POST", "/v1/tenants"),
        ("GET", "/v1/tenants"),
        ("GET", "/v1/tenants/7"),
        ("PATCH", "/v1/tenants/7"),
        ("GET", "/v1/admin/clock"),
        ("POST", "/v1/admin/clock"),
        ("POST", "/v1/tokens"),
        ("GET", "/v1/tokens"),
        ("DELETE", "/v1/tokens/3"),
        ("POST", "/v1/policies"),
        ("GET", "/v1/policies"),
        ("GET", "/v1/policies/consumer-std"),
        ("PUT", "/v1/policies/consumer-std"),
        ("POST", "/v1/policies/validate"),
        ("GET", "/v1/accounts?limit=10"),
        ("PUT", "/v1/accounts/C%2F1"),
        ("GET", "/v1/accounts/C%2F1"),
        ("GET", "/v1/accounts/C%2F1/status"),
        ("POST", "/v1/accounts/C%2F1/pause"),
        ("POST", "/v1/accounts/C%2F1/resume"),
        ("POST", "/v1/accounts/C%2F1/promises"),
        ("POST", "/v1/accounts/C%2F1/payment-plans"),
        ("GET", "/v1/accounts/C%2F1/payment-plans"),
        ("POST", "/v1/accounts/C%2F1/remind"),
        ("GET", "/v1/invoices?status=open"),
        ("PUT", "/v1/invoices/I%201"),
        ("GET", "/v1/invoices/I%201"),
        ("POST", "/v1/invoices/batch"),
        ("POST", "/v1/invoices/I%201/issue"),
        ("POST", "/v1/invoices/I%201/cancel"),
        ("POST", "/v1/invoices/I%201/due-date"),
        ("POST", "/v1/invoices/I%201/disputes"),
        ("POST", "/v1/payments"),
        ("GET", "/v1/payments?unmatched=true"),
        ("POST", "/v1/payments/11/reverse"),
        ("POST", "/v1/payments/11/match"),
        ("POST", "/v1/imports/invoices"),
        ("POST", "/v1/imports/payments"),
        ("POST", "/v1/disputes/5/resolve"),
        ("POST", "/v1/payment-plans/6/cancel"),
        ("GET", "/v1/pending"),
        ("GET", "/v1/pending/9"),
        ("POST", "/v1/pending/9/approve"),
        ("POST", "/v1/pending/9/skip"),
        ("GET", "/v1/events?after=41&wait=0"),
        ("GET", "/v1/reports/aging?as_of=2026-03-31"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        ("GET", "/metrics"),
        ("GET", "/openapi.json"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(method, target)| ((*method).to_owned(), (*target).to_owned()))
        .collect();
    assert_eq!(received, expected);
    server.stop().await;
}

#[tokio::test]
async fn every_post_has_key_and_body() {
    let server = ScriptedServer::start(Vec::new());
    let client = server.client(Some("vht_test"));

    call_every_endpoint(&client).await;

    for request in server
        .received()
        .iter()
        .filter(|request| request.method == "POST")
    {
        let target = &request.target;
        let key = request.header("Idempotency-Key");
        assert!(key.is_some_and(|key| !key.is_empty()), "{target}");
        assert!(!request.body.is_empty(), "{target}");
        let content_type = request.header("Content-Type").unwrap_or_default();
        let expected = match target.as_str() {
            "/v1/imports/invoices" => "application/xml",
            "/v1/imports/payments" => "text/plain",
            _ => "application/json",
        };
        assert_eq!(content_type, expected, "{target}");
    }
    server.stop().await;
}

#[tokio::test]
async fn json_bodies_are_sent_as_given() {
    let server = ScriptedServer::start(Vec::new());
    let client = server.client(Some("vht_test"));

    let _ = client.invoices().upsert("I 1", &invoice_request()).await;
    let _ = client.invoices().issue("I 1").await;

    let received = server.received();
    let body: UpsertInvoiceRequest = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body, invoice_request());
    assert_eq!(received[1].body, b"{}");
    server.stop().await;
}

#[tokio::test]
async fn invalid_arguments_never_sent() {
    let server = ScriptedServer::start(Vec::new());
    let client = server.client(Some("vht_test"));

    let results = [
        client.invoices().get("").await.map(drop),
        client.invoices().get("..").await.map(drop),
        client.accounts().get(" C-1").await.map(drop),
        client.policies().get("Consumer Standard").await.map(drop),
        client
            .tokens()
            .list(&PageQuery {
                cursor: None,
                limit: Some(0),
            })
            .await
            .map(drop),
        client
            .events()
            .list(&EventsQuery {
                after: None,
                limit: None,
                wait: Some(61),
            })
            .await
            .map(drop),
        client
            .admin()
            .clock()
            .change(&ClockRequest::default())
            .await
            .map(drop),
        client
            .invoices()
            .list(&InvoiceListQuery {
                status: Some(InvoiceStatus::Unknown),
                ..Default::default()
            })
            .await
            .map(drop),
    ];

    for (index, result) in results.iter().enumerate() {
        assert!(
            matches!(
                result,
                Err(SdkError::InvalidArgument(_) | SdkError::Encode { .. })
            ),
            "case {index}: {result:?}"
        );
    }
    assert!(server.received().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn error_names_endpoint() {
    let server = ScriptedServer::start(Vec::new());
    let client = server.client(Some("vht_test"));

    let error = client.invoices().get("INV/7").await.unwrap_err();

    assert_eq!(error.code(), Some(&ErrorCode::NotFound));
    assert!(
        error
            .to_string()
            .starts_with("GET /v1/invoices/INV%2F7 failed with HTTP 404"),
        "{error}"
    );
    server.stop().await;
}
