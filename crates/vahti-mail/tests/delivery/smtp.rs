//! Delivery through the pooled SMTP transport to the test server, with injected faults.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use vahti_domain::ErrorCode;
use vahti_mail::format;
use vahti_mail::model::MessageKind;
use vahti_mail::transport::{Mailer, Security, SmtpConfig, SmtpCredentials, TransportConfig};
use vahti_mail::{DeliveryError, Locale};
use vahti_testkit::smtp::{Fault, ReceivedMessage, SmtpServer, SmtpServerConfig, Stage};

use crate::common::{self, BCC, MAIL_DOMAIN, RECIPIENT};

const WAIT: Duration = Duration::from_secs(5);

fn mailer(config: SmtpConfig) -> Mailer {
    Mailer::from_config(&TransportConfig::Smtp(config)).unwrap()
}

fn only_message(messages: &[ReceivedMessage]) -> &ReceivedMessage {
    assert_eq!(messages.len(), 1, "expected exactly one message");
    &messages[0]
}

#[tokio::test]
async fn delivers_reminder_with_mime_structure() {
    let server = SmtpServer::start().await.unwrap();
    let mailer = mailer(common::smtp_config(server.port()));
    let model = common::model(MessageKind::Reminder, Locale::Finnish);
    let message = common::build(&model, 4711);

    let delivered = mailer.send(&message).await.unwrap();
    assert_eq!(delivered.smtp_code, Some(250));
    assert_eq!(delivered.message_id, "<vahti.4711@mail.lumipuu.example>");

    let messages = server.wait_for_messages(1, WAIT).await;
    let received = only_message(&messages);
    assert_eq!(received.mail_from, "laskutus@lumipuu.example");
    assert_eq!(received.rcpt_to, vec![RECIPIENT.to_owned(), BCC.to_owned()]);

    let mail = mailparse::parse_mail(&received.data).unwrap();
    let (text, html, png) = common::parts(&mail);

    let total = format::money(model.total(), Locale::Finnish);
    assert!(text.contains(&total), "text part lacks the total {total}");
    assert!(html.contains(&total), "HTML part lacks the total {total}");
    let fee = format::money(model.fees_total(), Locale::Finnish);
    assert!(text.contains(&fee), "text part lacks the fee");
    assert!(html.contains(&fee), "HTML part lacks the fee");
    assert!(text.contains("20 01421"), "text part lacks the reference");
    assert!(html.contains("20 01421"), "HTML part lacks the reference");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[tokio::test]
async fn headers_identify_sender() {
    let server = SmtpServer::start().await.unwrap();
    let mailer = mailer(common::smtp_config(server.port()));
    mailer.send(&common::reminder(7)).await.unwrap();

    let messages = server.wait_for_messages(1, WAIT).await;
    let mail = mailparse::parse_mail(&only_message(&messages).data).unwrap();

    let header = |name| common::header(&mail, name);
    assert_eq!(
        header("From").as_deref(),
        Some("\"Lumipuu Oy\" <laskutus@lumipuu.example>")
    );
    assert_eq!(
        header("Reply-To").as_deref(),
        Some("\"Lumipuu Oy\" <reskontra@lumipuu.example>")
    );
    assert_eq!(
        header("To").as_deref(),
        Some("Maija Meikäläinen <maija.meikalainen@example.com>")
    );
    assert_eq!(
        header("Subject").as_deref(),
        Some("Maksumuistutus: laskut 2026-0142, 2026-0188")
    );
    assert_eq!(
        header("Message-ID").as_deref(),
        Some("<vahti.7@mail.lumipuu.example>")
    );
    assert_eq!(
        header("Date").as_deref(),
        Some("Tue, 17 Mar 2026 07:00:00 +0000")
    );
    assert_eq!(header("Bcc"), None);
    assert_eq!(header("List-Unsubscribe"), None);
    assert_eq!(header("Auto-Submitted").as_deref(), Some("auto-generated"));
}

#[tokio::test]
async fn message_id_survives_rebuild() {
    let server = SmtpServer::start().await.unwrap();
    let mailer = mailer(common::smtp_config(server.port()));
    // A resend after a crash renders the stored model again for the same outbox row.
    mailer.send(&common::reminder(99)).await.unwrap();
    mailer.send(&common::reminder(99)).await.unwrap();
    mailer.send(&common::reminder(100)).await.unwrap();

    let messages = server.wait_for_messages(3, WAIT).await;
    let ids: Vec<String> = messages
        .iter()
        .map(|received| {
            let mail = mailparse::parse_mail(&received.data).unwrap();
            common::header(&mail, "Message-ID").unwrap()
        })
        .collect();
    assert_eq!(ids[0], format!("<vahti.99@{MAIL_DOMAIN}>"));
    assert_eq!(ids[1], ids[0]);
    assert_ne!(ids[2], ids[0]);
}

#[tokio::test]
async fn every_locale_and_kind_delivers() {
    let server = SmtpServer::start().await.unwrap();
    let mailer = mailer(common::smtp_config(server.port()));
    let mut expected = 0;
    for kind in MessageKind::ALL {
        for locale in Locale::ALL {
            let model = common::model(kind, locale);
            expected += 1;
            mailer.send(&common::build(&model, expected)).await.unwrap();
        }
    }
    let messages = server.wait_for_messages(18, WAIT).await;
    assert_eq!(messages.len(), 18);
    for received in &messages {
        let mail = mailparse::parse_mail(&received.data).unwrap();
        assert_eq!(common::mime_type(&mail), "multipart/alternative");
        assert_eq!(common::mime_type(&mail.subparts[0]), "text/plain");
    }
}

#[tokio::test]
async fn server_down_then_back() {
    let server = SmtpServer::stopped().await.unwrap();
    let mailer = mailer(common::smtp_config(server.port()));
    let message = common::reminder(1);

    let error = mailer.send(&message).await.unwrap_err();
    assert!(
        matches!(error, DeliveryError::Connection { .. }),
        "{error:?}"
    );
    assert!(!error.is_permanent());

    server.listen().await.unwrap();
    mailer.send(&message).await.unwrap();
    let messages = server.wait_for_messages(1, WAIT).await;
    only_message(&messages);
}

#[tokio::test]
async fn deferred_then_accepted() {
    let server = SmtpServer::start().await.unwrap();
    server.inject(Fault::reply(Stage::Mail, 451, "4.3.0 Try again later", 1));
    let mailer = mailer(common::smtp_config(server.port()));
    let message = common::reminder(2);

    let error = mailer.send(&message).await.unwrap_err();
    assert_eq!(
        error,
        DeliveryError::TransientReply {
            code: 451,
            text: "4.3.0 Try again later".to_owned()
        }
    );
    assert_eq!(error.smtp_code(), Some(451));
    assert!(!error.is_permanent());

    mailer.send(&message).await.unwrap();
    let messages = server.wait_for_messages(1, WAIT).await;
    only_message(&messages);
}

#[tokio::test]
async fn deferred_after_data() {
    let server = SmtpServer::start().await.unwrap();
    server.inject(Fault::reply(
        Stage::DataEnd,
        452,
        "4.3.1 Insufficient storage",
        1,
    ));
    let mailer = mailer(common::smtp_config(server.port()));

    let error = mailer.send(&common::reminder(3)).await.unwrap_err();
    assert_eq!(error.smtp_code(), Some(452));
    assert!(!error.is_permanent());
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn rejected_recipient_is_permanent() {
    let server = SmtpServer::start().await.unwrap();
    server.inject(Fault::reply(
        Stage::Rcpt,
        550,
        format!("5.1.1 <{RECIPIENT}>: Recipient address rejected"),
        1,
    ));
    let mailer = mailer(common::smtp_config(server.port()));

    let error = mailer.send(&common::reminder(4)).await.unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(error.smtp_code(), Some(550));
    assert_eq!(error.code(), "smtp_permanent_reply");
    // The reply quoted the recipient; the error keeps the text without the address.
    assert_eq!(
        error.server_text(),
        Some("5.1.1 <<recipient>>: Recipient address rejected")
    );
    assert!(!error.to_string().contains(RECIPIENT), "{error}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn rejected_content_is_permanent() {
    let server = SmtpServer::start().await.unwrap();
    server.inject(Fault::reply(
        Stage::DataEnd,
        554,
        "5.7.1 Message rejected",
        1,
    ));
    let mailer = mailer(common::smtp_config(server.port()));

    let error = mailer.send(&common::reminder(5)).await.unwrap_err();
    assert!(error.is_permanent(), "{error:?}");
    assert_eq!(error.smtp_code(), Some(554));
}

#[tokio::test]
async fn slow_server_times_out() {
    let server = SmtpServer::start().await.unwrap();
    server.inject(Fault::delay(Stage::Mail, Duration::from_secs(3), 1));
    let mut config = common::smtp_config(server.port());
    config.send_timeout = Duration::from_millis(300);
    let mailer = mailer(config);

    let started = Instant::now();
    let error = mailer.send(&common::reminder(6)).await.unwrap_err();
    assert_eq!(
        error,
        DeliveryError::TimedOut {
            after: Duration::from_millis(300)
        }
    );
    assert!(!error.is_permanent());
    assert!(started.elapsed() < Duration::from_secs(2));

    // The abandoned connection is not reused, so the next message gets a clean session.
    mailer.send(&common::reminder(7)).await.unwrap();
    let messages = server.wait_for_messages(1, WAIT).await;
    let received = only_message(&messages);
    let mail = mailparse::parse_mail(&received.data).unwrap();
    assert_eq!(
        common::header(&mail, "Message-ID").as_deref(),
        Some("<vahti.7@mail.lumipuu.example>")
    );
}

#[tokio::test]
async fn dropped_connection_during_data() {
    let server = SmtpServer::start().await.unwrap();
    server.inject(Fault::drop_during_data(1));
    let mailer = mailer(common::smtp_config(server.port()));
    let message = common::reminder(8);

    let error = mailer.send(&message).await.unwrap_err();
    assert!(
        matches!(
            error,
            DeliveryError::Protocol { .. } | DeliveryError::Connection { .. }
        ),
        "{error:?}"
    );
    assert!(!error.is_permanent());
    assert!(server.messages().is_empty());

    mailer.send(&message).await.unwrap();
    let messages = server.wait_for_messages(1, WAIT).await;
    only_message(&messages);
}

#[tokio::test]
async fn pooled_sends_arrive_once() {
    const MESSAGES: i64 = 50;
    const POOL: u32 = 4;

    let server = SmtpServer::start().await.unwrap();
    let mut config = common::smtp_config(server.port());
    config.pool_size = POOL;
    let mailer = mailer(config);

    let mut tasks = tokio::task::JoinSet::new();
    for id in 1..=MESSAGES {
        let mailer = mailer.clone();
        let message = common::reminder(id);
        tasks.spawn(async move { mailer.send(&message).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }

    let messages = server.wait_for_messages(50, WAIT).await;
    assert_eq!(messages.len(), 50);
    let ids: HashSet<String> = messages
        .iter()
        .map(|received| {
            let mail = mailparse::parse_mail(&received.data).unwrap();
            common::header(&mail, "Message-ID").unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 50, "a message arrived twice or not at all");

    let pool = usize::try_from(POOL).unwrap();
    assert!(server.max_concurrent_transactions() <= pool);
    assert!(
        server.max_concurrent_transactions() >= 2,
        "sends did not overlap"
    );
    assert!(server.connections_accepted() >= 2);
    mailer.shutdown().await;
}

#[tokio::test]
async fn credentials_are_sent() {
    let server = SmtpServer::start_with(SmtpServerConfig {
        credentials: Some(("vahti".to_owned(), "s3cret".to_owned())),
    })
    .await
    .unwrap();
    let mut config = common::smtp_config(server.port());
    config.credentials = Some(SmtpCredentials {
        username: "vahti".to_owned(),
        password: "s3cret".to_owned(),
    });
    mailer(config).send(&common::reminder(9)).await.unwrap();

    let messages = server.wait_for_messages(1, WAIT).await;
    assert_eq!(
        only_message(&messages).authenticated_as.as_deref(),
        Some("vahti")
    );
}

#[tokio::test]
async fn wrong_password_is_transient() {
    let server = SmtpServer::start_with(SmtpServerConfig {
        credentials: Some(("vahti".to_owned(), "s3cret".to_owned())),
    })
    .await
    .unwrap();
    let mut config = common::smtp_config(server.port());
    config.credentials = Some(SmtpCredentials {
        username: "vahti".to_owned(),
        password: "wrong".to_owned(),
    });

    let error = mailer(config)
        .send(&common::reminder(10))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "smtp_authentication_failed");
    assert_eq!(error.smtp_code(), Some(535));
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn tls_handshake_failure_is_transient() {
    // The test server speaks plain SMTP, so a client expecting TLS from the first byte fails
    // the handshake.
    let server = SmtpServer::start().await.unwrap();
    let mut config = SmtpConfig::new("127.0.0.1", Security::ImplicitTls);
    config.port = Some(server.port());
    config.send_timeout = Duration::from_secs(5);

    let error = mailer(config)
        .send(&common::reminder(11))
        .await
        .unwrap_err();
    assert!(matches!(error, DeliveryError::Tls { .. }), "{error:?}");
    assert!(!error.is_permanent());
}

#[tokio::test]
async fn missing_starttls_is_transient() {
    let server = SmtpServer::start().await.unwrap();
    let mut config = SmtpConfig::new("127.0.0.1", Security::StartTls);
    config.port = Some(server.port());
    config.send_timeout = Duration::from_secs(5);

    let error = mailer(config)
        .send(&common::reminder(12))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "smtp_unsupported_settings", "{error:?}");
    assert!(!error.is_permanent());
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn shut_down_mailer_rejects() {
    let server = SmtpServer::start().await.unwrap();
    let mailer = mailer(common::smtp_config(server.port()));
    mailer.shutdown().await;

    let error = mailer.send(&common::reminder(13)).await.unwrap_err();
    assert_eq!(error, DeliveryError::ShutDown);
}
