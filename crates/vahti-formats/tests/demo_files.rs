//! Checks that the files `vahti demo` imports from `crates/vahti-cli/demo` parse into exactly the
//! scenario that the README of that directory describes. That covers every invoice and payment
//! with its amount, dates and reference, the accounts and tenant that go with them, and the
//! warnings, which must be only those the README calls deliberate.

use std::path::PathBuf;

use chrono::NaiveDate;
use serde_json::Value;
use vahti_domain::ident::{Bic, Iban, PaymentReference};
use vahti_domain::paycode::VirtualBarcode;
use vahti_domain::{Currency, ErrorCode, Money};
use vahti_formats::{
    BankFormat, DocumentKind, InvoiceFile, InvoiceFormat, ParsedInvoice, ParsedPayment,
    ReferenceSource, Warning, parse_bank_file, parse_invoice_file,
};

const DEMO_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vahti-cli/demo");

const FINVOICE_SINGLE: &str = "finvoice-3.0-koivunlehti.xml";
const FINVOICE_CONSUMERS: &str = "finvoice-3.0-consumers-soap.xml";
const FINVOICE_SWEDISH: &str = "finvoice-2.01-swedish.xml";
const PEPPOL_INVOICE: &str = "peppol-invoice-4096.xml";
const PEPPOL_CREDIT_NOTE: &str = "peppol-creditnote-4105.xml";
const STATEMENT: &str = "statement-2026-03.camt054.xml";

const INVOICE_FILES: [&str; 5] = [
    FINVOICE_SINGLE,
    FINVOICE_CONSUMERS,
    FINVOICE_SWEDISH,
    PEPPOL_INVOICE,
    PEPPOL_CREDIT_NOTE,
];

const BIS_3_0: &str = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";

const SELLER_NAME: &str = "Kuusimäen Kahvipaahtimo Oy";
const SELLER_BUSINESS_ID: &str = "3958213-2";
const SELLER_IBAN: &str = "FI5057234000204518";
const SELLER_BIC: &str = "OKOYFIHH";

/// One invoice of the scenario, as the README table lists it.
struct ExpectedInvoice {
    file: &'static str,
    number: &'static str,
    issue_date: (i32, u32, u32),
    due_date: (i32, u32, u32),
    amount: &'static str,
    /// The validated reference in compact form, or `None` for the invoice without one.
    reference: Option<&'static str>,
    buyer_name: &'static str,
    buyer_email: &'static str,
    /// The buyer's business id, or `None` for a consumer.
    buyer_business_id: Option<&'static str>,
    /// The external id of the account in `accounts.json`.
    account: &'static str,
}

