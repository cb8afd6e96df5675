//! The table of every configuration key and its type, and the checks of each source against it.
//!
//! The `config` crate merges sources before deserializing, so its errors cannot tell whether a bad
//! key came from the file or from a variable, and it quietly turns `true` into `1` or `2.7` into
//! `3`. Each source is therefore checked here on its own first: unknown keys and wrong types are
//! reported with the file or variable that set them. The serde structs still deny unknown fields,
//! which catches any key missing from this table.

use std::collections::BTreeMap;

use config::{Map, Value, ValueKind};

use super::error::{ConfigError, ValueSource};

/// The type a key expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A whole number of 0 or more.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// Any text.
    Text,
    /// Text that must never be printed, even in an error.
    Secret,
    /// A nested section.
    Table,
}

impl Kind {
    fn expected(self) -> &'static str {
        match self {
            Kind::Integer => "a whole number of 0 or more",
            Kind::Boolean => "true or false",
            Kind::Text | Kind::Secret => "a string",
            Kind::Table => "a table of keys",
        }
    }
}

/// The sections and their keys. The empty name is the top level.
pub(crate) const SECTIONS: &[(&str, &[(&str, Kind)])] = &[
    (
        "",
        &[
            ("server", Kind::Table),
            ("database", Kind::Table),
            ("daemon", Kind::Table),
            ("admin", Kind::Table),
            ("clock", Kind::Table),
            ("scheduler", Kind::Table),
            ("actors", Kind::Table),
            ("mail", Kind::Table),
            ("outbox", Kind::Table),
            ("webhooks", Kind::Table),
            ("collection", Kind::Table),
            ("self_service", Kind::Table),
            ("cluster", Kind::Table),
            ("log", Kind::Table),
        ],
    ),
    (
        "server",
        &[
            ("listen", Kind::Text),
            ("max_body_bytes", Kind::Integer),
            ("shutdown_timeout_seconds", Kind::Integer),
            ("workers", Kind::Integer),
            ("max_pending_writes", Kind::Integer),
            ("public_url", Kind::Text),
        ],
    ),
    (
        "database",
        &[
            ("url", Kind::Secret),
            ("url_file", Kind::Text),
            ("pool_size", Kind::Integer),
            ("busy_timeout_ms", Kind::Integer),
            ("migrate_on_start", Kind::Boolean),
        ],
    ),
    ("daemon", &[("data_dir", Kind::Text)]),
    (
        "admin",
        &[("token", Kind::Secret), ("token_file", Kind::Text)],
    ),
    ("clock", &[("mode", Kind::Text), ("start", Kind::Text)]),
    (
        "scheduler",
        &[
            ("poll_interval_ms", Kind::Integer),
            ("batch_size", Kind::Integer),
            ("concurrency", Kind::Integer),
            ("accounts_per_transaction", Kind::Integer),
        ],
    ),
    (
        "actors",
        &[
            ("idle_timeout_seconds", Kind::Integer),
            ("directory_shards", Kind::Integer),
            ("arbiters", Kind::Integer),
        ],
    ),
    (
        "mail",
        &[
            ("transport", Kind::Text),
            ("file_dir", Kind::Text),
            ("from_domain", Kind::Text),
            ("smtp", Kind::Table),
        ],
    ),
    (
        "mail.smtp",
        &[
            ("host", Kind::Text),
            ("port", Kind::Integer),
            ("security", Kind::Text),
            ("username", Kind::Text),
            ("password", Kind::Secret),
            ("password_file", Kind::Text),
            ("allow_insecure_remote", Kind::Boolean),
            ("timeout_seconds", Kind::Integer),
            ("pool_size", Kind::Integer),
        ],
    ),
    (
        "outbox",
        &[
            ("concurrency", Kind::Integer),
            ("max_age_hours", Kind::Integer),
            ("retry_base_seconds", Kind::Integer),
            ("retry_max_seconds", Kind::Integer),
            ("tenant_rate_per_second", Kind::Integer),
            ("manual_task_on_failure", Kind::Boolean),
        ],
    ),
    (
        "webhooks",
        &[
            ("timeout_seconds", Kind::Integer),
            ("max_age_hours", Kind::Integer),
            ("failures_before_disable", Kind::Integer),
            ("secret_grace_hours", Kind::Integer),
            ("allow_insecure_http", Kind::Boolean),
        ],
    ),
    ("collection", &[("export_dir", Kind::Text)]),
    (
        "self_service",
        &[
            ("link_days", Kind::Integer),
            ("link_requests_per_minute", Kind::Integer),
            ("address_requests_per_minute", Kind::Integer),
        ],
    ),
    (
        "cluster",
        &[
            ("enabled", Kind::Boolean),
            ("node_id", Kind::Text),
            ("shards", Kind::Integer),
            ("lease_duration_ms", Kind::Integer),
            ("heartbeat_interval_ms", Kind::Integer),
        ],
    ),
    ("log", &[("format", Kind::Text), ("level", Kind::Text)]),
];

