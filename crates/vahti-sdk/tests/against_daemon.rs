//! Tests of the client against a real `vahtid` process: every endpoint's happy path, a
//! validation error, and a request without a token.
//!
//! Each test starts its own daemon from the workspace target directory (the `vahtid` file next
//! to the `deps` folder of this test binary, or the path in `VAHTID_BIN`) on a free loopback
//! port, with a temporary SQLite database, a manual clock that starts at 2026-03-02T07:00:00Z
//! (09:00 in Helsinki), a random operator token and mail written to files.
//!
//! `cargo test --workspace` builds `vahtid` along with the daemon's own tests. Run on its own,
//! `cargo test -p vahti-sdk` does not build it: run `cargo build -p vahti-daemon` first, or the
//! tests fail saying so. A `vahtid` older than the sources is used as it is.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use futures::{StreamExt, TryStreamExt};
use rust_decimal::Decimal;
use vahti_sdk::api::*;

use support::{Daemon, account_request, assert_code, date, invoice_request, samples_dir};

#[tokio::test]
async fn health_endpoints_answer() {
    let daemon = Daemon::start().await;
    let client = daemon.anonymous();

    let live = client.server().healthz().await.unwrap();
    let ready = client.server().readyz().await.unwrap();
    let metrics = client.server().metrics().await.unwrap();
    let openapi = client.server().openapi().await.unwrap();

    assert_eq!(live.status, HealthStatus::Ok);
    assert_eq!(ready.status, HealthStatus::Ok);
    assert!(!metrics.is_empty());
    assert!(openapi["paths"]["/v1/invoices"].is_object(), "{openapi}");
}

#[tokio::test]
async fn missing_token_rejected_everywhere() {
    let daemon = Daemon::start().await;
    let client = daemon.anonymous();

    let results = support::call_every_protected_endpoint(&client).await;

    assert_eq!(results.len(), 61);
    for (endpoint, result) in results {
        let error = result.expect_err(endpoint);
        assert_eq!(error.status(), Some(401), "{endpoint}: {error}");
        assert_eq!(
            error.code(),
            Some(&ErrorCode::Unauthorized),
            "{endpoint}: {error}"
        );
    }
}

#[tokio::test]
async fn tenant_token_forbidden_on_admin() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;

    let tenants = client.admin().tenants().list(&PageQuery::default()).await;
    let clock = client.admin().clock().get().await;

    assert_code(tenants, ErrorCode::Forbidden);
    assert_code(clock, ErrorCode::Forbidden);
}

