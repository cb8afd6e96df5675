use std::collections::HashSet;
use std::sync::Arc;
use std::thread;

use chrono::Duration;
use vahti_store::StoreError;
use vahti_store::ids::OutboxId;
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind, OutboxState};

use crate::support::{now, open, tenant};

fn message(id: &str) -> NewOutboxMessage {
    NewOutboxMessage {
        kind: OutboxKind::Email,
        account_id: None,
        message_id: id.to_owned(),
        payload: serde_json::json!({"subject": "Maksumuistutus"}),
        not_before: now(),
    }
}

vahti_testkit::test_both_backends! {
    fn two_workers_claim_disjoint_rows(db) {
        let store = Arc::new(open(db));
        let tenant_id = tenant(&store, "Acme");
        let total = 60;
        store
            .transaction(|tx| {
                for n in 0..total {
                    outbox::enqueue(tx, tenant_id, &message(&format!("m-{n}")), now())?;
                }
                Ok::<_, StoreError>(())
            })
            .unwrap();

        let workers: Vec<_> = ["worker-a", "worker-b"]
            .into_iter()
            .map(|worker| {
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    let mut claimed: Vec<OutboxId> = Vec::new();
                    loop {
                        let batch = store
                            .transaction(|tx| outbox::claim_due(tx, now(), 7, worker, Duration::minutes(5)))
                            .unwrap();
                        if batch.is_empty() {
                            return claimed;
                        }
                        claimed.extend(batch.iter().map(|row| row.id));
                    }
                })
            })
            .collect();
        let claims: Vec<Vec<OutboxId>> = workers.into_iter().map(|worker| worker.join().unwrap()).collect();

        let all: Vec<OutboxId> = claims.iter().flatten().copied().collect();
        let unique: HashSet<OutboxId> = all.iter().copied().collect();
        assert_eq!(all.len(), total);
        assert_eq!(unique.len(), total);
    }

    fn claim_lifecycle(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let queued = store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap();
        assert_eq!(queued.state, OutboxState::Pending);
        // The returned row is the stored one, payload included.
        assert_eq!(store.read(|tx| outbox::get(tx, queued.id)).unwrap(), queued);

        let lease = Duration::minutes(5);
        let claimed = store.transaction(|tx| outbox::claim_due(tx, now(), 10, "a", lease)).unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].state, OutboxState::Sending);
        assert_eq!(claimed[0].attempts, 1);
        assert_eq!(claimed[0].claimed_until, Some(now() + lease));

        // Nothing is due while the lease runs.
        let again = store.transaction(|tx| outbox::claim_due(tx, now(), 10, "b", lease)).unwrap();
        assert!(again.is_empty());

        let retry_at = now() + Duration::minutes(1);
        let failed = store
            .transaction(|tx| outbox::fail(tx, queued.id, "a", "connection refused", Some(retry_at), now()))
            .unwrap();
        assert_eq!(failed.state, OutboxState::Pending);
        assert_eq!(failed.last_error.as_deref(), Some("connection refused"));
        let early = store.transaction(|tx| outbox::claim_due(tx, now(), 10, "b", lease)).unwrap();
        assert!(early.is_empty());

        let reclaimed = store.transaction(|tx| outbox::claim_due(tx, retry_at, 10, "b", lease)).unwrap();
        assert_eq!(reclaimed.len(), 1);
        assert_eq!(reclaimed[0].attempts, 2);
        let lost = store.transaction(|tx| outbox::complete(tx, queued.id, "a", retry_at)).unwrap_err();
        assert!(matches!(&lost, StoreError::Conflict { field, .. } if field == "claimed_by"), "{lost}");
        let sent = store.transaction(|tx| outbox::complete(tx, queued.id, "b", retry_at)).unwrap();
        assert_eq!(sent.state, OutboxState::Sent);
        assert_eq!(sent.sent_at, Some(retry_at));
    }

    fn expired_claim_is_reclaimed(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap();
        let lease = Duration::minutes(5);
        store.transaction(|tx| outbox::claim_due(tx, now(), 10, "crashed", lease)).unwrap();

        let later = now() + lease;
        let reclaimed = store.transaction(|tx| outbox::claim_due(tx, later, 10, "b", lease)).unwrap();
        assert_eq!(reclaimed.len(), 1);
        assert_eq!(reclaimed[0].claimed_by.as_deref(), Some("b"));
    }

    fn mark_sent_needs_the_claim(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let queued = store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap();
        store.transaction(|tx| outbox::claim_due(tx, now(), 10, "a", Duration::minutes(5))).unwrap();

        let stolen = store.transaction(|tx| outbox::mark_sent(tx, queued.id, "b", now()));
        assert!(matches!(&stolen, Err(StoreError::Conflict { field, .. }) if field == "claimed_by"), "{stolen:?}");
        store.transaction(|tx| outbox::mark_sent(tx, queued.id, "a", now())).unwrap();
        let sent = store.read(|tx| outbox::get(tx, queued.id)).unwrap();
        assert_eq!(sent.state, OutboxState::Sent);
        assert_eq!(sent.sent_at, Some(now()));
        assert_eq!(sent.claimed_until, None);
        let again = store.transaction(|tx| outbox::mark_sent(tx, queued.id, "a", now()));
        assert!(matches!(&again, Err(StoreError::Conflict { detail, .. }) if detail.contains("sent")), "{again:?}");
    }

    fn claims_follow_due_order(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        for minute in 0..4 {
            let mut queued = message(&format!("m-{minute}"));
            queued.not_before = now() + Duration::minutes(minute);
            store.transaction(|tx| outbox::enqueue(tx, tenant_id, &queued, now())).unwrap();
        }
        let claim = |at, limit| {
            let rows = store
                .transaction(|tx| outbox::claim_due(tx, at, limit, "w", Duration::minutes(1)))
                .unwrap();
            let mut ids: Vec<String> = rows.into_iter().map(|row| row.message_id).collect();
            ids.sort();
            ids
        };

        assert_eq!(claim(now() + Duration::minutes(1), 1), ["m-0"]);
        // At +5 min the claim of m-0 has run out. It was due first, so it comes before the
        // pending rows, and the limit keeps only the next pending one.
        assert_eq!(claim(now() + Duration::minutes(5), 2), ["m-0", "m-1"]);
        assert_eq!(claim(now() + Duration::minutes(5), 10), ["m-2", "m-3"]);
        assert!(claim(now() + Duration::minutes(5), 10).is_empty(), "every claim still runs");
    }

    fn failed_row_retries_and_cancels(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let queued = store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap();
        store.transaction(|tx| outbox::claim_due(tx, now(), 10, "a", Duration::minutes(5))).unwrap();
        let failed = store.transaction(|tx| outbox::fail(tx, queued.id, "a", "mailbox full", None, now())).unwrap();
        assert_eq!(failed.state, OutboxState::Failed);

        let retried = store.transaction(|tx| outbox::retry(tx, queued.id, now())).unwrap();
        assert_eq!(retried.state, OutboxState::Pending);
        let cancelled = store.transaction(|tx| outbox::cancel(tx, queued.id, now())).unwrap();
        assert_eq!(cancelled.state, OutboxState::Cancelled);
        let error = store.transaction(|tx| outbox::cancel(tx, queued.id, now())).unwrap_err();
        assert!(error.to_string().contains("is cancelled, not pending"), "{error}");
    }

    fn claimed_row_cancels_at_send_time(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let queued = store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap();
        store.transaction(|tx| outbox::claim_due(tx, now(), 10, "a", Duration::minutes(5))).unwrap();

        let lost = store
            .transaction(|tx| outbox::cancel_claimed(tx, queued.id, "b", "invoice paid", now()))
            .unwrap_err();
        assert!(matches!(&lost, StoreError::Conflict { field, .. } if field == "claimed_by"), "{lost}");

        let cancelled = store
            .transaction(|tx| outbox::cancel_claimed(tx, queued.id, "a", "invoice paid", now()))
            .unwrap();
        assert_eq!(cancelled.state, OutboxState::Cancelled);
        assert_eq!(cancelled.last_error.as_deref(), Some("invoice paid"));
        assert_eq!(cancelled.claimed_until, None);
        let later = now() + Duration::minutes(10);
        let again = store.transaction(|tx| outbox::claim_due(tx, later, 10, "b", Duration::minutes(5))).unwrap();
        assert!(again.is_empty());
    }

    fn duplicate_message_id_conflicts(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap();
        let error = store.transaction(|tx| outbox::enqueue(tx, tenant_id, &message("m-1"), now())).unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "message_id"), "{error}");
    }
}
