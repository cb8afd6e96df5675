//! The Finnish virtual bank barcode (virtuaaliviivakoodi): 54 digits that a payer types or scans
//! into an online bank to fill in a credit transfer.
//!
//! Layout from Finance Finland's bank barcode guide, positions counted from 1:
//!
//! | positions | version 4 (Finnish reference) | version 5 (RF reference) |
//! | --- | --- | --- |
//! | 1 | `4` | `5` |
//! | 2-17 | IBAN without `FI`: check digits and the 14-digit account | same |
//! | 18-23 | euros, zero-padded | same |
//! | 24-25 | cents | same |
//! | 26-48 | `000`, then the reference zero-padded to 20 digits | RF check digits (2), then the RF body zero-padded to 21 digits |
//! | 49-54 | due date YYMMDD, `000000` when there is none | same |
//!
//! An amount of zero and a missing amount are both written as zeros, so the payer enters the
//! amount. The barcode can carry Finnish IBANs only, and only RF references with a numeric body.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use super::PaycodeError;
use crate::ident::{FinnishReference, Iban, PaymentReference, RfReference};
use crate::{Currency, Money, MoneyError};

/// The number of digits in a virtual bank barcode.
const BARCODE_DIGITS: usize = 54;

/// The largest amount the six euro and two cent digits can carry: 999 999.99 EUR.
const MAX_CENTS: u32 = 99_999_999;

/// The version of a virtual bank barcode, its first digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BarcodeVersion {
    /// Version 4: IBAN and a Finnish national reference.
    V4,
    /// Version 5: IBAN and an RF creditor reference (ISO 11649) with a numeric body.
    V5,
}

impl BarcodeVersion {
    /// The digit that opens the barcode: `4` or `5`.
    pub fn digit(self) -> char {
        match self {
            BarcodeVersion::V4 => '4',
            BarcodeVersion::V5 => '5',
        }
    }
}

/// A valid Finnish virtual bank barcode of version 4 or 5.
///
/// Build one with [`VirtualBarcode::new`] or [`VirtualBarcode::for_invoice`], print it with
/// [`VirtualBarcode::to_digits`], and read one with [`VirtualBarcode::parse`]. Parsing the digits
/// of a barcode gives an equal barcode back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VirtualBarcode {
    iban: Iban,
    /// The amount in cents, 0 when the barcode carries no amount.
    cents: u32,
    reference: PaymentReference,
    due_date: Option<NaiveDate>,
}

/// The handling of an amount above the maximum the barcode can carry.
#[derive(Clone, Copy)]
enum LargeAmount {
    Reject,
    WriteZeros,
}

impl VirtualBarcode {
    /// Builds a barcode. The version follows the reference: 4 for a Finnish reference, 5 for an
    /// RF reference.
    ///
    /// `amount` is optional because the payer can enter it. `Some` zero is written as zeros,
    /// like `None`, and [`VirtualBarcode::amount`] then returns `None`.
    ///
    /// # Errors
    ///
    /// - the IBAN is not Finnish
    /// - the amount is not in euros, is negative, has fractions of a cent or is above 999 999.99
    /// - the RF reference has letters in its body, or a body that starts with a zero
    /// - the due date is outside the years 2000 to 2099
    pub fn new(
        iban: &Iban,
        amount: Option<Money>,
        reference: &PaymentReference,
        due_date: Option<NaiveDate>,
    ) -> Result<Self, PaycodeError> {
        Self::build(iban, amount, reference, due_date, LargeAmount::Reject)
    }

    /// Builds a barcode for printing on an invoice or reminder.
    ///
    /// The only difference from [`VirtualBarcode::new`] is that an amount above 999 999.99 EUR is
    /// written as zeros instead of being an error, so that the payer pays the amount printed on
    /// the invoice, as Finance Finland's bank barcode guide prescribes. Zero is written as zeros
    /// by both constructors.
    ///
    /// # Errors
    ///
    /// The same as [`VirtualBarcode::new`] except for the amount above the maximum.
    pub fn for_invoice(
        iban: &Iban,
        amount: Option<Money>,
        reference: &PaymentReference,
        due_date: Option<NaiveDate>,
    ) -> Result<Self, PaycodeError> {
        Self::build(iban, amount, reference, due_date, LargeAmount::WriteZeros)
    }

