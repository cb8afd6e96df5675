use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use vahti_api::paths;

use crate::support::Harness;

/// Every path of the API, from `vahti_api::paths`.
const ALL_PATHS: &[&str] = &[
    paths::TENANTS,
    paths::TENANT,
    paths::CLOCK,
    paths::CLUSTER,
    paths::TOKENS,
    paths::TOKEN,
    paths::POLICIES,
    paths::POLICY,
    paths::POLICY_VALIDATE,
    paths::ACCOUNTS,
    paths::ACCOUNT,
    paths::ACCOUNT_STATUS,
    paths::ACCOUNT_PAUSE,
    paths::ACCOUNT_RESUME,
    paths::ACCOUNT_PROMISES,
    paths::ACCOUNT_PAYMENT_PLANS,
    paths::ACCOUNT_REMIND,
    paths::ACCOUNT_SELF_SERVICE_LINKS,
    paths::ACCOUNT_SELF_SERVICE_REVOKE,
    paths::INVOICES,
    paths::INVOICE,
    paths::INVOICES_BATCH,
    paths::INVOICE_ISSUE,
    paths::INVOICE_CANCEL,
    paths::INVOICE_DUE_DATE,
    paths::INVOICE_DISPUTES,
    paths::PAYMENTS,
    paths::PAYMENT_REVERSE,
    paths::PAYMENT_MATCH,
    paths::IMPORT_INVOICES,
    paths::IMPORT_PAYMENTS,
    paths::DISPUTE_RESOLVE,
    paths::PAYMENT_PLAN_CANCEL,
    paths::PENDING_ACTIONS,
    paths::PENDING_ACTION,
    paths::PENDING_ACTION_APPROVE,
    paths::PENDING_ACTION_SKIP,
    paths::WEBHOOKS,
    paths::WEBHOOK,
    paths::WEBHOOK_SECRET_ROTATE,
    paths::WEBHOOK_DELIVERIES,
    paths::WEBHOOK_REDELIVER,
    paths::COLLECTION_PARTNER,
    paths::CASES,
    paths::CASE,
    paths::CASE_STATE,
    paths::CASE_RECALL,
    paths::SELF_SERVICE_REQUESTS,
    paths::SELF_SERVICE_REQUEST,
    paths::SELF_SERVICE_REQUEST_APPROVE,
    paths::SELF_SERVICE_REQUEST_REJECT,
    paths::EVENTS,
    paths::AGING_REPORT,
    paths::HEALTHZ,
    paths::READYZ,
    paths::METRICS,
    paths::OPENAPI,
];

/// The methods probed on every path.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn document() -> Value {
    serde_json::to_value(vahti_daemon::http::openapi::document()).unwrap()
}

/// Lists the (method, path template) of every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let document = document();
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method.to_lowercase()).is_some() {
                operations.insert((method.to_owned(), path.clone()));
            }
        }
    }
    operations
}

/// Fills each parameter of a path template with a value.
fn concrete(template: &str) -> String {
    template
        .replace("{id}", "1")
        .replace("{delivery_id}", "1")
        .replace("{external_id}", "X-1")
        .replace("{key}", "default-consumer")
}

/// Returns whether a concrete path matches a template, whose parameters match any one segment.
fn matches(template: &str, path: &str) -> bool {
    let templates: Vec<&str> = template.split('/').collect();
    let segments: Vec<&str> = path.split('/').collect();
    templates.len() == segments.len()
        && templates
            .iter()
            .zip(&segments)
            .all(|(expected, segment)| expected.starts_with('{') || expected == segment)
}

