use vahti_domain::ids::TenantId;
use vahti_store::tenants::{self, CreditorSettings, NewTenant};
use vahti_store::{Locale, StoreError};

use crate::support::{now, open, tenant};

vahti_testkit::test_both_backends! {
    fn tenant_round_trips(db) {
        let store = open(db);
        let new = NewTenant {
            name: "Acme".to_owned(),
            time_zone: "Europe/Stockholm".to_owned(),
            default_locale: Locale::Sv,
            creditor: CreditorSettings {
                legal_name: "Acme Oy".to_owned(),
                iban: Some("FI2112345600000785".to_owned()),
                address: vec!["Katu 1".to_owned()],
                postal_code: Some("00100".to_owned()),
                city: Some("Helsinki".to_owned()),
                country: Some("FI".to_owned()),
                ..CreditorSettings::default()
            },
        };
        let created = store.transaction(|tx| tenants::create(tx, &new, now())).unwrap();
        let loaded = store.read(|tx| tenants::get(tx, created.id)).unwrap();
        assert_eq!(loaded, created);
        assert_eq!(loaded.creditor, new.creditor);
        assert_eq!(loaded.default_locale, Locale::Sv);
        assert_eq!(loaded.created_at, now());
        assert!(!loaded.disabled);
    }

    fn tenant_missing_is_not_found(db) {
        let store = open(db);
        let error = store.read(|tx| tenants::get(tx, TenantId(999))).unwrap_err();
        assert!(matches!(error, StoreError::NotFound { entity: "tenant", .. }), "{error}");
        assert_eq!(error.to_string(), "tenant 999 not found");
    }

    fn reference_bases_count_up(db) {
        let store = open(db);
        let id = tenant(&store, "Acme");
        let first = store.transaction(|tx| tenants::next_reference_base(tx, id)).unwrap();
        let rolled_back: Result<i64, StoreError> = store.transaction(|tx| {
            tenants::next_reference_base(tx, id)?;
            Err(StoreError::not_found("test", "rollback"))
        });
        assert!(rolled_back.is_err());
        let second = store.transaction(|tx| tenants::next_reference_base(tx, id)).unwrap();
        assert_eq!((first, second), (100, 101));
    }

    fn reference_bases_taken_in_blocks(db) {
        let store = open(db);
        let id = tenant(&store, "Acme");
        let block = store.transaction(|tx| tenants::next_reference_bases(tx, id, 50)).unwrap();
        let after = store.transaction(|tx| tenants::next_reference_base(tx, id)).unwrap();
        let empty = store.transaction(|tx| tenants::next_reference_bases(tx, id, 0)).unwrap();
        let next = store.transaction(|tx| tenants::next_reference_base(tx, id)).unwrap();
        assert_eq!((block, after, empty, next), (100, 150, 151, 151));
    }
}
