use chrono::Duration;
use vahti_store::StoreError;
use vahti_store::idempotency;

use crate::support::{now, open, tenant};

vahti_testkit::test_both_backends! {
    fn idempotency_key_replays(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let body = r#"{"id":"I-1","status":"issued"}"#;
        store
            .transaction(|tx| idempotency::store(tx, tenant_id, "key-1", "hash-a", 201, body, now()))
            .unwrap();

        let replay = store.read(|tx| idempotency::lookup(tx, tenant_id, "key-1")).unwrap().unwrap();
        assert_eq!(replay.response_status, 201);
        assert_eq!(replay.response_body, body);
        assert_eq!(replay.request_hash, "hash-a");
        let elsewhere = store.read(|tx| idempotency::lookup(tx, other_tenant, "key-1")).unwrap();
        assert_eq!(elsewhere, None);

        let error = store
            .transaction(|tx| idempotency::store(tx, tenant_id, "key-1", "hash-b", 200, "{}", now()))
            .unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "idempotency_key"), "{error}");
    }

    fn idempotency_keys_purge(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let old = now() - Duration::days(2);
        store.transaction(|tx| idempotency::store(tx, tenant_id, "old", "h", 200, "{}", old)).unwrap();
        store.transaction(|tx| idempotency::store(tx, tenant_id, "new", "h", 200, "{}", now())).unwrap();
        let purged = store.transaction(|tx| idempotency::purge_before(tx, now() - Duration::days(1))).unwrap();
        assert_eq!(purged, 1);
        assert!(store.read(|tx| idempotency::lookup(tx, tenant_id, "new")).unwrap().is_some());
    }
}
