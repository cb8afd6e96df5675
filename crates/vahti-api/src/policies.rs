//! Collection policies: the steps, timings and fees that drive escalation, versioned per key.
//!
//! A policy body is a JSON object in the format described in `docs/policy.md` of the Vahti
//! repository. This crate carries it as a [`serde_json::Value`]; the daemon parses and checks it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Body of `POST /v1/policies`: creates a policy at version 1.
///
/// ```
/// use vahti_api::CreatePolicyRequest;
///
/// let request: CreatePolicyRequest = serde_json::from_str(
///     r#"{"key": "consumer-standard", "policy": {"debtor_type": "consumer", "steps": []}}"#,
/// )?;
/// assert_eq!(request.key, "consumer-standard");
/// assert!(request.policy.is_object());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(description = "Body of `POST /v1/policies`: creates a policy at version 1.")
)]
#[serde(deny_unknown_fields)]
pub struct CreatePolicyRequest {
    /// The policy's key, which accounts refer to: 1 to 64 characters from `a-z`, `0-9`, `-` and
    /// `_`, starting with a letter or digit.
    pub key: String,
    /// The policy body, a JSON object in the policy format.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: serde_json::Value,
}

/// Body of `PUT /v1/policies/{key}`: saves a new version of a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicyRequest {
    /// The new policy body.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: serde_json::Value,
}

/// Body of `POST /v1/policies/validate`: checks a policy without saving it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ValidatePolicyRequest {
    /// The policy body to check.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: serde_json::Value,
}

/// Result of `POST /v1/policies/validate`.
///
/// A policy with errors cannot be saved. Warnings point at choices that are allowed but unusual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyValidation {
    /// Whether the policy can be saved, i.e. `errors` is empty.
    #[serde(default)]
    pub valid: bool,
    /// Problems that prevent saving.
    #[serde(default)]
    pub errors: Vec<PolicyIssue>,
    /// Problems that do not prevent saving.
    #[serde(default)]
    pub warnings: Vec<PolicyIssue>,
}

/// One problem found in a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyIssue {
    /// The key of the step at fault, or `null` for a problem of the policy as a whole.
    #[serde(default)]
    pub step: Option<String>,
    /// The field at fault within the step or policy, such as `fee`.
    #[serde(default)]
    pub field: Option<String>,
    /// A stable code of the broken rule, such as `consumer_fee_cap`.
    pub rule: String,
    /// The problem and how to fix it, naming the legal source when a statute sets the rule.
    pub message: String,
}

/// A policy without its body, in the pages of `GET /v1/policies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySummary {
    /// The policy's key.
    pub key: String,
    /// The current version, starting at 1.
    pub version: u32,
    /// When the policy was created.
    pub created_at: DateTime<Utc>,
    /// When the current version was saved.
    pub updated_at: DateTime<Utc>,
}

/// A policy with its current body and version history, returned by `POST /v1/policies`,
/// `GET /v1/policies/{key}` and `PUT /v1/policies/{key}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    /// The policy's key.
    pub key: String,
    /// The current version, starting at 1.
    pub version: u32,
    /// The body of the current version.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: serde_json::Value,
    /// When the policy was created.
    pub created_at: DateTime<Utc>,
    /// When the current version was saved.
    pub updated_at: DateTime<Utc>,
    /// Every version, oldest first, the current one included.
    #[serde(default)]
    pub versions: Vec<PolicyVersion>,
}

/// One saved version of a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    /// The version number.
    pub version: u32,
    /// When this version was saved.
    pub created_at: DateTime<Utc>,
}
