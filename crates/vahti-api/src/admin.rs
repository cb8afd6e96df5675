//! Operator endpoints: tenants, the manual clock and the cluster. They take the operator token.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::common::{Contact, ContactInput, Locale};
use crate::limits::ValidationError;
use crate::tokens::CreatedToken;
use crate::wire;

/// A tenant: one creditor company that uses Vahti, with its own accounts, policies and tokens.
///
/// Returned by `GET /v1/tenants/{id}`, in the pages of `GET /v1/tenants`, and by
/// `PATCH /v1/tenants/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tenant {
    /// Vahti's id of the tenant.
    pub id: i64,
    /// The creditor's name as shown in messages to debtors.
    pub name: String,
    /// The creditor's business id, such as a Finnish Y-tunnus `1234567-8`, shown in messages.
    #[serde(default)]
    pub business_id: Option<String>,
    /// IANA time zone in which "today" and send windows are computed, such as `Europe/Helsinki`.
    pub time_zone: String,
    /// Language of messages to accounts that set none.
    pub locale: Locale,
    /// Address that reminder emails are sent from.
    #[serde(default)]
    pub sender_email: Option<String>,
    /// Address that debtors' replies go to, when it differs from the sender.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// IBAN that payment codes use for invoices that name no seller IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// BIC of `iban`.
    #[serde(default)]
    pub bic: Option<String>,
    /// The creditor's postal address and phone number, shown in messages.
    #[serde(default)]
    pub contact: Contact,
    /// Whether the tenant's tokens are accepted. A deactivated tenant's collection stops too.
    pub active: bool,
    /// When the tenant was created.
    pub created_at: DateTime<Utc>,
    /// When the tenant was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Name that `POST /v1/tenants` gives the first API token when the request names none.
pub const DEFAULT_TOKEN_NAME: &str = "default";

/// Body of `POST /v1/tenants`: creates a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTenantRequest {
    /// The creditor's name as shown in messages to debtors.
    pub name: String,
    /// The creditor's business id, such as a Finnish Y-tunnus `1234567-8`.
    #[serde(default)]
    pub business_id: Option<String>,
    /// IANA time zone; `Europe/Helsinki` when absent.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Language of messages to accounts that set none; `fi` when absent.
    #[serde(default, deserialize_with = "wire::known_option")]
    pub locale: Option<Locale>,
    /// Address that reminder emails are sent from; the daemon's configured sender when absent.
    #[serde(default)]
    pub sender_email: Option<String>,
    /// Address that debtors' replies go to.
    #[serde(default)]
    pub reply_to: Option<String>,
    /// IBAN for payment codes of invoices that name no seller IBAN.
    #[serde(default)]
    pub iban: Option<String>,
    /// BIC of the IBAN.
    #[serde(default)]
    pub bic: Option<String>,
    /// The creditor's postal address and phone number.
    #[serde(default)]
    pub contact: Option<ContactInput>,
    /// Name of the first API token; `default` when absent.
    #[serde(default)]
    pub token_name: Option<String>,
}

/// Response of `POST /v1/tenants`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateTenantResponse {
    /// The new tenant.
    pub tenant: Tenant,
    /// The tenant's first API token. Its plain value is shown only in this response.
    pub token: CreatedToken,
}

/// Body of `PATCH /v1/tenants/{id}`: changes a tenant.
///
/// An absent field keeps its value. For the optional values, `null` clears the value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateTenantRequest {
    /// New creditor name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New business id, or `null` to clear it.
    #[serde(
        default,
        deserialize_with = "wire::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub business_id: Option<Option<String>>,
    /// New IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// New default language.
    #[serde(
        default,
        deserialize_with = "wire::known_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub locale: Option<Locale>,
    /// New sender address, or `null` for the daemon's configured sender.
    #[serde(
        default,
        deserialize_with = "wire::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub sender_email: Option<Option<String>>,
    /// New reply-to address, or `null` to clear it.
    #[serde(
        default,
        deserialize_with = "wire::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub reply_to: Option<Option<String>>,
    /// New IBAN, or `null` to clear it.
    #[serde(
        default,
        deserialize_with = "wire::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub iban: Option<Option<String>>,
    /// New BIC, or `null` to clear it.
    #[serde(
        default,
        deserialize_with = "wire::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub bic: Option<Option<String>>,
    /// New contact details; they replace the stored ones as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactInput>,
    /// `false` deactivates the tenant: its tokens are refused and collection stops. `true`
    /// reactivates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// The daemon's clock, returned by `GET` and `POST /v1/admin/clock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clock {
    /// The daemon's current time.
    pub now: DateTime<Utc>,
    /// Whether the daemon runs on a manual clock that `POST /v1/admin/clock` can move. The
    /// system clock is used otherwise.
    #[serde(default)]
    pub manual: bool,
}

