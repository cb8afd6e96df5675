//! KTL, the Finnish banks' file of incoming reference payments ("saapuvat viitemaksut").
//!
//! Records are 90 characters, one per line, ending in CR LF or LF. Blank lines and a DOS
//! end-of-file character (Ctrl-Z) are ignored. The layout, as django-jbank's `svm.py` describes
//! it, with 1-based positions:
//!
//! | record | positions |
//! | --- | --- |
//! | `0` header | creation date YYMMDD (2-7), time (8-11), bank id (12-13), service id (14-22), currency (23) |
//! | `3` reference payment, `5` direct debit | account (2-15), booking date (16-21), payment date (22-27), archive id (28-43), reference (44-63, zero-padded), payer name (64-75), currency (76), name source (77), amount in cents (78-87), correction flag (88), delivery method (89), feedback code (90) |
//! | `9` totals | number (2-7) and sum in cents (8-18) of payments, number (19-24) and sum (25-35) of corrections |
//!
//! Currency code `1` is the euro. A file may contain several batches, each a header, its records
//! and its totals.
//!
//! A `5` record is a payment the creditor collected by direct debit (suoraveloitus) under the
//! payer's mandate: the money has arrived as with a reference payment, so it becomes a payment
//! with `direct_debit` set. A non-zero feedback code on a `5` record means the debit failed and
//! no money arrived, so such records are skipped and counted. A Nordea sample file shows how the
//! totals treat them: its totals count only the successful records, and positions 36-41 and
//! 42-52 hold the number and sum of the failed debits, which are checked when they are digits.
//! Corrections (flag `1`) reverse an earlier payment and are counted apart from payments.
//!
//! NOTE: that the payment totals leave corrections out follows the layout's separate correction
//! fields; no bank sample with a correction was available to confirm it.

use chrono::NaiveDate;
use vahti_domain::ident::Iban;
use vahti_domain::{Currency, Money};

use crate::diagnostics::{Position, Warning, WarningKind};
use crate::error::FormatError;
use crate::reference::{ParsedReference, ReferenceSource, reference_warnings};
use crate::values::parse_yymmdd;

use super::{BankFile, BankFormat, Collector, ParsedPayment};

/// The length of every record, in characters.
const RECORD_LENGTH: usize = 90;

/// Parses a KTL file, verifying every batch against its totals record.
pub fn parse_ktl(bytes: &[u8]) -> Result<BankFile, FormatError> {
    let mut collector = Collector::default();
    let mut batch: Option<Batch> = None;
    let mut last_line = 0;
    let mut any_record = false;

    for (index, raw_line) in bytes.split(|&byte| byte == b'\n').enumerate() {
        let line = index + 1;
        let raw_line = raw_line.strip_suffix(b"\r").unwrap_or(raw_line);
        if raw_line
            .iter()
            .all(|byte| byte.is_ascii_whitespace() || *byte == 0x1A)
        {
            continue;
        }
        last_line = line;
        any_record = true;

        let record = Record::decode(raw_line, line)?;
        match record.kind() {
            '0' => {
                if let Some(open) = &batch {
                    return Err(FormatError::KtlStructure {
                        line,
                        reason: format!(
                            "a header record (0) starts a new batch, but the batch that starts on line {} has no totals record (9) yet",
                            open.header_line
                        ),
                    });
                }
                record.check_header()?;
                batch = Some(Batch::new(line));
            }
            '3' | '5' => {
                let Some(open) = batch.as_mut() else {
                    return Err(before_header(line));
                };
                read_payment(&record, open, &mut collector)?;
            }
            '9' => {
                let Some(open) = batch.take() else {
                    return Err(before_header(line));
                };
                open.verify(&record)?;
            }
            other => {
                return Err(FormatError::KtlRecordType {
                    line,
                    found: other.to_string(),
                });
            }
        }
    }

    if !any_record {
        return Err(FormatError::Empty);
    }
    if let Some(open) = batch {
        return Err(FormatError::KtlStructure {
            line: last_line,
            reason: format!(
                "the batch that starts on line {} has no totals record (9): the file is incomplete, fetch it again from the bank",
                open.header_line
            ),
        });
    }
    Ok(collector.finish(BankFormat::Ktl, None, Vec::new()))
}

fn before_header(line: usize) -> FormatError {
    FormatError::KtlStructure {
        line,
        reason: "a payment or totals record comes before any header record (0)".to_owned(),
    }
}

/// One 90-character record as characters, read as UTF-8 when that gives 90 characters and as
/// ISO-8859-1 otherwise, the encoding django-jbank reads these files in.
struct Record {
    characters: Vec<char>,
    line: usize,
}

