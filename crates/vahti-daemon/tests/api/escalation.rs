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

/// Seeds the same accounts in a daemon started with `settings` and runs the clock over the first
/// three steps. Returns every step history row, event and outbox email, without the keys that
/// follow the order in which the accounts were woken.
async fn escalated(
    backend: vahti_testkit::Backend,
    settings: &[(&str, &str)],
) -> serde_json::Value {
    use serde_json::{Value, json};
    use vahti_store::{accounts, outbox};

    let h = crate::support::Harness::start_with(backend, settings).await;
    let (tenant, token) = h.tenant("Acme Oy").await;
    // Friendly reminders are due at the start of the clock for these two, with invoices that
    // are not yet due beside them.
    let mut seeded = vec![
        seed_account(
            &h,
            tenant,
            "aino",
            DebtorType::Consumer,
            vec![
                invoice("4101", "2026-02-23", "100.00", "1234561"),
                invoice("4102", "2026-02-23", "20.50", "1232"),
                invoice("4103", "2026-03-20", "75.00", "1245"),
            ],
        )
        .await,
        seed_account(
            &h,
            tenant,
            "bertil",
            DebtorType::Consumer,
            vec![invoice("4201", "2026-02-20", "310.00", "1258")],
        )
        .await,
    ];
    // Enough accounts due at once that the scheduler plans them on more than one thread.
    for number in 0..64 {
        let reference = finnish_reference(5000 + number);
        seeded.push(
            seed_account(
                &h,
                tenant,
                &format!("many-{number}"),
                DebtorType::Consumer,
                vec![invoice(
                    &format!("6{number:03}"),
                    "2026-02-23",
                    "12.40",
                    &reference,
                )],
            )
            .await,
        );
    }
    // Three days after the due date for a business.
    seeded.push(
        seed_account(
            &h,
            tenant,
            "koivu",
            DebtorType::Business,
            vec![invoice("5001", "2026-02-27", "2371.53", "1261")],
        )
        .await,
    );
    // No address: the planner turns to a letter for a person to send.
    let (nobody, nobody_invoices) = seed_account(
        &h,
        tenant,
        "nobody",
        DebtorType::Consumer,
        vec![invoice("4301", "2026-02-23", "40.00", "1274")],
    )
    .await;
    without_email(&h, nobody).await;
    // A promise pauses this account's escalation until it breaks after 2026-03-10.
    seeded.push(
        seed_account(
            &h,
            tenant,
            "cecilia",
            DebtorType::Consumer,
            vec![invoice("4401", "2026-02-23", "60.00", "1287")],
        )
        .await,
    );
    let made = h
        .post(
            "/v1/accounts/cecilia/promises",
            &token,
            json!({"pay_by": "2026-03-10"}),
        )
        .await;
    assert!(made.status.is_success(), "{}", made.text);

    // The friendly reminders, then the reminders with fees and interest 14 days later.
    h.advance_days(0).await;
    h.advance_days(14).await;
    h.advance_days(14).await;

    let invoices: Vec<InvoiceId> = seeded
        .iter()
        .flat_map(|(_, ids)| ids.clone())
        .chain(nobody_invoices)
        .collect();
    let stored_steps = {
        let invoices = invoices.clone();
        h.app
            .read(move |tx| Ok(steps::list_for_invoices(tx, &invoices)?))
            .await
            .unwrap()
    };
    let mut steps = Vec::new();
    let mut emails = Vec::new();
    for step in &stored_steps {
        steps.push(json!([
            step.account_id,
            step.invoice_id,
            step.step_key,
            step.step_kind,
            step.state.as_str(),
            step.detail,
            step.balance.to_string(),
            step.due_at,
            step.executed_at,
            step.created_at,
            step.updated_at,
            step.policy_version_id,
            step.outbox_id.is_some(),
        ]));
        if let Some(id) = step.outbox_id {
            let message = h
                .app
                .read(move |tx| Ok(outbox::get(tx, id)?))
                .await
                .unwrap();
            let mut payload = message.payload;
            // The step keys, also in the message id, follow the order of the writes.
            let held: Vec<Value> = payload["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|held| held["invoice"].clone())
                .collect();
            payload["steps"] = Value::from(held);
            emails.push(json!([
                message.account_id,
                message.kind.as_str(),
                message.state.as_str(),
                message.next_attempt_at,
                message.created_at,
                payload,
            ]));
        }
    }
    steps.sort_by_key(ToString::to_string);
    emails.sort_by_key(ToString::to_string);
    emails.dedup();

    let mut events: Vec<Value> = h
        .events(tenant)
        .await
        .into_iter()
        .map(|event| {
            let mut payload = event.payload;
            for key in [
                "step_id",
                "outbox_id",
                "fee_id",
                "pending_action",
                "message_id",
            ] {
                if let Some(map) = payload.as_object_mut() {
                    map.remove(key);
                }
            }
            json!([
                event.kind,
                event.account_id,
                event.invoice_id,
                event.created_at,
                payload
            ])
        })
        .collect();
    events.sort_by_key(ToString::to_string);

    let next: Vec<Value> = {
        let accounts: Vec<_> = seeded.iter().map(|(id, _)| *id).chain([nobody]).collect();
        h.app
            .read(move |tx| Ok(accounts::get_many(tx, &accounts)?))
            .await
            .unwrap()
            .into_iter()
            .map(|account| json!([account.external_id, account.next_action_at]))
            .collect()
    };
    let failed = h.app.metrics().shared_wake_failures.get();
    let read_ahead =
        h.app.metrics().wake_groups_read_ahead.get() + h.app.metrics().wake_groups_read_again.get();
    h.stop().await;
    json!({
        "steps": steps,
        "emails": emails,
        "events": events,
        "next": next,
        "failed": failed,
        "read_ahead": read_ahead,
    })
}

/// Removes every email address of the account, so that its next reminder turns to a letter.
async fn without_email(h: &crate::support::Harness, account: vahti_domain::ids::AccountId) {
    use vahti_store::accounts;

    let now = h.app.now();
    h.app
        .write(move |tx| {
            let stored = accounts::get(tx, account)?;
            accounts::upsert(
                tx,
                stored.tenant_id,
                &accounts::AccountUpsert {
                    external_id: stored.external_id,
                    name: stored.name,
                    debtor_type: stored.debtor_type,
                    emails: Vec::new(),
                    locale: stored.locale,
                    time_zone: None,
                    policy_id: None,
                    contact: serde_json::json!({}),
                    e_demand_consent_until: None,
                },
                now,
            )?;
            Ok(())
        })
        .await
        .unwrap();
}

/// Returns the Finnish payment reference of `base`: its digits and a check digit computed with
/// the weights 7, 3, 1 from the right.
fn finnish_reference(base: u32) -> String {
    let digits = base.to_string();
    let sum: u32 = digits
        .bytes()
        .rev()
        .zip([7, 3, 1].iter().cycle())
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

/// Wakes the same accounts together and one at a time, and compares what each leaves behind.
async fn woken_together_as_alone(backend: vahti_testkit::Backend) {
    let together = escalated(backend, &[]).await;
    let alone = escalated(
        backend,
        &[("VAHTI__SCHEDULER__ACCOUNTS_PER_TRANSACTION", "1")],
    )
    .await;
    // Small groups over several due batches, so that on SQLite each group after the first is
    // read and planned while the one before it is written.
    let ahead = escalated(
        backend,
        &[
            ("VAHTI__SCHEDULER__ACCOUNTS_PER_TRANSACTION", "8"),
            ("VAHTI__SCHEDULER__BATCH_SIZE", "20"),
        ],
    )
    .await;

    // No shared transaction failed, so the accounts were not all woken alone after all.
    assert_eq!(together["failed"], 0);
    assert_eq!(ahead["failed"], 0);
    if backend == vahti_testkit::Backend::Sqlite {
        assert!(
            ahead["read_ahead"].as_u64().unwrap() > 0,
            "{}",
            ahead["read_ahead"]
        );
    } else {
        assert_eq!(
            ahead["read_ahead"], 0,
            "PostgreSQL reads in the transaction"
        );
    }

    assert_eq!(
        together["steps"].as_array().unwrap().len(),
        208,
        "{together:#}"
    );
    assert_eq!(
        together["emails"].as_array().unwrap().len(),
        138,
        "{together:#}"
    );
    assert!(
        together["events"]
            .to_string()
            .contains("manual_task_created"),
        "{together:#}"
    );
    assert!(
        together["events"].to_string().contains("promise_broken"),
        "{together:#}"
    );

    assert_eq!(together["steps"], alone["steps"]);
    assert_eq!(together["emails"], alone["emails"]);
    assert_eq!(together["events"], alone["events"]);
    assert_eq!(together["next"], alone["next"]);
    for key in ["steps", "emails", "events", "next"] {
        assert_eq!(ahead[key], alone[key], "{key}");
    }
}

#[test]
fn accounts_woken_together_end_as_woken_alone_sqlite() {
    actix_rt::System::new().block_on(woken_together_as_alone(vahti_testkit::Backend::Sqlite));
}

#[test]
fn accounts_woken_together_end_as_woken_alone_postgres() {
    actix_rt::System::new().block_on(woken_together_as_alone(vahti_testkit::Backend::Postgres));
}

crate::api_test! {
    fn read_ahead_discarded_after_account_change(h) {
        use vahti_daemon::service::wake::{self, ReadAhead};
        use vahti_domain::ids::TenantId;
        use vahti_store::accounts;

        let (tenant, _) = h.tenant("Acme Oy").await;
        let tenant = TenantId(tenant);
        let mut ids = Vec::new();
        for (name, reference) in [("aino", "1234561"), ("bertil", "1258"), ("cecilia", "1287")] {
            let (id, _) = seed_account(
                &h,
                tenant.0,
                name,
                DebtorType::Consumer,
                vec![invoice(&format!("{}", ids.len() + 4101), "2026-02-23", "100.00", reference)],
            )
            .await;
            ids.push(id);
        }
        let sqlite = h.app.store().write_commits().is_some();
        let now = h.app.now();

        // Read ahead, then another transaction removes aino's email address before the group's
        // transaction, so that her reminder turns to a letter.
        let first = vec![ids[0], ids[1]];
        let read_after = h.app.store().write_commits().unwrap_or(0);
        let preloaded = {
            let first = first.clone();
            h.app
                .read(move |tx| wake::preload(tx, tenant, &first, now, read_after))
                .await
                .unwrap()
        };
        let aino = ids[0];
        without_email(&h, aino).await;
        let (reports, ahead) = {
            let first = first.clone();
            h.app
                .write(move |tx| wake::wake_many_preloaded(tx, tenant, &first, now, Some(preloaded)))
                .await
                .unwrap()
        };
        assert_eq!(ahead, ReadAhead::ReadAgain);
        assert_eq!(reports[0].emails_queued, 0, "aino's address was removed after the read ahead");
        assert_eq!(reports[0].pending_created, 1, "a letter for a person to send");
        assert_eq!(reports[1].emails_queued, 1, "bertil gets his reminder");

        // Read ahead while another transaction changes only an account outside the group and
        // declares it: used on SQLite, read again on PostgreSQL, which keeps no count.
        let cecilia = vec![ids[2]];
        let read_after = h.app.store().write_commits().unwrap_or(0);
        let preloaded = {
            let cecilia = cecilia.clone();
            h.app
                .read(move |tx| wake::preload(tx, tenant, &cecilia, now, read_after))
                .await
                .unwrap()
        };
        h.app
            .write(move |tx| {
                tx.touches_only(&[aino]);
                accounts::set_next_action_at(tx, aino, None)?;
                Ok(())
            })
            .await
            .unwrap();
        let (reports, ahead) = h
            .app
            .write(move |tx| wake::wake_many_preloaded(tx, tenant, &cecilia, now, Some(preloaded)))
            .await
            .unwrap();
        assert_eq!(ahead, if sqlite { ReadAhead::Used } else { ReadAhead::ReadAgain });
        assert_eq!(reports[0].emails_queued, 1);
    }
}
