//! `--help` of every command, and the units it names.

use crate::support::vahti;

const COMMANDS: &[&str] = &[
    "tenants",
    "tenants create",
    "tenants list",
    "tenants show",
    "clock",
    "clock show",
    "clock set",
    "clock advance",
    "tokens",
    "tokens create",
    "tokens list",
    "tokens revoke",
    "accounts",
    "accounts upsert",
    "accounts list",
    "accounts show",
    "invoices",
    "invoices add",
    "invoices show",
    "invoices list",
    "invoices import",
    "invoices issue",
    "invoices cancel",
    "invoices due-date",
    "payments",
    "payments add",
    "payments list",
    "payments match",
    "payments reverse",
    "payments import",
    "policies",
    "policies show",
    "policies list",
    "policies apply",
    "policies validate",
    "pending",
    "pending list",
    "pending approve",
    "pending skip",
    "webhooks",
    "webhooks list",
    "webhooks create",
    "webhooks rotate",
    "webhooks deliveries",
    "webhooks redeliver",
    "cases",
    "cases list",
    "cases show",
    "cases recall",
    "pause",
    "resume",
    "dispute",
    "dispute open",
    "dispute resolve",
    "promise",
    "remind",
    "status",
    "aging",
    "events",
    "completions",
    "demo",
];

#[test]
fn help_for_every_command() {
    for command in COMMANDS {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push("--help");
        let run = vahti(&args);

        assert_eq!(run.code, Some(0), "{command}: {}", run.stderr);
        let usage = format!("Usage: vahti {command}");
        assert!(run.stdout.contains(&usage), "{command}:\n{}", run.stdout);
        assert!(run.stdout.contains("Global options:"), "{command}");
    }
}

#[test]
fn help_lists_every_top_command() {
    let run = vahti(&["--help"]);
    let listed: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();

    let known: Vec<&str> = COMMANDS
        .iter()
        .filter(|command| !command.contains(' '))
        .copied()
        .collect();
    assert_eq!(listed, known);
}

#[test]
fn top_help_documents_exit_codes() {
    let run = vahti(&["--help"]);
    for line in [
        "0  success",
        "1  the server reported an error",
        "2  usage error",
        "3  connection error",
        "4  an input file cannot be read or is invalid",
    ] {
        assert!(run.stdout.contains(line), "{line}");
    }
}

#[test]
fn help_names_units() {
    let cases = [
        (&["invoices", "add", "--help"][..], "YYYY-MM-DD"),
        (&["invoices", "add", "--help"][..], "decimal with a dot"),
        (&["payments", "add", "--help"][..], "decimal with a dot"),
        (&["pause", "--help"][..], "YYYY-MM-DD"),
        (&["pending", "approve", "--help"][..], "INVOICE=AMOUNT"),
        (&["status", "--help"][..], "timeline entries"),
        (&["events", "--help"][..], "sequence number"),
        (&["tokens", "list", "--help"][..], "in seconds"),
        (&["webhooks", "create", "--help"][..], "Every event"),
        (
            &["webhooks", "create", "--help"][..],
            "webhooks create [OPTIONS] <URL>",
        ),
        (&["webhooks", "rotate", "--help"][..], "grace period"),
        (&["cases", "recall", "--help"][..], "1 to 1000 characters"),
        (&["clock", "advance", "--help"][..], "7d, 36h or 90m"),
        (&["clock", "set", "--help"][..], "RFC 3339"),
    ];
    for (args, text) in cases {
        let run = vahti(args);
        assert!(
            run.stdout.contains(text),
            "{args:?} should mention {text:?}"
        );
    }
}

#[test]
fn tenants_create_help_names_server_token_default() {
    let run = vahti(&["tenants", "create", "--help"]);

    let default = format!(
        "[default on the server: {}]",
        vahti_sdk::api::admin::DEFAULT_TOKEN_NAME
    );
    assert!(run.stdout.contains(&default), "{}", run.stdout);
}

#[test]
fn help_hides_token_values() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vahti"))
        .args(["tokens", "list", "--help"])
        .env("VAHTI_TOKEN", "vht_secret_value")
        .env("VAHTI_ADMIN_TOKEN", "admin_secret_value")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("vht_secret_value"));
    assert!(!stdout.contains("admin_secret_value"));
}

#[test]
fn completions_for_bash() {
    let run = vahti(&["completions", "bash"]);

    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("_vahti()"), "{}", run.stdout);
    assert!(run.stdout.contains("complete -F _vahti"));
    assert!(run.stdout.contains("invoices"));
}

#[test]
fn completions_reject_unknown_shell() {
    let run = vahti(&["completions", "cmd.exe"]);
    assert_eq!(run.code, Some(2));
}
