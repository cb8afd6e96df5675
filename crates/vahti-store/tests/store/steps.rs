use chrono::Duration;
use vahti_store::StoreError;
use vahti_store::ids::StepId;
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::steps::{self, NewStep, StepState};

use crate::support::{account, eur, invoice, now, open, policy_version, tenant};

vahti_testkit::test_both_backends! {
    fn step_recorded_once_per_invoice(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");
        let other_invoice = invoice(&store, tenant_id, account_id, "I-2");
        let version = policy_version(&store, tenant_id);
        let step = NewStep {
            account_id,
            invoice_id,
            policy_version_id: version,
            step_index: 0,
            step_key: "reminder-1".to_owned(),
            step_kind: "reminder".to_owned(),
            due_at: now(),
            executed_at: None,
            state: StepState::Queued,
            detail: None,
            balance: eur("100.00"),
            outbox_id: None,
        };
        let recorded = store.transaction(|tx| steps::record(tx, tenant_id, &step, now())).unwrap();
        assert_eq!(recorded.balance, eur("100.00"));

        let error = store.transaction(|tx| steps::record(tx, tenant_id, &step, now())).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "step_key"), "{error}");
        assert!(error.to_string().contains("\"reminder-1\" is already recorded"), "{error}");

        let same_key_other_invoice = NewStep { invoice_id: other_invoice, ..step };
        store.transaction(|tx| steps::record(tx, tenant_id, &same_key_other_invoice, now())).unwrap();
    }

    fn reserved_steps_recorded_after_their_emails(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let version = policy_version(&store, tenant_id);
        let invoices: Vec<_> = (1..=3)
            .map(|number| invoice(&store, tenant_id, account_id, &format!("I-{number}")))
            .collect();
        let earlier = NewStep {
            account_id,
            invoice_id: invoices[0],
            policy_version_id: version,
            step_index: 0,
            step_key: "friendly".to_owned(),
            step_kind: "friendly_reminder".to_owned(),
            due_at: now(),
            executed_at: None,
            state: StepState::Skipped,
            detail: Some("missed".to_owned()),
            balance: eur("10.00"),
            outbox_id: None,
        };
        let first = store.transaction(|tx| steps::record(tx, tenant_id, &earlier, now())).unwrap();

        // An instant with nanoseconds: the steps returned must equal the steps read.
        let at = now() + Duration::nanoseconds(123_456_789);
        let (recorded, emails) = store
            .transaction(|tx| {
                let keys = steps::reserve_ids(tx, 3)?;
                assert!(keys.iter().all(|key| key.0 > first.id.0), "{keys:?} after {first:?}");
                let emails = outbox::enqueue_many(
                    tx,
                    tenant_id,
                    ["one", "two"]
                        .iter()
                        .map(|name| outbox::EncodedOutboxMessage {
                            kind: OutboxKind::Email,
                            account_id: Some(account_id),
                            message_id: format!("email:{name}"),
                            payload: format!("{{\"name\":\"{name}\"}}"),
                            not_before: at,
                        })
                        .collect(),
                    at,
                )?;
                let new: Vec<(StepId, NewStep)> = keys
                    .iter()
                    .zip(&invoices)
                    .enumerate()
                    .map(|(position, (key, invoice_id))| {
                        (
                            *key,
                            NewStep {
                                invoice_id: *invoice_id,
                                step_key: "reminder".to_owned(),
                                due_at: at,
                                state: StepState::Queued,
                                detail: None,
                                outbox_id: Some(emails[position.min(1)]),
                                ..earlier.clone()
                            },
                        )
                    })
                    .collect();
                Ok::<_, StoreError>((steps::record_reserved(tx, tenant_id, &new, at)?, emails))
            })
            .unwrap();
        let listed = store.read(|tx| steps::list_for_account(tx, account_id)).unwrap();
        assert_eq!(listed[0], first);
        assert_eq!(listed[1..], recorded[..]);
        assert_eq!(recorded[2].outbox_id, Some(emails[1]));
        let stored = store.read(|tx| outbox::get(tx, emails[1])).unwrap();
        assert_eq!(stored.message_id, "email:two");
        assert_eq!(stored.payload, serde_json::json!({"name": "two"}));

        // Keys reserved after a recording follow it; a message id given twice writes nothing.
        let next = store.transaction(|tx| steps::reserve_ids(tx, 1)).unwrap();
        assert!(next[0].0 > recorded[2].id.0, "{next:?}");
        let twice = store
            .transaction(|tx| {
                let message = outbox::EncodedOutboxMessage {
                    kind: OutboxKind::Email,
                    account_id: Some(account_id),
                    message_id: "email:three".to_owned(),
                    payload: "{}".to_owned(),
                    not_before: at,
                };
                outbox::enqueue_many(tx, tenant_id, vec![message.clone(), message], at)
            })
            .unwrap_err();
        assert!(matches!(&twice, StoreError::Conflict { field, .. } if field == "message_id"), "{twice}");
        let missing = store.read(|tx| outbox::find_by_message_id(tx, tenant_id, "email:three")).unwrap();
        assert!(missing.is_none());
    }

    fn step_state_updates(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let invoice_id = invoice(&store, tenant_id, account_id, "I-1");
        let version = policy_version(&store, tenant_id);
        let step = NewStep {
            account_id,
            invoice_id,
            policy_version_id: version,
            step_index: 1,
            step_key: "reminder-2".to_owned(),
            step_kind: "reminder_with_fee".to_owned(),
            due_at: now(),
            executed_at: None,
            state: StepState::PendingApproval,
            detail: None,
            balance: eur("105.00"),
            outbox_id: None,
        };
        let recorded = store.transaction(|tx| steps::record(tx, tenant_id, &step, now())).unwrap();
        let later = now() + Duration::minutes(3);
        let skipped = store
            .transaction(|tx| steps::update_state(tx, recorded.id, StepState::Skipped, Some("paid"), None, Some(later), later))
            .unwrap();
        assert_eq!(skipped.state, StepState::Skipped);
        assert_eq!(skipped.detail.as_deref(), Some("paid"));
        assert_eq!(skipped.executed_at, Some(later));
        let listed = store.read(|tx| steps::list_for_account(tx, account_id)).unwrap();
        assert_eq!(listed, vec![skipped]);
    }

    fn steps_queued_in_one_outbox_message(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let version = policy_version(&store, tenant_id);
        let mut ids = Vec::new();
        for number in 1..=3 {
            let invoice_id = invoice(&store, tenant_id, account_id, &format!("I-{number}"));
            let step = NewStep {
                detail: Some("fee waived".to_owned()),
                ..friendly_reminder(account_id, invoice_id, version)
            };
            ids.push(store.transaction(|tx| steps::record(tx, tenant_id, &step, now())).unwrap().id);
        }
        let later = now() + Duration::minutes(1);
        let row = store
            .transaction(|tx| {
                let row = outbox::enqueue(
                    tx,
                    tenant_id,
                    &NewOutboxMessage {
                        kind: OutboxKind::Email,
                        account_id: Some(account_id),
                        message_id: "email:steps".to_owned(),
                        payload: serde_json::json!({}),
                        not_before: now(),
                    },
                    now(),
                )?;
                steps::queue_in_outbox(tx, &ids[..2], row.id, later)?;
                Ok::<_, StoreError>(row)
            })
            .unwrap();

        let listed = store.read(|tx| steps::list_for_account(tx, account_id)).unwrap();
        let queued: Vec<_> = listed.iter().filter(|step| step.outbox_id == Some(row.id)).collect();
        assert_eq!(queued.len(), 2);
        for step in &queued {
            assert_eq!(step.state, StepState::Queued);
            assert_eq!(step.detail, None);
            assert_eq!(step.updated_at, later);
        }
        let untouched = listed.iter().find(|step| step.id == ids[2]).unwrap();
        assert_eq!(untouched.outbox_id, None);
        assert_eq!(untouched.detail.as_deref(), Some("fee waived"));

        let missing = store
            .transaction(|tx| steps::queue_in_outbox(tx, &[ids[2], StepId(i64::MAX)], row.id, later))
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing}");
        let after = store.read(|tx| steps::list_for_account(tx, account_id)).unwrap();
        assert_eq!(after.iter().find(|step| step.id == ids[2]).unwrap().outbox_id, None);
    }

    fn record_many_keeps_order(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let version = policy_version(&store, tenant_id);
        let new: Vec<NewStep> = (1..=4)
            .map(|number| NewStep {
                detail: (number == 2).then(|| "fee waived".to_owned()),
                balance: eur(&format!("{number}0.00")),
                ..friendly_reminder(
                    account_id,
                    invoice(&store, tenant_id, account_id, &format!("I-{number}")),
                    version,
                )
            })
            .collect();
        // Given in an order other than the invoices', the steps come back in the given order.
        let shuffled = vec![new[2].clone(), new[0].clone(), new[3].clone(), new[1].clone()];
        let recorded = store.transaction(|tx| steps::record_many(tx, tenant_id, &shuffled, now())).unwrap();
        let invoices: Vec<_> = recorded.iter().map(|step| step.invoice_id).collect();
        assert_eq!(invoices, shuffled.iter().map(|step| step.invoice_id).collect::<Vec<_>>());
        assert_eq!(recorded[3].detail.as_deref(), Some("fee waived"));
        assert_eq!(recorded[0].balance, eur("30.00"));
        let listed = store.read(|tx| steps::list_for_account(tx, account_id)).unwrap();
        let mut by_key = recorded.clone();
        by_key.sort_by_key(|step| step.id);
        assert_eq!(listed, by_key);

        // One step already recorded fails the whole statement, and nothing more is written.
        let again = vec![NewStep { step_key: "reminder-2".to_owned(), ..new[0].clone() }, new[1].clone()];
        let error = store.transaction(|tx| steps::record_many(tx, tenant_id, &again, now())).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "step_key"), "{error}");
        assert!(error.to_string().contains("\"reminder-1\" of invoice"), "{error}");
        assert_eq!(store.read(|tx| steps::list_for_account(tx, account_id)).unwrap().len(), 4);
        assert!(store.transaction(|tx| steps::record_many(tx, tenant_id, &[], now())).unwrap().is_empty());
    }

    fn record_many_across_chunks(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let version = policy_version(&store, tenant_id);
        // 11 steps go in as inserts of 8, 2 and 1 rows, and 70 as inserts of up to 1,000 rows.
        for (count, prefix) in [(11, "A"), (70, "B")] {
            let new: Vec<NewStep> = (0..count)
                .map(|number| NewStep {
                    balance: eur(&format!("{}.00", number + 1)),
                    ..friendly_reminder(
                        account_id,
                        invoice(&store, tenant_id, account_id, &format!("{prefix}-{number}")),
                        version,
                    )
                })
                .rev()
                .collect();
            let recorded = store.transaction(|tx| steps::record_many(tx, tenant_id, &new, now())).unwrap();
            assert_eq!(recorded.len(), count, "{count} steps");
            for (given, stored) in new.iter().zip(&recorded) {
                assert_eq!(stored.invoice_id, given.invoice_id, "{count} steps");
                assert_eq!(stored.balance, given.balance, "{count} steps");
            }
        }
        assert_eq!(store.read(|tx| steps::list_for_account(tx, account_id)).unwrap().len(), 81);
    }

    fn steps_follow_moved_invoice(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let first = account(&store, tenant_id, "C-1");
        let second = account(&store, tenant_id, "C-2");
        let invoice_id = invoice(&store, tenant_id, first, "I-1");
        let version = policy_version(&store, tenant_id);
        let step = NewStep { state: StepState::Sent, ..friendly_reminder(first, invoice_id, version) };
        let recorded = store.transaction(|tx| steps::record(tx, tenant_id, &step, now())).unwrap();
        assert_eq!(store.read(|tx| steps::list_for_account_invoices(tx, first)).unwrap(), vec![recorded.clone()]);

        // The integrator moves the invoice to another account.
        invoice(&store, tenant_id, second, "I-1");
        assert!(store.read(|tx| steps::list_for_account_invoices(tx, first)).unwrap().is_empty());
        assert_eq!(store.read(|tx| steps::list_for_account_invoices(tx, second)).unwrap(), vec![recorded]);
    }
}

/// A queued friendly reminder of 100.00 EUR on `invoice_id`, due now.
fn friendly_reminder(
    account_id: vahti_domain::ids::AccountId,
    invoice_id: vahti_domain::ids::InvoiceId,
    policy_version_id: vahti_store::ids::PolicyVersionId,
) -> NewStep {
    NewStep {
        account_id,
        invoice_id,
        policy_version_id,
        step_index: 0,
        step_key: "reminder-1".to_owned(),
        step_kind: "friendly_reminder".to_owned(),
        due_at: now(),
        executed_at: None,
        state: StepState::Queued,
        detail: None,
        balance: eur("100.00"),
        outbox_id: None,
    }
}
