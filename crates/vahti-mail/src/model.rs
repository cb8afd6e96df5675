//! The render model: everything one debtor-facing message contains, validated so that no item can be
//! left out or disagree with another.
//!
//! The daemon fills a [`MessageInput`] from the ledger and the tenant's settings and turns it into
//! a [`RenderModel`] with [`RenderModel::new`]. The model serializes as its input, so the outbox
//! can store it as JSON, and loading it runs the same validation again.
//!
//! What the validation guarantees, in the words of the Debt Collection Act's list of what a
//! reminder must contain (the creditor, what the debt is, the itemised amounts, how and by when to
//! pay, and how and by when to dispute):
//!
//! - every amount has the same currency and is rounded to the minor unit;
//! - the total equals the outstanding principal plus the penalty interest plus the fees, to the
//!   cent, and equals the ledger balance the daemon supplies;
//! - a message that asks for payment has a positive total, a due date, and the payment codes that
//!   the currency and account allow (see [`PaymentCodes`]);
//! - each kind carries its own items: the collection agency for a hand-over notice, the
//!   instalments for a payment plan, the received payment for a thank-you.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use vahti_domain::ident::{Bic, Iban, PaymentReference};
use vahti_domain::paycode::{EpcQr, VirtualBarcode};
use vahti_domain::{Currency, ErrorCode, Money, MoneyError};

use crate::Locale;

/// The maximum length of a name (creditor, debtor, agency), in characters.
const MAX_NAME_CHARS: usize = 200;
/// The maximum length of an invoice number or business id, in characters.
const MAX_IDENTIFIER_CHARS: usize = 64;
/// The maximum length of one address line, a phone number or a fee description, in characters.
const MAX_LINE_CHARS: usize = 200;
/// The maximum number of address lines.
const MAX_ADDRESS_LINES: usize = 6;
/// The maximum length of an email address (RFC 5321 section 4.5.3.1.3, a path of 256 octets less
/// the angle brackets).
const MAX_EMAIL_CHARS: usize = 254;
/// The maximum length of a link, in characters.
const MAX_URL_CHARS: usize = 2000;
/// The maximum length of the beneficiary name in an EPC QR code (EPC069-12).
const EPC_NAME_CHARS: usize = 70;

/// The kind of a message, which decides its wording and which items it must carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A reminder without fees soon after the due date, which allows that the payment may have
    /// crossed in the post.
    FriendlyReminder,
    /// A reminder that may carry a reminder fee and penalty interest.
    Reminder,
    /// The last reminder before the debt is handed over to a collection agency.
    FinalDemand,
    /// A notice that the debt has been handed over to a collection agency.
    CollectionHandover,
    /// A confirmation of an agreed payment plan with its instalments.
    PaymentPlanConfirmation,
    /// Thanks for a payment that settled the listed invoices.
    PaymentThanks,
}

impl MessageKind {
    /// Every kind, in escalation order followed by the plan and the thank-you.
    pub const ALL: [MessageKind; 6] = [
        MessageKind::FriendlyReminder,
        MessageKind::Reminder,
        MessageKind::FinalDemand,
        MessageKind::CollectionHandover,
        MessageKind::PaymentPlanConfirmation,
        MessageKind::PaymentThanks,
    ];

    /// The lower-snake-case name used in storage and the API, such as `final_demand`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::FriendlyReminder => "friendly_reminder",
            MessageKind::Reminder => "reminder",
            MessageKind::FinalDemand => "final_demand",
            MessageKind::CollectionHandover => "collection_handover",
            MessageKind::PaymentPlanConfirmation => "payment_plan_confirmation",
            MessageKind::PaymentThanks => "payment_thanks",
        }
    }

    /// Whether the message asks the debtor to pay the creditor, and so prints payment details.
    pub fn requests_payment(self) -> bool {
        match self {
            MessageKind::FriendlyReminder
            | MessageKind::Reminder
            | MessageKind::FinalDemand
            | MessageKind::PaymentPlanConfirmation => true,
            MessageKind::CollectionHandover | MessageKind::PaymentThanks => false,
        }
    }
}

/// The creditor: the tenant company whose invoices these are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Creditor {
    /// The legal name, also the payee of the credit transfer.
    pub name: String,
    /// The business id, such as the Finnish `1234567-8`.
    pub business_id: String,
    /// The postal address without the country, one line per entry.
    pub address: Vec<String>,
    /// The country of the postal address as an ISO 3166-1 alpha-2 code, such as `FI`. Messages
    /// print its name in their language, and leave it out when the debtor lives in the same
    /// country.
    #[serde(default)]
    pub country: Option<String>,
    /// The email address where debtors reach the creditor.
    pub email: String,
    /// The phone number where debtors reach the creditor.
    pub phone: Option<String>,
    /// The account the debtor pays to.
    pub iban: Iban,
    /// The BIC of the account's bank.
    pub bic: Option<Bic>,
}

/// The debtor the message goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Debtor {
    /// The name in the creditor's records.
    pub name: String,
    /// The recipient address.
    pub email: String,
    /// The language of the message.
    pub locale: Locale,
    /// The country of the debtor's postal address as an ISO 3166-1 alpha-2 code, when known.
    #[serde(default)]
    pub country: Option<String>,
}

/// One invoice listed in the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The invoice number as printed on the invoice.
    pub number: String,
    /// The invoice date.
    pub invoice_date: NaiveDate,
    /// The due date printed on the invoice.
    pub original_due_date: NaiveDate,
    /// The amount of the invoice.
    pub original_amount: Money,
    /// The principal still unpaid.
    pub outstanding_principal: Money,
    /// The penalty interest on this invoice, one line per rate period.
    pub interest: Vec<InterestLine>,
}

