//! Query parameters decode from and encode to URL query strings, as actix-web and reqwest do.

use chrono::NaiveDate;
use vahti_api::{
    AgingQuery, EventsQuery, InvoiceListQuery, InvoiceStatus, PageQuery, PaymentListQuery,
    PendingActionState, PendingListQuery,
};

#[test]
fn page_query_decodes() {
    let query: PageQuery = serde_urlencoded::from_str("cursor=eyJpZCI6MX0&limit=50").unwrap();
    assert_eq!(query.cursor.as_deref(), Some("eyJpZCI6MX0"));
    assert_eq!(query.limit, Some(50));
}

#[test]
fn empty_query_is_default() {
    let query: PageQuery = serde_urlencoded::from_str("").unwrap();
    assert_eq!(query, PageQuery::default());
}

#[test]
fn queries_reject_unknown_parameters() {
    let error = serde_urlencoded::from_str::<PageQuery>("limt=5").unwrap_err();
    assert!(
        error.to_string().contains("unknown field `limt`"),
        "{error}"
    );

    let error = serde_urlencoded::from_str::<InvoiceListQuery>("state=open").unwrap_err();
    assert!(
        error.to_string().contains("unknown field `state`"),
        "{error}"
    );
}

#[test]
fn queries_reject_bad_numbers() {
    for text in ["limit=abc", "limit=-1", "limit=1.5"] {
        assert!(
            serde_urlencoded::from_str::<PageQuery>(text).is_err(),
            "{text}"
        );
    }
}

#[test]
fn invoice_query_decodes() {
    let query: InvoiceListQuery =
        serde_urlencoded::from_str("account=C-1001&status=written_off&limit=10").unwrap();
    assert_eq!(query.account.as_deref(), Some("C-1001"));
    assert_eq!(query.status, Some(InvoiceStatus::WrittenOff));
    assert_eq!(query.limit, Some(10));
    assert_eq!(query.cursor, None);
}

#[test]
fn invoice_query_rejects_unknown_status() {
    let error = serde_urlencoded::from_str::<InvoiceListQuery>("status=opn").unwrap_err();
    assert!(
        error.to_string().contains("unknown variant `opn`"),
        "{error}"
    );
}

#[test]
fn invoice_query_encodes_only_given_parameters() {
    let query = InvoiceListQuery {
        account: Some("INV/2025 ä".to_owned()),
        status: Some(InvoiceStatus::Open),
        ..Default::default()
    };
    assert_eq!(
        serde_urlencoded::to_string(&query).unwrap(),
        "account=INV%2F2025+%C3%A4&status=open"
    );
}

#[test]
fn payment_query_decodes() {
    let query: PaymentListQuery = serde_urlencoded::from_str("unmatched=true").unwrap();
    assert_eq!(query.unmatched, Some(true));
}

#[test]
fn pending_query_decodes() {
    let query: PendingListQuery =
        serde_urlencoded::from_str("state=skipped&account=C-1001").unwrap();
    assert_eq!(query.state, Some(PendingActionState::Skipped));
    assert_eq!(query.account.as_deref(), Some("C-1001"));
}

#[test]
fn events_query_round_trips() {
    let text = "after=41&limit=500&wait=30";
    let query: EventsQuery = serde_urlencoded::from_str(text).unwrap();
    assert_eq!(query.after, Some(41));
    assert_eq!(query.limit, Some(500));
    assert_eq!(query.wait, Some(30));
    assert_eq!(serde_urlencoded::to_string(&query).unwrap(), text);
}

#[test]
fn aging_query_decodes_date() {
    let query: AgingQuery = serde_urlencoded::from_str("as_of=2025-04-30").unwrap();
    assert_eq!(query.as_of, NaiveDate::from_ymd_opt(2025, 4, 30));
}
