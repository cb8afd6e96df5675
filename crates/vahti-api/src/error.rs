//! The error body of every failed request, and the machine-readable error codes.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The body of every response with a 4xx or 5xx status.
///
/// ```
/// use vahti_api::{ApiErrorBody, ErrorCode};
///
/// let json = r#"{"error": {"code": "invoice_not_found",
///     "message": "invoice \"INV-7\" not found", "field": null}}"#;
/// let body: ApiErrorBody = serde_json::from_str(json)?;
///
/// assert_eq!(body.error.code, ErrorCode::InvoiceNotFound);
/// assert_eq!(body.error.code, "invoice_not_found");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "openapi",
    schema(description = "The body of every response with a 4xx or 5xx status.")
)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiError,
}

impl From<ApiError> for ApiErrorBody {
    fn from(error: ApiError) -> Self {
        ApiErrorBody { error }
    }
}

/// One error: a stable code to branch on, a message for people, and the offending field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// The stable machine-readable code. Clients branch on it; a code never changes meaning.
    /// New codes may appear in later versions; the Rust type decodes them as `ErrorCode::Unknown`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "invoice_not_found"))]
    pub code: ErrorCode,
    /// A message in English that states what failed, on which value, and how to fix it. It may
    /// change between versions; do not parse it.
    pub message: String,
    /// The request field the error is about, as a dotted path such as `due_date` or
    /// `items.3.invoice.amount`, when one field is at fault.
    #[serde(default)]
    pub field: Option<String>,
}

impl ApiError {
    /// Creates an error without a field.
    pub fn new(code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        ApiError {
            code: code.into(),
            message: message.into(),
            field: None,
        }
    }

    /// Sets the field the error is about.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)?;
        if let Some(field) = &self.field {
            write!(f, " in field {field}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// An error code that this version does not know, sent by a newer server.
///
/// It can only be made by [`ErrorCode::parse`], so it never contains a code that has its own
/// [`ErrorCode`] variant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnknownErrorCode(String);

impl UnknownErrorCode {
    /// Returns the code exactly as the server sent it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Declares [`ErrorCode`] from one line per code: the variant, its wire string and the HTTP
/// status of the response.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal => $status:literal, )+) => {
        /// A machine-readable error code.
        ///
        /// Every code the server sends today has a variant; the status in each variant's
        /// documentation is the one [`ErrorCode::http_status`] returns. A code added in a later
        /// version decodes as [`ErrorCode::Unknown`] with the original text kept, so a match
        /// needs a fallback arm and nothing is lost.
        ///
        /// ```
        /// use vahti_api::ErrorCode;
        ///
        /// fn describe(code: &ErrorCode) -> String {
        ///     match code {
        ///         ErrorCode::InvoiceNotFound => "no such invoice".to_owned(),
        ///         ErrorCode::Unknown(code) => format!("newer code {}", code.as_str()),
        ///         other => format!("code {other}"),
        ///     }
        /// }
        ///
        /// assert_eq!(describe(&ErrorCode::parse("invoice_not_found")), "no such invoice");
        /// assert_eq!(describe(&ErrorCode::parse("moon_phase_wrong")), "newer code moon_phase_wrong");
        /// assert_eq!(ErrorCode::parse("moon_phase_wrong"), "moon_phase_wrong");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )+
            /// A code that this version does not know.
            Unknown(UnknownErrorCode),
        }

        impl ErrorCode {
            /// Every code this version defines, in declaration order.
            pub const KNOWN: &'static [ErrorCode] = &[$( ErrorCode::$variant, )+];

            /// Parses a code. Never fails: a code this version does not know becomes
            /// [`ErrorCode::Unknown`].
            pub fn parse(code: &str) -> ErrorCode {
                match code {
                    $( $code => ErrorCode::$variant, )+
                    other => ErrorCode::Unknown(UnknownErrorCode(other.to_owned())),
                }
            }

            /// Returns the code as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( ErrorCode::$variant => $code, )+
                    ErrorCode::Unknown(code) => code.as_str(),
                }
            }

            /// Returns the HTTP status of a response with this code, or `None` for a code this
            /// version does not define (the response's own status applies then).
            pub fn http_status(&self) -> Option<u16> {
                match self {
                    $( ErrorCode::$variant => Some($status), )+
                    ErrorCode::Unknown(_) => None,
                }
            }
        }
    };
}

