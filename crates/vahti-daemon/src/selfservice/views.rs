//! The page templates and the values they print, already written in the page's language.
//!
//! askama compiles the templates in `templates/selfservice/` into the binary and escapes every
//! value it prints, so text from the database or from a form cannot add markup.

use askama::Template;
use base64::Engine;
use vahti_domain::Money;
use vahti_mail::format;
use vahti_store::self_service::{RequestKind, RequestState, SelfServiceRequest};

use super::texts::{Lang, Texts};
use crate::service::selfservice::{Hold, InvoiceItem, Overview};

/// What every page prints around its content.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The language code.
    pub lang: &'static str,
    /// The texts of the language.
    pub t: &'static Texts,
    /// The nonce that the style and script elements carry.
    pub nonce: String,
    /// The document title.
    pub title: String,
    /// The creditor's name in the header, or an empty string on a page of an unknown link.
    pub creditor: String,
    /// The language switch.
    pub switch: Vec<LangChoice>,
    /// The footer's line on who provides the page.
    pub provided_by: Option<String>,
    /// Whether the page needs the copy script.
    pub script: bool,
}

/// One language in the language switch.
#[derive(Debug, Clone)]
pub struct LangChoice {
    /// The language code.
    pub code: &'static str,
    /// The language's name in itself.
    pub name: &'static str,
    /// The same page in that language.
    pub href: String,
    /// Whether the page is in this language now.
    pub current: bool,
}

impl Layout {
    /// A layout in `lang` whose language switch links to `path` with a `lang` parameter.
    pub fn new(lang: Lang, nonce: &str, title: String, creditor: &str, path: &str) -> Layout {
        let switch = Lang::ALL
            .iter()
            .map(|choice| LangChoice {
                code: choice.code(),
                name: choice.name(),
                href: format!("{path}?lang={}", choice.code()),
                current: *choice == lang,
            })
            .collect();
        Layout {
            lang: lang.code(),
            t: lang.texts(),
            nonce: nonce.to_owned(),
            title,
            creditor: creditor.to_owned(),
            switch,
            provided_by: (!creditor.is_empty()).then(|| lang.texts().provided_by(creditor)),
            script: false,
        }
    }
}

/// How to reach the creditor.
#[derive(Debug, Clone)]
pub struct Contact {
    /// The line above the addresses.
    pub line: String,
    /// The email address.
    pub email: Option<String>,
    /// The phone number as printed.
    pub phone: Option<String>,
    /// The phone number for a `tel:` link: digits and a leading `+`.
    pub phone_link: String,
}

impl Contact {
    /// The contact of a creditor.
    pub fn new(t: &Texts, name: &str, email: Option<&str>, phone: Option<&str>) -> Contact {
        Contact {
            line: t.contact(name),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            phone_link: phone
                .unwrap_or_default()
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect(),
        }
    }
}

/// The overview of the account.
#[derive(Template)]
#[template(path = "selfservice/overview.html")]
pub struct OverviewPage {
    /// The layout.
    pub l: Layout,
    /// The debtor's name line.
    pub customer: String,
    /// The introduction.
    pub intro: String,
    /// The open invoices.
    pub invoices: Vec<InvoiceRow>,
    /// What they owe, per currency.
    pub totals: Vec<String>,
    /// The creditor's name as payee.
    pub payee: String,
    /// The creditor's IBAN, printed in groups.
    pub iban: String,
    /// The creditor's BIC.
    pub bic: Option<String>,
    /// How to pay each invoice.
    pub payments: Vec<PaymentBlock>,
    /// What the debtor can do.
    pub actions: Vec<ActionLink>,
    /// The requests made so far.
    pub requests: Vec<RequestLink>,
    /// How to reach the creditor.
    pub contact: Contact,
}

/// One row of the invoice table.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    /// The invoice number.
    pub number: String,
    /// The due date.
    pub due_date: String,
    /// Principal unpaid.
    pub principal: String,
    /// Interest to date.
    pub interest: String,
    /// Fees unpaid.
    pub fees: String,
    /// The total.
    pub total: String,
    /// Marks such as "Overdue".
    pub badges: Vec<Badge>,
}

/// A mark beside an invoice number.
#[derive(Debug, Clone)]
pub struct Badge {
    /// The text.
    pub text: String,
    /// Whether it warns, such as "Overdue".
    pub warning: bool,
}

