//! The table of served operations, read from the OpenAPI document: which methods a path takes
//! and which of them take a tenant's token.
//!
//! The document lists exactly the operations the server serves (a test sends every method to
//! every path to hold the two together), so it is the one place that knows, before routing,
//! whether a request needs a tenant and which methods to name in a 405's `Allow` header.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use actix_web::dev::ResourceDef;
use actix_web::http::Method;

use super::openapi::{self, TENANT_TOKEN};

/// The methods the document may describe, in the order an `Allow` header lists them.
const METHODS: [(&str, Method); 5] = [
    ("get", Method::GET),
    ("post", Method::POST),
    ("put", Method::PUT),
    ("patch", Method::PATCH),
    ("delete", Method::DELETE),
];

/// One path template with its operations.
struct Entry {
    pattern: ResourceDef,
    /// Each method of the path, with whether it takes a tenant's token.
    operations: Vec<(Method, bool)>,
}

/// Every path template of the API with its operations.
pub struct RouteTable {
    entries: Vec<Entry>,
}

impl RouteTable {
    fn from_document() -> RouteTable {
        let document = serde_json::to_value(openapi::document()).unwrap_or_default();
        let mut entries = Vec::new();
        if let Some(paths) = document.get("paths").and_then(|paths| paths.as_object()) {
            for (template, item) in paths {
                let operations = METHODS
                    .iter()
                    .filter_map(|(name, method)| {
                        let operation = item.get(*name)?;
                        let tenant = operation
                            .get("security")
                            .and_then(|security| security.as_array())
                            .is_some_and(|schemes| {
                                schemes
                                    .iter()
                                    .any(|scheme| scheme.get(TENANT_TOKEN).is_some())
                            });
                        Some((method.clone(), tenant))
                    })
                    .collect();
                entries.push(Entry {
                    pattern: ResourceDef::new(template.as_str()),
                    operations,
                });
            }
        }
        RouteTable { entries }
    }

    fn matching<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |entry| entry.pattern.is_match(path))
    }

    /// The methods served on a path, in the order of [`METHODS`]; empty for an unknown path.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let served: BTreeSet<&str> = self
            .matching(path)
            .flat_map(|entry| entry.operations.iter().map(|(method, _)| method.as_str()))
            .collect();
        METHODS
            .iter()
            .filter(|(_, method)| served.contains(method.as_str()))
            .map(|(_, method)| method.clone())
            .collect()
    }

    /// Whether a request is served by an operation that takes a tenant's token.
    pub fn takes_tenant_token(&self, method: &Method, path: &str) -> bool {
        self.matching(path).any(|entry| {
            entry
                .operations
                .iter()
                .any(|(served, tenant)| served == method && *tenant)
        })
    }
}

/// Returns the table, built once from the OpenAPI document.
pub fn table() -> &'static RouteTable {
    static TABLE: OnceLock<RouteTable> = OnceLock::new();
    TABLE.get_or_init(RouteTable::from_document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_methods_of_account() {
        let allowed = table().allowed("/v1/accounts/A-1");
        assert_eq!(allowed, vec![Method::GET, Method::PUT]);
    }

    #[test]
    fn allowed_methods_of_batch() {
        // `GET` and `PUT` read and write the invoice with the external id `batch`.
        let allowed = table().allowed("/v1/invoices/batch");
        assert_eq!(allowed, vec![Method::GET, Method::POST, Method::PUT]);
    }

    #[test]
    fn unknown_path_allows_nothing() {
        assert!(table().allowed("/v1/nothing").is_empty());
    }

    #[test]
    fn tenant_paths_take_tenant_token() {
        assert!(table().takes_tenant_token(&Method::POST, "/v1/invoices/batch"));
        assert!(table().takes_tenant_token(&Method::GET, "/v1/cases/7"));
    }

    #[test]
    fn admin_paths_take_no_tenant_token() {
        assert!(!table().takes_tenant_token(&Method::POST, "/v1/tenants"));
        assert!(!table().takes_tenant_token(&Method::GET, "/healthz"));
    }

    #[test]
    fn unserved_method_takes_no_token() {
        assert!(!table().takes_tenant_token(&Method::DELETE, "/v1/invoices/batch"));
    }
}
