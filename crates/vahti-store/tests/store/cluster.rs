use std::sync::mpsc;
use std::time::Duration;

use vahti_store::cluster::{self, HeldLease, ShardSetup};
use vahti_store::{Backend, Store, StoreError};

use crate::support::open;

const LONG: Duration = Duration::from_secs(60);

/// A lease that runs out almost at once.
const SHORT: Duration = Duration::from_millis(1);

/// Waits until leases of [`SHORT`] have run out by the database server's clock.
fn let_short_leases_expire() {
    std::thread::sleep(Duration::from_millis(20));
}

fn shards_of(leases: &[HeldLease]) -> Vec<i32> {
    leases.iter().map(|lease| lease.shard).collect()
}

fn acquire(store: &Store, node: &str, lease: Duration, limit: u32) -> Vec<HeldLease> {
    store
        .transaction(|tx| cluster::acquire(tx, node, lease, limit))
        .unwrap()
        .into_iter()
        .map(|acquired| acquired.lease)
        .collect()
}

fn holders(store: &Store) -> Vec<Option<String>> {
    store
        .read(cluster::leases)
        .unwrap()
        .into_iter()
        .map(|lease| lease.held.then_some(lease.holder).flatten())
        .collect()
}

vahti_testkit::test_both_backends! {
    fn leases_need_postgres(db) {
        let store = open(db);
        if store.backend() == Backend::Postgres {
            return;
        }

        let error = store.transaction(|tx| cluster::prepare_shards(tx, 4)).unwrap_err();

        assert!(matches!(error, StoreError::InvalidInput { field: "database", .. }), "{error}");
        assert!(error.to_string().contains("need PostgreSQL"), "{error}");
    }
}

#[test]
fn prepare_creates_then_keeps() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);

    let first = store
        .transaction(|tx| cluster::prepare_shards(tx, 8))
        .unwrap();
    let second = store
        .transaction(|tx| cluster::prepare_shards(tx, 8))
        .unwrap();

    assert_eq!(first, ShardSetup::Created);
    assert_eq!(second, ShardSetup::Unchanged);
    assert_eq!(holders(&store), vec![None; 8]);
}

#[test]
fn acquire_takes_only_free_shards() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 4))
        .unwrap();

    let first = acquire(&store, "a", LONG, 3);
    let second = acquire(&store, "b", LONG, 3);
    let third = acquire(&store, "c", LONG, 3);

    assert_eq!(shards_of(&first), [0, 1, 2]);
    assert_eq!(shards_of(&second), [3]);
    assert!(third.is_empty());
    assert!(first.iter().chain(&second).all(|lease| lease.epoch == 1));
    assert_eq!(
        holders(&store),
        [Some("a"), Some("a"), Some("a"), Some("b")].map(|holder| holder.map(str::to_owned))
    );
}

#[test]
fn expired_lease_taken_with_new_epoch() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 2))
        .unwrap();
    let old = acquire(&store, "a", SHORT, 1);
    let_short_leases_expire();

    let taken = store
        .transaction(|tx| cluster::acquire(tx, "b", LONG, 2))
        .unwrap();

    assert_eq!(taken.len(), 2);
    assert_eq!(taken[0].lease, HeldLease { shard: 0, epoch: 2 });
    assert_eq!(taken[0].expired_holder.as_deref(), Some("a"));
    assert_eq!(taken[1].lease, HeldLease { shard: 1, epoch: 1 });
    assert_eq!(taken[1].expired_holder, None);
    let fenced = store
        .transaction(|tx| cluster::holds(tx, "a", old[0]))
        .unwrap();
    assert!(!fenced, "the old holder's epoch no longer holds");
}

#[test]
fn heartbeat_renews_only_own_epochs() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 3))
        .unwrap();
    assert!(
        store
            .transaction(|tx| cluster::register_node(tx, "a", "s1", LONG))
            .unwrap()
    );
    let held = acquire(&store, "a", LONG, 2);
    let stale = HeldLease { shard: 2, epoch: 9 };
    let claimed = [held[0], held[1], stale];

    let beat = store
        .transaction(|tx| cluster::heartbeat(tx, "a", "s1", LONG, &claimed))
        .unwrap();
    let foreign = store
        .transaction(|tx| cluster::heartbeat(tx, "a", "other-session", LONG, &held))
        .unwrap();

    assert!(beat.registered);
    assert_eq!(beat.renewed, held);
    assert!(!foreign.registered);
    assert!(foreign.renewed.is_empty());
}

#[test]
fn expired_lease_not_renewed() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 1))
        .unwrap();
    assert!(
        store
            .transaction(|tx| cluster::register_node(tx, "a", "s1", LONG))
            .unwrap()
    );
    let held = acquire(&store, "a", SHORT, 1);
    let_short_leases_expire();

    let beat = store
        .transaction(|tx| cluster::heartbeat(tx, "a", "s1", LONG, &held))
        .unwrap();

    assert!(beat.renewed.is_empty());
}

