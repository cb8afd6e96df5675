//! ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), versions 001.02 to
//! 001.08.
//!
//! Which entries become payments:
//! - booked credits: `CdtDbtInd` `CRDT` with `Sts` `BOOK`, or `Sts/Cd` `BOOK` as newer versions
//!   write it;
//! - booked debits with `RvslInd` true, which ISO 20022 defines as the reversal of a credit, so
//!   they undo an incoming payment and become payments with `reversal` set;
//! - booked credits with `RvslInd` true become reversals too, with a warning. ISO 20022 reads
//!   them as a returned debit, but Finnish bank samples use them for an undone credit.
//!
//! Other debits and every entry that is not booked are counted in
//! [`SkippedCounts`](super::SkippedCounts). Each `NtryDtls/TxDtls` of an entry is its own
//! payment, and an entry without transaction details is one payment. Finnish banks put the
//! payer's payment date in `RltdDts/AccptncDtTm`, as the Federation of Finnish Financial
//! Services' sample credit notification of 2010 marks it.

use chrono::NaiveDate;
use vahti_domain::ident::Iban;
use vahti_domain::{Currency, Money};

use crate::diagnostics::{Position, Warning, WarningKind};
use crate::error::FormatError;
use crate::reference::{
    FreeTextReference, ParsedReference, ReferenceSource, find_in_free_text, reference_warnings,
};
use crate::values::{parse_dot_amount, parse_iso_date};
use crate::xml::{Node, parse_xml};

use super::{BANK_FORMATS, BankFile, BankFormat, Collector, ParsedPayment, Remittance};

const NAMESPACE_PREFIX: &str = "urn:iso:std:iso:20022:tech:xsd:";
const SUPPORTED: &str = "camt.053 and camt.054, versions 001.02 to 001.08";

/// Parses a camt.053 or camt.054 file.
pub fn parse_camt(bytes: &[u8]) -> Result<BankFile, FormatError> {
    let xml = parse_xml(bytes)?;
    let roots = Node::roots(&xml.roots);
    match roots.as_slice() {
        [root] if root.local_name() == "Document" => from_root(root, xml.warnings),
        _ => Err(FormatError::UnknownFormat {
            found: format!(
                "root element <{}>",
                roots.first().map_or("", |root| root.local_name())
            ),
            expected: BANK_FORMATS,
        }),
    }
}

pub(super) fn from_root(root: &Node<'_>, warnings: Vec<Warning>) -> Result<BankFile, FormatError> {
    let (format, version) = identify(root)?;
    let (body_name, report_name) = match format {
        BankFormat::Camt053 => ("BkToCstmrStmt", "Stmt"),
        _ => ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    };
    let body = root
        .child(body_name)
        .ok_or_else(|| FormatError::MissingElement {
            position: root.position(),
            name: format!("<{body_name}>"),
            hint: "it is the message body its namespace announces",
        })?;
    let message_id = body.text_at(&["GrpHdr", "MsgId"]);

    let mut collector = Collector::default();
    for (report_index, report) in body.children(report_name).iter().enumerate() {
        let report_key = report
            .text_at(&["Id"])
            .or_else(|| message_id.clone())
            .unwrap_or_else(|| format!("report {}", report_index + 1));
        let account = report_account(report, &mut collector.warnings);
        collector.accounts.push(account.clone());

        for (entry_index, entry) in report.children("Ntry").iter().enumerate() {
            let context = EntryContext {
                account: account.clone(),
                key_prefix: format!("{report_key}/{}", entry_index + 1),
            };
            read_entry(entry, &context, &mut collector)?;
        }
    }

    Ok(collector.finish(format, Some(version), warnings))
}

/// Reads the message type and version from the namespace, such as
/// `urn:iso:std:iso:20022:tech:xsd:camt.054.001.02`.
fn identify(root: &Node<'_>) -> Result<(BankFormat, String), FormatError> {
    let namespace = root.element.namespace().unwrap_or_default();
    let name =
        namespace
            .strip_prefix(NAMESPACE_PREFIX)
            .ok_or_else(|| FormatError::UnknownFormat {
                found: format!("<Document> in namespace {namespace:?}"),
                expected: BANK_FORMATS,
            })?;

    let parts: Vec<&str> = name.split('.').collect();
    let [family, message, variant, number] = parts.as_slice() else {
        return Err(FormatError::UnknownFormat {
            found: format!("ISO 20022 message {name:?}"),
            expected: BANK_FORMATS,
        });
    };
    let message_name = format!("{family}.{message}");
    let version = format!("{variant}.{number}");
    let unsupported = || FormatError::UnsupportedVersion {
        format: message_name.clone(),
        version: version.clone(),
        supported: SUPPORTED,
    };

    let format = match (*family, *message) {
        ("camt", "053") => BankFormat::Camt053,
        ("camt", "054") => BankFormat::Camt054,
        _ => return Err(unsupported()),
    };
    let known_version =
        *variant == "001" && ["02", "03", "04", "05", "06", "07", "08"].contains(number);
    if !known_version {
        return Err(unsupported());
    }
    Ok((format, version))
}

