//! Customer accounts, their status, interventions in their collection, and payment plans.

use reqwest::Method;
use vahti_api::{
    Account, AccountStatus, CreatePaymentPlanRequest, Page, PageQuery, PauseRequest, PauseState,
    PaymentPlan, Promise, PromiseRequest, RemindRequest, RemindResponse, ResumeRequest,
    UpsertAccountRequest, paths,
};

use super::{check_limit, resource_handle};
use crate::client::Request;
use crate::endpoint::{external_id_segment, fill};
use crate::error::SdkError;
use crate::pagination::{ItemStream, paginate};

/// Fills a path template whose only parameter is an account's external id.
fn account_path(template: &str, external_id: &str) -> Result<String, SdkError> {
    Ok(fill(
        template,
        &[("external_id", &external_id_segment(external_id)?)],
    ))
}

resource_handle! {
    /// Customer accounts, returned by [`Client::accounts`](crate::Client::accounts).
    ///
    /// Accounts are keyed by your own id, the `external_id`; the client percent-encodes it in
    /// paths and rejects an invalid one before sending.
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use vahti_sdk::api::{DebtorType, Locale, UpsertAccountRequest};
    ///
    /// let account = client
    ///     .accounts()
    ///     .upsert(
    ///         "C-1001",
    ///         &UpsertAccountRequest {
    ///             name: "Maija Meikäläinen".to_owned(),
    ///             debtor_type: DebtorType::Consumer,
    ///             emails: vec!["maija@example.fi".to_owned()],
    ///             locale: Some(Locale::Fi),
    ///             time_zone: None,
    ///             policy: None,
    ///             contact: None,
    ///             electronic_demand_consent_until: None,
    ///         },
    ///     )
    ///     .await?;
    /// let status = client.accounts().status(&account.external_id).await?;
    /// for balance in &status.balances {
    ///     println!("{} {}", balance.total, balance.currency);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    Accounts
}

