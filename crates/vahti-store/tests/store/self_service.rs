use chrono::Duration;
use serde_json::json;
use vahti_store::StoreError;
use vahti_store::ids::SelfServiceRequestId;
use vahti_store::self_service::{
    self, NewSelfServiceRequest, RequestKind, RequestState, SelfServiceLink,
};

use crate::support::{account, now, open, tenant};

fn new_request(
    link: &SelfServiceLink,
    kind: RequestKind,
    state: RequestState,
) -> NewSelfServiceRequest {
    NewSelfServiceRequest {
        account_id: link.account_id,
        link_id: link.id,
        kind,
        state,
        details: json!({"invoices": [1], "pay_by": "2025-03-01"}),
    }
}

vahti_testkit::test_both_backends! {
    fn link_found_by_token(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let expires = now() + Duration::days(60);
        let (link, generated) = store
            .transaction(|tx| self_service::create_link(tx, tenant_id, account_id, expires, now()))
            .unwrap();
        let found = store
            .read(|tx| self_service::find_link(tx, &generated.token))
            .unwrap();
        assert_eq!(found.as_ref(), Some(&link));
        assert_eq!(link.account_id, account_id);
        assert_eq!(link.expires_at, expires);
        assert!(link.is_live(now()));
        assert!(!link.is_live(expires));
    }

    fn link_unknown_token_is_none(db) {
        let store = open(db);
        let unknown = self_service::generate_link_token();
        let found = store.read(|tx| self_service::find_link(tx, &unknown.token)).unwrap();
        assert_eq!(found, None);
        let malformed = store.read(|tx| self_service::find_link(tx, "../../etc")).unwrap();
        assert_eq!(malformed, None);
    }

    fn revoke_ends_live_links_only(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let other = account(&store, tenant_id, "C-2");
        let (expired, live, foreign) = store
            .transaction(|tx| {
                let expired = self_service::create_link(tx, tenant_id, account_id, now() - Duration::days(1), now() - Duration::days(61))?;
                let live = self_service::create_link(tx, tenant_id, account_id, now() + Duration::days(60), now())?;
                let foreign = self_service::create_link(tx, tenant_id, other, now() + Duration::days(60), now())?;
                Ok::<_, StoreError>((expired.0, live.0, foreign.0))
            })
            .unwrap();
        let later = now() + Duration::hours(1);
        let revoked = store
            .transaction(|tx| self_service::revoke_links(tx, account_id, later))
            .unwrap();
        assert_eq!(revoked, 1);

        let links = store.read(|tx| self_service::links_for_account(tx, account_id)).unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].id, expired.id);
        assert_eq!(links[0].revoked_at, None);
        assert_eq!(links[1].id, live.id);
        assert_eq!(links[1].revoked_at, Some(later));
        assert!(!links[1].is_live(later));
        let others = store.read(|tx| self_service::links_for_account(tx, other)).unwrap();
        assert_eq!(others, vec![foreign]);
    }

    fn touch_records_last_use(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let (link, generated) = store
            .transaction(|tx| self_service::create_link(tx, tenant_id, account_id, now() + Duration::days(1), now()))
            .unwrap();
        let used = now() + Duration::minutes(5);
        store.transaction(|tx| self_service::touch_link(tx, &link, used)).unwrap();
        let found = store.read(|tx| self_service::find_link(tx, &generated.token)).unwrap().unwrap();
        assert_eq!(found.last_used_at, Some(used));
        store
            .transaction(|tx| self_service::touch_link(tx, &found, used + Duration::seconds(10)))
            .unwrap();
        let again = store.read(|tx| self_service::find_link(tx, &generated.token)).unwrap().unwrap();
        assert_eq!(again.last_used_at, Some(used));
    }

    fn requests_round_trip(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let (link, _) = store
            .transaction(|tx| self_service::create_link(tx, tenant_id, account_id, now() + Duration::days(1), now()))
            .unwrap();
        let created = store
            .transaction(|tx| {
                self_service::create_request(tx, tenant_id, &new_request(&link, RequestKind::PaymentPlan, RequestState::Pending), now())
            })
            .unwrap();
        assert_eq!(created.kind, RequestKind::PaymentPlan);
        assert_eq!(created.state, RequestState::Pending);
        assert_eq!(created.details["pay_by"], "2025-03-01");
        let loaded = store.read(|tx| self_service::get_request(tx, created.id)).unwrap();
        assert_eq!(loaded, created);
        let listed = store.read(|tx| self_service::requests_for_account(tx, account_id)).unwrap();
        assert_eq!(listed, vec![created]);
    }

    fn request_missing_is_not_found(db) {
        let store = open(db);
        let error = store
            .read(|tx| self_service::get_request(tx, SelfServiceRequestId(404)))
            .unwrap_err();
        assert!(matches!(error, StoreError::NotFound { .. }), "{error}");
    }

    fn requests_listed_by_state(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let other_tenant = tenant(&store, "Other");
        let account_id = account(&store, tenant_id, "C-1");
        let other_account = account(&store, other_tenant, "C-1");
        let ids = store
            .transaction(|tx| {
                let (link, _) = self_service::create_link(tx, tenant_id, account_id, now() + Duration::days(1), now())?;
                let (foreign, _) = self_service::create_link(tx, other_tenant, other_account, now() + Duration::days(1), now())?;
                let mut ids = Vec::new();
                for state in [RequestState::Applied, RequestState::Pending, RequestState::Pending] {
                    ids.push(self_service::create_request(tx, tenant_id, &new_request(&link, RequestKind::Extension, state), now())?.id);
                }
                self_service::create_request(tx, other_tenant, &new_request(&foreign, RequestKind::Extension, RequestState::Pending), now())?;
                Ok::<_, StoreError>(ids)
            })
            .unwrap();

        let pending = store
            .read(|tx| self_service::list_requests(tx, tenant_id, Some(RequestState::Pending), None, 10))
            .unwrap();
        assert_eq!(pending.iter().map(|request| request.id).collect::<Vec<_>>(), vec![ids[1], ids[2]]);
        let all = store.read(|tx| self_service::list_requests(tx, tenant_id, None, None, 10)).unwrap();
        assert_eq!(all.len(), 3);
        let page = store
            .read(|tx| self_service::list_requests(tx, tenant_id, None, Some(ids[0]), 1))
            .unwrap();
        assert_eq!(page.iter().map(|request| request.id).collect::<Vec<_>>(), vec![ids[1]]);
    }

    fn decide_only_pending(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let (pending, applied) = store
            .transaction(|tx| {
                let (link, _) = self_service::create_link(tx, tenant_id, account_id, now() + Duration::days(1), now())?;
                let pending = self_service::create_request(tx, tenant_id, &new_request(&link, RequestKind::PaymentPlan, RequestState::Pending), now())?;
                let applied = self_service::create_request(tx, tenant_id, &new_request(&link, RequestKind::Dispute, RequestState::Applied), now())?;
                Ok::<_, StoreError>((pending, applied))
            })
            .unwrap();
        let later = now() + Duration::hours(2);
        let details = json!({"plan_id": 7});
        let decided = store
            .transaction(|tx| self_service::decide_request(tx, pending.id, RequestState::Approved, &details, Some("ok"), later))
            .unwrap();
        assert_eq!(decided.state, RequestState::Approved);
        assert_eq!(decided.details, details);
        assert_eq!(decided.note.as_deref(), Some("ok"));
        assert_eq!(decided.decided_at, Some(later));

        let again = store
            .transaction(|tx| self_service::decide_request(tx, pending.id, RequestState::Rejected, &details, None, later))
            .unwrap_err();
        assert!(matches!(again, StoreError::Conflict { .. }), "{again}");
        let not_pending = store
            .transaction(|tx| self_service::decide_request(tx, applied.id, RequestState::Approved, &details, None, later))
            .unwrap_err();
        assert!(matches!(not_pending, StoreError::Conflict { .. }), "{not_pending}");
    }

    fn daemon_secret_created_once(db) {
        let store = open(db);
        let first = store.transaction(|tx| self_service::daemon_secret(tx, "csrf", now())).unwrap();
        let second = store.transaction(|tx| self_service::daemon_secret(tx, "csrf", now())).unwrap();
        let other = store.transaction(|tx| self_service::daemon_secret(tx, "other", now())).unwrap();
        assert_eq!(first.len(), 32);
        assert_eq!(first, second);
        assert_ne!(first, other);
    }
}
