//! Customer accounts: the debtors, their contact details and their schedule.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;
use vahti_domain::DebtorType;
use vahti_domain::ids::{AccountId, TenantId};

use crate::Tx;
use crate::connection::DbConnection;
use crate::convert::{from_json, parse_column, to_json};
use crate::error::StoreError;
use crate::ids::PolicyId;
use crate::locale::Locale;
use crate::reuse::{ReuseExt, fixed};
use crate::rows::AccountRow;
use crate::schema::accounts;
use crate::sql_types::Instant;
use crate::store::per_backend;

/// The number of shards accounts are spread over. An account's shard is fixed when it is
/// created, so the number cannot change. Several daemons split the accounts by leasing groups of
/// these shards (see [`crate::cluster`]).
pub const SHARD_COUNT: u32 = 256;

/// An account as the integrator sends it; the key is `external_id` within the tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountUpsert {
    /// The integrator's own id of the customer, unique per tenant.
    pub external_id: String,
    /// The customer's name.
    pub name: String,
    /// Consumer or business, which selects the legal rules.
    pub debtor_type: DebtorType,
    /// Addresses that receive messages.
    pub emails: Vec<String>,
    /// The language of messages.
    pub locale: Locale,
    /// The debtor's IANA time zone for send windows; `None` uses the tenant's.
    pub time_zone: Option<String>,
    /// The collection policy; `None` uses the tenant's default.
    pub policy_id: Option<PolicyId>,
    /// Further contact details (postal address, phone) as JSON.
    pub contact: serde_json::Value,
    /// The last day the debtor's consent to electronic demands is valid, if given.
    pub e_demand_consent_until: Option<NaiveDate>,
}

/// A stored account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// The key.
    pub id: AccountId,
    /// The owning tenant.
    pub tenant_id: TenantId,
    /// The integrator's own id, unique per tenant.
    pub external_id: String,
    /// The customer's name.
    pub name: String,
    /// Consumer or business.
    pub debtor_type: DebtorType,
    /// Addresses that receive messages.
    pub emails: Vec<String>,
    /// The language of messages.
    pub locale: Locale,
    /// The debtor's IANA time zone, if it differs from the tenant's.
    pub time_zone: Option<String>,
    /// The collection policy, if not the tenant's default.
    pub policy_id: Option<PolicyId>,
    /// Further contact details as JSON.
    pub contact: serde_json::Value,
    /// The last day of the consent to electronic demands.
    pub e_demand_consent_until: Option<NaiveDate>,
    /// Collection is paused up to and including this day.
    pub paused_until: Option<NaiveDate>,
    /// The reason collection is paused.
    pub pause_reason: Option<String>,
    /// When the debtor was last sent a message, manual ones included.
    pub last_contact_at: Option<DateTime<Utc>>,
    /// When the scheduler wakes the account next; `None` when nothing is planned.
    pub next_action_at: Option<DateTime<Utc>>,
    /// The shard, in `0..SHARD_COUNT`.
    pub shard: i32,
    /// Counts changes, for optimistic locking.
    pub version: i64,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

/// The state that the account's actor changes, set as a whole by [`update_state`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccountState {
    /// Collection is paused up to and including this day.
    pub paused_until: Option<NaiveDate>,
    /// The reason collection is paused.
    pub pause_reason: Option<String>,
    /// When the debtor was last sent a message.
    pub last_contact_at: Option<DateTime<Utc>>,
}

/// An account whose wake-up time has come, as listed by [`due`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueAccount {
    /// The account.
    pub id: AccountId,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// The wake-up time.
    pub next_action_at: DateTime<Utc>,
    /// Its shard.
    pub shard: i32,
}

/// The position after which a listing of due accounts continues: this wake-up time and account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueCursor {
    /// The wake-up time of the last account already listed.
    pub next_action_at: DateTime<Utc>,
    /// The last account already listed.
    pub id: AccountId,
}

