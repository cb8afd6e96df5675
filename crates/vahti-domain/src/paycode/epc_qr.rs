//! The EPC QR payload for a SEPA credit transfer (EPC069-12, version 2.1), the text that a
//! banking app reads from the QR code on an invoice.
//!
//! The payload is one field per line, joined by LF, in this order:
//!
//! | line | field | content |
//! | --- | --- | --- |
//! | 1 | service tag | `BCD` |
//! | 2 | version | `001` (BIC required) or `002` (BIC optional) |
//! | 3 | character set | `1`, UTF-8 |
//! | 4 | identification | `SCT` |
//! | 5 | BIC | 8 or 11 characters |
//! | 6 | beneficiary name | 1 to 70 characters |
//! | 7 | IBAN | |
//! | 8 | amount | `EUR` and 0.01 to 999999999.99 without trailing zeros, such as `EUR12.3` |
//! | 9 | purpose | ISO 20022 purpose code, four letters |
//! | 10 | structured remittance | RF creditor reference |
//! | 11 | unstructured remittance | up to 140 characters, only without a reference |
//! | 12 | beneficiary-to-originator information | up to 70 characters |
//!
//! Optional fields are empty lines, and empty lines at the end are left out. The whole payload
//! has at most 331 bytes. In Finnish practice the last line carries the due date as
//! `ReqdExctnDt/YYYY-MM-DD`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use std::fmt;

use super::PaycodeError;
use crate::ident::{Bic, Iban, RfReference};
use crate::{Currency, Money, MoneyError};

/// The QR error-correction level that EPC069-12 prescribes: level M, which restores up to about
/// 15 % of the codewords.
pub const EPC_QR_ERROR_CORRECTION: QrErrorCorrection = QrErrorCorrection::Medium;

/// The largest QR symbol version that EPC069-12 allows: version 13, 69 by 69 modules.
pub const EPC_QR_MAX_VERSION: u8 = 13;

/// The largest payload in bytes that EPC069-12 allows, the byte-mode capacity of a version 13
/// symbol at level M.
pub const EPC_MAX_PAYLOAD_BYTES: usize = 331;

/// The largest amount in cents: 999 999 999.99 EUR.
const MAX_AMOUNT_CENTS: i64 = 99_999_999_999;

/// The prefix of the due date in the last line, the ISO 20022 name of the requested execution
/// date.
const DUE_DATE_PREFIX: &str = "ReqdExctnDt/";

/// A QR error-correction level (ISO/IEC 18004), so that the code that renders the QR image does
/// not have to know the EPC rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrErrorCorrection {
    /// Level L, about 7 % of the codewords can be restored.
    Low,
    /// Level M, about 15 %.
    Medium,
    /// Level Q, about 25 %.
    Quartile,
    /// Level H, about 30 %.
    High,
}

/// The version of an EPC QR payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EpcVersion {
    /// Version 001, which requires the BIC.
    V001,
    /// Version 002, where the BIC is optional. This is the default.
    #[default]
    V002,
}

impl EpcVersion {
    /// The version as written in the payload: `001` or `002`.
    pub fn as_str(self) -> &'static str {
        match self {
            EpcVersion::V001 => "001",
            EpcVersion::V002 => "002",
        }
    }
}

/// A free-text field of an EPC QR payload, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EpcField {
    /// The beneficiary name, 1 to 70 characters.
    Name,
    /// The unstructured remittance text, up to 140 characters.
    Text,
    /// The beneficiary-to-originator information, up to 70 characters.
    Information,
}

impl EpcField {
    /// The maximum number of characters.
    fn max_chars(self) -> usize {
        match self {
            EpcField::Name | EpcField::Information => 70,
            EpcField::Text => 140,
        }
    }
}

impl fmt::Display for EpcField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EpcField::Name => "beneficiary name",
            EpcField::Text => "remittance text",
            EpcField::Information => "beneficiary-to-originator information",
        })
    }
}

/// A valid EPC QR payload for a SEPA credit transfer, character set UTF-8.
///
/// Build one with [`EpcQr::builder`]; [`EpcQr::payload`] gives the text to encode in the QR code
/// with error-correction level [`EPC_QR_ERROR_CORRECTION`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpcQr {
    version: EpcVersion,
    bic: Option<Bic>,
    name: String,
    iban: Iban,
    amount: Option<Money>,
    purpose: Option<String>,
    reference: Option<RfReference>,
    text: Option<String>,
    information: Option<String>,
    due_date: Option<NaiveDate>,
}

