use vahti_store::events::{self, NewEvent};

use crate::support::{account, now, open, tenant};

vahti_testkit::test_both_backends! {
    fn events_list_after_cursor(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        for n in 0..5 {
            let event = NewEvent {
                kind: "invoice.upserted".to_owned(),
                account_id: Some(account_id),
                invoice_id: None,
                payload: serde_json::json!({"n": n}),
            };
            store.transaction(|tx| events::append(tx, tenant_id, &event, now())).unwrap();
        }

        let page = store.read(|tx| events::list_after(tx, tenant_id, 2, 2)).unwrap();
        let seqs: Vec<i64> = page.iter().map(|event| event.seq).collect();
        assert_eq!(seqs, vec![3, 4]);
        assert_eq!(page[0].payload, serde_json::json!({"n": 2}));
        assert_eq!(page[0].account_id, Some(account_id));
        assert_eq!(page[0].created_at, now());
        let rest = store.read(|tx| events::list_after(tx, tenant_id, 5, 10)).unwrap();
        assert!(rest.is_empty());
    }

    fn append_many_in_small_chunks(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        // 11 events go in as inserts of 8, 2 and 1 rows.
        let many: Vec<NewEvent> = (1..=11)
            .map(|n| NewEvent {
                kind: format!("kind_{n}"),
                account_id: Some(account_id),
                invoice_id: None,
                payload: serde_json::json!({"n": n}),
            })
            .collect();
        // The store keeps microseconds, and the events returned must equal the events read.
        let at = now() + chrono::Duration::nanoseconds(1_234_567);
        let mut appended = store.transaction(|tx| events::append_many(tx, tenant_id, many.clone(), at)).unwrap();
        let returned: Vec<(i64, String)> = appended.iter().map(|event| (event.seq, event.kind.clone())).collect();
        let expected: Vec<(i64, String)> = (1..=11).map(|n| (n, format!("kind_{n}"))).collect();
        assert_eq!(returned, expected);
        appended.push(store.transaction(|tx| events::append(tx, tenant_id, &many[0], at)).unwrap());
        let listed = store.read(|tx| events::list_after(tx, tenant_id, 0, 100)).unwrap();
        assert_eq!(listed, appended);
    }

    fn append_many_numbers_in_order(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let single = NewEvent {
            kind: "account_updated".to_owned(),
            account_id: Some(account_id),
            invoice_id: None,
            payload: serde_json::json!({"n": 0}),
        };
        store.transaction(|tx| events::append(tx, tenant_id, &single, now())).unwrap();
        let many: Vec<NewEvent> = (1..=1500)
            .map(|n| NewEvent {
                kind: "invoice_created".to_owned(),
                account_id: Some(account_id),
                invoice_id: None,
                payload: serde_json::json!({"n": n}),
            })
            .collect();
        let appended = store.transaction(|tx| events::append_many(tx, tenant_id, many.clone(), now())).unwrap();
        let returned: Vec<(i64, serde_json::Value)> =
            appended.iter().map(|event| (event.seq, event.payload.clone())).collect();
        let expected: Vec<(i64, serde_json::Value)> =
            (1..=1500).map(|n| (n + 1, serde_json::json!({"n": n}))).collect();
        assert_eq!(returned, expected);
        assert!(store.transaction(|tx| events::append_many(tx, tenant_id, Vec::new(), now())).unwrap().is_empty());
        store.transaction(|tx| events::append(tx, tenant_id, &single, now())).unwrap();

        let all = store.read(|tx| events::list_after(tx, tenant_id, 0, 2000)).unwrap();
        let seqs: Vec<i64> = all.iter().map(|event| event.seq).collect();
        assert_eq!(seqs, (1..=1502).collect::<Vec<i64>>());
        assert_eq!(all[1].payload, serde_json::json!({"n": 1}));
        assert_eq!(all[1500].payload, serde_json::json!({"n": 1500}));
        assert_eq!(all[1500].invoice_id, None);
        assert_eq!(all[1501].kind, "account_updated");
    }
}