impl DueAccount {
    /// Returns the cursor that continues a listing after this account.
    pub fn cursor(&self) -> DueCursor {
        DueCursor {
            next_action_at: self.next_action_at,
            id: self.id,
        }
    }
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: AccountId(row.id),
            tenant_id: TenantId(row.tenant_id),
            debtor_type: parse_debtor_type(&row.debtor_type)?,
            emails: from_json("accounts", "emails", &row.emails)?,
            locale: parse_column("accounts", "locale", &row.locale)?,
            contact: from_json("accounts", "contact", &row.contact)?,
            external_id: row.external_id,
            name: row.name,
            time_zone: row.time_zone,
            policy_id: row.policy_id.map(PolicyId),
            e_demand_consent_until: row.e_demand_consent_until,
            paused_until: row.paused_until,
            pause_reason: row.pause_reason,
            last_contact_at: row.last_contact_at.map(DateTime::from),
            next_action_at: row.next_action_at.map(DateTime::from),
            shard: row.shard,
            version: row.version,
            created_at: row.created_at.0,
            updated_at: row.updated_at.0,
        })
    }
}

fn parse_debtor_type(text: &str) -> Result<DebtorType, StoreError> {
    match text {
        "consumer" => Ok(DebtorType::Consumer),
        "business" => Ok(DebtorType::Business),
        other => Err(StoreError::InvalidData {
            table: "accounts",
            column: "debtor_type",
            detail: format!("unknown debtor type {other:?}: expected consumer or business"),
        }),
    }
}

