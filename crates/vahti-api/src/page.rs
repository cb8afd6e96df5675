//! Cursor pagination of list responses.

use serde::{Deserialize, Serialize};

/// One page of a list response.
///
/// Request the next page by repeating the request with `cursor` set to `next_cursor`; the last
/// page has `next_cursor: null`. A cursor is opaque: clients must not build or change one. The
/// `limit` query parameter sets the page size, 100 by default and at most 1000
/// (see [`crate::limits::page_limit`]).
///
/// ```
/// use vahti_api::{ApiToken, Page};
///
/// let page: Page<ApiToken> = serde_json::from_str(r#"{"items": [], "next_cursor": null}"#)?;
/// assert!(page.items.is_empty());
/// assert!(page.next_cursor.is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "One page of a list response. Request the next page by repeating the request \
        with `cursor` set to `next_cursor`; the last page has `next_cursor: null`. A cursor is \
        opaque."
    )
)]
pub struct Page<T> {
    /// The items of this page, in the list's order.
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    /// The cursor of the next page, or `null` on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Creates a page with more items behind `next_cursor`, or the last page when it is `None`.
    pub fn new(items: Vec<T>, next_cursor: Option<String>) -> Self {
        Page { items, next_cursor }
    }
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            items: Vec::new(),
            next_cursor: None,
        }
    }
}

/// Query parameters of a list request with no filters.
///
/// Used by `GET /v1/tenants`, `GET /v1/tokens`, `GET /v1/policies`, `GET /v1/accounts` and
/// `GET /v1/accounts/{external_id}/payment-plans`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page; absent for the first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 1000; 100 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}
