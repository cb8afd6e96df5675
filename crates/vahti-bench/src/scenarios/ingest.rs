//! Ingest: invoices per second through `POST /v1/invoices/batch`, against a raw diesel batch
//! insert of the same rows into a database with the same schema.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::Days;
use vahti_api::invoices::{
    BatchInvoiceItem, BatchInvoiceRequest, BatchInvoiceResponse, BatchItemStatus,
};
use vahti_domain::ids::TenantId;
use vahti_testkit::Backend;

use super::Sizes;
use crate::daemon::Daemon;
use crate::raw::{InvoiceRow, RawConnection};
use crate::report::{Figure, Goal};
use crate::seed::{self, Accounts};

/// Days from the clock's date to the ingested invoices' due date.
const DUE_IN_DAYS: u64 = 14;

/// Runs the ingest scenario on `backend`.
pub async fn run(backend: Backend, sizes: &Sizes) -> anyhow::Result<Vec<Figure>> {
    let name = match backend {
        Backend::Sqlite => "ingest-sqlite",
        Backend::Postgres => "ingest-postgres",
    };
    let per_account = sizes.ingest_invoices.div_ceil(sizes.ingest_accounts.max(1));
    let batches = batches(sizes, per_account)?;
    let invoices: usize = batches.iter().map(|batch| batch.items.len()).sum();

    let api_rate = through_api(backend, sizes, &batches)
        .await
        .context("ingest through the API failed")?;
    let raw_rate = raw_insert(backend, sizes, &batches)
        .await
        .context("the raw insert failed")?;

    let setup = format!(
        "{invoices} invoices of {} accounts in batches of {}, one request at a time",
        sizes.ingest_accounts, sizes.ingest_batch
    );
    Ok(vec![
        Figure::new(name, "invoices per second", api_rate, "/s", setup)
            .baseline("raw diesel insert", raw_rate)
            .goal(Goal::RatioAtLeast(0.5)),
    ])
}

fn batches(sizes: &Sizes, per_account: usize) -> anyhow::Result<Vec<BatchInvoiceRequest>> {
    let due = chrono::DateTime::parse_from_rfc3339(crate::daemon::START)?
        .date_naive()
        .checked_add_days(Days::new(DUE_IN_DAYS))
        .context("due date out of range")?;
    let mut items = Vec::with_capacity(sizes.ingest_invoices);
    'accounts: for index in 0..sizes.ingest_accounts {
        for number in 0..per_account {
            if items.len() == sizes.ingest_invoices {
                break 'accounts;
            }
            items.push(seed::invoice_request(index, number, due)?);
        }
    }
    Ok(items
        .chunks(sizes.ingest_batch.max(1))
        .map(|chunk| BatchInvoiceRequest {
            items: chunk.to_vec(),
        })
        .collect())
}

async fn prepared_daemon(backend: Backend, sizes: &Sizes) -> anyhow::Result<(Daemon, i64, String)> {
    let daemon = Daemon::start(backend, &[]).await?;
    let (tenant, token) = daemon.tenant().await?;
    seed::accounts(
        &daemon.app,
        TenantId(tenant),
        Accounts {
            first: 0,
            count: sizes.ingest_accounts,
            invoices_per_account: 0,
            days_overdue: 0,
        },
    )
    .await?;
    Ok((daemon, tenant, token))
}

/// Sends every batch through the API, one request at a time, and returns invoices per second.
async fn through_api(
    backend: Backend,
    sizes: &Sizes,
    batches: &[BatchInvoiceRequest],
) -> anyhow::Result<f64> {
    let (daemon, _, token) = prepared_daemon(backend, sizes).await?;
    let bodies: Vec<Vec<u8>> = batches
        .iter()
        .map(serde_json::to_vec)
        .collect::<Result<_, _>>()?;
    let url = format!("{}{}", daemon.base, vahti_api::paths::INVOICES_BATCH);

    let started = Instant::now();
    let mut created = 0;
    for body in bodies {
        let response = daemon
            .client
            .post(&url)
            .bearer_auth(&token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        if !status.is_success() {
            bail!("the batch failed with {status}: {}", response.text().await?);
        }
        let reply: BatchInvoiceResponse = response.json().await?;
        for result in &reply.results {
            if result.status != BatchItemStatus::Created {
                bail!(
                    "invoice {} was not created: {:?}",
                    result.external_id,
                    result.error
                );
            }
        }
        created += reply.results.len();
    }
    let elapsed = started.elapsed();
    daemon.stop().await;
    Ok(created as f64 / elapsed.as_secs_f64())
}

/// Inserts the same invoices with plain diesel, one transaction per batch, and returns invoices
/// per second.
async fn raw_insert(
    backend: Backend,
    sizes: &Sizes,
    batches: &[BatchInvoiceRequest],
) -> anyhow::Result<f64> {
    let (daemon, tenant, _) = prepared_daemon(backend, sizes).await?;
    let now = daemon.app.now();
    let database = daemon.stop().await;
    let rows: Vec<Vec<InvoiceRow>> = {
        let mut connection = RawConnection::open(&database)?;
        let ids: HashMap<String, i64> = connection
            .account_ids()
            .context("failed to read the account ids")?
            .into_iter()
            .map(|(id, external_id)| (external_id, id))
            .collect();
        batches
            .iter()
            .map(|batch| {
                batch
                    .items
                    .iter()
                    .map(|item| row(tenant, &ids, item))
                    .collect()
            })
            .collect::<anyhow::Result<_>>()?
    };

    let expected: usize = rows.iter().map(Vec::len).sum();
    let (elapsed, stored) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut connection = RawConnection::open(&database)?;
        let started = Instant::now();
        for batch in &rows {
            connection
                .insert_invoices(batch, now)
                .context("failed to insert a batch")?;
        }
        let elapsed = started.elapsed();
        let stored = connection.count("SELECT COUNT(*) FROM invoices")?;
        Ok((elapsed, stored))
    })
    .await??;
    if usize::try_from(stored).ok() != Some(expected) {
        bail!("the raw insert stored {stored} invoices instead of {expected}");
    }
    Ok(expected as f64 / elapsed.as_secs_f64())
}

fn row(
    tenant: i64,
    ids: &HashMap<String, i64>,
    item: &BatchInvoiceItem,
) -> anyhow::Result<InvoiceRow> {
    let invoice = &item.invoice;
    let account_id = *ids
        .get(&invoice.account)
        .with_context(|| format!("account {} was not seeded", invoice.account))?;
    Ok(InvoiceRow {
        tenant_id: tenant,
        account_id,
        external_id: item.external_id.clone(),
        number: invoice.number.clone(),
        issue_date: invoice.issue_date,
        due_date: invoice.due_date.context("due date missing")?,
        amount_minor: seed::AMOUNT_CENTS,
        reference: invoice.reference.clone().unwrap_or_default(),
    })
}