/// The prefix of configuration variables. One underscore after `VAHTI` is not enough, so that
/// variables such as `VAHTI_TEST_POSTGRES_URL` are never read as configuration.
pub(crate) const ENV_PREFIX: &str = "VAHTI__";

/// The separator between section and key in a variable name.
pub(crate) const ENV_SEPARATOR: &str = "__";

/// Returns the variable that sets a dotted key, such as `VAHTI__MAIL__SMTP__HOST` for
/// `mail.smtp.host`.
pub fn env_var_name(key: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        key.to_ascii_uppercase().replace('.', ENV_SEPARATOR)
    )
}

fn keys_of(section: &str) -> &'static [(&'static str, Kind)] {
    SECTIONS
        .iter()
        .find(|(name, _)| *name == section)
        .map_or(&[], |(_, keys)| *keys)
}

fn join(section: &str, key: &str) -> String {
    if section.is_empty() {
        key.to_owned()
    } else {
        format!("{section}.{key}")
    }
}

fn unknown_key(section: &str, key: &str, origin: ValueSource) -> ConfigError {
    let valid = keys_of(section)
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    let place = if section.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("in [{section}]")
    };
    ConfigError::UnknownKey {
        key: join(section, key),
        origin,
        section: place,
        valid,
    }
}

/// The keys that a source set, each with the source that set it last.
pub(crate) type Origins = BTreeMap<String, ValueSource>;

/// Checks the keys and value types of a parsed configuration file, recording the keys it sets.
pub(crate) fn check_file(
    table: &Map<String, Value>,
    origin: &ValueSource,
    origins: &mut Origins,
) -> Vec<ConfigError> {
    let mut problems = Vec::new();
    check_table("", table, origin, origins, &mut problems);
    problems
}

fn check_table(
    section: &str,
    table: &Map<String, Value>,
    origin: &ValueSource,
    origins: &mut Origins,
    problems: &mut Vec<ConfigError>,
) {
    // The table is a hash map, so sorting keeps the order of reported problems stable.
    let mut entries: Vec<(&String, &Value)> = table.iter().collect();
    entries.sort_by_key(|(key, _)| *key);

    for (key, value) in entries {
        let full_key = join(section, key);
        let Some(&(_, kind)) = keys_of(section).iter().find(|(name, _)| name == key) else {
            problems.push(unknown_key(section, key, origin.clone()));
            continue;
        };
        origins.insert(full_key.clone(), origin.clone());

        match (&value.kind, kind) {
            (ValueKind::Table(inner), Kind::Table) => {
                check_table(&full_key, inner, origin, origins, problems);
            }
            (ValueKind::I64(number), Kind::Integer) if *number >= 0 => {}
            (ValueKind::U64(_) | ValueKind::U128(_), Kind::Integer) => {}
            (ValueKind::Boolean(_), Kind::Boolean) => {}
            (ValueKind::String(_), Kind::Text | Kind::Secret) => {}
            (found, kind) => problems.push(ConfigError::InvalidType {
                key: full_key,
                origin: origin.clone(),
                expected: kind.expected(),
                found: describe(found, kind == Kind::Secret),
            }),
        }
    }
}

