//! MIME assembly: a render model becomes an email ready to send.
//!
//! The structure is
//!
//! ```text
//! multipart/alternative
//! ├── text/plain; charset=utf-8
//! └── multipart/related            (only when the message has a QR code)
//!     ├── text/html; charset=utf-8
//!     └── image/png                (Content-ID referenced as cid: from the HTML)
//! ```
//!
//! The `Message-ID` and the QR image's `Content-ID` derive from the outbox row id and the tenant's
//! mail domain, so a message sent again after a crash carries the same ids and receivers can
//! discard the duplicate. Text parts are base64 with CRLF line ends, so the message is 7-bit
//! ASCII and needs no 8BITMIME support from the relay. Base64 costs a few instructions per byte,
//! where lettre's quoted-printable encoder took about a tenth of all the work of an email.

use std::fmt;
use std::time::SystemTime;

use chrono::{DateTime, Utc};
use lettre::Address;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use serde::{Deserialize, Serialize};
use vahti_domain::ErrorCode;

use crate::model::{RenderModel, is_line_breaking};
use crate::overrides::TemplateOverrides;
use crate::render::{RenderError, render};

/// Builds a text part in base64, its line ends made CRLF first as MIME wants for text.
///
/// Lettre would choose quoted-printable for text with non-ASCII letters, and it inserts each
/// missing carriage return by moving the rest of the text. Passing the text as bytes with the
/// encoding set skips both.
fn text_part(content_type: ContentType, text: &str) -> SinglePart {
    let bytes = text.as_bytes();
    let mut canonical = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut start = 0;
    // `match_indices` finds each line feed with a vectorised search, so the copy goes by lines.
    for (end, _) in text.match_indices('\n') {
        let line = &bytes[start..end];
        canonical.extend_from_slice(line);
        if !line.ends_with(b"\r") {
            canonical.push(b'\r');
        }
        canonical.push(b'\n');
        start = end + 1;
    }
    canonical.extend_from_slice(&bytes[start..]);
    SinglePart::builder()
        .header(content_type)
        .header(ContentTransferEncoding::Base64)
        .body(canonical)
}

/// The maximum length of a domain name (RFC 1035 section 2.3.4).
const MAX_DOMAIN_CHARS: usize = 253;

/// The maximum length of one label of a domain name (RFC 1035 section 2.3.4).
const MAX_LABEL_CHARS: usize = 63;

/// The id of the outbox row a message is sent from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutboxId(pub i64);

impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The sender of a tenant's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SenderIdentity {
    /// The display name in `From` and `Reply-To`, usually the creditor's name.
    pub from_name: String,
    /// The address in `From`, on a domain the relay may send for (SPF, DKIM).
    pub from_address: String,
    /// The address replies go to, such as the accounts-receivable mailbox.
    pub reply_to: Option<String>,
    /// An address that receives a blind copy of every message.
    pub bcc: Option<String>,
    /// The domain of the `Message-ID` and `Content-ID` values, such as `mail.example.com`.
    pub mail_domain: String,
}

/// An email built from a render model, ready for a [`Mailer`](crate::transport::Mailer).
#[derive(Debug, Clone)]
pub struct Message {
    outbox_id: OutboxId,
    message_id: String,
    email: lettre::Message,
}

impl Message {
    /// The outbox row the message comes from, the id to log instead of the recipient.
    pub fn outbox_id(&self) -> OutboxId {
        self.outbox_id
    }

    /// The `Message-ID` header value, with angle brackets.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The lettre message, with its envelope.
    pub fn email(&self) -> &lettre::Message {
        &self.email
    }

    /// The message as it goes over the wire: headers and body with CRLF line endings. The `Bcc`
    /// header is not included.
    pub fn formatted(&self) -> Vec<u8> {
        self.email.formatted()
    }
}

/// The `Message-ID` of the message sent from `outbox_id`, with angle brackets.
pub fn message_id(outbox_id: OutboxId, mail_domain: &str) -> String {
    format!("<vahti.{outbox_id}@{mail_domain}>")
}

/// The `Content-ID` of the QR image of the message sent from `outbox_id`, without angle brackets.
fn qr_content_id(outbox_id: OutboxId, mail_domain: &str) -> String {
    format!("epc-qr.{outbox_id}@{mail_domain}")
}