#[tokio::test]
async fn tenants_lifecycle() {
    let daemon = Daemon::start().await;
    let admin = daemon.admin();
    let (client, created) = daemon.tenant("Esimerkki Oy").await;
    let id = created.tenant.id;

    assert_eq!(created.tenant.time_zone, "Europe/Helsinki");
    assert_eq!(created.tenant.locale, Locale::Fi);
    assert!(created.tenant.active);

    let listed: Vec<Tenant> = admin
        .admin()
        .tenants()
        .list_all(PageQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert!(listed.iter().any(|tenant| tenant.id == id));
    assert_eq!(
        admin.admin().tenants().get(id).await.unwrap().name,
        "Esimerkki Oy"
    );

    let deactivate = UpdateTenantRequest {
        active: Some(false),
        ..UpdateTenantRequest::default()
    };
    let updated = admin
        .admin()
        .tenants()
        .update(id, &deactivate)
        .await
        .unwrap();
    assert!(!updated.active);
    assert_code(
        client.tokens().list(&PageQuery::default()).await,
        ErrorCode::TenantInactive,
    );

    let reactivate = UpdateTenantRequest {
        active: Some(true),
        name: Some("Esimerkki Oyj".to_owned()),
        ..UpdateTenantRequest::default()
    };
    let updated = admin
        .admin()
        .tenants()
        .update(id, &reactivate)
        .await
        .unwrap();
    assert_eq!(updated.name, "Esimerkki Oyj");
    assert!(client.tokens().list(&PageQuery::default()).await.is_ok());
}

#[tokio::test]
async fn tenants_validation_errors() {
    let daemon = Daemon::start().await;
    let admin = daemon.admin();

    let mut request = support::tenant_request("Esimerkki Oy");
    request.time_zone = Some("Mars/Olympus_Mons".to_owned());
    let error = assert_code(
        admin.admin().tenants().create(&request).await,
        ErrorCode::TimeZoneUnknown,
    );
    assert_eq!(
        error.api_error().unwrap().field.as_deref(),
        Some("time_zone")
    );

    let mut request = support::tenant_request("Esimerkki Oy");
    request.iban = Some("FI00 0000 0000 0000 00".to_owned());
    assert_code(
        admin.admin().tenants().create(&request).await,
        ErrorCode::IbanInvalid,
    );

    assert_code(
        admin.admin().tenants().get(999_999).await,
        ErrorCode::TenantNotFound,
    );
}

#[tokio::test]
async fn clock_moves_forward_only() {
    let daemon = Daemon::start().await;
    let admin = daemon.admin();
    let clock = admin.admin().clock();
    let start = Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap();

    let now = clock.get().await.unwrap();
    assert_eq!(now.now, start);
    assert!(now.manual);

    let advance = ClockRequest {
        set: None,
        advance_seconds: Some(3600),
        wait: true,
    };
    let moved = clock.change(&advance).await.unwrap();
    assert_eq!(moved.now, start + chrono::Duration::hours(1));

    let backwards = ClockRequest {
        set: Some(start),
        advance_seconds: None,
        wait: false,
    };
    assert_code(clock.change(&backwards).await, ErrorCode::ClockBackwards);
}

#[tokio::test]
async fn tokens_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;

    let created = client
        .tokens()
        .create(&CreateTokenRequest {
            name: "billing-ci".to_owned(),
        })
        .await
        .unwrap();
    assert!(
        created.token.starts_with(&created.prefix),
        "{}",
        created.prefix
    );

    let second = daemon.client(&created.token);
    let listed: Vec<ApiToken> = second
        .tokens()
        .list_all(PageQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert!(listed.iter().any(|token| token.id == created.id));

    let revoked = client.tokens().revoke(created.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_code(
        second.tokens().list(&PageQuery::default()).await,
        ErrorCode::Unauthorized,
    );

    assert_code(
        client.tokens().revoke(999_999).await,
        ErrorCode::TokenNotFound,
    );
    let error = assert_code(
        client
            .tokens()
            .create(&CreateTokenRequest {
                name: String::new(),
            })
            .await,
        ErrorCode::ValueInvalid,
    );
    assert_eq!(error.api_error().unwrap().field.as_deref(), Some("name"));
}

#[tokio::test]
async fn policies_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    let body = support::consumer_policy(false);

    let check = client
        .policies()
        .validate(&ValidatePolicyRequest {
            policy: body.clone(),
        })
        .await
        .unwrap();
    assert!(check.valid, "{check:?}");

    let created = client
        .policies()
        .create(&CreatePolicyRequest {
            key: "consumer-test".to_owned(),
            policy: body.clone(),
        })
        .await
        .unwrap();
    assert_eq!(created.version, 1);

    let updated = client
        .policies()
        .update(
            "consumer-test",
            &UpdatePolicyRequest {
                policy: body.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.version, 2);

    let read = client.policies().get("consumer-test").await.unwrap();
    assert_eq!(read.versions.len(), 2);
    let listed: Vec<PolicySummary> = client
        .policies()
        .list_all(PageQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert!(listed.iter().any(|policy| policy.key == "consumer-test"));

    assert_code(
        client
            .policies()
            .create(&CreatePolicyRequest {
                key: "consumer-test".to_owned(),
                policy: body,
            })
            .await,
        ErrorCode::PolicyExists,
    );
    assert_code(
        client.policies().get("no-such-policy").await,
        ErrorCode::PolicyNotFound,
    );
}

#[tokio::test]
async fn policies_reject_fee_above_cap() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    let mut body = support::consumer_policy(false);
    body["steps"][1]["fee"]["fixed"] = serde_json::json!("20.00");

    let check = client
        .policies()
        .validate(&ValidatePolicyRequest {
            policy: body.clone(),
        })
        .await
        .unwrap();
    assert!(!check.valid);
    assert!(
        check
            .errors
            .iter()
            .any(|issue| issue.rule == "consumer_fee_cap"),
        "{check:?}"
    );

    let created = client
        .policies()
        .create(&CreatePolicyRequest {
            key: "too-expensive".to_owned(),
            policy: body,
        })
        .await;
    assert_code(created, ErrorCode::PolicyInvalid);
}

#[tokio::test]
async fn accounts_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;

    let account = client
        .accounts()
        .upsert("C/1001", &account_request())
        .await
        .unwrap();
    assert_eq!(account.external_id, "C/1001");
    assert_eq!(account.locale, Locale::Fi);
    assert_eq!(
        client.accounts().get("C/1001").await.unwrap().id,
        account.id
    );

    let listed: Vec<Account> = client
        .accounts()
        .list_all(PageQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    client
        .invoices()
        .upsert("INV/1", &invoice_request("C/1001", "100.00"))
        .await
        .unwrap();
    let status = client.accounts().status("C/1001").await.unwrap();
    assert_eq!(status.open_invoices.len(), 1);
    assert_eq!(status.balances[0].principal, Decimal::new(10_000, 2));

    let mut bad = account_request();
    bad.emails = vec!["not an address".to_owned()];
    assert_code(
        client.accounts().upsert("C-2", &bad).await,
        ErrorCode::EmailInvalid,
    );
    assert_code(
        client.accounts().get("C-404").await,
        ErrorCode::AccountNotFound,
    );
}

#[tokio::test]
async fn invoices_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();

    let invoice = client
        .invoices()
        .upsert("INV/2026/1", &invoice_request("C-1", "124.50"))
        .await
        .unwrap();
    assert_eq!(invoice.status, InvoiceStatus::Open);
    assert_eq!(invoice.total_outstanding, Decimal::new(12_450, 2));
    assert!(!invoice.payment_codes.reference.rf.is_empty());

    let again = client
        .invoices()
        .upsert("INV/2026/1", &invoice_request("C-1", "124.50"))
        .await
        .unwrap();
    assert_eq!(again.id, invoice.id);

    let mut draft = invoice_request("C-1", "50.00");
    draft.status = IssueStatus::Draft;
    let draft = client.invoices().upsert("INV-DRAFT", &draft).await.unwrap();
    assert_eq!(draft.status, InvoiceStatus::Draft);
    let issued = client.invoices().issue("INV-DRAFT").await.unwrap();
    assert_eq!(issued.status, InvoiceStatus::Open);

    let moved = client
        .invoices()
        .change_due_date(
            "INV/2026/1",
            &ChangeDueDateRequest {
                due_date: date(2026, 4, 1),
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.due_date, Some(date(2026, 4, 1)));

    let cancelled = client.invoices().cancel("INV-DRAFT").await.unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);

    let query = InvoiceListQuery {
        account: Some("C-1".to_owned()),
        status: Some(InvoiceStatus::Open),
        ..InvoiceListQuery::default()
    };
    let open: Vec<Invoice> = client
        .invoices()
        .list_all(query)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        client.invoices().get("INV/2026/1").await.unwrap().id,
        invoice.id
    );
}

#[tokio::test]
async fn invoices_validation_errors() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();

    let mut early = invoice_request("C-1", "10.00");
    early.due_date = Some(date(2026, 1, 1));
    let error = assert_code(
        client.invoices().upsert("INV-1", &early).await,
        ErrorCode::DueDateBeforeIssueDate,
    );
    assert_eq!(
        error.api_error().unwrap().field.as_deref(),
        Some("due_date")
    );

    assert_code(
        client
            .invoices()
            .upsert("INV-2", &invoice_request("C-404", "10.00"))
            .await,
        ErrorCode::AccountNotFound,
    );
    assert_code(
        client
            .invoices()
            .upsert("INV-3", &invoice_request("C-1", "-10.00"))
            .await,
        ErrorCode::AmountNotPositive,
    );
    assert_code(
        client
            .invoices()
            .upsert("INV-4", &invoice_request("C-1", "10.001"))
            .await,
        ErrorCode::AmountTooManyDecimals,
    );

    client
        .invoices()
        .upsert("INV-5", &invoice_request("C-1", "10.00"))
        .await
        .unwrap();
    assert_code(
        client.invoices().issue("INV-5").await,
        ErrorCode::InvoiceNotDraft,
    );
    assert_code(
        client.invoices().get("INV-404").await,
        ErrorCode::InvoiceNotFound,
    );
}

#[tokio::test]
async fn invoice_batch_reports_each_item() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();

    let batch = BatchInvoiceRequest {
        items: vec![
            BatchInvoiceItem {
                external_id: "B-1".to_owned(),
                invoice: invoice_request("C-1", "10.00"),
            },
            BatchInvoiceItem {
                external_id: "B-2".to_owned(),
                invoice: invoice_request("C-404", "10.00"),
            },
        ],
    };
    let response = client.invoices().batch(&batch).await.unwrap();

    assert_eq!(response.results.len(), 2);
    assert_eq!(response.results[0].status, BatchItemStatus::Created);
    assert_eq!(response.results[1].status, BatchItemStatus::Rejected);
    let error = response.results[1].error.as_ref().unwrap();
    assert_eq!(error.code, ErrorCode::AccountNotFound);
}