/// Penalty interest for one period at one rate. Under the Interest Act 633/1982 the rate changes
/// each half-year with the reference rate, so a longer period has several lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestLine {
    /// The annual rate in percent, such as 11.5.
    pub rate_percent: Decimal,
    /// The first day of the period.
    pub first_day: NaiveDate,
    /// The last day of the period, included.
    pub last_day: NaiveDate,
    /// The interest for the period.
    pub amount: Money,
}

/// The purpose of a fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FeeKind {
    /// A reminder fee (Debt Collection Act 513/1999 as amended).
    ReminderFee,
    /// The fixed compensation for recovery costs between businesses (Act on Payment Terms in
    /// Commercial Contracts 30/2013).
    StandardCompensation,
    /// Any other fee, with the description the creditor gives it.
    Other {
        /// The description shown to the debtor, in the debtor's language.
        description: String,
    },
}

/// One fee charged to the debtor.
///
/// Each charge is its own line, so that two reminder fees of 5 € read as two fees and not as one
/// fee of 10 €.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    /// The purpose of the fee.
    pub kind: FeeKind,
    /// The fee.
    pub amount: Money,
    /// The kind of the step that charged the fee, such as [`MessageKind::Reminder`]; absent when
    /// it is not known, as in messages stored before fees carried it.
    #[serde(default)]
    pub charged_by: Option<MessageKind>,
    /// The day the fee was charged; absent when it is not known.
    #[serde(default)]
    pub charged_on: Option<NaiveDate>,
}

/// One instalment of a payment plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// The day the instalment is due.
    pub due_date: NaiveDate,
    /// The amount of the instalment.
    pub amount: Money,
}

/// The collection agency a debt is handed over to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// The agency's name.
    pub name: String,
    /// The agency's email address.
    pub email: Option<String>,
    /// The agency's phone number.
    pub phone: Option<String>,
    /// The agency's web site.
    pub website: Option<String>,
}

/// The channels and the deadline for disputing the debt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisputeTerms {
    /// The last day to dispute before collection goes on.
    pub deadline: NaiveDate,
    /// The email address for disputes.
    pub email: String,
    /// The phone number for disputes.
    pub phone: Option<String>,
    /// The debtor's personal self-service page, where they can dispute, promise to pay or ask
    /// for a payment plan.
    pub self_service_url: Option<String>,
}

/// A payment the creditor received, for the thank-you message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedPayment {
    /// The amount received.
    pub amount: Money,
    /// The day the payment was booked.
    pub date: NaiveDate,
}

/// Everything a message contains, as the daemon supplies it. [`RenderModel::new`] validates it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageInput {
    /// The kind of message.
    pub kind: MessageKind,
    /// The date the message is written.
    pub issue_date: NaiveDate,
    /// The creditor.
    pub creditor: Creditor,
    /// The debtor.
    pub debtor: Debtor,
    /// The invoices the message is about, at least one.
    pub invoices: Vec<InvoiceLine>,
    /// The fees charged, including the one this step adds.
    pub fees: Vec<FeeLine>,
    /// The total the debtor owes: principal, interest and fees.
    pub total: Money,
    /// The balance of these invoices in the ledger after this step's fee, which must equal the
    /// total.
    pub ledger_balance: Money,
    /// The creditor reference the debtor pays with.
    pub reference: PaymentReference,
    /// The new due date, required when the message asks for payment (except for a payment plan,
    /// whose instalments have their own dates) and absent otherwise.
    pub new_due_date: Option<NaiveDate>,
    /// The channels and the deadline for disputes.
    pub dispute: DisputeTerms,
    /// The collection agency, only for a hand-over notice.
    pub agency: Option<Agency>,
    /// The instalments, only for a payment plan confirmation.
    pub instalments: Vec<Instalment>,
    /// The payment being thanked for, only for a thank-you.
    pub received: Option<ReceivedPayment>,
}

/// The payment codes printed in a message that asks for payment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentCodes {
    /// The 54 digits of the Finnish virtual bank barcode. Present for euros to a Finnish IBAN,
    /// unless the reference cannot go into a barcode (an RF reference with letters) or the due
    /// date is outside 2000 to 2099.
    pub barcode: Option<String>,
    /// The EPC QR payload for a SEPA credit transfer. Present for euros, unless the amount is
    /// above 999 999 999.99 or the payload would exceed 331 bytes.
    pub epc_qr: Option<String>,
}

impl PaymentCodes {
    /// Whether neither code is present, so the message names the IBAN and reference in a
    /// sentence instead.
    pub fn is_empty(&self) -> bool {
        self.barcode.is_none() && self.epc_qr.is_none()
    }
}

/// A validated message: every item present, every amount consistent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MessageInput", into = "MessageInput")]
pub struct RenderModel {
    input: MessageInput,
    codes: PaymentCodes,
}

impl RenderModel {
    /// Validates the input and computes the payment codes.
    ///
    /// # Errors
    ///
    /// A [`ModelError`] naming the first field that is missing, malformed or inconsistent.
    pub fn new(input: MessageInput) -> Result<Self, ModelError> {
        validate(&input)?;
        let codes = payment_codes(&input);
        Ok(RenderModel { input, codes })
    }

    /// Checks the input as [`RenderModel::new`] does, without computing the payment codes, for a
    /// caller that stores the input and renders it later.
    ///
    /// # Errors
    ///
    /// The [`ModelError`] that [`RenderModel::new`] would return.
    pub fn check(input: &MessageInput) -> Result<(), ModelError> {
        validate(input)
    }

    /// The kind of message.
    pub fn kind(&self) -> MessageKind {
        self.input.kind
    }

