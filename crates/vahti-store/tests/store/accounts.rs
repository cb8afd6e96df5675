use chrono::Duration;
use vahti_domain::DebtorType;
use vahti_domain::ids::AccountId;
use vahti_store::StoreError;
use vahti_store::accounts::{self, AccountState, DueCursor};

use crate::support::{account, account_upsert, now, open, tenant};

vahti_testkit::test_both_backends! {
    fn upsert_creates_then_updates(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let created = store
            .transaction(|tx| accounts::upsert(tx, tenant_id, &account_upsert("C-1"), now()))
            .unwrap();

        let mut changed = account_upsert("C-1");
        changed.name = "Maija Meikäläinen".to_owned();
        changed.debtor_type = DebtorType::Business;
        changed.emails = vec!["a@example.com".to_owned(), "b@example.com".to_owned()];
        let later = now() + Duration::hours(1);
        let updated = store
            .transaction(|tx| accounts::upsert(tx, tenant_id, &changed, later))
            .unwrap();

        assert_eq!(updated.id, created.id);
        assert_eq!(updated.name, "Maija Meikäläinen");
        assert_eq!(updated.debtor_type, DebtorType::Business);
        assert_eq!(updated.emails.len(), 2);
        assert_eq!(updated.version, created.version + 1);
        assert_eq!(updated.created_at, now());
        assert_eq!(updated.updated_at, later);
        assert_eq!(updated.shard, created.shard);
    }

    fn external_id_lookup(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let id = account(&store, tenant_id, "C-1");
        let found = store.read(|tx| accounts::get_by_external_id(tx, tenant_id, "C-1")).unwrap();
        assert_eq!(found.id, id);
        let missing = store
            .read(|tx| accounts::get_by_external_id(tx, other_tenant, "C-1"))
            .unwrap_err();
        assert_eq!(missing.to_string(), "account external_id \"C-1\" not found");
    }

    fn keys_by_external_ids(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other = tenant(&store, "Other");
        let ids: Vec<AccountId> = (0..150).map(|n| account(&store, tenant_id, &format!("C-{n}"))).collect();
        let elsewhere = account(&store, other, "C-200");
        // 150 known names, one twice, one unknown and one of another tenant: on SQLite the
        // lookup of the 152 distinct names runs in statements of 64, 64, 16 and 8 names.
        let mut names: Vec<String> = (0..150).rev().map(|n| format!("C-{n}")).collect();
        names.extend(["C-3".to_owned(), "C-404".to_owned(), "C-200".to_owned()]);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let found = store.read(|tx| accounts::ids_by_external_id(tx, tenant_id, &names)).unwrap();
        assert_eq!(found.len(), 150);
        for (n, id) in ids.iter().enumerate() {
            assert_eq!(found.get(&format!("C-{n}")), Some(id));
        }
        assert!(!found.contains_key("C-404"));
        let theirs = store.read(|tx| accounts::ids_by_external_id(tx, other, &["C-200", "C-1"])).unwrap();
        assert_eq!(theirs.into_iter().collect::<Vec<_>>(), vec![("C-200".to_owned(), elsewhere)]);
        let none = store.read(|tx| accounts::ids_by_external_id(tx, tenant_id, &[])).unwrap();
        assert!(none.is_empty());
    }

    fn name_lookup_is_exact(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let first = account(&store, tenant_id, "C-1");
        let second = account(&store, tenant_id, "C-2");
        account(&store, other_tenant, "C-1");
        let mut renamed = account_upsert("C-3");
        renamed.name = "Matti Meikäläinen Oy".to_owned();
        store.transaction(|tx| accounts::upsert(tx, tenant_id, &renamed, now())).unwrap();

        let found = store
            .read(|tx| accounts::find_by_name(tx, tenant_id, "Matti Meikäläinen"))
            .unwrap();
        let keys: Vec<AccountId> = found.iter().map(|account| account.id).collect();
        assert_eq!(keys, vec![first, second]);
    }

    fn stale_version_conflicts(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let id = account(&store, tenant_id, "C-1");
        let state = AccountState {
            paused_until: Some(crate::support::date(2025, 4, 1)),
            pause_reason: Some("holiday".to_owned()),
            last_contact_at: Some(now()),
        };
        let updated = store.transaction(|tx| accounts::update_state(tx, id, 1, &state, now())).unwrap();
        assert_eq!(updated.version, 2);
        assert_eq!(updated.paused_until, state.paused_until);

        let error = store
            .transaction(|tx| accounts::update_state(tx, id, 1, &state, now()))
            .unwrap_err();
        assert!(matches!(&error, StoreError::Conflict { field, .. } if field == "version"), "{error}");
    }

    fn due_accounts_page_by_time(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let mut ids = Vec::new();
        for n in 0..5 {
            let id = account(&store, tenant_id, &format!("C-{n}"));
            // Two accounts share each wake-up time, so the key breaks ties.
            let at = now() + Duration::minutes(n / 2);
            store.transaction(|tx| accounts::set_next_action_at(tx, id, Some(at))).unwrap();
            ids.push(id);
        }
        let not_due = account(&store, tenant_id, "C-late");
        store
            .transaction(|tx| accounts::set_next_action_at(tx, not_due, Some(now() + Duration::days(1))))
            .unwrap();
        account(&store, tenant_id, "C-idle");

        let horizon = now() + Duration::hours(1);
        let mut listed: Vec<AccountId> = Vec::new();
        let mut cursor: Option<DueCursor> = None;
        loop {
            let batch = store.read(|tx| accounts::due(tx, horizon, cursor, 2)).unwrap();
            let Some(last) = batch.last() else { break };
            cursor = Some(last.cursor());
            listed.extend(batch.iter().map(|due| due.id));
        }
        assert_eq!(listed, ids);
    }

    fn many_accounts_read_locked_and_woken_together(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let ids: Vec<AccountId> =
            (1..=5).map(|n| account(&store, tenant_id, &format!("C-{n}"))).collect();
        let requested = [ids[3], ids[0], AccountId(999_999), ids[2]];
        let found = store.read(|tx| accounts::get_many(tx, &requested)).unwrap();
        let found: Vec<AccountId> = found.iter().map(|account| account.id).collect();
        assert_eq!(found, vec![ids[0], ids[2], ids[3]]);

        let soon = now() + Duration::hours(2);
        let wake_ups = vec![(ids[1], Some(soon)), (ids[4], None), (ids[0], Some(now()))];
        store
            .transaction(|tx| {
                accounts::lock_many(tx, &[ids[4], ids[1], ids[0], ids[1]])?;
                accounts::set_next_action_many(tx, &wake_ups)
            })
            .unwrap();
        for (id, at) in &wake_ups {
            let stored = store.read(|tx| accounts::get(tx, *id)).unwrap();
            assert_eq!(stored.next_action_at, *at, "{id}");
        }
        let untouched = store.read(|tx| accounts::get(tx, ids[2])).unwrap();
        assert_eq!(untouched.next_action_at, None);

        let missing = store
            .transaction(|tx| {
                accounts::set_next_action_many(tx, &[(ids[2], Some(soon)), (AccountId(999_999), None)])
            })
            .unwrap_err();
        assert!(matches!(missing, StoreError::NotFound { .. }), "{missing:?}");
        let rolled_back = store.read(|tx| accounts::get(tx, ids[2])).unwrap();
        assert_eq!(rolled_back.next_action_at, None);
    }

    fn due_in_shards_filters(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let mut due = Vec::new();
        for n in 0..12 {
            let id = account(&store, tenant_id, &format!("C-{n}"));
            store.transaction(|tx| accounts::set_next_action_at(tx, id, Some(now()))).unwrap();
            let shard = store.read(|tx| accounts::get(tx, id)).unwrap().shard;
            due.push((id, shard));
        }
        let wanted: Vec<i32> = due.iter().take(3).map(|(_, shard)| *shard).collect();

        let listed = store
            .read(|tx| accounts::due_in_shards(tx, now(), None, 100, &wanted))
            .unwrap();
        let none = store
            .read(|tx| accounts::due_in_shards(tx, now(), None, 100, &[]))
            .unwrap();

        let expected: Vec<AccountId> = due
            .iter()
            .filter(|(_, shard)| wanted.contains(shard))
            .map(|(id, _)| *id)
            .collect();
        let listed_ids: Vec<AccountId> = listed.iter().map(|account| account.id).collect();
        assert_eq!(listed_ids, expected);
        assert!(listed.iter().all(|account| wanted.contains(&account.shard)));
        assert!(none.is_empty());
    }
}
