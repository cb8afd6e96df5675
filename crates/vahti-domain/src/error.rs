//! Stable machine-readable codes for domain errors.

/// A stable machine-readable code for an error.
///
/// Clients branch on the code, so a code never changes once released. Codes are lower snake case
/// and unique across the workspace, for example `reference_check_digit`.
pub trait ErrorCode {
    /// The stable code of this error.
    fn code(&self) -> &'static str;
}