error_codes! {
    // Authentication and routing.

    /// 401: the request has no bearer token, or the token is unknown or revoked.
    Unauthorized = "unauthorized" => 401,
    /// 403: the token is valid but may not use this path, such as a tenant token on an admin path.
    Forbidden = "forbidden" => 403,
    /// 403: the tenant is deactivated; its tokens are refused until an operator reactivates it.
    TenantInactive = "tenant_inactive" => 403,
    /// 404: no resource exists at this path.
    NotFound = "not_found" => 404,
    /// 405: the path exists but does not accept this HTTP method.
    MethodNotAllowed = "method_not_allowed" => 405,
    /// 403: the daemon has no admin token configured, so admin paths are off.
    AdminDisabled = "admin_disabled" => 403,
    /// 404: no endpoint has this path; `/openapi.json` lists them.
    RouteNotFound = "route_not_found" => 404,

    // Malformed requests.

    /// 400: the body is not valid JSON, or does not match the request type: a field is missing,
    /// unknown, of the wrong type, or an enum value is not one of the allowed ones.
    BodyInvalid = "body_invalid" => 400,
    /// 400: a query parameter is malformed or unknown.
    QueryInvalid = "query_invalid" => 400,
    /// 400: a paging cursor was not issued by this server or has expired.
    CursorInvalid = "cursor_invalid" => 400,
    /// 400: a page `limit` is outside 1 to 1000.
    LimitOutOfRange = "limit_out_of_range" => 400,
    /// 400: an events `wait` is above 60 seconds.
    WaitOutOfRange = "wait_out_of_range" => 400,
    /// 400: an `Idempotency-Key` header is empty or longer than 255 characters.
    IdempotencyKeyInvalid = "idempotency_key_invalid" => 400,
    /// 400: a path parameter is malformed, such as an id that is not a number.
    PathInvalid = "path_invalid" => 400,
    /// 400: the paragraph added to an approved message is empty, too long or holds control characters.
    FreeTextInvalid = "free_text_invalid" => 400,
    /// 413: the body is larger than the limit of its path (see [`crate::limits`]).
    BodyTooLarge = "body_too_large" => 413,
    /// 415: the `Content-Type` is not one this path accepts.
    ContentTypeUnsupported = "content_type_unsupported" => 415,
    /// 409: another request with the same `Idempotency-Key` is still running.
    IdempotencyKeyInUse = "idempotency_key_in_use" => 409,
    /// 409: the `Idempotency-Key` was used before with a different request.
    IdempotencyKeyReused = "idempotency_key_reused" => 409,

    // Values that are well-formed JSON but not allowed.

    /// 422: a field's value is not allowed; `field` names it and the message gives the reason.
    ValueInvalid = "value_invalid" => 422,
    /// 422: an `external_id` is empty, longer than 128 characters, or contains control
    /// characters or surrounding white space.
    ExternalIdInvalid = "external_id_invalid" => 422,
    /// 422: a policy key breaks the key format.
    PolicyKeyInvalid = "policy_key_invalid" => 422,
    /// 422: a batch has more than 10000 items.
    BatchTooLarge = "batch_too_large" => 422,
    /// 422: an amount is not a decimal number in a string.
    AmountInvalid = "amount_invalid" => 422,
    /// 422: an amount has more decimal places than its currency's minor unit.
    AmountTooManyDecimals = "amount_too_many_decimals" => 422,
    /// 422: an amount that must be above zero is zero or negative.
    AmountNotPositive = "amount_not_positive" => 422,
    /// 422: an amount is too large to store.
    AmountOverflow = "amount_overflow" => 422,
    /// 422: a currency is not a current ISO 4217 code.
    CurrencyUnknown = "currency_unknown" => 422,
    /// 422: a currency has no minor unit and cannot be used for invoices.
    CurrencyWithoutMinorUnit = "currency_without_minor_unit" => 422,
    /// 422: amounts in different currencies were combined, such as a credit note in another
    /// currency than its invoice.
    CurrencyMismatch = "currency_mismatch" => 422,
    /// 422: a payment reference is neither a valid Finnish nor a valid RF reference.
    PaymentReferenceInvalid = "payment_reference_invalid" => 422,
    /// 422: an IBAN is malformed or its checksum is wrong.
    IbanInvalid = "iban_invalid" => 422,
    /// 422: a BIC is malformed.
    BicInvalid = "bic_invalid" => 422,
    /// 422: an email address is malformed.
    EmailInvalid = "email_invalid" => 422,
    /// 422: a time zone is not an IANA time zone name such as `Europe/Helsinki`.
    TimeZoneUnknown = "time_zone_unknown" => 422,
    /// 422: a date that must be today or later lies in the past.
    DateInPast = "date_in_past" => 422,
    /// 422: a due date lies before the invoice's issue date.
    DueDateBeforeIssueDate = "due_date_before_issue_date" => 422,
    /// 422: consent to electronic formal demands runs longer than the 12 months the Debt
    /// Collection Act (513/1999, as amended by 299/2022) allows.
    ConsentTooLong = "consent_too_long" => 422,
    /// 422: a policy breaks the policy format or a legal rule; `POST /v1/policies/validate`
    /// lists every problem.
    PolicyInvalid = "policy_invalid" => 422,
    /// 422: a credit note has no `corrects`, corrects another credit note, or belongs to another
    /// account than the invoice it corrects.
    CreditNoteInvalid = "credit_note_invalid" => 422,
    /// 422: a payment names both a `reference` and an `invoice`; give one of them.
    PaymentTargetConflict = "payment_target_conflict" => 422,
    /// 422: a payment plan's instalments are empty, not in date order, or do not add up to the
    /// outstanding amount of its invoices.
    PaymentPlanInvalid = "payment_plan_invalid" => 422,
    /// 422: an approval raises a fee above the proposed amount; fees may only be lowered.
    FeeAboveProposed = "fee_above_proposed" => 422,
    /// 400: a clock request gives both or neither of `set` and `advance_seconds`.
    ClockRequestInvalid = "clock_request_invalid" => 400,
    /// 409: a clock request would move the manual clock backwards.
    ClockBackwards = "clock_backwards" => 409,
    /// 422: an imported file is not in a format Vahti reads.
    ImportFormatUnknown = "import_format_unknown" => 422,
    /// 422: an imported file is in a known format but cannot be read as a whole, such as
    /// broken XML or KTL totals that do not match its records.
    ImportInvalid = "import_invalid" => 422,

    // Missing resources.

    /// 404: no tenant has this id.
    TenantNotFound = "tenant_not_found" => 404,
    /// 404: the tenant has no API token with this id.
    TokenNotFound = "token_not_found" => 404,
    /// 404: the tenant has no policy with this key.
    PolicyNotFound = "policy_not_found" => 404,
    /// 404: the tenant has no account with this external id.
    AccountNotFound = "account_not_found" => 404,
    /// 404: the tenant has no invoice or credit note with this external id.
    InvoiceNotFound = "invoice_not_found" => 404,
    /// 404: the tenant has no payment with this id.
    PaymentNotFound = "payment_not_found" => 404,
    /// 404: the tenant has no dispute with this id.
    DisputeNotFound = "dispute_not_found" => 404,
    /// 404: the tenant has no payment plan with this id.
    PaymentPlanNotFound = "payment_plan_not_found" => 404,
    /// 404: the tenant has no pending action with this id.
    PendingActionNotFound = "pending_action_not_found" => 404,
    /// 409: the daemon runs on the system clock, so `POST /v1/admin/clock` cannot move it.
    ManualClockDisabled = "manual_clock_disabled" => 409,

    // Conflicts with the current state.

    /// 409: a policy with this key already exists; `PUT /v1/policies/{key}` adds a version.
    PolicyExists = "policy_exists" => 409,
    /// 409: an upsert changes a field that is fixed once the invoice exists: its account, kind
    /// or currency.
    InvoiceFieldImmutable = "invoice_field_immutable" => 409,
    /// 409: the invoice is not a draft, so it cannot be issued.
    InvoiceNotDraft = "invoice_not_draft" => 409,
    /// 409: the invoice is paid, credited, cancelled, written off or handed over, so it cannot
    /// change.
    InvoiceClosed = "invoice_closed" => 409,
    /// 409: the payment is already matched to invoices.
    PaymentAlreadyMatched = "payment_already_matched" => 409,
    /// 409: the payment is reversed, so it cannot be matched or reversed again.
    PaymentReversed = "payment_reversed" => 409,
    /// 409: the bank archive id is recorded already with another amount.
    PaymentDuplicate = "payment_duplicate" => 409,
    /// 409: the invoice already has an open dispute.
    DisputeAlreadyOpen = "dispute_already_open" => 409,
    /// 409: the dispute is already resolved.
    DisputeAlreadyResolved = "dispute_already_resolved" => 409,
    /// 409: the payment plan is completed, broken or cancelled.
    PaymentPlanClosed = "payment_plan_closed" => 409,
    /// 409: the pending action was already approved, skipped or cancelled.
    PendingActionClosed = "pending_action_closed" => 409,
    /// 409: the account has no overdue invoice to remind about.
    NothingToRemind = "nothing_to_remind" => 409,
    /// 409: the minimum interval between two messages to the same debtor has not passed yet.
    ContactIntervalNotElapsed = "contact_interval_not_elapsed" => 409,

    // Webhooks and collection cases.

    /// 400: a webhook or partner URL is not an absolute `https` URL, or plain `http` to a host
    /// other than loopback while the daemon does not allow it.
    WebhookUrlInvalid = "webhook_url_invalid" => 400,
    /// 400: an event type name is not one this version defines, or `*` is combined with others.
    EventTypeUnknown = "event_type_unknown" => 400,
    /// 400: a webhook description is longer than 500 characters or contains control characters.
    WebhookDescriptionInvalid = "webhook_description_invalid" => 400,
    /// 404: the tenant has no webhook endpoint with this id.
    WebhookNotFound = "webhook_not_found" => 404,
    /// 404: the endpoint has no delivery with this id.
    WebhookDeliveryNotFound = "webhook_delivery_not_found" => 404,
    /// 409: the endpoint is disabled; enable it with `PATCH /v1/webhooks/{id}` first.
    WebhookDisabled = "webhook_disabled" => 409,
    /// 409: the delivery still waits in the queue, so it cannot be redelivered.
    WebhookDeliveryQueued = "webhook_delivery_queued" => 409,
    /// 400: a collection partner setting is missing or invalid; `field` names it.
    PartnerInvalid = "partner_invalid" => 400,
    /// 404: the tenant has no collection partner configured.
    PartnerNotFound = "partner_not_found" => 404,
    /// 422: a hand-over needs a collection partner with a name and contact details for the
    /// debtor's notice; set one with `PUT /v1/collection/partner`.
    CollectionPartnerMissing = "collection_partner_missing" => 422,
    /// 422: a hand-over was rejected because an invoice has nothing outstanding, is disputed, or
    /// the legal waiting time since the last reminder has not passed.
    HandoverRejected = "handover_rejected" => 422,
    /// 404: the tenant has no collection case with this id.
    CaseNotFound = "case_not_found" => 404,
    /// 409: the case is closed, returned or recalled, so it cannot change.
    CaseClosed = "case_closed" => 409,
    /// 400: a case state report has an invalid amount or note; `field` names it.
    CaseReportInvalid = "case_report_invalid" => 400,

    // The debtor's self-service page and its requests.

    /// 404: the self-service link is unknown, expired or revoked. The page shows a neutral
    /// notice, and never sends this code as JSON.
    SelfServiceLinkClosed = "self_service_link_closed" => 404,
    /// 404: a form on the self-service page names an invoice that the link's account does not
    /// have open. The page shows the form again with this error.
    SelfServiceInvoiceNotFound = "self_service_invoice_not_found" => 404,
    /// 404: the tenant has no self-service request with this id.
    SelfServiceRequestNotFound = "self_service_request_not_found" => 404,
    /// 409: the self-service request was approved, rejected or applied already.
    SelfServiceRequestDecided = "self_service_request_decided" => 409,
    /// 409: a payment plan or extension request cannot be approved because its first instalment
    /// date or new due date is not after today. Reject it and agree new terms with the debtor.
    SelfServiceRequestStale = "self_service_request_stale" => 409,

    // Messages and imports that cannot be completed.

    /// 422: the account has no email address to send the message to.
    AccountEmailMissing = "account_email_missing" => 422,
    /// 422: the tenant's creditor details lack what a message must show, such as the IBAN.
    TenantCreditorIncomplete = "tenant_creditor_incomplete" => 422,
    /// 422: the invoices of the message owe nothing.
    MessageNothingOwed = "message_nothing_owed" => 422,
    /// 422: an invoice of the message has no payment reference.
    MessageReferenceMissing = "message_reference_missing" => 422,
    /// 422: an imported invoice names no buyer, so no account can be found or created.
    BuyerNameMissing = "buyer_name_missing" => 422,
    /// 422: an imported invoice's buyer matches no account and carries no id to create one by.
    BuyerUnidentified = "buyer_unidentified" => 422,

    // Domain rules: references, amounts, dates, interest and payment codes.

    /// 422: a Finnish reference has characters other than digits and spaces.
    ReferenceNotNumeric = "reference_not_numeric" => 422,
    /// 422: a Finnish reference has too few or too many digits.
    ReferenceLength = "reference_length" => 422,
    /// 422: the check digit of a Finnish reference is wrong.
    ReferenceCheckDigit = "reference_check_digit" => 422,
    /// 422: the base of a reference to generate is not 3 to 19 digits.
    ReferenceBaseInvalid = "reference_base_invalid" => 422,
    /// 422: an RF creditor reference is not `RF`, two check digits and 1 to 21 letters or digits.
    RfReferenceFormat = "rf_reference_format" => 422,
    /// 422: the check digits of an RF creditor reference are wrong.
    RfReferenceChecksum = "rf_reference_checksum" => 422,
    /// 422: a date lies outside the years the banking calendar covers.
    CalendarDateOutOfRange = "calendar_date_out_of_range" => 422,
    /// 422: no banking day could be found near a date.
    CalendarNoBankingDay = "calendar_no_banking_day" => 422,
    /// 422: the banking calendar has no holidays for the year.
    CalendarYearUnsupported = "calendar_year_unsupported" => 422,
    /// 422: a send window's start is not before its end.
    SendWindowInvalid = "send_window_invalid" => 422,
    /// 422: a send window is open on no day.
    SendWindowNeverOpens = "send_window_never_opens" => 422,
    /// 422: a contractual interest rate is negative or above 100 percent.
    ContractualRateOutOfRange = "contractual_rate_out_of_range" => 422,
    /// 422: a half-year is not a year with `H1` or `H2`, or its year is out of range.
    HalfYearInvalid = "half_year_invalid" => 422,
    /// 422: a date computed for interest falls outside the range of dates.
    InterestDateOutOfRange = "interest_date_out_of_range" => 422,
    /// 422: interest is too large to compute.
    InterestOverflow = "interest_overflow" => 422,
    /// 422: interest was asked on a negative principal.
    InterestPrincipalNegative = "interest_principal_negative" => 422,
    /// 422: a date lies after the last known reference rate.
    ReferenceRateAfterTable = "reference_rate_after_table" => 422,
    /// 422: the table of reference rates has a half-year twice.
    ReferenceRateDuplicate = "reference_rate_duplicate" => 422,
    /// 422: the table of reference rates lacks a half-year.
    ReferenceRateMissing = "reference_rate_missing" => 422,
    /// 422: a reference rate is negative or unreasonably high.
    ReferenceRateOutOfRange = "reference_rate_out_of_range" => 422,
    /// 422: the table of reference rates is empty.
    ReferenceRateTableEmpty = "reference_rate_table_empty" => 422,
    /// 422: a ledger entry's amount is zero or negative.
    LedgerAmountNotPositive = "ledger_amount_not_positive" => 422,
    /// 422: a ledger entry's amount has more decimals than its currency.
    LedgerAmountNotRounded = "ledger_amount_not_rounded" => 422,
    /// 422: a ledger entry's currency differs from its invoice's.
    LedgerCurrencyMismatch = "ledger_currency_mismatch" => 422,
    /// 422: a ledger entry is recorded twice.
    LedgerEntryDuplicate = "ledger_entry_duplicate" => 422,
    /// 422: a ledger entry names an invoice the account does not have.
    LedgerInvoiceUnknown = "ledger_invoice_unknown" => 422,
    /// 422: a ledger sum is too large to compute.
    LedgerOverflow = "ledger_overflow" => 422,
    /// 422: an allocation order does not name principal, interest and costs once each.
    PolicyAllocationOrder = "policy_allocation_order" => 422,
    /// 422: a virtual bank barcode's amount is negative.
    BarcodeAmountNegative = "barcode_amount_negative" => 422,
    /// 422: a virtual bank barcode's amount has more than two decimals.
    BarcodeAmountNotRounded = "barcode_amount_not_rounded" => 422,
    /// 422: a virtual bank barcode's amount is 1 000 000 euros or more.
    BarcodeAmountTooLarge = "barcode_amount_too_large" => 422,
    /// 422: a virtual bank barcode is for euros only.
    BarcodeCurrencyNotEur = "barcode_currency_not_eur" => 422,
    /// 422: a virtual bank barcode's due date is not a date.
    BarcodeDueDateInvalid = "barcode_due_date_invalid" => 422,
    /// 422: a virtual bank barcode's due date lies outside the years it can show.
    BarcodeDueDateOutOfRange = "barcode_due_date_out_of_range" => 422,
    /// 422: a virtual bank barcode's IBAN is invalid.
    BarcodeIbanInvalid = "barcode_iban_invalid" => 422,
    /// 422: a virtual bank barcode takes a Finnish IBAN only.
    BarcodeIbanNotFinnish = "barcode_iban_not_finnish" => 422,
    /// 422: a virtual bank barcode to read is not 54 digits.
    BarcodeLength = "barcode_length" => 422,
    /// 422: a virtual bank barcode to read has characters other than digits.
    BarcodeNotNumeric = "barcode_not_numeric" => 422,
    /// 422: a virtual bank barcode's reference is invalid.
    BarcodeReferenceInvalid = "barcode_reference_invalid" => 422,
    /// 422: the reserved digits of a virtual bank barcode of version 4 are not `000`.
    BarcodeReservedDigits = "barcode_reserved_digits" => 422,
    /// 422: an RF reference whose body starts with a zero cannot be kept by a virtual bank barcode.
    BarcodeRfLeadingZero = "barcode_rf_leading_zero" => 422,
    /// 422: an RF reference in a virtual bank barcode has letters, which it cannot show.
    BarcodeRfNotNumeric = "barcode_rf_not_numeric" => 422,
    /// 422: a virtual bank barcode to read has an unknown version.
    BarcodeVersionUnknown = "barcode_version_unknown" => 422,
    /// 422: an EPC QR code's amount has more than two decimals.
    EpcAmountNotRounded = "epc_amount_not_rounded" => 422,
    /// 422: an EPC QR code's amount is not 0.01 to 999999999.99 euros.
    EpcAmountOutOfRange = "epc_amount_out_of_range" => 422,
    /// 422: an EPC QR code of version 1 needs the BIC.
    EpcBicMissing = "epc_bic_missing" => 422,
    /// 422: an EPC QR code's text holds a control character.
    EpcControlCharacter = "epc_control_character" => 422,
    /// 422: an EPC QR code is for euros only.
    EpcCurrencyNotEur = "epc_currency_not_eur" => 422,
    /// 422: an EPC QR code's due date lies outside the years it can show.
    EpcDueDateOutOfRange = "epc_due_date_out_of_range" => 422,
    /// 422: an EPC QR code has both a due date and a note to the payer, which share one line.
    EpcInformationConflict = "epc_information_conflict" => 422,
    /// 422: an EPC QR code's note to the payer is too long.
    EpcInformationTooLong = "epc_information_too_long" => 422,
    /// 422: an EPC QR code lacks the beneficiary's name.
    EpcNameMissing = "epc_name_missing" => 422,
    /// 422: an EPC QR code's beneficiary name is longer than 70 characters.
    EpcNameTooLong = "epc_name_too_long" => 422,
    /// 422: an EPC QR code's content is longer than 331 bytes.
    EpcPayloadTooLong = "epc_payload_too_long" => 422,
    /// 422: an EPC QR code's purpose code is not four letters.
    EpcPurposeInvalid = "epc_purpose_invalid" => 422,
    /// 422: an EPC QR code has both a reference and remittance text.
    EpcRemittanceConflict = "epc_remittance_conflict" => 422,
    /// 422: an EPC QR code's remittance text is longer than 140 characters.
    EpcTextTooLong = "epc_text_too_long" => 422,
    /// 422: the manual clock was asked to move by a negative step.
    ClockNegativeStep = "clock_negative_step" => 422,
    /// 422: the manual clock would move past the instants it can hold.
    ClockOutOfRange = "clock_out_of_range" => 422,

    // Server side.

    /// 500: an unexpected failure; the message carries no detail, the server log does.
    InternalError = "internal_error" => 500,
    /// 503: the daemon is starting, stopping, or cannot reach its database.
    ServiceUnavailable = "service_unavailable" => 503,
    /// 503: the account's worker is busy; retry after `Retry-After`.
    AccountBusy = "account_busy" => 503,
    /// 503: the daemon is serving as many changes as it admits at once; retry after
    /// `Retry-After`.
    ServerBusy = "server_busy" => 503,
    /// 503: the daemon is shutting down; retry against another instance or later.
    ShuttingDown = "shutting_down" => 503,
    /// 503: the database is unreachable or busy; retry after `Retry-After`.
    StoreUnavailable = "store_unavailable" => 503,
    /// 404: a stored record is missing.
    StoreNotFound = "store_not_found" => 404,
    /// 409: a stored record changed or exists already; read it again and retry.
    StoreConflict = "store_conflict" => 409,
    /// 409: the change would break a rule of the database, such as a unique key.
    StoreConstraintViolated = "store_constraint_violated" => 409,
    /// 400: a value cannot be stored as given.
    StoreInvalidInput = "store_invalid_input" => 400,
    /// 500: a stored record cannot be read back.
    StoreInvalidData = "store_invalid_data" => 500,
    /// 500: the database answered with an error.
    StoreDatabaseError = "store_database_error" => 500,
    /// 500: the database schema could not be brought up to date.
    StoreMigrationFailed = "store_migration_failed" => 500,
    /// 500: the database to copy into holds data already.
    StoreCopyTargetNotEmpty = "store_copy_target_not_empty" => 500,
    /// 500: the configured database URL is invalid.
    DatabaseUrlInvalid = "database_url_invalid" => 500,
}