const INVOICES: [ExpectedInvoice; 8] = [
    ExpectedInvoice {
        file: FINVOICE_CONSUMERS,
        number: "4087",
        issue_date: (2026, 1, 30),
        due_date: (2026, 2, 13),
        amount: "38.93",
        reference: Some("10140879"),
        buyer_name: "Aino Lehtovaara",
        buyer_email: "aino.lehtovaara@example.fi",
        buyer_business_id: None,
        account: "101",
    },
    ExpectedInvoice {
        file: FINVOICE_SINGLE,
        number: "4093",
        issue_date: (2026, 2, 6),
        due_date: (2026, 2, 20),
        amount: "2371.53",
        reference: Some("20140937"),
        buyer_name: "Kahvila Koivunlehti Oy",
        buyer_email: "ostolaskut@koivunlehti.example.fi",
        buyer_business_id: Some("3972053-1"),
        account: "201",
    },
    ExpectedInvoice {
        file: PEPPOL_INVOICE,
        number: "4096",
        issue_date: (2026, 2, 11),
        due_date: (2026, 3, 13),
        amount: "552.84",
        reference: None,
        buyer_name: "Toimistopalvelu Harjula Oy",
        buyer_email: "ostolaskut@harjula.example.fi",
        buyer_business_id: Some("3984350-7"),
        account: "202",
    },
    ExpectedInvoice {
        file: FINVOICE_SWEDISH,
        number: "4098",
        issue_date: (2026, 2, 13),
        due_date: (2026, 2, 27),
        amount: "502.60",
        reference: Some("20340986"),
        buyer_name: "Skärgårdens Kafé Ab",
        buyer_email: "faktura@skargardenskafe.example.fi",
        buyer_business_id: Some("3990625-6"),
        account: "203",
    },
    ExpectedInvoice {
        file: FINVOICE_CONSUMERS,
        number: "4103",
        issue_date: (2026, 2, 20),
        due_date: (2026, 3, 6),
        amount: "120.48",
        reference: Some("10241037"),
        buyer_name: "Emily Carter",
        buyer_email: "emily.carter@example.com",
        buyer_business_id: None,
        account: "102",
    },
    ExpectedInvoice {
        file: FINVOICE_SWEDISH,
        number: "4104",
        issue_date: (2026, 2, 20),
        due_date: (2026, 3, 20),
        amount: "50.62",
        reference: Some("10341047"),
        buyer_name: "Johan Sandberg",
        buyer_email: "johan.sandberg@example.fi",
        buyer_business_id: None,
        account: "103",
    },
    ExpectedInvoice {
        file: FINVOICE_CONSUMERS,
        number: "4110",
        issue_date: (2026, 2, 27),
        due_date: (2026, 3, 20),
        amount: "31.44",
        reference: Some("RF1810241105"),
        buyer_name: "Emily Carter",
        buyer_email: "emily.carter@example.com",
        buyer_business_id: None,
        account: "102",
    },
    ExpectedInvoice {
        file: FINVOICE_CONSUMERS,
        number: "4112",
        issue_date: (2026, 2, 27),
        due_date: (2026, 3, 6),
        amount: "26.49",
        reference: Some("10141124"),
        buyer_name: "Aino Lehtovaara",
        buyer_email: "aino.lehtovaara@example.fi",
        buyer_business_id: None,
        account: "101",
    },
];

/// What a payment of the statement does, as the README table lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    PaysInFull(&'static str),
    PaysInPart(&'static str),
    MatchesNothing,
}

/// One incoming payment of the statement.
struct ExpectedPayment {
    amount: &'static str,
    booking_date: (i32, u32, u32),
    payment_date: (i32, u32, u32),
    reference: &'static str,
    source: ReferenceSource,
    archive_id: &'static str,
    payer: &'static str,
    effect: Effect,
}

const PAYMENTS: [ExpectedPayment; 5] = [
    ExpectedPayment {
        amount: "50.00",
        booking_date: (2026, 3, 10),
        payment_date: (2026, 3, 9),
        reference: "10241037",
        source: ReferenceSource::Structured,
        archive_id: "260310KP0000214-1",
        payer: "EMILY CARTER",
        effect: Effect::PaysInPart("4103"),
    },
    ExpectedPayment {
        amount: "50.62",
        booking_date: (2026, 3, 18),
        payment_date: (2026, 3, 17),
        reference: "10341047",
        source: ReferenceSource::Structured,
        archive_id: "260318KP0000377-1",
        payer: "JOHAN SANDBERG",
        effect: Effect::PaysInFull("4104"),
    },
    ExpectedPayment {
        amount: "45.00",
        booking_date: (2026, 3, 18),
        payment_date: (2026, 3, 17),
        reference: "10440993",
        source: ReferenceSource::Structured,
        archive_id: "260318KP0000377-2",
        payer: "ILKKA RAUTIAINEN",
        effect: Effect::MatchesNothing,
    },
    ExpectedPayment {
        amount: "31.44",
        booking_date: (2026, 3, 19),
        payment_date: (2026, 3, 19),
        reference: "RF1810241105",
        source: ReferenceSource::FreeText,
        archive_id: "260319KP0000402-1",
        payer: "EMILY CARTER",
        effect: Effect::PaysInFull("4110"),
    },
    ExpectedPayment {
        amount: "1000.00",
        booking_date: (2026, 3, 25),
        payment_date: (2026, 3, 24),
        reference: "20140937",
        source: ReferenceSource::Structured,
        archive_id: "260325KP0000538-1",
        payer: "KAHVILA KOIVUNLEHTI OY",
        effect: Effect::PaysInPart("4093"),
    },
];

