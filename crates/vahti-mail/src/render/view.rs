//! The template context: the render model with every amount, date and code already written in
//! the message's locale, so that templates only lay text out.

use vahti_domain::Money;

use crate::format;
use crate::model::{FeeKind, MessageKind, RenderModel};
use crate::overrides::FreeParagraph;

/// The number of invoice numbers a subject lists before it adds "and N more".
const SUBJECT_INVOICES: usize = 3;

/// Everything a message template shows.
pub(crate) struct View {
    pub kind: MessageKind,
    pub lang: &'static str,
    pub subject: String,
    pub debtor_name: String,
    pub creditor: CreditorView,
    pub single_invoice: bool,
    pub invoices: Vec<InvoiceView>,
    pub interest: Vec<InterestView>,
    pub fees: Vec<FeeView>,
    pub principal_total: String,
    pub interest_total: String,
    pub fees_total: String,
    pub total: String,
    /// The creditor reference in its printed form.
    pub reference: String,
    pub payment: Option<PaymentView>,
    pub instalments: Vec<InstalmentView>,
    pub dispute: DisputeView,
    pub agency: Option<AgencyView>,
    pub received: Option<ReceivedView>,
    pub paragraph: Option<ParagraphView>,
}

pub(crate) struct CreditorView {
    pub name: String,
    pub business_id: String,
    pub address: String,
    pub email: String,
    pub phone: Option<String>,
}

pub(crate) struct InvoiceView {
    pub number: String,
    pub invoice_date: String,
    pub original_due_date: String,
    pub original_amount: String,
    pub outstanding: String,
    pub interest: Vec<InterestView>,
}

#[derive(Clone)]
pub(crate) struct InterestView {
    pub invoice: String,
    pub rate: String,
    pub period: String,
    pub amount: String,
}

/// The purpose of a fee, with the creditor's description for other fees.
pub(crate) enum FeeLabel {
    ReminderFee,
    StandardCompensation,
    Other(String),
}

pub(crate) struct FeeView {
    pub label: FeeLabel,
    pub amount: String,
    /// The kind of the step that charged the fee, which the template names in its language.
    pub charged_by: Option<MessageKind>,
    /// The day the fee was charged, written in the message's locale.
    pub charged_on: Option<String>,
}

pub(crate) struct PaymentView {
    pub recipient: String,
    pub iban: String,
    pub bic: Option<String>,
    pub reference: String,
    pub amount: String,
    pub due_date: String,
    /// The barcode in groups of six digits.
    pub barcode_groups: Option<String>,
    /// The barcode as 54 digits without spaces, for copying.
    pub barcode: Option<String>,
    /// The Content-ID of the QR image, without angle brackets.
    pub qr_content_id: Option<String>,
    pub qr_size_pixels: u32,
}

impl PaymentView {
    /// Whether neither code is printed, so the text gives the IBAN and reference in a sentence.
    pub fn codes_missing(&self) -> bool {
        self.barcode.is_none() && self.qr_content_id.is_none()
    }
}

pub(crate) struct InstalmentView {
    pub number: usize,
    pub due_date: String,
    pub amount: String,
}

pub(crate) struct DisputeView {
    pub deadline: String,
    pub email: String,
    pub phone: Option<String>,
    pub url: Option<String>,
}

pub(crate) struct AgencyView {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

pub(crate) struct ReceivedView {
    pub amount: String,
    pub date: String,
}

pub(crate) struct ParagraphView {
    pub text: String,
    pub blocks: Vec<Vec<String>>,
}

/// The context of the subject template.
pub(crate) struct SubjectView {
    pub kind: MessageKind,
    pub single_invoice: bool,
    pub invoice_list: String,
    pub more_invoices: usize,
}

impl SubjectView {
    pub fn new(model: &RenderModel) -> Self {
        let numbers: Vec<&str> = model
            .invoices()
            .iter()
            .map(|invoice| invoice.number.as_str())
            .collect();
        let shown: Vec<&str> = numbers.iter().take(SUBJECT_INVOICES).copied().collect();
        SubjectView {
            kind: model.kind(),
            single_invoice: numbers.len() == 1,
            invoice_list: shown.join(", "),
            more_invoices: numbers.len().saturating_sub(SUBJECT_INVOICES),
        }
    }
}

/// The QR image to reference from the HTML part.
pub(crate) struct QrReference<'a> {
    pub content_id: &'a str,
    pub size_pixels: u32,
}

/// The creditor's address on one line, with the country named in the message's language.
///
/// The country is left out when the debtor lives in the same country, as a domestic letter in
/// Finland leaves it out, and is named whenever the debtor's country is unknown.
fn creditor_address(model: &RenderModel) -> String {
    let creditor = model.creditor();
    let debtor = model.debtor();
    let mut parts = creditor.address.clone();
    if let Some(country) = &creditor.country {
        let domestic = debtor
            .country
            .as_deref()
            .is_some_and(|debtor| debtor.eq_ignore_ascii_case(country));
        if !domestic {
            parts.push(format::country(country, model.locale()));
        }
    }
    parts.join(", ")
}