/// Reads the IBAN of a statement's or notification's account. An account identified otherwise
/// (`Othr`) has none, and an invalid IBAN gives a warning.
fn report_account(report: &Node<'_>, warnings: &mut Vec<Warning>) -> Option<Iban> {
    let node = report.descendant(&["Acct", "Id", "IBAN"])?;
    let text = node.text()?;
    match Iban::parse(&text) {
        Ok(iban) => Some(iban),
        Err(error) => {
            warnings.push(Warning::new(
                WarningKind::IbanInvalid,
                format!("account of the report dropped: {error}"),
                Some(node.position()),
            ));
            None
        }
    }
}

/// The values an entry inherits from its report.
struct EntryContext {
    account: Option<Iban>,
    /// The base of keys built from the position, such as `BANKSTMTID0972010/3`.
    key_prefix: String,
}

/// An entry's values shared by its transactions.
struct Entry {
    amount: Money,
    credit: bool,
    reversal: bool,
    booking_date: NaiveDate,
    value_date: Option<NaiveDate>,
    archive_id: Option<String>,
    direct_debit: bool,
}

fn read_entry(
    entry: &Node<'_>,
    context: &EntryContext,
    collector: &mut Collector,
) -> Result<(), FormatError> {
    let amount_node = required(entry, "Amt", "it is the amount of the entry")?;
    let amount = read_money(&amount_node)?;
    let indicator = entry
        .text_at(&["CdtDbtInd"])
        .ok_or_else(|| FormatError::MissingElement {
            position: entry.position(),
            name: "<CdtDbtInd>".to_owned(),
            hint: "every entry states its direction, CRDT or DBIT",
        })?;
    let credit = match indicator.as_str() {
        "CRDT" => true,
        "DBIT" => false,
        other => {
            return Err(invalid(entry, "CdtDbtInd", other, "must be CRDT or DBIT"));
        }
    };
    let reversal = match entry.text_at(&["RvslInd"]).as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => return Err(invalid(entry, "RvslInd", other, "must be true or false")),
    };

    let status = entry
        .text_at(&["Sts"])
        .or_else(|| entry.text_at(&["Sts", "Cd"]))
        .or_else(|| entry.text_at(&["Sts", "Prtry"]));
    if status.as_deref() != Some("BOOK") {
        collector.skipped.unbooked_entries += 1;
        return Ok(());
    }
    if !credit && !reversal {
        collector.skipped.debit_entries += 1;
        return Ok(());
    }

    let mut entry_warnings = Vec::new();
    if credit && reversal {
        entry_warnings.push(Warning::new(
            WarningKind::CreditEntryReversal,
            "a booked credit entry is marked as a reversal; it was imported as the reversal of an incoming payment, which is how Finnish banks use it, although ISO 20022 reads it as a returned debit",
            Some(entry.position()),
        ));
    }

    let booking_date =
        read_date_choice(entry, "BookgDt")?.ok_or_else(|| FormatError::MissingElement {
            position: entry.position(),
            name: "<BookgDt>".to_owned(),
            hint: "a booked entry needs its booking date",
        })?;
    let shared = Entry {
        amount,
        credit,
        reversal,
        booking_date,
        value_date: read_date_choice(entry, "ValDt")?,
        archive_id: entry.text_at(&["AcctSvcrRef"]),
        direct_debit: is_direct_debit(entry),
    };

    let details = entry.children("NtryDtls");
    for detail in &details {
        batch_warning(detail, &mut entry_warnings);
    }
    let transactions: Vec<Node<'_>> = details
        .iter()
        .flat_map(|detail| detail.children("TxDtls"))
        .collect();

    let first_payment = collector.payments.len();
    if transactions.is_empty() {
        let payment = entry_payment(entry, &shared, context, &mut entry_warnings);
        collector.push(payment, Vec::new());
    } else {
        read_transactions(
            entry,
            &shared,
            &transactions,
            context,
            collector,
            &mut entry_warnings,
        )?;
    }

    let item = (collector.payments.len() > first_payment).then_some(first_payment);
    collector
        .warnings
        .extend(entry_warnings.into_iter().map(|mut warning| {
            warning.item = item;
            warning
        }));
    Ok(())
}