#[tokio::test]
async fn payments_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    let invoice = client
        .invoices()
        .upsert("INV-1", &invoice_request("C-1", "100.00"))
        .await
        .unwrap();

    let by_reference = client
        .payments()
        .record(&support::payment(
            "40.00",
            Some(&invoice.payment_codes.reference.rf),
            None,
        ))
        .await
        .unwrap();
    assert!(by_reference.matched);
    assert_eq!(by_reference.account.as_deref(), Some("C-1"));

    let unmatched = client
        .payments()
        .record(&support::payment("60.00", Some("RF18539007547034"), None))
        .await
        .unwrap();
    assert!(!unmatched.matched);
    let query = PaymentListQuery {
        unmatched: Some(true),
        ..PaymentListQuery::default()
    };
    let waiting: Vec<Payment> = client
        .payments()
        .list_all(query)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);

    let matched = client
        .payments()
        .match_invoice(
            unmatched.id,
            &MatchPaymentRequest {
                invoice: "INV-1".to_owned(),
            },
        )
        .await
        .unwrap();
    assert!(matched.matched);
    assert_eq!(
        client.invoices().get("INV-1").await.unwrap().status,
        InvoiceStatus::Paid
    );

    let reversed = client.payments().reverse(matched.id).await.unwrap();
    assert!(reversed.reversed_at.is_some());
    assert_code(
        client.payments().reverse(matched.id).await,
        ErrorCode::PaymentReversed,
    );
}

#[tokio::test]
async fn payments_validation_errors() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    client
        .invoices()
        .upsert("INV-1", &invoice_request("C-1", "100.00"))
        .await
        .unwrap();

    assert_code(
        client
            .payments()
            .record(&support::payment(
                "10.00",
                Some("RF18539007547034"),
                Some("INV-1"),
            ))
            .await,
        ErrorCode::PaymentTargetConflict,
    );
    assert_code(
        client
            .payments()
            .record(&support::payment("0.00", None, Some("INV-1")))
            .await,
        ErrorCode::AmountNotPositive,
    );
    assert_code(
        client.payments().reverse(999_999).await,
        ErrorCode::PaymentNotFound,
    );
}

#[tokio::test]
async fn same_idempotency_key_returns_first_response() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    let key = vahti_sdk::IdempotencyKey::new("payment-import-17").unwrap();
    let request = support::payment("10.00", Some("RF18539007547034"), None);

    let first = client
        .payments()
        .with_idempotency_key(key.clone())
        .record(&request)
        .await
        .unwrap();
    let second = client
        .payments()
        .with_idempotency_key(key.clone())
        .record(&request)
        .await
        .unwrap();
    assert_eq!(first.id, second.id);

    let mut changed = request;
    changed.amount = Decimal::new(2000, 2);
    assert_code(
        client
            .payments()
            .with_idempotency_key(key)
            .record(&changed)
            .await,
        ErrorCode::IdempotencyKeyReused,
    );
}

#[tokio::test]
async fn imports_read_sample_files() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    let samples = samples_dir();

    let finvoice = std::fs::read(samples.join("finvoice/finvoice1.xml")).unwrap();
    let report = client.imports().invoices(finvoice.clone()).await.unwrap();
    assert_eq!(report.format, ImportFormat::Finvoice);
    let again = client.imports().invoices(finvoice).await.unwrap();
    assert!(again.already_imported);

    let camt = std::fs::read(samples.join("camt/content_054.xml")).unwrap();
    let report = client.imports().payments(camt).await.unwrap();
    assert_eq!(report.format, ImportFormat::Camt054);

    let ktl = std::fs::read(samples.join("ktl/df_ktl.content.ktl")).unwrap();
    let report = client.imports().payments(ktl).await.unwrap();
    assert_eq!(report.format, ImportFormat::Ktl);

    assert_code(
        client
            .imports()
            .invoices(b"%PDF-1.7 not an invoice".to_vec())
            .await,
        ErrorCode::ImportFormatUnknown,
    );
    let broken = std::fs::read(samples.join("finvoice/finvoice3.xml")).unwrap();
    assert_code(
        client.imports().invoices(broken).await,
        ErrorCode::ImportInvalid,
    );
}

