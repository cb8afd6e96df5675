//! Shared set-up of the repository tests.

use chrono::{DateTime, TimeZone, Utc};
use vahti_domain::ids::TenantId;
use vahti_store::tenants::{self, CreditorSettings, NewTenant};
use vahti_store::{Locale, Store, StoreOptions};
use vahti_testkit::TestDatabase;

/// Opens and migrates the test database.
pub fn open(db: &TestDatabase) -> Store {
    let store = Store::open(db.url(), StoreOptions::default()).expect("open test database");
    store.migrate().expect("migrate test database");
    store
}

/// A fixed instant: 2025-03-01 09:00 UTC.
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