/// This daemon's part in its cluster, returned by `GET /v1/admin/cluster`.
///
/// Several daemons on one PostgreSQL database split the accounts by leasing shards; only the
/// holder of a shard's lease runs the scheduler for its accounts. A daemon on SQLite, or with
/// clustering turned off, holds every shard without a lease and lists only itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterStatus {
    /// Whether the daemon holds shards by lease.
    pub enabled: bool,
    /// The daemon's node id, unique among the running daemons.
    pub node_id: String,
    /// The number of leased shards.
    pub shards: u32,
    /// The shards whose accounts this daemon schedules now, in shard order.
    pub held: Vec<HeldShard>,
    /// The daemons registered in the database, live ones and those stopped within the last
    /// hour, by node id.
    pub nodes: Vec<ClusterNode>,
}

/// A shard whose lease a daemon holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldShard {
    /// The shard, from 0 to the number of shards minus one.
    pub shard: u32,
    /// The number of times the shard's lease was acquired, the holder's fencing token; 0 without
    /// leases.
    pub epoch: u64,
}

/// A daemon of the cluster. Times are the database server's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterNode {
    /// The daemon's node id.
    pub node_id: String,
    /// Whether its registration is still renewed.
    pub live: bool,
    /// The number of shards whose lease it holds now.
    pub shards_held: u32,
    /// When it registered; absent without leases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Its last heartbeat; absent without leases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// When its registration runs out unless it sends another heartbeat; absent without leases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// Body of `POST /v1/admin/clock`: moves the manual clock forward.
///
/// Give exactly one of `set` and `advance_seconds`; [`ClockRequest::change`] checks that. The
/// daemon accepts this request only when its configuration enables the manual clock, which is
/// meant for tests and demonstrations.
///
/// ```
/// use vahti_api::{ClockChange, ClockRequest};
///
/// let request: ClockRequest =
///     serde_json::from_str(r#"{"advance_seconds": 86400, "wait": true}"#)?;
/// assert_eq!(request.change(), Ok(ClockChange::Advance { seconds: 86400 }));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "Body of `POST /v1/admin/clock`: moves the manual clock forward. Give exactly one \
        of `set` and `advance_seconds`. Accepted only when the daemon enables the manual clock."
    )
)]
#[serde(deny_unknown_fields)]
pub struct ClockRequest {
    /// The instant to set the clock to; it may not lie before the clock's current time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<DateTime<Utc>>,
    /// Seconds to move the clock forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advance_seconds: Option<u32>,
    /// Whether to run the scheduler and deliver the outbox until nothing is left to do before
    /// responding, so that the response reflects every step that fell due.
    #[serde(default)]
    pub wait: bool,
}

/// The change a [`ClockRequest`] requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// Set the clock to this instant.
    Set(DateTime<Utc>),
    /// Move the clock forward by this many seconds.
    Advance {
        /// Seconds to move forward.
        seconds: u32,
    },
}

impl ClockRequest {
    /// Returns the requested change, or [`ValidationError::ClockRequestInvalid`] when the
    /// request gives both or neither of `set` and `advance_seconds`.
    pub fn change(&self) -> Result<ClockChange, ValidationError> {
        match (self.set, self.advance_seconds) {
            (Some(instant), None) => Ok(ClockChange::Set(instant)),
            (None, Some(seconds)) => Ok(ClockChange::Advance { seconds }),
            _ => Err(ValidationError::ClockRequestInvalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn clock_change_needs_exactly_one() {
        let instant = Utc.with_ymd_and_hms(2025, 5, 1, 6, 0, 0).unwrap();
        let set = ClockRequest {
            set: Some(instant),
            ..ClockRequest::default()
        };
        let advance = ClockRequest {
            advance_seconds: Some(3600),
            ..ClockRequest::default()
        };
        let both = ClockRequest {
            set: Some(instant),
            advance_seconds: Some(3600),
            wait: true,
        };

        assert_eq!(set.change(), Ok(ClockChange::Set(instant)));
        assert_eq!(advance.change(), Ok(ClockChange::Advance { seconds: 3600 }));
        assert_eq!(both.change(), Err(ValidationError::ClockRequestInvalid));
        assert_eq!(
            ClockRequest::default().change(),
            Err(ValidationError::ClockRequestInvalid)
        );
    }
}