#[tokio::test]
async fn pause_resume_promise_remind() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    // Overdue since 02-27, so a reminder can be requested, but the policy's first step (7 days
    // after the due date) is not due yet: the scheduler sends nothing that could race the
    // requested reminder against the minimum contact interval.
    let recently_due = UpsertInvoiceRequest {
        due_date: Some(date(2026, 2, 27)),
        ..support::overdue_invoice("C-1", "80.00")
    };
    client
        .invoices()
        .upsert("INV-OVERDUE", &recently_due)
        .await
        .unwrap();

    let paused = client
        .accounts()
        .pause(
            "C-1",
            &PauseRequest {
                until: date(2026, 3, 20),
                reason: "customer on holiday".to_owned(),
                invoice: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(paused.paused_until, Some(date(2026, 3, 20)));
    let resumed = client
        .accounts()
        .resume("C-1", &ResumeRequest::default())
        .await
        .unwrap();
    assert_eq!(resumed.paused_until, None);

    // The reminder comes before the promise: a promised invoice is not reminded.
    let remind = client
        .accounts()
        .remind("C-1", &RemindRequest::default())
        .await
        .unwrap();
    assert_eq!(remind.invoices, ["INV-OVERDUE"]);

    let promise = client
        .accounts()
        .promise(
            "C-1",
            &PromiseRequest {
                invoice: Some("INV-OVERDUE".to_owned()),
                pay_by: date(2026, 3, 9),
                amount: None,
                currency: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(promise.state, PromiseState::Open);
    assert_eq!(promise.amount, Decimal::new(8000, 2));

    assert_code(
        client
            .accounts()
            .pause(
                "C-1",
                &PauseRequest {
                    until: date(2026, 3, 1),
                    reason: "too late".to_owned(),
                    invoice: None,
                },
            )
            .await,
        ErrorCode::DateInPast,
    );
    client
        .accounts()
        .upsert("C-2", &account_request())
        .await
        .unwrap();
    assert_code(
        client
            .accounts()
            .remind("C-2", &RemindRequest::default())
            .await,
        ErrorCode::NothingToRemind,
    );
}

#[tokio::test]
async fn disputes_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    client
        .invoices()
        .upsert("INV-1", &invoice_request("C-1", "100.00"))
        .await
        .unwrap();

    let opened = client
        .disputes()
        .open(
            "INV-1",
            &OpenDisputeRequest {
                reason: "goods never arrived".to_owned(),
            },
        )
        .await
        .unwrap();
    assert!(client.invoices().get("INV-1").await.unwrap().disputed);
    assert_code(
        client
            .disputes()
            .open(
                "INV-1",
                &OpenDisputeRequest {
                    reason: "again".to_owned(),
                },
            )
            .await,
        ErrorCode::DisputeAlreadyOpen,
    );

    let resolve = ResolveDisputeRequest {
        resolution: DisputeResolution::Rejected,
        note: Some("delivery confirmed".to_owned()),
    };
    let resolved = client
        .disputes()
        .resolve(opened.id, &resolve)
        .await
        .unwrap();
    assert_eq!(resolved.resolution, Some(DisputeResolution::Rejected));
    assert!(!client.invoices().get("INV-1").await.unwrap().disputed);
    assert_code(
        client.disputes().resolve(opened.id, &resolve).await,
        ErrorCode::DisputeAlreadyResolved,
    );
    assert_code(
        client.disputes().resolve(999_999, &resolve).await,
        ErrorCode::DisputeNotFound,
    );
}

#[tokio::test]
async fn payment_plans_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    client
        .invoices()
        .upsert("INV-1", &invoice_request("C-1", "100.00"))
        .await
        .unwrap();

    let plan_request = |first: &str, second: &str| CreatePaymentPlanRequest {
        invoices: vec!["INV-1".to_owned()],
        instalments: vec![
            InstalmentInput {
                due_date: date(2026, 4, 1),
                amount: first.parse().unwrap(),
            },
            InstalmentInput {
                due_date: date(2026, 5, 1),
                amount: second.parse().unwrap(),
            },
        ],
    };

    assert_code(
        client
            .payment_plans()
            .create("C-1", &plan_request("50.00", "40.00"))
            .await,
        ErrorCode::PaymentPlanInvalid,
    );

    let plan = client
        .payment_plans()
        .create("C-1", &plan_request("50.00", "50.00"))
        .await
        .unwrap();
    assert_eq!(plan.state, PaymentPlanState::Active);
    assert_eq!(plan.total, Decimal::new(10_000, 2));

    let plans: Vec<PaymentPlan> = client
        .payment_plans()
        .list_all("C-1", PageQuery::default())
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(plans.len(), 1);

    let cancelled = client.payment_plans().cancel(plan.id).await.unwrap();
    assert_eq!(cancelled.state, PaymentPlanState::Cancelled);
    assert_code(
        client.payment_plans().cancel(plan.id).await,
        ErrorCode::PaymentPlanClosed,
    );
}

#[tokio::test]
async fn pending_actions_approve_and_skip() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .policies()
        .create(&CreatePolicyRequest {
            key: "guided".to_owned(),
            policy: support::consumer_policy(true),
        })
        .await
        .unwrap();
    for account in ["C-1", "C-2"] {
        let mut request = account_request();
        request.policy = Some("guided".to_owned());
        client.accounts().upsert(account, &request).await.unwrap();
        client
            .invoices()
            .upsert(
                &format!("INV-{account}"),
                &support::overdue_invoice(account, "80.00"),
            )
            .await
            .unwrap();
    }

    // The first step of the guided policy runs 7 days after the due date and waits for
    // approval; moving the clock two weeks makes it due for both accounts.
    daemon.advance_days(14).await;

    let actions: Vec<PendingAction> = client
        .pending()
        .list_all(PendingListQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(actions.len(), 2, "{actions:?}");
    let first = client.pending().get(actions[0].id).await.unwrap();
    assert_eq!(first.state, PendingActionState::Pending);

    let raise = ApprovePendingRequest {
        fee_amounts: vec![FeeAmount {
            invoice: first.invoices[0].invoice.clone(),
            amount: first.invoices[0].fee + Decimal::ONE,
        }],
        note: None,
        free_text: None,
    };
    assert_code(
        client.pending().approve(first.id, &raise).await,
        ErrorCode::FeeAboveProposed,
    );

    let approved = client
        .pending()
        .approve(first.id, &ApprovePendingRequest::default())
        .await
        .unwrap();
    assert_eq!(approved.state, PendingActionState::Approved);
    let skipped = client
        .pending()
        .skip(
            actions[1].id,
            &SkipPendingRequest {
                reason: "agreed by phone".to_owned(),
            },
        )
        .await
        .unwrap();
    assert_eq!(skipped.state, PendingActionState::Skipped);

    assert_code(
        client
            .pending()
            .approve(first.id, &ApprovePendingRequest::default())
            .await,
        ErrorCode::PendingActionClosed,
    );
    assert_code(
        client.pending().get(999_999).await,
        ErrorCode::PendingActionNotFound,
    );
}

#[tokio::test]
async fn events_stream_resumes_from_cursor() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    client
        .invoices()
        .upsert("INV-1", &invoice_request("C-1", "100.00"))
        .await
        .unwrap();

    let all = client
        .events()
        .list(&EventsQuery {
            after: None,
            limit: None,
            wait: Some(0),
        })
        .await
        .unwrap();
    assert!(
        all.events
            .iter()
            .any(|event| event.event_type == EventType::InvoiceCreated),
        "{all:?}"
    );

    let mut stream = client
        .events()
        .stream_from(None)
        .with_wait(Duration::from_secs(1));
    let first = stream.next().await.unwrap().unwrap();
    let saved = stream.last_seq();
    assert_eq!(saved, Some(first.seq));
    drop(stream);

    client
        .invoices()
        .upsert("INV-2", &invoice_request("C-1", "50.00"))
        .await
        .unwrap();
    let mut resumed = client
        .events()
        .stream_from(saved)
        .with_wait(Duration::from_secs(1));
    let next = tokio::time::timeout(Duration::from_secs(10), resumed.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(next.seq > first.seq);

    let waited = client
        .events()
        .list(&EventsQuery {
            after: Some(i64::MAX - 1),
            limit: Some(10),
            wait: Some(1),
        })
        .await
        .unwrap();
    assert!(waited.events.is_empty());
}

#[tokio::test]
async fn events_reject_bad_cursor_query() {
    let daemon = Daemon::start().await;
    let (_, created) = daemon.tenant("Esimerkki Oy").await;

    // The client checks `limit` and `wait` itself, so a raw query string reaches the server's
    // own check.
    let url = format!("{}/v1/events?after=abc", daemon.url);
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(&created.token.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: ApiErrorBody = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(body.error.code, ErrorCode::QueryInvalid);
}

#[tokio::test]
async fn aging_report_buckets() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    client
        .invoices()
        .upsert("INV-NOT-DUE", &invoice_request("C-1", "100.00"))
        .await
        .unwrap();
    client
        .invoices()
        .upsert("INV-OVERDUE", &support::overdue_invoice("C-1", "80.00"))
        .await
        .unwrap();

    let report = client
        .reports()
        .aging(&AgingQuery {
            as_of: Some(date(2026, 3, 2)),
        })
        .await
        .unwrap();

    assert_eq!(report.as_of, date(2026, 3, 2));
    let euros = &report.currencies[0];
    assert_eq!(euros.currency, "EUR");
    assert_eq!(euros.not_due.count, 1);
    assert_eq!(euros.days_15_30.count, 1);
    assert_eq!(euros.total.amount, Decimal::new(18_000, 2));
}

#[tokio::test]
async fn webhooks_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    let receiver = support::Receiver::start().await;

    let created = client
        .webhooks()
        .create(&CreateWebhookRequest {
            url: receiver.url.clone(),
            event_types: vec!["account_updated".to_owned()],
            description: Some("ERP test receiver".to_owned()),
        })
        .await
        .unwrap();
    let id = created.webhook.id;
    assert!(
        created
            .secret
            .starts_with(&created.webhook.secrets[0].prefix)
    );
    let listed: Vec<Webhook> = client
        .webhooks()
        .list_all(PageQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(client.webhooks().get(id).await.unwrap().url, receiver.url);

    client
        .accounts()
        .upsert("C-1", &account_request())
        .await
        .unwrap();
    daemon.advance_seconds(1).await;
    let sent = support::delivered(&client, id).await;
    assert_eq!(sent.event_type, EventType::AccountUpdated);
    assert_eq!(receiver.count(), 1);

    let again = client.webhooks().redeliver(id, sent.id).await.unwrap();
    assert_eq!(again.event_seq, sent.event_seq);
    assert_ne!(again.id, sent.id);

    let rotated = client.webhooks().rotate_secret(id).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    assert_eq!(client.webhooks().get(id).await.unwrap().secrets.len(), 2);

    let change = UpdateWebhookRequest {
        url: None,
        event_types: None,
        description: None,
        enabled: Some(false),
    };
    let disabled = client.webhooks().update(id, &change).await.unwrap();
    assert!(!disabled.enabled);
    assert_code(
        client.webhooks().redeliver(id, sent.id).await,
        ErrorCode::WebhookDisabled,
    );

    client.webhooks().delete(id).await.unwrap();
    assert_code(client.webhooks().get(id).await, ErrorCode::WebhookNotFound);
}

#[tokio::test]
async fn webhooks_validation_errors() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;

    let error = assert_code(
        client
            .webhooks()
            .create(&CreateWebhookRequest {
                url: "ftp://erp.example.com/events".to_owned(),
                event_types: vec!["*".to_owned()],
                description: None,
            })
            .await,
        ErrorCode::WebhookUrlInvalid,
    );
    assert_eq!(error.api_error().unwrap().field.as_deref(), Some("url"));
    assert_code(
        client
            .webhooks()
            .create(&CreateWebhookRequest {
                url: "https://erp.example.com/events".to_owned(),
                event_types: vec!["invoice_on_fire".to_owned()],
                description: None,
            })
            .await,
        ErrorCode::EventTypeUnknown,
    );
    assert_code(
        client.webhooks().rotate_secret(999_999).await,
        ErrorCode::WebhookNotFound,
    );
    assert_code(
        client
            .webhooks()
            .deliveries(999_999, &DeliveriesQuery::default())
            .await,
        ErrorCode::WebhookNotFound,
    );
}