/// Renders `model` and assembles the email.
///
/// `date` goes into the `Date` header. Pass the time the outbox row was created, so that a resent
/// message is byte-for-byte the same apart from the MIME boundaries.
///
/// # Errors
///
/// [`MessageError`] when a header value contains a line break, an address or the mail domain is
/// invalid, or rendering fails.
pub fn build_message(
    model: &RenderModel,
    overrides: &TemplateOverrides,
    sender: &SenderIdentity,
    outbox_id: OutboxId,
    date: DateTime<Utc>,
) -> Result<Message, MessageError> {
    check_domain(&sender.mail_domain)?;
    let from = mailbox(
        "from_name",
        &sender.from_name,
        "from_address",
        &sender.from_address,
    )?;
    let reply_to = sender
        .reply_to
        .as_deref()
        .map(|address| mailbox("from_name", &sender.from_name, "reply_to", address))
        .transpose()?;
    let bcc = sender
        .bcc
        .as_deref()
        .map(|value| address("bcc", value))
        .transpose()?;
    let debtor = model.debtor();
    let to = mailbox("debtor.name", &debtor.name, "debtor.email", &debtor.email)?;

    let message_id = message_id(outbox_id, &sender.mail_domain);
    let content_id = qr_content_id(outbox_id, &sender.mail_domain);
    let rendered = render(model, overrides, &content_id)?;
    check_header("subject", &rendered.subject)?;

    let html = match &rendered.qr {
        Some(qr) => MultiPart::related()
            .singlepart(text_part(ContentType::TEXT_HTML, &rendered.html))
            .singlepart(
                Attachment::new_inline_with_name(content_id, "epc-qr.png".to_owned()).body(
                    qr.png.clone(),
                    ContentType::parse("image/png").map_err(build_error)?,
                ),
            ),
        None => MultiPart::alternative()
            .singlepart(text_part(ContentType::TEXT_PLAIN, &rendered.text))
            .singlepart(text_part(ContentType::TEXT_HTML, &rendered.html)),
    };
    let body = match &rendered.qr {
        Some(_) => MultiPart::alternative()
            .singlepart(text_part(ContentType::TEXT_PLAIN, &rendered.text))
            .multipart(html),
        None => html,
    };

    let mut builder = lettre::Message::builder()
        .message_id(Some(message_id.clone()))
        .date(SystemTime::from(date))
        .from(from)
        .to(to)
        .subject(rendered.subject)
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Content-Language"),
            model.locale().tag().to_owned(),
        ))
        // RFC 3834: the message is generated by a program, so auto-responders should not
        // reply to it. People can still reply through Reply-To.
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".to_owned(),
        ));
    if let Some(reply_to) = reply_to {
        builder = builder.reply_to(reply_to);
    }
    if let Some(bcc) = bcc {
        builder = builder.bcc(Mailbox::new(None, bcc));
    }
    let email = builder.multipart(body).map_err(build_error)?;

    Ok(Message {
        outbox_id,
        message_id,
        email,
    })
}

fn build_error(error: impl fmt::Display) -> MessageError {
    MessageError::Build {
        reason: error.to_string(),
    }
}

fn mailbox(
    name_field: &'static str,
    name: &str,
    address_field: &'static str,
    value: &str,
) -> Result<Mailbox, MessageError> {
    check_header(name_field, name)?;
    let address = address(address_field, value)?;
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        address,
    ))
}

fn address(field: &'static str, value: &str) -> Result<Address, MessageError> {
    check_header(field, value)?;
    value
        .trim()
        .parse::<Address>()
        .map_err(|error| MessageError::AddressInvalid {
            field,
            value: value.to_owned(),
            reason: error.to_string(),
        })
}

/// Rejects a header value with CR, LF or another control character, which could end the header
/// and start a new one.
fn check_header(field: &'static str, value: &str) -> Result<(), MessageError> {
    if value.chars().any(is_line_breaking) {
        return Err(MessageError::HeaderLineBreak {
            field,
            value: value.to_owned(),
        });
    }
    Ok(())
}

