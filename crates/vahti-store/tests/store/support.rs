//! Shared set-up of the repository tests.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use vahti_domain::ids::{AccountId, InvoiceId, TenantId};
use vahti_domain::{Currency, DebtorType, Money};
use vahti_store::accounts::{self, AccountUpsert};
use vahti_store::ids::PolicyVersionId;
use vahti_store::invoices::{self, InvoiceKind, InvoiceStatus, InvoiceUpsert};
use vahti_store::policies;
use vahti_store::tenants::{self, CreditorSettings, NewTenant};
use vahti_store::{Locale, Store, StoreOptions};
use vahti_testkit::TestDatabase;

/// Opens and migrates the test database.
pub fn open(db: &TestDatabase) -> Store {
    let store = Store::open(db.url(), StoreOptions::default()).expect("open test database");
    store.migrate().expect("migrate test database");
    store
}

/// Returns a fixed instant: 2025-03-01 09:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

/// Creates a tenant named `name`.
pub fn tenant(store: &Store, name: &str) -> TenantId {
    let new = NewTenant {
        name: name.to_owned(),
        time_zone: "Europe/Helsinki".to_owned(),
        default_locale: Locale::Fi,
        creditor: CreditorSettings {
            legal_name: format!("{name} Oy"),
            ..CreditorSettings::default()
        },
    };
    store
        .transaction(|tx| tenants::create(tx, &new, now()))
        .map(|tenant| tenant.id)
        .expect("create tenant")
}

/// Creates an account with external id `external_id` for the tenant.
pub fn account(store: &Store, tenant_id: TenantId, external_id: &str) -> AccountId {
    let upsert = account_upsert(external_id);
    store
        .transaction(|tx| accounts::upsert(tx, tenant_id, &upsert, now()))
        .map(|account| account.id)
        .expect("create account")
}

/// Builds a consumer account that reads Finnish.
pub fn account_upsert(external_id: &str) -> AccountUpsert {
    AccountUpsert {
        external_id: external_id.to_owned(),
        name: "Matti Meikäläinen".to_owned(),
        debtor_type: DebtorType::Consumer,
        emails: vec!["matti@example.com".to_owned()],
        locale: Locale::Fi,
        time_zone: None,
        policy_id: None,
        contact: serde_json::json!({"address": ["Katu 1", "00100 Helsinki"]}),
        e_demand_consent_until: None,
    }
}

/// Parses euros from text such as `"12.50"`.
pub fn eur(text: &str) -> Money {
    Money::parse(text, Currency::EUR).expect("valid amount")
}

/// Builds a calendar date.
pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

/// Builds an issued invoice of 100.00 EUR due 2025-02-14 with a Finnish reference.
pub fn invoice_upsert(account_id: AccountId, external_id: &str) -> InvoiceUpsert {
    InvoiceUpsert {
        external_id: external_id.to_owned(),
        account_id,
        kind: InvoiceKind::Invoice,
        number: format!("N-{external_id}"),
        issue_date: date(2025, 1, 31),
        sent_on: Some(date(2025, 1, 31)),
        due_date: Some(date(2025, 2, 14)),
        amount: eur("100.00"),
        reference: Some("1232".to_owned()),
        reference_invalid: false,
        seller_iban: None,
        seller_bic: None,
        status: InvoiceStatus::Issued,
        corrects_external_id: None,
    }
}

/// Stores one invoice and returns its key.
pub fn invoice(
    store: &Store,
    tenant_id: TenantId,
    account_id: AccountId,
    external_id: &str,
) -> InvoiceId {
    let upsert = invoice_upsert(account_id, external_id);
    let ids = store
        .transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[upsert], now()))
        .expect("store invoice");
    ids[0]
}

/// Creates a policy with one version and returns the version's key.
pub fn policy_version(store: &Store, tenant_id: TenantId) -> PolicyVersionId {
    let body = serde_json::json!({"steps": [{"key": "reminder-1", "days_after_due": 7}]});
    store
        .transaction(|tx| policies::create(tx, tenant_id, "default", "Default", &body, now()))
        .map(|(_, version)| version.id)
        .expect("create policy")
}
