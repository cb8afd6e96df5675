//! The error type of the storage layer and the mapping of diesel's errors onto it.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use vahti_domain::ErrorCode;

use crate::url::{ACCEPTED_FORMS, Backend};

/// An error from the storage layer.
///
/// Messages name the entity, key or field involved and never contain a database password or
/// personal data read from the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No row has the given key.
    #[error("{entity} {key} not found")]
    NotFound {
        /// The kind of row, such as `account` or `invoice`.
        entity: &'static str,
        /// The key that was looked up, such as `42` or `external_id "A-1"`.
        key: String,
    },

    /// The write collides with existing data: a unique key is taken, or a row changed since it
    /// was read (optimistic locking). Reading again and retrying may succeed.
    #[error("conflict on {field}: {detail}")]
    Conflict {
        /// The column or constraint, such as `version` or `invoices.tenant_id, invoices.external_id`.
        field: String,
        /// A description of the collision.
        detail: String,
    },

    /// A value breaks a constraint of the schema: a foreign key, NOT NULL or CHECK.
    #[error("constraint violated on {field}: {detail}")]
    ConstraintViolated {
        /// The column or constraint named by the database.
        field: String,
        /// The database's description.
        detail: String,
    },

    /// The database cannot be reached, the pool is exhausted, or SQLite's busy timeout ran out.
    #[error("{backend} database unavailable: {detail}")]
    Unavailable {
        /// The backend that failed.
        backend: Backend,
        /// A description of the failure, without credentials.
        detail: String,
    },

    /// A migration failed; the database is left as it was before that migration.
    #[error("database migration failed: {detail}")]
    MigrationFailed {
        /// The migration and the cause.
        detail: String,
    },

    /// The database URL is not one of the accepted forms.
    #[error("invalid database URL {url:?}: {reason}; accepted forms are {ACCEPTED_FORMS}")]
    InvalidUrl {
        /// The URL with its password hidden.
        url: String,
        /// The problem.
        reason: String,
    },

    /// A stored value cannot be read back into its type, for example an unknown currency code.
    /// This means the database was changed outside Vahti.
    #[error("invalid stored value in {table}.{column}: {detail}")]
    InvalidData {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The problem with the value.
        detail: String,
    },

    /// A value passed in cannot be stored, such as an amount with more decimals than its
    /// currency's minor unit or a batch that is too large.
    #[error("invalid {field}: {detail}")]
    InvalidInput {
        /// The field of the input.
        field: &'static str,
        /// The problem and the accepted values.
        detail: String,
    },

    /// The target of a copy already contains data.
    #[error(
        "copy target is not empty: table {table} has {rows} rows; use a freshly migrated database"
    )]
    TargetNotEmpty {
        /// The first non-empty table found.
        table: &'static str,
        /// Its row count.
        rows: i64,
    },

    /// Any other database error.
    #[error("{backend} database error: {detail}")]
    Database {
        /// The backend that failed.
        backend: Backend,
        /// The database's message.
        detail: String,
    },
}

impl ErrorCode for StoreError {
    fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "store_not_found",
            StoreError::Conflict { .. } => "store_conflict",
            StoreError::ConstraintViolated { .. } => "store_constraint_violated",
            StoreError::Unavailable { .. } => "store_unavailable",
            StoreError::MigrationFailed { .. } => "store_migration_failed",
            StoreError::InvalidUrl { .. } => "database_url_invalid",
            StoreError::InvalidData { .. } => "store_invalid_data",
            StoreError::InvalidInput { .. } => "store_invalid_input",
            StoreError::TargetNotEmpty { .. } => "store_copy_target_not_empty",
            StoreError::Database { .. } => "store_database_error",
        }
    }
}

impl StoreError {
    /// Builds [`StoreError::NotFound`].
    pub fn not_found(entity: &'static str, key: impl ToString) -> Self {
        StoreError::NotFound {
            entity,
            key: key.to_string(),
        }
    }