impl ErrorCode {
    /// Returns whether this version defines the code, i.e. it is not [`ErrorCode::Unknown`].
    pub fn is_known(&self) -> bool {
        !matches!(self, ErrorCode::Unknown(_))
    }
}

impl From<&str> for ErrorCode {
    fn from(code: &str) -> Self {
        ErrorCode::parse(code)
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        ErrorCode::parse(&code)
    }
}

impl FromStr for ErrorCode {
    type Err = Infallible;

    fn from_str(code: &str) -> Result<Self, Infallible> {
        Ok(ErrorCode::parse(code))
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(ErrorCode::parse(&code))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn known_codes_parse_to_themselves() {
        for code in ErrorCode::KNOWN {
            assert_eq!(&ErrorCode::parse(code.as_str()), code, "{code}");
        }
    }

    #[test]
    fn known_codes_are_unique() {
        let distinct: HashSet<&str> = ErrorCode::KNOWN.iter().map(ErrorCode::as_str).collect();
        assert_eq!(distinct.len(), ErrorCode::KNOWN.len());
    }

    #[test]
    fn known_codes_are_lower_snake_case() {
        for code in ErrorCode::KNOWN {
            let text = code.as_str();
            let snake = text
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'_');
            assert!(snake, "{text}");
            assert!(!text.starts_with('_'), "{text}");
        }
    }

    #[test]
    fn known_codes_have_error_status() {
        for code in ErrorCode::KNOWN {
            let status = code.http_status().unwrap_or(0);
            assert!((400..600).contains(&status), "{code}: {status}");
        }
    }

    #[test]
    fn unknown_code_keeps_text() {
        let code = ErrorCode::parse("invoice_on_fire");
        assert!(!code.is_known());
        assert_eq!(code.as_str(), "invoice_on_fire");
        assert_eq!(code.http_status(), None);
    }

    #[test]
    fn code_compares_with_text() {
        assert_eq!(ErrorCode::InvoiceNotFound, "invoice_not_found");
        assert_ne!(ErrorCode::InvoiceNotFound, "account_not_found");
    }

    #[test]
    fn api_error_display() {
        let error = ApiError::new(ErrorCode::DateInPast, "due date 2020-01-01 is in the past")
            .with_field("due_date");
        assert_eq!(
            error.to_string(),
            "due date 2020-01-01 is in the past (date_in_past) in field due_date"
        );
    }
}