impl Accounts<'_> {
    /// Creates or replaces an account (`PUT /v1/accounts/{external_id}`). Every field is
    /// replaced, so an absent optional field clears the stored value.
    pub async fn upsert(
        &self,
        external_id: &str,
        request: &UpsertAccountRequest,
    ) -> Result<Account, SdkError> {
        let path = account_path(paths::ACCOUNT, external_id)?;
        let request = Request::new(Method::PUT, path).json(request)?;
        self.client.call(request).await
    }

    /// Reads an account (`GET /v1/accounts/{external_id}`).
    pub async fn get(&self, external_id: &str) -> Result<Account, SdkError> {
        let path = account_path(paths::ACCOUNT, external_id)?;
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Reads one page of accounts (`GET /v1/accounts`).
    pub async fn list(&self, query: &PageQuery) -> Result<Page<Account>, SdkError> {
        check_limit(query.limit)?;
        let request = Request::new(Method::GET, paths::ACCOUNTS.to_owned()).query(query)?;
        self.client.call(request).await
    }

    /// Streams every account, page by page, starting at `query`'s cursor.
    pub fn list_all(&self, query: PageQuery) -> ItemStream<Account> {
        paginate(self.client.clone(), paths::ACCOUNTS.to_owned(), query)
    }

    /// Reads an account's balances, open invoices and timeline
    /// (`GET /v1/accounts/{external_id}/status`).
    pub async fn status(&self, external_id: &str) -> Result<AccountStatus, SdkError> {
        let path = account_path(paths::ACCOUNT_STATUS, external_id)?;
        self.client.call(Request::new(Method::GET, path)).await
    }

    /// Pauses collection of the account or of one of its invoices until a day
    /// (`POST /v1/accounts/{external_id}/pause`).
    pub async fn pause(
        &self,
        external_id: &str,
        request: &PauseRequest,
    ) -> Result<PauseState, SdkError> {
        let path = account_path(paths::ACCOUNT_PAUSE, external_id)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Ends a pause of the account or of one of its invoices before its last day
    /// (`POST /v1/accounts/{external_id}/resume`).
    pub async fn resume(
        &self,
        external_id: &str,
        request: &ResumeRequest,
    ) -> Result<PauseState, SdkError> {
        let path = account_path(paths::ACCOUNT_RESUME, external_id)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Records the debtor's promise to pay by a day
    /// (`POST /v1/accounts/{external_id}/promises`).
    pub async fn promise(
        &self,
        external_id: &str,
        request: &PromiseRequest,
    ) -> Result<Promise, SdkError> {
        let path = account_path(paths::ACCOUNT_PROMISES, external_id)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Sends a message to the debtor now instead of waiting for the policy's schedule
    /// (`POST /v1/accounts/{external_id}/remind`). The legal rules and the minimum contact
    /// interval still apply.
    pub async fn remind(
        &self,
        external_id: &str,
        request: &RemindRequest,
    ) -> Result<RemindResponse, SdkError> {
        let path = account_path(paths::ACCOUNT_REMIND, external_id)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }
}

resource_handle! {
    /// Payment plans, returned by [`Client::payment_plans`](crate::Client::payment_plans).
    ///
    /// ```no_run
    /// # async fn run(client: vahti_sdk::Client) -> Result<(), vahti_sdk::SdkError> {
    /// use chrono::NaiveDate;
    /// use rust_decimal::Decimal;
    /// use vahti_sdk::api::{CreatePaymentPlanRequest, InstalmentInput};
    ///
    /// let plan = client
    ///     .payment_plans()
    ///     .create(
    ///         "C-1001",
    ///         &CreatePaymentPlanRequest {
    ///             invoices: vec!["INV-1".to_owned()],
    ///             instalments: vec![
    ///                 InstalmentInput {
    ///                     due_date: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
    ///                     amount: Decimal::new(5000, 2),
    ///                 },
    ///                 InstalmentInput {
    ///                     due_date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
    ///                     amount: Decimal::new(5000, 2),
    ///                 },
    ///             ],
    ///         },
    ///     )
    ///     .await?;
    /// println!("plan {} over {} {}", plan.id, plan.total, plan.currency);
    /// # Ok(())
    /// # }
    /// ```
    PaymentPlans
}

impl PaymentPlans<'_> {
    /// Agrees a payment plan for invoices of an account
    /// (`POST /v1/accounts/{external_id}/payment-plans`).
    pub async fn create(
        &self,
        account: &str,
        request: &CreatePaymentPlanRequest,
    ) -> Result<PaymentPlan, SdkError> {
        let path = account_path(paths::ACCOUNT_PAYMENT_PLANS, account)?;
        let request = self.post(path).json(request)?;
        self.client.call(request).await
    }

    /// Reads one page of an account's payment plans
    /// (`GET /v1/accounts/{external_id}/payment-plans`).
    pub async fn list(
        &self,
        account: &str,
        query: &PageQuery,
    ) -> Result<Page<PaymentPlan>, SdkError> {
        check_limit(query.limit)?;
        let path = account_path(paths::ACCOUNT_PAYMENT_PLANS, account)?;
        let request = Request::new(Method::GET, path).query(query)?;
        self.client.call(request).await
    }

    /// Streams every payment plan of an account, page by page, starting at `query`'s cursor.
    pub fn list_all(
        &self,
        account: &str,
        query: PageQuery,
    ) -> Result<ItemStream<PaymentPlan>, SdkError> {
        let path = account_path(paths::ACCOUNT_PAYMENT_PLANS, account)?;
        Ok(paginate(self.client.clone(), path, query))
    }

    /// Cancels a payment plan (`POST /v1/payment-plans/{id}/cancel`); collection of its
    /// invoices continues.
    pub async fn cancel(&self, id: i64) -> Result<PaymentPlan, SdkError> {
        let path = fill(paths::PAYMENT_PLAN_CANCEL, &[("id", &id.to_string())]);
        let request = self.post(path).json(&serde_json::json!({}))?;
        self.client.call(request).await
    }
}
