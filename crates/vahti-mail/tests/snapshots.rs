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
