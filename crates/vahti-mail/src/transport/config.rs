//! Transport settings: an SMTP relay, or a directory of `.eml` files when no relay is configured.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use vahti_domain::ErrorCode;

/// The default number of SMTP connections, and so of messages in flight at once.
///
/// NOTE: lettre 0.11.23 does not set TCP_NODELAY on its SMTP connections, so Nagle's algorithm
/// on the client meets delayed ACKs on the server and each message on one connection waits for
/// them. Against the loopback test server on a 2-core machine, one connection carried 99
/// messages in 3.1 s (31 ms each) and eight connections in 0.52 s. Throughput therefore comes
/// from sending over several connections at once.
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// The default time allowed to open a TCP connection to the relay.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time allowed for one message, from taking a connection to the relay's final reply.
pub const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(60);

/// The default time an idle pooled connection stays open.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The directory of the file transport when none is configured, relative to the working
/// directory.
pub const DEFAULT_FILE_DIRECTORY: &str = "mail";

/// The destination of messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportConfig {
    /// An SMTP relay.
    Smtp(SmtpConfig),
    /// One `.eml` file per message in a directory, for development and demos. The default.
    File {
        /// The directory, created on the first message if missing.
        directory: PathBuf,
    },
}

impl Default for TransportConfig {
    fn default() -> Self {
        TransportConfig::File {
            directory: PathBuf::from(DEFAULT_FILE_DIRECTORY),
        }
    }
}

/// The encryption of the connection to the relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Security {
    /// TLS from the first byte (RFC 8314), usually on port 465.
    ImplicitTls,
    /// A plain connection upgraded with STARTTLS before anything else is sent; the message fails
    /// if the relay does not offer STARTTLS. Usually on port 587.
    StartTls,
    /// No encryption. Allowed towards loopback only, unless
    /// [`SmtpConfig::allow_insecure_remote`] is set.
    Plain,
}

impl Security {
    /// The usual port of the mode: 465, 587 or 25.
    pub fn default_port(self) -> u16 {
        match self {
            Security::ImplicitTls => 465,
            Security::StartTls => 587,
            Security::Plain => 25,
        }
    }
}

/// An SMTP AUTH mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthMechanism {
    /// AUTH PLAIN (RFC 4616).
    Plain,
    /// AUTH LOGIN, the older mechanism some relays still require.
    Login,
}

/// A user name and password for SMTP AUTH. `Debug` does not show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The settings of an SMTP relay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// The relay's host name or IP address.
    pub host: String,
    /// The port, or the usual port of [`SmtpConfig::security`] when `None`.
    pub port: Option<u16>,
    /// The encryption of the connection.
    pub security: Security,
    /// Allows [`Security::Plain`] towards a host other than loopback. Mail and credentials then
    /// cross the network unencrypted.
    pub allow_insecure_remote: bool,
    /// The user name and password for AUTH, if the relay requires it.
    pub credentials: Option<SmtpCredentials>,
    /// The AUTH mechanisms to try, in order of preference.
    pub auth_mechanisms: Vec<AuthMechanism>,
    /// The name sent with EHLO, such as the host's fully qualified name. lettre sends
    /// `[127.0.0.1]` when this is `None`.
    pub hello_name: Option<String>,
    /// The time allowed to open a TCP connection.
    pub connect_timeout: Duration,
    /// The time allowed for one message, from taking a connection to the relay's final reply.
    ///
    /// lettre 0.11.23 applies its own timeout only to connecting when it runs on tokio, so this
    /// bound covers the commands and the data transfer.
    pub send_timeout: Duration,
    /// The maximum number of connections, and so of messages in flight at once. See
    /// [`DEFAULT_POOL_SIZE`].
    pub pool_size: u32,
    /// How long an idle connection stays in the pool.
    pub idle_timeout: Duration,
    /// Extra trusted root certificates in PEM, for a relay with a private CA. The public web
    /// roots are always trusted.
    pub extra_root_certificates: Vec<Vec<u8>>,
}

impl SmtpConfig {
    /// Settings for `host` with `security` and the defaults for everything else.
    pub fn new(host: impl Into<String>, security: Security) -> Self {
        SmtpConfig {
            host: host.into(),
            port: None,
            security,
            allow_insecure_remote: false,
            credentials: None,
            auth_mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
            hello_name: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            send_timeout: DEFAULT_SEND_TIMEOUT,
            pool_size: DEFAULT_POOL_SIZE,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            extra_root_certificates: Vec::new(),
        }
    }

    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(self.security.default_port())
    }

    /// Checks the settings that need no network.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an empty host, plain SMTP to a host other than loopback without
    /// [`SmtpConfig::allow_insecure_remote`], a pool size of zero, a zero timeout, or an empty
    /// AUTH mechanism list with credentials.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let host = self.host.trim();
        if host.is_empty() {
            return Err(ConfigError::HostMissing);
        }
        if self.security == Security::Plain && !self.allow_insecure_remote && !is_loopback(host) {
            return Err(ConfigError::PlainToRemote {
                host: self.host.clone(),
            });
        }
        if self.pool_size == 0 {
            return Err(ConfigError::PoolSizeZero);
        }
        for (field, value) in [
            ("connect_timeout", self.connect_timeout),
            ("send_timeout", self.send_timeout),
            ("idle_timeout", self.idle_timeout),
        ] {
            if value.is_zero() {
                return Err(ConfigError::TimeoutZero { field });
            }
        }
        if self.credentials.is_some() && self.auth_mechanisms.is_empty() {
            return Err(ConfigError::AuthMechanismsMissing);
        }
        Ok(())
    }
}

