//! Pending actions: steps that wait for a person's approval when a policy runs in guided mode.

use reqwest::Method;
use vahti_api::{
    ApprovePendingRequest, Page, PendingAction, PendingListQuery, SkipPendingRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::fill;
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

resource_handle! {
    /// Pending actions, returned by [`Client::pending`](crate::Client::pending).
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use futures::TryStreamExt;
    /// use vahti_sdk::api::{ApprovePendingRequest, PendingListQuery};
    ///
    /// let mut actions = client.pending().list_all(PendingListQuery::default());
    /// while let Some(action) = actions.try_next().await? {
    ///     client
    ///         .pending()
    ///         .approve(action.id, &ApprovePendingRequest::default())
    ///         .await?;
    /// }
    /// # Ok(())
    /// # }
    /// ```
    Pending
}

impl Pending<'_> {
    /// Reads one page of pending actions, by default those still waiting (`GET /v1/pending`).
    pub async fn list(&self, query: &PendingListQuery) -> Result<Page<PendingAction>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::PENDING_ACTIONS.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every pending action that matches `query`, page by page.
    pub fn list_all(&self, query: PendingListQuery) -> ItemStream<PendingAction> {
        paginate(
            self.client.clone(),
            paths::PENDING_ACTIONS.to_owned(),
            query,
        )
    }

    /// Reads one pending action (`GET /v1/pending/{id}`).
    pub async fn get(&self, id: i64) -> Result<PendingAction, SdkError> {
        let path = fill(paths::PENDING_ACTION, &[("id", &id.to_string())]);
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Approves a pending action, optionally with lower fees and a paragraph added to the
    /// message (`POST /v1/pending/{id}/approve`). A fee may only be lowered.
    pub async fn approve(
        &self,
        id: i64,
        request: &ApprovePendingRequest,
    ) -> Result<PendingAction, SdkError> {
        let path = fill(paths::PENDING_ACTION_APPROVE, &[("id", &id.to_string())]);
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Skips a pending action with a reason (`POST /v1/pending/{id}/skip`). The step is
    /// recorded as skipped and not offered again.
    pub async fn skip(
        &self,
        id: i64,
        request: &SkipPendingRequest,
    ) -> Result<PendingAction, SdkError> {
        let path = fill(paths::PENDING_ACTION_SKIP, &[("id", &id.to_string())]);
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }
}
