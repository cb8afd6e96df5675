//! Parsing of database URLs: the URL alone decides the backend.

use std::fmt;

use crate::error::StoreError;

/// The database backend behind a [`crate::Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite, embedded in the process.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Returns the lower-case name used in logs and messages: `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The accepted URL forms, quoted in error messages.
pub(crate) const ACCEPTED_FORMS: &str = "postgres://USER:PASSWORD@HOST:PORT/DATABASE, \
     postgresql://..., sqlite://PATH, file:PATH or a plain file path";

/// A database URL whose backend is known.
///
/// `Debug` and `Display` hide the password, so the value can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    /// The value the driver receives: the full URL for PostgreSQL, the path or `file:` URI for SQLite.
    target: String,
}

impl DatabaseUrl {
    /// Parses a database URL.
    ///
    /// `postgres://` and `postgresql://` select PostgreSQL. `sqlite://PATH`, `file:PATH` (an
    /// SQLite URI, which may carry query parameters) and a plain path select SQLite. Any other
    /// scheme, an empty value and `:memory:` (which would give every pooled connection a database
    /// of its own) are rejected with [`StoreError::InvalidUrl`].
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let trimmed = url.trim();
        let invalid = |reason: &str| StoreError::InvalidUrl {
            url: redact(trimmed),
            reason: reason.to_owned(),
        };

        if trimmed.is_empty() {
            return Err(invalid("the URL is empty"));
        }
        if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
            return Ok(DatabaseUrl {
                backend: Backend::Postgres,
                target: trimmed.to_owned(),
            });
        }
        if let Some(path) = trimmed.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(invalid("the SQLite path after sqlite:// is empty"));
            }
            return Self::sqlite(path, &invalid);
        }
        if trimmed.starts_with("file:") {
            return Self::sqlite(trimmed, &invalid);
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(invalid(&format!("the scheme {scheme:?} is not supported")));
        }
        Self::sqlite(trimmed, &invalid)
    }

    fn sqlite(target: &str, invalid: &dyn Fn(&str) -> StoreError) -> Result<Self, StoreError> {
        if target == ":memory:" || target.starts_with("file::memory:") {
            return Err(invalid(
                "an in-memory SQLite database cannot be shared by a connection pool; use a file",
            ));
        }
        Ok(DatabaseUrl {
            backend: Backend::Sqlite,
            target: target.to_owned(),
        })
    }

    /// Returns the backend the URL selects.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Returns the value the driver opens: the PostgreSQL URL, or the SQLite path or `file:` URI.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.target))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({}, {})", self.backend, redact(&self.target))
    }
}

/// Replaces the password in the user-info part of a URL with `***`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The user info ends at the last '@' before the path starts.
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or(rest);
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let user_info = authority.get(..at).unwrap_or("");
    let Some((user, _password)) = user_info.split_once(':') else {
        return url.to_owned();
    };
    let after_user_info = rest.get(at..).unwrap_or("");
    format!("{scheme}://{user}:***{after_user_info}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use vahti_domain::ErrorCode;

    #[test]
    fn urls_select_backend() {
        let cases = [
            (
                "postgres://vahti@db/vahti",
                Backend::Postgres,
                "postgres://vahti@db/vahti",
            ),
            (
                "postgresql://db/vahti",
                Backend::Postgres,
                "postgresql://db/vahti",
            ),
            (
                "sqlite:///var/lib/vahti/vahti.db",
                Backend::Sqlite,
                "/var/lib/vahti/vahti.db",
            ),
            ("sqlite://vahti.db", Backend::Sqlite, "vahti.db"),
            (
                "file:vahti.db?mode=rwc",
                Backend::Sqlite,
                "file:vahti.db?mode=rwc",
            ),
            ("/tmp/vahti.db", Backend::Sqlite, "/tmp/vahti.db"),
            ("vahti.db", Backend::Sqlite, "vahti.db"),
        ];
        for (url, backend, target) in cases {
            let parsed = DatabaseUrl::parse(url).unwrap();
            assert_eq!(parsed.backend(), backend, "{url}");
            assert_eq!(parsed.target(), target, "{url}");
        }
    }

    #[test]
    fn unknown_scheme_is_rejected() {
        let error = DatabaseUrl::parse("mysql://root:secret@db/vahti").unwrap_err();
        let message = error.to_string();
        assert_eq!(error.code(), "database_url_invalid");
        assert!(message.contains("mysql://root:***@db/vahti"), "{message}");
        assert!(message.contains("sqlite://PATH"), "{message}");
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn empty_and_memory_are_rejected() {
        for url in [
            "",
            "  ",
            "sqlite://",
            ":memory:",
            "file::memory:?cache=shared",
        ] {
            assert!(DatabaseUrl::parse(url).is_err(), "{url:?}");
        }
    }

    #[test]
    fn redact_hides_password() {
        let cases = [
            (
                "postgres://vahti:s3cr@t@db:5432/vahti",
                "postgres://vahti:***@db:5432/vahti",
            ),
            ("postgres://vahti@db/vahti", "postgres://vahti@db/vahti"),
            ("postgres://db/vahti", "postgres://db/vahti"),
            ("/var/lib/vahti.db", "/var/lib/vahti.db"),
        ];
        for (url, expected) in cases {
            assert_eq!(redact(url), expected, "{url}");
        }
    }

    #[test]
    fn display_hides_password() {
        let url = DatabaseUrl::parse("postgres://vahti:hunter2@db/vahti").unwrap();
        assert_eq!(url.to_string(), "postgres://vahti:***@db/vahti");
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}
