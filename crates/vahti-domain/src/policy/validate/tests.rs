use rust_decimal_macros::dec;

use super::*;
use crate::policy::{
    Approval, Component, FeeBase, FeeSpec, MAX_PLAN_INSTALMENTS, MAX_SELF_SERVICE_DAYS, PercentFee,
    Policy, SelfServiceApproval, SelfServiceSettings, Step, StepInterest,
};

fn rules(policy: &Policy) -> Vec<String> {
    policy
        .validate()
        .errors
        .into_iter()
        .map(|violation| violation.rule)
        .collect()
}

fn warnings(policy: &Policy) -> Vec<String> {
    policy
        .validate()
        .warnings
        .into_iter()
        .map(|violation| violation.rule)
        .collect()
}

fn fee(amount: Decimal) -> Option<FeeSpec> {
    Some(FeeSpec {
        kind: FeeKind::ReminderFee,
        fixed: amount,
        percent: None,
    })
}

fn compensation() -> Option<FeeSpec> {
    Some(FeeSpec {
        kind: FeeKind::StandardCompensation,
        fixed: dec!(40),
        percent: None,
    })
}

fn simple_step(key: &str, kind: StepKind, offset_days: u32, offset_from: OffsetBase) -> Step {
    Step {
        key: key.into(),
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

#[test]
fn default_policies_pass() {
    let consumer = Policy::default_consumer().validate();
    assert!(consumer.errors.is_empty(), "{:?}", consumer.errors);
    assert!(consumer.warnings.is_empty(), "{:?}", consumer.warnings);

    let business = Policy::default_business().validate();
    assert!(business.errors.is_empty(), "{:?}", business.errors);
    assert!(business.warnings.is_empty(), "{:?}", business.warnings);
}

#[test]
fn consumer_fee_above_five_euros() {
    let mut policy = Policy::default_consumer();
    policy.steps[1].fee = fee(dec!(5.01));
    assert_eq!(rules(&policy), ["consumer_fee_cap"]);

    let report = policy.validate();
    let violation = &report.errors[0];
    assert_eq!(violation.step.as_deref(), Some("reminder"));
    assert_eq!(violation.field, "steps[1].fee.fixed");
    assert!(violation.message.contains("5.01"));
    assert!(violation.message.contains("5.00 EUR"));
}

#[test]
fn consumer_fee_at_cap_passes() {
    let mut policy = Policy::default_consumer();
    policy.steps[1].fee = fee(dec!(5.00));
    assert!(rules(&policy).is_empty());
}

#[test]
fn consumer_percentage_fee_counts_its_max() {
    let mut policy = Policy::default_consumer();
    policy.steps[1].fee = Some(FeeSpec {
        kind: FeeKind::ReminderFee,
        fixed: dec!(3),
        percent: Some(PercentFee {
            rate: dec!(1),
            base: FeeBase::OutstandingPrincipal,
            max: dec!(2.50),
        }),
    });
    assert_eq!(rules(&policy), ["consumer_fee_cap"]);
}

#[test]
fn percentage_fee_needs_max_and_rate() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = Some(FeeSpec {
        kind: FeeKind::ReminderFee,
        fixed: dec!(0),
        percent: Some(PercentFee {
            rate: dec!(0),
            base: FeeBase::OriginalPrincipal,
            max: dec!(0),
        }),
    });
    let found = rules(&policy);
    assert!(
        found.contains(&"fee_percent_invalid".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"fee_percent_max_missing".to_owned()),
        "{found:?}"
    );
}

#[test]
fn consumer_fee_before_day_fourteen() {
    let mut policy = Policy::default_consumer();
    policy.steps[0].offset_days = 1;
    policy.steps[1].offset_days = 12;
    assert!(rules(&policy).contains(&"consumer_fee_too_early".to_owned()));
}

#[test]
fn consumer_fee_steps_thirteen_days_apart() {
    let mut policy = Policy::default_consumer();
    policy.steps[2].offset_days = 13;
    let found = rules(&policy);
    assert!(
        found.contains(&"consumer_fee_spacing".to_owned()),
        "{found:?}"
    );
}

#[test]
fn consumer_fee_steps_fourteen_days_apart_pass() {
    let mut policy = Policy::default_consumer();
    policy.steps[2].offset_days = 14;
    assert!(rules(&policy).is_empty());
}

#[test]
fn spacing_uses_nominal_days_across_bases() {
    let mut policy = Policy::default_consumer();
    policy.steps[2].offset_from = OffsetBase::DueDate;
    policy.steps[2].offset_days = 30;
    let found = rules(&policy);
    assert!(
        found.contains(&"consumer_fee_spacing".to_owned()),
        "{found:?}"
    );
}

#[test]
fn consumer_too_many_fee_reminders() {
    let mut policy = Policy::default_consumer();
    policy.max_fee_reminders = 1;
    assert_eq!(rules(&policy), ["fee_reminders_too_many"]);
}

#[test]
fn consumer_raised_fee_limit_warns() {
    let mut policy = Policy::default_consumer();
    policy.max_fee_reminders = 3;
    assert!(rules(&policy).is_empty());
    assert_eq!(warnings(&policy), ["consumer_fee_reminders_above_default"]);
}

#[test]
fn consumer_standard_compensation_rejected() {
    let mut policy = Policy::default_consumer();
    policy.steps[1].fee = compensation();
    assert!(rules(&policy).contains(&"consumer_standard_compensation".to_owned()));
}

#[test]
fn consumer_handover_needs_reminder() {
    let mut policy = Policy::default_consumer();
    policy.steps = vec![
        simple_step("call", StepKind::ManualTask, 5, OffsetBase::DueDate),
        simple_step(
            "handover",
            StepKind::CollectionHandover,
            20,
            OffsetBase::PreviousStep,
        ),
    ];
    assert_eq!(rules(&policy), ["consumer_handover_without_reminder"]);
}

#[test]
fn consumer_handover_thirteen_days_after_reminder() {
    let mut policy = Policy::default_consumer();
    policy.steps[3].offset_days = 13;
    assert_eq!(rules(&policy), ["consumer_handover_too_early"]);
}

#[test]
fn consumer_handover_counts_from_last_reminder() {
    let mut policy = Policy::default_consumer();
    policy.steps.insert(
        3,
        simple_step("call", StepKind::ManualTask, 7, OffsetBase::PreviousStep),
    );
    // The final demand runs on day 35, the call on day 42 and the hand-over on day 48: only
    // 13 days after the last reminder, although 6 days after the call.
    policy.steps[4].offset_days = 6;
    assert_eq!(rules(&policy), ["consumer_handover_too_early"]);
}

#[test]
fn consumer_allocation_order_is_fixed() {
    let mut policy = Policy::default_consumer();
    policy.allocation_order = Some(AllocationOrder::BUSINESS_DEFAULT);
    assert_eq!(rules(&policy), ["consumer_allocation_order"]);

    policy.allocation_order = Some(AllocationOrder::CONSUMER);
    assert!(rules(&policy).is_empty());
}

#[test]
fn consumer_payment_protection_minimum() {
    let mut policy = Policy::default_consumer();
    policy.payment_protection_days = 3;
    assert_eq!(rules(&policy), ["consumer_payment_protection"]);
}

#[test]
fn consumer_contractual_rate_warns() {
    let mut policy = Policy::default_consumer();
    policy.interest.contractual_rate = Some(dec!(20));
    assert!(rules(&policy).is_empty());
    assert_eq!(warnings(&policy), ["consumer_contractual_rate_capped"]);
}

#[test]
fn business_fee_above_twelve_euros() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = fee(dec!(12.01));
    assert_eq!(rules(&policy), ["business_fee_cap"]);
    policy.steps[1].fee = fee(dec!(12.00));
    assert!(rules(&policy).is_empty());
}