fn describe(value: &ValueKind, secret: bool) -> String {
    let (kind, shown) = match value {
        ValueKind::Nil => ("nothing", String::new()),
        ValueKind::Boolean(value) => ("boolean", value.to_string()),
        ValueKind::I64(value) => ("integer", value.to_string()),
        ValueKind::I128(value) => ("integer", value.to_string()),
        ValueKind::U64(value) => ("integer", value.to_string()),
        ValueKind::U128(value) => ("integer", value.to_string()),
        ValueKind::Float(value) => ("number", value.to_string()),
        ValueKind::String(value) => ("string", format!("{value:?}")),
        ValueKind::Table(_) => ("table", String::new()),
        ValueKind::Array(_) => ("array", String::new()),
    };
    if secret || shown.is_empty() {
        format!("a {kind}")
    } else {
        format!("{kind} {shown}")
    }
}

/// A configuration variable from the environment.
#[derive(Debug, Clone)]
pub(crate) struct EnvSetting {
    /// The variable's name as set.
    pub variable: String,
    /// The dotted key in lower case, such as `mail.smtp.host`.
    pub key: String,
    /// The value.
    pub value: String,
}

/// Checks the keys and values of configuration variables, recording the keys they set.
pub(crate) fn check_env(settings: &[EnvSetting], origins: &mut Origins) -> Vec<ConfigError> {
    let mut problems = Vec::new();
    for setting in settings {
        let origin = ValueSource::Env(setting.variable.clone());
        if let Err(problem) = check_env_setting(setting, &origin) {
            problems.push(problem);
            continue;
        }
        origins.insert(setting.key.clone(), origin);
    }
    problems
}

fn check_env_setting(setting: &EnvSetting, origin: &ValueSource) -> Result<(), ConfigError> {
    let mut section = String::new();
    let mut segments = setting.key.split('.').peekable();

    while let Some(segment) = segments.next() {
        let Some(&(_, kind)) = keys_of(&section).iter().find(|(name, _)| *name == segment) else {
            return Err(unknown_key(&section, segment, origin.clone()));
        };
        let full_key = join(&section, segment);
        let is_last = segments.peek().is_none();

        if kind == Kind::Table && !is_last {
            section = full_key;
            continue;
        }
        if !is_last || !accepts_text(kind, &setting.value) {
            let found = if is_last {
                describe(
                    &ValueKind::String(setting.value.clone()),
                    kind == Kind::Secret,
                )
            } else {
                "a section name".to_owned()
            };
            return Err(ConfigError::InvalidType {
                key: full_key,
                origin: origin.clone(),
                expected: kind.expected(),
                found,
            });
        }
    }
    Ok(())
}

fn accepts_text(kind: Kind, text: &str) -> bool {
    match kind {
        Kind::Integer => text.parse::<u64>().is_ok(),
        Kind::Boolean => text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false"),
        Kind::Text | Kind::Secret => true,
        Kind::Table => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_var_name_of_nested_key() {
        assert_eq!(env_var_name("mail.smtp.host"), "VAHTI__MAIL__SMTP__HOST");
    }

    #[test]
    fn every_section_is_a_table_key() {
        for (section, _) in SECTIONS.iter().filter(|(name, _)| !name.is_empty()) {
            let (parent, key) = section.rsplit_once('.').unwrap_or(("", section));
            let kind = keys_of(parent).iter().find(|(name, _)| *name == key);
            assert_eq!(kind.map(|(_, kind)| *kind), Some(Kind::Table), "{section}");
        }
    }
}
