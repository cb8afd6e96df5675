//! Rendering a message: the subject, the plain-text and HTML parts in the debtor's language, and
//! the EPC QR image.
//!
//! The templates live in `templates/<locale>/` and are compiled into the binary by askama, which
//! checks them at build time and escapes every value in the HTML templates. Each `match` on the
//! message kind in a template is a Rust `match`, so a new kind does not compile until every
//! template has its wording.

mod view;

use askama::Template;
use vahti_domain::ErrorCode;

use crate::Locale;
use crate::model::{MessageKind, RenderModel};
use crate::overrides::TemplateOverrides;
use crate::qr::{QrError, QrImage, epc_qr_png};
use view::{FeeLabel, QrReference, SubjectView, View};

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part, with LF line endings.
    pub text: String,
    /// The HTML part, a complete document.
    pub html: String,
    /// The EPC QR image that the HTML part references, when the message carries one.
    pub qr: Option<QrImage>,
}

/// Renders `model` in the debtor's locale with the tenant's overrides.
///
/// `qr_content_id` is the Content-ID (without angle brackets) under which the caller attaches
/// the QR image; the HTML part references it as `cid:<qr_content_id>`.
///
/// # Errors
///
/// [`RenderError`] when a template fails to write or the QR code cannot be drawn. Neither happens
/// for a valid model in practice; the error exists so that nothing here panics.
pub fn render(
    model: &RenderModel,
    overrides: &TemplateOverrides,
    qr_content_id: &str,
) -> Result<Rendered, RenderError> {
    let locale = model.locale();
    let custom = overrides.get(model.kind(), locale);

    let subject = match custom.and_then(|custom| custom.subject.as_ref()) {
        Some(subject) => subject.as_str().to_owned(),
        None => render_subject(&SubjectView::new(model), locale)?,
    };

    let qr = model
        .payment_codes()
        .epc_qr
        .as_deref()
        .map(epc_qr_png)
        .transpose()?;
    let qr_reference = qr.as_ref().map(|image| QrReference {
        content_id: qr_content_id,
        size_pixels: image.size_pixels,
    });

    let paragraph = custom.and_then(|custom| custom.paragraph.as_ref());
    let view = View::new(model, subject.clone(), paragraph, qr_reference);
    let (text, html) = match locale {
        Locale::Finnish => (FiText { v: &view }.render()?, FiHtml { v: &view }.render()?),
        Locale::Swedish => (SvText { v: &view }.render()?, SvHtml { v: &view }.render()?),
        Locale::English => (EnText { v: &view }.render()?, EnHtml { v: &view }.render()?),
    };

    Ok(Rendered {
        subject,
        text: finish(&text),
        html: finish(&html),
        qr,
    })
}

fn render_subject(view: &SubjectView, locale: Locale) -> Result<String, RenderError> {
    let subject = match locale {
        Locale::Finnish => FiSubject { s: view }.render()?,
        Locale::Swedish => SvSubject { s: view }.render()?,
        Locale::English => EnSubject { s: view }.render()?,
    };
    Ok(subject.trim().to_owned())
}

/// Trims blank lines at both ends and ends the text with one line break.
fn finish(text: &str) -> String {
    let mut out = text.trim_matches('\n').to_owned();
    out.push('\n');
    out
}

#[derive(Template)]
#[template(path = "fi/subject.txt")]
struct FiSubject<'a> {
    s: &'a SubjectView,
}

#[derive(Template)]
#[template(path = "sv/subject.txt")]
struct SvSubject<'a> {
    s: &'a SubjectView,
}

#[derive(Template)]
#[template(path = "en/subject.txt")]
struct EnSubject<'a> {
    s: &'a SubjectView,
}

#[derive(Template)]
#[template(path = "fi/message.txt")]
struct FiText<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "fi/message.html")]
struct FiHtml<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "sv/message.txt")]
struct SvText<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "sv/message.html")]
struct SvHtml<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "en/message.txt")]
struct EnText<'a> {
    v: &'a View,
}

#[derive(Template)]
#[template(path = "en/message.html")]
struct EnHtml<'a> {
    v: &'a View,
}

/// A message that could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template failed to write.
    #[error("the message template failed to render: {reason}")]
    Template {
        /// askama's error message.
        reason: String,
    },
    /// The QR code could not be drawn.
    #[error(transparent)]
    Qr(#[from] QrError),
}

impl From<askama::Error> for RenderError {
    fn from(error: askama::Error) -> Self {
        RenderError::Template {
            reason: error.to_string(),
        }
    }
}