#[test]
fn business_fee_steps_nine_days_apart() {
    let mut policy = Policy::default_business();
    policy.steps[2].offset_days = 9;
    assert_eq!(rules(&policy), ["business_fee_spacing"]);
}

#[test]
fn business_compensation_once() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = compensation();
    policy.steps[2].fee = compensation();
    let found = rules(&policy);
    assert!(
        found.contains(&"business_compensation_twice".to_owned()),
        "{found:?}"
    );
}

#[test]
fn business_compensation_above_forty() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = Some(FeeSpec {
        kind: FeeKind::StandardCompensation,
        fixed: dec!(40.01),
        percent: None,
    });
    policy.steps[2].fee = None;
    assert_eq!(rules(&policy), ["business_compensation_cap"]);
}

#[test]
fn business_compensation_with_fees_needs_opt_in() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = compensation();
    assert_eq!(rules(&policy), ["business_compensation_with_fees"]);

    policy.allow_compensation_with_fees = true;
    assert!(rules(&policy).is_empty());
}

#[test]
fn business_compensation_alone_passes() {
    let mut policy = Policy::default_business();
    policy.steps[1].fee = compensation();
    policy.steps[2].fee = None;
    assert!(rules(&policy).is_empty());
}

#[test]
fn business_handover_nine_days_after_step() {
    let mut policy = Policy::default_business();
    policy.steps[3].offset_days = 9;
    assert_eq!(rules(&policy), ["business_handover_too_early"]);
}