fn demo_file(name: &str) -> Vec<u8> {
    let path = PathBuf::from(DEMO_DIR).join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn invoice_file(name: &str) -> InvoiceFile {
    parse_invoice_file(&demo_file(name))
        .unwrap_or_else(|error| panic!("{name} does not parse as an invoice file: {error}"))
}

fn demo_json(name: &str) -> Value {
    serde_json::from_slice(&demo_file(name))
        .unwrap_or_else(|error| panic!("{name} is not valid JSON: {error}"))
}

fn eur(amount: &str) -> Money {
    Money::parse(amount, Currency::EUR)
        .unwrap_or_else(|error| panic!("invalid test amount {amount}: {error}"))
}

fn date((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| panic!("invalid test date {year}-{month}-{day}"))
}

/// Lists each warning as (code, item, line), in order.
fn warning_list(list: &[Warning]) -> Vec<(&'static str, Option<usize>, Option<usize>)> {
    list.iter()
        .map(|warning| {
            (
                warning.code(),
                warning.item,
                warning.position.as_ref().map(|position| position.line),
            )
        })
        .collect()
}

fn compact_reference(invoice: &ParsedInvoice) -> Option<&str> {
    invoice
        .reference
        .as_ref()
        .and_then(|reference| reference.parsed.as_ref())
        .map(PaymentReference::as_str)
}

fn payment_reference(payment: &ParsedPayment) -> Option<&PaymentReference> {
    payment
        .reference
        .as_ref()
        .and_then(|reference| reference.parsed.as_ref())
}

/// Returns the text of every `<name>` element in file order. It suits only elements whose text is
/// ASCII, because ASCII is the same in every encoding the demo files use.
fn element_texts(bytes: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    text.split(open.as_str())
        .skip(1)
        .filter_map(|rest| rest.split_once(close.as_str()))
        .map(|(value, _)| value.to_owned())
        .collect()
}

/// Parses every invoice file and returns its documents, each with the name of its file.
fn all_documents() -> Vec<(&'static str, ParsedInvoice)> {
    INVOICE_FILES
        .iter()
        .flat_map(|name| {
            invoice_file(name)
                .documents
                .into_iter()
                .map(move |document| (*name, document))
        })
        .collect()
}

#[test]
fn finvoice_single_invoice_latin9() {
    let bytes = demo_file(FINVOICE_SINGLE);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file must stay in ISO-8859-15, whose bytes for ä and ö are not UTF-8"
    );

    let file = parse_invoice_file(&bytes).unwrap();
    assert_eq!(file.format, InvoiceFormat::Finvoice);
    assert_eq!(file.version, "3.0");
    assert_eq!(file.documents.len(), 1);
    assert_eq!(
        file.documents[0]
            .seller
            .address
            .as_ref()
            .unwrap()
            .town
            .as_deref(),
        Some("Ylöjärvi")
    );
    assert_eq!(
        warning_list(&file.warnings),
        vec![
            ("amount_thousands_separator", Some(0), Some(75)),
            ("amount_thousands_separator", Some(0), Some(164)),
        ]
    );
}

#[test]
fn finvoice_consumer_batch_with_envelopes() {
    let bytes = demo_file(FINVOICE_CONSUMERS);
    assert!(std::str::from_utf8(&bytes).is_ok(), "the file is UTF-8");
    assert_eq!(element_texts(&bytes, "eb:MessageId").len(), 4);

    let file = parse_invoice_file(&bytes).unwrap();
    assert_eq!(file.format, InvoiceFormat::Finvoice);
    assert_eq!(file.version, "3.0");
    let numbers: Vec<&str> = file
        .documents
        .iter()
        .map(|doc| doc.number.as_str())
        .collect();
    assert_eq!(numbers, ["4087", "4103", "4110", "4112"]);
    assert!(
        file.warnings.is_empty(),
        "unexpected warnings: {:?}",
        file.warnings
    );
}

#[test]
fn finvoice_2_01_swedish_batch() {
    let bytes = demo_file(FINVOICE_SWEDISH);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file must stay in ISO-8859-15, whose bytes for å, ä and ö are not UTF-8"
    );

    let file = parse_invoice_file(&bytes).unwrap();
    assert_eq!(file.format, InvoiceFormat::Finvoice);
    assert_eq!(file.version, "2.01");
    let numbers: Vec<&str> = file
        .documents
        .iter()
        .map(|doc| doc.number.as_str())
        .collect();
    assert_eq!(numbers, ["4098", "4104"]);
    assert_eq!(
        file.documents[0].buyer.name.as_deref(),
        Some("Skärgårdens Kafé Ab")
    );
    assert!(
        file.warnings.is_empty(),
        "unexpected warnings: {:?}",
        file.warnings
    );
}

