//! Collection policies.

use reqwest::Method;
use vahti_api::{
    CreatePolicyRequest, Page, PageQuery, Policy, PolicySummary, PolicyValidation,
    UpdatePolicyRequest, ValidatePolicyRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::{fill, policy_key_segment};
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

resource_handle! {
    /// Collection policies, returned by [`Client::policies`](crate::Client::policies).
    ///
    /// A policy body is JSON in the policy format; the server checks it against the legal rules
    /// of its debtor type.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client, body: serde_json::Value) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::ValidatePolicyRequest;
    ///
    /// let report = client
    ///     .policies()
    ///     .validate(&ValidatePolicyRequest { policy: body })
    ///     .await?;
    /// for issue in &report.errors {
    ///     println!("{}: {}", issue.rule, issue.message);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    Policies
}

impl Policies<'_> {
    /// Creates a policy at version 1 (`POST /v1/policies`). Fails with `policy_exists` when the
    /// key is taken; [`Policies::update`] adds a version then.
    pub async fn create(&self, request: &CreatePolicyRequest) -> Result<Policy, SdkError> {
        policy_key_segment(&request.key)?;
        let request = self.post(paths::POLICIES.to_owned()).json(request)?;
        self.client.call(request).await
    }

    /// Reads one page of policies, without their bodies (`GET /v1/policies`).
    pub async fn list(&self, query: &PageQuery) -> Result<Page<PolicySummary>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::POLICIES.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every policy, page by page, starting at `query`'s cursor.
    pub fn list_all(&self, query: PageQuery) -> ItemStream<PolicySummary> {
        paginate(self.client.clone(), paths::POLICIES.to_owned(), query)
    }

    /// Reads a policy with its body and version history (`GET /v1/policies/{key}`).
    pub async fn get(&self, key: &str) -> Result<Policy, SdkError> {
        let path = fill(paths::POLICY, &[("key", &policy_key_segment(key)?)]);
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Saves a new version of a policy (`PUT /v1/policies/{key}`).
    pub async fn update(
        &self,
        key: &str,
        request: &UpdatePolicyRequest,
    ) -> Result<Policy, SdkError> {
        let path = fill(paths::POLICY, &[("key", &policy_key_segment(key)?)]);
        let request = Request::new(Method::PUT, path).json(request)?;
        self.client.call(request).await
    }

    /// Checks a policy without saving it (`POST /v1/policies/validate`). A policy that breaks
    /// rules is a successful response with `valid: false` and the problems listed.
    pub async fn validate(
        &self,
        request: &ValidatePolicyRequest,
    ) -> Result<PolicyValidation, SdkError> {
        let request = self.post(paths::POLICY_VALIDATE.to_owned()).json(request)?;
        self.client.call(request).await
    }
}
