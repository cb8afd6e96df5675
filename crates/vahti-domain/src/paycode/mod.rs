//! Payment codes printed on reminders: the Finnish virtual bank barcode and the EPC QR payload.
//!
//! Both codes are built from validated identifiers ([`Iban`](crate::ident::Iban),
//! [`PaymentReference`](crate::ident::PaymentReference), [`Bic`](crate::ident::Bic)) and
//! [`Money`]. This module produces the digits and the text only: rendering a barcode
//! or a QR image is left to the caller.

mod barcode;
mod epc_qr;

pub use barcode::{BarcodeVersion, VirtualBarcode};
pub use epc_qr::{
    EPC_MAX_PAYLOAD_BYTES, EPC_QR_ERROR_CORRECTION, EPC_QR_MAX_VERSION, EpcField, EpcQr,
    EpcQrBuilder, EpcVersion, QrErrorCorrection,
};

use chrono::NaiveDate;

use crate::Money;
use crate::error::ErrorCode;
use crate::ident::IdentError;

/// An input that a payment code cannot carry, or a payment code that is invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaycodeError {
    /// The account of a bank barcode is not a Finnish IBAN.
    #[error(
        "IBAN {iban} cannot go into a Finnish bank barcode: it must be a Finnish IBAN (FI and 16 digits)"
    )]
    BarcodeIbanNotFinnish {
        /// The IBAN in electronic form.
        iban: String,
    },

    /// The amount of a bank barcode is not in euros.
    #[error(
        "amount {amount:?} cannot go into a Finnish bank barcode: the barcode carries euros only"
    )]
    BarcodeCurrencyNotEur {
        /// The amount as given.
        amount: Money,
    },

    /// The amount of a bank barcode is negative.
    #[error("amount {amount:?} cannot go into a bank barcode: it must not be negative")]
    BarcodeAmountNegative {
        /// The amount as given.
        amount: Money,
    },

    /// The amount of a bank barcode has digits below the cent.
    #[error(
        "amount {amount:?} has fractions of a cent: round it to whole cents before building a bank barcode"
    )]
    BarcodeAmountNotRounded {
        /// The amount as given.
        amount: Money,
    },

    /// The amount does not fit the six euro digits of a bank barcode.
    #[error(
        "amount {amount:?} is above 999999.99 EUR, the maximum a bank barcode can carry; leave the amount out so that the payer enters it"
    )]
    BarcodeAmountTooLarge {
        /// The amount as given.
        amount: Money,
    },

    /// An RF reference has letters in its body, but the barcode is numeric.
    #[error(
        "RF reference {reference} cannot go into a bank barcode: its body must contain digits only"
    )]
    BarcodeRfNotNumeric {
        /// The RF reference in compact form.
        reference: String,
    },

    /// An RF reference body starts with a zero, which the zero-padded barcode field cannot keep.
    #[error(
        "RF reference {reference} cannot go into a bank barcode: its body starts with a zero, which the zero-padded barcode field loses; drop the leading zeros, the check digits stay the same"
    )]
    BarcodeRfLeadingZero {
        /// The RF reference in compact form.
        reference: String,
    },

    /// The due date does not fit the two-digit year of a bank barcode.
    #[error(
        "due date {date} cannot go into a bank barcode: the YYMMDD field holds dates from 2000-01-01 to 2099-12-31"
    )]
    BarcodeDueDateOutOfRange {
        /// The due date as given.
        date: NaiveDate,
    },

    /// A bank barcode contains something other than digits and spaces.
    #[error("invalid bank barcode {value:?}: only digits and spaces are allowed")]
    BarcodeNotNumeric {
        /// The barcode as given.
        value: String,
    },

    /// A bank barcode does not have 54 digits.
    #[error("invalid bank barcode {value:?}: it has {digits} digits, but 54 are required")]
    BarcodeLength {
        /// The barcode as given.
        value: String,
        /// The number of digits found.
        digits: usize,
    },

    /// A legacy bank barcode of version 2, which carries a domestic account number.
    #[error(
        "unsupported bank barcode {value:?}: version 2 (BBAN based) is not supported; use the IBAN and reference printed on the invoice"
    )]
    BarcodeVersion2 {
        /// The barcode as given.
        value: String,
    },

    /// A bank barcode of a version other than 2, 4 or 5.
    #[error(
        "invalid bank barcode {value:?}: version {version} is unknown, expected 4 (Finnish reference) or 5 (RF reference)"
    )]
    BarcodeVersion {
        /// The barcode as given.
        value: String,
        /// The first digit.
        version: char,
    },

    /// The account digits of a bank barcode do not form a valid Finnish IBAN.
    #[error("invalid bank barcode {value:?}: the account digits are not a valid IBAN: {error}")]
    BarcodeIban {
        /// The barcode as given.
        value: String,
        /// The error of the IBAN validation.
        error: IdentError,
    },

    /// The reserved digits of a version 4 bank barcode are not `000`.
    #[error(
        "invalid bank barcode {value:?}: digits 26 to 28 must be 000 in a version 4 barcode, found {digits}; the barcode may be shifted or mistyped"
    )]
    BarcodeReservedDigits {
        /// The barcode as given.
        value: String,
        /// The digits found.
        digits: String,
    },

    /// The reference digits of a bank barcode are not a valid reference.
    #[error("invalid bank barcode {value:?}: the reference is invalid: {error}")]
    BarcodeReference {
        /// The barcode as given.
        value: String,
        /// The error of the reference validation.
        error: IdentError,
    },

    /// The due date digits of a bank barcode are neither `000000` nor a valid date.
    #[error(
        "invalid bank barcode {value:?}: the due date {date} is not a valid YYMMDD date or 000000"
    )]
    BarcodeDueDate {
        /// The barcode as given.
        value: String,
        /// The six due date digits.
        date: String,
    },

    /// An EPC QR code of version 001 has no BIC.
    #[error(
        "invalid EPC QR code: version 001 requires the BIC of the beneficiary's bank; set the BIC or use version 002"
    )]
    EpcBicMissing,

    /// The beneficiary name of an EPC QR code is empty.
    #[error(
        "invalid EPC QR code: the beneficiary name is missing; it must have 1 to 70 characters"
    )]
    EpcNameMissing,

    /// A text field of an EPC QR code is longer than its maximum.
    #[error(
        "invalid EPC QR code: the {field} {value:?} has {chars} characters, but at most {max} are allowed"
    )]
    EpcTooLong {
        /// The field.
        field: EpcField,
        /// The text as given.
        value: String,
        /// The number of characters found.
        chars: usize,
        /// The maximum number of characters.
        max: usize,
    },

    /// A text field of an EPC QR code contains a line break or another control character.
    #[error(
        "invalid EPC QR code: the {field} {value:?} contains a line break or another control character, which would shift the lines of the payload; remove it"
    )]
    EpcControlCharacter {
        /// The field.
        field: EpcField,
        /// The text as given.
        value: String,
    },

    /// The amount of an EPC QR code is not in euros.
    #[error(
        "invalid EPC QR code: the amount {amount:?} must be in euros, because the code starts a SEPA credit transfer"
    )]
    EpcCurrencyNotEur {
        /// The amount as given.
        amount: Money,
    },

    /// The amount of an EPC QR code is outside 0.01 to 999999999.99 EUR.
    #[error("invalid EPC QR code: the amount {amount:?} must be from 0.01 to 999999999.99 EUR")]
    EpcAmountOutOfRange {
        /// The amount as given.
        amount: Money,
    },

    /// The amount of an EPC QR code has digits below the cent.
    #[error(
        "invalid EPC QR code: the amount {amount:?} has fractions of a cent; round it to whole cents"
    )]
    EpcAmountNotRounded {
        /// The amount as given.
        amount: Money,
    },

    /// The purpose code of an EPC QR code is not four letters.
    #[error(
        "invalid EPC QR code: the purpose {value:?} must be a four-letter ISO 20022 purpose code such as GDDS"
    )]
    EpcPurposeInvalid {
        /// The purpose as given.
        value: String,
    },

    /// An EPC QR code has both a structured reference and unstructured remittance text.
    #[error(
        "invalid EPC QR code: both the reference {reference} and the remittance text {text:?} are set, but only one is allowed"
    )]
    EpcRemittanceConflict {
        /// The RF reference in compact form.
        reference: String,
        /// The remittance text as given.
        text: String,
    },

    /// An EPC QR code has both a due date and information text, which share the last line.
    #[error(
        "invalid EPC QR code: both the due date {date} and the information {text:?} are set, but both go in the last line; set only one"
    )]
    EpcInformationConflict {
        /// The due date.
        date: NaiveDate,
        /// The information text as given.
        text: String,
    },

    /// The due date of an EPC QR code has no four-digit year.
    #[error("invalid EPC QR code: the due date {date} must have a year from 1000 to 9999")]
    EpcDueDateOutOfRange {
        /// The due date as given.
        date: NaiveDate,
    },

    /// The EPC QR payload does not fit the largest QR code the EPC guidelines allow.
    #[error(
        "invalid EPC QR code: the payload has {bytes} bytes, but at most 331 are allowed; shorten the name or the texts"
    )]
    EpcPayloadTooLong {
        /// The payload size in bytes of UTF-8.
        bytes: usize,
    },
}

