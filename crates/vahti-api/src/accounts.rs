//! Customer accounts: the debtors whose invoices Vahti watches.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::common::{Contact, ContactInput, DebtorType, Locale};
use crate::wire;

/// Body of `PUT /v1/accounts/{external_id}`: creates or updates an account.
///
/// The account is keyed by the `external_id` in the path: the integrator's own id, 1 to 128
/// characters without control characters or surrounding white space. A `PUT` replaces every
/// field, so an absent optional field clears the stored value.
///
/// ```
/// use vahti_api::{DebtorType, UpsertAccountRequest};
///
/// let request: UpsertAccountRequest = serde_json::from_str(r#"{
///     "name": "Maija Meikäläinen",
///     "debtor_type": "consumer",
///     "emails": ["maija@example.fi"],
///     "locale": "fi"
/// }"#)?;
/// assert_eq!(request.debtor_type, DebtorType::Consumer);
/// assert_eq!(request.time_zone, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(
        description = "Body of `PUT /v1/accounts/{external_id}`: creates or updates an account. \
        The `external_id` in the path is the integrator's own id, 1 to 128 characters. A `PUT` \
        replaces every field, so an absent optional field clears the stored value."
    )
)]
#[serde(deny_unknown_fields)]
pub struct UpsertAccountRequest {
    /// The debtor's name as used in messages.
    pub name: String,
    /// Whether the debtor is a consumer or a business; this decides the legal rules.
    #[serde(deserialize_with = "wire::known")]
    pub debtor_type: DebtorType,
    /// Addresses that reminders are emailed to. With none, no email can be sent.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Language of messages; the tenant's language when absent.
    #[serde(default, deserialize_with = "wire::known_option")]
    pub locale: Option<Locale>,
    /// The debtor's IANA time zone for send windows, such as `Europe/Stockholm`; the tenant's
    /// zone when absent.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Key of the policy that drives collection; the tenant's default policy for the debtor
    /// type when absent.
    #[serde(default)]
    pub policy: Option<String>,
    /// Postal address and phone number, needed for paper letters.
    #[serde(default)]
    pub contact: Option<ContactInput>,
    /// Last day of the consumer's consent to receive formal payment demands by email. Without a
    /// valid consent a formal demand goes on paper. The consent may run at most 12 months (Debt
    /// Collection Act 513/1999, as amended by 299/2022).
    #[serde(default)]
    pub electronic_demand_consent_until: Option<NaiveDate>,
}

/// A customer account, returned by `GET` and `PUT /v1/accounts/{external_id}` and in the pages
/// of `GET /v1/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    /// Vahti's id of the account.
    pub id: i64,
    /// The integrator's id of the account.
    pub external_id: String,
    /// The debtor's name.
    pub name: String,
    /// Whether the debtor is a consumer or a business.
    pub debtor_type: DebtorType,
    /// Addresses that reminders are emailed to.
    #[serde(default)]
    pub emails: Vec<String>,
    /// Language of messages, after the tenant's default is applied.
    pub locale: Locale,
    /// IANA time zone for send windows, after the tenant's default is applied.
    pub time_zone: String,
    /// The policy key the integrator set, or `null` when the account follows the default.
    #[serde(default)]
    pub policy: Option<String>,
    /// The key of the policy in force: `policy`, or the tenant's default for the
    /// debtor type.
    pub effective_policy: String,
    /// Postal address and phone number.
    #[serde(default)]
    pub contact: Contact,
    /// Last day of the consent to formal demands by email, if any.
    #[serde(default)]
    pub electronic_demand_consent_until: Option<NaiveDate>,
    /// Last day of a pause of the whole account, while one is in force.
    #[serde(default)]
    pub paused_until: Option<NaiveDate>,
    /// When the scheduler next looks at the account, or `null` when nothing is planned.
    #[serde(default)]
    pub next_action_at: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account was last changed.
    pub updated_at: DateTime<Utc>,
}
