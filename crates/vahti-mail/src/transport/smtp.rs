//! Delivery over SMTP with lettre's pooled async transport.
//!
//! Several tasks may call [`SmtpMailer::send`] at once: each message takes one of
//! [`SmtpConfig::pool_size`] permits and a connection from lettre's pool, so at most that many
//! SMTP transactions run at the same time and idle connections are reused.
//!
//! A message that times out or whose future is dropped leaves its connection in the middle of a
//! transaction, and lettre 0.11.23 would put that connection back into its pool, where the next
//! message would read the stale reply. So an abandoned send replaces the whole pool: the old
//! pool is shut down, which closes its connections, and later messages open fresh ones.
//!
//! NOTE: a send that took the old pool a moment before the replacement can still draw the
//! abandoned connection if lettre parks it before the shutdown closes it. The replies are then
//! off by one and that send fails, possibly with a wrong reply code. The window is the few
//! instructions between taking the pool and taking a connection; no test reproduces it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::sync::Semaphore;
use vahti_domain::ErrorCode;

use super::config::{AuthMechanism, ConfigError, Security, SmtpConfig};
use super::error::DeliveryError;
use super::{Delivered, redact_recipients};
use crate::message::Message;

type Transport = AsyncSmtpTransport<Tokio1Executor>;

/// An SMTP relay with a pool of connections. Cloning shares the pool.
#[derive(Debug, Clone)]
pub struct SmtpMailer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    builder: AsyncSmtpTransportBuilder,
    transport: Mutex<Transport>,
    permits: Semaphore,
    connect_timeout: Duration,
    send_timeout: Duration,
}

impl SmtpMailer {
    /// Builds the transport. Nothing is sent and no connection is opened until the first
    /// message.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for invalid settings (see [`SmtpConfig::validate`]), an invalid EHLO name
    /// or root certificate, or when called outside a tokio runtime.
    pub fn new(config: &SmtpConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConfigError::NoRuntime);
        }

        let builder = transport_builder(config)?;
        let transport = builder.clone().build();
        let permits = usize::try_from(config.pool_size).unwrap_or(usize::MAX);
        Ok(SmtpMailer {
            shared: Arc::new(Shared {
                builder,
                transport: Mutex::new(transport),
                permits: Semaphore::new(permits.min(Semaphore::MAX_PERMITS)),
                connect_timeout: config.connect_timeout,
                send_timeout: config.send_timeout,
            }),
        })
    }

    /// Sends one message and waits for the relay's final reply.
    ///
    /// # Errors
    ///
    /// [`DeliveryError`], classified as transient or permanent.
    pub async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        let _permit = self
            .shared
            .permits
            .acquire()
            .await
            .map_err(|_| DeliveryError::ShutDown)?;
        let transport = self.shared.current();
        let email = message.email();
        let formatted = email.formatted();

        let mut guard = AbandonGuard {
            shared: &self.shared,
            outbox_id: message.outbox_id().0,
            armed: true,
        };
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            self.shared.send_timeout,
            transport.send_raw(email.envelope(), &formatted),
        )
        .await;

        let result = match outcome {
            Ok(Ok(response)) => {
                guard.armed = false;
                Ok(Delivered {
                    message_id: message.message_id().to_owned(),
                    smtp_code: Some(u16::from(response.code())),
                    server_text: redact_recipients(
                        &response.message().collect::<Vec<_>>().join(" "),
                        email.envelope(),
                    ),
                    path: None,
                })
            }
            Ok(Err(error)) => {
                // lettre closes a connection whose command failed, so the pool stays sound.
                guard.armed = false;
                Err(DeliveryError::from_smtp(
                    &error,
                    self.shared.connect_timeout,
                    |text| redact_recipients(text, email.envelope()),
                ))
            }
            // The guard stays armed: the connection is mid-transaction.
            Err(_) => Err(DeliveryError::TimedOut {
                after: self.shared.send_timeout,
            }),
        };
        drop(guard);

        let duration_ms = started.elapsed().as_millis();
        match &result {
            Ok(delivered) => tracing::info!(
                outbox.id = message.outbox_id().0,
                message.id = message.message_id(),
                smtp.code = delivered.smtp_code,
                duration_ms,
                "message delivered over SMTP"
            ),
            Err(error) => tracing::warn!(
                outbox.id = message.outbox_id().0,
                message.id = message.message_id(),
                error.code = error.code(),
                error.permanent = error.is_permanent(),
                smtp.code = error.smtp_code(),
                duration_ms,
                error = %error,
                "SMTP delivery failed"
            ),
        }
        result
    }

    /// Closes the pooled connections. Messages sent afterwards fail with
    /// [`DeliveryError::ShutDown`].
    pub async fn shutdown(&self) {
        self.shared.permits.close();
        let transport = self.shared.current();
        transport.shutdown().await;
    }
}