impl ErrorCode for PaycodeError {
    fn code(&self) -> &'static str {
        match self {
            PaycodeError::BarcodeIbanNotFinnish { .. } => "barcode_iban_not_finnish",
            PaycodeError::BarcodeCurrencyNotEur { .. } => "barcode_currency_not_eur",
            PaycodeError::BarcodeAmountNegative { .. } => "barcode_amount_negative",
            PaycodeError::BarcodeAmountNotRounded { .. } => "barcode_amount_not_rounded",
            PaycodeError::BarcodeAmountTooLarge { .. } => "barcode_amount_too_large",
            PaycodeError::BarcodeRfNotNumeric { .. } => "barcode_rf_not_numeric",
            PaycodeError::BarcodeRfLeadingZero { .. } => "barcode_rf_leading_zero",
            PaycodeError::BarcodeDueDateOutOfRange { .. } => "barcode_due_date_out_of_range",
            PaycodeError::BarcodeNotNumeric { .. } => "barcode_not_numeric",
            PaycodeError::BarcodeLength { .. } => "barcode_length",
            PaycodeError::BarcodeVersion2 { .. } => "barcode_version_2_unsupported",
            PaycodeError::BarcodeVersion { .. } => "barcode_version_unknown",
            PaycodeError::BarcodeIban { .. } => "barcode_iban_invalid",
            PaycodeError::BarcodeReservedDigits { .. } => "barcode_reserved_digits",
            PaycodeError::BarcodeReference { .. } => "barcode_reference_invalid",
            PaycodeError::BarcodeDueDate { .. } => "barcode_due_date_invalid",
            PaycodeError::EpcBicMissing => "epc_bic_missing",
            PaycodeError::EpcNameMissing => "epc_name_missing",
            PaycodeError::EpcTooLong { field, .. } => match field {
                EpcField::Name => "epc_name_too_long",
                EpcField::Text => "epc_text_too_long",
                EpcField::Information => "epc_information_too_long",
            },
            PaycodeError::EpcControlCharacter { .. } => "epc_control_character",
            PaycodeError::EpcCurrencyNotEur { .. } => "epc_currency_not_eur",
            PaycodeError::EpcAmountOutOfRange { .. } => "epc_amount_out_of_range",
            PaycodeError::EpcAmountNotRounded { .. } => "epc_amount_not_rounded",
            PaycodeError::EpcPurposeInvalid { .. } => "epc_purpose_invalid",
            PaycodeError::EpcRemittanceConflict { .. } => "epc_remittance_conflict",
            PaycodeError::EpcInformationConflict { .. } => "epc_information_conflict",
            PaycodeError::EpcDueDateOutOfRange { .. } => "epc_due_date_out_of_range",
            PaycodeError::EpcPayloadTooLong { .. } => "epc_payload_too_long",
        }
    }
}