    /// The language of the message, the debtor's locale.
    pub fn locale(&self) -> Locale {
        self.input.debtor.locale
    }

    /// The date the message is written.
    pub fn issue_date(&self) -> NaiveDate {
        self.input.issue_date
    }

    /// The creditor.
    pub fn creditor(&self) -> &Creditor {
        &self.input.creditor
    }

    /// The debtor.
    pub fn debtor(&self) -> &Debtor {
        &self.input.debtor
    }

    /// The invoices, at least one.
    pub fn invoices(&self) -> &[InvoiceLine] {
        &self.input.invoices
    }

    /// The fees.
    pub fn fees(&self) -> &[FeeLine] {
        &self.input.fees
    }

    /// The total owed, equal to the ledger balance.
    pub fn total(&self) -> Money {
        self.input.total
    }

    /// The sum of the outstanding principal of all invoices.
    pub fn principal_total(&self) -> Money {
        sum_or_zero(
            self.currency(),
            self.input.invoices.iter().map(|i| i.outstanding_principal),
        )
    }

    /// The sum of the penalty interest of all invoices.
    pub fn interest_total(&self) -> Money {
        sum_or_zero(
            self.currency(),
            self.input
                .invoices
                .iter()
                .flat_map(|i| i.interest.iter().map(|line| line.amount)),
        )
    }

    /// The sum of the fees.
    pub fn fees_total(&self) -> Money {
        sum_or_zero(
            self.currency(),
            self.input.fees.iter().map(|fee| fee.amount),
        )
    }

    /// The currency of every amount.
    pub fn currency(&self) -> Currency {
        self.input.total.currency()
    }

    /// The creditor reference.
    pub fn reference(&self) -> &PaymentReference {
        &self.input.reference
    }

    /// The new due date of a reminder.
    pub fn new_due_date(&self) -> Option<NaiveDate> {
        self.input.new_due_date
    }

    /// The amount to pay now and its due date: the total by the new due date, or the first
    /// instalment of a payment plan. `None` when the message asks for no payment.
    pub fn amount_due(&self) -> Option<(Money, NaiveDate)> {
        amount_due(&self.input)
    }

    /// The channels and the deadline for disputes.
    pub fn dispute(&self) -> &DisputeTerms {
        &self.input.dispute
    }

    /// The collection agency of a hand-over notice.
    pub fn agency(&self) -> Option<&Agency> {
        self.input.agency.as_ref()
    }

    /// The instalments of a payment plan.
    pub fn instalments(&self) -> &[Instalment] {
        &self.input.instalments
    }

    /// The payment a thank-you is for.
    pub fn received(&self) -> Option<&ReceivedPayment> {
        self.input.received.as_ref()
    }

    /// The payment codes, empty when the message asks for no payment.
    pub fn payment_codes(&self) -> &PaymentCodes {
        &self.codes
    }

    /// The input the model was built from.
    pub fn input(&self) -> &MessageInput {
        &self.input
    }
}

impl TryFrom<MessageInput> for RenderModel {
    type Error = ModelError;

    fn try_from(input: MessageInput) -> Result<Self, Self::Error> {
        RenderModel::new(input)
    }
}

impl From<RenderModel> for MessageInput {
    fn from(model: RenderModel) -> Self {
        model.input
    }
}

