//! Escalation driven by the scheduler and the outbox over the manual clock.

use vahti_domain::DebtorType;
use vahti_domain::ids::InvoiceId;
use vahti_store::steps::{self, StepState};

use crate::support::{SeedInvoice, date, seed_account};

fn invoice(number: &str, due: &str, amount: &str, reference: &str) -> SeedInvoice {
    SeedInvoice {
        number: number.to_owned(),
        issue_date: date("2026-01-15"),
        due_date: date(due),
        amount: amount.to_owned(),
        reference: reference.to_owned(),
    }
}

async fn states(h: &crate::support::Harness, invoice: InvoiceId) -> Vec<(String, StepState)> {
    h.app
        .read(move |tx| Ok(steps::list_for_invoices(tx, &[invoice])?))
        .await
        .unwrap()
        .into_iter()
        .map(|step| (step.step_key, step.state))
        .collect()
}

crate::api_test! {
    fn consumer_escalates_step_by_step(h) {
        let (tenant, _) = h.tenant("Kuusimäen Kahvipaahtimo Oy").await;
        // Due Monday 2026-02-23: the friendly reminder falls on 2026-03-02, the start of the clock.
        let (_, invoices) = seed_account(
            &h,
            tenant,
            "aino",
            DebtorType::Consumer,
            vec![invoice("4101", "2026-02-23", "100.00", "1234561")],
        )
        .await;

        h.advance_days(0).await;
        assert_eq!(states(&h, invoices[0]).await, [("friendly_reminder".to_owned(), StepState::Sent)]);
        let emails = h.emails();
        assert_eq!(emails.len(), 1);
        assert!(emails[0].contains("To: \"Debtor aino\" <aino@example.com>") || emails[0].contains("aino@example.com"));
        assert!(emails[0].contains("4101"));

        // The reminder with a fee comes 14 days later, on 2026-03-16.
        h.advance_days(13).await;
        assert_eq!(h.emails().len(), 1);
        h.advance_days(1).await;
        let after = states(&h, invoices[0]).await;
        assert_eq!(after.len(), 2, "{after:?}");
        assert_eq!(after[1], ("reminder".to_owned(), StepState::Sent));
        assert_eq!(h.emails().len(), 2);
        let reminder = &h.emails()[1];
        assert!(reminder.contains("5,00"), "the 5.00 EUR fee is itemised");
    }

    fn downtime_is_caught_up_in_order(h) {
        let (tenant, _) = h.tenant("Acme Oy").await;
        let (_, invoices) = seed_account(
            &h,
            tenant,
            "emily",
            DebtorType::Consumer,
            vec![invoice("4107", "2026-03-02", "80.00", "1234561")],
        )
        .await;

        // The daemon "sleeps" for 38 days: one jump of the clock to Thursday 2026-04-09.
        h.advance_days(38).await;
        let caught_up = states(&h, invoices[0]).await;
        assert_eq!(caught_up, [("friendly_reminder".to_owned(), StepState::Sent)]);

        // Walking in order, the reminder follows 14 days after the late friendly reminder.
        h.advance_days(13).await;
        assert_eq!(states(&h, invoices[0]).await.len(), 1);
        h.advance_days(1).await;
        assert_eq!(states(&h, invoices[0]).await.len(), 2);
    }

    fn business_friendly_reminder_after_three_days(h) {
        let (tenant, _) = h.tenant("Acme Oy").await;
        let (_, invoices) = seed_account(
            &h,
            tenant,
            "koivu",
            DebtorType::Business,
            vec![invoice("5001", "2026-03-02", "2371.53", "1234561")],
        )
        .await;

        h.advance_days(2).await;
        assert!(states(&h, invoices[0]).await.is_empty());
        h.advance_days(1).await;
        assert_eq!(states(&h, invoices[0]).await, [("friendly_reminder".to_owned(), StepState::Sent)]);
    }
}
