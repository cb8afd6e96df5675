//! The check of a queued email at send time: a read-only pass first, and writes only when steps
//! must be cancelled. The self-service link of a read-only pass is stored with the outcome.

use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::json;
use vahti_daemon::service::delivery::{self, Access, Prepared};
use vahti_daemon::service::selfservice::LinkSettings;
use vahti_store::outbox;
use vahti_store::self_service::{find_link, links_for_account};

use crate::support::{ADMIN_TOKEN, Harness, StoredInvoice};

/// An invoice of 100.00 EUR due on Friday 2026-02-27, whose friendly reminder is queued on
/// Friday 2026-03-06 at 08:00 in Helsinki under the default consumer policy.
const OVERDUE: StoredInvoice<'static> = StoredInvoice {
    external_id: "INV-1",
    amount: "100.00",
    due: "2026-02-27",
};

const WORKER: &str = "delivery-test";

/// Queues the friendly reminder and claims its outbox row for [`WORKER`].
async fn queue_and_claim(h: &Harness) -> vahti_store::ids::OutboxId {
    let moved = h
        .post(
            "/v1/admin/clock",
            ADMIN_TOKEN,
            json!({"set": "2026-03-06T06:00:00Z", "wait": false}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(vahti_daemon::scheduler::run_once(&h.app).await, 1);
    let now = h.app.now();
    let rows = h
        .app
        .write(move |tx| {
            Ok(outbox::claim_due(
                tx,
                now,
                10,
                WORKER,
                TimeDelta::minutes(5),
            )?)
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "one email is queued");
    rows[0].id
}

/// Runs [`delivery::prepare`] in a read-only or a write transaction.
async fn prepare(h: &Harness, outbox_id: vahti_store::ids::OutboxId, access: Access) -> Prepared {
    let links = LinkSettings::from_config(h.app.config());
    let now = h.app.now();
    let work = move |tx: &mut vahti_store::Tx<'_>| {
        let row = outbox::get(tx, outbox_id)?;
        delivery::prepare(tx, &row, WORKER, "example.fi", &links, now, access)
    };
    match access {
        Access::ReadOnly => h.app.read(work).await.unwrap(),
        Access::ReadWrite => h.app.write(work).await.unwrap(),
    }
}

async fn link_count(h: &Harness, account: vahti_domain::ids::AccountId) -> usize {
    h.app
        .read(move |tx| Ok(links_for_account(tx, account)?.len()))
        .await
        .unwrap()
}

crate::api_test! {
    fn read_only_check_leaves_storing_link_to_outcome(h) {
        let (tenant, _) = h.tenant("Acme Oy").await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        let outbox_id = queue_and_claim(&h).await;

        let Prepared::Send(ready) = prepare(&h, outbox_id, Access::ReadOnly).await else {
            panic!("an email with nothing settled is sent");
        };
        let url = ready.content.dispute.self_service_url.clone().unwrap_or_else(|| panic!("the default policy offers the page"));
        assert!(url.contains("/s/"), "{url}");
        assert!(ready.link.is_some(), "the link waits for the outcome");
        assert_eq!(link_count(&h, account).await, 0, "a read-only check stores no link");
        let token = url.rsplit('/').next().unwrap().to_owned();
        let lookup = token.clone();
        let before = h.app.read(move |tx| Ok(find_link(tx, &lookup)?)).await.unwrap();
        assert!(before.is_none(), "the link opens nothing before the email is recorded as sent");

        let model = delivery::render_model(ready.content.clone()).unwrap();
        assert_eq!(model.dispute().self_service_url.as_deref(), Some(url.as_str()));
        let now = h.app.now();
        let link = ready.link.clone();
        h.app
            .write(move |tx| {
                let row = outbox::get(tx, outbox_id)?;
                delivery::record_sent(tx, &row, WORKER, None, "<m@example.fi>", link.as_ref(), now)
            })
            .await
            .unwrap();
        assert_eq!(link_count(&h, account).await, 1);
        let stored = h.app.read(move |tx| Ok(find_link(tx, &token)?)).await.unwrap();
        let stored = stored.unwrap_or_else(|| panic!("the link in the email opens the page once recorded"));
        assert_eq!(stored.account_id, account);
    }

    fn write_check_stores_link_at_once(h) {
        let (tenant, _) = h.tenant("Acme Oy").await;
        let (account, _) = h.store_account(tenant, "C-1", &[OVERDUE]).await;
        let outbox_id = queue_and_claim(&h).await;

        let Prepared::Send(written) = prepare(&h, outbox_id, Access::ReadWrite).await else {
            panic!("an email with nothing settled is sent");
        };
        assert!(written.link.is_none(), "a write transaction stores the link itself");
        assert!(written.content.dispute.self_service_url.is_some());
        assert_eq!(link_count(&h, account).await, 1);
    }

    fn read_only_check_defers_cancelling(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        h.store_account(tenant, "C-1", &[OVERDUE]).await;
        let outbox_id = queue_and_claim(&h).await;
        let opened = h.post("/v1/invoices/INV-1/disputes", &token, json!({"reason": "Not ordered"})).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
        let before = h.event_types(&token).await;

        assert!(matches!(prepare(&h, outbox_id, Access::ReadOnly).await, Prepared::NeedsWrites));
        assert_eq!(h.event_types(&token).await, before, "a read-only check writes no event");
        let row = h.app.read(move |tx| Ok(outbox::get(tx, outbox_id)?)).await.unwrap();
        assert_eq!(row.state, outbox::OutboxState::Sending, "the row is still claimed");

        assert!(matches!(prepare(&h, outbox_id, Access::ReadWrite).await, Prepared::Cancelled));
        let types = h.event_types(&token).await;
        assert!(types.contains(&"email_cancelled".to_owned()), "{types:?}");
    }
}
