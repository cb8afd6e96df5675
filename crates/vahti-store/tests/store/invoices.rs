use std::time::Instant;

use chrono::Duration;
use vahti_domain::ids::AccountId;
use vahti_store::StoreError;
use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus, MAX_BATCH};

use crate::support::{account, date, eur, invoice, invoice_upsert, now, open, tenant};

vahti_testkit::test_both_backends! {
    fn batch_upsert_ten_thousand(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let accounts: Vec<AccountId> = (0..10).map(|n| account(&store, tenant_id, &format!("C-{n}"))).collect();
        let batch: Vec<_> = (0..MAX_BATCH)
            .map(|n| {
                let mut upsert = invoice_upsert(accounts[n % accounts.len()], &format!("I-{n}"));
                upsert.reference = Some(format!("{n}"));
                upsert
            })
            .collect();

        let started = Instant::now();
        let ids = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, now())).unwrap();
        eprintln!("{:?}: inserted {} invoices in {:?}", db.backend(), ids.len(), started.elapsed());
        assert_eq!(ids.len(), MAX_BATCH);

        let mut changed = batch.clone();
        for upsert in &mut changed {
            upsert.amount = eur("250.00");
        }
        let later = now() + Duration::hours(1);
        let started = Instant::now();
        let again = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &changed, later)).unwrap();
        eprintln!("{:?}: updated {} invoices in {:?}", db.backend(), again.len(), started.elapsed());
        assert_eq!(again, ids);

        let sample = store.read(|tx| invoices::get(tx, ids[9_999])).unwrap();
        assert_eq!(sample.external_id, "I-9999");
        assert_eq!(sample.amount, eur("250.00"));
        assert_eq!(sample.created_at, now());
        assert_eq!(sample.updated_at, later);
    }

    fn batch_keys_follow_external_ids(db) {
        // 1,001 rows go in as a statement of 1,000 rows and one of a single row, and each returns
        // the keys of its rows. The batch updates some rows and inserts the others.
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let first: Vec<_> = (0..500).map(|n| invoice_upsert(account_id, &format!("I-{n}"))).collect();
        store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &first, now())).unwrap();
        let batch: Vec<_> = (0..1_001).rev().map(|n| invoice_upsert(account_id, &format!("I-{n}"))).collect();
        let ids = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, now())).unwrap();
        assert_eq!(ids.len(), batch.len());
        for (upsert, id) in batch.iter().zip(&ids) {
            let stored = store.read(|tx| invoices::get(tx, *id)).unwrap();
            assert_eq!(stored.external_id, upsert.external_id);
        }
        let single = store
            .transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch[1_000..], now()))
            .unwrap();
        assert_eq!(single, vec![ids[1_000]]);
    }

    fn batch_rows_equal_rows_upserted_alone(db) {
        // A batch of many rows takes another insert path on SQLite than a single row. Both
        // tenants get the same documents, half of them stored before with other values. One
        // tenant gets them in one batch, the other one at a time.
        let store = open(db);
        let varied = |n: usize, account_id: AccountId| {
            let mut upsert = invoice_upsert(account_id, &format!("I-{n}"));
            upsert.number = format!("Lasku {n} – ä");
            upsert.issue_date = date(2020 + i32::try_from(n % 7).unwrap(), 1 + u32::try_from(n % 12).unwrap(), 1 + u32::try_from(n % 28).unwrap());
            upsert.sent_on = (!n.is_multiple_of(3)).then(|| date(2025, 2, 1));
            upsert.due_date = (!n.is_multiple_of(5)).then(|| date(2025, 3, 1 + u32::try_from(n % 28).unwrap()));
            upsert.amount = eur(&format!("{}.{:02}", n * 7, n % 100));
            upsert.reference = (!n.is_multiple_of(4)).then(|| format!("RF{n}"));
            upsert.reference_invalid = n.is_multiple_of(6);
            upsert.seller_iban = (n.is_multiple_of(2)).then(|| "FI2112345600000785".to_owned());
            upsert.seller_bic = (n.is_multiple_of(8)).then(|| "NDEAFIHH".to_owned());
            upsert.status = if n.is_multiple_of(9) { InvoiceStatus::Draft } else { InvoiceStatus::Issued };
            upsert
        };

        let mut by_tenant = Vec::new();
        for (name, together) in [("Together", true), ("Alone", false)] {
            let tenant_id = tenant(&store, name);
            let account_id = account(&store, tenant_id, "C-1");
            let before: Vec<_> = (0..150).step_by(2).map(|n| invoice_upsert(account_id, &format!("I-{n}"))).collect();
            store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &before, now())).unwrap();
            let mut batch: Vec<_> = (0..150).map(|n| varied(n, account_id)).collect();
            let mut credit = invoice_upsert(account_id, "CN-1");
            credit.kind = InvoiceKind::CreditNote;
            credit.due_date = None;
            credit.corrects_external_id = Some("I-7".to_owned());
            batch.push(credit);
            let later = now() + Duration::minutes(5);
            let ids = if together {
                store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, later)).unwrap()
            } else {
                batch
                    .iter()
                    .map(|upsert| {
                        store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, std::slice::from_ref(upsert), later)).unwrap()[0]
                    })
                    .collect()
            };
            let stored = store.read(|tx| invoices::list_for_account(tx, account_id)).unwrap();
            assert_eq!(stored.len(), batch.len());
            for (upsert, id) in batch.iter().zip(&ids) {
                let invoice = stored.iter().find(|invoice| invoice.id == *id).unwrap();
                assert_eq!(invoice.external_id, upsert.external_id);
            }
            by_tenant.push((ids, stored));
        }

        let (together_ids, together) = &by_tenant[0];
        let (alone_ids, alone) = &by_tenant[1];
        let position = |ids: &[vahti_domain::ids::InvoiceId], id| ids.iter().position(|key| *key == id);
        for (left, right) in together.iter().zip(alone) {
            let left = left.clone();
            let mut right = right.clone();
            assert_eq!(left.external_id, right.external_id);
            assert_eq!(
                left.corrects_invoice_id.and_then(|id| position(together_ids, id)),
                right.corrects_invoice_id.and_then(|id| position(alone_ids, id)),
            );
            right.id = left.id;
            right.tenant_id = left.tenant_id;
            right.account_id = left.account_id;
            right.corrects_invoice_id = left.corrects_invoice_id;
            assert_eq!(left, right);
        }

        let credit = together.iter().find(|invoice| invoice.external_id == "CN-1").unwrap();
        assert_eq!(credit.corrects_invoice_id, Some(together_ids[7]));
        let updated = together.iter().find(|invoice| invoice.external_id == "I-4").unwrap();
        assert_eq!(updated.created_at, now());
        assert_eq!(updated.updated_at, now() + Duration::minutes(5));
        assert_eq!(updated.amount, eur("28.04"));
    }

    fn batch_for_missing_account_writes_nothing(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let mut batch: Vec<_> = (0..100).map(|n| invoice_upsert(account_id, &format!("I-{n}"))).collect();
        batch[70].account_id = AccountId(account_id.0 + 1_000);
        let error = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, now())).unwrap_err();
        assert!(matches!(error, StoreError::ConstraintViolated { .. }), "{error}");
        let alone = store
            .transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch[70..71], now()))
            .unwrap_err();
        assert_eq!(std::mem::discriminant(&alone), std::mem::discriminant(&error));
        let stored = store.read(|tx| invoices::list_for_account(tx, account_id)).unwrap();
        assert!(stored.is_empty());
    }

    fn batch_rejects_oversize_and_duplicates(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let oversize = vec![invoice_upsert(account_id, "I-1"); MAX_BATCH + 1];
        let error = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &oversize, now())).unwrap_err();
        assert!(matches!(error, StoreError::InvalidInput { field: "invoices", .. }), "{error}");

        let twice = vec![invoice_upsert(account_id, "I-1"), invoice_upsert(account_id, "I-1")];
        let error = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &twice, now())).unwrap_err();
        assert!(error.to_string().contains("\"I-1\" occurs twice"), "{error}");
    }

    fn upsert_keeps_collection_state(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let id = invoice(&store, tenant_id, account_id, "I-1");
        store
            .transaction(|tx| {
                let mut state = invoices::get(tx, id)?.collection_state();
                state.disputed = true;
                state.paused_until = Some(date(2025, 5, 1));
                invoices::update_collection(tx, id, &state, now())
            })
            .unwrap();

        let mut changed = invoice_upsert(account_id, "I-1");
        changed.due_date = Some(date(2025, 3, 1));
        store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[changed], now())).unwrap();

        let stored = store.read(|tx| invoices::get(tx, id)).unwrap();
        assert_eq!(stored.due_date, Some(date(2025, 3, 1)));
        assert!(stored.disputed);
        assert_eq!(stored.paused_until, Some(date(2025, 5, 1)));
    }

    fn credit_note_links_in_batch(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let mut credit = invoice_upsert(account_id, "CN-1");
        credit.kind = InvoiceKind::CreditNote;
        credit.due_date = None;
        credit.corrects_external_id = Some("I-1".to_owned());
        // The credit note comes first, so it gets the lower key.
        let batch = [credit, invoice_upsert(account_id, "I-1")];
        let ids = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, now())).unwrap();

        let stored = store.read(|tx| invoices::get(tx, ids[0])).unwrap();
        assert_eq!(stored.kind, InvoiceKind::CreditNote);
        assert_eq!(stored.corrects_invoice_id, Some(ids[1]));
    }

    fn missing_corrected_invoice_fails(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let mut credit = invoice_upsert(account_id, "CN-1");
        credit.kind = InvoiceKind::CreditNote;
        credit.corrects_external_id = Some("I-404".to_owned());
        let error = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[credit], now())).unwrap_err();
        assert!(matches!(error, StoreError::NotFound { entity: "invoice", .. }), "{error}");
        let stored = store.read(|tx| invoices::list_for_account(tx, account_id)).unwrap();
        assert!(stored.is_empty());
    }

    fn reference_finds_invoices(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let account_id = account(&store, tenant_id, "C-1");
        let other_account = account(&store, other_tenant, "C-1");
        let id = invoice(&store, tenant_id, account_id, "I-1");
        invoice(&store, other_tenant, other_account, "I-1");
        let mut flagged = invoice_upsert(account_id, "I-2");
        flagged.reference_invalid = true;
        store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[flagged], now())).unwrap();

        let flagged_id = store.read(|tx| invoices::get_by_external_id(tx, tenant_id, "I-2")).unwrap().id;

        let found = store.read(|tx| invoices::find_by_reference(tx, tenant_id, "1232")).unwrap();
        let keys: Vec<_> = found.iter().map(|invoice| invoice.id).collect();
        assert_eq!(keys, vec![id, flagged_id]);
    }

    fn many_by_external_id(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let account_id = account(&store, tenant_id, "C-1");
        let other_account = account(&store, other_tenant, "C-1");
        let first = invoice(&store, tenant_id, account_id, "I-1");
        let second = invoice(&store, tenant_id, account_id, "I-2");
        invoice(&store, other_tenant, other_account, "I-3");

        let found = store
            .read(|tx| invoices::get_many_by_external_id(tx, tenant_id, &["I-2", "I-1", "I-3", "I-404"]))
            .unwrap();
        let keys: Vec<_> = found.iter().map(|invoice| invoice.id).collect();
        assert_eq!(keys, vec![first, second]);

        // More keys than one statement takes on SQLite, with repeats far apart.
        let batch: Vec<_> = (10..160).map(|n| invoice_upsert(account_id, &format!("I-{n}"))).collect();
        let ids = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, now())).unwrap();
        let mut names: Vec<String> = (10..160).rev().map(|n| format!("I-{n}")).collect();
        names.extend(["I-150".to_owned(), "I-3".to_owned(), "I-11".to_owned()]);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let found = store.read(|tx| invoices::get_many_by_external_id(tx, tenant_id, &names)).unwrap();
        let keys: Vec<_> = found.iter().map(|invoice| invoice.id).collect();
        assert_eq!(keys, ids);
    }

    fn list_filters_and_pages(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let first_account = account(&store, tenant_id, "C-1");
        let second_account = account(&store, tenant_id, "C-2");
        let other_account = account(&store, other_tenant, "C-1");
        let first = invoice(&store, tenant_id, first_account, "I-1");
        let second = invoice(&store, tenant_id, second_account, "I-2");
        let mut draft = invoice_upsert(first_account, "I-3");
        draft.status = InvoiceStatus::Draft;
        let third = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[draft], now())).unwrap()[0];
        invoice(&store, other_tenant, other_account, "I-4");

        let keys = |filter: invoices::ListFilter, after: Option<vahti_domain::ids::InvoiceId>, limit: i64| -> Vec<_> {
            store
                .read(|tx| invoices::list(tx, tenant_id, filter, after, limit))
                .unwrap()
                .iter()
                .map(|invoice| invoice.id)
                .collect()
        };
        assert_eq!(keys(invoices::ListFilter::default(), None, 10), vec![first, second, third]);
        assert_eq!(keys(invoices::ListFilter::default(), Some(first), 1), vec![second]);
        let by_account = invoices::ListFilter { account_id: Some(first_account), status: None };
        assert_eq!(keys(by_account, None, 10), vec![first, third]);
        let drafts = invoices::ListFilter { account_id: None, status: Some(InvoiceStatus::Draft) };
        assert_eq!(keys(drafts, None, 10), vec![third]);
    }

    fn open_invoices_leave_out_closed(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let open_id = invoice(&store, tenant_id, account_id, "I-open");
        let settled = invoice(&store, tenant_id, account_id, "I-settled");
        let mut draft = invoice_upsert(account_id, "I-draft");
        draft.status = InvoiceStatus::Draft;
        store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[draft], now())).unwrap();
        store
            .transaction(|tx| {
                let mut state = invoices::get(tx, settled)?.collection_state();
                state.settled_at = Some(now());
                invoices::update_collection(tx, settled, &state, now())
            })
            .unwrap();

        let listed = store.read(|tx| invoices::list_open_for_account(tx, account_id)).unwrap();
        let keys: Vec<_> = listed.iter().map(|invoice| invoice.id).collect();
        assert_eq!(keys, vec![open_id]);
    }
}
