use reqwest::{Method, StatusCode};
use serde_json::json;

crate::api_test! {
    fn token_created_listed_revoked(h) {
        let (_, first) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;

        let created = h.post("/v1/tokens", &first, json!({"name": "billing-prod"})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let token: vahti_api::CreatedToken = created.json();
        assert!(token.token.starts_with("vahti_"), "{}", token.token);
        assert!(token.token.starts_with(&token.prefix), "{}", token.prefix);
        assert_eq!(token.name, "billing-prod");

        let listed = h.get("/v1/tokens", &token.token).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
        let page: vahti_api::Page<vahti_api::ApiToken> = listed.json();
        assert_eq!(page.items.len(), 2);
        assert!(!listed.text.contains(&token.token), "a listing must not show secrets");

        let revoked = h
            .call(Method::DELETE, &format!("/v1/tokens/{}", token.id), Some(&first), None)
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
        let revoked: vahti_api::ApiToken = revoked.json();
        assert_eq!(revoked.revoked_at, Some(h.app.now()));

        let refused = h.get("/v1/tokens", &token.token).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
        let still = h.get("/v1/tokens", &first).await;
        assert_eq!(still.status, StatusCode::OK, "{}", still.text);
    }

    fn token_name_validated(h) {
        let (_, token) = h.tenant("Acme Oy").await;

        let empty = h.post("/v1/tokens", &token, json!({"name": "  "})).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", empty.text);
        assert_eq!(empty.code(), "value_invalid");
        assert_eq!(empty.body["error"]["field"], "name");

        let long = h.post("/v1/tokens", &token, json!({"name": "x".repeat(101)})).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", long.text);

        let unknown = h.post("/v1/tokens", &token, json!({"name": "a", "scope": "all"})).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
        assert_eq!(unknown.body["error"]["field"], "scope");
    }

    fn token_endpoints_need_token(h) {
        let missing = h.call(Method::GET, "/v1/tokens", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", missing.text);
        assert_eq!(missing.code(), "unauthorized");

        let wrong = h
            .post("/v1/tokens", "vahti_0000000000000000000000000000000000000000", json!({"name": "a"}))
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.text);

        let admin = h.get("/v1/tokens", crate::support::ADMIN_TOKEN).await;
        assert_eq!(admin.status, StatusCode::UNAUTHORIZED, "{}", admin.text);
    }

    fn token_of_other_tenant_not_found(h) {
        let (_, first) = h.tenant("Acme Oy").await;
        let (_, second) = h.tenant("Beta Oy").await;
        let created: vahti_api::CreatedToken =
            h.post("/v1/tokens", &first, json!({"name": "erp"})).await.json();

        let foreign = h
            .call(Method::DELETE, &format!("/v1/tokens/{}", created.id), Some(&second), None)
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.text);
        assert_eq!(foreign.code(), "token_not_found");

        let alive = h.get("/v1/tokens", &created.token).await;
        assert_eq!(alive.status, StatusCode::OK, "{}", alive.text);

        let listed: vahti_api::Page<vahti_api::ApiToken> = h.get("/v1/tokens", &second).await.json();
        assert_eq!(listed.items.len(), 1);

        let not_a_number = h
            .call(Method::DELETE, "/v1/tokens/abc", Some(&first), None)
            .await;
        assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST, "{}", not_a_number.text);
    }

    fn token_list_pages(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        for name in ["a", "b", "c"] {
            let reply = h.post("/v1/tokens", &token, json!({"name": name})).await;
            assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        }

        let first: vahti_api::Page<vahti_api::ApiToken> = h.get("/v1/tokens?limit=3", &token).await.json();
        assert_eq!(first.items.len(), 3);
        let cursor = first.next_cursor.clone().unwrap();
        let second: vahti_api::Page<vahti_api::ApiToken> =
            h.get(&format!("/v1/tokens?limit=3&cursor={cursor}"), &token).await.json();
        assert_eq!(second.items.len(), 1);
        assert_eq!(second.next_cursor, None);
        assert_eq!(second.items[0].name, "c");

        let bad_limit = h.get("/v1/tokens?limit=0", &token).await;
        assert_eq!(bad_limit.status, StatusCode::BAD_REQUEST, "{}", bad_limit.text);
        assert_eq!(bad_limit.code(), "limit_out_of_range");
        let bad_cursor = h.get("/v1/tokens?cursor=zz", &token).await;
        assert_eq!(bad_cursor.status, StatusCode::BAD_REQUEST, "{}", bad_cursor.text);
        assert_eq!(bad_cursor.code(), "cursor_invalid");
    }
}