impl Shared {
    fn current(&self) -> Transport {
        self.transport
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the pool with a new one and shuts the old one down in the background.
    fn replace_pool(&self, outbox_id: i64) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Without a runtime nothing can send on the old pool again either.
            return;
        };
        let fresh = self.builder.clone().build();
        let old = std::mem::replace(
            &mut *self
                .transport
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            fresh,
        );
        tracing::warn!(
            outbox.id = outbox_id,
            "SMTP send abandoned mid-transaction; replacing the connection pool"
        );
        runtime.spawn(async move { old.shutdown().await });
    }
}

/// Replaces the pool when a send ends without lettre finishing the transaction: on timeout, or
/// when the caller drops the future.
struct AbandonGuard<'a> {
    shared: &'a Shared,
    outbox_id: i64,
    armed: bool,
}

impl Drop for AbandonGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.replace_pool(self.outbox_id);
        }
    }
}

fn transport_builder(config: &SmtpConfig) -> Result<AsyncSmtpTransportBuilder, ConfigError> {
    let host = config.host.trim();
    let tls = match config.security {
        Security::Plain => Tls::None,
        Security::ImplicitTls => Tls::Wrapper(tls_parameters(config, host)?),
        Security::StartTls => Tls::Required(tls_parameters(config, host)?),
    };

    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(config.port())
        .tls(tls)
        .timeout(Some(config.connect_timeout))
        .pool_config(
            PoolConfig::new()
                .max_size(config.pool_size)
                .idle_timeout(config.idle_timeout),
        );

    if let Some(name) = &config.hello_name {
        builder = builder.hello_name(hello_name(name)?);
    }
    if let Some(credentials) = &config.credentials {
        builder = builder
            .credentials(Credentials::new(
                credentials.username.clone(),
                credentials.password.clone(),
            ))
            .authentication(
                config
                    .auth_mechanisms
                    .iter()
                    .map(|mechanism| match mechanism {
                        AuthMechanism::Plain => Mechanism::Plain,
                        AuthMechanism::Login => Mechanism::Login,
                    })
                    .collect(),
            );
    }
    Ok(builder)
}

fn tls_parameters(config: &SmtpConfig, host: &str) -> Result<TlsParameters, ConfigError> {
    let mut builder = TlsParameters::builder(host.to_owned());
    for (index, pem) in config.extra_root_certificates.iter().enumerate() {
        let invalid = |reason: String| ConfigError::RootCertificateInvalid {
            number: index + 1,
            reason,
        };
        // lettre accepts text without any certificate in it, which would silently trust nothing.
        if !contains(pem, PEM_CERTIFICATE_HEADER) {
            return Err(invalid(format!(
                "it contains no {} block",
                String::from_utf8_lossy(PEM_CERTIFICATE_HEADER)
            )));
        }
        let certificate = Certificate::from_pem(pem).map_err(|error| invalid(error.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|error| ConfigError::Tls {
        host: host.to_owned(),
        reason: error.to_string(),
    })
}

/// The line that opens a certificate in PEM (RFC 7468 section 5.1).
const PEM_CERTIFICATE_HEADER: &[u8] = b"-----BEGIN CERTIFICATE-----";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn hello_name(name: &str) -> Result<ClientId, ConfigError> {
    let invalid = || ConfigError::HelloNameInvalid {
        value: name.to_owned(),
    };
    let trimmed = name.trim();
    if let Ok(ip) = trimmed.parse::<std::net::IpAddr>() {
        return Ok(match ip {
            std::net::IpAddr::V4(ip) => ClientId::Ipv4(ip),
            std::net::IpAddr::V6(ip) => ClientId::Ipv6(ip),
        });
    }
    let valid = !trimmed.is_empty()
        && trimmed.len() <= 253
        && trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if valid {
        Ok(ClientId::Domain(trimmed.to_owned()))
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_names() {
        assert_eq!(
            hello_name("mail.example.com").unwrap(),
            ClientId::Domain("mail.example.com".to_owned())
        );
        assert_eq!(
            hello_name("192.0.2.1").unwrap(),
            ClientId::Ipv4(std::net::Ipv4Addr::new(192, 0, 2, 1))
        );
        for bad in ["", "a b", "a\r\nMAIL FROM:<x>"] {
            assert_eq!(
                hello_name(bad).unwrap_err().code(),
                "smtp_hello_name_invalid",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn new_needs_runtime() {
        let config = SmtpConfig::new("127.0.0.1", Security::Plain);
        assert_eq!(
            SmtpMailer::new(&config).unwrap_err().code(),
            "smtp_no_runtime"
        );
    }

    #[test]
    fn invalid_root_certificate_is_rejected() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _entered = runtime.enter();
        let mut config = SmtpConfig::new("smtp.example.com", Security::StartTls);
        config.extra_root_certificates = vec![b"not a certificate".to_vec()];
        assert_eq!(
            SmtpMailer::new(&config).unwrap_err().code(),
            "smtp_root_certificate_invalid"
        );
    }
}
