//! Snapshots of every message kind in every locale, plain text and HTML, rendered from the
//! fictional example case. A change in wording or layout shows up as a reviewable diff.

#![expect(
    clippy::unwrap_used,
    reason = "the helper outside #[test] functions unwraps the valid example case"
)]

use vahti_mail::Locale;
use vahti_mail::example;
use vahti_mail::model::{MessageKind, RenderModel};
use vahti_mail::overrides::TemplateOverrides;
use vahti_mail::render::render;

/// The Content-ID the HTML references for the QR image.
const QR_CONTENT_ID: &str = "epc-qr.4711@lumipuu.example";

fn assert_kind_snapshots(kind: MessageKind) {
    for locale in Locale::ALL {
        let model = RenderModel::new(example::message(kind, locale)).unwrap();
        let rendered = render(&model, &TemplateOverrides::new(), QR_CONTENT_ID).unwrap();
        let name = format!("{}_{}", kind.as_str(), locale.tag());

        insta::assert_snapshot!(
            format!("{name}_text"),
            format!("Subject: {}\n\n{}", rendered.subject, rendered.text)
        );
        insta::assert_snapshot!(format!("{name}_html"), rendered.html);
    }
}

#[test]
fn friendly_reminder_snapshots() {
    assert_kind_snapshots(MessageKind::FriendlyReminder);
}

#[test]
fn reminder_snapshots() {
    assert_kind_snapshots(MessageKind::Reminder);
}

#[test]
fn final_demand_snapshots() {
    assert_kind_snapshots(MessageKind::FinalDemand);
}

#[test]
fn collection_handover_snapshots() {
    assert_kind_snapshots(MessageKind::CollectionHandover);
}

#[test]
fn payment_plan_confirmation_snapshots() {
    assert_kind_snapshots(MessageKind::PaymentPlanConfirmation);
}

#[test]
fn payment_thanks_snapshots() {
    assert_kind_snapshots(MessageKind::PaymentThanks);
}

/// Renders the example reminder in `locale` to a debtor who lives in `debtor_country`.
fn reminder_text(locale: Locale, debtor_country: Option<&str>) -> String {
    let mut input = example::message(MessageKind::Reminder, locale);
    input.debtor.country = debtor_country.map(str::to_owned);
    let model = RenderModel::new(input).unwrap();
    render(&model, &TemplateOverrides::new(), QR_CONTENT_ID)
        .unwrap()
        .text
}

#[test]
fn creditor_country_named_in_locale() {
    let cases = [
        (Locale::Finnish, "00100 Helsinki, Suomi"),
        (Locale::Swedish, "00100 Helsinki, Finland"),
        (Locale::English, "00100 Helsinki, Finland"),
    ];
    for (locale, line) in cases {
        let text = reminder_text(locale, Some("SE"));
        assert!(text.contains(line), "{locale}: {text}");
        assert!(!text.contains(", FI\n"), "{locale}: {text}");
    }
}

#[test]
fn creditor_country_omitted_for_domestic_debtor() {
    let text = reminder_text(Locale::Finnish, Some("FI"));

    assert!(
        text.contains("Esimerkkikatu 1 A, 00100 Helsinki\n"),
        "{text}"
    );
    assert!(!text.contains("Suomi"), "{text}");
}
