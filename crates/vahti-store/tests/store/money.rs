use vahti_domain::{Currency, Money};
use vahti_store::invoices;
use vahti_store::payments::{self, NewPayment, PaymentSource};

use crate::support::{account, date, invoice_upsert, now, open, tenant};

/// Amounts at the edges: ±9e15 minor units, negatives, zero, and currencies with 0 and 3
/// decimals.
fn edge_amounts() -> Vec<Money> {
    let jpy = Currency::from_code("JPY").unwrap();
    let kwd = Currency::from_code("KWD").unwrap();
    vec![
        Money::from_minor_units(9_000_000_000_000_000, Currency::EUR),
        Money::from_minor_units(-9_000_000_000_000_000, Currency::EUR),
        Money::from_minor_units(i64::MAX, Currency::EUR),
        Money::from_minor_units(i64::MIN, Currency::EUR),
        Money::parse("-0.01", Currency::EUR).unwrap(),
        Money::parse("0", Currency::EUR).unwrap(),
        Money::parse("123456789", jpy).unwrap(),
        Money::parse("-1.234", kwd).unwrap(),
    ]
}

vahti_testkit::test_both_backends! {
    fn invoice_amounts_round_trip(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let amounts = edge_amounts();
        let batch: Vec<_> = amounts
            .iter()
            .enumerate()
            .map(|(n, amount)| {
                let mut upsert = invoice_upsert(account_id, &format!("I-{n}"));
                upsert.amount = *amount;
                upsert
            })
            .collect();
        let ids = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &batch, now())).unwrap();

        for (id, expected) in ids.iter().zip(&amounts) {
            let stored = store.read(|tx| invoices::get(tx, *id)).unwrap();
            assert_eq!(stored.amount, *expected);
            assert_eq!(stored.amount.to_minor_units(), expected.to_minor_units());
        }
    }

    fn payment_amounts_round_trip(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        for amount in edge_amounts() {
            let new = NewPayment {
                account_id: None,
                invoice_id: None,
                amount,
                paid_on: date(2025, 3, 1),
                booked_on: None,
                reference: None,
                bank_archive_id: None,
                source: PaymentSource::Api,
                import_id: None,
                payer_name: None,
            };
            let stored = store.transaction(|tx| payments::insert(tx, tenant_id, &new, now())).unwrap();
            let loaded = store.read(|tx| payments::get(tx, stored.id)).unwrap();
            assert_eq!(loaded.amount, amount);
        }
    }

    fn sub_minor_amount_rejected(db) {
        let store = open(db);
        let tenant_id = tenant(&store, "Acme");
        let account_id = account(&store, tenant_id, "C-1");
        let mut upsert = invoice_upsert(account_id, "I-1");
        upsert.amount = Money::new(rust_decimal::Decimal::new(10_005, 3), Currency::EUR);
        let error = store.transaction(|tx| invoices::upsert_batch(tx, tenant_id, &[upsert], now())).unwrap_err();
        assert!(error.to_string().starts_with("invalid amount:"), "{error}");
    }
}
