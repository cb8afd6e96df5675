//! The debtor's self-service page under `/s/` and the tenant's self-service endpoints.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use vahti_domain::ids::{AccountId, InvoiceId};
use vahti_domain::policy::{Policy, SelfServiceApproval};
use vahti_store::holds;
use vahti_store::invoices;

use crate::support::{Harness, StoredInvoice};

/// The overdue invoice: due 2026-02-10, three weeks before the clock starts.
const OVERDUE: &str = "INV-1";

/// The invoice that is not due yet: due 2026-03-20.
const CURRENT: &str = "INV-2";

/// A debtor with a link to their page.
struct Debtor {
    tenant: i64,
    token: String,
    account: AccountId,
    invoices: Vec<InvoiceId>,
    /// The page's path, `/s/` and the link's token.
    path: String,
}

/// A page as the browser gets it.
#[derive(Debug)]
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> String {
        self.headers
            .get("location")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

/// Creates a tenant with a consumer account of two invoices and issues a link to its page.
async fn new_debtor(h: &Harness, name: &str, account: &str) -> Debtor {
    let (tenant, token) = h.tenant(name).await;
    let (account_id, invoices) = h
        .store_account(
            tenant,
            account,
            &[
                StoredInvoice {
                    external_id: &format!("{account}-{OVERDUE}"),
                    amount: "100.00",
                    due: "2026-02-10",
                },
                StoredInvoice {
                    external_id: &format!("{account}-{CURRENT}"),
                    amount: "50.00",
                    due: "2026-03-20",
                },
            ],
        )
        .await;
    let path = link(h, &token, account, false).await;
    Debtor {
        tenant,
        token,
        account: account_id,
        invoices,
        path,
    }
}

/// Issues a link through the API and returns its path.
async fn link(h: &Harness, token: &str, account: &str, revoke_others: bool) -> String {
    let reply = h
        .post(
            &format!("/v1/accounts/{account}/self-service/links"),
            token,
            json!({"revoke_others": revoke_others}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let url = reqwest::Url::parse(reply.body["url"].as_str().unwrap()).unwrap();
    url.path().to_owned()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(h: &Harness, path: &str) -> Page {
    let response = browser()
        .get(format!("{}{path}", h.base))
        .send()
        .await
        .unwrap();
    page_of(response).await
}

async fn post(h: &Harness, path: &str, fields: &[(&str, &str)]) -> Page {
    let response = browser()
        .post(format!("{}{path}", h.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).unwrap())
        .send()
        .await
        .unwrap();
    page_of(response).await
}

async fn page_of(response: reqwest::Response) -> Page {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap();
    Page {
        status,
        headers,
        body,
    }
}

/// The form token of a form page.
fn csrf(page: &Page) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page
        .body
        .find(marker)
        .unwrap_or_else(|| panic!("no form token in {}", page.body))
        + marker.len();
    let end = start + page.body[start..].find('"').unwrap();
    page.body[start..end].to_owned()
}

/// Opens a form and returns its token.
async fn form_token(h: &Harness, debtor: &Debtor, form: &str) -> String {
    let page = get(h, &format!("{}/{form}", debtor.path)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    csrf(&page)
}

/// Checks the security headers every page response carries.
fn assert_secure(page: &Page) {
    let header = |name: &str| {
        page.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_else(|| panic!("{name} missing on a {} response", page.status))
            .to_owned()
    };
    let policy = header("content-security-policy");
    for directive in [
        "default-src 'none'",
        "img-src 'self' data:",
        "style-src 'nonce-",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive} missing in {policy}"
        );
    }
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("cache-control"), "no-store");
    if page.status != StatusCode::SEE_OTHER {
        assert!(
            header("content-type").starts_with("text/html"),
            "{}",
            header("content-type")
        );
    }
}

/// The nonce the policy of a page names, which its style element must carry.
fn nonce(page: &Page) -> String {
    let policy = page.headers["content-security-policy"].to_str().unwrap();
    let start = policy.find("'nonce-").unwrap() + "'nonce-".len();
    let end = start + policy[start..].find('\'').unwrap();
    policy[start..end].to_owned()
}

async fn set_policy(h: &Harness, token: &str, change: impl FnOnce(&mut Policy)) {
    let mut policy = Policy::default_consumer();
    change(&mut policy);
    let reply = h
        .put(
            "/v1/policies/default-consumer",
            token,
            json!({"policy": policy}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

async fn invoice(h: &Harness, id: InvoiceId) -> invoices::Invoice {
    h.app
        .read(move |tx| Ok(invoices::get(tx, id)?))
        .await
        .unwrap()
}

async fn requests(h: &Harness, token: &str) -> Vec<Value> {
    let reply = h.get("/v1/self-service/requests", token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"].as_array().unwrap().clone()
}

async fn events_of(h: &Harness, tenant: i64, kind: &str) -> Vec<Value> {
    h.events(tenant)
        .await
        .into_iter()
        .filter(|event| event.kind == kind)
        .map(|event| event.payload)
        .collect()
}

fn id(value: InvoiceId) -> String {
    value.0.to_string()
}

crate::api_test! {
    fn overview_shows_invoices_and_codes(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let page = get(&h, &debtor.path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_secure(&page);
        assert!(page.body.contains("<html lang=\"fi\">"));
        assert!(page.body.contains("name=\"viewport\""));
        assert!(page.body.contains(&format!("<style nonce=\"{}\">", nonce(&page))));
        assert!(page.body.contains("C-1-INV-1"));
        assert!(page.body.contains("C-1-INV-2"));
        assert!(page.body.contains("Erääntynyt"));
        assert!(page.body.contains("FI50 5723 4000 2045 18"), "the creditor's IBAN");
        assert!(page.body.contains("OKOYFIHH"));
        assert!(page.body.contains("data:image/png;base64,"), "the EPC QR code is inline");
        assert!(page.body.contains("class=\"digits\""), "the barcode is selectable text");
        assert!(!page.body.contains("src=\"http"), "nothing is loaded from other hosts");
        // No step has claimed penalty interest yet, so none is owed.
        assert!(page.body.contains("0,00\u{a0}€"), "interest to date");
        assert!(page.body.contains("150,00\u{a0}€"), "the total of both invoices");

        let viewed = events_of(&h, debtor.tenant, "self_service_viewed").await;
        assert_eq!(viewed.len(), 1);
        assert_eq!(viewed[0]["page"], "overview");
        let raw = serde_json::to_string(&h.events(debtor.tenant).await.iter().map(|event| &event.payload).collect::<Vec<_>>()).unwrap();
        let token = debtor.path.trim_start_matches("/s/");
        assert!(!raw.contains(token), "no event carries the link's token");
    }

    fn language_switch_keeps_language(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let swedish = get(&h, &format!("{}?lang=sv", debtor.path)).await;
        assert!(swedish.body.contains("<html lang=\"sv\">"));
        assert!(swedish.body.contains("Dina öppna fakturor"));
        assert!(swedish.body.contains(&format!("href=\"{}/dispute?lang=sv\"", debtor.path)));
        let english = get(&h, &format!("{}/promise?lang=en", debtor.path)).await;
        assert!(english.body.contains("Promise to pay"));
        assert!(english.body.contains("name=\"lang\" value=\"en\""), "the form keeps the language");
        let unknown = get(&h, &format!("{}?lang=de", debtor.path)).await;
        assert!(unknown.body.contains("<html lang=\"fi\">"), "the account's language");
    }

    fn dispute_pauses_escalation(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let csrf = form_token(&h, &debtor, "dispute").await;
        let invoice_id = id(debtor.invoices[0]);
        let sent = post(&h, &format!("{}/dispute", debtor.path), &[
            ("csrf", &csrf), ("lang", "en"), ("invoice", &invoice_id), ("reason", "The coffee never arrived."),
        ]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        assert_secure(&sent);
        assert!(sent.location().starts_with(&format!("{}/requests/", debtor.path)), "{}", sent.location());

        let outcome = get(&h, &sent.location()).await;
        assert_eq!(outcome.status, StatusCode::OK);
        assert!(outcome.body.contains("We have received your dispute"), "{}", outcome.body);

        assert!(invoice(&h, debtor.invoices[0]).await.disputed);
        let listed = requests(&h, &debtor.token).await;
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["kind"], "dispute");
        assert_eq!(listed[0]["state"], "applied");
        assert_eq!(listed[0]["invoices"], json!(["C-1-INV-1"]));
        let request_events = events_of(&h, debtor.tenant, "self_service_request").await;
        assert_eq!(request_events.len(), 1);
        assert!(request_events[0].get("reason").is_none(), "the debtor's words stay out of events");
        assert_eq!(events_of(&h, debtor.tenant, "dispute_opened").await.len(), 1);

        h.advance_days(30).await;
        assert!(h.emails().iter().all(|email| !email.contains("C-1-INV-1")), "no reminder of the disputed invoice");
    }

    fn dispute_refusals(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let other = new_debtor(&h, "Toinen Oy", "C-9").await;
        let path = format!("{}/dispute", debtor.path);
        let csrf = form_token(&h, &debtor, "dispute").await;
        let invoice_id = id(debtor.invoices[0]);

        for (name, token) in [("missing", String::new()), ("wrong", "1.00ff".to_owned()), ("other link", form_token(&h, &other, "dispute").await), ("other form", form_token(&h, &debtor, "promise").await)] {
            let refused = post(&h, &path, &[("csrf", &token), ("invoice", &invoice_id), ("reason", "Wrong amount")]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name}");
            assert_secure(&refused);
            assert!(refused.body.contains("Lomake on vanhentunut"), "{name}");
        }

        let foreign = post(&h, &path, &[("csrf", &csrf), ("invoice", &id(other.invoices[0])), ("reason", "Wrong amount")]).await;
        assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(foreign.body.contains("Valitse lasku luettelosta"));
        assert!(!invoice(&h, other.invoices[0]).await.disputed, "another tenant's invoice is untouched");

        let empty = post(&h, &path, &[("csrf", &csrf), ("invoice", &invoice_id), ("reason", "  ")]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.body.contains("Kirjoita lyhyt perustelu"));
        assert!(empty.body.contains("aria-invalid=\"true\""));

        assert!(!invoice(&h, debtor.invoices[0]).await.disputed);
        assert!(requests(&h, &debtor.token).await.is_empty());
        let refusals: Vec<Value> = events_of(&h, debtor.tenant, "self_service_viewed").await.into_iter().filter(|payload| payload.get("refused").is_some()).collect();
        assert!(refusals.iter().any(|payload| payload["refused"] == "form_token_invalid"));
        assert!(refusals.iter().any(|payload| payload["refused"] == "self_service_invoice_not_found"));
    }

    fn promise_within_policy(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let path = format!("{}/promise", debtor.path);
        let csrf = form_token(&h, &debtor, "promise").await;
        let invoice_id = id(debtor.invoices[0]);

        let too_far = post(&h, &path, &[("csrf", &csrf), ("invoice", &invoice_id), ("pay_by", "2026-03-17")]).await;
        assert_eq!(too_far.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_far.body.contains("Valitse päivä väliltä 2.3.2026–16.3.2026"), "{}", too_far.body);
        let unreadable = post(&h, &path, &[("csrf", &csrf), ("invoice", &invoice_id), ("pay_by", "soon")]).await;
        assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);

        let made = post(&h, &path, &[("csrf", &csrf), ("invoice", &invoice_id), ("pay_by", "16.3.2026")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        assert_eq!(invoice(&h, debtor.invoices[0]).await.promised_until, Some(crate::support::date("2026-03-16")));
        let listed = requests(&h, &debtor.token).await;
        assert_eq!(listed[0]["kind"], "promise");
        assert_eq!(listed[0]["details"]["pay_by"], "2026-03-16");
        let outcome = get(&h, &made.location()).await;
        assert!(outcome.body.contains("Kiitos maksulupauksesta"));
    }

    fn plan_auto_within_limits(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        set_policy(&h, &debtor.token, |policy| {
            policy.self_service.approval = SelfServiceApproval::Auto;
            policy.self_service.plan.max_instalments = 3;
            policy.self_service.plan.fee = rust_decimal::Decimal::new(500, 2);
        }).await;
        let path = format!("{}/plan", debtor.path);
        let csrf = form_token(&h, &debtor, "plan").await;

        let too_many = post(&h, &path, &[("csrf", &csrf), ("instalments", "4"), ("first_due_date", "2026-03-16")]).await;
        assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_many.body.contains("Valitse erien määrä"));
        let late_start = post(&h, &path, &[("csrf", &csrf), ("instalments", "3"), ("first_due_date", "2026-04-02")]).await;
        assert_eq!(late_start.status, StatusCode::UNPROCESSABLE_ENTITY);

        let made = post(&h, &path, &[("csrf", &csrf), ("instalments", "3"), ("first_due_date", "2026-03-16")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let plans = h.app.read({ let account = debtor.account; move |tx| Ok(holds::plans_for_account(tx, account)?) }).await.unwrap();
        assert_eq!(plans.len(), 1);
        let listed = requests(&h, &debtor.token).await;
        assert_eq!(listed[0]["state"], "applied");
        assert!(listed[0]["details"]["plan_id"].is_i64());
        // 150.00 owed today plus the 5.00 fee.
        assert_eq!(listed[0]["details"]["total"], "155.00");
        assert_eq!(events_of(&h, debtor.tenant, "payment_plan_created").await.len(), 1);
        let form = get(&h, &debtor.path).await;
        assert!(!form.body.contains("/plan?lang"), "no second plan while one is active");
    }

    fn plan_waits_for_creditor(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let csrf = form_token(&h, &debtor, "plan").await;
        let made = post(&h, &format!("{}/plan", debtor.path), &[("csrf", &csrf), ("instalments", "2"), ("first_due_date", "2026-03-20")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let outcome = get(&h, &made.location()).await;
        assert!(outcome.body.contains("Pyyntösi on vastaanotettu"), "{}", outcome.body);

        let pending = h.get("/v1/self-service/requests?state=pending", &debtor.token).await;
        let items = pending.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["kind"], "payment_plan");
        let request_id = items[0]["id"].as_i64().unwrap();

        let approved = h.post(&format!("/v1/self-service/requests/{request_id}/approve"), &debtor.token, json!({"note": "Sopii hyvin."})).await;
        assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
        assert_eq!(approved.body["state"], "approved");
        assert!(approved.body["details"]["plan_id"].is_i64());
        let again = h.post(&format!("/v1/self-service/requests/{request_id}/reject"), &debtor.token, json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(again.code(), "self_service_request_decided");

        let later = get(&h, &made.location()).await;
        assert!(later.body.contains("Maksusuunnitelma on voimassa"));
        assert!(later.body.contains("Sopii hyvin."), "the creditor's note");
        assert_eq!(events_of(&h, debtor.tenant, "self_service_request_decided").await.len(), 1);
    }

    fn extension_rejected_by_creditor(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let path = format!("{}/extension", debtor.path);
        let csrf = form_token(&h, &debtor, "extension").await;
        let invoice_id = id(debtor.invoices[1]);

        // INV-2 is due 2026-03-20, so the policy's 14 days reach 2026-04-03.
        let too_long = post(&h, &path, &[("csrf", &csrf), ("invoice", &invoice_id), ("new_due_date", "2026-04-04")]).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(too_long.body.contains("3.4.2026"), "{}", too_long.body);

        let asked = post(&h, &path, &[("csrf", &csrf), ("invoice", &invoice_id), ("new_due_date", "2026-04-03")]).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);
        let request_id = requests(&h, &debtor.token).await[0]["id"].as_i64().unwrap();
        let rejected = h.post(&format!("/v1/self-service/requests/{request_id}/reject"), &debtor.token, json!({"note": "Maksathan eräpäivänä."})).await;
        assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
        assert_eq!(rejected.body["state"], "rejected");
        assert_eq!(invoice(&h, debtor.invoices[1]).await.paused_until, None);
        let outcome = get(&h, &asked.location()).await;
        assert!(outcome.body.contains("ei hyväksynyt pyyntöäsi"), "{}", outcome.body);
        assert!(outcome.body.contains("Maksathan eräpäivänä."));
    }

    fn extension_auto_pauses_invoice(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        set_policy(&h, &debtor.token, |policy| policy.self_service.approval = SelfServiceApproval::Auto).await;
        let csrf = form_token(&h, &debtor, "extension").await;
        let made = post(&h, &format!("{}/extension", debtor.path), &[("csrf", &csrf), ("invoice", &id(debtor.invoices[0])), ("new_due_date", "2026-03-16")]).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        assert_eq!(invoice(&h, debtor.invoices[0]).await.paused_until, Some(crate::support::date("2026-03-16")));
        assert_eq!(requests(&h, &debtor.token).await[0]["state"], "applied");
    }

    fn email_corrected(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let path = format!("{}/email", debtor.path);
        let csrf = form_token(&h, &debtor, "email").await;
        let invalid = post(&h, &path, &[("csrf", &csrf), ("email", "matti at example")]).await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(invalid.body.contains("Tarkista sähköpostiosoite"));

        let changed = post(&h, &path, &[("csrf", &csrf), ("email", "matti.uusi@example.fi")]).await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        let account = h.app.read({ let id = debtor.account; move |tx| Ok(vahti_store::accounts::get(tx, id)?) }).await.unwrap();
        assert_eq!(account.emails, vec!["matti.uusi@example.fi".to_owned()]);
        let raw = serde_json::to_string(&h.events(debtor.tenant).await.iter().map(|event| &event.payload).collect::<Vec<_>>()).unwrap();
        assert!(!raw.contains("matti.uusi"), "no event carries the address");
        assert_eq!(requests(&h, &debtor.token).await[0]["kind"], "email_change");
    }

    fn closed_links_look_alike(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let unknown = get(&h, "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
        let malformed = get(&h, "/s/not-a-token").await;
        let fresh = link(&h, &debtor.token, "C-1", true).await;
        let revoked = get(&h, &debtor.path).await;
        for page in [&unknown, &malformed, &revoked] {
            assert_eq!(page.status, StatusCode::NOT_FOUND);
            assert_secure(page);
            assert!(page.body.contains("Linkki ei ole voimassa"));
        }
        assert!(!unknown.body.contains("asiakaspalvelu@kahvi.example.fi"), "no contact for an unknown link");
        assert!(revoked.body.contains("asiakaspalvelu@kahvi.example.fi"), "the creditor's contact for a known link");
        assert_eq!(get(&h, &fresh).await.status, StatusCode::OK, "the new link works");

        let revoked_post = post(&h, &format!("{}/dispute", debtor.path), &[("csrf", ""), ("invoice", &id(debtor.invoices[0])), ("reason", "x")]).await;
        assert_eq!(revoked_post.status, StatusCode::NOT_FOUND);
        assert!(!invoice(&h, debtor.invoices[0]).await.disputed);
    }

    fn links_expire(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        h.advance_days(60).await;
        let expired = get(&h, &debtor.path).await;
        assert_eq!(expired.status, StatusCode::NOT_FOUND);
        assert!(expired.body.contains("Linkki ei ole voimassa"));
        assert!(expired.body.contains("asiakaspalvelu@kahvi.example.fi"));
        let views = events_of(&h, debtor.tenant, "self_service_viewed").await;
        assert_eq!(views.last().unwrap()["page"], "closed");
    }

    fn revoke_endpoint(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let second = link(&h, &debtor.token, "C-1", false).await;
        assert_eq!(get(&h, &debtor.path).await.status, StatusCode::OK, "issuing a link keeps older ones");
        let revoked = h.post("/v1/accounts/C-1/self-service/revoke", &debtor.token, json!({})).await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        assert_eq!(revoked.body["revoked"], 2);
        assert_eq!(get(&h, &second).await.status, StatusCode::NOT_FOUND);
        assert_eq!(events_of(&h, debtor.tenant, "self_service_links_revoked").await.len(), 1);

        let (_, other_token) = h.tenant("Toinen Oy").await;
        let foreign = h.post("/v1/accounts/C-1/self-service/revoke", &other_token, json!({})).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(foreign.code(), "account_not_found");
        let foreign_link = h.post("/v1/accounts/C-1/self-service/links", &other_token, json!({})).await;
        assert_eq!(foreign_link.status, StatusCode::NOT_FOUND);
        let anonymous = h.call(Method::POST, "/v1/accounts/C-1/self-service/revoke", None, Some(json!({}))).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        let wrong = h.post("/v1/accounts/C-1/self-service/links", "vahti_wrong", json!({})).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let invalid = h.post("/v1/accounts/C-1/self-service/links", &debtor.token, json!({"revoke": true})).await;
        assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
        assert_eq!(invalid.body["error"]["field"], "revoke");
    }

    fn requests_endpoints(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let csrf = form_token(&h, &debtor, "dispute").await;
        post(&h, &format!("{}/dispute", debtor.path), &[("csrf", &csrf), ("invoice", &id(debtor.invoices[0])), ("reason", "Väärä summa")]).await;
        let request_id = requests(&h, &debtor.token).await[0]["id"].as_i64().unwrap();

        let read = h.get(&format!("/v1/self-service/requests/{request_id}"), &debtor.token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.body["account"], "C-1");
        assert_eq!(read.body["details"]["reason"], "Väärä summa");
        let not_pending = h.post(&format!("/v1/self-service/requests/{request_id}/approve"), &debtor.token, json!({})).await;
        assert_eq!(not_pending.status, StatusCode::CONFLICT);
        let paged = h.get("/v1/self-service/requests?limit=0", &debtor.token).await;
        assert_eq!(paged.status, StatusCode::BAD_REQUEST);
        let unknown_state = h.get("/v1/self-service/requests?state=lost", &debtor.token).await;
        assert_eq!(unknown_state.status, StatusCode::BAD_REQUEST);

        let (_, other_token) = h.tenant("Toinen Oy").await;
        let foreign = h.get(&format!("/v1/self-service/requests/{request_id}"), &other_token).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND);
        assert_eq!(foreign.code(), "self_service_request_not_found");
        let foreign_decision = h.post(&format!("/v1/self-service/requests/{request_id}/reject"), &other_token, json!({})).await;
        assert_eq!(foreign_decision.status, StatusCode::NOT_FOUND);
        assert!(requests(&h, &other_token).await.is_empty());
        let anonymous = h.call(Method::GET, "/v1/self-service/requests", None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

        let other = new_debtor(&h, "Kolmas Oy", "C-3").await;
        let foreign_page = get(&h, &format!("{}/requests/{request_id}", other.path)).await;
        assert_eq!(foreign_page.status, StatusCode::NOT_FOUND, "another account's request");
        assert_secure(&foreign_page);
    }

    fn reminder_email_carries_link(h) {
        let (tenant, _) = h.tenant("Kahvi Oy").await;
        h.store_account(tenant, "C-1", &[StoredInvoice { external_id: "INV-7", amount: "80.00", due: "2026-02-23" }]).await;
        h.advance_days(0).await;
        let emails = h.raw_emails();
        assert_eq!(emails.len(), 1);
        let message = mailparse::parse_mail(emails[0].as_bytes()).unwrap();
        let text = message.subparts.iter().flat_map(|part| std::iter::once(part).chain(part.subparts.iter())).filter(|part| part.ctype.mimetype == "text/plain").map(|part| part.get_body().unwrap()).next().unwrap();
        let start = text.find(&format!("{}/s/", h.base)).unwrap_or_else(|| panic!("the email has no link to the page"));
        let url = text[start..].split_whitespace().next().unwrap();
        let path = reqwest::Url::parse(url).unwrap().path().to_owned();
        let page = get(&h, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("INV-7"));
        let raw = serde_json::to_string(&h.events(tenant).await.iter().map(|event| &event.payload).collect::<Vec<_>>()).unwrap();
        assert!(!raw.contains(path.trim_start_matches("/s/")), "no event carries the token");
    }

    fn other_methods_and_paths(h) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let deleted = browser().delete(format!("{}{}", h.base, debtor.path)).send().await.unwrap();
        let deleted = page_of(deleted).await;
        assert_eq!(deleted.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_secure(&deleted);
        let nowhere = get(&h, &format!("{}/nowhere", debtor.path)).await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
        assert_secure(&nowhere);
    }
}

/// Runs a test on SQLite and PostgreSQL with further configuration variables.
macro_rules! configured_test {
    ($(fn $name:ident($h:ident, $settings:expr) $body:block)*) => {
        $(
            mod $name {
                use super::*;

                async fn body($h: Harness) $body

                #[test]
                fn sqlite() {
                    actix_rt::System::new().block_on(async {
                        body(Harness::start_with(vahti_testkit::Backend::Sqlite, $settings).await).await;
                    });
                }

                #[test]
                fn postgres() {
                    actix_rt::System::new().block_on(async {
                        body(Harness::start_with(vahti_testkit::Backend::Postgres, $settings).await).await;
                    });
                }
            }
        )*
    };
}

configured_test! {
    fn link_rate_limited(h, &[("VAHTI__SELF_SERVICE__LINK_REQUESTS_PER_MINUTE", "3")]) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        for _ in 0..3 {
            assert_eq!(get(&h, &debtor.path).await.status, StatusCode::OK);
        }
        let limited = get(&h, &format!("{}?lang=en", debtor.path)).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_secure(&limited);
        assert!(limited.headers.contains_key("retry-after"));
        assert!(limited.body.contains("Too many requests"));
        let other = new_debtor(&h, "Toinen Oy", "C-2").await;
        assert_eq!(get(&h, &other.path).await.status, StatusCode::OK, "another link has its own limit");
    }

    fn address_rate_limited(h, &[("VAHTI__SELF_SERVICE__ADDRESS_REQUESTS_PER_MINUTE", "2")]) {
        for index in 0..2 {
            let page = get(&h, &format!("/s/{}", "B".repeat(31) + &index.to_string())).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND);
        }
        let limited = get(&h, "/s/CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC").await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
        assert_secure(&limited);
    }

    fn link_lifetime_configured(h, &[("VAHTI__SELF_SERVICE__LINK_DAYS", "1")]) {
        let debtor = new_debtor(&h, "Kahvi Oy", "C-1").await;
        let reply = h.post("/v1/accounts/C-1/self-service/links", &debtor.token, json!({})).await;
        assert_eq!(reply.body["expires_at"], "2026-03-03T07:00:00Z");
        h.advance_days(1).await;
        assert_eq!(get(&h, &debtor.path).await.status, StatusCode::NOT_FOUND);
    }
}