/// A render model input that is missing an item or contradicts itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// A required text is empty.
    #[error("the {field} is missing: it must not be empty")]
    TextMissing {
        /// The field, such as `creditor.name`.
        field: String,
    },

    /// A text is longer than its maximum.
    #[error("the {field} has {chars} characters, but at most {max} are allowed")]
    TextTooLong {
        /// The field.
        field: String,
        /// The number of characters found.
        chars: usize,
        /// The maximum number of characters.
        max: usize,
    },

    /// A one-line text contains a line break or another control character, which could also
    /// smuggle a header into the email.
    #[error(
        "the {field} {value:?} contains a line break or another control character: remove it, the field is a single line"
    )]
    ControlCharacter {
        /// The field.
        field: String,
        /// The text as given.
        value: String,
    },

    /// The address has more lines than allowed.
    #[error("the creditor address has {lines} lines, but at most {max} are allowed")]
    TooManyAddressLines {
        /// The number of lines found.
        lines: usize,
        /// The maximum number of lines.
        max: usize,
    },

    /// An email address is invalid.
    #[error("the {field} {value:?} is not a valid email address: {reason}")]
    EmailInvalid {
        /// The field.
        field: String,
        /// The address as given.
        value: String,
        /// The parser's error message.
        reason: String,
    },

    /// A link is invalid or not http(s).
    #[error("the {field} {value:?} is not a valid http or https URL: {reason}")]
    UrlInvalid {
        /// The field.
        field: String,
        /// The link as given.
        value: String,
        /// The problem found.
        reason: String,
    },

    /// The message lists no invoice.
    #[error("the message lists no invoice: add at least one invoice")]
    NoInvoices,

    /// An amount is in another currency than the total.
    #[error(
        "the {field} is in {found}, but the total is in {expected}: all amounts must share one currency"
    )]
    CurrencyMismatch {
        /// The field.
        field: String,
        /// The currency of the total.
        expected: Currency,
        /// The currency of the field.
        found: Currency,
    },

    /// An amount has digits below the currency's minor unit.
    #[error(
        "the {field} {amount:?} has fractions of the minor unit: round it before building the message"
    )]
    AmountNotRounded {
        /// The field.
        field: String,
        /// The amount as given.
        amount: Money,
    },

    /// An amount that must not be negative is negative.
    #[error("the {field} {amount:?} is negative, but it must be zero or more")]
    AmountNegative {
        /// The field.
        field: String,
        /// The amount as given.
        amount: Money,
    },

    /// An amount that must be positive is zero or negative.
    #[error("the {field} {amount:?} must be more than zero")]
    AmountNotPositive {
        /// The field.
        field: String,
        /// The amount as given.
        amount: Money,
    },

    /// The sum of the amounts overflows.
    #[error("the sum of the {field} is too large to represent")]
    Overflow {
        /// The amounts being summed.
        field: String,
    },

    /// An interest rate is negative.
    #[error("the interest rate {rate} % of invoice {invoice} is negative")]
    InterestRateNegative {
        /// The invoice number.
        invoice: String,
        /// The rate as given.
        rate: Decimal,
    },

    /// An interest period ends before it starts.
    #[error("the interest period {first}..{last} of invoice {invoice} ends before it starts")]
    InterestPeriodReversed {
        /// The invoice number.
        invoice: String,
        /// The first day.
        first: NaiveDate,
        /// The last day.
        last: NaiveDate,
    },

    /// The total differs from the itemised amounts.
    #[error(
        "the total {total:?} differs from the sum of the itemised amounts {itemised:?} (principal {principal:?}, interest {interest:?}, fees {fees:?}); every amount the debtor owes must be itemised"
    )]
    TotalMismatch {
        /// The total as given.
        total: Money,
        /// The sum of principal, interest and fees.
        itemised: Money,
        /// The outstanding principal.
        principal: Money,
        /// The penalty interest.
        interest: Money,
        /// The fees.
        fees: Money,
    },

    /// The total differs from the ledger balance.
    #[error(
        "the total {total:?} differs from the ledger balance {ledger_balance:?}: the message must show what the ledger says after this step's fee"
    )]
    LedgerMismatch {
        /// The total as given.
        total: Money,
        /// The ledger balance as given.
        ledger_balance: Money,
    },

    /// A message that asks for payment has nothing to pay.
    #[error("a {kind} must have a total above zero, but it is {total:?}")]
    NothingToPay {
        /// The message kind.
        kind: &'static str,
        /// The total as given.
        total: Money,
    },

    /// A thank-you is sent while something is still owed.
    #[error("a payment_thanks message needs a zero balance, but the total is {total:?}")]
    BalanceRemaining {
        /// The total as given.
        total: Money,
    },

    /// A reminder has no new due date.
    #[error("a {kind} needs a new due date")]
    DueDateMissing {
        /// The message kind.
        kind: &'static str,
    },

    /// A new due date is given for a message that asks for no payment by one date.
    #[error("a {kind} takes no new due date")]
    DueDateUnexpected {
        /// The message kind.
        kind: &'static str,
    },

    /// A due date or deadline lies before the message date.
    #[error("the {field} {date} lies before the message date {issue_date}")]
    DateBeforeIssue {
        /// The field.
        field: String,
        /// The date as given.
        date: NaiveDate,
        /// The message date.
        issue_date: NaiveDate,
    },

    /// A kind-specific item is missing.
    #[error("a {kind} needs the {item}")]
    ItemMissing {
        /// The message kind.
        kind: &'static str,
        /// The missing item: `agency`, `instalments` or `received`.
        item: &'static str,
    },

    /// A kind-specific item is given for another kind.
    #[error("a {kind} takes no {item}: it belongs to another kind of message")]
    ItemUnexpected {
        /// The message kind.
        kind: &'static str,
        /// The unexpected item.
        item: &'static str,
    },

    /// The collection agency has no contact details.
    #[error("the collection agency {name:?} has no email, phone or web site: give at least one")]
    AgencyContactMissing {
        /// The agency's name.
        name: String,
    },

    /// The instalments are not in date order.
    #[error(
        "instalment {index} is due {date}, before the previous one: list instalments in date order"
    )]
    InstalmentsOutOfOrder {
        /// The position of the instalment, counted from 1.
        index: usize,
        /// Its due date.
        date: NaiveDate,
    },

    /// The instalments do not add up to the total.
    #[error("the instalments add up to {sum:?}, but the total is {total:?}")]
    InstalmentSumMismatch {
        /// The sum of the instalments.
        sum: Money,
        /// The total.
        total: Money,
    },
}

impl ErrorCode for ModelError {
    fn code(&self) -> &'static str {
        match self {
            ModelError::TextMissing { .. } => "mail_text_missing",
            ModelError::TextTooLong { .. } => "mail_text_too_long",
            ModelError::ControlCharacter { .. } => "mail_control_character",
            ModelError::TooManyAddressLines { .. } => "mail_address_too_many_lines",
            ModelError::EmailInvalid { .. } => "mail_email_invalid",
            ModelError::UrlInvalid { .. } => "mail_url_invalid",
            ModelError::NoInvoices => "mail_no_invoices",
            ModelError::CurrencyMismatch { .. } => "mail_currency_mismatch",
            ModelError::AmountNotRounded { .. } => "mail_amount_not_rounded",
            ModelError::AmountNegative { .. } => "mail_amount_negative",
            ModelError::AmountNotPositive { .. } => "mail_amount_not_positive",
            ModelError::Overflow { .. } => "mail_amount_overflow",
            ModelError::InterestRateNegative { .. } => "mail_interest_rate_negative",
            ModelError::InterestPeriodReversed { .. } => "mail_interest_period_reversed",
            ModelError::TotalMismatch { .. } => "mail_total_mismatch",
            ModelError::LedgerMismatch { .. } => "mail_ledger_mismatch",
            ModelError::NothingToPay { .. } => "mail_nothing_to_pay",
            ModelError::BalanceRemaining { .. } => "mail_balance_remaining",
            ModelError::DueDateMissing { .. } => "mail_due_date_missing",
            ModelError::DueDateUnexpected { .. } => "mail_due_date_unexpected",
            ModelError::DateBeforeIssue { .. } => "mail_date_before_issue",
            ModelError::ItemMissing { .. } => "mail_item_missing",
            ModelError::ItemUnexpected { .. } => "mail_item_unexpected",
            ModelError::AgencyContactMissing { .. } => "mail_agency_contact_missing",
            ModelError::InstalmentsOutOfOrder { .. } => "mail_instalments_out_of_order",
            ModelError::InstalmentSumMismatch { .. } => "mail_instalment_sum_mismatch",
        }
    }
}

