//! Shared helpers of the delivery tests: the example message, a sender identity, and a MIME
//! parser that reads back what a server received.

use chrono::{DateTime, Utc};
use mailparse::{MailHeaderMap, ParsedMail};
use vahti_mail::model::{MessageKind, RenderModel};
use vahti_mail::overrides::TemplateOverrides;
use vahti_mail::transport::{Security, SmtpConfig};
use vahti_mail::{Locale, Message, OutboxId, SenderIdentity, build_message, example};

pub const MAIL_DOMAIN: &str = "mail.lumipuu.example";
pub const BCC: &str = "arkisto@lumipuu.example";
pub const RECIPIENT: &str = "maija.meikalainen@example.com";

pub fn sender() -> SenderIdentity {
    SenderIdentity {
        from_name: "Lumipuu Oy".to_owned(),
        from_address: "laskutus@lumipuu.example".to_owned(),
        reply_to: Some("reskontra@lumipuu.example".to_owned()),
        bcc: Some(BCC.to_owned()),
        mail_domain: MAIL_DOMAIN.to_owned(),
    }
}

pub fn model(kind: MessageKind, locale: Locale) -> RenderModel {
    RenderModel::new(example::message(kind, locale)).unwrap()
}

/// The time the outbox row was created: 17 Mar 2026 07:00 UTC.
pub fn created_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_773_730_800, 0).unwrap()
}

/// Builds the Finnish reminder for outbox row `id`.
pub fn reminder(id: i64) -> Message {
    build(&model(MessageKind::Reminder, Locale::Finnish), id)
}

pub fn build(model: &RenderModel, id: i64) -> Message {
    build_message(
        model,
        &TemplateOverrides::new(),
        &sender(),
        OutboxId(id),
        created_at(),
    )
    .unwrap()
}

/// Plain SMTP to the loopback server on `port`, with short timeouts for tests.
pub fn smtp_config(port: u16) -> SmtpConfig {
    let mut config = SmtpConfig::new("127.0.0.1", Security::Plain);
    config.port = Some(port);
    config.hello_name = Some("vahti.test".to_owned());
    config.connect_timeout = std::time::Duration::from_secs(2);
    config.send_timeout = std::time::Duration::from_secs(5);
    config
}

/// The first value of header `name`.
pub fn header(mail: &ParsedMail<'_>, name: &str) -> Option<String> {
    mail.headers.get_first_value(name)
}

/// The media type of a part, such as `text/plain`.
pub fn mime_type(part: &ParsedMail<'_>) -> String {
    part.ctype.mimetype.to_ascii_lowercase()
}

/// Checks the MIME tree of a received reminder and returns its text, its HTML and the PNG bytes.
pub fn parts(mail: &ParsedMail<'_>) -> (String, String, Vec<u8>) {
    assert_eq!(mime_type(mail), "multipart/alternative");
    assert_eq!(mail.subparts.len(), 2);

    let text = &mail.subparts[0];
    assert_eq!(mime_type(text), "text/plain");
    assert_eq!(text.ctype.charset.to_ascii_lowercase(), "utf-8");

    let related = &mail.subparts[1];
    assert_eq!(mime_type(related), "multipart/related");
    assert_eq!(related.subparts.len(), 2);
    let html = &related.subparts[0];
    assert_eq!(mime_type(html), "text/html");
    let image = &related.subparts[1];
    assert_eq!(mime_type(image), "image/png");

    let html_body = html.get_body().unwrap();
    let content_id = header(image, "Content-ID").unwrap();
    let cid = content_id.trim_start_matches('<').trim_end_matches('>');
    assert!(
        html_body.contains(&format!("src=\"cid:{cid}\"")),
        "the HTML does not reference {content_id}"
    );

    (
        text.get_body().unwrap(),
        html_body,
        image.get_body_raw().unwrap(),
    )
}