    fn build(
        iban: &Iban,
        amount: Option<Money>,
        reference: &PaymentReference,
        due_date: Option<NaiveDate>,
        large_amount: LargeAmount,
    ) -> Result<Self, PaycodeError> {
        if finnish_iban_digits(iban).is_none() {
            return Err(PaycodeError::BarcodeIbanNotFinnish {
                iban: iban.as_str().to_owned(),
            });
        }

        let cents = match amount {
            Some(money) => amount_cents(money, large_amount)?,
            None => 0,
        };

        if let PaymentReference::Rf(rf) = reference {
            check_rf_body(rf)?;
        }

        if let Some(date) = due_date
            && !(2000..=2099).contains(&date.year())
        {
            return Err(PaycodeError::BarcodeDueDateOutOfRange { date });
        }

        Ok(VirtualBarcode {
            iban: iban.clone(),
            cents,
            reference: reference.clone(),
            due_date,
        })
    }

    /// Parses the 54 digits of a barcode. Spaces are ignored.
    ///
    /// # Errors
    ///
    /// - the text is not 54 digits
    /// - the version is not 4 or 5, with a separate error for legacy version 2 barcodes, which
    ///   carry a domestic account number
    /// - the IBAN check digits fail
    /// - the reserved digits of version 4 are not `000`
    /// - the reference fails its check
    /// - the due date is neither `000000` nor a valid date
    pub fn parse(value: &str) -> Result<Self, PaycodeError> {
        let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PaycodeError::BarcodeNotNumeric {
                value: value.to_owned(),
            });
        }
        if digits.len() != BARCODE_DIGITS {
            return Err(PaycodeError::BarcodeLength {
                value: value.to_owned(),
                digits: digits.len(),
            });
        }

        // From here on `digits` is 54 ASCII digits, so every slice below is in bounds.
        let version = match digits.as_bytes()[0] {
            b'4' => BarcodeVersion::V4,
            b'5' => BarcodeVersion::V5,
            b'2' => {
                return Err(PaycodeError::BarcodeVersion2 {
                    value: value.to_owned(),
                });
            }
            other => {
                return Err(PaycodeError::BarcodeVersion {
                    value: value.to_owned(),
                    version: char::from(other),
                });
            }
        };

        let iban = Iban::parse(&format!("FI{}", &digits[1..17])).map_err(|error| {
            PaycodeError::BarcodeIban {
                value: value.to_owned(),
                error,
            }
        })?;
        let cents = number(&digits[17..25]);
        let reference = parse_reference(version, &digits[25..48], value)?;
        let due_date = parse_due_date(&digits[48..54], value)?;

        Ok(VirtualBarcode {
            iban,
            cents,
            reference,
            due_date,
        })
    }

    /// The version: 4 for a Finnish reference, 5 for an RF reference.
    pub fn version(&self) -> BarcodeVersion {
        match self.reference {
            PaymentReference::Finnish(_) => BarcodeVersion::V4,
            PaymentReference::Rf(_) => BarcodeVersion::V5,
        }
    }

    /// The Finnish IBAN of the payee.
    pub fn iban(&self) -> &Iban {
        &self.iban
    }

    /// The amount in euros, or `None` when the barcode carries zeros: no amount was given, the
    /// amount was zero, or [`VirtualBarcode::for_invoice`] left out an amount above the maximum.
    pub fn amount(&self) -> Option<Money> {
        (self.cents > 0).then(|| Money::from_minor_units(i64::from(self.cents), Currency::EUR))
    }

    /// The creditor reference.
    pub fn reference(&self) -> &PaymentReference {
        &self.reference
    }

    /// The due date, or `None` when the barcode carries `000000`.
    pub fn due_date(&self) -> Option<NaiveDate> {
        self.due_date
    }

    /// The 54 digits of the barcode, without spaces.
    pub fn to_digits(&self) -> String {
        let mut out = String::with_capacity(BARCODE_DIGITS);
        out.push(self.version().digit());
        // The constructors and the parser only accept Finnish IBANs.
        out.push_str(finnish_iban_digits(&self.iban).unwrap_or_default());
        out.push_str(&format!("{:08}", self.cents));

        match &self.reference {
            PaymentReference::Finnish(reference) => {
                out.push_str(&format!("000{:0>20}", reference.as_str()));
            }
            PaymentReference::Rf(reference) => {
                out.push_str(reference.check_digits());
                out.push_str(&format!("{:0>21}", reference.body()));
            }
        }

        match self.due_date {
            Some(date) => out.push_str(&format!(
                "{:02}{:02}{:02}",
                date.year() - 2000,
                date.month(),
                date.day()
            )),
            None => out.push_str("000000"),
        }
        out
    }
}

