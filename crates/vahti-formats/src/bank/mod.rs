//! Bank files of incoming payments: ISO 20022 camt.053 and camt.054, and KTL.

mod camt;
mod envelope;
mod ktl;

pub use camt::parse_camt;
pub use ktl::parse_ktl;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;
use vahti_domain::Money;
use vahti_domain::ident::Iban;

use crate::diagnostics::{Position, Warning, WarningKind, sort_warnings};
use crate::error::FormatError;
use crate::reference::{ParsedReference, ReferenceSource};
use crate::xml::{Node, parse_xml};

/// The formats [`parse_bank_file`] reads, for error messages.
const BANK_FORMATS: &str =
    "an ISO 20022 camt.053 or camt.054 file (versions 001.02 to 001.08) or a KTL file";

/// The incoming payments of a bank file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankFile {
    /// The format of the file.
    pub format: BankFormat,
    /// The message version for camt, such as `001.02`; `None` for KTL, which has no versions.
    pub version: Option<String>,
    /// The account the file reports, when the file reports exactly one account with a valid
    /// IBAN. Each payment also names its own account.
    pub account: Option<Iban>,
    /// Incoming payments and reversals of incoming payments, in file order.
    pub payments: Vec<ParsedPayment>,
    /// Counts of what the file reports that is not an incoming payment.
    pub skipped: SkippedCounts,
    /// Everything the parser tolerated, with positions; `item` indexes `payments`.
    pub warnings: Vec<Warning>,
}

/// A bank file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BankFormat {
    /// ISO 20022 bank-to-customer statement.
    #[serde(rename = "camt.053")]
    Camt053,
    /// ISO 20022 bank-to-customer debit/credit notification.
    #[serde(rename = "camt.054")]
    Camt054,
    /// The Finnish banks' fixed-width file of incoming reference payments ("saapuvat
    /// viitemaksut"), also called KTL or SVM.
    #[serde(rename = "ktl")]
    Ktl,
}

/// Counts of what a file reports but this crate does not turn into payments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SkippedCounts {
    /// Booked camt entries that take money out of the account (`CdtDbtInd` `DBIT` without
    /// `RvslInd`).
    pub debit_entries: usize,
    /// camt entries that are not booked (`Sts` `PDNG`, `INFO` or any status other than `BOOK`).
    pub unbooked_entries: usize,
    /// camt transactions whose own `CdtDbtInd` contradicts their entry's.
    pub opposite_transactions: usize,
    /// KTL direct-debit records with a non-zero feedback code: the debit failed, no money came in.
    pub failed_direct_debits: usize,
}

/// One incoming payment, or the reversal of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedPayment {
    /// The amount, always positive. `reversal` tells whether it adds or removes money.
    pub amount: Money,
    /// The day the bank booked the payment on the account.
    pub booking_date: NaiveDate,
    /// The value date of the booking, when the file states one (camt `ValDt`).
    pub value_date: Option<NaiveDate>,
    /// The day the payer paid: KTL's payment date, camt's `AccptncDtTm` (where Finnish banks put
    /// the payer's payment date), else the value date, else the booking date. This is the day
    /// that stops penalty interest.
    pub payment_date: NaiveDate,
    /// The creditor reference, kept even when it fails validation.
    pub reference: Option<ParsedReference>,
    /// The origin of the reference.
    pub reference_source: ReferenceSource,
    /// Every structured reference of a camt transaction with its amounts, for payments that pay
    /// several invoices or net a credit note. Empty for KTL.
    pub remittances: Vec<Remittance>,
    /// The payer's free-text message (camt `Ustrd`, joined with spaces).
    pub free_text: Option<String>,
    /// The idempotency key: unique within the file and the same every time the file is parsed.
    /// It is the bank's archive id: camt `AcctSvcrRef` of the transaction, else of the entry, or
    /// the KTL archive id. When one entry archive id covers several transactions, `/n` with the
    /// 1-based transaction number is appended. A reversal appends `/reversal`, because a bank may
    /// repeat the archive id of the payment it reverses. A repeat within the file appends `/2`,
    /// `/3` and so on, with a warning. Without any archive id the key is built from the position
    /// in the file, with a warning.
    pub archive_id: String,
    /// The most specific archive id the bank wrote for this payment, as written.
    pub bank_archive_id: Option<String>,
    /// The camt entry's archive id, which the statement's lump-sum booking shares.
    pub entry_archive_id: Option<String>,
    /// Whether this undoes an earlier payment (camt `RvslInd`, KTL correction flag 1).
    pub reversal: bool,
    /// Whether the money was collected by direct debit (KTL record 5, camt family `IDDT`).
    pub direct_debit: bool,
    /// The payer's name as the bank reports it (KTL truncates it to 12 characters).
    pub payer_name: Option<String>,
    /// The account the payment was booked on.
    pub account: Option<Iban>,
    /// The place of the payment in the file.
    pub position: Position,
}

/// A structured remittance block of a camt transaction: a creditor reference and the amounts the
/// payer allocated to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remittance {
    /// The creditor reference.
    pub reference: ParsedReference,
    /// The amount paid against this reference (`RmtdAmt`), when stated.
    pub remitted_amount: Option<Money>,
    /// The credit note amount netted against the payment (`CdtNoteAmt`), when stated.
    pub credit_note_amount: Option<Money>,
}

/// Parses a bank file, detecting camt or KTL by its content.
///
/// A Finnish bank web-service response (`ApplicationResponse`, possibly inside its SOAP envelope)
/// is unwrapped when its content is neither encrypted nor compressed. A warning then says that
/// its signature was not verified, because verifying it is the job of the connection that
/// downloaded it.
pub fn parse_bank_file(bytes: &[u8]) -> Result<BankFile, FormatError> {
    parse_bank_content(bytes, true)
}

