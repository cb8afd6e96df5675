use std::sync::Arc;
use std::thread;
use std::time::Duration;

use vahti_store::accounts::{self, AccountState};
use vahti_store::events::{self, NewEvent};
use vahti_store::outbox::{self, NewOutboxMessage, OutboxKind};
use vahti_store::{Store, StoreError, StoreOptions, tenants};

use crate::support::{account, now, open, tenant};

/// Writer threads and writes per thread in the concurrency tests.
const THREADS: usize = 6;
const WRITES: usize = 20;

fn event(kind: &str) -> NewEvent {
    NewEvent {
        kind: kind.to_owned(),
        account_id: None,
        invoice_id: None,
        payload: serde_json::json!({"n": 1}),
    }
}

vahti_testkit::test_both_backends! {
    fn failed_transaction_leaves_nothing(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");

        let result: Result<(), StoreError> = store.transaction(|tx| {
            let current = accounts::get(tx, account_id)?;
            let state = AccountState { pause_reason: Some("half-written".to_owned()), ..AccountState::default() };
            accounts::update_state(tx, account_id, current.version, &state, now())?;
            accounts::set_next_action_at(tx, account_id, Some(now()))?;
            events::append(tx, tenant_id, &event("account.paused"), now())?;
            let message = NewOutboxMessage {
                kind: OutboxKind::Email,
                account_id: Some(account_id),
                message_id: "pause-1".to_owned(),
                payload: serde_json::json!({}),
                not_before: now(),
            };
            outbox::enqueue(tx, tenant_id, &message, now())?;
            Err(StoreError::not_found("test", "forced failure"))
        });
        assert!(result.is_err());

        let stored = store.read(|tx| accounts::get(tx, account_id)).unwrap();
        assert_eq!(stored.version, 1);
        assert_eq!(stored.pause_reason, None);
        assert_eq!(stored.next_action_at, None);
        let logged = store.read(|tx| events::list_after(tx, tenant_id, 0, 10)).unwrap();
        assert!(logged.is_empty());
        let queued = store.read(|tx| outbox::find_by_message_id(tx, tenant_id, "pause-1")).unwrap();
        assert_eq!(queued, None);

        // The sequence number was given back: the next event is number 1.
        let appended = store.transaction(|tx| events::append(tx, tenant_id, &event("x"), now())).unwrap();
        assert_eq!(appended.seq, 1);
    }

    fn concurrent_account_updates_kept(db) {
        let store = Arc::new(open(db));
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");

        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    for _ in 0..WRITES {
                        store
                            .transaction(|tx| {
                                let current = accounts::lock(tx, account_id)?;
                                let state = AccountState {
                                    last_contact_at: Some(now()),
                                    ..AccountState::default()
                                };
                                accounts::update_state(tx, account_id, current.version, &state, now())
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }

        let stored = store.read(|tx| accounts::get(tx, account_id)).unwrap();
        let expected = 1 + i64::try_from(THREADS * WRITES).unwrap();
        assert_eq!(stored.version, expected);
    }

    fn event_sequence_has_no_gaps(db) {
        let store = Arc::new(open(db));
        let first = tenant(&store, "Acme");
        let second = tenant(&store, "Other");

        let workers: Vec<_> = (0..THREADS)
            .map(|n| {
                let store = Arc::clone(&store);
                let tenant_id = if n % 2 == 0 { first } else { second };
                thread::spawn(move || {
                    for _ in 0..WRITES {
                        store
                            .transaction(|tx| events::append(tx, tenant_id, &event("test"), now()))
                            .unwrap();
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }

        for tenant_id in [first, second] {
            let logged = store.read(|tx| events::list_after(tx, tenant_id, 0, 1000)).unwrap();
            let seqs: Vec<i64> = logged.iter().map(|event| event.seq).collect();
            let count = i64::try_from(THREADS / 2 * WRITES).unwrap();
            assert_eq!(seqs, (1..=count).collect::<Vec<_>>());
            assert_eq!(store.read(|tx| events::last_seq(tx, tenant_id)).unwrap(), count);
        }
    }

    fn concurrent_reference_bases_unique(db) {
        let store = Arc::new(open(db));
        let tenant_id = tenant(&store, "Acme");
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let store = Arc::clone(&store);
                thread::spawn(move || {
                    (0..WRITES)
                        .map(|_| store.transaction(|tx| tenants::next_reference_base(tx, tenant_id)).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut bases: Vec<i64> = workers.into_iter().flat_map(|worker| worker.join().unwrap()).collect();
        bases.sort_unstable();
        let count = i64::try_from(THREADS * WRITES).unwrap();
        assert_eq!(bases, (100..100 + count).collect::<Vec<_>>());
    }
}

/// Opens a migrated SQLite store whose writers wait at most `busy_timeout`.
fn sqlite_store(db: &vahti_testkit::TestDatabase, busy_timeout: Duration) -> Store {
    let options = StoreOptions {
        busy_timeout,
        ..StoreOptions::default()
    };
    let store = Store::open(db.url(), options).unwrap();
    store.migrate().unwrap();
    store
}

/// Starts a write transaction on another thread that appends the event "first" after `hold`,
/// and returns once the transaction has begun.
fn write_slowly(
    store: &Store,
    tenant_id: vahti_domain::ids::TenantId,
    hold: Duration,
) -> thread::JoinHandle<Result<events::Event, StoreError>> {
    let (started, wait) = std::sync::mpsc::channel();
    let store = store.clone();
    let handle = thread::spawn(move || {
        store.transaction(|tx| {
            started.send(()).unwrap();
            thread::sleep(hold);
            events::append(tx, tenant_id, &event("first"), now())
        })
    });
    wait.recv().unwrap();
    handle
}

#[test]
fn sqlite_writer_waits_for_the_writer_before() {
    let db = vahti_testkit::TestDatabase::new(vahti_testkit::Backend::Sqlite);
    let store = sqlite_store(&db, Duration::from_secs(5));
    let tenant_id = tenant(&store, "Acme");
    let first = write_slowly(&store, tenant_id, Duration::from_millis(300));
    let second = store
        .transaction(|tx| events::append(tx, tenant_id, &event("second"), now()))
        .unwrap();
    let first = first.join().unwrap().unwrap();

    assert_eq!(first.seq, 1, "the writer that started first commits first");
    assert_eq!(second.seq, 2);
}

#[test]
fn sqlite_writer_gives_up_after_busy_timeout() {
    let db = vahti_testkit::TestDatabase::new(vahti_testkit::Backend::Sqlite);
    let store = sqlite_store(&db, Duration::from_millis(100));
    let tenant_id = tenant(&store, "Acme");
    let first = write_slowly(&store, tenant_id, Duration::from_millis(600));
    let error = store
        .transaction(|tx| events::append(tx, tenant_id, &event("second"), now()))
        .unwrap_err();
    assert!(matches!(error, StoreError::Unavailable { .. }), "{error}");
    assert!(
        error.to_string().contains("busy timeout of 100 ms"),
        "{error}"
    );

    first.join().unwrap().unwrap();
    let logged = store
        .read(|tx| events::list_after(tx, tenant_id, 0, 10))
        .unwrap();
    let kinds: Vec<&str> = logged.iter().map(|event| event.kind.as_str()).collect();
    assert_eq!(kinds, vec!["first"], "the failed writer wrote nothing");
}

vahti_testkit::test_both_backends! {
    fn write_commits_skip_reads_and_rollbacks(db) {
        let store = open(db);
        let sqlite = store.backend() == vahti_store::Backend::Sqlite;
        let start = store.write_commits();
        assert_eq!(start.is_some(), sqlite, "counted on SQLite alone");

        let tenant_id = tenant(&store, "Acme");
        let after_one = store.write_commits();
        let seen: Option<u64> = store.transaction(|tx| Ok::<_, StoreError>(tx.commits_before())).unwrap();
        assert_eq!(seen, after_one, "a write transaction sees the count as it began");
        let after_two = store.write_commits();
        assert_eq!(after_two, after_one.map(|count| count + 1));

        let read: Option<u64> = store.read(|tx| Ok::<_, StoreError>(tx.commits_before())).unwrap();
        assert_eq!(read, None, "read transactions carry no count");
        let failed: Result<(), StoreError> = store.transaction(|tx| {
            events::append(tx, tenant_id, &event("x"), now())?;
            Err(StoreError::not_found("test", "forced failure"))
        });
        assert!(failed.is_err());
        assert_eq!(store.write_commits(), after_two, "reads and rollbacks leave the count");
    }
}

vahti_testkit::test_both_backends! {
    fn declared_commits_leave_other_accounts(db) {
        use vahti_domain::ids::AccountId;

        let store = open(db);
        let sqlite = store.backend() == vahti_store::Backend::Sqlite;
        let tenant_id = tenant(&store, "Acme");
        let first = account(&store, tenant_id, "C-1");
        let second = account(&store, tenant_id, "C-2");
        let third = account(&store, tenant_id, "C-3");
        let unchanged = |since: u64, accounts: &[AccountId]| -> bool {
            store
                .transaction(|tx| Ok::<_, StoreError>(tx.unchanged_since(since, accounts)))
                .unwrap()
        };
        let commits = store.write_commits().unwrap_or(0);
        // Nothing committed since; the check itself commits, and declares nothing.
        assert_eq!(unchanged(commits, &[first]), sqlite);
        assert!(!unchanged(commits, &[first]), "the check before counts as a change");

        let since = store.write_commits().unwrap_or(0);
        store
            .transaction(|tx| {
                tx.touches_only(&[second]);
                tx.touches_only(&[third]);
                accounts::set_next_action_at(tx, second, Some(now()))?;
                accounts::set_next_action_at(tx, third, Some(now()))?;
                Ok::<_, StoreError>(())
            })
            .unwrap();
        let (first_kept, second_kept, third_kept) = store
            .transaction(|tx| {
                Ok::<_, StoreError>((
                    tx.unchanged_since(since, &[first]),
                    tx.unchanged_since(since, &[first, second]),
                    tx.unchanged_since(since, &[third]),
                ))
            })
            .unwrap();
        assert_eq!(first_kept, sqlite, "another account's change leaves the first");
        assert!(!second_kept, "the second account changed");
        assert!(!third_kept, "declarations add up");

        // A count from the future, and reads, never pass.
        assert!(!unchanged(u64::MAX, &[first]));
        let read = store
            .read(|tx| Ok::<_, StoreError>(tx.unchanged_since(since, &[first])))
            .unwrap();
        assert!(!read);
    }
}