/// The payment details of one invoice.
#[derive(Debug, Clone)]
pub struct PaymentBlock {
    /// The part of the element ids that is unique to the invoice.
    pub key: i64,
    /// The heading.
    pub heading: String,
    /// The reference, printed in groups.
    pub reference: String,
    /// The amount.
    pub amount: String,
    /// The 54 digits of the virtual bank barcode.
    pub barcode: Option<String>,
    /// The EPC QR code.
    pub qr: Option<QrView>,
}

/// An EPC QR code as an inline image.
#[derive(Debug, Clone)]
pub struct QrView {
    /// A `data:` URI of the PNG.
    pub src: String,
    /// The width and height in pixels.
    pub size: u32,
    /// The text alternative.
    pub alt: String,
}

/// A link to one of the forms.
#[derive(Debug, Clone)]
pub struct ActionLink {
    /// The form's address.
    pub href: String,
    /// The link text.
    pub label: String,
    /// Lines of help under the link.
    pub help: Vec<String>,
}

/// A request in the history.
#[derive(Debug, Clone)]
pub struct RequestLink {
    /// The request's page.
    pub href: String,
    /// The line of text.
    pub text: String,
}

/// A form.
#[derive(Template)]
#[template(path = "selfservice/form.html")]
pub struct FormPage {
    /// The layout.
    pub l: Layout,
    /// The back link.
    pub back: String,
    /// The heading.
    pub heading: String,
    /// Paragraphs above the fields.
    pub intro: Vec<String>,
    /// The errors of a form sent back.
    pub errors: Vec<FormError>,
    /// Where the form posts to.
    pub action: String,
    /// The form token.
    pub csrf: String,
    /// The fields.
    pub fields: Vec<Field>,
    /// Paragraphs under the fields.
    pub notes: Vec<String>,
    /// The submit button.
    pub submit: String,
}

/// An error in a form's error summary.
#[derive(Debug, Clone)]
pub struct FormError {
    /// The id of the field the error links to.
    pub target: Option<String>,
    /// The message.
    pub message: String,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    /// `radio`, `select`, `textarea`, `date` or `email`.
    pub kind: &'static str,
    /// The element id.
    pub id: String,
    /// The form field name.
    pub name: &'static str,
    /// The label or legend.
    pub label: String,
    /// Lines of help.
    pub help: Vec<String>,
    /// The error, if the form came back with one for this field.
    pub error: Option<String>,
    /// The value typed before.
    pub value: String,
    /// The choices of a radio group or select.
    pub options: Vec<Choice>,
    /// The earliest date of a date field.
    pub min: String,
    /// The latest date of a date field, or the maximum length of a text.
    pub max: String,
}

impl Field {
    /// A field of `kind` with no value, help or choices yet.
    pub fn new(kind: &'static str, name: &'static str, label: &str) -> Field {
        Field {
            kind,
            id: format!("field-{name}"),
            name,
            label: label.to_owned(),
            help: Vec::new(),
            error: None,
            value: String::new(),
            options: Vec::new(),
            min: String::new(),
            max: String::new(),
        }
    }
}

/// A choice of a radio group or select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The submitted value.
    pub value: String,
    /// The text.
    pub label: String,
    /// Whether it is chosen.
    pub checked: bool,
}

/// A page of text: a confirmation, the neutral page of a closed link, or an error.
#[derive(Template)]
#[template(path = "selfservice/message.html")]
pub struct MessagePage {
    /// The layout.
    pub l: Layout,
    /// The back link.
    pub back: Option<String>,
    /// The heading.
    pub heading: String,
    /// The paragraphs.
    pub lines: Vec<String>,
    /// A note from the creditor.
    pub note: Option<String>,
    /// How to reach the creditor.
    pub contact: Option<Contact>,
}

/// Writes an amount in the page's language.
pub fn money(amount: Money, lang: Lang) -> String {
    format::money(amount, lang.locale())
}

/// Writes a date in the page's language.
pub fn date(date: chrono::NaiveDate, lang: Lang) -> String {
    format::date(date, lang.locale())
}