/// The 16 digits after `FI` in a Finnish IBAN, or `None` for any other IBAN.
fn finnish_iban_digits(iban: &Iban) -> Option<&str> {
    iban.as_str()
        .strip_prefix("FI")
        .filter(|digits| digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// The amount in cents as the barcode writes it.
fn amount_cents(money: Money, large_amount: LargeAmount) -> Result<u32, PaycodeError> {
    if money.currency() != Currency::EUR {
        return Err(PaycodeError::BarcodeCurrencyNotEur { amount: money });
    }
    if money.is_negative() {
        return Err(PaycodeError::BarcodeAmountNegative { amount: money });
    }

    // `None` stands for an amount above the maximum, including one too large for minor units.
    let cents = match money.to_minor_units() {
        Ok(cents) => u32::try_from(cents)
            .ok()
            .filter(|cents| *cents <= MAX_CENTS),
        Err(MoneyError::TooManyDecimals { .. }) => {
            return Err(PaycodeError::BarcodeAmountNotRounded { amount: money });
        }
        Err(_) => None,
    };

    match (cents, large_amount) {
        (Some(cents), _) => Ok(cents),
        (None, LargeAmount::WriteZeros) => Ok(0),
        (None, LargeAmount::Reject) => Err(PaycodeError::BarcodeAmountTooLarge { amount: money }),
    }
}

/// Checks that the body of an RF reference survives the numeric, zero-padded barcode field.
fn check_rf_body(reference: &RfReference) -> Result<(), PaycodeError> {
    let body = reference.body();
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PaycodeError::BarcodeRfNotNumeric {
            reference: reference.as_str().to_owned(),
        });
    }
    if body.len() > 1 && body.starts_with('0') {
        return Err(PaycodeError::BarcodeRfLeadingZero {
            reference: reference.as_str().to_owned(),
        });
    }
    Ok(())
}

/// Reads the 23 reference digits at positions 26 to 48.
fn parse_reference(
    version: BarcodeVersion,
    digits: &str,
    barcode: &str,
) -> Result<PaymentReference, PaycodeError> {
    let invalid = |error| PaycodeError::BarcodeReference {
        value: barcode.to_owned(),
        error,
    };

    // The callers pass 23 ASCII digits, so the split points are in bounds.
    match version {
        BarcodeVersion::V4 => {
            let (reserved, reference) = digits.split_at(3);
            if reserved != "000" {
                return Err(PaycodeError::BarcodeReservedDigits {
                    value: barcode.to_owned(),
                    digits: reserved.to_owned(),
                });
            }
            FinnishReference::parse(reference)
                .map(PaymentReference::Finnish)
                .map_err(invalid)
        }
        BarcodeVersion::V5 => {
            let (check_digits, padded_body) = digits.split_at(2);
            let body = match padded_body.trim_start_matches('0') {
                "" => "0",
                body => body,
            };
            RfReference::parse(&format!("RF{check_digits}{body}"))
                .map(PaymentReference::Rf)
                .map_err(invalid)
        }
    }
}

