//! Parsers for the invoice and bank files Finnish integrators already have.
//!
//! This crate owns reading files: e-invoices into [`InvoiceFile`] and bank files of incoming
//! payments into [`BankFile`]. It performs no I/O: every parser takes the bytes of a file and
//! returns values, so the caller decides where files come from. It does not match payments to
//! invoices, store anything or talk to banks.
//!
//! Parsers read the whole file into memory together with its element tree, which takes several
//! times the file's size, so callers limit the size of what they accept.
//!
//! A parser returns either the whole file or a [`FormatError`] that names the line (and the
//! column and element path where known) and the reason. What a parser tolerates is either normal
//! for the format, as listed below, or reported as a [`Warning`] with its position. Error and
//! warning kinds have stable codes through [`vahti_domain::ErrorCode`].
//!
//! # Supported formats
//!
//! | format | versions | entry points |
//! | --- | --- | --- |
//! | Finvoice | 1.2, 1.3, 2.0, 2.01, 3.0 | [`parse_finvoice`], [`parse_invoice_file`] |
//! | Peppol BIS Billing 3.0 / EN 16931, UBL 2.1 `Invoice` and `CreditNote` | any `CustomizationID` | [`parse_ubl`], [`parse_invoice_file`] |
//! | ISO 20022 camt.053 (statement) and camt.054 (notification) | 001.02 to 001.08 | [`parse_camt`], [`parse_bank_file`] |
//! | KTL, incoming reference payments ("saapuvat viitemaksut") | the banks' 90-character layout | [`parse_ktl`], [`parse_bank_file`] |
//!
//! What is normal and needs no warning:
//! - XML in UTF-8, UTF-16 with a byte order mark, or any ASCII-compatible encoding its
//!   declaration names (Finvoice is usually ISO-8859-15); no declaration means UTF-8.
//! - Several XML documents in one file, each with its own declaration, as operators deliver an
//!   ebXML SOAP envelope before each Finvoice message.
//! - Finvoice decimal commas; `CCYYMMDD` dates; negative amounts in a credit note (`INV02`).
//! - References with spaces inside (the printed form) or leading zeros, and the zero padding of
//!   KTL reference fields.
//! - KTL files with CR LF or LF line ends, in ISO-8859-1 or UTF-8.
//! - A camt account identified without an IBAN: the payment's `account` is then `None`.
//! - Bank web-service responses (`ApplicationResponse`) around a bank file are unwrapped, with a
//!   warning that their signature was not verified.
//!
//! Invoices: a credit note's amounts are the amounts credited, as non-negative numbers (see
//! [`ParsedInvoice`]). Payments: amounts are positive and [`ParsedPayment::reversal`] tells whether
//! the payment adds money or undoes an earlier payment.

mod bank;
mod diagnostics;
mod error;
mod invoice;
mod reference;
mod values;
mod xml;

pub use bank::{
    BankFile, BankFormat, ParsedPayment, Remittance, SkippedCounts, parse_bank_file, parse_camt,
    parse_ktl,
};
pub use diagnostics::{Position, Warning, WarningKind};
pub use error::FormatError;
pub use invoice::{
    DocumentKind, Identifier, InvoiceFile, InvoiceFormat, ParsedInvoice, Party, PostalAddress,
    parse_finvoice, parse_invoice_file, parse_ubl,
};
pub use reference::{ParsedReference, ReferenceIssue, ReferenceSource};
