//! Positions in a file and the warnings a parser attaches to what it tolerated.

use std::fmt;

use serde::{Serialize, Serializer};
use vahti_domain::ErrorCode;

/// A place in a parsed file: the 1-based line, and where known the 1-based column (in characters)
/// and the element path such as `/Finvoice/EpiDetails/EpiPaymentInstructionDetails`.
///
/// For an XML file decoded from a legacy encoding, line and column count decoded characters,
/// which is what an editor opening the file with the right encoding shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Position {
    /// The 1-based line number.
    pub line: usize,
    /// The 1-based column in characters, when known.
    pub column: Option<usize>,
    /// The path of the XML element, with a 1-based `[n]` index on elements that repeat.
    pub path: Option<String>,
}

impl Position {
    /// Creates a position known only by its line, as in a fixed-width record file.
    pub fn line(line: usize) -> Self {
        Position {
            line,
            column: None,
            path: None,
        }
    }

    /// Creates a position with line and column.
    pub fn at(line: usize, column: usize) -> Self {
        Position {
            line,
            column: Some(column),
            path: None,
        }
    }

    /// Adds an element path to the position.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

/// Prints `line 12, column 5, element /a/b`, leaving out the parts that are unknown.
impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(path) = &self.path {
            write!(f, ", element {path}")?;
        }
        Ok(())
    }
}

/// The subject of a warning. Each kind has a stable code (see [`ErrorCode`]), which is also its
/// JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WarningKind {
    /// A payment reference fails its check digit, is too short or is not a reference at all. The
    /// document stays importable and keeps the reference text, flagged.
    ReferenceInvalid,
    /// A payment reference has white space before or after it, which was ignored.
    ReferenceWhitespace,
    /// A Finvoice reference's `IdentificationSchemeName` (SPY for Finnish, ISO for RF) does not
    /// match the form of the reference; the reference was read by its form.
    ReferenceSchemeMismatch,
    /// A payment carries no structured reference, and one was found in its free-text message.
    ReferenceFromFreeText,
    /// The free-text message of a payment holds several valid references, so none was taken.
    ReferenceAmbiguous,
    /// A payment has no usable reference at all in a format that normally carries one.
    ReferenceMissing,
    /// A transaction carries several structured references; the payment takes the first one that
    /// is not a credit note and lists all of them.
    MultipleReferences,
    /// An IBAN is invalid and was dropped.
    IbanInvalid,
    /// A BIC is invalid and was dropped.
    BicInvalid,
    /// An e-mail address is not of the form `name@domain` and was dropped.
    EmailInvalid,
    /// A file without an XML declaration is not valid UTF-8, so it was read as ISO-8859-15.
    EncodingAssumed,
    /// A file declares a single-byte encoding but its bytes are valid UTF-8 with non-ASCII
    /// characters, so it was read as UTF-8.
    EncodingDeclarationMismatch,
    /// An amount uses thousands separators, such as `1 234,56`.
    AmountThousandsSeparator,
    /// A Finvoice amount uses a decimal point where the format has a decimal comma.
    AmountDecimalPoint,
    /// The totals of a document do not add up: payable is not gross total minus prepaid.
    AmountsInconsistent,
    /// A credit note states its amounts with the unusual sign for its format; they were read as
    /// the amount credited.
    CreditNoteSign,
    /// An invoice (not a credit note) has a negative amount payable.
    InvoiceAmountNegative,
    /// The due date in the payment terms differs from the due date in the payment instruction.
    DueDateConflict,
    /// A Finvoice message has no `Version` attribute.
    VersionMissing,
    /// The messages of one file state different format versions.
    VersionsDiffer,
    /// A bank entry or transaction has no archive id, so the payment's key was built from its
    /// position in the file.
    ArchiveIdMissing,
    /// Several payments in the file share an archive id, so later ones got a suffix.
    ArchiveIdDuplicate,
    /// The transactions of a bank entry do not add up to the entry amount.
    EntryAmountMismatch,
    /// A bank entry reports a batch of several transactions as one lump sum without their details.
    BatchWithoutDetails,
    /// A credit entry is marked as a reversal. ISO 20022 reads that as a returned debit, while
    /// Finnish bank samples use it for an undone credit; it was imported as a reversal.
    CreditEntryReversal,
    /// A transaction amount is in another currency than its entry.
    TransactionCurrencyDiffers,
    /// A KTL reference payment record has a non-zero feedback code, which only direct debits use.
    FeedbackCodeUnexpected,
    /// The bank file was taken out of a bank web-service response, whose signature this crate
    /// does not verify.
    BankResponseUnwrapped,
}

