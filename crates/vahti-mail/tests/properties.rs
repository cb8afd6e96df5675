//! Properties of rendering over arbitrary names, amounts, kinds and locales: nothing panics, and
//! every message that renders shows the total and the reference in its plain-text part.

use proptest::prelude::*;
use vahti_domain::{Currency, Money};
use vahti_mail::model::{MessageInput, MessageKind, RenderModel};
use vahti_mail::overrides::TemplateOverrides;
use vahti_mail::render::render;
use vahti_mail::{Locale, OutboxId, SenderIdentity, build_message, example, format};

fn sender() -> SenderIdentity {
    SenderIdentity {
        from_name: "Lumipuu Oy".to_owned(),
        from_address: "laskutus@lumipuu.example".to_owned(),
        reply_to: None,
        bcc: None,
        mail_domain: "mail.lumipuu.example".to_owned(),
    }
}

/// Replaces the names and amounts of the example case, keeping the total consistent so that
/// most cases pass validation and reach the templates.
fn input(
    kind: MessageKind,
    locale: Locale,
    creditor: String,
    debtor: String,
    invoice_number: String,
    cents: [i64; 4],
) -> MessageInput {
    let mut input = example::message(kind, locale);
    input.creditor.name = creditor;
    input.debtor.name = debtor;
    input.invoices[0].number = invoice_number;

    if kind == MessageKind::PaymentThanks {
        return input;
    }
    let eur = |cents| Money::from_minor_units(cents, Currency::EUR);
    let [first, second, interest, fee] = cents;
    input.invoices[0].outstanding_principal = eur(first);
    input.invoices[1].outstanding_principal = eur(second);
    if let Some(line) = input.invoices[0].interest.first_mut() {
        line.amount = eur(interest);
    }
    if let Some(line) = input.fees.first_mut() {
        line.amount = eur(fee);
    }
    let total = [
        input.invoices[0].outstanding_principal,
        input.invoices[1].outstanding_principal,
        input.invoices[0]
            .interest
            .first()
            .map_or(eur(0), |line| line.amount),
    ]
    .into_iter()
    .chain(input.fees.iter().map(|fee| fee.amount))
    .try_fold(eur(0), Money::checked_add)
    .unwrap_or(eur(0));
    input.total = total;
    input.ledger_balance = total;
    if let Some(first) = input.instalments.first().cloned() {
        input.instalments = vec![vahti_mail::model::Instalment {
            due_date: first.due_date,
            amount: total,
        }];
    }
    input
}

fn kinds() -> impl Strategy<Value = MessageKind> {
    proptest::sample::select(MessageKind::ALL.to_vec())
}

fn locales() -> impl Strategy<Value = Locale> {
    proptest::sample::select(Locale::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn rendering_shows_total_and_reference(
        kind in kinds(),
        locale in locales(),
        creditor in "[\\PC&&[^\\p{Zl}\\p{Zp}]]{1,90}",
        debtor in "[\\PC&&[^\\p{Zl}\\p{Zp}]]{1,90}",
        invoice_number in "[A-Za-z0-9/<>&\"'-]{1,20}",
        cents in proptest::array::uniform4(0_i64..100_000_000_000_000),
    ) {
        prop_assume!(!creditor.trim().is_empty() && !debtor.trim().is_empty());
        let input = input(kind, locale, creditor, debtor, invoice_number, cents);
        prop_assume!(kind == MessageKind::PaymentThanks || input.total.is_positive());

        let model = RenderModel::new(input);
        prop_assert!(model.is_ok(), "{model:?}");
        let model = model.unwrap();
        let rendered = render(&model, &TemplateOverrides::new(), "qr@example");
        prop_assert!(rendered.is_ok(), "{rendered:?}");
        let rendered = rendered.unwrap();

        let total = format::money(model.total(), locale);
        prop_assert!(rendered.text.contains(&total), "no total {total} in\n{}", rendered.text);
        let reference = model.reference().to_printed();
        prop_assert!(rendered.text.contains(&reference), "no reference in\n{}", rendered.text);

        let message = build_message(
            &model,
            &TemplateOverrides::new(),
            &sender(),
            OutboxId(1),
            chrono::DateTime::UNIX_EPOCH,
        );
        prop_assert!(message.is_ok(), "{message:?}");
    }

    #[test]
    fn arbitrary_text_never_panics(
        kind in kinds(),
        locale in locales(),
        creditor in any::<String>(),
        debtor in any::<String>(),
        invoice_number in any::<String>(),
        cents in proptest::array::uniform4(any::<i64>()),
    ) {
        let input = input(kind, locale, creditor, debtor, invoice_number, cents);
        if let Ok(model) = RenderModel::new(input) {
            let _ = render(&model, &TemplateOverrides::new(), "qr@example");
            let _ = build_message(
                &model,
                &TemplateOverrides::new(),
                &sender(),
                OutboxId(i64::MAX),
                chrono::DateTime::UNIX_EPOCH,
            );
        }
    }
}