fn parse_bank_content(bytes: &[u8], may_unwrap: bool) -> Result<BankFile, FormatError> {
    let first = bytes
        .strip_prefix(&[0xEF, 0xBB, 0xBF])
        .unwrap_or(bytes)
        .iter()
        .copied()
        .find(|byte| !byte.is_ascii_whitespace())
        .ok_or(FormatError::Empty)?;

    if first.is_ascii_digit() {
        return ktl::parse_ktl(bytes);
    }
    if first != b'<' && !bytes.starts_with(&[0xFF, 0xFE]) && !bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FormatError::UnknownFormat {
            found: "content that is neither XML nor KTL records".to_owned(),
            expected: BANK_FORMATS,
        });
    }

    let xml = parse_xml(bytes)?;
    let roots = Node::roots(&xml.roots);
    let [root] = roots.as_slice() else {
        return Err(FormatError::UnknownFormat {
            found: format!("{} top-level elements", roots.len()),
            expected: BANK_FORMATS,
        });
    };

    match root.local_name() {
        "Document" => camt::from_root(root, xml.warnings),
        "Envelope" | "ApplicationResponse" if may_unwrap => {
            let content = envelope::unwrap_response(root)?;
            let mut file = parse_bank_content(&content, false)?;
            file.warnings.insert(
                0,
                Warning::new(
                    WarningKind::BankResponseUnwrapped,
                    "the bank file was taken from a bank web-service response; its signature was not verified, and lines refer to the file inside",
                    None,
                ),
            );
            Ok(file)
        }
        "Finvoice" | "Invoice" | "CreditNote" => Err(FormatError::UnknownFormat {
            found: format!(
                "root element <{}>, which is an invoice: import it as an invoice file",
                root.local_name()
            ),
            expected: BANK_FORMATS,
        }),
        other => Err(FormatError::UnknownFormat {
            found: format!("root element <{other}>"),
            expected: BANK_FORMATS,
        }),
    }
}

/// Payments, skipped counts and warnings as a parser collects them.
#[derive(Default)]
struct Collector {
    payments: Vec<ParsedPayment>,
    skipped: SkippedCounts,
    warnings: Vec<Warning>,
    /// The account of every statement, notification or KTL batch, `None` where it has no valid
    /// IBAN.
    accounts: Vec<Option<Iban>>,
}

impl Collector {
    /// Adds a payment with the warnings about it, which get the payment's index.
    fn push(&mut self, payment: ParsedPayment, payment_warnings: Vec<Warning>) {
        let index = self.payments.len();
        self.warnings
            .extend(payment_warnings.into_iter().map(|mut warning| {
                warning.item = Some(index);
                warning
            }));
        self.payments.push(payment);
    }

    /// Finishes the file: unique archive ids and the file's account.
    fn finish(
        mut self,
        format: BankFormat,
        version: Option<String>,
        mut file_warnings: Vec<Warning>,
    ) -> BankFile {
        finalize_archive_ids(&mut self.payments, &mut self.warnings);
        file_warnings.append(&mut self.warnings);
        sort_warnings(&mut file_warnings);
        BankFile {
            format,
            version,
            account: single_account(&self.accounts),
            payments: self.payments,
            skipped: self.skipped,
            warnings: file_warnings,
        }
    }
}

/// Makes every payment's archive id unique: a reversal gets `/reversal`, and a key seen before in
/// the file gets `/2`, `/3` and so on, with a warning.
fn finalize_archive_ids(payments: &mut [ParsedPayment], warnings: &mut Vec<Warning>) {
    let mut used: HashSet<String> = HashSet::new();
    // The next suffix to try for each key seen twice, so that many repeats stay linear.
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    for (index, payment) in payments.iter_mut().enumerate() {
        if payment.reversal {
            payment.archive_id.push_str("/reversal");
        }
        if used.contains(&payment.archive_id) {
            let number = next_suffix.entry(payment.archive_id.clone()).or_insert(2);
            let mut candidate = format!("{}/{number}", payment.archive_id);
            while used.contains(&candidate) {
                *number = number.saturating_add(1);
                candidate = format!("{}/{number}", payment.archive_id);
            }
            *number = number.saturating_add(1);

            let mut warning = Warning::new(
                WarningKind::ArchiveIdDuplicate,
                format!(
                    "archive id {:?} was already used in this file, so this payment's key is {candidate:?}",
                    payment.archive_id
                ),
                Some(payment.position.clone()),
            );
            warning.item = Some(index);
            warnings.push(warning);
            payment.archive_id = candidate;
        }
        used.insert(payment.archive_id.clone());
    }
}

/// Returns the account of the whole file: the one account all its reports share, if any.
fn single_account(accounts: &[Option<Iban>]) -> Option<Iban> {
    let first = accounts.first()?.clone()?;
    accounts
        .iter()
        .all(|account| account.as_ref() == Some(&first))
        .then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vahti_domain::ErrorCode;

    #[test]
    fn detection_rejects_invoices_and_noise() {
        let error = parse_bank_file(b"<Finvoice Version=\"3.0\"/>").unwrap_err();
        assert_eq!(error.code(), "file_format_unknown");
        assert!(error.to_string().contains("invoice file"), "{error}");

        assert_eq!(parse_bank_file(b"  \r\n").unwrap_err().code(), "file_empty");
        assert_eq!(
            parse_bank_file(b"%PDF-1.4").unwrap_err().code(),
            "file_format_unknown"
        );
    }
}