impl Record {
    fn decode(bytes: &[u8], line: usize) -> Result<Self, FormatError> {
        let utf8: Option<Vec<char>> = std::str::from_utf8(bytes)
            .ok()
            .map(|text| text.chars().collect());
        let characters = match utf8 {
            Some(characters) if characters.len() == RECORD_LENGTH => characters,
            _ if bytes.len() == RECORD_LENGTH => {
                bytes.iter().map(|&byte| char::from(byte)).collect()
            }
            Some(characters) => {
                return Err(FormatError::KtlRecordLength {
                    line,
                    length: characters.len(),
                });
            }
            None => {
                return Err(FormatError::KtlRecordLength {
                    line,
                    length: bytes.len(),
                });
            }
        };
        Ok(Record { characters, line })
    }

    fn kind(&self) -> char {
        self.characters.first().copied().unwrap_or(' ')
    }

    /// Returns the characters at 1-based positions `from` to `to`, inclusive.
    fn field(&self, from: usize, to: usize) -> String {
        self.characters
            .get(from - 1..to)
            .map(|characters| characters.iter().collect())
            .unwrap_or_default()
    }

    fn position(&self, column: usize) -> Position {
        Position::at(self.line, column)
    }

    fn invalid(
        &self,
        column: usize,
        field: &'static str,
        value: String,
        reason: &str,
    ) -> FormatError {
        FormatError::InvalidValue {
            position: self.position(column),
            field,
            value,
            reason: reason.to_owned(),
        }
    }

    fn date(&self, from: usize, field: &'static str) -> Result<NaiveDate, FormatError> {
        let text = self.field(from, from + 5);
        parse_yymmdd(&text).map_err(|reason| self.invalid(from, field, text, &reason))
    }

    /// Reads an unsigned number of `to - from + 1` digits.
    fn number(&self, from: usize, to: usize, field: &'static str) -> Result<i64, FormatError> {
        let text = self.field(from, to);
        if !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(self.invalid(from, field, text, "must be digits only"));
        }
        text.parse::<i64>()
            .map_err(|_| self.invalid(from, field, text.clone(), "must be digits only"))
    }

    fn check_currency(&self, column: usize) -> Result<(), FormatError> {
        let code = self.field(column, column);
        if code == "1" {
            Ok(())
        } else {
            Err(self.invalid(
                column,
                "currency code",
                code,
                "must be 1, the code of the euro",
            ))
        }
    }

    fn check_header(&self) -> Result<(), FormatError> {
        self.date(2, "creation date")?;
        self.check_currency(23)
    }
}

/// Running totals of one batch, in cents.
struct Batch {
    header_line: usize,
    payments: Tally,
    corrections: Tally,
    failed_direct_debits: Tally,
}

#[derive(Default)]
struct Tally {
    count: i64,
    cents: i64,
}

impl Tally {
    fn add(&mut self, cents: i64, line: usize) -> Result<(), FormatError> {
        let overflow = || FormatError::KtlStructure {
            line,
            reason: "the sum of the batch is too large to be a real file".to_owned(),
        };
        self.count = self.count.checked_add(1).ok_or_else(overflow)?;
        self.cents = self.cents.checked_add(cents).ok_or_else(overflow)?;
        Ok(())
    }
}

impl Batch {
    fn new(header_line: usize) -> Self {
        Batch {
            header_line,
            payments: Tally::default(),
            corrections: Tally::default(),
            failed_direct_debits: Tally::default(),
        }
    }

    /// Compares the totals record with the records read; any difference rejects the file.
    fn verify(&self, totals: &Record) -> Result<(), FormatError> {
        let mut checks = vec![
            (2, 7, "the number of payments", self.payments.count, false),
            (8, 18, "the sum of payments", self.payments.cents, true),
            (
                19,
                24,
                "the number of corrections",
                self.corrections.count,
                false,
            ),
            (
                25,
                35,
                "the sum of corrections",
                self.corrections.cents,
                true,
            ),
        ];
        let failed_field = totals.field(36, 52);
        if failed_field.bytes().all(|byte| byte.is_ascii_digit()) {
            checks.push((
                36,
                41,
                "the number of failed direct debits",
                self.failed_direct_debits.count,
                false,
            ));
            checks.push((
                42,
                52,
                "the sum of failed direct debits",
                self.failed_direct_debits.cents,
                true,
            ));
        }

        for (from, to, what, computed, is_sum) in checks {
            let stated = totals.number(from, to, what)?;
            if stated != computed {
                let show = |value: i64| {
                    if is_sum {
                        Money::from_minor_units(value, Currency::EUR).to_string()
                    } else {
                        value.to_string()
                    }
                };
                return Err(FormatError::KtlTotalsMismatch {
                    line: totals.line,
                    what,
                    stated: show(stated),
                    computed: show(computed),
                });
            }
        }
        Ok(())
    }
}