impl ErrorCode for WarningKind {
    fn code(&self) -> &'static str {
        match self {
            WarningKind::ReferenceInvalid => "reference_invalid_kept",
            WarningKind::ReferenceWhitespace => "reference_whitespace_ignored",
            WarningKind::ReferenceSchemeMismatch => "reference_scheme_mismatch",
            WarningKind::ReferenceFromFreeText => "reference_from_free_text",
            WarningKind::ReferenceAmbiguous => "reference_ambiguous_free_text",
            WarningKind::ReferenceMissing => "reference_missing",
            WarningKind::MultipleReferences => "reference_multiple",
            WarningKind::IbanInvalid => "iban_invalid_dropped",
            WarningKind::BicInvalid => "bic_invalid_dropped",
            WarningKind::EmailInvalid => "email_invalid_dropped",
            WarningKind::EncodingAssumed => "encoding_assumed",
            WarningKind::EncodingDeclarationMismatch => "encoding_declaration_mismatch",
            WarningKind::AmountThousandsSeparator => "amount_thousands_separator",
            WarningKind::AmountDecimalPoint => "amount_decimal_point",
            WarningKind::AmountsInconsistent => "amounts_inconsistent",
            WarningKind::CreditNoteSign => "credit_note_sign",
            WarningKind::InvoiceAmountNegative => "invoice_amount_negative",
            WarningKind::DueDateConflict => "due_date_conflict",
            WarningKind::VersionMissing => "format_version_missing",
            WarningKind::VersionsDiffer => "format_versions_differ",
            WarningKind::ArchiveIdMissing => "archive_id_missing",
            WarningKind::ArchiveIdDuplicate => "archive_id_duplicate",
            WarningKind::EntryAmountMismatch => "entry_amount_mismatch",
            WarningKind::BatchWithoutDetails => "batch_without_details",
            WarningKind::CreditEntryReversal => "credit_entry_reversal",
            WarningKind::TransactionCurrencyDiffers => "transaction_currency_differs",
            WarningKind::FeedbackCodeUnexpected => "ktl_feedback_code_unexpected",
            WarningKind::BankResponseUnwrapped => "bank_response_unwrapped",
        }
    }
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for WarningKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Something a parser tolerated or could not use, with where it was found.
///
/// `item` is the index of the invoice in `InvoiceFile::documents` or of the payment in
/// `BankFile::payments` that the warning concerns, or `None` for the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The subject of the warning.
    pub kind: WarningKind,
    /// A sentence naming the value and what was done with it.
    pub message: String,
    /// The place in the file, when known.
    pub position: Option<Position>,
    /// The document or payment the warning belongs to.
    pub item: Option<usize>,
}

impl Warning {
    /// Creates a warning about the file as a whole, attached to no document or payment yet.
    pub(crate) fn new(
        kind: WarningKind,
        message: impl Into<String>,
        position: Option<Position>,
    ) -> Self {
        Warning {
            kind,
            message: message.into(),
            position,
            item: None,
        }
    }
}

/// Orders warnings as a reader meets them: those about the whole file first, then those of each
/// document or payment in turn, each group by line. The sort is stable, so warnings on one line
/// keep the order in which they were found.
pub(crate) fn sort_warnings(warnings: &mut [Warning]) {
    warnings.sort_by_key(|warning| {
        (
            warning.item.map_or(0, |item| item.saturating_add(1)),
            warning
                .position
                .as_ref()
                .map_or(0, |position| position.line),
        )
    });
}

impl ErrorCode for Warning {
    fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// Prints the position and the message: `line 12, column 5: ...`.
impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.position {
            Some(position) => write!(f, "{position}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_display_skips_unknown_parts() {
        assert_eq!(Position::line(3).to_string(), "line 3");
        assert_eq!(Position::at(3, 7).to_string(), "line 3, column 7");
        assert_eq!(
            Position::at(3, 7).with_path("/a/b").to_string(),
            "line 3, column 7, element /a/b"
        );
    }

    #[test]
    fn warning_serializes_kind_as_code() {
        let warning = Warning::new(WarningKind::IbanInvalid, "invalid", None);
        let json = serde_json::to_value(&warning).unwrap();
        assert_eq!(json["kind"], "iban_invalid_dropped");
    }
}