/// Turns each transaction of an entry into a payment and checks that they add up to the entry.
fn read_transactions(
    entry: &Node<'_>,
    shared: &Entry,
    transactions: &[Node<'_>],
    context: &EntryContext,
    collector: &mut Collector,
    entry_warnings: &mut Vec<Warning>,
) -> Result<(), FormatError> {
    let entry_indicator = if shared.credit { "CRDT" } else { "DBIT" };
    let mut amounts: Vec<Money> = Vec::new();
    let mut all_comparable = true;

    for (index, transaction) in transactions.iter().enumerate() {
        if let Some(indicator) = transaction.text_at(&["CdtDbtInd"])
            && indicator != entry_indicator
        {
            collector.skipped.opposite_transactions += 1;
            all_comparable = false;
            continue;
        }

        let mut warnings = Vec::new();
        let own_amount = transaction
            .child("Amt")
            .or_else(|| transaction.descendant(&["AmtDtls", "TxAmt", "Amt"]));
        let amount = match own_amount {
            Some(node) => read_money(&node)?,
            None if transactions.len() == 1 => {
                all_comparable = false;
                shared.amount
            }
            None => {
                return Err(FormatError::MissingElement {
                    position: transaction.position(),
                    name: "<Amt> or <AmtDtls/TxAmt/Amt>".to_owned(),
                    hint: "each transaction of an entry with several transactions needs its own amount",
                });
            }
        };
        if amount.currency() != shared.amount.currency() {
            all_comparable = false;
            warnings.push(Warning::new(
                WarningKind::TransactionCurrencyDiffers,
                format!(
                    "the transaction amount {amount} is in another currency than its entry ({})",
                    shared.amount.currency()
                ),
                Some(transaction.position()),
            ));
        }
        amounts.push(amount);

        let payment = transaction_payment(
            transaction,
            TransactionPlace {
                amount,
                index,
                count: transactions.len(),
            },
            shared,
            context,
            &mut warnings,
        )?;
        collector.push(payment, warnings);
    }

    if all_comparable {
        let total = Money::sum(shared.amount.currency(), amounts).ok();
        if total.is_some_and(|total| total != shared.amount) {
            entry_warnings.push(Warning::new(
                WarningKind::EntryAmountMismatch,
                format!(
                    "the transactions of the entry add up to {}, but the entry amount is {}",
                    total.map_or_else(String::new, |total| total.to_string()),
                    shared.amount
                ),
                Some(entry.position()),
            ));
        }
    }
    Ok(())
}

/// A transaction's amount and its place among the transactions of its entry.
struct TransactionPlace {
    amount: Money,
    index: usize,
    count: usize,
}

fn transaction_payment(
    transaction: &Node<'_>,
    place: TransactionPlace,
    shared: &Entry,
    context: &EntryContext,
    warnings: &mut Vec<Warning>,
) -> Result<ParsedPayment, FormatError> {
    let remittances = remittances(transaction, warnings)?;
    let free_text = free_text(transaction);
    let (reference, reference_source) =
        choose_reference(transaction, &remittances, free_text.as_deref(), warnings);

    let transaction_archive_id = transaction.text_at(&["Refs", "AcctSvcrRef"]);
    let archive_id = match (&transaction_archive_id, &shared.archive_id) {
        (Some(own), _) => own.clone(),
        (None, Some(entry)) if place.count > 1 => format!("{entry}/{}", place.index + 1),
        (None, Some(entry)) => entry.clone(),
        (None, None) => {
            let key = format!("{}/{}", context.key_prefix, place.index + 1);
            warnings.push(missing_archive_id(&key, transaction.position()));
            key
        }
    };

    let accepted = transaction
        .descendant(&["RltdDts", "AccptncDtTm"])
        .map(|node| read_date(&node, "acceptance date"))
        .transpose()?;

    Ok(ParsedPayment {
        amount: place.amount,
        booking_date: shared.booking_date,
        value_date: shared.value_date,
        payment_date: accepted
            .or(shared.value_date)
            .unwrap_or(shared.booking_date),
        reference,
        reference_source,
        remittances,
        free_text,
        archive_id,
        bank_archive_id: transaction_archive_id.or_else(|| shared.archive_id.clone()),
        entry_archive_id: shared.archive_id.clone(),
        reversal: shared.reversal,
        direct_debit: shared.direct_debit || is_direct_debit(transaction),
        payer_name: payer_name(transaction),
        account: context.account.clone(),
        position: transaction.position(),
    })
}

/// Builds the payment of an entry that has no transaction details.
fn entry_payment(
    entry: &Node<'_>,
    shared: &Entry,
    context: &EntryContext,
    warnings: &mut Vec<Warning>,
) -> ParsedPayment {
    let archive_id = match &shared.archive_id {
        Some(id) => id.clone(),
        None => {
            let key = context.key_prefix.clone();
            warnings.push(missing_archive_id(&key, entry.position()));
            key
        }
    };
    ParsedPayment {
        amount: shared.amount,
        booking_date: shared.booking_date,
        value_date: shared.value_date,
        payment_date: shared.value_date.unwrap_or(shared.booking_date),
        reference: None,
        reference_source: ReferenceSource::None,
        remittances: Vec::new(),
        free_text: None,
        archive_id,
        bank_archive_id: shared.archive_id.clone(),
        entry_archive_id: shared.archive_id.clone(),
        reversal: shared.reversal,
        direct_debit: shared.direct_debit,
        payer_name: None,
        account: context.account.clone(),
        position: entry.position(),
    }
}

fn missing_archive_id(key: &str, position: Position) -> Warning {
    Warning::new(
        WarningKind::ArchiveIdMissing,
        format!(
            "the bank gave no archive id (AcctSvcrRef), so the payment's key {key:?} was built from its position in the file"
        ),
        Some(position),
    )
}

/// Warns when a batch states more transactions than the entry details.
fn batch_warning(detail: &Node<'_>, warnings: &mut Vec<Warning>) {
    let Some(stated) = detail
        .text_at(&["Btch", "NbOfTxs"])
        .and_then(|text| text.parse::<usize>().ok())
    else {
        return;
    };
    let listed = detail.children("TxDtls").len();
    if stated > listed {
        warnings.push(Warning::new(
            WarningKind::BatchWithoutDetails,
            format!(
                "the entry is a batch of {stated} transactions but lists {listed}; a statement usually books such a batch as one sum whose details come in the camt.054 notification, so importing both would count it twice"
            ),
            Some(detail.position()),
        ));
    }
}

/// Reads the structured creditor references (`CdtrRefInf` of type `SCOR`, or without a type) with
/// their amounts.
fn remittances(
    transaction: &Node<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Remittance>, FormatError> {
    let Some(information) = transaction.child("RmtInf") else {
        return Ok(Vec::new());
    };

    let mut remittances = Vec::new();
    for structured in information.children("Strd") {
        let Some(creditor) = structured.child("CdtrRefInf") else {
            continue;
        };
        let code = creditor.text_at(&["Tp", "CdOrPrtry", "Cd"]);
        let proprietary = creditor.text_at(&["Tp", "CdOrPrtry", "Prtry"]);
        let is_creditor_reference = match (code.as_deref(), proprietary) {
            (Some(code), _) => code == "SCOR",
            (None, Some(_)) => false,
            (None, None) => true,
        };
        let Some(reference_node) = creditor.child("Ref") else {
            continue;
        };
        if !is_creditor_reference || reference_node.raw_text().trim().is_empty() {
            continue;
        }

        let reference = ParsedReference::parse(reference_node.raw_text());
        warnings.extend(reference_warnings(&reference, &reference_node.position()));
        let amount_at = |path: &[&str]| -> Result<Option<Money>, FormatError> {
            structured
                .descendant(path)
                .map(|node| read_money(&node))
                .transpose()
        };
        let remitted_amount = match amount_at(&["RfrdDocAmt", "RmtdAmt"])? {
            Some(amount) => Some(amount),
            None => amount_at(&["RfrdDocAmt", "DuePyblAmt"])?,
        };
        remittances.push(Remittance {
            reference,
            remitted_amount,
            credit_note_amount: amount_at(&["RfrdDocAmt", "CdtNoteAmt"])?,
        });
    }
    Ok(remittances)
}

/// Joins the unstructured remittance lines (`Ustrd`) with spaces.
fn free_text(transaction: &Node<'_>) -> Option<String> {
    let lines: Vec<String> = transaction
        .child("RmtInf")?
        .children("Ustrd")
        .iter()
        .filter_map(Node::text)
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// Chooses the payment's reference: the first structured reference that is not a credit note,
/// else the first structured one, else one found in the free text.
fn choose_reference(
    transaction: &Node<'_>,
    remittances: &[Remittance],
    free_text: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> (Option<ParsedReference>, ReferenceSource) {
    let primary = remittances
        .iter()
        .find(|remittance| remittance.credit_note_amount.is_none())
        .or_else(|| remittances.first());
    if let Some(primary) = primary {
        if remittances.len() > 1 {
            warnings.push(Warning::new(
                WarningKind::MultipleReferences,
                format!(
                    "the transaction carries {} structured references; the payment uses {:?} and lists all of them",
                    remittances.len(),
                    primary.reference.raw.trim()
                ),
                Some(transaction.position()),
            ));
        }
        return (Some(primary.reference.clone()), ReferenceSource::Structured);
    }

    let Some(text) = free_text else {
        return (None, ReferenceSource::None);
    };
    let position = transaction
        .descendant(&["RmtInf", "Ustrd"])
        .map_or_else(|| transaction.position(), |node| node.position());
    match find_in_free_text(text) {
        FreeTextReference::Found(reference) => {
            warnings.push(Warning::new(
                WarningKind::ReferenceFromFreeText,
                format!(
                    "reference {:?} was taken from the free-text message {text:?}, because the payment has no structured reference",
                    reference.raw
                ),
                Some(position),
            ));
            (Some(reference), ReferenceSource::FreeText)
        }
        FreeTextReference::Ambiguous(candidates) => {
            warnings.push(Warning::new(
                WarningKind::ReferenceAmbiguous,
                format!(
                    "the free-text message holds several references ({}), so none was taken",
                    candidates.join(", ")
                ),
                Some(position),
            ));
            (None, ReferenceSource::None)
        }
        FreeTextReference::NotFound => (None, ReferenceSource::None),
    }
}

/// Reads the debtor's name: `Dbtr/Nm` (001.02 to 001.07) or `Dbtr/Pty/Nm` (001.08), else the
/// ultimate debtor's.
fn payer_name(transaction: &Node<'_>) -> Option<String> {
    [
        ["RltdPties", "Dbtr", "Nm", ""],
        ["RltdPties", "Dbtr", "Pty", "Nm"],
        ["RltdPties", "UltmtDbtr", "Nm", ""],
        ["RltdPties", "UltmtDbtr", "Pty", "Nm"],
    ]
    .iter()
    .find_map(|path| {
        let path: Vec<&str> = path
            .iter()
            .copied()
            .filter(|name| !name.is_empty())
            .collect();
        transaction.text_at(&path)
    })
}

/// Returns whether the bank transaction code family is `IDDT` (direct debit).
fn is_direct_debit(node: &Node<'_>) -> bool {
    node.text_at(&["BkTxCd", "Domn", "Fmly", "Cd"]).as_deref() == Some("IDDT")
}

fn required<'a>(node: &Node<'a>, name: &str, hint: &'static str) -> Result<Node<'a>, FormatError> {
    node.child(name).ok_or_else(|| FormatError::MissingElement {
        position: node.position(),
        name: format!("<{name}>"),
        hint,
    })
}

fn invalid(node: &Node<'_>, field: &'static str, value: &str, reason: &str) -> FormatError {
    FormatError::InvalidValue {
        position: node.position(),
        field,
        value: value.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Reads an amount element with its `Ccy` attribute. Amounts are never negative in ISO 20022:
/// the direction is in `CdtDbtInd`.
fn read_money(node: &Node<'_>) -> Result<Money, FormatError> {
    let code = node
        .attribute("Ccy")
        .ok_or_else(|| FormatError::MissingElement {
            position: node.position(),
            name: "attribute Ccy".to_owned(),
            hint: "it is the currency of the amount",
        })?;
    let currency = Currency::from_code(code).map_err(|error| FormatError::InvalidValue {
        position: node.position(),
        field: "currency",
        value: code.to_owned(),
        reason: error.to_string(),
    })?;
    let text = node.raw_text().trim();
    let money = parse_dot_amount(text, currency).map_err(|reason| FormatError::InvalidValue {
        position: node.position(),
        field: "amount",
        value: text.to_owned(),
        reason,
    })?;
    if money.is_negative() {
        return Err(invalid(
            node,
            "amount",
            text,
            "must not be negative: the direction is given by CdtDbtInd",
        ));
    }
    Ok(money)
}

/// Reads a `DateAndDateTimeChoice` such as `BookgDt`: its `Dt`, or the date of its `DtTm`.
fn read_date_choice(node: &Node<'_>, name: &str) -> Result<Option<NaiveDate>, FormatError> {
    let Some(choice) = node.child(name) else {
        return Ok(None);
    };
    match choice.child("Dt").or_else(|| choice.child("DtTm")) {
        Some(date) => read_date(&date, "date").map(Some),
        None => Ok(None),
    }
}

fn read_date(node: &Node<'_>, field: &'static str) -> Result<NaiveDate, FormatError> {
    let text = node.raw_text().trim();
    parse_iso_date(text).map_err(|reason| FormatError::InvalidValue {
        position: node.position(),
        field,
        value: text.to_owned(),
        reason,
    })
}