#[tokio::test]
async fn collection_case_lifecycle() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;
    let partner = client
        .collection_partner()
        .put(&PutPartnerRequest {
            kind: PartnerKind::File,
            name: "Perintä Oy".to_owned(),
            email: Some("asiakaspalvelu@perinta.example".to_owned()),
            phone: None,
            website: None,
            url: None,
            secret: None,
        })
        .await
        .unwrap();
    assert_eq!(partner.partner.name, "Perintä Oy");
    assert_eq!(
        client.collection_partner().get().await.unwrap().name,
        "Perintä Oy"
    );
    let mut account = account_request();
    account.contact = Some(support::contact());
    account.electronic_demand_consent_until = Some(date(2026, 12, 31));
    client.accounts().upsert("C-1", &account).await.unwrap();
    let mut invoice = support::overdue_invoice("C-1", "120.00");
    invoice.sent_on = Some(invoice.issue_date);
    client.invoices().upsert("INV-1", &invoice).await.unwrap();

    let handover = support::escalate_to_handover(&daemon, &client).await;
    client
        .pending()
        .approve(handover, &ApprovePendingRequest::default())
        .await
        .unwrap();
    daemon.advance_seconds(1).await;

    let cases: Vec<CollectionCase> = client
        .cases()
        .list_all(CasesQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let case = client.cases().get(cases[0].id).await.unwrap();
    assert_eq!(case.account, "C-1");
    assert_eq!(case.invoices[0].invoice, "INV-1");
    assert!(case.document.is_some());

    let acknowledged = client
        .cases()
        .report_state(
            case.id,
            &CaseStateRequest {
                state: ReportedCaseState::Acknowledged,
                note: Some("received".to_owned()),
                amount: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(acknowledged.state, CaseState::Acknowledged);

    let recalled = client
        .cases()
        .recall(
            case.id,
            &RecallCaseRequest {
                reason: "the debtor paid us directly".to_owned(),
            },
        )
        .await
        .unwrap();
    assert_eq!(recalled.state, CaseState::Recalled);
    assert_code(
        client
            .cases()
            .recall(
                case.id,
                &RecallCaseRequest {
                    reason: "again".to_owned(),
                },
            )
            .await,
        ErrorCode::CaseClosed,
    );

    client.collection_partner().delete().await.unwrap();
    assert_code(
        client.collection_partner().get().await,
        ErrorCode::PartnerNotFound,
    );
}

#[tokio::test]
async fn collection_validation_errors() {
    let daemon = Daemon::start().await;
    let (client, _) = daemon.tenant("Esimerkki Oy").await;

    let error = assert_code(
        client
            .collection_partner()
            .put(&PutPartnerRequest {
                kind: PartnerKind::Http,
                name: "Perintä Oy".to_owned(),
                email: Some("asiakaspalvelu@perinta.example".to_owned()),
                phone: None,
                website: None,
                url: Some("not a url".to_owned()),
                secret: None,
            })
            .await,
        ErrorCode::WebhookUrlInvalid,
    );
    assert_eq!(error.api_error().unwrap().field.as_deref(), Some("url"));
    let error = assert_code(
        client
            .collection_partner()
            .put(&PutPartnerRequest {
                kind: PartnerKind::Http,
                name: "Perintä Oy".to_owned(),
                email: Some("asiakaspalvelu@perinta.example".to_owned()),
                phone: None,
                website: None,
                url: None,
                secret: None,
            })
            .await,
        ErrorCode::PartnerInvalid,
    );
    assert_eq!(error.api_error().unwrap().field.as_deref(), Some("url"));
    assert_code(
        client.collection_partner().get().await,
        ErrorCode::PartnerNotFound,
    );
    assert_code(client.cases().get(999_999).await, ErrorCode::CaseNotFound);
    assert_code(
        client
            .cases()
            .recall(
                999_999,
                &RecallCaseRequest {
                    reason: "paid".to_owned(),
                },
            )
            .await,
        ErrorCode::CaseNotFound,
    );
}

/// Starting and stopping the daemon, and request builders shared by the tests.
#[cfg(test)]
mod support {
    use std::fs::File;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use tempfile::TempDir;
    use vahti_sdk::api::*;
    use vahti_sdk::{Client, RetryPolicy, SdkError};

    /// A running `vahtid` with its own database and mail folder, stopped on drop.
    pub struct Daemon {
        child: Child,
        pub url: String,
        admin_token: String,
        dir: TempDir,
    }

    impl Daemon {
        pub async fn start() -> Daemon {
            let binary = vahtid_binary();
            assert!(
                binary.is_file(),
                "{} does not exist: build it with `cargo build -p vahti-daemon` or set VAHTID_BIN",
                binary.display()
            );

            let dir = tempfile::tempdir().unwrap();
            let mail = dir.path().join("mail");
            std::fs::create_dir(&mail).unwrap();
            let port = free_port();
            let admin_token = format!("vahti-admin-{}", uuid::Uuid::new_v4().simple());
            let log = File::create(dir.path().join("vahtid.log")).unwrap();

            let child = Command::new(&binary)
                .env("VAHTI__SERVER__LISTEN", format!("127.0.0.1:{port}"))
                .env(
                    "VAHTI__DATABASE__URL",
                    format!("sqlite://{}/vahti.db", dir.path().display()),
                )
                .env("VAHTI__CLOCK__MODE", "manual")
                .env("VAHTI__CLOCK__START", "2026-03-02T07:00:00Z")
                .env("VAHTI__ADMIN__TOKEN", &admin_token)
                .env("VAHTI__MAIL__TRANSPORT", "file")
                .env("VAHTI__MAIL__FILE_DIR", &mail)
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap();

            let mut daemon = Daemon {
                child,
                url: format!("http://127.0.0.1:{port}"),
                admin_token,
                dir,
            };
            daemon.wait_until_ready().await;
            daemon
        }

        async fn wait_until_ready(&mut self) {
            let probe = Client::builder()
                .base_url(&self.url)
                .retry_policy(RetryPolicy::never())
                .timeout(Duration::from_secs(2))
                .build()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Some(status) = self.child.try_wait().unwrap() {
                    panic!(
                        "vahtid exited with {status} before it was ready:\n{}",
                        self.log()
                    );
                }
                if let Ok(health) = probe.server().readyz().await
                    && health.status == HealthStatus::Ok
                {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "vahtid was not ready within 60 s:\n{}",
                    self.log()
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        fn log(&self) -> String {
            std::fs::read_to_string(self.dir.path().join("vahtid.log")).unwrap_or_default()
        }

        /// Returns a client with fast retries and the given token.
        pub fn client(&self, token: &str) -> Client {
            Client::builder()
                .base_url(&self.url)
                .token(token)
                .timeout(Duration::from_secs(30))
                .retry_policy(
                    RetryPolicy::default().with_initial_backoff(Duration::from_millis(50)),
                )
                .build()
                .unwrap()
        }

        /// Returns a client without a token.
        pub fn anonymous(&self) -> Client {
            Client::builder().base_url(&self.url).build().unwrap()
        }

        /// Returns a client with the operator token.
        pub fn admin(&self) -> Client {
            self.client(&self.admin_token)
        }

        /// Creates a tenant and returns a client with its first token.
        pub async fn tenant(&self, name: &str) -> (Client, CreateTenantResponse) {
            let created = self
                .admin()
                .admin()
                .tenants()
                .create(&tenant_request(name))
                .await
                .unwrap();
            let client = self.client(&created.token.token);
            (client, created)
        }

        /// Moves the manual clock forward by seconds and waits until the daemon has acted.
        pub async fn advance_seconds(&self, seconds: u32) {
            let request = ClockRequest {
                set: None,
                advance_seconds: Some(seconds),
                wait: true,
            };
            self.admin().admin().clock().change(&request).await.unwrap();
        }

        /// Moves the manual clock forward by whole days and waits until the daemon has acted.
        pub async fn advance_days(&self, days: u32) {
            let request = ClockRequest {
                set: None,
                advance_seconds: Some(days * 86_400),
                wait: true,
            };
            self.admin().admin().clock().change(&request).await.unwrap();
        }
    }

    impl Drop for Daemon {
        fn drop(&mut self) {
            // Ask for a graceful stop first, as systemd would, then make sure it is gone.
            let pid = self.child.id().to_string();
            let stopped = Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .is_ok_and(|status| status.success());
            if stopped {
                let deadline = Instant::now() + Duration::from_secs(10);
                while Instant::now() < deadline {
                    if let Ok(Some(_)) = self.child.try_wait() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// A webhook receiver on a free loopback port that answers every request with 204 and
    /// counts them.
    pub struct Receiver {
        pub url: String,
        count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Receiver {
        pub async fn start() -> Receiver {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};

            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}/vahti", listener.local_addr().unwrap());
            let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counted = count.clone();
            let task = tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let mut request = Vec::new();
                    let mut buffer = [0_u8; 8192];
                    // Read the head, then as much body as `Content-Length` says.
                    while let Ok(read) = stream.read(&mut buffer).await {
                        if read == 0 {
                            break;
                        }
                        request.extend_from_slice(&buffer[..read]);
                        if complete(&request) {
                            break;
                        }
                    }
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let _ = stream
                        .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                        .await;
                }
            });
            Receiver { url, count, task }
        }

        /// How many requests arrived.
        pub fn count(&self) -> usize {
            self.count.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    impl Drop for Receiver {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    /// Whether a request's head and its whole body have arrived.
    fn complete(request: &[u8]) -> bool {
        let text = String::from_utf8_lossy(request);
        let Some(head_end) = text.find("\r\n\r\n") else {
            return false;
        };
        let length = text[..head_end]
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok())
            .unwrap_or(0);
        request.len() >= head_end + 4 + length
    }

    /// Waits until the endpoint's newest delivery is sent and returns it.
    pub async fn delivered(client: &Client, webhook: i64) -> WebhookDelivery {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = client
                .webhooks()
                .deliveries(webhook, &DeliveriesQuery::default())
                .await
                .unwrap();
            if let Some(delivery) = page.items.first()
                && delivery.state == DeliveryState::Sent
            {
                return delivery.clone();
            }
            assert!(Instant::now() < deadline, "no delivery was sent: {page:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A postal address, which a hand-over to a collection agency needs.
    pub fn contact() -> ContactInput {
        serde_json::from_value(serde_json::json!({
            "address_lines": ["Kotikatu 3"],
            "postal_code": "00100",
            "city": "Helsinki",
        }))
        .unwrap()
    }

    /// Moves the clock a day at a time until the hand-over of the only account waits for
    /// approval, and returns the pending action.
    pub async fn escalate_to_handover(daemon: &Daemon, client: &Client) -> i64 {
        for _ in 0..120 {
            daemon.advance_days(1).await;
            let page = client
                .pending()
                .list(&PendingListQuery::default())
                .await
                .unwrap();
            if let Some(action) = page
                .items
                .iter()
                .find(|action| action.step_kind == StepKind::CollectionHandover)
            {
                return action.id;
            }
        }
        panic!("the escalation did not reach its hand-over within 120 days");
    }

    /// Asserts that a call failed with the given error code and returns the error.
    pub fn assert_code<T: std::fmt::Debug>(
        result: Result<T, SdkError>,
        code: ErrorCode,
    ) -> SdkError {
        let error = result.expect_err("the call should fail");
        assert_eq!(error.code(), Some(&code), "{error}");
        error
    }

    /// Returns the path of `vahtid`: `VAHTID_BIN`, or the binary in the target directory of
    /// this test, which cargo puts in `<target>/<profile>/deps`.
    fn vahtid_binary() -> PathBuf {
        if let Some(path) = std::env::var_os("VAHTID_BIN") {
            return PathBuf::from(path);
        }
        let test_binary = std::env::current_exe().unwrap();
        let profile_dir = test_binary
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lies in <target>/<profile>/deps");
        profile_dir.join(format!("vahtid{}", std::env::consts::EXE_SUFFIX))
    }

    fn free_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    /// Returns the folder of the sample files: `VAHTI_SAMPLES_DIR`, or `../shared/samples`
    /// beside the repository.
    pub fn samples_dir() -> PathBuf {
        match std::env::var_os("VAHTI_SAMPLES_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples"),
        }
    }

    pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    pub fn tenant_request(name: &str) -> CreateTenantRequest {
        CreateTenantRequest {
            name: name.to_owned(),
            business_id: Some("1234567-1".to_owned()),
            time_zone: None,
            locale: None,
            sender_email: Some("laskutus@example.fi".to_owned()),
            reply_to: None,
            iban: Some("FI21 1234 5600 0007 85".to_owned()),
            bic: Some("NDEAFIHH".to_owned()),
            contact: None,
            token_name: Some("tests".to_owned()),
        }
    }

    pub fn account_request() -> UpsertAccountRequest {
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

    /// Returns an invoice issued on the clock's first day and due two weeks later.
    pub fn invoice_request(account: &str, amount: &str) -> UpsertInvoiceRequest {
        UpsertInvoiceRequest {
            account: account.to_owned(),
            kind: InvoiceKind::Invoice,
            number: format!("N-{account}-{amount}"),
            issue_date: date(2026, 3, 2),
            sent_on: None,
            due_date: Some(date(2026, 3, 16)),
            currency: "EUR".to_owned(),
            amount: amount.parse::<Decimal>().unwrap(),
            reference: None,
            corrects: None,
            status: IssueStatus::Issued,
            seller_iban: None,
            seller_bic: None,
        }
    }

    /// Returns an invoice that was due 15 days before the clock's first day.
    pub fn overdue_invoice(account: &str, amount: &str) -> UpsertInvoiceRequest {
        UpsertInvoiceRequest {
            issue_date: date(2026, 1, 30),
            due_date: Some(date(2026, 2, 15)),
            ..invoice_request(account, amount)
        }
    }

    pub fn payment(
        amount: &str,
        reference: Option<&str>,
        invoice: Option<&str>,
    ) -> RecordPaymentRequest {
        RecordPaymentRequest {
            amount: amount.parse::<Decimal>().unwrap(),
            currency: "EUR".to_owned(),
            paid_on: date(2026, 3, 2),
            booked_on: None,
            reference: reference.map(str::to_owned),
            invoice: invoice.map(str::to_owned),
            archive_id: None,
            payer_name: None,
        }
    }

    /// Returns the default consumer policy in its JSON form, optionally with approval required
    /// on every step.
    pub fn consumer_policy(guided: bool) -> serde_json::Value {
        let mut policy = vahti_domain::policy::Policy::default_consumer();
        if guided {
            for step in &mut policy.steps {
                step.approval = vahti_domain::policy::Approval::Required;
            }
        }
        serde_json::to_value(policy).unwrap()
    }

    /// Calls every endpoint that needs a token once and returns each result by endpoint.
    pub async fn call_every_protected_endpoint(
        client: &Client,
    ) -> Vec<(&'static str, Result<(), SdkError>)> {
        let admin = client.admin();
        let policy = consumer_policy(false);
        let plan = CreatePaymentPlanRequest {
            invoices: vec!["INV-1".to_owned()],
            instalments: vec![InstalmentInput {
                due_date: date(2026, 4, 1),
                amount: Decimal::ONE_HUNDRED,
            }],
        };
        let batch = BatchInvoiceRequest {
            items: vec![BatchInvoiceItem {
                external_id: "INV-2".to_owned(),
                invoice: invoice_request("C-1", "10.00"),
            }],
        };
        let webhook = CreateWebhookRequest {
            url: "https://erp.example.com/events".to_owned(),
            event_types: vec!["*".to_owned()],
            description: None,
        };
        let webhook_change = UpdateWebhookRequest {
            url: None,
            event_types: None,
            description: None,
            enabled: Some(true),
        };
        let partner = PutPartnerRequest {
            kind: PartnerKind::File,
            name: "Perintä Oy".to_owned(),
            email: None,
            phone: None,
            website: None,
            url: None,
            secret: None,
        };
        let case_state = CaseStateRequest {
            state: ReportedCaseState::Acknowledged,
            note: None,
            amount: None,
        };
        let recall = RecallCaseRequest {
            reason: "paid".to_owned(),
        };

        vec![
            (
                "POST /v1/tenants",
                admin.tenants().create(&tenant_request("X")).await.map(drop),
            ),
            (
                "GET /v1/tenants",
                admin.tenants().list(&PageQuery::default()).await.map(drop),
            ),
            (
                "GET /v1/tenants/{id}",
                admin.tenants().get(1).await.map(drop),
            ),
            (
                "PATCH /v1/tenants/{id}",
                admin
                    .tenants()
                    .update(1, &UpdateTenantRequest::default())
                    .await
                    .map(drop),
            ),
            ("GET /v1/admin/clock", admin.clock().get().await.map(drop)),
            (
                "POST /v1/admin/clock",
                admin
                    .clock()
                    .change(&ClockRequest {
                        set: None,
                        advance_seconds: Some(1),
                        wait: false,
                    })
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/tokens",
                client
                    .tokens()
                    .create(&CreateTokenRequest {
                        name: "x".to_owned(),
                    })
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/tokens",
                client.tokens().list(&PageQuery::default()).await.map(drop),
            ),
            (
                "DELETE /v1/tokens/{id}",
                client.tokens().revoke(1).await.map(drop),
            ),
            (
                "POST /v1/policies",
                client
                    .policies()
                    .create(&CreatePolicyRequest {
                        key: "p".to_owned(),
                        policy: policy.clone(),
                    })
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/policies",
                client
                    .policies()
                    .list(&PageQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/policies/{key}",
                client.policies().get("p").await.map(drop),
            ),
            (
                "PUT /v1/policies/{key}",
                client
                    .policies()
                    .update(
                        "p",
                        &UpdatePolicyRequest {
                            policy: policy.clone(),
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/policies/validate",
                client
                    .policies()
                    .validate(&ValidatePolicyRequest { policy })
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/accounts",
                client
                    .accounts()
                    .list(&PageQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "PUT /v1/accounts/{external_id}",
                client
                    .accounts()
                    .upsert("C-1", &account_request())
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/accounts/{external_id}",
                client.accounts().get("C-1").await.map(drop),
            ),
            (
                "GET /v1/accounts/{external_id}/status",
                client.accounts().status("C-1").await.map(drop),
            ),
            (
                "POST /v1/accounts/{external_id}/pause",
                client
                    .accounts()
                    .pause(
                        "C-1",
                        &PauseRequest {
                            until: date(2026, 3, 20),
                            reason: "x".to_owned(),
                            invoice: None,
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/accounts/{external_id}/resume",
                client
                    .accounts()
                    .resume("C-1", &ResumeRequest::default())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/accounts/{external_id}/promises",
                client
                    .accounts()
                    .promise(
                        "C-1",
                        &PromiseRequest {
                            invoice: None,
                            pay_by: date(2026, 3, 20),
                            amount: None,
                            currency: None,
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/accounts/{external_id}/payment-plans",
                client.payment_plans().create("C-1", &plan).await.map(drop),
            ),
            (
                "GET /v1/accounts/{external_id}/payment-plans",
                client
                    .payment_plans()
                    .list("C-1", &PageQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/accounts/{external_id}/remind",
                client
                    .accounts()
                    .remind("C-1", &RemindRequest::default())
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/invoices",
                client
                    .invoices()
                    .list(&InvoiceListQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "PUT /v1/invoices/{external_id}",
                client
                    .invoices()
                    .upsert("INV-1", &invoice_request("C-1", "10.00"))
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/invoices/{external_id}",
                client.invoices().get("INV-1").await.map(drop),
            ),
            (
                "POST /v1/invoices/batch",
                client.invoices().batch(&batch).await.map(drop),
            ),
            (
                "POST /v1/invoices/{external_id}/issue",
                client.invoices().issue("INV-1").await.map(drop),
            ),
            (
                "POST /v1/invoices/{external_id}/cancel",
                client.invoices().cancel("INV-1").await.map(drop),
            ),
            (
                "POST /v1/invoices/{external_id}/due-date",
                client
                    .invoices()
                    .change_due_date(
                        "INV-1",
                        &ChangeDueDateRequest {
                            due_date: date(2026, 4, 1),
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/invoices/{external_id}/disputes",
                client
                    .disputes()
                    .open(
                        "INV-1",
                        &OpenDisputeRequest {
                            reason: "x".to_owned(),
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/payments",
                client
                    .payments()
                    .record(&payment("1.00", None, None))
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/payments",
                client
                    .payments()
                    .list(&PaymentListQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/payments/{id}/reverse",
                client.payments().reverse(1).await.map(drop),
            ),
            (
                "POST /v1/payments/{id}/match",
                client
                    .payments()
                    .match_invoice(
                        1,
                        &MatchPaymentRequest {
                            invoice: "INV-1".to_owned(),
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/imports/invoices",
                client
                    .imports()
                    .invoices(b"<Finvoice/>".to_vec())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/imports/payments",
                client
                    .imports()
                    .payments(b"<Document/>".to_vec())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/disputes/{id}/resolve",
                client
                    .disputes()
                    .resolve(
                        1,
                        &ResolveDisputeRequest {
                            resolution: DisputeResolution::Upheld,
                            note: None,
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/payment-plans/{id}/cancel",
                client.payment_plans().cancel(1).await.map(drop),
            ),
            (
                "GET /v1/pending",
                client
                    .pending()
                    .list(&PendingListQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/pending/{id}",
                client.pending().get(1).await.map(drop),
            ),
            (
                "POST /v1/pending/{id}/approve",
                client
                    .pending()
                    .approve(1, &ApprovePendingRequest::default())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/pending/{id}/skip",
                client
                    .pending()
                    .skip(
                        1,
                        &SkipPendingRequest {
                            reason: "x".to_owned(),
                        },
                    )
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/events",
                client
                    .events()
                    .list(&EventsQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/reports/aging",
                client
                    .reports()
                    .aging(&AgingQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/webhooks",
                client.webhooks().create(&webhook).await.map(drop),
            ),
            (
                "GET /v1/webhooks",
                client
                    .webhooks()
                    .list(&PageQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "GET /v1/webhooks/{id}",
                client.webhooks().get(1).await.map(drop),
            ),
            (
                "PATCH /v1/webhooks/{id}",
                client.webhooks().update(1, &webhook_change).await.map(drop),
            ),
            (
                "DELETE /v1/webhooks/{id}",
                client.webhooks().delete(1).await,
            ),
            (
                "POST /v1/webhooks/{id}/secrets/rotate",
                client.webhooks().rotate_secret(1).await.map(drop),
            ),
            (
                "GET /v1/webhooks/{id}/deliveries",
                client
                    .webhooks()
                    .deliveries(1, &DeliveriesQuery::default())
                    .await
                    .map(drop),
            ),
            (
                "POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
                client.webhooks().redeliver(1, 1).await.map(drop),
            ),
            (
                "PUT /v1/collection/partner",
                client.collection_partner().put(&partner).await.map(drop),
            ),
            (
                "GET /v1/collection/partner",
                client.collection_partner().get().await.map(drop),
            ),
            (
                "DELETE /v1/collection/partner",
                client.collection_partner().delete().await,
            ),
            (
                "GET /v1/cases",
                client.cases().list(&CasesQuery::default()).await.map(drop),
            ),
            ("GET /v1/cases/{id}", client.cases().get(1).await.map(drop)),
            (
                "POST /v1/cases/{id}/state",
                client.cases().report_state(1, &case_state).await.map(drop),
            ),
            (
                "POST /v1/cases/{id}/recall",
                client.cases().recall(1, &recall).await.map(drop),
            ),
        ]
    }
}