/// Checks a domain name: dot-separated labels of letters, digits and hyphens (RFC 1035 section
/// 2.3.1), since it goes into `Message-ID` and `Content-ID` unencoded.
fn check_domain(domain: &str) -> Result<(), MessageError> {
    let invalid = |reason: &str| MessageError::DomainInvalid {
        value: domain.to_owned(),
        reason: reason.to_owned(),
    };
    if domain.is_empty() || domain.len() > MAX_DOMAIN_CHARS {
        return Err(invalid("it must have 1 to 253 characters"));
    }
    for label in domain.split('.') {
        if label.is_empty() || label.len() > MAX_LABEL_CHARS {
            return Err(invalid(
                "each label between dots must have 1 to 63 characters",
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(invalid(
                "only letters, digits, hyphens and dots are allowed",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(invalid("a label must not start or end with a hyphen"));
        }
    }
    Ok(())
}

/// An email that could not be assembled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// A header value contains a line break or another control character.
    #[error(
        "the {field} {value:?} contains a line break or another control character, which is not allowed in a mail header: remove it"
    )]
    HeaderLineBreak {
        /// The field, such as `subject` or `from_name`.
        field: &'static str,
        /// The value as given.
        value: String,
    },

    /// An email address is invalid.
    #[error("the {field} {value:?} is not a valid email address: {reason}")]
    AddressInvalid {
        /// The field, such as `from_address`.
        field: &'static str,
        /// The address as given.
        value: String,
        /// The parser's error message.
        reason: String,
    },

    /// The mail domain is not a valid domain name.
    #[error("the mail domain {value:?} is invalid: {reason}")]
    DomainInvalid {
        /// The domain as given.
        value: String,
        /// The problem found.
        reason: String,
    },

    /// The message could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),

    /// lettre rejected the message.
    #[error("the email could not be assembled: {reason}")]
    Build {
        /// lettre's error message.
        reason: String,
    },
}

impl ErrorCode for MessageError {
    fn code(&self) -> &'static str {
        match self {
            MessageError::HeaderLineBreak { .. } => "mail_header_line_break",
            MessageError::AddressInvalid { .. } => "mail_address_invalid",
            MessageError::DomainInvalid { .. } => "mail_domain_invalid",
            MessageError::Render(error) => error.code(),
            MessageError::Build { .. } => "mail_build_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Locale;
    use crate::example;
    use crate::model::MessageKind;

    fn sender() -> SenderIdentity {
        SenderIdentity {
            from_name: "Lumipuu Oy".to_owned(),
            from_address: "laskutus@lumipuu.example".to_owned(),
            reply_to: Some("reskontra@lumipuu.example".to_owned()),
            bcc: Some("arkisto@lumipuu.example".to_owned()),
            mail_domain: "mail.lumipuu.example".to_owned(),
        }
    }

    fn date() -> DateTime<Utc> {
        DateTime::from_timestamp(1_773_730_800, 0).unwrap()
    }

    fn model(kind: MessageKind) -> RenderModel {
        RenderModel::new(example::message(kind, Locale::Finnish)).unwrap()
    }

    fn build(sender: &SenderIdentity) -> Result<Message, MessageError> {
        build_message(
            &model(MessageKind::Reminder),
            &TemplateOverrides::new(),
            sender,
            OutboxId(4711),
            date(),
        )
    }

    fn header_block(message: &Message) -> String {
        let formatted = String::from_utf8(message.formatted()).unwrap();
        formatted
            .split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn message_id_is_deterministic() {
        let first = build(&sender()).unwrap();
        let second = build(&sender()).unwrap();
        assert_eq!(first.message_id(), "<vahti.4711@mail.lumipuu.example>");
        assert_eq!(first.message_id(), second.message_id());
    }

    #[test]
    fn headers_carry_identity() {
        let headers = header_block(&build(&sender()).unwrap());
        assert!(
            headers.contains("Message-ID: <vahti.4711@mail.lumipuu.example>"),
            "{headers}"
        );
        assert!(
            headers.contains("From: \"Lumipuu Oy\" <laskutus@lumipuu.example>"),
            "{headers}"
        );
        assert!(
            headers.contains("Reply-To: \"Lumipuu Oy\" <reskontra@lumipuu.example>"),
            "{headers}"
        );
        assert!(
            headers.contains("Date: Tue, 17 Mar 2026 07:00:00 +0000"),
            "{headers}"
        );
        assert!(
            headers.contains("Auto-Submitted: auto-generated"),
            "{headers}"
        );
        assert!(headers.contains("Content-Language: fi"), "{headers}");
        assert!(!headers.contains("List-Unsubscribe"), "{headers}");
    }

    #[test]
    fn bcc_stays_out_of_headers() {
        let message = build(&sender()).unwrap();
        let headers = header_block(&message);
        assert!(!headers.to_ascii_lowercase().contains("bcc"), "{headers}");
        let recipients: Vec<String> = message
            .email()
            .envelope()
            .to()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            recipients,
            vec![
                "maija.meikalainen@example.com".to_owned(),
                "arkisto@lumipuu.example".to_owned()
            ]
        );
    }

    #[test]
    fn message_is_seven_bit() {
        let message = build(&sender()).unwrap();
        assert!(message.formatted().is_ascii());
    }

    #[test]
    fn encoded_display_names() {
        let headers = header_block(&build(&sender()).unwrap());
        // "Maija Meikäläinen" is not ASCII, so lettre writes an RFC 2047 encoded word.
        assert!(headers.contains("To: =?utf-8?"), "{headers}");
    }

    #[test]
    fn header_injection_is_rejected() {
        type Change = fn(&mut SenderIdentity);
        let cases: [(&str, Change); 4] = [
            ("from_name", |s| {
                s.from_name = "Lumipuu\r\nBcc: x@example.com".to_owned()
            }),
            ("from_name", |s| s.from_name = "Lumipuu\nOy".to_owned()),
            ("from_address", |s| {
                s.from_address = "a@lumipuu.example\r\nBcc: x@example.com".to_owned();
            }),
            ("reply_to", |s| {
                s.reply_to = Some("a@lumipuu.example\n".to_owned())
            }),
        ];
        for (field, change) in cases {
            let mut sender = sender();
            change(&mut sender);
            let error = build(&sender).unwrap_err();
            assert_eq!(error.code(), "mail_header_line_break", "{field}");
            assert!(error.to_string().contains(field), "{error}");
        }
    }

    #[test]
    fn invalid_addresses_are_rejected() {
        let mut sender = sender();
        sender.bcc = Some("not an address".to_owned());
        let error = build(&sender).unwrap_err();
        assert_eq!(error.code(), "mail_address_invalid");
        assert!(error.to_string().contains("bcc"), "{error}");
    }

    #[test]
    fn invalid_domains_are_rejected() {
        for domain in [
            "",
            "a..b",
            "-a.example",
            "a b.example",
            "a>b.example",
            "ä.example",
        ] {
            let mut sender = sender();
            sender.mail_domain = domain.to_owned();
            let error = build(&sender).unwrap_err();
            assert_eq!(error.code(), "mail_domain_invalid", "{domain:?}");
        }
    }

    #[test]
    fn text_parts_are_base64_of_the_rendered_text() {
        let model = model(MessageKind::Reminder);
        let content_id = qr_content_id(OutboxId(4711), &sender().mail_domain);
        let rendered = render(&model, &TemplateOverrides::new(), &content_id).unwrap();
        assert!(
            rendered.text.contains('ä'),
            "the text part has Finnish letters"
        );
        assert!(
            rendered.html.contains('ä'),
            "the HTML part has Finnish letters"
        );

        let message = build(&sender()).unwrap();
        let formatted = message.formatted();
        let parsed = mailparse::parse_mail(&formatted).unwrap();

        // Every text part of the tree, with its decoded body.
        let mut found = Vec::new();
        let mut parts = vec![&parsed];
        while let Some(part) = parts.pop() {
            parts.extend(part.subparts.iter());
            let mimetype = part.ctype.mimetype.as_str();
            if mimetype == "text/plain" || mimetype == "text/html" {
                let encoding = part.headers.iter().find(|header| {
                    header
                        .get_key()
                        .eq_ignore_ascii_case("Content-Transfer-Encoding")
                });
                assert_eq!(
                    encoding.map(|header| header.get_value()).as_deref(),
                    Some("base64")
                );
                assert_eq!(part.ctype.charset, "utf-8");
                found.push((mimetype.to_owned(), part.get_body().unwrap()));
            }
        }

        found.sort();
        let crlf = |text: &str| text.replace("\r\n", "\n").replace('\n', "\r\n");
        assert_eq!(
            found,
            [
                ("text/html".to_owned(), crlf(&rendered.html)),
                ("text/plain".to_owned(), crlf(&rendered.text)),
            ]
        );
    }

    #[test]
    fn crlf_line_ends_are_kept_and_added_once() {
        let part = text_part(ContentType::TEXT_PLAIN, "a\nb\r\nc\n\nä");
        let formatted = String::from_utf8(part.formatted()).unwrap();
        let parsed = mailparse::parse_mail(formatted.as_bytes()).unwrap();
        assert_eq!(parsed.get_body().unwrap(), "a\r\nb\r\nc\r\n\r\nä");
    }

    #[test]
    fn message_without_qr_has_no_related_part() {
        let message = build_message(
            &model(MessageKind::CollectionHandover),
            &TemplateOverrides::new(),
            &sender(),
            OutboxId(1),
            date(),
        )
        .unwrap();
        let formatted = String::from_utf8(message.formatted()).unwrap();
        assert!(formatted.contains("multipart/alternative"));
        assert!(!formatted.contains("multipart/related"));
        assert!(!formatted.contains("image/png"));
    }
}
