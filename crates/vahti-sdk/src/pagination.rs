//! Streams over every item of a list endpoint, following `next_cursor` from page to page.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use vahti_api::{
    CasesQuery, DeliveriesQuery, InvoiceListQuery, Page, PageQuery, PaymentListQuery,
    PendingListQuery,
};

use crate::client::{Client, Request};
use crate::error::SdkError;

/// A stream of every item of a list, fetched page by page as the stream is read.
///
/// A failed page request ends the stream with that error, after the client's retries. Read it
/// with [`futures::StreamExt`] or [`futures::TryStreamExt`]:
///
/// ```no_run
/// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
/// use futures::TryStreamExt;
/// use vahti_sdk::api::{InvoiceListQuery, InvoiceStatus};
///
/// let query = InvoiceListQuery {
///     status: Some(InvoiceStatus::Open),
///     ..InvoiceListQuery::default()
/// };
/// let open: Vec<_> = client.invoices().list_all(query).try_collect().await?;
/// println!("{} open invoices", open.len());
/// # Ok(())
/// # }
/// ```
pub type ItemStream<T> = BoxStream<'static, Result<T, SdkError>>;

/// A list query with a paging cursor.
pub(crate) trait CursorQuery: Serialize + Send + 'static {
    /// Returns the cursor of the page this query requests.
    fn cursor(&self) -> Option<&str>;

    /// Sets the cursor of the next page request.
    fn set_cursor(&mut self, cursor: Option<String>);
}

impl CursorQuery for DeliveriesQuery {
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for CasesQuery {
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for PageQuery {
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for InvoiceListQuery {
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for PaymentListQuery {
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl CursorQuery for PendingListQuery {
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

/// Where a paginated listing stands.
enum PageState<Q> {
    /// The next request to make, with its query.
    Next(Q),
    /// The server returned a cursor that would repeat a page: report it after that page's items.
    Failed(SdkError),
    /// The last page was read.
    Done,
}

/// Streams every item of the list at `path`, starting from `query` (whose cursor, if any, is
/// the first page's).
///
/// The stream ends with an error when the server returns the cursor it was just given, which
/// would otherwise request the same page forever.
pub(crate) fn paginate<T, Q>(client: Client, path: String, query: Q) -> ItemStream<T>
where
    T: DeserializeOwned + Send + 'static,
    Q: CursorQuery + Clone,
{
    let pages = stream::try_unfold(PageState::Next(query), move |state| {
        let client = client.clone();
        let path = path.clone();
        async move {
            let mut query = match state {
                PageState::Next(query) => query,
                PageState::Failed(error) => return Err(error),
                PageState::Done => return Ok(None),
            };

            let request = Request::new(Method::GET, path).query(&query)?;
            let endpoint = request.endpoint();
            let page: Page<T> = client.call(request).await?;

            let next = match page.next_cursor {
                None => PageState::Done,
                Some(cursor) if query.cursor() == Some(cursor.as_str()) => {
                    PageState::Failed(SdkError::Decode {
                        endpoint,
                        status: 200,
                        message: format!(
                            "the server returned the cursor {cursor:?} it was given as next_cursor, so the list would never end"
                        ),
                        snippet: String::new(),
                    })
                }
                Some(cursor) => {
                    query.set_cursor(Some(cursor));
                    PageState::Next(query)
                }
            };
            Ok(Some((page.items, next)))
        }
    });

    pages
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}