impl ErrorCode for RenderError {
    fn code(&self) -> &'static str {
        match self {
            RenderError::Template { .. } => "mail_template_failed",
            RenderError::Qr(error) => error.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example;
    use crate::overrides::{FreeParagraph, Subject, TemplateOverride};

    fn rendered(kind: MessageKind, locale: Locale) -> Rendered {
        let model = RenderModel::new(example::message(kind, locale)).unwrap();
        render(&model, &TemplateOverrides::new(), "qr@example").unwrap()
    }

    #[test]
    fn html_references_qr() {
        let message = rendered(MessageKind::Reminder, Locale::Finnish);
        assert!(message.html.contains("src=\"cid:qr@example\""));
        assert!(message.qr.is_some());
    }

    #[test]
    fn handover_has_no_qr() {
        let message = rendered(MessageKind::CollectionHandover, Locale::Finnish);
        assert!(message.qr.is_none());
        assert!(!message.html.contains("cid:"));
    }

    #[test]
    fn subject_override_applies() {
        let model =
            RenderModel::new(example::message(MessageKind::Reminder, Locale::Finnish)).unwrap();
        let mut overrides = TemplateOverrides::new();
        overrides.set(
            MessageKind::Reminder,
            Locale::Finnish,
            TemplateOverride {
                subject: Some(Subject::parse("Muistutus: Lumipuu Oy").unwrap()),
                paragraph: None,
            },
        );
        let message = render(&model, &overrides, "qr@example").unwrap();
        assert_eq!(message.subject, "Muistutus: Lumipuu Oy");
    }

    #[test]
    fn override_for_other_locale_is_ignored() {
        let model =
            RenderModel::new(example::message(MessageKind::Reminder, Locale::English)).unwrap();
        let mut overrides = TemplateOverrides::new();
        overrides.set(
            MessageKind::Reminder,
            Locale::Finnish,
            TemplateOverride {
                subject: Some(Subject::parse("Muistutus").unwrap()),
                paragraph: None,
            },
        );
        let message = render(&model, &overrides, "qr@example").unwrap();
        assert_eq!(
            message.subject,
            "Payment reminder: invoices 2026-0142, 2026-0188"
        );
    }

    #[test]
    fn paragraph_is_escaped_in_html() {
        let model =
            RenderModel::new(example::message(MessageKind::Reminder, Locale::English)).unwrap();
        let mut overrides = TemplateOverrides::new();
        overrides.set(
            MessageKind::Reminder,
            Locale::English,
            TemplateOverride {
                subject: None,
                paragraph: Some(
                    FreeParagraph::parse("<script>alert(1)</script>\nOpen 9–17 & Sat").unwrap(),
                ),
            },
        );
        let message = render(&model, &overrides, "qr@example").unwrap();
        assert!(!message.html.contains("<script>"));
        assert!(
            message
                .html
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;<br>")
        );
        assert!(message.html.contains("Open 9–17 &#38; Sat"));
        assert!(
            message
                .text
                .contains("<script>alert(1)</script>\nOpen 9–17 & Sat")
        );
    }

    #[test]
    fn subject_lists_three_invoices() {
        let mut input = example::message(MessageKind::Reminder, Locale::English);
        let template = input.invoices[1].clone();
        for number in ["2026-0201", "2026-0202"] {
            let mut invoice = template.clone();
            invoice.number = number.to_owned();
            input.invoices.push(invoice);
        }
        let extra = input.invoices[1].outstanding_principal;
        input.total = input
            .total
            .checked_add(extra)
            .and_then(|total| total.checked_add(extra))
            .unwrap();
        input.ledger_balance = input.total;
        let model = RenderModel::new(input).unwrap();
        let message = render(&model, &TemplateOverrides::new(), "qr@example").unwrap();
        assert_eq!(
            message.subject,
            "Payment reminder: invoices 2026-0142, 2026-0188, 2026-0201 and 1 more"
        );
    }

    #[test]
    fn missing_codes_give_sentence() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        example::convert_currency(
            &mut input,
            vahti_domain::Currency::from_code("SEK").unwrap(),
        );
        let model = RenderModel::new(input).unwrap();
        let message = render(&model, &TemplateOverrides::new(), "qr@example").unwrap();
        assert!(message.qr.is_none());
        assert!(
            message
                .text
                .contains("tilille FI49 5000 9420 0287 30 viitenumerolla 20 01421"),
            "{}",
            message.text
        );
    }
}