fn validate(input: &MessageInput) -> Result<(), ModelError> {
    validate_parties(input)?;
    validate_amounts(input)?;
    validate_kind_items(input)?;
    validate_dates(input)
}

fn validate_parties(input: &MessageInput) -> Result<(), ModelError> {
    let creditor = &input.creditor;
    required_line("creditor.name", &creditor.name, MAX_NAME_CHARS)?;
    required_line(
        "creditor.business_id",
        &creditor.business_id,
        MAX_IDENTIFIER_CHARS,
    )?;
    if creditor.address.len() > MAX_ADDRESS_LINES {
        return Err(ModelError::TooManyAddressLines {
            lines: creditor.address.len(),
            max: MAX_ADDRESS_LINES,
        });
    }
    for (index, line) in creditor.address.iter().enumerate() {
        required_line(&format!("creditor.address[{index}]"), line, MAX_LINE_CHARS)?;
    }
    email("creditor.email", &creditor.email)?;
    optional_line("creditor.phone", creditor.phone.as_deref(), MAX_LINE_CHARS)?;

    required_line("debtor.name", &input.debtor.name, MAX_NAME_CHARS)?;
    email("debtor.email", &input.debtor.email)?;

    let dispute = &input.dispute;
    email("dispute.email", &dispute.email)?;
    optional_line("dispute.phone", dispute.phone.as_deref(), MAX_LINE_CHARS)?;
    if let Some(url) = &dispute.self_service_url {
        link("dispute.self_service_url", url)?;
    }

    if let Some(agency) = &input.agency {
        required_line("agency.name", &agency.name, MAX_NAME_CHARS)?;
        if let Some(address) = &agency.email {
            email("agency.email", address)?;
        }
        optional_line("agency.phone", agency.phone.as_deref(), MAX_LINE_CHARS)?;
        if let Some(url) = &agency.website {
            link("agency.website", url)?;
        }
        if agency.email.is_none() && agency.phone.is_none() && agency.website.is_none() {
            return Err(ModelError::AgencyContactMissing {
                name: agency.name.clone(),
            });
        }
    }
    Ok(())
}

fn validate_amounts(input: &MessageInput) -> Result<(), ModelError> {
    let currency = input.total.currency();
    let check = |field: &str, amount: Money| -> Result<(), ModelError> {
        if amount.currency() != currency {
            return Err(ModelError::CurrencyMismatch {
                field: field.to_owned(),
                expected: currency,
                found: amount.currency(),
            });
        }
        if !amount.is_rounded() {
            return Err(ModelError::AmountNotRounded {
                field: field.to_owned(),
                amount,
            });
        }
        Ok(())
    };
    let non_negative = |field: &str, amount: Money| -> Result<(), ModelError> {
        check(field, amount)?;
        if amount.is_negative() {
            return Err(ModelError::AmountNegative {
                field: field.to_owned(),
                amount,
            });
        }
        Ok(())
    };

    check("total", input.total)?;
    check("ledger_balance", input.ledger_balance)?;

    if input.invoices.is_empty() {
        return Err(ModelError::NoInvoices);
    }
    for (index, invoice) in input.invoices.iter().enumerate() {
        let field = format!("invoices[{index}]");
        required_line(
            &format!("{field}.number"),
            &invoice.number,
            MAX_IDENTIFIER_CHARS,
        )?;
        non_negative(&format!("{field}.original_amount"), invoice.original_amount)?;
        non_negative(
            &format!("{field}.outstanding_principal"),
            invoice.outstanding_principal,
        )?;
        for (line_index, line) in invoice.interest.iter().enumerate() {
            non_negative(
                &format!("{field}.interest[{line_index}].amount"),
                line.amount,
            )?;
            if line.rate_percent.is_sign_negative() && !line.rate_percent.is_zero() {
                return Err(ModelError::InterestRateNegative {
                    invoice: invoice.number.clone(),
                    rate: line.rate_percent,
                });
            }
            if line.last_day < line.first_day {
                return Err(ModelError::InterestPeriodReversed {
                    invoice: invoice.number.clone(),
                    first: line.first_day,
                    last: line.last_day,
                });
            }
        }
    }

    for (index, fee) in input.fees.iter().enumerate() {
        non_negative(&format!("fees[{index}].amount"), fee.amount)?;
        if let FeeKind::Other { description } = &fee.kind {
            required_line(
                &format!("fees[{index}].description"),
                description,
                MAX_LINE_CHARS,
            )?;
        }
    }
    for (index, instalment) in input.instalments.iter().enumerate() {
        check(&format!("instalments[{index}].amount"), instalment.amount)?;
    }
    if let Some(received) = &input.received {
        check("received.amount", received.amount)?;
    }

    let principal = sum(
        "outstanding principal",
        currency,
        input.invoices.iter().map(|i| i.outstanding_principal),
    )?;
    let interest = sum(
        "penalty interest",
        currency,
        input
            .invoices
            .iter()
            .flat_map(|i| i.interest.iter().map(|line| line.amount)),
    )?;
    let fees = sum("fees", currency, input.fees.iter().map(|fee| fee.amount))?;
    let itemised = sum("itemised amounts", currency, [principal, interest, fees])?;
    if itemised != input.total {
        return Err(ModelError::TotalMismatch {
            total: input.total,
            itemised,
            principal,
            interest,
            fees,
        });
    }
    if input.ledger_balance != input.total {
        return Err(ModelError::LedgerMismatch {
            total: input.total,
            ledger_balance: input.ledger_balance,
        });
    }
    Ok(())
}