impl EpcQr {
    /// Starts an EPC QR payload with the two required fields. The name is checked when
    /// [`EpcQrBuilder::build`] runs.
    pub fn builder(name: impl Into<String>, iban: Iban) -> EpcQrBuilder {
        EpcQrBuilder {
            version: EpcVersion::default(),
            bic: None,
            name: name.into(),
            iban,
            amount: None,
            purpose: None,
            reference: None,
            text: None,
            information: None,
            due_date: None,
        }
    }

    /// Builds the payload: the lines joined by LF, without empty lines at the end and without a
    /// final line break. It has at most [`EPC_MAX_PAYLOAD_BYTES`] bytes of UTF-8.
    pub fn payload(&self) -> String {
        let mut lines = vec![
            "BCD".to_owned(),
            self.version.as_str().to_owned(),
            // Character set 1 is UTF-8.
            "1".to_owned(),
            "SCT".to_owned(),
            self.bic
                .as_ref()
                .map(|bic| bic.as_str().to_owned())
                .unwrap_or_default(),
            self.name.clone(),
            self.iban.as_str().to_owned(),
            self.amount.map(format_amount).unwrap_or_default(),
            self.purpose.clone().unwrap_or_default(),
            self.reference
                .as_ref()
                .map(|reference| reference.as_str().to_owned())
                .unwrap_or_default(),
            self.text.clone().unwrap_or_default(),
            self.last_line().unwrap_or_default(),
        ];
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines.join("\n")
    }

    /// The version, `002` unless set otherwise.
    pub fn version(&self) -> EpcVersion {
        self.version
    }

    /// The BIC of the beneficiary's bank.
    pub fn bic(&self) -> Option<&Bic> {
        self.bic.as_ref()
    }

    /// The beneficiary name, without surrounding white space.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The IBAN of the beneficiary.
    pub fn iban(&self) -> &Iban {
        &self.iban
    }

    /// The amount in euros, or `None` when the payer enters it.
    pub fn amount(&self) -> Option<Money> {
        self.amount
    }

    /// The ISO 20022 purpose code in upper case, such as `GDDS`.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }

    /// The RF creditor reference in the structured remittance line.
    pub fn reference(&self) -> Option<&RfReference> {
        self.reference.as_ref()
    }

    /// The unstructured remittance text.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The beneficiary-to-originator information, when it is free text rather than a due date.
    pub fn information(&self) -> Option<&str> {
        self.information.as_deref()
    }

    /// The due date written in the last line.
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.due_date
    }

    /// The last line: the due date as `ReqdExctnDt/YYYY-MM-DD`, or the information text.
    fn last_line(&self) -> Option<String> {
        match self.due_date {
            Some(date) => Some(format!("{DUE_DATE_PREFIX}{}", date.format("%Y-%m-%d"))),
            None => self.information.clone(),
        }
    }
}

/// Collects the fields of an [`EpcQr`] and validates them all in [`EpcQrBuilder::build`].
///
/// Setting an optional text field to an empty or blank string leaves it out.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct EpcQrBuilder {
    version: EpcVersion,
    bic: Option<Bic>,
    name: String,
    iban: Iban,
    amount: Option<Money>,
    purpose: Option<String>,
    reference: Option<RfReference>,
    text: Option<String>,
    information: Option<String>,
    due_date: Option<NaiveDate>,
}

impl EpcQrBuilder {
    /// Sets the version, `002` by default. Version `001` requires a BIC.
    pub fn version(mut self, version: EpcVersion) -> Self {
        self.version = version;
        self
    }

    /// Sets the BIC of the beneficiary's bank.
    pub fn bic(mut self, bic: Bic) -> Self {
        self.bic = Some(bic);
        self
    }

    /// Sets the amount, which must be in euros, from 0.01 to 999 999 999.99, in whole cents.
    /// Without an amount the payer enters it.
    pub fn amount(mut self, amount: Money) -> Self {
        self.amount = Some(amount);
        self
    }

