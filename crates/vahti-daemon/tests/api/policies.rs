use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Harness, StoredInvoice};

/// Reads the tenant's default consumer policy body, to change in a test.
async fn default_consumer(h: &Harness, token: &str) -> Value {
    let reply = h.get("/v1/policies/default-consumer", token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["policy"].clone()
}

crate::api_test! {
    fn policy_created_read_listed(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let mut body = default_consumer(&h, &token).await;
        body["name"] = json!("Consumer strict");

        let created = h.post("/v1/policies", &token, json!({"key": "consumer-strict", "policy": body})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        let policy: vahti_api::Policy = created.json();
        assert_eq!(policy.version, 1);
        assert_eq!(policy.policy["name"], "Consumer strict");
        assert_eq!(policy.versions.len(), 1);

        let read: vahti_api::Policy = h.get("/v1/policies/consumer-strict", &token).await.json();
        assert_eq!(read, policy);

        let page: vahti_api::Page<vahti_api::PolicySummary> = h.get("/v1/policies", &token).await.json();
        let keys: Vec<&str> = page.items.iter().map(|item| item.key.as_str()).collect();
        assert_eq!(keys, ["consumer-strict", "default-business", "default-consumer"]);

        let paged: vahti_api::Page<vahti_api::PolicySummary> = h.get("/v1/policies?limit=2", &token).await.json();
        let cursor = paged.next_cursor.unwrap();
        let rest: vahti_api::Page<vahti_api::PolicySummary> =
            h.get(&format!("/v1/policies?limit=2&cursor={cursor}"), &token).await.json();
        assert_eq!(rest.items.len(), 1);
        assert_eq!(rest.items[0].key, "default-consumer");

        let again = h.post("/v1/policies", &token, json!({"key": "consumer-strict", "policy": policy.policy})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
        assert_eq!(again.code(), "policy_exists");

        let types = h.event_types(&token).await;
        assert_eq!(types, ["policy_updated"]);
    }

    fn policy_violations_all_listed(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let mut body = default_consumer(&h, &token).await;
        body["steps"][1]["fee"]["fixed"] = json!("10.00");
        body["steps"][0]["offset_days"] = json!(0);

        let rejected = h.post("/v1/policies", &token, json!({"key": "too-dear", "policy": body})).await;
        assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", rejected.text);
        assert_eq!(rejected.code(), "policy_invalid");
        assert_eq!(rejected.body["error"]["field"], "policy.steps[0].offset_days");
        let message = rejected.body["error"]["message"].as_str().unwrap();
        assert!(message.contains("step_offset_zero"), "{message}");
        assert!(message.contains("steps[1].fee.fixed"), "{message}");

        let missing = h.get("/v1/policies/too-dear", &token).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
        assert_eq!(missing.code(), "policy_not_found");
    }

    fn policy_format_errors_name_field(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let mut body = default_consumer(&h, &token).await;
        body["colour"] = json!("blue");

        let unknown = h.post("/v1/policies", &token, json!({"key": "colourful", "policy": body})).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unknown.text);
        assert_eq!(unknown.body["error"]["field"], "policy.colour");

        let bad_key = h.post("/v1/policies", &token, json!({"key": "Bad Key", "policy": {}})).await;
        assert_eq!(bad_key.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_key.text);
        assert_eq!(bad_key.code(), "policy_key_invalid");
        assert_eq!(bad_key.body["error"]["field"], "key");

        let bad_path = h.get("/v1/policies/Bad%20Key", &token).await;
        assert_eq!(bad_path.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_path.text);
        assert_eq!(bad_path.code(), "policy_key_invalid");
    }

    fn policy_validated_offline(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let mut body = default_consumer(&h, &token).await;
        let valid = h.post("/v1/policies/validate", &token, json!({"policy": body.clone()})).await;
        assert_eq!(valid.status, StatusCode::OK, "{}", valid.text);
        assert_eq!(valid.body["valid"], true);

        body["steps"][1]["fee"]["fixed"] = json!("10.00");
        body["min_contact_interval_days"] = json!(90);
        let checked: vahti_api::PolicyValidation =
            h.post("/v1/policies/validate", &token, json!({"policy": body})).await.json();
        assert!(!checked.valid);
        let rules: Vec<&str> = checked.errors.iter().map(|issue| issue.rule.as_str()).collect();
        assert!(rules.contains(&"contact_interval_too_long"), "{rules:?}");
        let fee = checked.errors.iter().find(|issue| issue.step.is_some()).unwrap();
        assert_eq!(fee.step.as_deref(), Some("reminder"));
        assert_eq!(fee.field.as_deref(), Some("steps[1].fee.fixed"));

        let malformed: vahti_api::PolicyValidation =
            h.post("/v1/policies/validate", &token, json!({"policy": {"name": "x"}})).await.json();
        assert!(!malformed.valid);
        assert_eq!(malformed.errors[0].rule, "policy_format");

        let page: vahti_api::Page<vahti_api::PolicySummary> = h.get("/v1/policies", &token).await.json();
        assert_eq!(page.items.len(), 2);
        assert!(h.event_types(&token).await.is_empty());
    }

    fn policy_update_moves_wake_up(h) {
        let (tenant, token) = h.tenant("Acme Oy").await;
        let (account, _) = h
            .store_account(tenant, "C-1", &[StoredInvoice { external_id: "INV-1", amount: "100.00", due: "2026-02-27" }])
            .await;
        // Friendly reminder 7 days after the due date, at 08:00 in Helsinki.
        let before = h.next_action_at(account).await.unwrap();
        assert_eq!(before.to_rfc3339(), "2026-03-06T06:00:00+00:00");

        let mut body = default_consumer(&h, &token).await;
        body["steps"][0]["offset_days"] = json!(10);
        let updated = h.put("/v1/policies/default-consumer", &token, json!({"policy": body})).await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
        let policy: vahti_api::Policy = updated.json();
        assert_eq!(policy.version, 2);
        let versions: Vec<u32> = policy.versions.iter().map(|version| version.version).collect();
        assert_eq!(versions, [1, 2]);

        // 2026-03-09 is a Monday.
        let after = h.next_action_at(account).await.unwrap();
        assert_eq!(after.to_rfc3339(), "2026-03-09T06:00:00+00:00");
        assert_eq!(h.event_types(&token).await, ["policy_updated"]);

        h.advance_days(7).await;
        let emails = h.emails();
        assert_eq!(emails.len(), 1, "the reminder goes out on the new day");
    }

    fn policy_update_keeps_debtor_type(h) {
        let (_, token) = h.tenant("Acme Oy").await;
        let business = h.get("/v1/policies/default-business", &token).await.body["policy"].clone();
        let refused = h.put("/v1/policies/default-consumer", &token, json!({"policy": business})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
        assert_eq!(refused.body["error"]["field"], "policy.debtor_type");

        let missing = h.put("/v1/policies/nothing-here", &token, json!({"policy": business})).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
    }

    fn policy_of_other_tenant_not_found(h) {
        let (_, first) = h.tenant("Acme Oy").await;
        let (_, second) = h.tenant("Beta Oy").await;
        let body = default_consumer(&h, &first).await;
        let created = h.post("/v1/policies", &first, json!({"key": "acme-only", "policy": body.clone()})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);

        let read = h.get("/v1/policies/acme-only", &second).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{}", read.text);
        let write = h.put("/v1/policies/acme-only", &second, json!({"policy": body})).await;
        assert_eq!(write.status, StatusCode::NOT_FOUND, "{}", write.text);

        let missing = h.call(Method::GET, "/v1/policies", None, None).await;
        assert_eq!(missing.status, StatusCode::UNAUTHORIZED, "{}", missing.text);
        let validate = h.call(Method::POST, "/v1/policies/validate", None, Some(json!({"policy": {}}))).await;
        assert_eq!(validate.status, StatusCode::UNAUTHORIZED, "{}", validate.text);
    }
}
