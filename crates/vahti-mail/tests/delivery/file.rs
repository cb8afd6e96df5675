//! Delivery into `.eml` files, the transport used when no SMTP relay is configured.

use vahti_mail::Locale;
use vahti_mail::format;
use vahti_mail::model::MessageKind;
use vahti_mail::transport::{Mailer, TransportConfig};

use crate::common;

#[tokio::test]
async fn writes_one_file_per_message() {
    let directory = tempfile::tempdir().unwrap();
    let outbox = directory.path().join("outbox");
    let mailer = Mailer::from_config(&TransportConfig::File {
        directory: outbox.clone(),
    })
    .unwrap();

    let model = common::model(MessageKind::FinalDemand, Locale::English);
    let message = common::build(&model, 77);
    let delivered = mailer.send(&message).await.unwrap();
    let expected = outbox.join("vahti.77@mail.lumipuu.example.eml");
    assert_eq!(delivered.path.as_deref(), Some(expected.as_path()));
    assert_eq!(delivered.smtp_code, None);

    // Sending again after a crash replaces the file instead of adding one.
    mailer.send(&common::build(&model, 77)).await.unwrap();
    mailer.send(&common::build(&model, 78)).await.unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            "vahti.77@mail.lumipuu.example.eml".to_owned(),
            "vahti.78@mail.lumipuu.example.eml".to_owned()
        ]
    );

    let bytes = std::fs::read(&expected).unwrap();
    assert!(
        bytes.windows(2).any(|pair| pair == b"\r\n"),
        "lines must end in CRLF"
    );
    let mail = mailparse::parse_mail(&bytes).unwrap();
    assert_eq!(
        common::header(&mail, "To").as_deref(),
        Some("Maija Meikäläinen <maija.meikalainen@example.com>")
    );
    assert_eq!(common::header(&mail, "Bcc"), None);
    let (text, html, _) = common::parts(&mail);
    let total = format::money(model.total(), Locale::English);
    assert!(text.contains(&total), "text part lacks the total {total}");
    assert!(html.contains(&total), "HTML part lacks the total {total}");
}

#[tokio::test]
async fn default_transport_is_file() {
    assert!(matches!(
        TransportConfig::default(),
        TransportConfig::File { .. }
    ));
}