    /// Sets the ISO 20022 purpose code, four letters such as `GDDS` (purchase sale of goods).
    /// Lower case is accepted.
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }

    /// Sets the structured remittance: an RF creditor reference. A Finnish national reference
    /// goes here in its RF form, see [`PaymentReference::rf`](crate::ident::PaymentReference::rf).
    /// It excludes [`EpcQrBuilder::text`].
    pub fn reference(mut self, reference: RfReference) -> Self {
        self.reference = Some(reference);
        self
    }

    /// Sets the unstructured remittance text, up to 140 characters. It excludes
    /// [`EpcQrBuilder::reference`].
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Sets the beneficiary-to-originator information, up to 70 characters. It excludes
    /// [`EpcQrBuilder::due_date`], which uses the same line.
    pub fn information(mut self, information: impl Into<String>) -> Self {
        self.information = Some(information.into());
        self
    }

    /// Sets the due date, written as `ReqdExctnDt/YYYY-MM-DD` in the last line, as is the practice
    /// in Finland. It excludes [`EpcQrBuilder::information`].
    pub fn due_date(mut self, due_date: NaiveDate) -> Self {
        self.due_date = Some(due_date);
        self
    }

    /// Validates every field and builds the payload.
    ///
    /// Text fields are trimmed of surrounding white space after the check for control
    /// characters, so a trailing line break is an error rather than silently removed.
    ///
    /// # Errors
    ///
    /// - version 001 without a BIC
    /// - a missing name, or a name, text or information above its maximum length
    /// - a line break or another control character in a text field
    /// - an amount not in euros, outside 0.01 to 999 999 999.99, or with fractions of a cent
    /// - a purpose that is not four letters
    /// - both a reference and a text, or both a due date and information
    /// - a due date without a four-digit year
    /// - a payload above 331 bytes
    pub fn build(self) -> Result<EpcQr, PaycodeError> {
        if self.version == EpcVersion::V001 && self.bic.is_none() {
            return Err(PaycodeError::EpcBicMissing);
        }

        let name =
            optional_text(EpcField::Name, Some(self.name))?.ok_or(PaycodeError::EpcNameMissing)?;
        let amount = self.amount.map(check_amount).transpose()?;
        let purpose = self.purpose.map(check_purpose).transpose()?.flatten();
        let text = optional_text(EpcField::Text, self.text)?;
        let information = optional_text(EpcField::Information, self.information)?;

        if let (Some(reference), Some(text)) = (&self.reference, &text) {
            return Err(PaycodeError::EpcRemittanceConflict {
                reference: reference.as_str().to_owned(),
                text: text.clone(),
            });
        }

        if let Some(date) = self.due_date {
            // NOTE: whether Finnish banking apps read free text after the due date in the last
            // line is unverified, so the two are exclusive.
            if let Some(text) = &information {
                return Err(PaycodeError::EpcInformationConflict {
                    date,
                    text: text.clone(),
                });
            }
            if !(1000..=9999).contains(&date.year()) {
                return Err(PaycodeError::EpcDueDateOutOfRange { date });
            }
        }

        let qr = EpcQr {
            version: self.version,
            bic: self.bic,
            name,
            iban: self.iban,
            amount,
            purpose,
            reference: self.reference,
            text,
            information,
            due_date: self.due_date,
        };

        let bytes = qr.payload().len();
        if bytes > EPC_MAX_PAYLOAD_BYTES {
            return Err(PaycodeError::EpcPayloadTooLong { bytes });
        }
        Ok(qr)
    }
}

/// Checks a free-text field and trims it. A blank value gives `None`.
fn optional_text(field: EpcField, value: Option<String>) -> Result<Option<String>, PaycodeError> {
    let Some(value) = value else {
        return Ok(None);
    };

    // Line and paragraph separators are not control characters, but text readers may break lines
    // at them.
    if value
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
    {
        return Err(PaycodeError::EpcControlCharacter { field, value });
    }

    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }

    let chars = trimmed.chars().count();
    let max = field.max_chars();
    if chars > max {
        return Err(PaycodeError::EpcTooLong {
            field,
            value,
            chars,
            max,
        });
    }
    Ok(Some(trimmed.to_owned()))
}

/// Checks that an amount is in euros, in whole cents and within 0.01 to 999 999 999.99.
fn check_amount(amount: Money) -> Result<Money, PaycodeError> {
    if amount.currency() != Currency::EUR {
        return Err(PaycodeError::EpcCurrencyNotEur { amount });
    }

    let cents = match amount.to_minor_units() {
        Ok(cents) => Some(cents),
        // An amount too large for minor units is out of range, not badly rounded.
        Err(MoneyError::TooManyDecimals { .. }) if in_range(amount.amount()) => {
            return Err(PaycodeError::EpcAmountNotRounded { amount });
        }
        Err(_) => None,
    };

    match cents {
        Some(cents) if (1..=MAX_AMOUNT_CENTS).contains(&cents) => Ok(amount),
        _ => Err(PaycodeError::EpcAmountOutOfRange { amount }),
    }
}

/// Checks whether an exact amount lies within 0.01 to 999 999 999.99.
fn in_range(amount: Decimal) -> bool {
    let min = Decimal::new(1, 2);
    let max = Decimal::new(MAX_AMOUNT_CENTS, 2);
    (min..=max).contains(&amount)
}