/// The shard of an account: a stable hash (FNV-1a, 32 bits) of tenant and external id, so an
/// account keeps its shard no matter which process creates it.
pub fn shard_of(tenant_id: TenantId, external_id: &str) -> i32 {
    let mut hash: u32 = 0x811c_9dc5;
    let tenant_bytes = tenant_id.0.to_le_bytes();
    for byte in tenant_bytes.iter().chain(external_id.as_bytes()) {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    i32::try_from(hash % SHARD_COUNT).unwrap_or(0)
}

/// Creates the account with this external id, or updates the integrator's fields of the existing
/// one, and returns it. An update counts up `version`; pause, contact and schedule stay.
pub fn upsert(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    account: &AccountUpsert,
    now: DateTime<Utc>,
) -> Result<Account, StoreError> {
    let backend = tx.backend();
    let emails = to_json("emails", &account.emails)?;
    let contact = to_json("contact", &account.contact)?;
    let values = (
        accounts::tenant_id.eq(tenant_id.0),
        accounts::external_id.eq(&account.external_id),
        accounts::name.eq(&account.name),
        accounts::debtor_type.eq(account.debtor_type.as_str()),
        accounts::emails.eq(&emails),
        accounts::locale.eq(account.locale.as_str()),
        accounts::time_zone.eq(account.time_zone.as_deref()),
        accounts::policy_id.eq(account.policy_id.map(|id| id.0)),
        accounts::contact.eq(&contact),
        accounts::e_demand_consent_until.eq(account.e_demand_consent_until),
        accounts::shard.eq(shard_of(tenant_id, &account.external_id)),
        accounts::created_at.eq(Instant(now)),
        accounts::updated_at.eq(Instant(now)),
    );

    let row: AccountRow = per_backend!(tx, |connection| {
        diesel::insert_into(accounts::table)
            .values(values)
            .on_conflict((accounts::tenant_id, accounts::external_id))
            .do_update()
            .set((
                accounts::name.eq(excluded(accounts::name)),
                accounts::debtor_type.eq(excluded(accounts::debtor_type)),
                accounts::emails.eq(excluded(accounts::emails)),
                accounts::locale.eq(excluded(accounts::locale)),
                accounts::time_zone.eq(excluded(accounts::time_zone)),
                accounts::policy_id.eq(excluded(accounts::policy_id)),
                accounts::contact.eq(excluded(accounts::contact)),
                accounts::e_demand_consent_until.eq(excluded(accounts::e_demand_consent_until)),
                accounts::version.eq(accounts::version + 1),
                accounts::updated_at.eq(excluded(accounts::updated_at)),
            ))
            .returning(accounts::all_columns)
            .reusable()
            .get_result(connection)
    })
    .map_err(|error| StoreError::from_diesel(backend, error))?;

    tracing::debug!(
        tenant.id = tenant_id.0,
        account.id = row.id,
        "upserted account"
    );
    Account::try_from(row)
}

/// Loads an account.
pub fn get(tx: &mut Tx<'_>, id: AccountId) -> Result<Account, StoreError> {
    let row: AccountRow = per_backend!(tx, |connection| {
        accounts::table
            .find(id.0)
            .select(AccountRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("account", id, error))?;
    Account::try_from(row)
}

/// Loads the accounts with the given keys, by key. Keys without an account are left out.
pub fn get_many(tx: &mut Tx<'_>, ids: &[AccountId]) -> Result<Vec<Account>, StoreError> {
    // One key: the statement of a single account, so that its kept plan is the usual one.
    if let [id] = ids {
        return match get(tx, *id) {
            Ok(account) => Ok(vec![account]),
            Err(StoreError::NotFound { .. }) => Ok(Vec::new()),
            Err(error) => Err(error),
        };
    }
    crate::store::read_rows_of_accounts!(tx, ids, AccountRow => Account, |keys| {
        accounts::table
            .filter(crate::store::in_keys(accounts::id, keys))
            .select(AccountRow::as_select())
    })
}

/// Locks the rows of the given accounts on PostgreSQL until the transaction ends. The rows are
/// locked in the order of their keys, so two transactions that lock overlapping sets take them
/// in the same order and neither waits for a row the other holds. On SQLite every write
/// transaction already excludes the others, and this does nothing.
pub fn lock_many(tx: &mut Tx<'_>, ids: &[AccountId]) -> Result<(), StoreError> {
    let DbConnection::Postgres(connection) = tx.connection() else {
        return Ok(());
    };
    let mut keys: Vec<i64> = ids.iter().map(|id| id.0).collect();
    keys.sort_unstable();
    keys.dedup();
    let result = accounts::table
        .filter(accounts::id.eq_any(&keys))
        .order(accounts::id)
        .select(accounts::id)
        .for_update()
        .load::<i64>(connection);
    result.map(|_| ()).map_err(|error| tx.error(error))
}

/// Loads an account by the integrator's id.
pub fn get_by_external_id(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_id: &str,
) -> Result<Account, StoreError> {
    // On the backend's own connection: through the multi-backend connection, diesel renders
    // the SQL text of all columns again for each of its three passes over the statement.
    let row: AccountRow = per_backend!(tx, |connection| {
        accounts::table
            .filter(accounts::tenant_id.eq(tenant_id.0))
            .filter(accounts::external_id.eq(external_id))
            .select(AccountRow::as_select())
            .first(connection)
    })
    .map_err(|error| tx.lookup_error("account", format!("external_id {external_id:?}"), error))?;
    Account::try_from(row)
}

/// External ids looked up in one statement at most.
const LOOKUP_CHUNK: usize = 500;

/// Looks up the keys of the tenant's accounts with these external ids, in a few statements of
/// up to [`LOOKUP_CHUNK`] ids each. External ids without an account are left out.
///
/// Reads only the two columns, so a batch that names many accounts costs one short statement
/// instead of a whole account row each.
pub fn ids_by_external_id(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    external_ids: &[&str],
) -> Result<HashMap<String, AccountId>, StoreError> {
    let mut keys = HashMap::with_capacity(external_ids.len());
    let mut unique: Vec<&str> = external_ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    for part in crate::reuse::lookup_chunks(tx.backend(), &unique, LOOKUP_CHUNK) {
        let found: Vec<(String, i64)> = per_backend!(tx, |connection| {
            accounts::table
                .filter(accounts::tenant_id.eq(tenant_id.0))
                .filter(accounts::external_id.eq_any(part))
                .select((accounts::external_id, accounts::id))
                .reusable()
                .load(connection)
        })
        .map_err(|error| tx.error(error))?;
        keys.extend(found.into_iter().map(|(name, id)| (name, AccountId(id))));
    }
    Ok(keys)
}

/// Loads an account and locks its row until the transaction ends (PostgreSQL `FOR UPDATE`; on
/// SQLite the write transaction already excludes other writers).
pub fn lock(tx: &mut Tx<'_>, id: AccountId) -> Result<Account, StoreError> {
    let backend = tx.backend();
    let query = accounts::table.find(id.0).select(accounts::all_columns);
    let row: AccountRow = match tx.connection() {
        DbConnection::Postgres(connection) => query.for_update().first(connection),
        DbConnection::Sqlite(connection) => query.first(connection),
    }
    .map_err(|error| StoreError::from_lookup(backend, "account", id, error))?;
    Account::try_from(row)
}

/// Sets the account's pause and last contact if its version is still `expected_version`, and
/// counts the version up.
///
/// Fails with [`StoreError::Conflict`] on field `version` when another writer changed the account
/// since it was read; read it again and retry.
pub fn update_state(
    tx: &mut Tx<'_>,
    id: AccountId,
    expected_version: i64,
    state: &AccountState,
    now: DateTime<Utc>,
) -> Result<Account, StoreError> {
    let row: Option<AccountRow> = per_backend!(tx, |connection| {
        fixed!(
            diesel::update(
                accounts::table
                    .find(id.0)
                    .filter(accounts::version.eq(expected_version)),
            )
            .set((
                accounts::paused_until.eq(state.paused_until),
                accounts::pause_reason.eq(state.pause_reason.as_deref()),
                accounts::last_contact_at.eq(state.last_contact_at.map(Instant)),
                accounts::version.eq(accounts::version + 1),
                accounts::updated_at.eq(Instant(now)),
            ))
            .returning(accounts::all_columns)
        )
        .get_result(connection)
        .optional()
    })
    .map_err(|error| tx.error(error))?;

    match row {
        Some(row) => Account::try_from(row),
        None => {
            let current = get(tx, id)?;
            Err(StoreError::Conflict {
                field: "version".to_owned(),
                detail: format!(
                    "account {id} is at version {}, not {expected_version}; read it again",
                    current.version
                ),
            })
        }
    }
}

/// Sets when the scheduler wakes the account next; `None` when nothing is planned.
pub fn set_next_action_at(
    tx: &mut Tx<'_>,
    id: AccountId,
    next_action_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let changed = per_backend!(tx, |connection| {
        fixed!(
            diesel::update(accounts::table.find(id.0))
                .set(accounts::next_action_at.eq(next_action_at.map(Instant)))
        )
        .execute(connection)
    })
    .map_err(|error| tx.error(error))?;
    if changed == 0 {
        return Err(StoreError::not_found("account", id));
    }
    Ok(())
}

/// Stores the next wake-up of many accounts with one statement (on SQLite one per thousand
/// accounts).
///
/// Fails with [`StoreError::NotFound`] when an account does not exist.
pub fn set_next_action_many(
    tx: &mut Tx<'_>,
    wake_ups: &[(AccountId, Option<DateTime<Utc>>)],
) -> Result<(), StoreError> {
    if let [(id, at)] = wake_ups {
        return set_next_action_at(tx, *id, *at);
    }
    for chunk in wake_ups.chunks(crate::store::KEYS_PER_QUERY) {
        let changed = match tx.connection() {
            DbConnection::Postgres(connection) => {
                use diesel::sql_types::{Array, BigInt, Nullable, Timestamptz};
                let keys: Vec<i64> = chunk.iter().map(|(id, _)| id.0).collect();
                let times: Vec<Option<DateTime<Utc>>> = chunk.iter().map(|(_, at)| *at).collect();
                diesel::sql_query(
                    "UPDATE accounts SET next_action_at = wake.at \
                     FROM unnest($1, $2) AS wake (id, at) WHERE accounts.id = wake.id",
                )
                .bind::<Array<BigInt>, _>(keys)
                .bind::<Array<Nullable<Timestamptz>>, _>(times)
                .execute(connection)
            }
            DbConnection::Sqlite(connection) => {
                use diesel::sql_types::{BigInt, Nullable};
                let rows = vec!["(?, ?)"; chunk.len()].join(", ");
                let mut query = diesel::sql_query(format!(
                    "UPDATE accounts SET next_action_at = wake.column2 \
                     FROM (VALUES {rows}) AS wake WHERE accounts.id = wake.column1"
                ))
                .into_boxed::<diesel::sqlite::Sqlite>();
                for (id, at) in chunk {
                    query = query
                        .bind::<BigInt, _>(id.0)
                        .bind::<Nullable<crate::sql_types::UtcInstant>, _>(at.map(Instant));
                }
                query.execute(connection)
            }
        }
        .map_err(|error| tx.error(error))?;
        if changed < chunk.len() {
            let ids: Vec<AccountId> = chunk.iter().map(|(id, _)| *id).collect();
            let found: HashSet<AccountId> = get_many(tx, &ids)?
                .into_iter()
                .map(|account| account.id)
                .collect();
            if let Some(missing) = ids.iter().find(|id| !found.contains(id)) {
                return Err(StoreError::not_found("account", *missing));
            }
        }
    }
    Ok(())
}

/// Lists accounts whose `next_action_at` is at or before `now`, earliest first, at most `limit`.
///
/// Pass the cursor of the last account of one batch to get the next batch. The listing is ordered
/// by (`next_action_at`, id), so it neither skips nor repeats accounts while their times stay put.
pub fn due(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    after: Option<DueCursor>,
    limit: i64,
) -> Result<Vec<DueAccount>, StoreError> {
    due_filtered(tx, now, after, limit, None)
}

/// Lists due accounts like [`due`], but only those whose shard is one of `shards`, for a daemon
/// that holds the leases of these shards. An empty `shards` lists nothing.
pub fn due_in_shards(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    after: Option<DueCursor>,
    limit: i64,
    shards: &[i32],
) -> Result<Vec<DueAccount>, StoreError> {
    if shards.is_empty() {
        return Ok(Vec::new());
    }
    due_filtered(tx, now, after, limit, Some(shards))
}

fn due_filtered(
    tx: &mut Tx<'_>,
    now: DateTime<Utc>,
    after: Option<DueCursor>,
    limit: i64,
    shards: Option<&[i32]>,
) -> Result<Vec<DueAccount>, StoreError> {
    let mut query = accounts::table
        .filter(accounts::next_action_at.le(Instant(now)))
        .order((accounts::next_action_at, accounts::id))
        .select((
            accounts::id,
            accounts::tenant_id,
            accounts::next_action_at,
            accounts::shard,
        ))
        .limit(limit)
        .into_boxed();
    if let Some(cursor) = after {
        let at = Instant(cursor.next_action_at);
        query = query.filter(
            accounts::next_action_at.gt(at).or(accounts::next_action_at
                .eq(at)
                .and(accounts::id.gt(cursor.id.0))),
        );
    }
    if let Some(shards) = shards {
        query = query.filter(accounts::shard.eq_any(shards.to_vec()));
    }

    let rows: Vec<(i64, i64, Option<Instant>, i32)> = query
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, tenant_id, next_action_at, shard)| {
            next_action_at.map(|at| DueAccount {
                id: AccountId(id),
                tenant_id: TenantId(tenant_id),
                next_action_at: at.0,
                shard,
            })
        })
        .collect())
}

