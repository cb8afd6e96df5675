//! API tokens of the calling tenant.

use reqwest::Method;
use vahti_api::{ApiToken, CreateTokenRequest, CreatedToken, Page, PageQuery, paths};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::fill;
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

resource_handle! {
    /// API tokens of the calling tenant, returned by [`Client::tokens`](crate::Client::tokens).
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::CreateTokenRequest;
    ///
    /// let created = client
    ///     .tokens()
    ///     .create(&CreateTokenRequest { name: "billing-prod".to_owned() })
    ///     .await?;
    /// println!("store this token now: {}", created.token);
    /// client.tokens().revoke(created.id).await?;
    /// # Ok(())
    /// # }
    /// ```
    Tokens
}

impl Tokens<'_> {
    /// Creates a token (`POST /v1/tokens`). Its plain value is only in this response.
    pub async fn create(&self, request: &CreateTokenRequest) -> Result<CreatedToken, SdkError> {
        let request = self.post(paths::TOKENS.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Reads one page of tokens, without their secrets (`GET /v1/tokens`).
    pub async fn list(&self, query: &PageQuery) -> Result<Page<ApiToken>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::TOKENS.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every token, page by page, starting at `query`'s cursor.
    pub fn list_all(&self, query: PageQuery) -> ItemStream<ApiToken> {
        paginate(self.client.clone(), paths::TOKENS.to_owned(), query)
    }

    /// Revokes a token (`DELETE /v1/tokens/{id}`) and returns it with `revoked_at` set.
    pub async fn revoke(&self, id: i64) -> Result<ApiToken, SdkError> {
        let path = fill(paths::TOKEN, &[("id", &id.to_string())]);
        self.client.call(Request::new(Method::DELETE, path)).await
    }
}