#[test]
fn peppol_invoice_without_reference() {
    let file = invoice_file(PEPPOL_INVOICE);
    assert_eq!(file.format, InvoiceFormat::Ubl);
    assert_eq!(file.version, BIS_3_0);
    assert_eq!(file.documents.len(), 1);

    let invoice = &file.documents[0];
    assert_eq!(invoice.kind, DocumentKind::Invoice);
    assert_eq!(invoice.reference, None);
    assert_eq!(invoice.gross_total, eur("552.84"));
    assert_eq!(invoice.prepaid, eur("0.00"));
    assert!(
        file.warnings.is_empty(),
        "unexpected warnings: {:?}",
        file.warnings
    );
}

#[test]
fn peppol_credit_note_corrects_4096() {
    let file = invoice_file(PEPPOL_CREDIT_NOTE);
    assert_eq!(file.format, InvoiceFormat::Ubl);
    assert_eq!(file.version, BIS_3_0);
    assert_eq!(file.documents.len(), 1);

    let note = &file.documents[0];
    assert_eq!(note.kind, DocumentKind::CreditNote);
    assert_eq!(note.number, "4105");
    assert_eq!(note.issue_date, date((2026, 2, 24)));
    assert_eq!(note.due_date, None);
    assert_eq!(note.currency, Currency::EUR);
    assert_eq!(note.gross_total, eur("55.85"));
    assert_eq!(note.amount_payable, eur("55.85"));
    assert_eq!(note.reference, None);
    assert_eq!(note.corrected_invoice_number.as_deref(), Some("4096"));
    assert_eq!(
        note.buyer.email.as_deref(),
        Some("ostolaskut@harjula.example.fi")
    );
    assert!(
        file.warnings.is_empty(),
        "unexpected warnings: {:?}",
        file.warnings
    );
}

#[test]
fn invoices_match_scenario() {
    let documents = all_documents();
    let invoices: Vec<&(&str, ParsedInvoice)> = documents
        .iter()
        .filter(|(_, document)| document.kind == DocumentKind::Invoice)
        .collect();
    assert_eq!(invoices.len(), INVOICES.len());

    for expected in &INVOICES {
        let number = expected.number;
        let Some((file, invoice)) = invoices
            .iter()
            .map(|entry| (entry.0, &entry.1))
            .find(|(_, invoice)| invoice.number == number)
        else {
            panic!("invoice {number} is missing");
        };

        assert_eq!(file, expected.file, "file of invoice {number}");
        assert_eq!(
            invoice.issue_date,
            date(expected.issue_date),
            "issue date of invoice {number}"
        );
        assert_eq!(
            invoice.due_date,
            Some(date(expected.due_date)),
            "due date of invoice {number}"
        );
        assert_eq!(
            invoice.currency,
            Currency::EUR,
            "currency of invoice {number}"
        );
        assert_eq!(
            invoice.amount_payable,
            eur(expected.amount),
            "amount payable of invoice {number}"
        );
        assert_eq!(
            invoice.gross_total,
            eur(expected.amount),
            "gross total of invoice {number}"
        );
        assert_eq!(
            compact_reference(invoice),
            expected.reference,
            "reference of invoice {number}"
        );
        assert_eq!(
            invoice.buyer.name.as_deref(),
            Some(expected.buyer_name),
            "buyer of invoice {number}"
        );
        assert_eq!(
            invoice.buyer.email.as_deref(),
            Some(expected.buyer_email),
            "buyer e-mail of invoice {number}"
        );
        assert_eq!(
            invoice
                .buyer
                .organisation_id
                .as_ref()
                .map(|id| id.id.as_str()),
            expected.buyer_business_id,
            "buyer business id of invoice {number}"
        );
    }
}

