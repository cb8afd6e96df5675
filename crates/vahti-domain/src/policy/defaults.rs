//! The default policies and setting values.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::{
    Approval, CatchUp, FeeKind, FeeSpec, Grouping, InterestSettings, OffsetBase, Policy,
    SelfServiceSettings, Step, StepInterest, StepKind,
};
use crate::calendar::SendWindow;
use crate::legal::consumer;
use crate::{Currency, DebtorType};

pub(super) fn min_contact_interval_days() -> u32 {
    7
}

pub(super) fn max_fee_reminders() -> u32 {
    consumer::DEFAULT_MAX_FEE_REMINDERS
}

pub(super) fn payment_protection_days() -> u32 {
    // The consumer figure is a small positive constant, so the conversion cannot fail.
    u32::try_from(consumer::PAYMENT_PROTECTION_DAYS).unwrap_or(4)
}

fn euros(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

fn step(key: &str, kind: StepKind, offset_days: u32, offset_from: OffsetBase) -> Step {
    Step {
        key: key.to_owned(),
        kind,
        offset_days,
        offset_from,
        fee: None,
        interest: StepInterest::None,
        payment_period_days: 14,
        approval: Approval::Automatic,
        template: None,
    }
}

fn reminder_fee(cents: i64) -> Option<FeeSpec> {
    Some(FeeSpec {
        kind: FeeKind::ReminderFee,
        fixed: euros(cents),
        percent: None,
    })
}

fn common(name: &str, debtor_type: DebtorType, steps: Vec<Step>) -> Policy {
    Policy {
        name: name.to_owned(),
        debtor_type,
        steps,
        min_overdue_amount: BTreeMap::from([(Currency::EUR, euros(100))]),
        min_contact_interval_days: min_contact_interval_days(),
        send_window: SendWindow::default(),
        catch_up: CatchUp::default(),
        max_fee_reminders: max_fee_reminders(),
        grouping: Grouping::PerAccount,
        allocation_order: None,
        payment_protection_days: payment_protection_days(),
        interest: InterestSettings::default(),
        allow_compensation_with_fees: false,
        self_service: SelfServiceSettings::default(),
    }
}

/// Friendly reminder on day 7, fee-bearing reminders on days 21 and 35, hand-over on day 49
/// after approval. Every spacing meets the consumer minimums with room to spare.
pub(super) fn consumer() -> Policy {
    let friendly = Step {
        interest: StepInterest::Show,
        ..step(
            "friendly_reminder",
            StepKind::FriendlyReminder,
            7,
            OffsetBase::DueDate,
        )
    };
    let reminder = Step {
        fee: reminder_fee(500),
        interest: StepInterest::Charge,
        ..step("reminder", StepKind::Reminder, 14, OffsetBase::PreviousStep)
    };
    let final_demand = Step {
        fee: reminder_fee(500),
        interest: StepInterest::Charge,
        ..step(
            "final_demand",
            StepKind::FinalDemand,
            14,
            OffsetBase::PreviousStep,
        )
    };
    let handover = Step {
        interest: StepInterest::Charge,
        approval: Approval::Required,
        ..step(
            "collection_handover",
            StepKind::CollectionHandover,
            14,
            OffsetBase::PreviousStep,
        )
    };

    common(
        "Consumer standard",
        DebtorType::Consumer,
        vec![friendly, reminder, final_demand, handover],
    )
}

/// Friendly reminder on day 3, fee-bearing reminders on days 10 and 20, hand-over on day 30
/// after approval.
pub(super) fn business() -> Policy {
    let friendly = Step {
        interest: StepInterest::Show,
        payment_period_days: 7,
        ..step(
            "friendly_reminder",
            StepKind::FriendlyReminder,
            3,
            OffsetBase::DueDate,
        )
    };
    let reminder = Step {
        fee: reminder_fee(1000),
        interest: StepInterest::Charge,
        payment_period_days: 7,
        ..step("reminder", StepKind::Reminder, 7, OffsetBase::PreviousStep)
    };
    let final_demand = Step {
        fee: reminder_fee(1000),
        interest: StepInterest::Charge,
        payment_period_days: 7,
        ..step(
            "final_demand",
            StepKind::FinalDemand,
            10,
            OffsetBase::PreviousStep,
        )
    };
    let handover = Step {
        interest: StepInterest::Charge,
        approval: Approval::Required,
        ..step(
            "collection_handover",
            StepKind::CollectionHandover,
            10,
            OffsetBase::PreviousStep,
        )
    };

    common(
        "Business standard",
        DebtorType::Business,
        vec![friendly, reminder, final_demand, handover],
    )
}