impl View {
    pub fn new(
        model: &RenderModel,
        subject: String,
        paragraph: Option<&FreeParagraph>,
        qr: Option<QrReference<'_>>,
    ) -> Self {
        let locale = model.locale();
        let money = |amount: Money| format::money(amount, locale);
        let date = |value| format::date(value, locale);

        let creditor = model.creditor();
        let invoices: Vec<InvoiceView> = model
            .invoices()
            .iter()
            .map(|invoice| InvoiceView {
                number: invoice.number.clone(),
                invoice_date: date(invoice.invoice_date),
                original_due_date: date(invoice.original_due_date),
                original_amount: money(invoice.original_amount),
                outstanding: money(invoice.outstanding_principal),
                interest: invoice
                    .interest
                    .iter()
                    .map(|line| InterestView {
                        invoice: invoice.number.clone(),
                        rate: format::percent(line.rate_percent, locale),
                        period: format::period(line.first_day, line.last_day, locale),
                        amount: money(line.amount),
                    })
                    .collect(),
            })
            .collect();
        let interest = invoices
            .iter()
            .flat_map(|invoice| invoice.interest.iter().cloned())
            .collect();

        let payment = model.amount_due().map(|(amount, due_date)| {
            let codes = model.payment_codes();
            PaymentView {
                recipient: creditor.name.clone(),
                iban: creditor.iban.to_printed(),
                bic: creditor.bic.as_ref().map(|bic| bic.as_str().to_owned()),
                reference: model.reference().to_printed(),
                amount: money(amount),
                due_date: date(due_date),
                barcode_groups: codes.barcode.as_deref().map(format::barcode_groups),
                barcode: codes.barcode.clone(),
                qr_content_id: qr
                    .as_ref()
                    .filter(|_| codes.epc_qr.is_some())
                    .map(|qr| qr.content_id.to_owned()),
                qr_size_pixels: qr.as_ref().map_or(0, |qr| qr.size_pixels),
            }
        });

        View {
            kind: model.kind(),
            lang: locale.tag(),
            subject,
            debtor_name: model.debtor().name.clone(),
            creditor: CreditorView {
                name: creditor.name.clone(),
                business_id: creditor.business_id.clone(),
                address: creditor_address(model),
                email: creditor.email.clone(),
                phone: creditor.phone.clone(),
            },
            single_invoice: model.invoices().len() == 1,
            invoices,
            interest,
            fees: model
                .fees()
                .iter()
                .map(|fee| FeeView {
                    label: match &fee.kind {
                        FeeKind::ReminderFee => FeeLabel::ReminderFee,
                        FeeKind::StandardCompensation => FeeLabel::StandardCompensation,
                        FeeKind::Other { description } => FeeLabel::Other(description.clone()),
                    },
                    amount: money(fee.amount),
                    charged_by: fee.charged_by,
                    charged_on: fee.charged_on.map(date),
                })
                .collect(),
            principal_total: money(model.principal_total()),
            interest_total: money(model.interest_total()),
            fees_total: money(model.fees_total()),
            total: money(model.total()),
            reference: model.reference().to_printed(),
            payment,
            instalments: model
                .instalments()
                .iter()
                .enumerate()
                .map(|(index, instalment)| InstalmentView {
                    number: index + 1,
                    due_date: date(instalment.due_date),
                    amount: money(instalment.amount),
                })
                .collect(),
            dispute: {
                let dispute = model.dispute();
                DisputeView {
                    deadline: date(dispute.deadline),
                    email: dispute.email.clone(),
                    phone: dispute.phone.clone(),
                    url: dispute.self_service_url.clone(),
                }
            },
            agency: model.agency().map(|agency| AgencyView {
                name: agency.name.clone(),
                email: agency.email.clone(),
                phone: agency.phone.clone(),
                website: agency.website.clone(),
            }),
            received: model.received().map(|received| ReceivedView {
                amount: money(received.amount),
                date: date(received.date),
            }),
            paragraph: paragraph.map(|paragraph| ParagraphView {
                text: paragraph.as_str().to_owned(),
                blocks: paragraph.blocks(),
            }),
        }
    }

    /// Whether any invoice carries penalty interest.
    pub fn has_interest(&self) -> bool {
        !self.interest.is_empty()
    }

    /// Whether the total includes penalty interest or fees besides the principal.
    pub fn has_charges(&self) -> bool {
        !self.interest.is_empty() || !self.fees.is_empty()
    }
}