#[test]
fn every_document_names_the_roastery() {
    let iban = Iban::parse(SELLER_IBAN).unwrap();
    let bic = Bic::parse(SELLER_BIC).unwrap();

    for (file, document) in all_documents() {
        let number = &document.number;
        assert_eq!(
            document.seller.name.as_deref(),
            Some(SELLER_NAME),
            "seller of {number} in {file}"
        );
        assert_eq!(
            document
                .seller
                .organisation_id
                .as_ref()
                .map(|id| id.id.as_str()),
            Some(SELLER_BUSINESS_ID),
            "seller business id of {number} in {file}"
        );
        if document.kind == DocumentKind::Invoice {
            assert_eq!(document.seller_iban, Some(iban.clone()), "IBAN of {number}");
            assert_eq!(document.seller_bic, Some(bic.clone()), "BIC of {number}");
        }
    }
}

#[test]
fn finvoice_barcodes_match_invoices() {
    for name in [FINVOICE_SINGLE, FINVOICE_CONSUMERS, FINVOICE_SWEDISH] {
        let bytes = demo_file(name);
        let printed = element_texts(&bytes, "VirtualBankBarcode");
        let file = parse_invoice_file(&bytes).unwrap();
        assert_eq!(printed.len(), file.documents.len(), "barcodes in {name}");

        for (invoice, printed) in file.documents.iter().zip(&printed) {
            let reference = invoice.reference.as_ref().unwrap().parsed.as_ref().unwrap();
            let expected = VirtualBarcode::for_invoice(
                invoice.seller_iban.as_ref().unwrap(),
                Some(invoice.amount_payable),
                reference,
                invoice.due_date,
            )
            .unwrap();
            assert_eq!(
                printed,
                &expected.to_digits(),
                "barcode of invoice {}",
                invoice.number
            );
        }
    }
}

#[test]
fn finvoice_languages_match_accounts() {
    let accounts = demo_json("accounts.json");
    for name in [FINVOICE_SINGLE, FINVOICE_CONSUMERS, FINVOICE_SWEDISH] {
        let bytes = demo_file(name);
        let languages = element_texts(&bytes, "InvoiceRecipientLanguageCode");
        let file = parse_invoice_file(&bytes).unwrap();
        assert_eq!(languages.len(), file.documents.len(), "languages in {name}");

        for (invoice, language) in file.documents.iter().zip(&languages) {
            let expected = INVOICES
                .iter()
                .find(|expected| expected.number == invoice.number)
                .unwrap();
            assert_eq!(
                accounts[expected.account]["locale"].as_str(),
                Some(language.to_ascii_lowercase().as_str()),
                "locale of the account of invoice {}",
                invoice.number
            );
            assert_eq!(
                invoice.recipient_language.as_deref(),
                Some(language.to_ascii_lowercase().as_str()),
                "parsed language of invoice {}",
                invoice.number
            );
        }
    }
}

#[test]
fn customer_numbers_name_accounts() {
    for (file, invoice) in all_documents() {
        let expected = INVOICES
            .iter()
            .find(|expected| expected.number == invoice.number)
            .map_or("202", |expected| expected.account);
        assert_eq!(
            invoice.customer_number.as_deref(),
            Some(expected),
            "customer number of {} in {file}",
            invoice.number
        );
    }
}

#[test]
fn accounts_cover_every_buyer() {
    let accounts = demo_json("accounts.json");
    let accounts = accounts.as_object().unwrap();
    let mut external_ids: Vec<&str> = INVOICES.iter().map(|invoice| invoice.account).collect();
    external_ids.sort_unstable();
    external_ids.dedup();
    assert_eq!(
        accounts.keys().map(String::as_str).collect::<Vec<_>>(),
        external_ids
    );

    for expected in &INVOICES {
        let account = &accounts[expected.account];
        let number = expected.number;
        assert_eq!(
            account["name"].as_str(),
            Some(expected.buyer_name),
            "account name for invoice {number}"
        );
        assert_eq!(
            account["emails"],
            serde_json::json!([expected.buyer_email]),
            "account e-mails for invoice {number}"
        );
        let debtor_type = if expected.buyer_business_id.is_some() {
            "business"
        } else {
            "consumer"
        };
        assert_eq!(
            account["debtor_type"].as_str(),
            Some(debtor_type),
            "debtor type for invoice {number}"
        );
    }

    let locales: Vec<&str> = accounts
        .values()
        .filter_map(|account| account["locale"].as_str())
        .collect();
    for locale in ["fi", "sv", "en"] {
        assert!(locales.contains(&locale), "no account uses locale {locale}");
    }
}