#[test]
fn business_early_fee_warns() {
    let mut policy = Policy::default_business();
    policy.steps[0].offset_days = 1;
    policy.steps[1].offset_days = 3;
    assert!(rules(&policy).is_empty());
    assert_eq!(warnings(&policy), ["business_fee_early"]);
}

#[test]
fn business_allocation_order_is_free() {
    let mut policy = Policy::default_business();
    policy.allocation_order = Some(
        AllocationOrder::new([Component::Interest, Component::Principal, Component::Costs])
            .unwrap(),
    );
    assert!(rules(&policy).is_empty());
}

#[test]
fn friendly_reminder_with_fee() {
    let mut policy = Policy::default_business();
    policy.steps[0].fee = fee(dec!(5));
    let found = rules(&policy);
    assert!(found.contains(&"fee_on_step_kind".to_owned()), "{found:?}");
}

#[test]
fn steps_must_run_in_order() {
    let mut policy = Policy::default_business();
    policy.steps[1].offset_from = OffsetBase::DueDate;
    policy.steps[1].offset_days = 2;
    let found = rules(&policy);
    assert!(found.contains(&"step_order".to_owned()), "{found:?}");
}

#[test]
fn handover_must_be_last() {
    let mut policy = Policy::default_business();
    policy.steps.swap(2, 3);
    let found = rules(&policy);
    assert!(found.contains(&"handover_not_last".to_owned()), "{found:?}");
}

#[test]
fn first_step_cannot_follow_previous() {
    let mut policy = Policy::default_business();
    policy.steps[0].offset_from = OffsetBase::PreviousStep;
    assert_eq!(rules(&policy), ["first_step_from_previous"]);
}

#[test]
fn zero_offset_is_the_due_date() {
    let mut policy = Policy::default_business();
    policy.steps[0].offset_days = 0;
    assert!(rules(&policy).contains(&"step_offset_zero".to_owned()));
}

#[test]
fn step_keys_unique_and_well_formed() {
    let mut policy = Policy::default_business();
    policy.steps[1].key = "friendly_reminder".into();
    policy.steps[2].key = "Final Demand".into();
    let found = rules(&policy);
    assert!(
        found.contains(&"step_key_duplicate".to_owned()),
        "{found:?}"
    );
    assert!(found.contains(&"step_key_invalid".to_owned()), "{found:?}");
}

#[test]
fn empty_policy_rejected() {
    let mut policy = Policy::default_business();
    policy.name = " ".into();
    policy.steps.clear();
    assert_eq!(rules(&policy), ["policy_name_missing", "policy_no_steps"]);
}

#[test]
fn payment_period_bounds() {
    let mut policy = Policy::default_business();
    policy.steps[1].payment_period_days = 0;
    assert_eq!(rules(&policy), ["payment_period_invalid"]);
}

#[test]
fn into_validated_collects_every_error() {
    let mut policy = Policy::default_consumer();
    policy.steps[1].fee = fee(dec!(6));
    policy.steps[2].offset_days = 1;
    let error = policy.into_validated().unwrap_err();
    let crate::policy::PolicyError::Invalid(report) = &error else {
        panic!("unexpected error {error:?}");
    };
    assert!(report.errors.len() >= 2, "{:?}", report.errors);
    assert!(error.to_string().contains("reminder"));
}

#[test]
fn policy_round_trips_through_json() {
    let policy = Policy::default_consumer();
    let json = serde_json::to_string_pretty(&policy).unwrap();
    let back: Policy = serde_json::from_str(&json).unwrap();
    assert_eq!(back, policy);
}

#[test]
fn unknown_policy_fields_rejected() {
    let mut value = serde_json::to_value(Policy::default_consumer()).unwrap();
    value["max_fees"] = serde_json::json!(3);
    let error = serde_json::from_value::<Policy>(value).unwrap_err();
    assert!(error.to_string().contains("max_fees"), "{error}");
}

#[test]
fn allocation_order_must_be_permutation() {
    let json = r#"["principal","principal","costs"]"#;
    let error = serde_json::from_str::<AllocationOrder>(json).unwrap_err();
    assert!(error.to_string().contains("allocation order"), "{error}");
}

