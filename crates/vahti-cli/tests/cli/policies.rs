//! `vahti policies validate` offline, on good and bad policy files.

use crate::support::{closed_port, vahti, write};

const GOOD: &str = r#"
name = "Consumer standard"
debtor_type = "consumer"

[min_overdue_amount]
EUR = "10.00"

[[steps]]
key = "friendly_reminder"
kind = "friendly_reminder"
offset_days = 7
offset_from = "due_date"
interest = "show"
payment_period_days = 14

[[steps]]
key = "reminder"
kind = "reminder"
offset_days = 14
offset_from = "previous_step"
interest = "charge"
payment_period_days = 14
fee = { kind = "reminder_fee", fixed = "5.00" }

[[steps]]
key = "collection_handover"
kind = "collection_handover"
offset_days = 14
offset_from = "previous_step"
interest = "charge"
payment_period_days = 14
approval = "required"
"#;

/// Validates offline against an address where no server listens, so a request would fail.
fn validate(path: &std::path::Path, extra: &[&str]) -> crate::support::Run {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let mut args = vec!["--url", url.as_str(), "policies", "validate"];
    args.extend_from_slice(extra);
    let path = path.to_str().unwrap();
    args.push(path);
    vahti(&args)
}

#[test]
fn good_policy_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "consumer.toml", GOOD);

    let run = validate(&path, &[]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains("consumer.toml: valid"),
        "{}",
        run.stdout
    );
}

#[test]
fn bad_policy_names_rules() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD
        .replace(r#"fixed = "5.00""#, r#"fixed = "25.00""#)
        .replace("offset_days = 14\noffset_from = \"previous_step\"\ninterest = \"charge\"\npayment_period_days = 14\nfee", "offset_days = 2\noffset_from = \"previous_step\"\ninterest = \"charge\"\npayment_period_days = 14\nfee");
    let path = write(dir.path(), "expensive.toml", &bad);

    let run = validate(&path, &[]);

    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(
        run.stdout.contains("expensive.toml: invalid"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("consumer_fee_cap"), "{}", run.stdout);
    assert!(
        run.stdout.contains("consumer_fee_too_early"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("steps[1].fee.fixed"), "{}", run.stdout);
    assert!(run.stderr.contains("consumer_fee_cap"), "{}", run.stderr);
}

#[test]
fn bad_policy_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD.replace(r#"fixed = "5.00""#, r#"fixed = "25.00""#);
    let path = write(dir.path(), "expensive.toml", &bad);

    let run = validate(&path, &["--json"]);

    assert_eq!(run.code, Some(4));
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"][0]["rule"], "consumer_fee_cap");
}

#[test]
fn json_policy_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let value: toml::Value = toml::from_str(GOOD).unwrap();
    let path = write(
        dir.path(),
        "consumer.json",
        &serde_json::to_string(&value).unwrap(),
    );

    let run = validate(&path, &[]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn malformed_toml_is_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "broken.toml", "name = [\n");

    let run = validate(&path, &[]);

    assert_eq!(run.code, Some(4));
    assert!(
        run.stderr.contains("broken.toml: invalid policy TOML"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);
}

#[test]
fn unknown_field_is_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "typo.toml",
        &format!("colour = \"red\"\n{GOOD}"),
    );

    let run = validate(&path, &[]);

    assert_eq!(run.code, Some(4));
    assert!(run.stderr.contains("colour"), "{}", run.stderr);
}

#[test]
fn missing_file_is_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = validate(&dir.path().join("absent.toml"), &[]);

    assert_eq!(run.code, Some(4));
    assert!(
        run.stderr.contains("cannot read the file"),
        "{}",
        run.stderr
    );
}

#[test]
fn apply_checks_offline_first() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD.replace(r#"fixed = "5.00""#, r#"fixed = "25.00""#);
    let path = write(dir.path(), "expensive.toml", &bad);
    let url = format!("http://127.0.0.1:{}", closed_port());

    let run = vahti(&[
        "--url",
        &url,
        "--token",
        "vht_test",
        "policies",
        "apply",
        path.to_str().unwrap(),
    ]);

    assert_eq!(run.code, Some(4), "{}", run.stderr);
    assert!(run.stdout.contains("consumer_fee_cap"), "{}", run.stdout);
}

#[test]
fn example_policies_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");

    for path in &files {
        let run = validate(path, &[]);

        assert_eq!(run.code, Some(0), "{}: {}", path.display(), run.stdout);
        assert!(
            run.stdout.contains(": valid (0 errors, 0 warnings)"),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn example_policies_match_defaults() {
    use vahti_domain::policy::Policy;

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies");
    let cases = [
        ("consumer.toml", Policy::default_consumer()),
        ("business.toml", Policy::default_business()),
    ];
    for (file, default) in cases {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let policy: Policy = toml::from_str(&text).unwrap();
        assert_eq!(policy, default, "{file}");
    }
}