/// Finds a tenant's accounts with exactly this name, by key, for matching a buyer of an imported
/// invoice to an account.
pub fn find_by_name(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    name: &str,
) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<AccountRow> = accounts::table
        .filter(accounts::tenant_id.eq(tenant_id.0))
        .filter(accounts::name.eq(name))
        .order(accounts::id)
        .select(AccountRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Account::try_from).collect()
}

/// Lists a tenant's accounts by key, after `after` and at most `limit`.
pub fn list(
    tx: &mut Tx<'_>,
    tenant_id: TenantId,
    after: Option<AccountId>,
    limit: i64,
) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<AccountRow> = accounts::table
        .filter(accounts::tenant_id.eq(tenant_id.0))
        .filter(accounts::id.gt(after.map_or(0, |id| id.0)))
        .order(accounts::id)
        .limit(limit)
        .select(AccountRow::as_select())
        .load(tx.connection())
        .map_err(|error| tx.error(error))?;
    rows.into_iter().map(Account::try_from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_is_stable_and_bounded() {
        let shard = shard_of(TenantId(1), "C-1001");
        assert_eq!(shard, shard_of(TenantId(1), "C-1001"));
        assert!((0..256).contains(&shard));
    }

    #[test]
    fn shards_spread_accounts() {
        let shards: std::collections::HashSet<i32> = (0..1000)
            .map(|n| shard_of(TenantId(1), &format!("C-{n}")))
            .collect();
        assert!(shards.len() > 200, "{}", shards.len());
    }
}