/// Whether `host` is `localhost` or a loopback address (127.0.0.0/8 or ::1).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Transport settings that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The SMTP host is empty.
    #[error("the SMTP host is missing: set the relay's host name or address")]
    HostMissing,

    /// Plain SMTP towards a host that is not loopback.
    #[error(
        "plain SMTP to {host:?} would send mail and passwords unencrypted over the network: use implicit TLS or STARTTLS, or set allow_insecure_remote if the network is trusted"
    )]
    PlainToRemote {
        /// The host as configured.
        host: String,
    },

    /// The pool size is zero.
    #[error("the SMTP pool size is 0, but at least one connection is needed")]
    PoolSizeZero,

    /// A timeout is zero.
    #[error("the SMTP {field} is 0, which would fail every message: set a positive duration")]
    TimeoutZero {
        /// The setting.
        field: &'static str,
    },

    /// Credentials are set but no AUTH mechanism is allowed.
    #[error("SMTP credentials are set but no AUTH mechanism is allowed: allow PLAIN or LOGIN")]
    AuthMechanismsMissing,

    /// The EHLO name is not a domain name or IP address.
    #[error("the SMTP hello name {value:?} is invalid: use the host's domain name or IP address")]
    HelloNameInvalid {
        /// The name as configured.
        value: String,
    },

    /// An extra root certificate is not valid PEM.
    #[error("extra root certificate number {number} is invalid: {reason}")]
    RootCertificateInvalid {
        /// The position in the list, counted from 1.
        number: usize,
        /// The parser's error message.
        reason: String,
    },

    /// The TLS settings could not be built.
    #[error("the TLS settings for {host:?} could not be built: {reason}")]
    Tls {
        /// The host as configured.
        host: String,
        /// lettre's error message.
        reason: String,
    },

    /// The SMTP pool was created outside a tokio runtime.
    #[error(
        "the SMTP transport must be created inside a tokio runtime, because its connection pool runs a background task"
    )]
    NoRuntime,
}

impl ErrorCode for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            ConfigError::HostMissing => "smtp_host_missing",
            ConfigError::PlainToRemote { .. } => "smtp_plain_remote",
            ConfigError::PoolSizeZero => "smtp_pool_size_zero",
            ConfigError::TimeoutZero { .. } => "smtp_timeout_zero",
            ConfigError::AuthMechanismsMissing => "smtp_auth_mechanisms_missing",
            ConfigError::HelloNameInvalid { .. } => "smtp_hello_name_invalid",
            ConfigError::RootCertificateInvalid { .. } => "smtp_root_certificate_invalid",
            ConfigError::Tls { .. } => "smtp_tls_config",
            ConfigError::NoRuntime => "smtp_no_runtime",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        let cases = [
            ("localhost", true),
            ("LOCALHOST.", true),
            ("127.0.0.1", true),
            ("127.255.0.9", true),
            ("::1", true),
            ("[::1]", true),
            ("128.0.0.1", false),
            ("10.0.0.1", false),
            ("smtp.example.com", false),
            ("localhost.example.com", false),
            ("::2", false),
            ("", false),
        ];
        for (host, expected) in cases {
            assert_eq!(is_loopback(host), expected, "{host:?}");
        }
    }

    #[test]
    fn plain_to_remote_is_rejected() {
        let config = SmtpConfig::new("smtp.example.com", Security::Plain);
        let error = config.validate().unwrap_err();
        assert_eq!(error.code(), "smtp_plain_remote");
        assert!(error.to_string().contains("smtp.example.com"), "{error}");
    }

    #[test]
    fn plain_to_remote_with_flag() {
        let mut config = SmtpConfig::new("smtp.example.com", Security::Plain);
        config.allow_insecure_remote = true;
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn plain_to_loopback_is_allowed() {
        assert_eq!(
            SmtpConfig::new("127.0.0.1", Security::Plain).validate(),
            Ok(())
        );
    }

    #[test]
    fn tls_to_remote_is_allowed() {
        for security in [Security::ImplicitTls, Security::StartTls] {
            let config = SmtpConfig::new("smtp.example.com", security);
            assert_eq!(config.validate(), Ok(()), "{security:?}");
        }
    }

    #[test]
    fn ports_follow_security() {
        assert_eq!(SmtpConfig::new("h", Security::ImplicitTls).port(), 465);
        assert_eq!(SmtpConfig::new("h", Security::StartTls).port(), 587);
        assert_eq!(SmtpConfig::new("h", Security::Plain).port(), 25);
        let mut config = SmtpConfig::new("h", Security::StartTls);
        config.port = Some(2525);
        assert_eq!(config.port(), 2525);
    }

    #[test]
    fn zero_settings_are_rejected() {
        let mut config = SmtpConfig::new("localhost", Security::Plain);
        config.pool_size = 0;
        assert_eq!(config.validate().unwrap_err().code(), "smtp_pool_size_zero");

        let mut config = SmtpConfig::new("localhost", Security::Plain);
        config.send_timeout = Duration::ZERO;
        assert_eq!(config.validate().unwrap_err().code(), "smtp_timeout_zero");

        let config = SmtpConfig::new(" ", Security::ImplicitTls);
        assert_eq!(config.validate().unwrap_err().code(), "smtp_host_missing");
    }

    #[test]
    fn credentials_debug_hides_password() {
        let credentials = SmtpCredentials {
            username: "user".to_owned(),
            password: "hunter2".to_owned(),
        };
        let text = format!("{credentials:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("user"), "{text}");
    }
}