    /// Maps a diesel error from `backend` onto the storage error kinds.
    pub(crate) fn from_diesel(backend: Backend, error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound {
                entity: "row",
                key: "(query)".to_owned(),
            },
            DieselError::DatabaseError(kind, info) => from_database_error(backend, kind, &*info),
            DieselError::BrokenTransactionManager | DieselError::AlreadyInTransaction => {
                StoreError::Unavailable {
                    backend,
                    detail: error.to_string(),
                }
            }
            other => StoreError::Database {
                backend,
                detail: other.to_string(),
            },
        }
    }

    /// Maps a diesel error, turning "no row" into [`StoreError::NotFound`] for `entity` and `key`.
    pub(crate) fn from_lookup(
        backend: Backend,
        entity: &'static str,
        key: impl ToString,
        error: DieselError,
    ) -> Self {
        match error {
            DieselError::NotFound => StoreError::not_found(entity, key),
            other => StoreError::from_diesel(backend, other),
        }
    }
}

fn from_database_error(
    backend: Backend,
    kind: DatabaseErrorKind,
    info: &(dyn DatabaseErrorInformation + Send + Sync),
) -> StoreError {
    let message = info.message().to_owned();
    let field = constraint_field(info);

    match kind {
        DatabaseErrorKind::UniqueViolation => StoreError::Conflict {
            field,
            detail: message,
        },
        DatabaseErrorKind::SerializationFailure => StoreError::Conflict {
            field: "transaction".to_owned(),
            detail: message,
        },
        DatabaseErrorKind::ForeignKeyViolation
        | DatabaseErrorKind::NotNullViolation
        | DatabaseErrorKind::CheckViolation => StoreError::ConstraintViolated {
            field,
            detail: message,
        },
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
            StoreError::Unavailable {
                backend,
                detail: message,
            }
        }
        _ if is_sqlite_busy(&message) => StoreError::Unavailable {
            backend,
            detail: format!("{message}: another writer held the lock past the busy timeout"),
        },
        _ => StoreError::Database {
            backend,
            detail: message,
        },
    }
}

/// Names the field a constraint error is about.
///
/// PostgreSQL reports the constraint, table and column separately. SQLite only writes them into
/// the message, as in `UNIQUE constraint failed: invoices.tenant_id, invoices.external_id`.
fn constraint_field(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> String {
    if let Some(column) = info.column_name() {
        return match info.table_name() {
            Some(table) => format!("{table}.{column}"),
            None => column.to_owned(),
        };
    }
    if let Some(constraint) = info.constraint_name() {
        return constraint.to_owned();
    }
    match info.message().split_once("constraint failed: ") {
        Some((_, columns)) => columns.to_owned(),
        None => info.message().to_owned(),
    }
}

fn is_sqlite_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// Builds the error for a pool that had no free connection within its timeout.
pub(crate) fn pool_error(backend: Backend, error: &r2d2::Error) -> StoreError {
    StoreError::Unavailable {
        backend,
        detail: format!("no database connection available: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let errors = [
            StoreError::not_found("account", 1),
            StoreError::Conflict {
                field: "version".into(),
                detail: String::new(),
            },
            StoreError::ConstraintViolated {
                field: "f".into(),
                detail: String::new(),
            },
            StoreError::Unavailable {
                backend: Backend::Sqlite,
                detail: String::new(),
            },
            StoreError::MigrationFailed {
                detail: String::new(),
            },
            StoreError::InvalidUrl {
                url: String::new(),
                reason: String::new(),
            },
            StoreError::InvalidData {
                table: "t",
                column: "c",
                detail: String::new(),
            },
            StoreError::InvalidInput {
                field: "f",
                detail: String::new(),
            },
            StoreError::TargetNotEmpty {
                table: "t",
                rows: 1,
            },
            StoreError::Database {
                backend: Backend::Postgres,
                detail: String::new(),
            },
        ];
        let mut codes: Vec<_> = errors.iter().map(ErrorCode::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }

    #[test]
    fn not_found_names_entity_and_key() {
        let error = StoreError::not_found("invoice", "external_id \"A-1\"");
        assert_eq!(error.to_string(), "invoice external_id \"A-1\" not found");
    }
}
