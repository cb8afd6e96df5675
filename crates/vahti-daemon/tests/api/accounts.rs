use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{ADMIN_TOKEN, Harness};

/// Builds a consumer account body with one e-mail address.
pub fn consumer(name: &str) -> Value {
    json!({
        "name": name,
        "debtor_type": "consumer",
        "emails": ["maija.meikalainen@example.fi"],
        "contact": {"address_lines": ["Mokkapolku 5 A 3"], "postal_code": "33710", "city": "Tampere", "country": "FI"}
    })
}

/// Creates a consumer account and returns its wire form.
pub async fn create_account(h: &Harness, token: &str, external_id: &str) -> Value {
    let reply = h
        .put(
            &format!("/v1/accounts/{external_id}"),
            token,
            consumer("Maija Meikäläinen"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.body
}

crate::api_test! {
    fn account_create_update_read(h) {
        let (tenant_id, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        let created = create_account(&h, &token, "C-101").await;
        assert_eq!(created["external_id"], "C-101");
        assert_eq!(created["debtor_type"], "consumer");
        assert_eq!(created["locale"], "fi");
        assert_eq!(created["time_zone"], "Europe/Helsinki");
        assert_eq!(created["policy"], Value::Null);
        assert_eq!(created["effective_policy"], "default-consumer");
        assert_eq!(created["contact"]["city"], "Tampere");
        assert_eq!(created["next_action_at"], Value::Null);

        let mut changed = consumer("Maija Virtanen");
        changed["debtor_type"] = json!("business");
        changed["locale"] = json!("sv");
        changed["time_zone"] = json!("Europe/Stockholm");
        changed["policy"] = json!("default-business");
        let updated = h.put("/v1/accounts/C-101", &token, changed).await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
        assert_eq!(updated.body["id"], created["id"]);
        assert_eq!(updated.body["name"], "Maija Virtanen");
        assert_eq!(updated.body["policy"], "default-business");
        assert_eq!(updated.body["effective_policy"], "default-business");

        let read = h.get("/v1/accounts/C-101", &token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
        assert_eq!(read.body, updated.body);
        let account: vahti_api::Account = read.json();
        assert_eq!(account.locale, vahti_api::Locale::Sv);
        assert_eq!(account.time_zone, "Europe/Stockholm");

        let kinds = h.event_kinds(tenant_id).await;
        assert_eq!(kinds, vec!["account_updated", "account_updated"]);
        let events = h.events(tenant_id).await;
        assert_eq!(events[0].payload["created"], true);
        assert_eq!(events[1].payload["created"], false);
    }

    fn account_validation_names_field(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let cases = [
            ("emails", json!(["maija@example.fi", "not an address"]), "emails.1", "email_invalid"),
            ("time_zone", json!("Europe/Tampere"), "time_zone", "time_zone_unknown"),
            ("policy", json!("no-such-policy"), "policy", "value_invalid"),
            ("policy", json!("default-business"), "policy", "value_invalid"),
            ("policy", json!("Bad Key"), "policy", "policy_key_invalid"),
            ("electronic_demand_consent_until", json!("2027-03-03"), "electronic_demand_consent_until", "consent_too_long"),
            ("name", json!("  "), "name", "value_invalid"),
        ];
        for (field, value, named, code) in cases {
            let mut body = consumer("Maija Meikäläinen");
            body[field] = value.clone();
            let reply = h.put("/v1/accounts/C-1", &token, body).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field} {value}: {}", reply.text);
            assert_eq!(reply.body["error"]["field"], named, "{field} {value}");
            assert_eq!(reply.code(), code, "{field} {value}");
        }

        let mut body = consumer("Maija Meikäläinen");
        body["electronic_demand_consent_until"] = json!("2027-03-02");
        let within_year = h.put("/v1/accounts/C-1", &token, body).await;
        assert_eq!(within_year.status, StatusCode::CREATED, "{}", within_year.text);

        let mut body = consumer("Maija Meikäläinen");
        body["colour"] = json!("blue");
        let unknown = h.put("/v1/accounts/C-2", &token, body).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
        assert_eq!(unknown.body["error"]["field"], "colour");

        let mut body = consumer("Maija Meikäläinen");
        body["debtor_type"] = json!("government");
        let bad_type = h.put("/v1/accounts/C-2", &token, body).await;
        assert_eq!(bad_type.status, StatusCode::BAD_REQUEST, "{}", bad_type.text);

        let spaces = h.put("/v1/accounts/%20C-3", &token, consumer("Maija")).await;
        assert_eq!(spaces.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", spaces.text);
        assert_eq!(spaces.code(), "external_id_invalid");
    }

    fn account_endpoints_need_token(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        create_account(&h, &token, "C-1").await;
        for (method, path) in [
            (Method::GET, "/v1/accounts"),
            (Method::GET, "/v1/accounts/C-1"),
            (Method::PUT, "/v1/accounts/C-1"),
        ] {
            let missing = h.call(method.clone(), path, None, Some(consumer("Maija"))).await;
            assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            let wrong = h.call(method.clone(), path, Some("vahti_wrong"), Some(consumer("Maija"))).await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            let admin = h.call(method.clone(), path, Some(ADMIN_TOKEN), Some(consumer("Maija"))).await;
            assert_eq!(admin.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }

    fn account_of_other_tenant_hidden(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let (_, other) = h.tenant("Other Oy").await;
        create_account(&h, &token, "C-1").await;

        let read = h.get("/v1/accounts/C-1", &other).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text);
        assert_eq!(read.code(), "account_not_found");
        let list = h.get("/v1/accounts", &other).await;
        assert_eq!(list.body["items"], json!([]));

        let own = h.put("/v1/accounts/C-1", &other, consumer("Other Maija")).await;
        assert_eq!(own.status, StatusCode::CREATED, "{}", own.text);
        let first = h.get("/v1/accounts/C-1", &token).await;
        assert_eq!(first.body["name"], "Maija Meikäläinen");
    }

    fn account_list_pages(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        for external_id in ["C-1", "C-2", "C-3"] {
            create_account(&h, &token, external_id).await;
        }
        let first = h.get("/v1/accounts?limit=2", &token).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let page: vahti_api::Page<vahti_api::Account> = first.json();
        let names: Vec<_> = page.items.iter().map(|account| account.external_id.as_str()).collect();
        assert_eq!(names, vec!["C-1", "C-2"]);
        let cursor = page.next_cursor.unwrap();

        let second = h.get(&format!("/v1/accounts?limit=2&cursor={cursor}"), &token).await;
        let page: vahti_api::Page<vahti_api::Account> = second.json();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].external_id, "C-3");
        assert_eq!(page.next_cursor, None);

        let bad_cursor = h.get("/v1/accounts?cursor=17", &token).await;
        assert_eq!(bad_cursor.status, StatusCode::BAD_REQUEST, "{}", bad_cursor.text);
        assert_eq!(bad_cursor.code(), "cursor_invalid");
        let bad_limit = h.get("/v1/accounts?limit=0", &token).await;
        assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST, "{}", bad_limit.text);
        assert_eq!(bad_limit.code(), "limit_out_of_range");
    }

    fn account_id_may_hold_slash(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let created = h.put("/v1/accounts/C%2F2026%2F7", &token, consumer("Maija")).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        assert_eq!(created.body["external_id"], "C/2026/7");
        let read = h.get("/v1/accounts/C%2F2026%2F7", &token).await;
        assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    }
}
