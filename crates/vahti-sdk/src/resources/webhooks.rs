//! Webhook endpoints of the calling tenant, their signing secrets and their delivery logs.

use reqwest::Method;
use vahti_api::{
    CreateWebhookRequest, CreatedWebhook, DeliveriesQuery, Page, PageQuery, RotatedWebhookSecret,
    UpdateWebhookRequest, Webhook, WebhookDelivery, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::fill;
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

resource_handle! {
    /// Webhook endpoints, returned by [`Client::webhooks`](crate::Client::webhooks).
    ///
    /// Deliveries are signed (see [`crate::webhook`]) and come at least once, in no guaranteed
    /// order: a receiver de-duplicates by the `Vahti-Event-Id` header.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::CreateWebhookRequest;
    ///
    /// let created = client
    ///     .webhooks()
    ///     .create(&CreateWebhookRequest {
    ///         url: "https://erp.example.com/vahti/events".to_owned(),
    ///         event_types: vec!["invoice_paid".to_owned()],
    ///         description: None,
    ///     })
    ///     .await?;
    /// println!("configure the receiver with {}", created.secret);
    /// # Ok(())
    /// # }
    /// ```
    Webhooks
}

impl Webhooks<'_> {
    /// Creates an endpoint and its first signing secret (`POST /v1/webhooks`). The plain secret
    /// is only in this response.
    pub async fn create(&self, request: &CreateWebhookRequest) -> Result<CreatedWebhook, SdkError> {
        let request = self.post(paths::WEBHOOKS.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Reads one page of endpoints, oldest first (`GET /v1/webhooks`).
    pub async fn list(&self, query: &PageQuery) -> Result<Page<Webhook>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::WEBHOOKS.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every endpoint, page by page, starting at `query`'s cursor.
    pub fn list_all(&self, query: PageQuery) -> ItemStream<Webhook> {
        paginate(self.client.clone(), paths::WEBHOOKS.to_owned(), query)
    }

    /// Reads one endpoint with the prefixes of its active secrets (`GET /v1/webhooks/{id}`).
    pub async fn get(&self, id: i64) -> Result<Webhook, SdkError> {
        self.client
            .call(Request::new(Method::GET, endpoint_path(id)))
            .await
    }

    /// Changes an endpoint (`PATCH /v1/webhooks/{id}`); absent fields keep their values.
    /// Enabling an endpoint that the daemon disabled after failed deliveries starts it again.
    pub async fn update(
        &self,
        id: i64,
        request: &UpdateWebhookRequest,
    ) -> Result<Webhook, SdkError> {
        let request = Request::new(Method::PATCH, endpoint_path(id)).json(request)?;
        self.client.call(request).await
    }

    /// Deletes an endpoint (`DELETE /v1/webhooks/{id}`).
    pub async fn delete(&self, id: i64) -> Result<(), SdkError> {
        self.client
            .execute(Request::new(Method::DELETE, endpoint_path(id)))
            .await?;
        Ok(())
    }

    /// Creates a new signing secret (`POST /v1/webhooks/{id}/secrets/rotate`). The previous
    /// secret stays valid until `previous_expires_at`, so the receiver can accept both while it
    /// switches.
    pub async fn rotate_secret(&self, id: i64) -> Result<RotatedWebhookSecret, SdkError> {
        let path = fill(paths::WEBHOOK_SECRET_ROTATE, &[("id", &id.to_string())]);
        self.client.call(self.post(path)).await
    }

    /// Reads one page of an endpoint's deliveries with their attempts, newest first
    /// (`GET /v1/webhooks/{id}/deliveries`).
    pub async fn deliveries(
        &self,
        id: i64,
        query: &DeliveriesQuery,
    ) -> Result<Page<WebhookDelivery>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, deliveries_path(id)).query(query)?;
        self.client.call(request).await
    }

    /// Streams every delivery of an endpoint that matches `query`, newest first.
    pub fn deliveries_all(&self, id: i64, query: DeliveriesQuery) -> ItemStream<WebhookDelivery> {
        paginate(self.client.clone(), deliveries_path(id), query)
    }

    /// Queues a delivery's event for the endpoint again
    /// (`POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver`) and returns the new
    /// delivery. It carries the same `Vahti-Event-Id` as the first one.
    pub async fn redeliver(&self, id: i64, delivery_id: i64) -> Result<WebhookDelivery, SdkError> {
        let path = fill(
            paths::WEBHOOK_REDELIVER,
            &[
                ("id", &id.to_string()),
                ("delivery_id", &delivery_id.to_string()),
            ],
        );
        self.client.call(self.post(path)).await
    }
}

fn endpoint_path(id: i64) -> String {
    fill(paths::WEBHOOK, &[("id", &id.to_string())])
}

fn deliveries_path(id: i64) -> String {
    fill(paths::WEBHOOK_DELIVERIES, &[("id", &id.to_string())])
}
