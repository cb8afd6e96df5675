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
    template: String,
    pattern: Pattern,
    /// Each method of the path, with whether it takes a tenant's token.
    operations: Vec<(Method, bool)>,
}

/// A path template, prepared for matching. Every request consults the table, and actix's
/// [`ResourceDef`] matches a template with parameters by a regular expression. With
/// `regex-lite` that took about 50,000 instructions per request over the whole table
/// (callgrind, the API benchmark). Templates whose parameters fill whole segments are compared
/// segment by segment instead, as actix's `{name}` matches a non-empty segment.
enum Pattern {
    /// Segments between slashes: `Some(text)` matches exactly that text, `None` any non-empty
    /// segment.
    Segments(Vec<Option<String>>),
    /// Any other template, matched by actix.
    Actix(ResourceDef),
}

impl Pattern {
    fn new(template: &str) -> Pattern {
        let segments: Option<Vec<Option<String>>> = template
            .split('/')
            .map(|segment| {
                let parameter = segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                    .filter(|name| {
                        !name.is_empty()
                            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .is_some();
                if parameter {
                    Some(None)
                } else if segment.contains(['{', '}', '*', ':']) {
                    None
                } else {
                    Some(Some(segment.to_owned()))
                }
            })
            .collect();
        match segments {
            Some(segments) => Pattern::Segments(segments),
            None => Pattern::Actix(ResourceDef::new(template)),
        }
    }

    /// Returns whether `path`, whose segments are `parts`, matches.
    fn is_match(&self, path: &str, parts: &[&str]) -> bool {
        match self {
            Pattern::Segments(segments) => {
                segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(parts)
                        .all(|(segment, part)| match segment {
                            Some(text) => text == part,
                            None => !part.is_empty(),
                        })
            }
            Pattern::Actix(pattern) => pattern.is_match(path),
        }
    }

    /// Counts the parameters, so that the most literal of several matching templates wins.
    fn parameters(&self) -> usize {
        match self {
            Pattern::Segments(segments) => segments.iter().filter(|s| s.is_none()).count(),
            Pattern::Actix(_) => usize::MAX,
        }
    }
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
                    template: template.clone(),
                    pattern: Pattern::new(template),
                    operations,
                });
            }
        }
        RouteTable { entries }
    }

    fn matching<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        let parts: Vec<&str> = path.split('/').collect();
        self.entries
            .iter()
            .filter(move |entry| entry.pattern.is_match(path, &parts))
    }

    /// Returns the template of the API that `path` matches, the most literal one when several do
    /// (`/v1/invoices/batch` rather than `/v1/invoices/{external_id}`), or `None`.
    pub fn template<'a>(&'a self, path: &'a str) -> Option<&'a str> {
        self.matching(path)
            .min_by_key(|entry| entry.pattern.parameters())
            .map(|entry| entry.template.as_str())
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
    fn segments_match_as_actix_matches() {
        let paths = [
            "/v1/invoices/INV-1",
            "/v1/invoices/batch",
            "/v1/invoices/",
            "/v1/invoices",
            "/v1/invoices//issue",
            "/v1/invoices/INV-1/issue",
            "/v1/invoices/INV-1/issue/",
            "/v1/invoices/a%2Fb",
            "/v1/accounts/A 1/status",
            "/v1/webhooks/7/deliveries/9/redeliver",
            "/v1/webhooks/7/deliveries//redeliver",
            "/v1/policies/validate",
            "/healthz",
            "/healthz/",
            "healthz",
            "/",
            "",
            "/v1/cases/7/state",
            "/v1/pending/ä/approve",
        ];
        let mut segment_templates = 0;
        for entry in &table().entries {
            if matches!(entry.pattern, Pattern::Segments(_)) {
                segment_templates += 1;
            }
            let actix = ResourceDef::new(entry.template.as_str());
            for path in paths {
                let parts: Vec<&str> = path.split('/').collect();
                assert_eq!(
                    entry.pattern.is_match(path, &parts),
                    actix.is_match(path),
                    "{} against {path:?}",
                    entry.template
                );
            }
        }
        assert_eq!(segment_templates, table().entries.len());
        assert!(matches!(
            Pattern::new("/files/{name}.txt"),
            Pattern::Actix(_)
        ));
        assert!(matches!(Pattern::new("/files/{tail}*"), Pattern::Actix(_)));
    }

    #[test]
    fn template_prefers_the_literal_path() {
        assert_eq!(
            table().template("/v1/invoices/batch"),
            Some("/v1/invoices/batch")
        );
        assert_eq!(
            table().template("/v1/invoices/INV-9"),
            Some("/v1/invoices/{external_id}")
        );
        assert_eq!(table().template("/v1/nothing"), None);
    }

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