#[test]
fn self_service_defaults_when_absent() {
    let mut value = serde_json::to_value(Policy::default_consumer()).unwrap();
    value.as_object_mut().unwrap().remove("self_service");
    let policy: Policy = serde_json::from_value(value).unwrap();
    let settings = &policy.self_service;
    assert!(settings.enabled);
    assert_eq!(settings.max_promise_days, 14);
    assert_eq!(settings.max_extension_days, 14);
    assert_eq!(settings.extension_fee, Decimal::ZERO);
    assert_eq!(settings.plan.max_instalments, 6);
    assert_eq!(settings.plan.min_instalment, dec!(20.00));
    assert_eq!(settings.plan.fee, Decimal::ZERO);
    assert_eq!(settings.approval, SelfServiceApproval::Creditor);
}

#[test]
fn self_service_partial_section_parses() {
    let mut value = serde_json::to_value(Policy::default_consumer()).unwrap();
    value["self_service"] = serde_json::json!({"approval": "auto", "plan": {"max_instalments": 3}});
    let policy: Policy = serde_json::from_value(value).unwrap();
    assert_eq!(policy.self_service.approval, SelfServiceApproval::Auto);
    assert_eq!(policy.self_service.plan.max_instalments, 3);
    assert_eq!(policy.self_service.plan.min_instalment, dec!(20.00));
    assert_eq!(policy.self_service.max_promise_days, 14);
}

#[test]
fn self_service_unknown_field_rejected() {
    let mut value = serde_json::to_value(Policy::default_consumer()).unwrap();
    value["self_service"] = serde_json::json!({"max_plan_months": 3});
    let error = serde_json::from_value::<Policy>(value).unwrap_err();
    assert!(error.to_string().contains("max_plan_months"), "{error}");
}

#[test]
fn self_service_fee_caps_by_debtor_type() {
    let cases = [
        (DebtorType::Consumer, dec!(5.00), None),
        (DebtorType::Consumer, dec!(5.01), Some("consumer_fee_cap")),
        (DebtorType::Business, dec!(12.00), None),
        (DebtorType::Business, dec!(12.01), Some("business_fee_cap")),
        (
            DebtorType::Consumer,
            dec!(-1),
            Some("self_service_fee_negative"),
        ),
    ];
    for (debtor_type, fee, expected) in cases {
        for field in ["plan.fee", "extension_fee"] {
            let mut policy = match debtor_type {
                DebtorType::Consumer => Policy::default_consumer(),
                DebtorType::Business => Policy::default_business(),
            };
            match field {
                "plan.fee" => policy.self_service.plan.fee = fee,
                _ => policy.self_service.extension_fee = fee,
            }
            let report = policy.validate();
            let found = report
                .errors
                .iter()
                .find(|violation| violation.field == format!("self_service.{field}"))
                .map(|violation| violation.rule.as_str());
            assert_eq!(found, expected, "{debtor_type:?} {field} {fee}");
        }
    }
}

#[test]
fn self_service_days_capped() {
    let mut policy = Policy::default_consumer();
    policy.self_service.max_promise_days = MAX_SELF_SERVICE_DAYS;
    policy.self_service.max_extension_days = MAX_SELF_SERVICE_DAYS + 1;
    let report = policy.validate();
    let fields: Vec<&str> = report
        .errors
        .iter()
        .filter(|violation| violation.rule == "self_service_days_too_long")
        .map(|violation| violation.field.as_str())
        .collect();
    assert_eq!(fields, ["self_service.max_extension_days"]);
}

#[test]
fn self_service_instalment_limits() {
    let cases = [
        (0, true),
        (1, false),
        (2, true),
        (MAX_PLAN_INSTALMENTS, true),
        (MAX_PLAN_INSTALMENTS + 1, false),
    ];
    for (max_instalments, valid) in cases {
        let mut policy = Policy::default_consumer();
        policy.self_service.plan.max_instalments = max_instalments;
        let rules = rules(&policy);
        assert_eq!(
            !rules.contains(&"self_service_instalments_invalid".to_owned()),
            valid,
            "{max_instalments}: {rules:?}"
        );
    }
}

#[test]
fn self_service_negative_min_instalment() {
    let mut policy = Policy::default_consumer();
    policy.self_service.plan.min_instalment = dec!(-0.01);
    assert!(rules(&policy).contains(&"self_service_min_instalment_negative".to_owned()));
}

#[test]
fn self_service_switches() {
    let mut settings = SelfServiceSettings::default();
    assert!(settings.allows_promises());
    assert!(settings.allows_extensions());
    assert!(settings.allows_plans());
    settings.max_promise_days = 0;
    settings.max_extension_days = 0;
    settings.plan.max_instalments = 0;
    assert!(!settings.allows_promises());
    assert!(!settings.allows_extensions());
    assert!(!settings.allows_plans());
    let disabled = SelfServiceSettings {
        enabled: false,
        ..SelfServiceSettings::default()
    };
    assert!(!disabled.allows_promises());
}
