//! Email: reminders composed from the ledger, rendered and delivered by the outbox sender to a
//! loopback SMTP sink, against a bare lettre send loop of messages of the same size to the same
//! sink with the same number of connections.
//!
//! The daemon runs with twice as many deliveries in flight as SMTP connections, the ratio of its
//! defaults (`outbox.concurrency` 16, `mail.smtp.pool_size` 8). A delivery holds a connection
//! only while it sends, so with one delivery per connection the connections would wait while
//! deliveries compose and record. The bare loop only sends, one message per connection.

use std::time::Instant;

use anyhow::bail;
use futures::StreamExt;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use vahti_daemon::{outbox, scheduler};
use vahti_domain::ids::TenantId;
use vahti_testkit::Backend;

use super::Sizes;
use crate::daemon::Daemon;
use crate::report::{Figure, Goal};
use crate::seed::{self, Accounts};
use crate::sink::Sink;

/// Runs the email scenario on SQLite.
pub async fn run(sizes: &Sizes) -> anyhow::Result<Vec<Figure>> {
    let sink = Sink::start().await?;
    let connections = sizes.email_connections.max(1);
    let deliveries = connections.saturating_mul(2);
    let settings = [
        ("VAHTI__MAIL__TRANSPORT", "smtp".to_owned()),
        ("VAHTI__MAIL__SMTP__HOST", sink.addr.ip().to_string()),
        ("VAHTI__MAIL__SMTP__PORT", sink.addr.port().to_string()),
        ("VAHTI__MAIL__SMTP__SECURITY", "plain".to_owned()),
        ("VAHTI__MAIL__SMTP__POOL_SIZE", connections.to_string()),
        ("VAHTI__OUTBOX__CONCURRENCY", deliveries.to_string()),
        (
            "VAHTI__OUTBOX__TENANT_RATE_PER_SECOND",
            "1000000".to_owned(),
        ),
    ];
    let daemon = Daemon::start(Backend::Sqlite, &settings).await?;
    let (tenant, _) = daemon.tenant().await?;
    seed::accounts(
        &daemon.app,
        TenantId(tenant),
        Accounts {
            first: 0,
            count: sizes.email_messages,
            invoices_per_account: 1,
            days_overdue: 10,
        },
    )
    .await?;
    let woken = scheduler::run_once(&daemon.app).await;
    if woken != sizes.email_messages {
        bail!(
            "the scheduler woke {woken} accounts instead of {}",
            sizes.email_messages
        );
    }

    let started = Instant::now();
    let handled = outbox::deliver_due(&daemon.app).await;
    let elapsed = started.elapsed();
    let delivered = sink.counts.messages();
    daemon.stop().await;
    if handled != sizes.email_messages || delivered != sizes.email_messages as u64 {
        bail!(
            "the outbox handled {handled} rows and the sink received {delivered} messages, \
             instead of {}",
            sizes.email_messages
        );
    }
    let message_bytes = usize::try_from(sink.counts.bytes() / delivered.max(1)).unwrap_or(0);
    let vahti_rate = delivered as f64 / elapsed.as_secs_f64();

    let bare_rate = bare_lettre(&sink, sizes.email_messages, connections, message_bytes).await?;

    let setup = format!(
        "{} emails of about {message_bytes} bytes, {connections} SMTP connections, \
         {deliveries} deliveries in flight (bare loop: {connections} sends), SQLite",
        sizes.email_messages
    );
    Ok(vec![
        Figure::new("email", "emails per second", vahti_rate, "/s", setup)
            .baseline("bare lettre loop", bare_rate)
            .goal(Goal::RatioAtLeast(0.8))
            .goal(Goal::AtLeast(1000.0)),
    ])
}

/// Sends `count` messages with a body of `size` bytes through a pooled lettre transport, with
/// `connections` sends in flight, and returns messages per second.
async fn bare_lettre(
    sink: &Sink,
    count: usize,
    connections: u32,
    size: usize,
) -> anyhow::Result<f64> {
    let transport =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sink.addr.ip().to_string())
            .port(sink.addr.port())
            .pool_config(PoolConfig::new().max_size(connections))
            .build();
    let from: Mailbox = "Laskutus <laskutus@kahvi.example.fi>".parse()?;
    let to: Mailbox = "Debtor <debtor@example.com>".parse()?;
    let line = "Maksumuistutus: laskunne on erääntynyt, pyydämme maksamaan sen pian.\n";
    let body: String = line.repeat(size / line.len() + 1);
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject("Maksumuistutus")
        .header(ContentType::TEXT_PLAIN)
        .body(body)?;

    let before = sink.counts.messages();
    let started = Instant::now();
    let failures = futures::stream::iter(0..count)
        .map(|_| {
            let transport = transport.clone();
            let message = message.clone();
            async move { transport.send(message).await.is_err() }
        })
        .buffer_unordered(usize::try_from(connections).unwrap_or(1))
        .filter(|failed| std::future::ready(*failed))
        .count()
        .await;
    let elapsed = started.elapsed();
    let received = sink.counts.messages() - before;
    if failures > 0 || received != count as u64 {
        bail!("the bare loop failed {failures} sends; the sink received {received} of {count}");
    }
    Ok(count as f64 / elapsed.as_secs_f64())
}
