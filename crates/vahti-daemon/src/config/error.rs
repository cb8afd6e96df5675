//! Errors in loading and validating the configuration, and where each value came from.

use std::fmt;
use std::io;
use std::path::PathBuf;

use vahti_domain::ErrorCode;

/// The origin of a configuration value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    /// The built-in default.
    Default,
    /// The configuration file at this path.
    File(PathBuf),
    /// The environment variable of this name, such as `VAHTI__SERVER__LISTEN`.
    Env(String),
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::Default => write!(f, "the built-in default"),
            ValueSource::File(path) => write!(f, "file {}", path.display()),
            ValueSource::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// An error in loading or validating the configuration.
///
/// Every message names the key (as `section.key`), where its value came from, and how to fix it.
/// Messages never contain the value of a secret.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file given with `--config` does not exist.
    #[error("configuration file {} not found: check the path given with --config", path.display())]
    FileNotFound {
        /// The path as given.
        path: PathBuf,
    },

    /// The configuration file exists but could not be read.
    #[error("failed to read configuration file {}: {error}", path.display())]
    FileRead {
        /// The path of the file.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        error: io::Error,
    },

    /// The configuration file is not valid TOML.
    #[error("invalid TOML in configuration file {}: {message}", path.display())]
    FileSyntax {
        /// The path of the file.
        path: PathBuf,
        /// The parser's description of the error, with line and column.
        message: String,
    },

    /// A key that no section defines, usually a typo.
    #[error("unknown key `{key}` in {origin}: valid keys {section} are {valid}")]
    UnknownKey {
        /// The full key, such as `server.listn`.
        key: String,
        /// The file or variable that set the key.
        origin: ValueSource,
        /// The section, such as "in [server]" or "at the top level".
        section: String,
        /// The valid keys of that section, comma-separated.
        valid: String,
    },

    /// A value of the wrong type, such as a string where a number belongs.
    #[error("invalid type for `{key}` in {origin}: expected {expected}, found {found}")]
    InvalidType {
        /// The full key.
        key: String,
        /// The file or variable that set the value.
        origin: ValueSource,
        /// The expected type, such as "an integer".
        expected: &'static str,
        /// The value found, or only its type for secrets.
        found: String,
    },

    /// A value of the right type that is out of range or malformed.
    #[error("invalid value {value} for `{key}` in {origin}: {reason}")]
    InvalidValue {
        /// The full key.
        key: String,
        /// The value as given, quoted when it is text. Never a secret.
        value: String,
        /// The file or variable that set the value.
        origin: ValueSource,
        /// What is wrong and how to fix it.
        reason: String,
    },

    /// A key that the other settings require is not set.
    #[error("missing `{key}`: {reason}")]
    MissingKey {
        /// The full key.
        key: String,
        /// Why it is required and how to set it.
        reason: String,
    },

    /// A secret and the file that should contain it are both set.
    #[error(
        "`{key}` and `{file_key}` are both set: set only one of them, the secret itself or the \
         path of the file that contains it"
    )]
    SecretConflict {
        /// The key of the secret, such as `admin.token`.
        key: String,
        /// The key of the file, such as `admin.token_file`.
        file_key: String,
    },

    /// The file named by a `*_file` key could not be read.
    #[error("failed to read the secret for `{key}` from {}: {error}", path.display())]
    SecretFile {
        /// The `*_file` key.
        key: String,
        /// The resolved path of the file.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        error: io::Error,
    },

    /// The file named by a `*_file` key is empty or contains only line breaks.
    #[error("secret file {} for `{key}` is empty: write the secret into it, or remove `{key}`", path.display())]
    EmptySecret {
        /// The `*_file` key.
        key: String,
        /// The resolved path of the file.
        path: PathBuf,
    },

    /// `daemon.data_dir` is not set and no default could be derived from the environment.
    #[error(
        "no data directory: `daemon.data_dir` is not set and none of STATE_DIRECTORY, \
         XDG_DATA_HOME and HOME is set; set `daemon.data_dir` or VAHTI__DAEMON__DATA_DIR"
    )]
    NoDataDir,

    /// A `VAHTI__` environment variable holds bytes that are not UTF-8.
    #[error("environment variable {variable} is not valid UTF-8: set it to UTF-8 text")]
    EnvNotUnicode {
        /// The variable's name.
        variable: String,
    },

    /// Several problems at once, listed one per line.
    #[error("{} problems in the configuration:{}", errors.len(), list(errors))]
    Several {
        /// The problems, in the order they were found.
        errors: Vec<ConfigError>,
    },

    /// Any other error from the configuration loader.
    #[error("failed to load the configuration: {message}")]
    Load {
        /// The loader's message.
        message: String,
    },
}

fn list(errors: &[ConfigError]) -> String {
    errors
        .iter()
        .map(|error| format!("\n  - {error}"))
        .collect()
}

impl ConfigError {
    /// Combines the problems found in one pass: `None` for none, the problem itself for one.
    pub(crate) fn from_problems(mut errors: Vec<ConfigError>) -> Option<ConfigError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(ConfigError::Several { errors }),
        }
    }
}

impl ErrorCode for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            ConfigError::FileNotFound { .. } => "config_file_not_found",
            ConfigError::FileRead { .. } => "config_file_unreadable",
            ConfigError::FileSyntax { .. } => "config_file_syntax",
            ConfigError::UnknownKey { .. } => "config_unknown_key",
            ConfigError::InvalidType { .. } => "config_invalid_type",
            ConfigError::InvalidValue { .. } => "config_invalid_value",
            ConfigError::MissingKey { .. } => "config_missing_key",
            ConfigError::SecretConflict { .. } => "config_secret_conflict",
            ConfigError::SecretFile { .. } => "config_secret_file_unreadable",
            ConfigError::EmptySecret { .. } => "config_secret_empty",
            ConfigError::NoDataDir => "config_no_data_dir",
            ConfigError::EnvNotUnicode { .. } => "config_env_not_unicode",
            ConfigError::Several { .. } => "config_several_problems",
            ConfigError::Load { .. } => "config_load_failed",
        }
    }
}