#[test]
fn release_frees_shard_for_others() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 2))
        .unwrap();
    let held = acquire(&store, "a", LONG, 2);

    let wrong_epoch = HeldLease { shard: 0, epoch: 5 };
    let ignored = store
        .transaction(|tx| cluster::release(tx, "a", &[wrong_epoch]))
        .unwrap();
    let released = store
        .transaction(|tx| cluster::release(tx, "a", &held[1..]))
        .unwrap();
    let taken = acquire(&store, "b", LONG, 2);

    assert_eq!(ignored, 0);
    assert_eq!(released, 1);
    assert_eq!(taken, [HeldLease { shard: 1, epoch: 2 }]);
}

#[test]
fn fence_holds_off_takeover() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 1))
        .unwrap();
    let held = acquire(&store, "a", Duration::from_millis(300), 1)[0];

    let (locked, wait_locked) = mpsc::channel();
    let (finish, wait_finish) = mpsc::channel::<()>();
    let fenced_store = store.clone();
    let worker = std::thread::spawn(move || {
        fenced_store
            .transaction(|tx| {
                let holds = cluster::holds(tx, "a", held)?;
                locked.send(holds).unwrap();
                wait_finish.recv().unwrap();
                Ok::<_, StoreError>(holds)
            })
            .unwrap()
    });
    assert!(wait_locked.recv().unwrap(), "the holder holds its lease");
    std::thread::sleep(Duration::from_millis(400));

    let during = acquire(&store, "b", LONG, 1);
    finish.send(()).unwrap();
    worker.join().unwrap();
    let after = acquire(&store, "b", LONG, 1);

    assert!(
        during.is_empty(),
        "the expired lease is still fenced: {during:?}"
    );
    assert_eq!(after, [HeldLease { shard: 0, epoch: 2 }]);
}

#[test]
fn live_node_id_not_registered_twice() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);

    let first = store
        .transaction(|tx| cluster::register_node(tx, "a", "s1", LONG))
        .unwrap();
    let again = store
        .transaction(|tx| cluster::register_node(tx, "a", "s1", LONG))
        .unwrap();
    let second = store
        .transaction(|tx| cluster::register_node(tx, "a", "s2", LONG))
        .unwrap();
    store
        .transaction(|tx| cluster::register_node(tx, "b", "s3", SHORT))
        .unwrap();
    let_short_leases_expire();
    let taken_over = store
        .transaction(|tx| cluster::register_node(tx, "b", "s4", LONG))
        .unwrap();

    assert!(first);
    assert!(again, "the same process renews its registration");
    assert!(!second, "the first registration is still live");
    assert!(taken_over, "an expired registration is taken over");
    let nodes = store.read(cluster::nodes).unwrap();
    assert_eq!(nodes.len(), 2);
    assert!(nodes.iter().all(|node| node.live));
}

#[test]
fn deregistered_node_gone() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::register_node(tx, "a", "s1", LONG))
        .unwrap();
    store
        .transaction(|tx| cluster::register_node(tx, "b", "s2", SHORT))
        .unwrap();
    let_short_leases_expire();

    let wrong_session = store
        .transaction(|tx| cluster::deregister_node(tx, "a", "s9"))
        .unwrap();
    let removed = store
        .transaction(|tx| cluster::deregister_node(tx, "a", "s1"))
        .unwrap();
    let forgotten = store
        .transaction(|tx| cluster::forget_nodes(tx, Duration::ZERO))
        .unwrap();

    assert!(!wrong_session);
    assert!(removed);
    assert_eq!(forgotten, 1);
    assert!(store.read(cluster::nodes).unwrap().is_empty());
}

#[test]
fn shard_count_change_needs_idle_cluster() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 4))
        .unwrap();
    let held = acquire(&store, "a", LONG, 1);

    let refused = store
        .transaction(|tx| cluster::prepare_shards(tx, 8))
        .unwrap_err();
    store
        .transaction(|tx| cluster::release(tx, "a", &held))
        .unwrap();
    let resized = store
        .transaction(|tx| cluster::prepare_shards(tx, 8))
        .unwrap();
    let taken = acquire(&store, "a", LONG, 1);

    let message = refused.to_string();
    assert!(
        matches!(&refused, StoreError::Conflict { field, .. } if field == "cluster.shards"),
        "{message}"
    );
    assert!(message.contains("has 4 shards"), "{message}");
    assert!(message.contains("cluster.shards = 4"), "{message}");
    assert_eq!(resized, ShardSetup::Resized { previous: 4 });
    assert_eq!(holders(&store).len(), 8);
    assert_eq!(
        taken,
        [HeldLease { shard: 0, epoch: 2 }],
        "epochs do not go back"
    );
}

fn register(store: &Store, node: &str, session: &str, lease: Duration) {
    let registered = store
        .transaction(|tx| cluster::register_node(tx, node, session, lease))
        .unwrap();
    assert!(registered, "{node} could not register");
}