/// Checks a purpose code and writes it in upper case. A blank value gives `None`.
fn check_purpose(purpose: String) -> Result<Option<String>, PaycodeError> {
    if purpose.trim().is_empty() {
        return Ok(None);
    }
    let code = purpose.trim().to_ascii_uppercase();
    if code.len() != 4 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(PaycodeError::EpcPurposeInvalid { value: purpose });
    }
    Ok(Some(code))
}

/// Writes an amount as `EUR` and the number without trailing zeros: `EUR12.3`, `EUR5`,
/// `EUR1000`.
fn format_amount(amount: Money) -> String {
    format!("EUR{}", amount.amount().normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use proptest::prelude::*;

    fn iban() -> Iban {
        Iban::parse("FI49 5000 9420 0287 30").unwrap()
    }

    fn eur(text: &str) -> Money {
        Money::parse(text, Currency::EUR).unwrap()
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn build_error(builder: EpcQrBuilder) -> PaycodeError {
        builder.build().unwrap_err()
    }

    #[test]
    fn finnish_reminder_payload() {
        let qr = EpcQr::builder("Vahti Oy", iban())
            .bic(Bic::parse("OKOYFIHH").unwrap())
            .amount(eur("124.10"))
            .reference(RfReference::parse("RF34 1234 561").unwrap())
            .due_date(date(2025, 3, 31))
            .build()
            .unwrap();
        assert_eq!(
            qr.payload(),
            "BCD\n002\n1\nSCT\nOKOYFIHH\nVahti Oy\nFI4950009420028730\nEUR124.1\n\nRF341234561\n\nReqdExctnDt/2025-03-31"
        );
    }

    #[test]
    fn minimal_payload_drops_trailing_lines() {
        let qr = EpcQr::builder("Vahti Oy", iban()).build().unwrap();
        assert_eq!(
            qr.payload(),
            "BCD\n002\n1\nSCT\n\nVahti Oy\nFI4950009420028730"
        );
    }

    #[test]
    fn text_goes_to_line_eleven() {
        let qr = EpcQr::builder("Vahti Oy", iban())
            .text("Invoice 1001")
            .build()
            .unwrap();
        let payload = qr.payload();
        let lines: Vec<&str> = payload.split('\n').collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[9], "");
        assert_eq!(lines[10], "Invoice 1001");
    }

    #[test]
    fn information_goes_to_last_line() {
        let qr = EpcQr::builder("Vahti Oy", iban())
            .information("Thank you")
            .build()
            .unwrap();
        assert!(qr.payload().ends_with("\n\n\n\nThank you"));
        assert_eq!(qr.information(), Some("Thank you"));
    }

    #[test]
    fn fields_are_trimmed() {
        let qr = EpcQr::builder("  Vahti Oy ", iban())
            .purpose(" gdds ")
            .text("   ")
            .build()
            .unwrap();
        assert_eq!(qr.name(), "Vahti Oy");
        assert_eq!(qr.purpose(), Some("GDDS"));
        assert_eq!(qr.text(), None);
    }

    #[test]
    fn version_001_requires_bic() {
        let error = build_error(EpcQr::builder("Vahti Oy", iban()).version(EpcVersion::V001));
        assert_eq!(error.code(), "epc_bic_missing");
    }

    #[test]
    fn version_001_with_bic() {
        let qr = EpcQr::builder("Vahti Oy", iban())
            .version(EpcVersion::V001)
            .bic(Bic::parse("OKOYFIHH").unwrap())
            .build()
            .unwrap();
        assert!(qr.payload().starts_with("BCD\n001\n1\nSCT\nOKOYFIHH\n"));
    }

    #[test]
    fn name_length_limits() {
        let seventy = "ä".repeat(70);
        let qr = EpcQr::builder(seventy.as_str(), iban()).build().unwrap();
        assert_eq!(qr.name(), seventy);

        let error = build_error(EpcQr::builder("a".repeat(71), iban()));
        assert_eq!(error.code(), "epc_name_too_long");
        assert!(error.to_string().contains("71 characters"), "{error}");

        for blank in ["", "   "] {
            let error = build_error(EpcQr::builder(blank, iban()));
            assert_eq!(error.code(), "epc_name_missing", "name {blank:?}");
        }
    }

    #[test]
    fn text_length_limits() {
        let text = build_error(EpcQr::builder("Vahti Oy", iban()).text("x".repeat(141)));
        assert_eq!(text.code(), "epc_text_too_long");

        let information =
            build_error(EpcQr::builder("Vahti Oy", iban()).information("x".repeat(71)));
        assert_eq!(information.code(), "epc_information_too_long");

        let longest = EpcQr::builder("Vahti Oy", iban())
            .text("x".repeat(140))
            .build();
        assert!(longest.is_ok());
    }

    #[test]
    fn control_characters_rejected() {
        let cases = [
            EpcQr::builder("Vahti\nOy", iban()),
            EpcQr::builder("Vahti Oy\r", iban()),
            EpcQr::builder("Vahti Oy", iban()).text("a\tb"),
            EpcQr::builder("Vahti Oy", iban()).text("line\u{2028}break"),
            EpcQr::builder("Vahti Oy", iban()).information("a\u{85}b"),
            EpcQr::builder("Vahti Oy", iban()).information("end\n"),
        ];
        for builder in cases {
            let error = build_error(builder);
            assert_eq!(error.code(), "epc_control_character", "{error}");
        }
    }

    #[test]
    fn control_character_error_names_field() {
        let error = build_error(EpcQr::builder("Vahti Oy", iban()).text("a\nb"));
        assert!(error.to_string().contains("remittance text"), "{error}");
        assert!(error.to_string().contains("\"a\\nb\""), "{error}");
    }

    #[test]
    fn amount_errors() {
        let cases = [
            (eur("0"), "epc_amount_out_of_range"),
            (eur("-5"), "epc_amount_out_of_range"),
            (eur("1000000000"), "epc_amount_out_of_range"),
            (
                Money::new(rust_decimal_macros::dec!(0.015), Currency::EUR),
                "epc_amount_not_rounded",
            ),
            (
                Money::new(Decimal::MAX, Currency::EUR),
                "epc_amount_out_of_range",
            ),
            (
                Money::parse("10", Currency::from_code("SEK").unwrap()).unwrap(),
                "epc_currency_not_eur",
            ),
        ];
        for (amount, code) in cases {
            let error = build_error(EpcQr::builder("Vahti Oy", iban()).amount(amount));
            assert_eq!(error.code(), code, "amount {amount:?}");
        }
    }

    #[test]
    fn purpose_must_be_four_letters() {
        for purpose in ["GDD", "GDDSX", "GD1S", "GÄDS"] {
            let error = build_error(EpcQr::builder("Vahti Oy", iban()).purpose(purpose));
            assert_eq!(error.code(), "epc_purpose_invalid", "purpose {purpose:?}");
        }
    }

    #[test]
    fn reference_and_text_conflict() {
        let error = build_error(
            EpcQr::builder("Vahti Oy", iban())
                .reference(RfReference::parse("RF341234561").unwrap())
                .text("Invoice 1001"),
        );
        assert_eq!(error.code(), "epc_remittance_conflict");
    }

    #[test]
    fn due_date_and_information_conflict() {
        let error = build_error(
            EpcQr::builder("Vahti Oy", iban())
                .due_date(date(2025, 3, 31))
                .information("Thank you"),
        );
        assert_eq!(error.code(), "epc_information_conflict");
    }

    #[test]
    fn due_date_needs_four_digit_year() {
        let error = build_error(EpcQr::builder("Vahti Oy", iban()).due_date(date(10000, 1, 1)));
        assert_eq!(error.code(), "epc_due_date_out_of_range");
    }

    #[test]
    fn payload_byte_limit() {
        // 70 three-byte characters and 140 two-byte characters give more than 331 bytes.
        let error = build_error(
            EpcQr::builder("€".repeat(70), iban())
                .text("ä".repeat(140))
                .information("ö".repeat(70)),
        );
        assert_eq!(error.code(), "epc_payload_too_long");
    }

    #[test]
    fn error_correction_is_level_m() {
        assert_eq!(EPC_QR_ERROR_CORRECTION, QrErrorCorrection::Medium);
    }

    proptest! {
        #[test]
        fn payload_stays_well_formed(
            name in "\\PC{0,80}",
            text in proptest::option::of("\\PC{0,150}"),
            information in proptest::option::of("\\PC{0,80}"),
        ) {
            let mut builder = EpcQr::builder(name, iban());
            if let Some(text) = text {
                builder = builder.text(text);
            }
            if let Some(information) = information {
                builder = builder.information(information);
            }
            if let Ok(qr) = builder.build() {
                let payload = qr.payload();
                prop_assert!(payload.len() <= EPC_MAX_PAYLOAD_BYTES);
                prop_assert!(payload.split('\n').count() <= 12);
                prop_assert!(!payload.contains('\r'));
                prop_assert!(!payload.ends_with('\n'));
            }
        }
    }
}