/// Lists the (method, path template) of every operation the server serves. It sends each method
/// to each known path without a token, and the server responds with `route_not_found` where no
/// route matches the path and `method_not_allowed` where the path takes other methods only. A response is put down to another documented template of the same method
/// when the path matches that one too, such as `GET /v1/policies/validate`, which reads the
/// policy with the key `validate`.
async fn served(
    h: &Harness,
    templates: &BTreeSet<String>,
    documented: &BTreeSet<(String, String)>,
) -> BTreeSet<(String, String)> {
    let mut operations = BTreeSet::new();
    for template in templates {
        let path = concrete(template);
        for method in METHODS {
            let taken = documented.iter().any(|(other_method, other)| {
                other_method == method && other != template && matches(other, &path)
            });
            if taken && !documented.contains(&(method.to_owned(), template.clone())) {
                continue;
            }
            let reply = h
                .call(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &path,
                    None,
                    Some(serde_json::json!({})),
                )
                .await;
            if !matches!(reply.code(), "route_not_found" | "method_not_allowed") {
                operations.insert((method.to_owned(), template.clone()));
            }
        }
    }
    operations
}

#[test]
fn openapi_document_snapshot() {
    insta::assert_json_snapshot!("openapi", document());
}

#[test]
fn operations_have_ids_and_errors() {
    let document = document();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let name = format!("{method} {path}");
            assert!(operation["operationId"].is_string(), "{name}");
            assert!(
                operation["description"].is_string() || operation["summary"].is_string(),
                "{name}"
            );
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|status| status.starts_with('2')),
                "{name}"
            );
            let secured = operation.get("security").is_some();
            if secured {
                assert!(responses.contains_key("401"), "{name} must document 401");
            }
        }
    }
}

#[test]
fn security_schemes_are_bearer() {
    let document = document();
    for scheme in ["tenant_token", "admin_token"] {
        let described = &document["components"]["securitySchemes"][scheme];
        assert_eq!(described["type"], "http", "{scheme}");
        assert_eq!(described["scheme"], "bearer", "{scheme}");
    }
    let tenants = &document["paths"][paths::TENANTS]["post"]["security"];
    assert_eq!(tenants[0]["admin_token"], serde_json::json!([]));
    let tokens = &document["paths"][paths::TOKENS]["post"]["security"];
    assert_eq!(tokens[0]["tenant_token"], serde_json::json!([]));
}

crate::api_test! {
    fn openapi_json_served(h) {
        let reply = h.call(Method::GET, "/openapi.json", None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body, document());
        assert!(reply.body["openapi"].as_str().unwrap().starts_with("3."), "{}", reply.body["openapi"]);
    }

    fn documented_routes_are_served(h) {
        let documented = documented();
        let mut templates: BTreeSet<String> = ALL_PATHS.iter().map(|path| (*path).to_owned()).collect();
        templates.extend(documented.iter().map(|(_, path)| path.clone()));
        let served = served(&h, &templates, &documented).await;

        for operation in &served {
            assert!(documented.contains(operation), "{operation:?} is served but not documented");
        }
        for operation in &documented {
            assert!(served.contains(operation), "{operation:?} is documented but not served");
        }
    }

    fn unserved_method_answers_405(h) {
        let documented = documented();
        let templates: BTreeSet<String> = ALL_PATHS.iter().map(|path| (*path).to_owned()).collect();
        for template in &templates {
            let path = concrete(template);
            let allowed: Vec<&str> = METHODS
                .iter()
                .copied()
                .filter(|method| {
                    documented
                        .iter()
                        .any(|(other_method, other)| other_method == method && matches(other, &path))
                })
                .collect();
            for method in METHODS.iter().filter(|method| !allowed.contains(method)) {
                let reply = h
                    .call(Method::from_bytes(method.as_bytes()).unwrap(), &path, None, None)
                    .await;
                let name = format!("{method} {path}");
                assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{name}: {}", reply.text);
                assert_eq!(reply.code(), "method_not_allowed", "{name}");
            }
        }
    }

    fn method_not_allowed_names_methods(h) {
        let response = h
            .client
            .delete(format!("{}{}", h.base, paths::INVOICES_BATCH))
            .send()
            .await
            .unwrap();
        let allow = response.headers().get("allow").unwrap().to_str().unwrap().to_owned();
        let body: Value = response.json().await.unwrap();

        assert_eq!(allow, "GET, POST, PUT");
        assert_eq!(body["error"]["code"], "method_not_allowed");
    }
}
