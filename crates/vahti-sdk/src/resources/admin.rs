//! Operator endpoints: tenants and the manual clock.

use reqwest::Method;
use vahti_api::{
    Clock, ClockRequest, CreateTenantRequest, CreateTenantResponse, Page, PageQuery, Tenant,
    UpdateTenantRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::{Client, Request};
use crate::endpoint::fill;
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

/// Operator endpoints, returned by [`Client::admin`]. Build the client with the operator token
/// (`admin.token` in the daemon's configuration); a tenant's token gets `forbidden`.
///
/// ```no_run
/// # async fn run() -> Result<(), vahti_sdk::SdkError> {
/// use vahti_sdk::Client;
/// use vahti_sdk::api::CreateTenantRequest;
///
/// let admin = Client::builder()
///     .base_url("http://127.0.0.1:7878")
///     .token(std::env::var("VAHTI_ADMIN_TOKEN").unwrap_or_default())
///     .build()?;
/// let created = admin
///     .admin()
///     .tenants()
///     .create(&CreateTenantRequest {
///         name: "Esimerkki Oy".to_owned(),
///         business_id: Some("1234567-8".to_owned()),
///         time_zone: None,
///         locale: None,
///         sender_email: None,
///         reply_to: None,
///         iban: None,
///         bic: None,
///         contact: None,
///         token_name: Some("billing".to_owned()),
///     })
///     .await?;
/// println!("tenant {} token {}", created.tenant.id, created.token.token);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Admin<'a> {
    client: &'a Client,
}

impl<'a> Admin<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Admin { client }
    }

    /// Tenants: create, list, read and change them.
    pub fn tenants(&self) -> Tenants<'a> {
        Tenants::new(self.client)
    }

    /// The daemon's clock.
    pub fn clock(&self) -> AdminClock<'a> {
        AdminClock::new(self.client)
    }
}

resource_handle! {
    /// Tenants, returned by [`Admin::tenants`].
    Tenants
}

impl Tenants<'_> {
    /// Creates a tenant and its first API token (`POST /v1/tenants`). The token's plain value
    /// is only in this response.
    pub async fn create(
        &self,
        request: &CreateTenantRequest,
    ) -> Result<CreateTenantResponse, SdkError> {
        let request = self.post(paths::TENANTS.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Reads one page of tenants (`GET /v1/tenants`).
    pub async fn list(&self, query: &PageQuery) -> Result<Page<Tenant>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::TENANTS.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every tenant, page by page, starting at `query`'s cursor.
    pub fn list_all(&self, query: PageQuery) -> ItemStream<Tenant> {
        paginate(self.client.clone(), paths::TENANTS.to_owned(), query)
    }

    /// Reads a tenant (`GET /v1/tenants/{id}`).
    pub async fn get(&self, id: i64) -> Result<Tenant, SdkError> {
        let path = fill(paths::TENANT, &[("id", &id.to_string())]);
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Changes a tenant (`PATCH /v1/tenants/{id}`); absent fields keep their values.
    ///
    /// The request sets values rather than changing them relative to the stored ones, so the
    /// client retries it like a `PUT`.
    pub async fn update(&self, id: i64, request: &UpdateTenantRequest) -> Result<Tenant, SdkError> {
        let path = fill(paths::TENANT, &[("id", &id.to_string())]);
        let request = Request::new(Method::PATCH, path).json(request)?;
        self.client.call(request).await
    }
}

resource_handle! {
    /// The daemon's clock, returned by [`Admin::clock`].
    ///
    /// ```no_run
    /// # async fn run(admin: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::ClockRequest;
    ///
    /// // Move a daemon that runs on a manual clock one day forward and let it act.
    /// let clock = admin
    ///     .admin()
    ///     .clock()
    ///     .change(&ClockRequest { set: None, advance_seconds: Some(86_400), wait: true })
    ///     .await?;
    /// println!("now {}", clock.now);
    /// # Ok(())
    /// # }
    /// ```
    AdminClock
}

impl AdminClock<'_> {
    /// Reads the daemon's clock (`GET /v1/admin/clock`).
    pub async fn get(&self) -> Result<Clock, SdkError> {
        let request = Request::new(Method::GET, paths::CLOCK.to_owned());
        self.client.call(request).await
    }

    /// Moves the manual clock forward (`POST /v1/admin/clock`).
    ///
    /// Fails with [`SdkError::InvalidArgument`] without sending the request unless exactly one
    /// of `set` and `advance_seconds` is given. The server answers `manual_clock_disabled` when
    /// it runs on the system clock.
    pub async fn change(&self, request: &ClockRequest) -> Result<Clock, SdkError> {
        request.change()?;
        let request = self.post(paths::CLOCK.to_owned()).json(request)?;
        self.client.call(request).await
    }
}
