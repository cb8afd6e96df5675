use vahti_store::{Store, StoreOptions};

use crate::support::open;

vahti_testkit::test_both_backends! {
    fn migrations_apply_fresh(db) {
        let store = Store::open(db.url(), StoreOptions::default()).unwrap();
        let applied = store.migrate().unwrap();
        assert_eq!(applied.len(), 2);
    }

    fn migrations_twice_is_noop(db) {
        let store = open(db);
        let applied = store.migrate().unwrap();
        assert!(applied.is_empty(), "{applied:?}");
    }
}