fn validate_kind_items(input: &MessageInput) -> Result<(), ModelError> {
    let kind = input.kind;
    let name = kind.as_str();
    let expect = |present: bool, wanted: bool, item: &'static str| match (present, wanted) {
        (false, true) => Err(ModelError::ItemMissing { kind: name, item }),
        (true, false) => Err(ModelError::ItemUnexpected { kind: name, item }),
        _ => Ok(()),
    };

    expect(
        input.agency.is_some(),
        kind == MessageKind::CollectionHandover,
        "agency",
    )?;
    expect(
        !input.instalments.is_empty(),
        kind == MessageKind::PaymentPlanConfirmation,
        "instalments",
    )?;
    expect(
        input.received.is_some(),
        kind == MessageKind::PaymentThanks,
        "received",
    )?;

    let wants_due_date = kind.requests_payment() && kind != MessageKind::PaymentPlanConfirmation;
    match (input.new_due_date.is_some(), wants_due_date) {
        (false, true) => return Err(ModelError::DueDateMissing { kind: name }),
        (true, false) => return Err(ModelError::DueDateUnexpected { kind: name }),
        _ => {}
    }

    if kind.requests_payment() && !input.total.is_positive() {
        return Err(ModelError::NothingToPay {
            kind: name,
            total: input.total,
        });
    }
    if kind == MessageKind::PaymentThanks && !input.total.is_zero() {
        return Err(ModelError::BalanceRemaining { total: input.total });
    }
    if let Some(received) = &input.received
        && !received.amount.is_positive()
    {
        return Err(ModelError::AmountNotPositive {
            field: "received.amount".to_owned(),
            amount: received.amount,
        });
    }

    if !input.instalments.is_empty() {
        validate_instalments(input)?;
    }
    Ok(())
}

fn validate_instalments(input: &MessageInput) -> Result<(), ModelError> {
    let mut previous: Option<NaiveDate> = None;
    for (index, instalment) in input.instalments.iter().enumerate() {
        if !instalment.amount.is_positive() {
            return Err(ModelError::AmountNotPositive {
                field: format!("instalments[{index}].amount"),
                amount: instalment.amount,
            });
        }
        if previous.is_some_and(|date| instalment.due_date < date) {
            return Err(ModelError::InstalmentsOutOfOrder {
                index: index + 1,
                date: instalment.due_date,
            });
        }
        previous = Some(instalment.due_date);
    }

    let total = sum(
        "instalments",
        input.total.currency(),
        input.instalments.iter().map(|i| i.amount),
    )?;
    if total != input.total {
        return Err(ModelError::InstalmentSumMismatch {
            sum: total,
            total: input.total,
        });
    }
    Ok(())
}

fn validate_dates(input: &MessageInput) -> Result<(), ModelError> {
    let issue_date = input.issue_date;
    let not_before_issue = |field: &str, date: NaiveDate| {
        if date < issue_date {
            Err(ModelError::DateBeforeIssue {
                field: field.to_owned(),
                date,
                issue_date,
            })
        } else {
            Ok(())
        }
    };

    if let Some(date) = input.new_due_date {
        not_before_issue("new_due_date", date)?;
    }
    if input.kind != MessageKind::PaymentThanks {
        not_before_issue("dispute.deadline", input.dispute.deadline)?;
    }
    if let Some(first) = input.instalments.first() {
        not_before_issue("instalments[0].due_date", first.due_date)?;
    }
    Ok(())
}

/// Checks a one-line text that must not be empty.
fn required_line(field: &str, value: &str, max: usize) -> Result<(), ModelError> {
    if value.trim().is_empty() {
        return Err(ModelError::TextMissing {
            field: field.to_owned(),
        });
    }
    single_line(field, value, max)
}

/// Checks a one-line text that may be absent but not blank.
fn optional_line(field: &str, value: Option<&str>, max: usize) -> Result<(), ModelError> {
    match value {
        Some(value) => required_line(field, value, max),
        None => Ok(()),
    }
}

fn single_line(field: &str, value: &str, max: usize) -> Result<(), ModelError> {
    if value.chars().any(is_line_breaking) {
        return Err(ModelError::ControlCharacter {
            field: field.to_owned(),
            value: value.to_owned(),
        });
    }
    let chars = value.chars().count();
    if chars > max {
        return Err(ModelError::TextTooLong {
            field: field.to_owned(),
            chars,
            max,
        });
    }
    Ok(())
}

/// Whether a character breaks a line or is otherwise invisible control data: C0 and C1 controls
/// and the Unicode line and paragraph separators.
pub(crate) fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

fn email(field: &str, value: &str) -> Result<(), ModelError> {
    required_line(field, value, MAX_EMAIL_CHARS)?;
    value
        .parse::<lettre::Address>()
        .map(|_| ())
        .map_err(|error| ModelError::EmailInvalid {
            field: field.to_owned(),
            value: value.to_owned(),
            reason: error.to_string(),
        })
}

