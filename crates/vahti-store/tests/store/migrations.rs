use vahti_store::{Store, StoreOptions};

use crate::support::open;

vahti_testkit::test_both_backends! {
    fn migrations_apply_fresh(db) {
        let store = Store::open(db.url(), StoreOptions::default()).unwrap();
        let applied = store.migrate().unwrap();
        // One folder per migration, and each backend has the same ones.
        let folders = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");
        let expected = std::fs::read_dir(folders).unwrap().count();
        assert_eq!(expected, 6);
        assert_eq!(applied.len(), expected);
    }

    fn migrations_twice_is_noop(db) {
        let store = open(db);
        let applied = store.migrate().unwrap();
        assert!(applied.is_empty(), "{applied:?}");
    }
}

#[test]
fn unreachable_server_is_unavailable() {
    // Nothing listens on port 1 of the loopback interface, so the connection is refused at once.
    let error = Store::open(
        "postgres://vahti:hunter2@127.0.0.1:1/vahti",
        StoreOptions::default(),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, vahti_store::StoreError::Unavailable { .. }),
        "{message}"
    );
    assert!(
        message.starts_with("postgres database unavailable"),
        "{message}"
    );
    assert!(
        message.contains("postgres://vahti:***@127.0.0.1:1/vahti"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn missing_sqlite_directory_is_unavailable() {
    let error = Store::open(
        "sqlite:///nonexistent-vahti-dir/vahti.db",
        StoreOptions::default(),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("sqlite database unavailable"),
        "{message}"
    );
    assert!(
        message.contains("/nonexistent-vahti-dir/vahti.db"),
        "{message}"
    );
}