fn read_payment(
    record: &Record,
    batch: &mut Batch,
    collector: &mut Collector,
) -> Result<(), FormatError> {
    let account_text = record.field(2, 15);
    if !account_text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(record.invalid(2, "account number", account_text, "must be 14 digits"));
    }
    let booking_date = record.date(16, "booking date")?;
    let payment_date = record.date(22, "payment date")?;
    record.check_currency(76)?;
    let cents = record.number(78, 87, "amount")?;
    let correction = match record.field(88, 88).as_str() {
        "0" => false,
        "1" => true,
        other => {
            return Err(record.invalid(88, "correction flag", other.to_owned(), "must be 0 or 1"));
        }
    };
    let feedback = record.field(90, 90);
    let direct_debit = record.kind() == '5';

    if direct_debit && feedback != "0" && feedback != " " {
        collector.skipped.failed_direct_debits += 1;
        return batch.failed_direct_debits.add(cents, record.line);
    }
    if correction {
        batch.corrections.add(cents, record.line)?;
    } else {
        batch.payments.add(cents, record.line)?;
    }

    let mut warnings = Vec::new();
    if !direct_debit && feedback != "0" && feedback != " " {
        warnings.push(Warning::new(
            WarningKind::FeedbackCodeUnexpected,
            format!("reference payment record has feedback code {feedback:?}, which only direct debits use; it was imported as paid"),
            Some(record.position(90)),
        ));
    }

    let account = account_iban(&account_text, record, &mut warnings);
    collector.accounts.push(account.clone());
    let (reference, reference_source) = reference(record, &mut warnings);

    let bank_archive_id = Some(record.field(28, 43).trim().to_owned()).filter(|id| !id.is_empty());
    let archive_id = match &bank_archive_id {
        Some(id) => id.clone(),
        None => {
            let key = format!("line {}", record.line);
            warnings.push(Warning::new(
                WarningKind::ArchiveIdMissing,
                format!("the record has no archive id, so the payment's key {key:?} was built from its line"),
                Some(record.position(28)),
            ));
            key
        }
    };

    let payment = ParsedPayment {
        amount: Money::from_minor_units(cents, Currency::EUR),
        booking_date,
        value_date: None,
        payment_date,
        reference,
        reference_source,
        remittances: Vec::new(),
        free_text: None,
        archive_id,
        bank_archive_id,
        entry_archive_id: None,
        reversal: correction,
        direct_debit,
        payer_name: Some(record.field(64, 75).trim().to_owned()).filter(|name| !name.is_empty()),
        account,
        position: Position::line(record.line),
    };
    collector.push(payment, warnings);
    Ok(())
}

/// Reads the zero-padded reference field; an all-zero or blank field means no reference.
fn reference(
    record: &Record,
    warnings: &mut Vec<Warning>,
) -> (Option<ParsedReference>, ReferenceSource) {
    let raw = record.field(44, 63);
    if raw.trim().trim_start_matches('0').is_empty() {
        warnings.push(Warning::new(
            WarningKind::ReferenceMissing,
            format!("the record's reference field {raw:?} holds no reference"),
            Some(record.position(44)),
        ));
        return (None, ReferenceSource::None);
    }
    let reference = ParsedReference::parse_zero_padded(&raw);
    warnings.extend(
        reference_warnings(&reference, &record.position(44))
            .into_iter()
            .filter(|warning| warning.kind != WarningKind::ReferenceWhitespace),
    );
    (Some(reference), ReferenceSource::Structured)
}

/// Turns the 14-digit Finnish account number of machine format into an IBAN: `FI`, the ISO 13616
/// check digits (98 minus the account followed by `FI00` as digits, mod 97) and the account.
fn account_iban(account: &str, record: &Record, warnings: &mut Vec<Warning>) -> Option<Iban> {
    let remainder = format!("{account}151800")
        .bytes()
        .fold(0u32, |remainder, digit| {
            (remainder * 10 + u32::from(digit - b'0')) % 97
        });
    let text = format!("FI{:02}{account}", 98 - remainder);
    match Iban::parse(&text) {
        Ok(iban) => Some(iban),
        Err(error) => {
            warnings.push(Warning::new(
                WarningKind::IbanInvalid,
                format!("account {account} of the record does not give a valid IBAN: {error}"),
                Some(record.position(2)),
            ));
            None
        }
    }
}