/// The rows of the invoice table.
pub fn invoice_rows(overview: &Overview, lang: Lang) -> Vec<InvoiceRow> {
    let t = lang.texts();
    overview
        .invoices
        .iter()
        .map(|invoice| {
            let mut badges = Vec::new();
            if invoice.overdue && invoice.hold == Hold::None {
                badges.push(Badge {
                    text: t.overdue.to_owned(),
                    warning: true,
                });
            }
            let hold = match invoice.hold {
                Hold::None => None,
                Hold::Disputed => Some(t.disputed.to_owned()),
                Hold::InPlan => Some(t.in_plan.to_owned()),
                Hold::Promised(until) => Some(t.promised(&date(until, lang))),
                Hold::Paused(until) => Some(t.paused(&date(until, lang))),
            };
            badges.extend(hold.map(|text| Badge {
                text,
                warning: false,
            }));
            InvoiceRow {
                number: invoice.number.clone(),
                due_date: invoice
                    .due_date
                    .map_or_else(String::new, |due| date(due, lang)),
                principal: money(invoice.principal, lang),
                interest: money(invoice.interest, lang),
                fees: money(invoice.fees, lang),
                total: money(invoice.total, lang),
                badges,
            }
        })
        .collect()
}

/// The payment details of each invoice that has a reference.
pub fn payment_blocks(overview: &Overview, lang: Lang) -> Vec<PaymentBlock> {
    let t = lang.texts();
    overview
        .invoices
        .iter()
        .filter_map(|invoice| {
            let reference = invoice.reference.clone()?;
            Some(PaymentBlock {
                key: invoice.id.0,
                heading: t.pay_invoice(&invoice.number),
                reference,
                amount: money(invoice.total, lang),
                barcode: invoice.barcode.clone(),
                qr: qr_view(invoice, t),
            })
        })
        .collect()
}

fn qr_view(invoice: &InvoiceItem, t: &Texts) -> Option<QrView> {
    let payload = invoice.epc_qr.as_deref()?;
    let image = vahti_mail::qr::epc_qr_png(payload)
        .inspect_err(|error| {
            tracing::warn!(invoice.id = invoice.id.0, error = %error, "EPC QR code could not be drawn");
        })
        .ok()?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&image.png);
    Some(QrView {
        src: format!("data:image/png;base64,{encoded}"),
        size: image.size_pixels,
        alt: t.qr_alt(&invoice.number),
    })
}

/// The label of a request's kind.
pub fn kind_label(kind: RequestKind, t: &Texts) -> &'static str {
    match kind {
        RequestKind::Dispute => t.kind_dispute,
        RequestKind::Promise => t.kind_promise,
        RequestKind::PaymentPlan => t.kind_plan,
        RequestKind::Extension => t.kind_extension,
        RequestKind::EmailChange => t.kind_email,
    }
}

/// The label of a request's state.
pub fn state_label(state: RequestState, t: &Texts) -> &'static str {
    match state {
        RequestState::Applied => t.state_applied,
        RequestState::Pending => t.state_pending,
        RequestState::Approved => t.state_approved,
        RequestState::Rejected => t.state_rejected,
    }
}

/// The heading and paragraphs that tell the debtor what became of a request.
pub fn outcome(request: &SelfServiceRequest, creditor: &str, lang: Lang) -> (String, Vec<String>) {
    let t = lang.texts();
    let date_of = |key: &str| {
        request.details[key]
            .as_str()
            .and_then(|text| text.parse().ok())
            .map(|day| date(day, lang))
            .unwrap_or_default()
    };
    match (request.kind, request.state) {
        (_, RequestState::Rejected) => {
            (t.rejected_title(creditor), vec![t.rejected_text.to_owned()])
        }
        (_, RequestState::Pending) => (t.received_title.to_owned(), vec![t.pending_text(creditor)]),
        (RequestKind::Dispute, _) => (
            t.done_dispute.to_owned(),
            vec![t.done_dispute_text(creditor)],
        ),
        (RequestKind::Promise, _) => (
            t.done_promise.to_owned(),
            vec![t.done_promise_text(&date_of("pay_by"))],
        ),
        (RequestKind::PaymentPlan, _) => {
            (t.done_plan.to_owned(), vec![t.done_plan_text.to_owned()])
        }
        (RequestKind::Extension, _) => (
            t.done_extension.to_owned(),
            vec![t.done_extension_text(&date_of("new_due_date"))],
        ),
        (RequestKind::EmailChange, _) => {
            (t.done_email.to_owned(), vec![t.done_email_text.to_owned()])
        }
    }
}