#[test]
fn tenant_matches_seller() {
    let tenant = demo_json("tenant.json");
    assert_eq!(tenant["name"].as_str(), Some(SELLER_NAME));
    assert_eq!(tenant["business_id"].as_str(), Some(SELLER_BUSINESS_ID));
    assert_eq!(tenant["iban"].as_str(), Some(SELLER_IBAN));
    assert_eq!(tenant["bic"].as_str(), Some(SELLER_BIC));
    assert_eq!(tenant["time_zone"].as_str(), Some("Europe/Helsinki"));
}

#[test]
fn statement_payments_match_scenario() {
    let file = parse_bank_file(&demo_file(STATEMENT)).unwrap();
    assert_eq!(file.format, BankFormat::Camt054);
    assert_eq!(file.version.as_deref(), Some("001.08"));
    assert_eq!(file.account, Some(Iban::parse(SELLER_IBAN).unwrap()));
    assert_eq!(file.skipped.debit_entries, 1);
    assert_eq!(file.skipped.unbooked_entries, 0);
    assert_eq!(file.skipped.opposite_transactions, 0);
    assert_eq!(file.payments.len(), PAYMENTS.len());

    for (index, (payment, expected)) in file.payments.iter().zip(&PAYMENTS).enumerate() {
        assert_eq!(
            payment.amount,
            eur(expected.amount),
            "amount of payment {index}"
        );
        assert_eq!(
            payment.booking_date,
            date(expected.booking_date),
            "booking date of payment {index}"
        );
        assert_eq!(
            payment.payment_date,
            date(expected.payment_date),
            "payment date of payment {index}"
        );
        assert_eq!(
            payment_reference(payment).map(PaymentReference::as_str),
            Some(expected.reference),
            "reference of payment {index}"
        );
        assert_eq!(
            payment.reference_source, expected.source,
            "reference source of payment {index}"
        );
        assert_eq!(
            payment.archive_id, expected.archive_id,
            "archive id of payment {index}"
        );
        assert_eq!(
            payment.payer_name.as_deref(),
            Some(expected.payer),
            "payer of payment {index}"
        );
        assert!(!payment.reversal, "payment {index} is not a reversal");
    }

    assert_eq!(
        warning_list(&file.warnings),
        vec![("reference_from_free_text", Some(3), Some(300))]
    );
}

#[test]
fn statement_effects_follow_from_references() {
    let statement = parse_bank_file(&demo_file(STATEMENT)).unwrap();
    let documents = all_documents();
    assert_eq!(statement.payments.len(), PAYMENTS.len());

    for (index, (payment, expected)) in statement.payments.iter().zip(&PAYMENTS).enumerate() {
        let key = payment_reference(payment).unwrap().matching_key();
        let invoice = documents
            .iter()
            .map(|(_, document)| document)
            .find(|document| {
                document
                    .reference
                    .as_ref()
                    .and_then(|reference| reference.parsed.as_ref())
                    .is_some_and(|reference| reference.matching_key() == key)
            });

        let effect = match invoice {
            None => Effect::MatchesNothing,
            Some(invoice) if payment.amount == invoice.amount_payable => {
                Effect::PaysInFull(scenario_number(&invoice.number))
            }
            Some(invoice) => {
                assert!(
                    payment.amount.amount() < invoice.amount_payable.amount(),
                    "payment {index} pays more than invoice {}",
                    invoice.number
                );
                Effect::PaysInPart(scenario_number(&invoice.number))
            }
        };
        assert_eq!(effect, expected.effect, "effect of payment {index}");
    }
}

/// Returns the number in `INVOICES` equal to `number`, which is `'static` so that `Effect` can hold it.
fn scenario_number(number: &str) -> &'static str {
    INVOICES
        .iter()
        .map(|invoice| invoice.number)
        .find(|known| *known == number)
        .unwrap_or_else(|| panic!("invoice {number} is not in the scenario"))
}
