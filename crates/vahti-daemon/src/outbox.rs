//! The outbox sender: claims due rows with a lease, delivers them concurrently, and records each
//! outcome. Emails are handled here; webhooks go to [`crate::webhook_sender`] and messages to
//! collection agencies to [`crate::collection`].
//!
//! An email is composed again from the ledger at send time, so a step whose invoice was paid,
//! credited, disputed or paused since it was queued is cancelled instead of sent. Transient
//! failures retry with exponential backoff and full jitter up to the maximum age; permanent ones
//! fail at once. A claim whose lease expires (the process died mid-send) is claimed again, and
//! the resend carries the same Message-ID.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use tokio::task::JoinSet;
use vahti_mail::{OutboxId as MailOutboxId, build_message};
use vahti_store::outbox::{self, OutboxKind, OutboxMessage};

use crate::app::App;
use crate::service::delivery::{self, Access, Prepared, ReadyEmail};
use crate::service::selfservice::LinkSettings;
use crate::shutdown::ShutdownToken;

/// How long a claimed row is reserved for this process before another sender may take it.
const CLAIM_LEASE: TimeDelta = TimeDelta::minutes(5);

/// Delivers until shutdown.
pub async fn run(app: App, shutdown: ShutdownToken) {
    let poll = Duration::from_millis(app.config().scheduler.poll_interval_ms.max(10));
    let mut clock_changes = app.clock().subscribe();
    tracing::info!(worker = app.worker_id(), "outbox sender started");

    loop {
        if shutdown.is_triggered() {
            break;
        }
        deliver_due(&app).await;

        let clock_moved = async {
            match clock_changes.as_mut() {
                Some(receiver) => {
                    if receiver.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = shutdown.triggered() => break,
            () = tokio::time::sleep(poll) => {}
            () = app.outbox_nudged() => {}
            () = clock_moved => {}
        }
    }
    app.mailer().shutdown().await;
    tracing::info!("outbox sender stopped");
}

/// Claims and delivers every row due now, and returns how many were handled.
///
/// Up to `outbox.concurrency` deliveries run at once, each as a task of its own, so that
/// composing and rendering emails uses every worker thread of the runtime. Whenever a quarter
/// of the slots are free, the sender claims rows for them. An SMTP send can wait tens of
/// milliseconds on the network, and this way a slow one does not hold back the next claim.
pub async fn deliver_due(app: &App) -> usize {
    let _round = app.delivery_round().await;
    let concurrency = app.config().outbox.concurrency.max(1);
    let refill_at = concurrency - concurrency / 4;
    let mut in_flight = JoinSet::new();
    let mut rows_of_tasks = HashMap::new();
    let mut handled = 0;
    let mut drained = false;
    loop {
        if !drained && in_flight.len() <= refill_at.min(concurrency - 1) {
            // Rows claimed at once: only as many as start now, so that when several daemons
            // share the database each claims only what it sends, and the others take the rest.
            let free = concurrency - in_flight.len();
            match claim(app, free).await {
                Ok(rows) if rows.is_empty() => drained = true,
                Ok(rows) => {
                    handled += rows.len();
                    for row in rows {
                        let app = app.clone();
                        let outbox_id = row.id;
                        let task = in_flight.spawn(async move { deliver(&app, row).await });
                        rows_of_tasks.insert(task.id(), outbox_id);
                    }
                }
                Err(error) => {
                    tracing::error!(error = %error, "outbox sender failed to claim rows");
                    drained = true;
                }
            }
        }
        match in_flight.join_next_with_id().await {
            None if drained => return handled,
            None => {}
            Some(Ok((task, ()))) => {
                rows_of_tasks.remove(&task);
            }
            Some(Err(error)) => {
                let outbox_id = rows_of_tasks.remove(&error.id()).map(|id| id.0);
                tracing::error!(outbox.id = outbox_id, error = %error, "outbox delivery task failed");
            }
        }
    }
}

async fn claim(app: &App, count: usize) -> crate::error::ServiceResult<Vec<OutboxMessage>> {
    let now = app.now();
    let worker = app.worker_id().to_owned();
    let limit = i64::try_from(count).unwrap_or(i64::MAX);
    app.write(move |tx| {
        let claimed = outbox::claim_due(tx, now, limit, &worker, CLAIM_LEASE)?;
        // A claim changes the claimed rows alone; rows of no account are read with none.
        let accounts: Vec<_> = claimed.iter().filter_map(|row| row.account_id).collect();
        tx.touches_only(&accounts);
        Ok(claimed)
    })
    .await
}

async fn deliver(app: &App, row: OutboxMessage) {
    match row.kind {
        OutboxKind::Email => deliver_email(app, row).await,
        OutboxKind::Webhook => crate::webhook_sender::deliver(app, row).await,
        OutboxKind::Collection => crate::collection::deliver(app, row).await,
    }
}

async fn deliver_email(app: &App, row: OutboxMessage) {
    // Shared with the account jobs below, which need the claimed row and its payload.
    let row = Arc::new(row);
    let outbox_id = row.id;
    let tenant = row.tenant_id;
    let account = match delivery::account_of(&row) {
        Ok(account) => account,
        Err(error) => {
            tracing::error!(outbox.id = outbox_id.0, error = %error, "outbox row cannot be read");
            return;
        }
    };
    let worker = app.worker_id().to_owned();
    let domain = app.config().mail.from_domain.clone();

    let now = app.now();
    let links = LinkSettings::from_config(app.config());
    let check = SendCheck {
        row: Arc::clone(&row),
        worker: worker.clone(),
        domain,
        links,
        now,
    };
    let ready = match prepare(app, tenant, account, check).await {
        Ok(Prepared::Send(ready)) => ready,
        Ok(Prepared::NeedsWrites) => {
            let reason = "the email could not be prepared: the send-time check asked for a \
                          write transaction while running in one";
            record_failure(app, &row, account, reason, None).await;
            return;
        }
        Ok(Prepared::Cancelled) => {
            tracing::info!(
                outbox.id = outbox_id.0,
                account.id = account.0,
                "email cancelled at send time"
            );
            app.metrics()
                .deliveries
                .with_labels(["email", "cancelled"])
                .inc();
            return;
        }
        Err(error) => {
            let reason = format!("the email could not be prepared: {error}");
            record_failure(app, &row, account, &reason, None).await;
            return;
        }
    };

    let ReadyEmail {
        content,
        link,
        overrides,
        sender,
        date,
    } = *ready;
    let model = match delivery::render_model(content) {
        Ok(model) => model,
        Err(error) => {
            let reason = format!("the email could not be prepared: {error}");
            record_failure(app, &row, account, &reason, None).await;
            return;
        }
    };

    let message = match build_message(&model, &overrides, &sender, MailOutboxId(outbox_id.0), date)
    {
        Ok(message) => message,
        Err(error) => {
            let reason = format!("the email could not be built: {error}");
            record_failure(app, &row, account, &reason, None).await;
            return;
        }
    };

    app.rate_limiter().acquire(tenant).await;
    match app.mailer().send(&message).await {
        Ok(_delivered) => {
            let now = app.now();
            let total = Some(model.total());
            let message_id = message.message_id().to_owned();
            let claimed = Arc::clone(&row);
            let result = app
                .on_account(tenant, account, move |tx| {
                    delivery::record_sent(
                        tx,
                        &claimed,
                        &worker,
                        total,
                        &message_id,
                        link.as_ref(),
                        now,
                    )
                })
                .await;
            match result {
                Ok(()) => {
                    app.metrics()
                        .deliveries
                        .with_labels(["email", "sent"])
                        .inc();
                    tracing::info!(
                        outbox.id = outbox_id.0,
                        message_id = message.message_id(),
                        "email delivered"
                    );
                }
                Err(error) => tracing::error!(
                    outbox.id = outbox_id.0,
                    error = %error,
                    "email delivered but its outcome could not be recorded; it may be sent again"
                ),
            }
        }
        Err(error) => {
            let class = if error.is_permanent() {
                "permanent"
            } else {
                "transient"
            };
            app.metrics()
                .delivery_failures
                .with_labels(["email", class])
                .inc();
            let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
            let age = app
                .now()
                .signed_duration_since(row.created_at)
                .to_std()
                .unwrap_or_default();
            let decision = app
                .retry_policy()
                .decide(&error, attempts, age, &mut rand::rng());
            let retry_after = match decision {
                vahti_mail::retry::RetryDecision::RetryAfter(delay) => Some(delay),
                vahti_mail::retry::RetryDecision::Fail(_) => None,
            };
            tracing::warn!(
                outbox.id = outbox_id.0,
                attempts,
                smtp_code = error.smtp_code(),
                error = %error,
                retry_in_seconds = retry_after.map(|delay| delay.as_secs()),
                "email delivery failed"
            );
            record_failure(app, &row, account, &error.to_string(), retry_after).await;
        }
    }
}

/// The inputs of the send-time check of one email, kept for a second pass.
#[derive(Clone)]
struct SendCheck {
    row: Arc<OutboxMessage>,
    worker: String,
    domain: String,
    links: LinkSettings,
    now: chrono::DateTime<chrono::Utc>,
}

impl SendCheck {
    fn run(
        &self,
        tx: &mut vahti_store::Tx<'_>,
        access: Access,
    ) -> crate::error::ServiceResult<Prepared> {
        delivery::prepare(
            tx,
            &self.row,
            &self.worker,
            &self.domain,
            &self.links,
            self.now,
            access,
        )
    }
}

/// Re-checks and composes a claimed email at send time. The check first runs read-only, so it
/// does not wait for the database's write lock. Only when steps must be cancelled or the row
/// withdrawn does it run again in a write transaction.
async fn prepare(
    app: &App,
    tenant: vahti_domain::ids::TenantId,
    account: vahti_domain::ids::AccountId,
    check: SendCheck,
) -> crate::error::ServiceResult<Prepared> {
    let first = check.clone();
    let checked = app
        .on_account_read(tenant, account, move |tx| first.run(tx, Access::ReadOnly))
        .await?;
    if !matches!(checked, Prepared::NeedsWrites) {
        return Ok(checked);
    }
    app.on_account(tenant, account, move |tx| check.run(tx, Access::ReadWrite))
        .await
}

async fn record_failure(
    app: &App,
    row: &OutboxMessage,
    account: vahti_domain::ids::AccountId,
    reason: &str,
    retry_after: Option<Duration>,
) {
    let outbox_id = row.id;
    let worker = app.worker_id().to_owned();
    let now = app.now();
    let retry_at = retry_after
        .and_then(|delay| TimeDelta::from_std(delay).ok())
        .map(|delay| now + delay);
    let manual_task = app.config().outbox.manual_task_on_failure;
    let reason = reason.to_owned();
    let outcome = if retry_at.is_some() {
        "retry"
    } else {
        "given_up"
    };
    let result = app
        .on_account(row.tenant_id, account, move |tx| {
            delivery::record_failure(tx, outbox_id, &worker, &reason, retry_at, manual_task, now)
        })
        .await;
    app.metrics()
        .deliveries
        .with_labels(["email", outcome])
        .inc();
    if let Err(error) = result {
        tracing::error!(outbox.id = outbox_id.0, error = %error, "failed to record a failed delivery");
    }
}