#[test]
fn hand_over_keeps_a_holder() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 2))
        .unwrap();
    register(&store, "a", "sa", LONG);
    register(&store, "b", "sb", LONG);
    let held = acquire(&store, "a", LONG, 2);

    let handed = store
        .transaction(|tx| cluster::hand_over(tx, "a", held[0], "b", LONG))
        .unwrap();

    assert_eq!(handed, Some(HeldLease { shard: 0, epoch: 2 }));
    assert_eq!(
        holders(&store),
        [Some("b".to_owned()), Some("a".to_owned())]
    );
    let old_epoch_holds = store
        .transaction(|tx| cluster::holds(tx, "a", held[0]))
        .unwrap();
    assert!(!old_epoch_holds, "the giver's epoch no longer holds");

    let giver = store
        .transaction(|tx| cluster::heartbeat(tx, "a", "sa", LONG, &held))
        .unwrap();
    let receiver = store
        .transaction(|tx| cluster::heartbeat(tx, "b", "sb", LONG, &[]))
        .unwrap();
    assert_eq!(giver.renewed, [held[1]]);
    assert_eq!(receiver.renewed, [HeldLease { shard: 0, epoch: 2 }]);
}

#[test]
fn hand_over_needs_live_receiver() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 1))
        .unwrap();
    register(&store, "a", "sa", LONG);
    register(&store, "gone", "sg", SHORT);
    let held = acquire(&store, "a", LONG, 1);
    let_short_leases_expire();

    let to_unknown = store
        .transaction(|tx| cluster::hand_over(tx, "a", held[0], "never-registered", LONG))
        .unwrap();
    let to_expired = store
        .transaction(|tx| cluster::hand_over(tx, "a", held[0], "gone", LONG))
        .unwrap();
    let wrong_epoch = HeldLease { shard: 0, epoch: 7 };
    let stale = store
        .transaction(|tx| cluster::hand_over(tx, "a", wrong_epoch, "a", LONG))
        .unwrap();

    assert_eq!(to_unknown, None);
    assert_eq!(to_expired, None);
    assert_eq!(stale, None);
    assert_eq!(holders(&store), [Some("a".to_owned())]);
}

#[test]
fn hand_over_waits_for_fenced_work() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 1))
        .unwrap();
    register(&store, "a", "sa", LONG);
    register(&store, "b", "sb", LONG);
    let held = acquire(&store, "a", LONG, 1)[0];

    let (locked, wait_locked) = mpsc::channel();
    let (finish, wait_finish) = mpsc::channel::<()>();
    let fenced_store = store.clone();
    let worker = std::thread::spawn(move || {
        fenced_store
            .transaction(|tx| {
                let holds = cluster::holds(tx, "a", held)?;
                locked.send(holds).unwrap();
                wait_finish.recv().unwrap();
                Ok::<_, StoreError>(holds)
            })
            .unwrap()
    });
    assert!(wait_locked.recv().unwrap(), "the holder holds its lease");

    let (handed, wait_handed) = mpsc::channel();
    let handing_store = store.clone();
    let handing = std::thread::spawn(move || {
        let result = handing_store
            .transaction(|tx| cluster::hand_over(tx, "a", held, "b", LONG))
            .unwrap();
        handed.send(result).unwrap();
    });
    std::thread::sleep(Duration::from_millis(300));
    let before_commit = wait_handed.try_recv();
    finish.send(()).unwrap();
    worker.join().unwrap();
    let after_commit = wait_handed.recv().unwrap();
    handing.join().unwrap();

    assert!(
        before_commit.is_err(),
        "the hand-over finished while the holder's work was open: {before_commit:?}"
    );
    assert_eq!(after_commit, Some(HeldLease { shard: 0, epoch: 2 }));
}

#[test]
fn hand_over_to_earlier_process_not_adopted() {
    let db = vahti_testkit::TestDatabase::postgres();
    let store = open(&db);
    store
        .transaction(|tx| cluster::prepare_shards(tx, 1))
        .unwrap();
    register(&store, "a", "sa", LONG);
    register(&store, "b", "first-process", Duration::from_millis(300));
    let held = acquire(&store, "a", LONG, 1)[0];
    let handed = store
        .transaction(|tx| cluster::hand_over(tx, "a", held, "b", LONG))
        .unwrap();
    assert!(handed.is_some());
    std::thread::sleep(Duration::from_millis(350));

    // A new process registers under the same node id after the first one's row ran out. The
    // lease was handed to the first process, which may still be working on it.
    register(&store, "b", "second-process", LONG);
    let beat = store
        .transaction(|tx| cluster::heartbeat(tx, "b", "second-process", LONG, &[]))
        .unwrap();

    assert!(beat.registered);
    assert!(beat.renewed.is_empty(), "{:?}", beat.renewed);
}
