//! Single upserts that arrive while another is being written share the next transaction.
//!
//! On SQLite each transaction takes its turn for the write lock. With one transaction per
//! upsert, the writer would spend most of its time under load on what every transaction
//! repeats: reading the tenant, the policy and the reference rates, and committing. Upserts
//! therefore wait in a queue. One blocking thread at a time drains it: it takes the upserts
//! waiting, applies them in one transaction with [`apply_to_accounts`], replies to each, and
//! repeats until the queue is empty. An upsert that arrives while the queue is idle starts the
//! thread and is written at once, so a lone upsert waits for nothing.
//!
//! A group never contains the same document twice: the later upsert waits for the next group, so
//! the two apply in order of arrival. When a group's transaction fails, each of its upserts is
//! tried again in a transaction of its own, so that one upsert cannot fail the others.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use vahti_domain::ids::{AccountId, TenantId};
use vahti_store::Tx;

use super::{Applied, InvoiceDraft, apply_to_accounts};
use crate::app::App;
use crate::error::{ServiceError, ServiceResult};
use crate::service::{Loaded, accounts};

/// Upserts written in one transaction at most.
const GROUP_LIMIT: usize = 64;

/// The reply to an upsert: the outcome and the account as read after the change.
type Reply = ServiceResult<(Applied, Box<Loaded>)>;

/// One upsert waiting for its transaction.
struct Waiting {
    tenant: TenantId,
    draft: InvoiceDraft,
    reply: oneshot::Sender<Reply>,
}

/// The upserts waiting for the writer, and whether a thread is draining them.
#[derive(Default)]
pub struct UpsertQueue {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    waiting: Vec<Waiting>,
    draining: bool,
}

impl std::fmt::Debug for UpsertQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("UpsertQueue")
            .field("waiting", &state.waiting.len())
            .field("draining", &state.draining)
            .finish()
    }
}

impl UpsertQueue {
    /// Queues an upsert. Returns whether the caller must start a thread to drain the queue.
    fn push(&self, waiting: Waiting) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.waiting.push(waiting);
        !std::mem::replace(&mut state.draining, true)
    }

    /// Takes the next group in order of arrival: at most [`GROUP_LIMIT`] upserts, none of them
    /// for a document already in the group. Marks the queue idle and returns nothing when no
    /// upsert waits.
    fn next_group(&self) -> Vec<Waiting> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.waiting.is_empty() {
            state.draining = false;
            return Vec::new();
        }
        let mut seen: HashSet<(TenantId, String)> = HashSet::new();
        let mut group = Vec::new();
        let mut deferred = Vec::new();
        for waiting in std::mem::take(&mut state.waiting) {
            let key = (waiting.tenant, waiting.draft.external_id.clone());
            if group.len() < GROUP_LIMIT && !seen.contains(&key) {
                seen.insert(key);
                group.push(waiting);
            } else {
                seen.insert(key);
                deferred.push(waiting);
            }
        }
        state.waiting = deferred;
        group
    }
}

/// Applies one upserted document and returns the outcome together with the account as read
/// after the change. The document shares a transaction with the upserts waiting beside it.
///
/// Fails with 404 `account_not_found` naming `account` when the account does not exist.
pub async fn upsert_queued(app: &App, tenant: TenantId, draft: InvoiceDraft) -> Reply {
    let (reply, replied) = oneshot::channel();
    if app.upserts().push(Waiting {
        tenant,
        draft,
        reply,
    }) {
        let app = app.clone();
        // The thread writes every upsert it takes, whatever happens to the request that
        // started it.
        tokio::task::spawn_blocking(move || drain(&app));
    }
    replied.await.unwrap_or_else(|_| {
        Err(ServiceError::internal(
            "the upsert was dropped without a reply",
        ))
    })
}

/// Writes groups of waiting upserts until none is left.
fn drain(app: &App) {
    loop {
        let group = app.upserts().next_group();
        if group.is_empty() {
            return;
        }
        let now = app.now();
        let alone = group.len() == 1;
        let Some((group, error)) = write_guarded(app, group, now) else {
            continue;
        };
        if alone {
            reply_error(group, &error);
            continue;
        }
        tracing::warn!(
            upserts = group.len(),
            error.code = error.code(),
            "a group of upserts failed; each is tried alone"
        );
        for waiting in group {
            if let Some((group, error)) = write_guarded(app, vec![waiting], now) {
                reply_error(group, &error);
            }
        }
    }
}

/// [`write`], with a panic confined to its group: the group's replies are dropped, which their
/// callers report as an internal error, and the queue goes on with the next group. Returns the
/// upserts without a reply when their transaction failed.
fn write_guarded(
    app: &App,
    group: Vec<Waiting>,
    now: DateTime<Utc>,
) -> Option<(Vec<Waiting>, ServiceError)> {
    let upserts = group.len();
    match std::panic::catch_unwind(AssertUnwindSafe(|| write(app, group, now))) {
        Ok(Ok(())) => None,
        Ok(Err(failed)) => Some(failed),
        Err(_) => {
            tracing::error!(
                upserts,
                "writing a group of upserts panicked; its upserts failed"
            );
            None
        }
    }
}

