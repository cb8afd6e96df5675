//! Collection cases handed over to the tenant's collection agency, and the agency itself.

use reqwest::Method;
use vahti_api::{
    CaseStateRequest, CasesQuery, CollectionCase, CollectionPartner, Page, PutPartnerRequest,
    PutPartnerResponse, RecallCaseRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::fill;
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

resource_handle! {
    /// Collection cases, returned by [`Client::cases`](crate::Client::cases).
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use futures::TryStreamExt;
    /// use vahti_sdk::api::{CaseState, CasesQuery, RecallCaseRequest};
    ///
    /// let query = CasesQuery { state: Some(CaseState::HandedOver), ..CasesQuery::default() };
    /// let mut cases = client.cases().list_all(query);
    /// while let Some(case) = cases.try_next().await? {
    ///     println!("case {} of account {}", case.id, case.account);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    Cases
}

impl Cases<'_> {
    /// Reads one page of cases, newest first, without their documents and history
    /// (`GET /v1/cases`).
    pub async fn list(&self, query: &CasesQuery) -> Result<Page<CollectionCase>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::CASES.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every case that matches `query`, newest first.
    pub fn list_all(&self, query: CasesQuery) -> ItemStream<CollectionCase> {
        paginate(self.client.clone(), paths::CASES.to_owned(), query)
    }

    /// Reads one case with its document and history (`GET /v1/cases/{id}`).
    pub async fn get(&self, id: i64) -> Result<CollectionCase, SdkError> {
        let path = fill(paths::CASE, &[("id", &id.to_string())]);
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Records a state the agency reports, such as an acknowledgement or an amount collected
    /// (`POST /v1/cases/{id}/state`). The agency calls it with a token of the tenant.
    pub async fn report_state(
        &self,
        id: i64,
        request: &CaseStateRequest,
    ) -> Result<CollectionCase, SdkError> {
        let path = fill(paths::CASE_STATE, &[("id", &id.to_string())]);
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Takes a case back from the agency with a reason sent to it
    /// (`POST /v1/cases/{id}/recall`); collection of its invoices goes on in Vahti.
    pub async fn recall(
        &self,
        id: i64,
        request: &RecallCaseRequest,
    ) -> Result<CollectionCase, SdkError> {
        let path = fill(paths::CASE_RECALL, &[("id", &id.to_string())]);
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }
}

/// The tenant's collection agency, returned by
/// [`Client::collection_partner`](crate::Client::collection_partner).
#[derive(Debug, Clone)]
pub struct CollectionPartners<'a> {
    client: &'a crate::client::Client,
}

impl<'a> CollectionPartners<'a> {
    pub(crate) fn new(client: &'a crate::client::Client) -> Self {
        CollectionPartners { client }
    }

    /// Sets the agency and how cases reach it (`PUT /v1/collection/partner`). For an `http`
    /// partner without a `secret`, the daemon keeps the stored one or generates one, which is
    /// only in this response.
    pub async fn put(&self, request: &PutPartnerRequest) -> Result<PutPartnerResponse, SdkError> {
        let request =
            Request::new(Method::PUT, paths::COLLECTION_PARTNER.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Reads the agency (`GET /v1/collection/partner`); `partner_not_found` when none is set.
    pub async fn get(&self) -> Result<CollectionPartner, SdkError> {
        let request = Request::new(Method::GET, paths::COLLECTION_PARTNER.to_owned());
        self.client.call(request).await
    }

    /// Removes the agency (`DELETE /v1/collection/partner`).
    pub async fn delete(&self) -> Result<(), SdkError> {
        let request = Request::new(Method::DELETE, paths::COLLECTION_PARTNER.to_owned());
        self.client.execute(request).await?;
        Ok(())
    }
}