/// Reads the six due date digits YYMMDD, where `000000` means no due date.
fn parse_due_date(digits: &str, barcode: &str) -> Result<Option<NaiveDate>, PaycodeError> {
    if digits == "000000" {
        return Ok(None);
    }

    // The caller passes six ASCII digits, so the slices are in bounds and the values small.
    let year = i32::try_from(number(&digits[0..2]))
        .ok()
        .map(|year| 2000 + year);
    let date = year.and_then(|year| {
        NaiveDate::from_ymd_opt(year, number(&digits[2..4]), number(&digits[4..6]))
    });
    date.map(Some).ok_or_else(|| PaycodeError::BarcodeDueDate {
        value: barcode.to_owned(),
        date: digits.to_owned(),
    })
}

/// The value of at most nine ASCII digits.
fn number(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
}

impl FromStr for VirtualBarcode {
    type Err = PaycodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VirtualBarcode::parse(s)
    }
}

/// Prints the 54 digits without spaces, the same as [`VirtualBarcode::to_digits`].
impl fmt::Display for VirtualBarcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_digits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use proptest::prelude::*;

    fn iban(text: &str) -> Iban {
        Iban::parse(text).unwrap()
    }

    fn eur(text: &str) -> Money {
        Money::parse(text, Currency::EUR).unwrap()
    }

    fn reference(text: &str) -> PaymentReference {
        PaymentReference::parse(text).unwrap()
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn new_error(
        iban_text: &str,
        amount: Option<Money>,
        reference_text: &str,
        due_date: Option<NaiveDate>,
    ) -> PaycodeError {
        VirtualBarcode::new(
            &iban(iban_text),
            amount,
            &reference(reference_text),
            due_date,
        )
        .unwrap_err()
    }

    const IBAN: &str = "FI4950009420028730";

    #[test]
    fn version_4_with_long_reference() {
        let barcode = VirtualBarcode::new(
            &iban("FI79 4405 2020 0360 82"),
            Some(eur("4883.15")),
            &reference("86851 62596 19897"),
            Some(date(2010, 6, 12)),
        )
        .unwrap();
        assert_eq!(
            barcode.to_digits(),
            "479440520200360820048831500000000868516259619897100612"
        );
        assert_eq!(barcode.version(), BarcodeVersion::V4);
        assert_eq!(barcode.to_string(), barcode.to_digits());
    }

    #[test]
    fn zero_amount_written_as_zeros() {
        let barcode =
            VirtualBarcode::new(&iban(IBAN), Some(eur("0.00")), &reference("1234561"), None)
                .unwrap();
        assert_eq!(barcode.amount(), None);
        assert_eq!(
            barcode.to_digits(),
            "449500094200287300000000000000000000000001234561000000"
        );
    }

    #[test]
    fn amount_keeps_cents() {
        let barcode =
            VirtualBarcode::new(&iban(IBAN), Some(eur("12.3")), &reference("1234561"), None)
                .unwrap();
        assert_eq!(barcode.amount(), Some(eur("12.30")));
        assert!(barcode.to_digits().contains("0000123000000"));
    }

    #[test]
    fn for_invoice_drops_large_amount() {
        let barcode = VirtualBarcode::for_invoice(
            &iban(IBAN),
            Some(eur("1000000.00")),
            &reference("1234561"),
            None,
        )
        .unwrap();
        assert_eq!(barcode.amount(), None);
        assert_eq!(&barcode.to_digits()[17..25], "00000000");
    }

    #[test]
    fn for_invoice_keeps_maximum_amount() {
        let barcode = VirtualBarcode::for_invoice(
            &iban(IBAN),
            Some(eur("999999.99")),
            &reference("1234561"),
            None,
        )
        .unwrap();
        assert_eq!(barcode.amount(), Some(eur("999999.99")));
    }

    #[test]
    fn for_invoice_rejects_negative_amount() {
        let error =
            VirtualBarcode::for_invoice(&iban(IBAN), Some(eur("-1")), &reference("1234561"), None)
                .unwrap_err();
        assert_eq!(error.code(), "barcode_amount_negative");
    }

    #[test]
    fn amount_errors() {
        let cases = [
            (eur("1000000"), "barcode_amount_too_large"),
            (eur("-0.01"), "barcode_amount_negative"),
            (
                Money::new(rust_decimal_macros::dec!(12.345), Currency::EUR),
                "barcode_amount_not_rounded",
            ),
            (
                Money::parse("10", Currency::from_code("SEK").unwrap()).unwrap(),
                "barcode_currency_not_eur",
            ),
            (
                Money::new(rust_decimal::Decimal::MAX, Currency::EUR),
                "barcode_amount_too_large",
            ),
        ];
        for (amount, code) in cases {
            let error = new_error(IBAN, Some(amount), "1234561", None);
            assert_eq!(error.code(), code, "amount {amount:?}");
        }
    }

    #[test]
    fn amount_error_names_amount() {
        let error = new_error(IBAN, Some(eur("1000000")), "1234561", None);
        assert!(error.to_string().contains("1000000"), "{error}");
    }

    #[test]
    fn foreign_iban_rejected() {
        let error = new_error("SE45 5000 0000 0583 9825 7466", None, "1234561", None);
        assert_eq!(error.code(), "barcode_iban_not_finnish");
        assert!(error.to_string().contains("SE4550000000058398257466"));
    }

    #[test]
    fn alphanumeric_rf_rejected() {
        let error = new_error(IBAN, None, "RF97C2H5OH", None);
        assert_eq!(error.code(), "barcode_rf_not_numeric");
        assert!(error.to_string().contains("RF97C2H5OH"));
    }

    #[test]
    fn rf_body_with_leading_zero_rejected() {
        // The check digits of 0123 and 123 are the same, because leading zeros do not change the
        // number that the mod 97 check computes on.
        let padded = numeric_rf("0123");
        assert_eq!(padded.check_digits(), numeric_rf("123").check_digits());

        let error = VirtualBarcode::new(&iban(IBAN), None, &padded.into(), None).unwrap_err();
        assert_eq!(error.code(), "barcode_rf_leading_zero");
    }

    #[test]
    fn rf_body_of_single_zero() {
        let zero = PaymentReference::Rf(RfReference::parse("RF040").unwrap());
        let barcode = VirtualBarcode::new(&iban(IBAN), None, &zero, None).unwrap();
        assert_eq!(
            VirtualBarcode::parse(&barcode.to_digits()).unwrap(),
            barcode
        );
    }

    #[test]
    fn due_date_century_checked() {
        for due in [date(1999, 12, 31), date(2100, 1, 1)] {
            let error = new_error(IBAN, None, "1234561", Some(due));
            assert_eq!(error.code(), "barcode_due_date_out_of_range", "date {due}");
        }
        let last = VirtualBarcode::new(
            &iban(IBAN),
            None,
            &reference("1234561"),
            Some(date(2099, 12, 31)),
        )
        .unwrap();
        assert!(last.to_digits().ends_with("991231"));
    }

    #[test]
    fn parse_ignores_spaces() {
        let barcode =
            VirtualBarcode::parse("4 4950009420028730 00012412 000 00000000000001234561 220202")
                .unwrap();
        assert_eq!(barcode.amount(), Some(eur("124.12")));
        assert_eq!(barcode.due_date(), Some(date(2022, 2, 2)));
    }

    #[test]
    fn parse_reads_missing_fields_as_none() {
        let barcode =
            VirtualBarcode::parse("449500094200287300000000000000000000000001234561000000")
                .unwrap();
        assert_eq!(barcode.amount(), None);
        assert_eq!(barcode.due_date(), None);
    }

    #[test]
    fn parse_errors() {
        let cases = [
            ("", "barcode_length"),
            (
                "4495000942002873000012412000000000000000012345612202O2",
                "barcode_not_numeric",
            ),
            (
                "449500094200287300001241200000000000000001234561-20202",
                "barcode_not_numeric",
            ),
            (
                "249500094200287300001241200000000000000001234561220202",
                "barcode_version_2_unsupported",
            ),
            (
                "049500094200287300001241200000000000000001234561220202",
                "barcode_version_unknown",
            ),
            (
                "449500094200287400001241200000000000000001234561220202",
                "barcode_iban_invalid",
            ),
            (
                "449500094200287300001241200100000000000001234561220202",
                "barcode_reserved_digits",
            ),
            (
                "449500094200287300001241200000000000000001234562220202",
                "barcode_reference_invalid",
            ),
            (
                "549500094200287300022225593000000000000012342345201212",
                "barcode_reference_invalid",
            ),
            (
                "449500094200287300001241200000000000000001234561991299",
                "barcode_due_date_invalid",
            ),
            (
                "449500094200287300001241200000000000000001234561220230",
                "barcode_due_date_invalid",
            ),
            (
                "449500094200287300001241200000000000000001234561000001",
                "barcode_due_date_invalid",
            ),
        ];
        for (digits, code) in cases {
            let error = VirtualBarcode::parse(digits).unwrap_err();
            assert_eq!(error.code(), code, "barcode {digits}");
        }
    }

    #[test]
    fn invalid_date_error_names_date() {
        let error = VirtualBarcode::parse("449500094200287300001241200000000000000001234561991299")
            .unwrap_err();
        assert!(error.to_string().contains("991299"), "{error}");
    }

    #[test]
    fn version_2_error_says_unsupported() {
        let error = VirtualBarcode::parse("257800750155447003352980000000000000200448604122900008")
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("version 2 (BBAN based) is not supported"),
            "{error}"
        );
    }

    /// Computes the ISO 7064 mod 97 remainder of a digit string.
    fn mod97(digits: &str) -> u64 {
        digits
            .bytes()
            .fold(0, |rest, digit| (rest * 10 + u64::from(digit - b'0')) % 97)
    }

    /// Builds a valid Finnish IBAN for a 14-digit account. `FI` counts as 15 18 in the check.
    fn finnish_iban(account: &str) -> Iban {
        let check = 98 - mod97(&format!("{account}151800"));
        iban(&format!("FI{check:02}{account}"))
    }

    /// Builds a valid RF reference for a numeric body. `RF` counts as 27 15 in the check.
    fn numeric_rf(body: &str) -> RfReference {
        let check = 98 - mod97(&format!("{body}271500"));
        RfReference::parse(&format!("RF{check:02}{body}")).unwrap()
    }

    fn any_reference() -> impl Strategy<Value = PaymentReference> {
        prop_oneof![
            "[0-9]{3,19}".prop_map(|base| {
                PaymentReference::Finnish(FinnishReference::from_base(&base).unwrap())
            }),
            "[1-9][0-9]{0,20}".prop_map(|body| PaymentReference::Rf(numeric_rf(&body))),
        ]
    }

    fn any_due_date() -> impl Strategy<Value = Option<NaiveDate>> {
        proptest::option::of(
            (0..36_525u64).prop_map(|days| date(2000, 1, 1) + chrono::Days::new(days)),
        )
    }

    proptest! {
        #[test]
        fn digits_round_trip(
            account in "[0-9]{14}",
            cents in proptest::option::of(0..=99_999_999i64),
            reference in any_reference(),
            due_date in any_due_date(),
        ) {
            let amount = cents.map(|cents| Money::from_minor_units(cents, Currency::EUR));
            let barcode =
                VirtualBarcode::new(&finnish_iban(&account), amount, &reference, due_date)
                    .unwrap();
            let digits = barcode.to_digits();
            prop_assert_eq!(digits.len(), 54);
            prop_assert_eq!(VirtualBarcode::parse(&digits).unwrap(), barcode);
        }

        #[test]
        fn for_invoice_round_trip(
            account in "[0-9]{14}",
            cents in 0..=10_000_000_000i64,
            reference in any_reference(),
        ) {
            let amount = Money::from_minor_units(cents, Currency::EUR);
            let barcode =
                VirtualBarcode::for_invoice(&finnish_iban(&account), Some(amount), &reference, None)
                    .unwrap();
            prop_assert_eq!(VirtualBarcode::parse(&barcode.to_digits()).unwrap(), barcode);
        }

        #[test]
        fn parse_any_digits_never_panics(digits in "[0-9]{54}") {
            if let Ok(barcode) = VirtualBarcode::parse(&digits) {
                prop_assert_eq!(barcode.to_digits(), digits);
            }
        }

        #[test]
        fn parse_any_text_never_panics(text in "\\PC{0,60}") {
            let _ = VirtualBarcode::parse(&text);
        }
    }
}