fn link(field: &str, value: &str) -> Result<(), ModelError> {
    required_line(field, value, MAX_URL_CHARS)?;
    let invalid = |reason: String| ModelError::UrlInvalid {
        field: field.to_owned(),
        value: value.to_owned(),
        reason,
    };
    let url = url::Url::parse(value).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid(format!(
            "the scheme is {}, but only http and https open in a browser",
            url.scheme()
        )));
    }
    Ok(())
}

fn sum<I>(field: &str, currency: Currency, amounts: I) -> Result<Money, ModelError>
where
    I: IntoIterator<Item = Money>,
{
    Money::sum(currency, amounts).map_err(|error| match error {
        MoneyError::CurrencyMismatch { left, right } => ModelError::CurrencyMismatch {
            field: field.to_owned(),
            expected: left,
            found: right,
        },
        _ => ModelError::Overflow {
            field: field.to_owned(),
        },
    })
}

/// Sums amounts that validation has already summed once without error.
fn sum_or_zero<I>(currency: Currency, amounts: I) -> Money
where
    I: IntoIterator<Item = Money>,
{
    Money::sum(currency, amounts).unwrap_or_else(|_| Money::zero(currency))
}

fn amount_due(input: &MessageInput) -> Option<(Money, NaiveDate)> {
    if !input.kind.requests_payment() {
        return None;
    }
    match input.instalments.first() {
        Some(first) => Some((first.amount, first.due_date)),
        None => input.new_due_date.map(|date| (input.total, date)),
    }
}

