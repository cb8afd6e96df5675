use chrono::Duration;
use rust_decimal::Decimal;
use vahti_store::cases::{self, CaseInvoice, CaseState};
use vahti_store::claims::{self, FeeKind, NewFeeClaim, NewInterestClaim};
use vahti_store::holds::{self, NewInstalment, PlanState, PromiseState};
use vahti_store::imports::{self, NewImport};
use vahti_store::ledger;
use vahti_store::payments::{self, Component, NewAllocation, NewPayment, PaymentSource};
use vahti_store::pending::{self, Decision, NewPendingAction, PendingKind, PendingState};
use vahti_store::{StoreError, policies, rates, tokens};

use crate::support::{account, date, eur, invoice, now, open, tenant};

fn bank_payment(archive_id: &str) -> NewPayment {
    NewPayment {
        account_id: None,
        invoice_id: None,
        amount: eur("40.00"),
        paid_on: date(2025, 2, 20),
        booked_on: Some(date(2025, 2, 21)),
        reference: Some("1232".to_owned()),
        bank_archive_id: Some(archive_id.to_owned()),
        source: PaymentSource::Camt,
        import_id: None,
        payer_name: Some("MEIKALAINEN MATTI".to_owned()),
    }
}

vahti_testkit::test_both_backends! {
    fn token_authenticates_until_revoked(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let (token, generated) = store.transaction(|tx| tokens::create(tx, tenant_id, "erp", now())).unwrap();
        let found = store
            .transaction(|tx| tokens::authenticate(tx, &generated.token, now()))
            .unwrap()
            .unwrap();
        assert_eq!(found.id, token.id);
        assert_eq!(found.last_used_at, Some(now()));

        // Change the last character; a fixed replacement would equal it one time in 62.
        let (kept, last) = generated.token.split_at(generated.token.len() - 1);
        let wrong = format!("{kept}{}", if last == "x" { "y" } else { "x" });
        assert_ne!(wrong, generated.token);
        assert_eq!(store.transaction(|tx| tokens::authenticate(tx, &wrong, now())).unwrap(), None);

        store.transaction(|tx| tokens::revoke(tx, token.id, now())).unwrap();
        assert_eq!(store.transaction(|tx| tokens::authenticate(tx, &generated.token, now())).unwrap(), None);
        let listed = store.read(|tx| tokens::list(tx, tenant_id)).unwrap();
        assert_eq!(listed[0].revoked_at, Some(now()));
    }

    fn policy_versions_count_up(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let body = serde_json::json!({"steps": []});
        let (policy, first) = store
            .transaction(|tx| policies::create(tx, tenant_id, "default", "Default", &body, now()))
            .unwrap();
        let changed = serde_json::json!({"steps": [{"key": "reminder-1"}]});
        let second = store.transaction(|tx| policies::add_version(tx, policy.id, &changed, now())).unwrap();
        assert_eq!((first.version, second.version), (1, 2));

        let current = store.read(|tx| policies::current_version(tx, policy.id)).unwrap();
        assert_eq!(current.body, changed);
        let versions = store.read(|tx| policies::versions(tx, policy.id)).unwrap();
        let numbers: Vec<i32> = versions.iter().map(|version| version.version).collect();
        assert_eq!(numbers, [1, 2]);
        assert_eq!(versions[1], current);
        let by_key = store.read(|tx| policies::get_by_key(tx, tenant_id, "default")).unwrap();
        assert_eq!(by_key, policy);
        let error = store
            .transaction(|tx| policies::create(tx, tenant_id, "default", "Again", &body, now()))
            .unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "key"), "{error}");
    }

    fn derived_policy_shared_while_body_same(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let body = serde_json::json!({"steps": [{"key": "reminder-1"}]});
        let (policy, version) = store
            .transaction(|tx| policies::create(tx, tenant_id, "default", "Default", &body, now()))
            .unwrap();
        let derivations = std::cell::Cell::new(0);
        let derive = |body: &str| {
            derivations.set(derivations.get() + 1);
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            Ok::<_, StoreError>(body["steps"].as_array().map_or(0, Vec::len))
        };

        let stored = store.read(|tx| policies::current_body(tx, policy.id)).unwrap();
        assert_eq!(stored.id, version.id);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&stored.body).unwrap(), body);
        let first = store.read(|tx| tx.derive_policy(&stored, derive)).unwrap();
        let read_again = store.read(|tx| policies::current_body(tx, policy.id)).unwrap();
        let second = store.transaction(|tx| tx.derive_policy(&read_again, derive)).unwrap();
        assert_eq!((*first, derivations.get()), (1, 1));
        assert!(std::sync::Arc::ptr_eq(&first, &second));

        // Another body under the same key, as after a rolled-back version, is derived anew.
        let other = policies::StoredBody { id: stored.id, body: r#"{"steps": []}"#.to_owned() };
        let third = store.read(|tx| tx.derive_policy(&other, derive)).unwrap();
        assert_eq!((*third, derivations.get()), (0, 2));

        // A failed derivation is not kept.
        let failed = store.read(|tx| {
            tx.derive_policy(&stored, |_| Err::<usize, _>(StoreError::InvalidInput { field: "body", detail: "broken".to_owned() }))
        });
        assert!(failed.is_err());
        let fourth = store.read(|tx| tx.derive_policy(&stored, derive)).unwrap();
        assert_eq!((*fourth, derivations.get()), (1, 3));
        let fifth = store.read(|tx| tx.derive_policy(&stored, derive)).unwrap();
        assert!(std::sync::Arc::ptr_eq(&fourth, &fifth));

        // A new version is the current one, under its own key.
        let changed = serde_json::json!({"steps": [{"key": "reminder-1"}, {"key": "reminder-2"}]});
        let added = store.transaction(|tx| policies::add_version(tx, policy.id, &changed, now())).unwrap();
        let newest = store.read(|tx| policies::current_body(tx, policy.id)).unwrap();
        assert_eq!(newest.id, added.id);
        let sixth = store.read(|tx| tx.derive_policy(&newest, derive)).unwrap();
        assert_eq!((*sixth, derivations.get()), (2, 4));

        // Each store keeps its own values: another database may use the same keys.
        let elsewhere = open(db);
        store.read(|tx| tx.derive_policy(&stored, derive)).unwrap();
        elsewhere.read(|tx| tx.derive_policy(&stored, derive)).unwrap();
        assert_eq!(derivations.get(), 5);
    }

    fn payments_queue_and_archive_ids(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");
        let payment = store.transaction(|tx| payments::insert(tx, tenant_id, &bank_payment("A-1"), now())).unwrap();
        let error = store
            .transaction(|tx| payments::insert(tx, tenant_id, &bank_payment("A-1"), now()))
            .unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "bank_archive_id"), "{error}");

        let queue = store.read(|tx| payments::list_unmatched(tx, tenant_id, None, 10)).unwrap();
        assert_eq!(queue, vec![payment.clone()]);
        let assigned = store
            .transaction(|tx| payments::assign(tx, payment.id, account_id, Some(invoice_id), now()))
            .unwrap();
        assert_eq!(assigned.account_id, Some(account_id));
        assert!(store.read(|tx| payments::list_unmatched(tx, tenant_id, None, 10)).unwrap().is_empty());
        let by_archive = store.read(|tx| payments::find_by_archive_id(tx, tenant_id, "A-1")).unwrap();
        assert_eq!(by_archive, Some(assigned));
    }

    fn payments_list_by_match_state(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let account_id = account(&store, tenant_id, "C-1");
        let unmatched = store.transaction(|tx| payments::insert(tx, tenant_id, &bank_payment("A-1"), now())).unwrap();
        let mut assigned = bank_payment("A-2");
        assigned.account_id = Some(account_id);
        let matched = store.transaction(|tx| payments::insert(tx, tenant_id, &assigned, now())).unwrap();
        let reversed = store.transaction(|tx| payments::insert(tx, tenant_id, &bank_payment("A-3"), now())).unwrap();
        store.transaction(|tx| payments::reverse(tx, reversed.id, now())).unwrap();
        store.transaction(|tx| payments::insert(tx, other_tenant, &bank_payment("A-1"), now())).unwrap();

        let keys = |matched: Option<bool>, after, limit| -> Vec<_> {
            store
                .read(|tx| payments::list(tx, tenant_id, matched, after, limit))
                .unwrap()
                .iter()
                .map(|payment| payment.id)
                .collect()
        };
        assert_eq!(keys(None, None, 10), vec![unmatched.id, matched.id, reversed.id]);
        assert_eq!(keys(Some(true), None, 10), vec![matched.id]);
        assert_eq!(keys(Some(false), None, 10), vec![unmatched.id, reversed.id]);
        assert_eq!(keys(None, Some(unmatched.id), 1), vec![matched.id]);
    }

    fn snapshot_gathers_open_items(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");
        let mut payment = bank_payment("A-1");
        payment.account_id = Some(account_id);
        store
            .transaction(|tx| {
                let payment = payments::insert(tx, tenant_id, &payment, now())?;
                payments::allocate(tx, tenant_id, &[NewAllocation {
                    payment_id: Some(payment.id),
                    credit_note_id: None,
                    invoice_id,
                    component: Component::Principal,
                    amount: eur("40.00"),
                    allocated_on: date(2025, 2, 20),
                }], now())?;
                claims::charge_fee(tx, tenant_id, &NewFeeClaim {
                    invoice_id,
                    step_id: None,
                    kind: FeeKind::ReminderFee,
                    amount: eur("5.00"),
                    charged_on: date(2025, 3, 1),
                }, now())?;
                claims::claim_interest(tx, tenant_id, &NewInterestClaim {
                    invoice_id,
                    claimed_from: date(2025, 2, 15),
                    contractual_rate: Some(Decimal::new(115, 1)),
                }, now())
            })
            .unwrap();

        let snapshot = store.read(|tx| ledger::snapshot(tx, account_id)).unwrap();
        assert_eq!(snapshot.account.id, account_id);
        assert_eq!(snapshot.invoices.len(), 1);
        assert_eq!(snapshot.payments.len(), 1);
        assert_eq!(snapshot.allocations[0].amount, eur("40.00"));
        assert_eq!(snapshot.fees[0].kind, FeeKind::ReminderFee);
        assert_eq!(snapshot.interest_claims[0].contractual_rate, Some(Decimal::new(115, 1)));
        assert!(snapshot.steps.is_empty());

        let fee = snapshot.fees[0].id;
        let waived = store.transaction(|tx| claims::waive_fee(tx, fee, now())).unwrap();
        assert_eq!(waived.waived_at, Some(now()));

        // The account's claims are those of the invoices that belong to it now.
        let fees = store.read(|tx| claims::fees_for_account(tx, account_id)).unwrap();
        assert_eq!(fees, vec![waived]);
        let interest = store.read(|tx| claims::interest_for_account(tx, account_id)).unwrap();
        assert_eq!(interest, snapshot.interest_claims);
        let other = account(&store, tenant_id, "C-2");
        assert!(store.read(|tx| claims::fees_for_account(tx, other)).unwrap().is_empty());
        invoice(&store, tenant_id, other, "I-1");
        assert!(store.read(|tx| claims::fees_for_account(tx, account_id)).unwrap().is_empty());
        assert!(store.read(|tx| claims::interest_for_account(tx, account_id)).unwrap().is_empty());
        assert_eq!(store.read(|tx| claims::fees_for_account(tx, other)).unwrap().len(), 1);
        assert_eq!(store.read(|tx| claims::interest_for_account(tx, other)).unwrap().len(), 1);
    }

    fn pending_action_decided_once(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let new = NewPendingAction {
            account_id,
            kind: PendingKind::Message,
            action: serde_json::json!({"step": "reminder-2", "fee": "5.00"}),
        };
        let action = store.transaction(|tx| pending::create(tx, tenant_id, &new, now())).unwrap();
        let waiting = store.read(|tx| pending::list(tx, tenant_id, PendingState::Pending, None, 10)).unwrap();
        assert_eq!(waiting, vec![action.clone()]);

        let decision = Decision {
            approve: true,
            edited_amount: Some(eur("3.00")),
            edited_text: None,
            decided_by: "user-7".to_owned(),
        };
        let approved = store.transaction(|tx| pending::decide(tx, action.id, &decision, now())).unwrap();
        assert_eq!(approved.state, PendingState::Approved);
        assert_eq!(approved.edited_amount, Some(eur("3.00")));
        let error = store.transaction(|tx| pending::decide(tx, action.id, &decision, now())).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "state"), "{error}");
    }

    fn holds_record_and_resolve(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");

        let dispute = store
            .transaction(|tx| holds::open_dispute(tx, tenant_id, account_id, Some(invoice_id), "not ordered", now()))
            .unwrap();
        let resolved = store.transaction(|tx| holds::resolve_dispute(tx, dispute.id, "credited", now())).unwrap();
        assert_eq!(resolved.resolution.as_deref(), Some("credited"));
        let loaded = store.read(|tx| holds::get_dispute(tx, dispute.id)).unwrap();
        assert_eq!(loaded, resolved);
        let again = store.transaction(|tx| holds::resolve_dispute(tx, dispute.id, "x", now())).unwrap_err();
        assert!(matches!(again, StoreError::Conflict { .. }), "{again}");

        let pause = store
            .transaction(|tx| holds::pause(tx, tenant_id, account_id, None, date(2025, 4, 1), "holiday", now()))
            .unwrap();
        let lifted = store.transaction(|tx| holds::lift_pause(tx, pause.id, now())).unwrap();
        assert_eq!(lifted.lifted_at, Some(now()));

        let promise = store
            .transaction(|tx| holds::promise(tx, tenant_id, account_id, Some(invoice_id), &eur("100.00"), date(2025, 3, 10), now()))
            .unwrap();
        let kept = store.transaction(|tx| holds::set_promise_state(tx, promise.id, PromiseState::Kept, now())).unwrap();
        assert_eq!(kept.state, PromiseState::Kept);

        let instalments = [
            NewInstalment { due_on: date(2025, 4, 1), amount: eur("50.00") },
            NewInstalment { due_on: date(2025, 5, 1), amount: eur("50.05") },
        ];
        let plan = store.transaction(|tx| holds::create_plan(tx, tenant_id, account_id, &instalments, now())).unwrap();
        assert_eq!(plan.total, eur("100.05"));
        assert_eq!(plan.instalments.len(), 2);
        assert_eq!(plan.instalments[1].seq, 2);
        let active = store.transaction(|tx| holds::set_plan_state(tx, plan.id, PlanState::Active, now())).unwrap();
        assert_eq!(active.state, PlanState::Active);
        let plans = store.read(|tx| holds::plans_for_account(tx, account_id)).unwrap();
        assert_eq!(plans, vec![plan.id]);
        assert!(plan.invoices.is_empty());
        store
            .transaction(|tx| holds::cover_invoices(tx, tenant_id, plan.id, &[invoice_id, invoice_id]))
            .unwrap();
        store.transaction(|tx| holds::cover_invoices(tx, tenant_id, plan.id, &[invoice_id])).unwrap();
        let covered = store.read(|tx| holds::get_plan(tx, plan.id)).unwrap();
        assert_eq!(covered.invoices, vec![invoice_id]);
    }

    fn collection_case_covers_invoices(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");
        let covered = [CaseInvoice { invoice_id, amount: eur("105.00") }];
        let case = store
            .transaction(|tx| cases::create(tx, tenant_id, account_id, "agency-1", &serde_json::json!({}), &covered, now()))
            .unwrap();
        assert_eq!(case.state, CaseState::Preparing);
        assert_eq!(case.invoices, covered.to_vec());

        let answer = serde_json::json!({"agency_case": "X-9"});
        let handed = store
            .transaction(|tx| cases::update(tx, case.id, CaseState::HandedOver, &answer, now() + Duration::hours(1)))
            .unwrap();
        assert_eq!(handed.state, CaseState::HandedOver);
        assert_eq!(handed.payload, answer);
    }

    fn reference_rates_seeded(db) {
        let store = open(db);
        let listed = store.read(rates::list).unwrap();
        assert_eq!(listed.len(), 15);
        let cases = [
            (2019, 1, Decimal::new(0, 2)),
            (2022, 2, Decimal::new(0, 2)),
            (2023, 1, Decimal::new(250, 2)),
            (2023, 2, Decimal::new(400, 2)),
            (2024, 1, Decimal::new(450, 2)),
            (2024, 2, Decimal::new(450, 2)),
            (2025, 1, Decimal::new(350, 2)),
            (2025, 2, Decimal::new(250, 2)),
            (2026, 1, Decimal::new(250, 2)),
        ];
        for (year, half, expected) in cases {
            let rate = store.read(|tx| rates::get(tx, year, half)).unwrap().unwrap();
            assert_eq!(rate.rate, expected, "{year} H{half}");
        }

        let new = rates::ReferenceRate { year: 2026, half: 2, rate: Decimal::new(200, 2) };
        store.transaction(|tx| rates::set(tx, &new)).unwrap();
        assert_eq!(store.read(|tx| rates::get(tx, 2026, 2)).unwrap(), Some(new));
        let invalid = rates::ReferenceRate { half: 3, ..new };
        assert!(store.transaction(|tx| rates::set(tx, &invalid)).is_err());
    }

    fn import_hash_is_unique(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let new = NewImport {
            kind: "camt054".to_owned(),
            file_sha256: "ab".repeat(32),
            file_name: "statement.xml".to_owned(),
            summary: serde_json::json!({"payments": 3}),
        };
        let import = store.transaction(|tx| imports::record(tx, tenant_id, &new, now())).unwrap();
        let error = store.transaction(|tx| imports::record(tx, tenant_id, &new, now())).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "file_sha256"), "{error}");
        let found = store.read(|tx| imports::find_by_hash(tx, tenant_id, &new.file_sha256)).unwrap();
        assert_eq!(found, Some(import));
    }

    fn unknown_account_violates_constraint(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let mut payment = bank_payment("A-1");
        payment.account_id = Some(vahti_domain::ids::AccountId(404));
        let error = store.transaction(|tx| payments::insert(tx, tenant_id, &payment, now())).unwrap_err();
        assert!(matches!(error, StoreError::ConstraintViolated { .. }), "{error}");
    }
}
