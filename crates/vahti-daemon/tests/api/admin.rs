use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::ADMIN_TOKEN;

crate::api_test! {
    fn tenant_create_and_read(h) {
        let (id, token) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        assert!(token.starts_with("vahti_"), "{token}");

        let reply = h.get(&format!("/v1/tenants/{id}"), ADMIN_TOKEN).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["name"], "Kuusimäen Kahvipaahtimo Oy");
        assert_eq!(reply.body["iban"], "FI5057234000204518");
        assert_eq!(reply.body["active"], true);

        let list = h.get("/v1/tenants", ADMIN_TOKEN).await;
        assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    }

    fn tenant_address_reads_back(h) {
        let contact = json!({
            "address_lines": ["Paahtimonkuja 4"],
            "postal_code": "33470",
            "city": "Ylöjärvi",
            "country": "FI",
            "phone": "+358 40 123 4567"
        });
        let created = h
            .post("/v1/tenants", ADMIN_TOKEN, json!({"name": "Acme Oy", "contact": contact}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let id = created.body["tenant"]["id"].as_i64().unwrap();
        assert_eq!(created.body["tenant"]["contact"], contact);
        assert_eq!(created.body["token"]["name"], "default");

        let read = h.get(&format!("/v1/tenants/{id}"), ADMIN_TOKEN).await;
        assert_eq!(read.body["contact"], contact);

        let moved = json!({"address_lines": ["Storgatan 1"], "postal_code": "111 22",
            "city": "Stockholm", "country": "SE"});
        let patched = h
            .patch(&format!("/v1/tenants/{id}"), ADMIN_TOKEN, json!({"contact": moved}))
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.text);
        assert_eq!(patched.body["contact"]["city"], "Stockholm");
        assert_eq!(patched.body["contact"]["country"], "SE");
        assert_eq!(patched.body["contact"]["address_lines"], json!(["Storgatan 1"]));
    }

    fn tenant_endpoints_need_admin(h) {
        let (_, token) = h.tenant("Acme Oy").await;

        let missing = h.call(Method::GET, "/v1/tenants", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
        assert_eq!(missing.code(), "unauthorized");

        let tenant_token = h.get("/v1/tenants", &token).await;
        assert_eq!(tenant_token.status, StatusCode::FORBIDDEN);
        assert_eq!(tenant_token.code(), "forbidden");

        let wrong = h.get("/v1/tenants", "not-the-admin-token").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }

    fn tenant_validation_names_field(h) {
        let reply = h
            .post("/v1/tenants", ADMIN_TOKEN, json!({"name": "Acme", "iban": "FI00 1234"}))
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reply.text);
        assert_eq!(reply.body["error"]["field"], "iban");

        let zone = h
            .post("/v1/tenants", ADMIN_TOKEN, json!({"name": "Acme", "time_zone": "Mars/Olympus_Mons"}))
            .await;
        assert_eq!(zone.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", zone.text);
        assert_eq!(zone.code(), "time_zone_unknown");

        let unknown = h
            .post("/v1/tenants", ADMIN_TOKEN, json!({"name": "Acme", "colour": "blue"}))
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
        assert_eq!(unknown.body["error"]["field"], "colour");
    }

    fn tenant_update_and_disable(h) {
        let (id, token) = h.tenant("Acme Oy").await;
        let reply = h
            .call(
                Method::PATCH,
                &format!("/v1/tenants/{id}"),
                Some(ADMIN_TOKEN),
                Some(json!({"bic": null, "active": false})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["bic"], serde_json::Value::Null);
        assert_eq!(reply.body["active"], false);

        let refused = vahti_daemon::http::auth::authenticate_tenant(&h.app, &token)
            .await
            .unwrap_err();
        assert_eq!(refused.status().as_u16(), 403);
        assert_eq!(refused.code(), "tenant_inactive");
    }

    fn clock_moves_only_forward(h) {
        let now = h.get("/v1/admin/clock", ADMIN_TOKEN).await;
        assert_eq!(now.body["now"], "2026-03-02T07:00:00Z");
        assert_eq!(now.body["manual"], true);

        h.advance_days(1).await;
        let later = h.get("/v1/admin/clock", ADMIN_TOKEN).await;
        assert_eq!(later.body["now"], "2026-03-03T07:00:00Z");

        let back = h
            .post("/v1/admin/clock", ADMIN_TOKEN, json!({"set": "2026-03-01T00:00:00Z"}))
            .await;
        assert_eq!(back.status, StatusCode::CONFLICT, "{}", back.text);
        assert_eq!(back.code(), "clock_backwards");
    }

    fn tenant_decodes_as_wire_type(h) {
        let (id, _) = h.tenant("Acme Oy").await;
        let reply = h.get(&format!("/v1/tenants/{id}"), ADMIN_TOKEN).await;
        let tenant: vahti_api::Tenant = reply.json();
        assert_eq!(tenant.id, id);
        assert_eq!(tenant.business_id.as_deref(), Some("3958213-2"));

        let wrong_method = h.put(&format!("/v1/tenants/{id}"), ADMIN_TOKEN, json!({})).await;
        assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED, "{}", wrong_method.text);
        assert!(h.emails().is_empty());
        h.stop().await;
    }

    fn health_and_metrics(h) {
        let ready = h.call(Method::GET, "/readyz", None, None).await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(ready.body["status"], "ok");

        let metrics = h.call(Method::GET, "/metrics", None, None).await;
        assert!(metrics.text.contains("vahti_http_requests_total"), "{}", metrics.text);

        let unknown = h.call(Method::GET, "/v1/nothing-here", None, None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.code(), "route_not_found");
    }
}