/// Builds the barcode and QR payload for the amount due. A code that the details cannot carry is
/// left out, and the message then still prints the IBAN and reference in words.
fn payment_codes(input: &MessageInput) -> PaymentCodes {
    let Some((amount, due_date)) = amount_due(input) else {
        return PaymentCodes::default();
    };
    if amount.currency() != Currency::EUR {
        return PaymentCodes::default();
    }

    let creditor = &input.creditor;
    let barcode = if creditor.iban.is_finnish() {
        VirtualBarcode::for_invoice(
            &creditor.iban,
            Some(amount),
            &input.reference,
            Some(due_date),
        )
        .ok()
        .map(|barcode| barcode.to_digits())
    } else {
        None
    };

    // The payee name in the QR code only helps the payer recognise the payee, so a long legal
    // name is cut to the 70 characters the format allows rather than dropping the code.
    let name: String = creditor.name.trim().chars().take(EPC_NAME_CHARS).collect();
    let mut builder = EpcQr::builder(name, creditor.iban.clone())
        .amount(amount)
        .reference(input.reference.rf())
        .due_date(due_date);
    if let Some(bic) = &creditor.bic {
        builder = builder.bic(bic.clone());
    }
    let epc_qr = builder.build().ok().map(|qr| qr.payload());

    PaymentCodes { barcode, epc_qr }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example;
    use rust_decimal_macros::dec;

    fn eur(amount: Decimal) -> Money {
        Money::new(amount, Currency::EUR)
    }

    /// The code of the error that building the model returns, which checking the input must
    /// return too.
    fn code(input: MessageInput) -> &'static str {
        let checked = RenderModel::check(&input).unwrap_err().code();
        let built = RenderModel::new(input).unwrap_err().code();
        assert_eq!(checked, built);
        built
    }

    #[test]
    fn example_is_valid_for_every_kind() {
        for kind in MessageKind::ALL {
            let input = example::message(kind, Locale::Finnish);
            assert_eq!(RenderModel::check(&input), Ok(()), "{kind:?}");
            let model = RenderModel::new(input);
            assert!(model.is_ok(), "{kind:?}: {model:?}");
        }
    }

    #[test]
    fn reminder_has_both_codes() {
        let model =
            RenderModel::new(example::message(MessageKind::Reminder, Locale::Finnish)).unwrap();
        let codes = model.payment_codes();
        assert_eq!(
            codes.barcode.as_deref(),
            Some("449500094200287300013391000000000000000002001421260331")
        );
        assert!(
            codes
                .epc_qr
                .as_deref()
                .unwrap()
                .starts_with("BCD\n002\n1\nSCT\n")
        );
    }

    #[test]
    fn codes_absent_without_payment() {
        for kind in [MessageKind::CollectionHandover, MessageKind::PaymentThanks] {
            let model = RenderModel::new(example::message(kind, Locale::English)).unwrap();
            assert!(model.payment_codes().is_empty(), "{kind:?}");
        }
    }

    #[test]
    fn plan_codes_carry_first_instalment() {
        let model = RenderModel::new(example::message(
            MessageKind::PaymentPlanConfirmation,
            Locale::Finnish,
        ))
        .unwrap();
        let first = &model.instalments()[0];
        let payload = model.payment_codes().epc_qr.clone().unwrap();
        assert!(payload.contains(&format!("\nEUR{}\n", first.amount.amount().normalize())));
        assert_eq!(model.amount_due(), Some((first.amount, first.due_date)));
    }

    #[test]
    fn foreign_iban_keeps_qr_only() {
        let mut input = example::message(MessageKind::Reminder, Locale::English);
        input.creditor.iban = Iban::parse("DE89 3704 0044 0532 0130 00").unwrap();
        let model = RenderModel::new(input).unwrap();
        assert_eq!(model.payment_codes().barcode, None);
        assert!(model.payment_codes().epc_qr.is_some());
    }

    #[test]
    fn other_currency_has_no_codes() {
        let mut input = example::message(MessageKind::Reminder, Locale::Swedish);
        let sek = Currency::from_code("SEK").unwrap();
        example::convert_currency(&mut input, sek);
        let model = RenderModel::new(input).unwrap();
        assert!(model.payment_codes().is_empty());
    }

    #[test]
    fn long_creditor_name_is_cut_in_qr() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.creditor.name = "Ä".repeat(150);
        let model = RenderModel::new(input).unwrap();
        let payload = model.payment_codes().epc_qr.clone().unwrap();
        assert!(payload.contains(&format!("\n{}\n", "Ä".repeat(70))));
    }

    #[test]
    fn total_must_match_items() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.total = input.total.checked_add(eur(dec!(0.01))).unwrap();
        input.ledger_balance = input.total;
        assert_eq!(code(input), "mail_total_mismatch");
    }

    #[test]
    fn total_must_match_ledger() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.ledger_balance = input.ledger_balance.checked_sub(eur(dec!(5))).unwrap();
        assert_eq!(code(input), "mail_ledger_mismatch");
    }

    #[test]
    fn forgotten_fee_is_rejected() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.fees.clear();
        assert_eq!(code(input), "mail_total_mismatch");
    }

    #[test]
    fn mixed_currency_is_rejected() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.fees[0].amount = Money::new(dec!(5), Currency::from_code("SEK").unwrap());
        assert_eq!(code(input), "mail_currency_mismatch");
    }

    #[test]
    fn unrounded_amount_is_rejected() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.invoices[0].original_amount = eur(dec!(100.001));
        assert_eq!(code(input), "mail_amount_not_rounded");
    }

    #[test]
    fn kind_items_are_enforced() {
        let mut handover = example::message(MessageKind::CollectionHandover, Locale::Finnish);
        handover.agency = None;
        assert_eq!(code(handover), "mail_item_missing");

        let mut reminder = example::message(MessageKind::Reminder, Locale::Finnish);
        reminder.received = Some(ReceivedPayment {
            amount: eur(dec!(1)),
            date: reminder.issue_date,
        });
        assert_eq!(code(reminder), "mail_item_unexpected");

        let mut plan = example::message(MessageKind::PaymentPlanConfirmation, Locale::Finnish);
        plan.instalments.clear();
        assert_eq!(code(plan), "mail_item_missing");

        let mut thanks = example::message(MessageKind::PaymentThanks, Locale::Finnish);
        thanks.received = None;
        assert_eq!(code(thanks), "mail_item_missing");
    }

    #[test]
    fn reminder_needs_due_date() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.new_due_date = None;
        assert_eq!(code(input), "mail_due_date_missing");
    }

    #[test]
    fn due_date_before_issue_is_rejected() {
        let mut input = example::message(MessageKind::FinalDemand, Locale::Finnish);
        input.new_due_date = input.issue_date.pred_opt();
        assert_eq!(code(input), "mail_date_before_issue");
    }

    #[test]
    fn instalments_must_sum_to_total() {
        let mut input = example::message(MessageKind::PaymentPlanConfirmation, Locale::Finnish);
        input.instalments[0].amount = input.instalments[0]
            .amount
            .checked_add(eur(dec!(1)))
            .unwrap();
        assert_eq!(code(input), "mail_instalment_sum_mismatch");
    }

    #[test]
    fn instalments_must_be_ordered() {
        let mut input = example::message(MessageKind::PaymentPlanConfirmation, Locale::Finnish);
        input.instalments.swap(0, 1);
        assert_eq!(code(input), "mail_instalments_out_of_order");
    }

    #[test]
    fn thanks_needs_zero_balance() {
        let mut input = example::message(MessageKind::PaymentThanks, Locale::Finnish);
        input.fees.push(FeeLine {
            kind: FeeKind::ReminderFee,
            amount: eur(dec!(5)),
            charged_by: Some(MessageKind::Reminder),
            charged_on: None,
        });
        input.total = eur(dec!(5));
        input.ledger_balance = input.total;
        assert_eq!(code(input), "mail_balance_remaining");
    }

    #[test]
    fn line_breaks_in_names_are_rejected() {
        let cases = [
            "Evil\r\nBcc: x@example.com",
            "Tab\there",
            "Line\u{2028}separator",
        ];
        for name in cases {
            let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
            input.debtor.name = name.to_owned();
            let error = RenderModel::new(input).unwrap_err();
            assert_eq!(error.code(), "mail_control_character", "{name:?}");
            assert!(error.to_string().contains("debtor.name"), "{error}");
        }
    }

    #[test]
    fn invalid_email_is_rejected() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.debtor.email = "not an address".to_owned();
        assert_eq!(code(input), "mail_email_invalid");
    }

    #[test]
    fn script_link_is_rejected() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.dispute.self_service_url = Some("javascript:alert(1)".to_owned());
        assert_eq!(code(input), "mail_url_invalid");
    }

    #[test]
    fn agency_needs_contact() {
        let mut input = example::message(MessageKind::CollectionHandover, Locale::Finnish);
        let agency = input.agency.as_mut().unwrap();
        agency.email = None;
        agency.phone = None;
        agency.website = None;
        assert_eq!(code(input), "mail_agency_contact_missing");
    }

    #[test]
    fn model_round_trips_through_json() {
        let model =
            RenderModel::new(example::message(MessageKind::Reminder, Locale::Swedish)).unwrap();
        let json = serde_json::to_string(&model).unwrap();
        let loaded: RenderModel = serde_json::from_str(&json).unwrap();
        assert_eq!(loaded, model);
    }

    #[test]
    fn stored_json_is_validated() {
        let mut input = example::message(MessageKind::Reminder, Locale::Finnish);
        input.total = eur(dec!(1));
        let json = serde_json::to_string(&input).unwrap();
        let error = serde_json::from_str::<RenderModel>(&json).unwrap_err();
        assert!(
            error.to_string().contains("differs from the sum"),
            "{error}"
        );
    }
}
