//! The error that rejects a file as a whole.

use serde::Serialize;
use vahti_domain::ErrorCode;

use crate::diagnostics::Position;

/// A file that cannot be imported. Nothing of it is used: a parser returns either the whole file
/// or this error, which names the place and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[non_exhaustive]
pub enum FormatError {
    /// The file is empty or contains only white space.
    #[error("the file is empty: export it again from the sending system")]
    Empty,

    /// The content is not in any of the formats the parser reads.
    #[error("unrecognised file: {found}; expected {expected}")]
    UnknownFormat {
        /// The content found instead, such as `root element <Order>`.
        found: String,
        /// The formats the parser reads.
        expected: &'static str,
    },

    /// A known format in a version or message type this crate does not read.
    #[error("unsupported {format} version {version:?}: supported are {supported}")]
    UnsupportedVersion {
        /// The format, such as `camt.054`.
        format: String,
        /// The version found in the file.
        version: String,
        /// The versions this crate reads.
        supported: &'static str,
    },

    /// The XML declaration names an encoding this crate does not decode.
    #[error(
        "line {line}: unsupported character encoding {label:?} in the XML declaration: use UTF-8, ISO-8859-15, ISO-8859-1 or windows-1252"
    )]
    UnsupportedEncoding {
        /// The line of the declaration.
        line: usize,
        /// The encoding label as written.
        label: String,
    },

    /// The bytes are not valid in the encoding the file declares.
    #[error(
        "line {line}: invalid {encoding} byte sequence: save the file in the encoding its XML declaration names"
    )]
    InvalidEncoding {
        /// The line of the first invalid byte.
        line: usize,
        /// The encoding the bytes were read in.
        encoding: &'static str,
    },

    /// The XML is not well-formed.
    #[error("{position}: malformed XML: {reason}")]
    MalformedXml {
        /// The place where the parser stopped.
        position: Position,
        /// The problem, such as a mismatched closing tag.
        reason: String,
    },

    /// A required element or attribute is missing.
    #[error("{position}: missing {name}: {hint}")]
    MissingElement {
        /// The element that should contain it.
        position: Position,
        /// The missing element or attribute, such as `<InvoiceNumber>`.
        name: String,
        /// The use of the value, so that the sender can tell what to add.
        hint: &'static str,
    },

    /// A value cannot be read: a malformed amount, date, code or indicator.
    #[error("{position}: invalid {field} {value:?}: {reason}")]
    InvalidValue {
        /// The place of the value.
        position: Position,
        /// The field, such as `amount` or `booking date`.
        field: &'static str,
        /// The value as written.
        value: String,
        /// The problem and the expected form.
        reason: String,
    },

    /// Amounts of one document are in different currencies.
    #[error(
        "{position}: amount in {found} but the document currency is {expected}: amounts of one document must share a currency"
    )]
    CurrencyMismatch {
        /// The place of the differing amount.
        position: Position,
        /// The document currency.
        expected: String,
        /// The currency of the differing amount.
        found: String,
    },

    /// A KTL record is not 90 characters long.
    #[error(
        "line {line}: KTL record has {length} characters, but every record must have exactly 90"
    )]
    KtlRecordLength {
        /// The line of the record.
        line: usize,
        /// The number of characters found.
        length: usize,
    },

    /// A KTL record starts with an unknown record type.
    #[error(
        "line {line}: unknown KTL record type {found:?}: expected 0 (header), 3 (reference payment), 5 (direct debit) or 9 (totals)"
    )]
    KtlRecordType {
        /// The line of the record.
        line: usize,
        /// The first character of the record.
        found: String,
    },

    /// KTL records are out of order: a payment before its header, a batch without totals.
    #[error("line {line}: {reason}")]
    KtlStructure {
        /// The line where the order breaks.
        line: usize,
        /// The records out of order.
        reason: String,
    },

    /// The KTL totals record disagrees with the records of its batch, so the file is incomplete
    /// or corrupt.
    #[error(
        "line {line}: the totals record states {stated} for {what}, but the records give {computed}: the file is incomplete or corrupt, fetch it again from the bank"
    )]
    KtlTotalsMismatch {
        /// The line of the totals record.
        line: usize,
        /// The figure compared, such as `the number of payments`.
        what: &'static str,
        /// The figure in the totals record.
        stated: String,
        /// The figure computed from the records.
        computed: String,
    },

    /// A bank web-service response that cannot be unwrapped: encrypted, compressed or an error
    /// response.
    #[error("bank web-service response: {reason}")]
    BankResponse {
        /// The reason the file inside cannot be read.
        reason: String,
    },
}

impl ErrorCode for FormatError {
    fn code(&self) -> &'static str {
        match self {
            FormatError::Empty => "file_empty",
            FormatError::UnknownFormat { .. } => "file_format_unknown",
            FormatError::UnsupportedVersion { .. } => "file_version_unsupported",
            FormatError::UnsupportedEncoding { .. } => "file_encoding_unsupported",
            FormatError::InvalidEncoding { .. } => "file_encoding_invalid",
            FormatError::MalformedXml { .. } => "xml_malformed",
            FormatError::MissingElement { .. } => "file_element_missing",
            FormatError::InvalidValue { .. } => "file_value_invalid",
            FormatError::CurrencyMismatch { .. } => "file_currency_mismatch",
            FormatError::KtlRecordLength { .. } => "ktl_record_length",
            FormatError::KtlRecordType { .. } => "ktl_record_type_unknown",
            FormatError::KtlStructure { .. } => "ktl_structure_invalid",
            FormatError::KtlTotalsMismatch { .. } => "ktl_totals_mismatch",
            FormatError::BankResponse { .. } => "bank_response_unsupported",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatch_message_names_both_figures() {
        let error = FormatError::KtlTotalsMismatch {
            line: 15,
            what: "the number of payments",
            stated: "11".into(),
            computed: "13".into(),
        };
        let message = error.to_string();
        assert!(message.starts_with("line 15: "), "{message}");
        assert!(message.contains("states 11"), "{message}");
        assert!(message.contains("give 13"), "{message}");
        assert_eq!(error.code(), "ktl_totals_mismatch");
    }
}