/// Replies to each upsert with the error of its failed transaction.
fn reply_error(group: Vec<Waiting>, error: &ServiceError) {
    for waiting in group {
        // The request may have gone away, and then no caller receives the error.
        let _ = waiting.reply.send(Err(error.clone()));
    }
}

/// Writes the upserts in one transaction and replies to each. When the transaction fails, returns
/// the upserts without a reply, with the error.
fn write(
    app: &App,
    group: Vec<Waiting>,
    now: DateTime<Utc>,
) -> Result<(), (Vec<Waiting>, ServiceError)> {
    let drafts: Vec<(TenantId, InvoiceDraft)> = group
        .iter()
        .map(|waiting| (waiting.tenant, waiting.draft.clone()))
        .collect();
    match write_group(app, &drafts, now) {
        Ok(replies) => {
            reply_to_all(app, group, replies, now);
            Ok(())
        }
        Err(error) => Err((group, error)),
    }
}

/// Sends each upsert its reply and wakes the scheduler when an account became due.
fn reply_to_all(
    app: &App,
    group: Vec<Waiting>,
    replies: Vec<(Reply, Option<DateTime<Utc>>)>,
    now: DateTime<Utc>,
) {
    let mut due = false;
    for (waiting, (reply, next)) in group.into_iter().zip(replies) {
        due |= next.is_some_and(|at| at <= now);
        let _ = waiting.reply.send(reply);
    }
    if due {
        app.nudge_scheduler();
    }
}

/// Applies the drafts in one transaction and returns each one's reply with its account's next
/// wake-up, in the order given. Fails as a whole when the transaction fails.
fn write_group(
    app: &App,
    drafts: &[(TenantId, InvoiceDraft)],
    now: DateTime<Utc>,
) -> ServiceResult<Vec<(Reply, Option<DateTime<Utc>>)>> {
    let replies = app.store().transaction(|tx| apply_group(tx, drafts, now))?;
    app.notify_committed();
    Ok(replies)
}

fn apply_group(
    tx: &mut Tx<'_>,
    drafts: &[(TenantId, InvoiceDraft)],
    now: DateTime<Utc>,
) -> ServiceResult<Vec<(Reply, Option<DateTime<Utc>>)>> {
    // The account of each draft, looked up in one statement per tenant.
    let mut names: BTreeMap<TenantId, Vec<&str>> = BTreeMap::new();
    for (tenant, draft) in drafts {
        names
            .entry(*tenant)
            .or_default()
            .push(draft.account.as_str());
    }
    let mut found: HashMap<(TenantId, &str), Option<AccountId>> = HashMap::new();
    for (tenant, names) in names {
        let ids = vahti_store::accounts::ids_by_external_id(tx, tenant, &names)?;
        for name in names {
            found.insert((tenant, name), ids.get(name).copied());
        }
    }
    let mut ids: Vec<AccountId> = found.values().flatten().copied().collect();
    ids.sort_unstable();
    vahti_store::accounts::lock_many(tx, &ids)?;

    // The drafts of each account of each tenant, with their positions.
    let mut by_tenant: BTreeMap<TenantId, BTreeMap<AccountId, Vec<usize>>> = BTreeMap::new();
    let mut replies: Vec<Option<(Reply, Option<DateTime<Utc>>)>> = vec![None; drafts.len()];
    for (position, (tenant, draft)) in drafts.iter().enumerate() {
        match found
            .get(&(*tenant, draft.account.as_str()))
            .copied()
            .flatten()
        {
            Some(account) => by_tenant
                .entry(*tenant)
                .or_default()
                .entry(account)
                .or_default()
                .push(position),
            None => {
                let error = accounts::not_found(&draft.account).with_field("account");
                replies[position] = Some((Err(error), None));
            }
        }
    }

    for (tenant, accounts) in by_tenant {
        let owned: Vec<(AccountId, Vec<InvoiceDraft>)> = accounts
            .iter()
            .map(|(account, positions)| {
                let drafts = positions
                    .iter()
                    .map(|position| drafts[*position].1.clone())
                    .collect();
                (*account, drafts)
            })
            .collect();
        let parts: Vec<(AccountId, &[InvoiceDraft])> = owned
            .iter()
            .map(|(account, drafts)| (*account, drafts.as_slice()))
            .collect();
        let runs = apply_to_accounts(tx, tenant, &parts, now)?;
        for ((_, positions), run) in accounts.into_iter().zip(runs) {
            match run {
                Ok(run) => {
                    for (position, result) in positions.into_iter().zip(run.results) {
                        let reply = result.map(|applied| (applied, run.after.clone()));
                        replies[position] = Some((reply, run.next_action_at));
                    }
                }
                Err(error) => {
                    for position in positions {
                        replies[position] = Some((Err(error.clone()), None));
                    }
                }
            }
        }
    }
    Ok(replies
        .into_iter()
        .map(|reply| {
            reply.unwrap_or_else(|| (Err(ServiceError::internal("an upsert has no result")), None))
        })
        .collect())
}
