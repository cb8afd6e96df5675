//! A fictional consumer case for demos, documentation and tests: Lumipuu Oy reminds Maija
//! Meikäläinen of two invoices, one of them with penalty interest.
//!
//! The figures are consistent. Invoice 2026-0142 of 1 234,56 € fell due on 14 Feb 2026. It
//! carries 9,5 % penalty interest for the 30 days from 15 Feb to 16 Mar, which is 9,64 €: the
//! reference rate of 2,5 % for 2026 H1 plus the 7 points of the Interest Act 633/1982. Invoice 2026-0188
//! of 89,90 € is unpaid as well, and the reminder of 17 Mar adds a 5,00 € fee, for 1 339,10 € in
//! all. The final demand of 14 Apr adds a second 5,00 € fee, for 1 344,10 €, and the hand-over
//! notice claims the same. The domains are `.example` names reserved by RFC 2606.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use vahti_domain::ident::{Bic, Iban, PaymentReference};
use vahti_domain::{Currency, Money};

use crate::Locale;
use crate::model::{
    Agency, Creditor, Debtor, DisputeTerms, FeeKind, FeeLine, Instalment, InterestLine,
    InvoiceLine, MessageInput, MessageKind, ReceivedPayment,
};

/// Builds the example message of `kind` in `locale`.
///
/// The friendly reminder carries no fee or interest. The thank-you lists both invoices as paid.
/// Every other kind carries the interest and the reminder's 5,00 € fee, and the final demand and
/// the hand-over notice also carry the final demand's 5,00 € fee.
pub fn message(kind: MessageKind, locale: Locale) -> MessageInput {
    let with_charges = !matches!(
        kind,
        MessageKind::FriendlyReminder | MessageKind::PaymentThanks
    );
    let paid = kind == MessageKind::PaymentThanks;

    let interest = if with_charges {
        vec![InterestLine {
            rate_percent: Decimal::new(95, 1),
            first_day: day(2026, 2, 15),
            last_day: day(2026, 3, 16),
            amount: eur(964),
        }]
    } else {
        Vec::new()
    };
    let invoices = vec![
        InvoiceLine {
            number: "2026-0142".to_owned(),
            invoice_date: day(2026, 1, 15),
            original_due_date: day(2026, 2, 14),
            original_amount: eur(123_456),
            outstanding_principal: if paid { eur(0) } else { eur(123_456) },
            interest,
        },
        InvoiceLine {
            number: "2026-0188".to_owned(),
            invoice_date: day(2026, 2, 1),
            original_due_date: day(2026, 3, 3),
            original_amount: eur(8_990),
            outstanding_principal: if paid { eur(0) } else { eur(8_990) },
            interest: Vec::new(),
        },
    ];
    let reminder_fee = |charged_by, charged_on| FeeLine {
        kind: FeeKind::ReminderFee,
        amount: eur(500),
        charged_by: Some(charged_by),
        charged_on: Some(charged_on),
    };
    let after_final_demand = matches!(
        kind,
        MessageKind::FinalDemand | MessageKind::CollectionHandover
    );
    let mut fees = Vec::new();
    if with_charges {
        fees.push(reminder_fee(MessageKind::Reminder, day(2026, 3, 17)));
    }
    if after_final_demand {
        fees.push(reminder_fee(MessageKind::FinalDemand, day(2026, 4, 14)));
    }

    let total = match kind {
        MessageKind::PaymentThanks => eur(0),
        MessageKind::FriendlyReminder => eur(132_446),
        MessageKind::FinalDemand | MessageKind::CollectionHandover => eur(134_410),
        _ => eur(133_910),
    };
    let issue_date = match kind {
        MessageKind::FriendlyReminder => day(2026, 3, 6),
        MessageKind::FinalDemand => day(2026, 4, 14),
        MessageKind::CollectionHandover => day(2026, 5, 5),
        _ => day(2026, 3, 17),
    };
    let new_due_date = match kind {
        MessageKind::FriendlyReminder => Some(day(2026, 3, 20)),
        MessageKind::Reminder => Some(day(2026, 3, 31)),
        MessageKind::FinalDemand => Some(day(2026, 4, 28)),
        _ => None,
    };
    let dispute_deadline = new_due_date.unwrap_or(day(2026, 5, 19));

    MessageInput {
        kind,
        issue_date,
        creditor: creditor(),
        debtor: Debtor {
            name: "Maija Meikäläinen".to_owned(),
            email: "maija.meikalainen@example.com".to_owned(),
            locale,
            country: None,
        },
        invoices,
        fees,
        total,
        ledger_balance: total,
        reference: reference(),
        new_due_date,
        dispute: DisputeTerms {
            deadline: dispute_deadline,
            email: "reskontra@lumipuu.example".to_owned(),
            phone: Some("+358 9 4242 4242".to_owned()),
            self_service_url: Some("https://maksut.lumipuu.example/a/7Hq2xK9v".to_owned()),
        },
        agency: (kind == MessageKind::CollectionHandover).then(|| Agency {
            name: "Perintä Esimerkki Oy".to_owned(),
            email: Some("asiakaspalvelu@perinta.example".to_owned()),
            phone: Some("+358 9 7654 3210".to_owned()),
            website: Some("https://perinta.example".to_owned()),
        }),
        instalments: if kind == MessageKind::PaymentPlanConfirmation {
            vec![
                Instalment {
                    due_date: day(2026, 4, 15),
                    amount: eur(44_637),
                },
                Instalment {
                    due_date: day(2026, 5, 15),
                    amount: eur(44_637),
                },
                Instalment {
                    due_date: day(2026, 6, 15),
                    amount: eur(44_636),
                },
            ]
        } else {
            Vec::new()
        },
        received: paid.then(|| ReceivedPayment {
            amount: eur(133_910),
            date: day(2026, 3, 25),
        }),
    }
}

fn creditor() -> Creditor {
    Creditor {
        name: "Lumipuu Oy".to_owned(),
        business_id: "1234567-1".to_owned(),
        address: vec!["Esimerkkikatu 1 A".to_owned(), "00100 Helsinki".to_owned()],
        country: Some("FI".to_owned()),
        email: "laskutus@lumipuu.example".to_owned(),
        phone: Some("+358 9 4242 4242".to_owned()),
        iban: Iban::parse("FI49 5000 9420 0287 30")
            .unwrap_or_else(|error| panic!("the example IBAN is invalid: {error}")),
        bic: Bic::parse("OKOYFIHH").ok(),
    }
}

fn reference() -> PaymentReference {
    // 200142 with its check digit 1.
    PaymentReference::parse("20 01421")
        .unwrap_or_else(|error| panic!("the example reference is invalid: {error}"))
}

fn eur(cents: i64) -> Money {
    Money::from_minor_units(cents, Currency::EUR)
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

/// Moves every amount of `input` into `currency`, for tests of currencies other than the euro.
#[cfg(test)]
pub(crate) fn convert_currency(input: &mut MessageInput, currency: Currency) {
    let convert = |money: &mut Money| *money = Money::new(money.amount(), currency);
    convert(&mut input.total);
    convert(&mut input.ledger_balance);
    for invoice in &mut input.invoices {
        convert(&mut invoice.original_amount);
        convert(&mut invoice.outstanding_principal);
        for line in &mut invoice.interest {
            convert(&mut line.amount);
        }
    }
    for fee in &mut input.fees {
        convert(&mut fee.amount);
    }
    for instalment in &mut input.instalments {
        convert(&mut instalment.amount);
    }
    if let Some(received) = &mut input.received {
        convert(&mut received.amount);
    }
}
