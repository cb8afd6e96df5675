//! `vahti policies`: collection policies, with offline validation of policy files.

use std::path::Path;

use serde::Serialize;
use vahti_domain::policy::{Policy, PolicyReport, PolicyViolation};
use vahti_sdk::api::{CreatePolicyRequest, ErrorCode, UpdatePolicyRequest};

use super::{collect, page_query};
use crate::cli::PoliciesCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Align, Output, Table, instant};

pub async fn run(context: &Context, command: PoliciesCommand) -> Result<(), CliError> {
    let out = &context.out;
    match command {
        PoliciesCommand::Validate { file } => validate(out, &file),
        PoliciesCommand::Apply { file, key } => apply(context, &file, key).await,
        PoliciesCommand::Show { key } => {
            let policy = context.client()?.policies().get(&key).await?;
            if out.json {
                return out.json(&policy);
            }
            out.line(format!(
                "policy {} version {} (saved {})",
                policy.key,
                policy.version,
                instant(policy.updated_at)
            ))?;
            let body = serde_json::to_string_pretty(&policy.policy)
                .map_err(|error| CliError::Output(std::io::Error::other(error)))?;
            out.line(body)
        }
        PoliciesCommand::List(args) => {
            let client = context.client()?;
            let policies =
                collect(client.policies().list_all(page_query(&args)), args.limit).await?;
            if out.json {
                return out.json(&policies);
            }
            let mut table = Table::new(&[
                ("KEY", Align::Left),
                ("VERSION", Align::Right),
                ("CREATED", Align::Left),
                ("UPDATED", Align::Left),
            ]);
            for policy in &policies {
                table.push(vec![
                    policy.key.clone(),
                    policy.version.to_string(),
                    instant(policy.created_at),
                    instant(policy.updated_at),
                ]);
            }
            out.table(&table, "no policies")
        }
    }
}

/// A policy file, read and parsed.
struct PolicyFile {
    /// The policy as the domain reads it, for offline validation.
    policy: Policy,
    /// The policy as JSON, as written in the file, for upload.
    body: serde_json::Value,
}

/// Reads a policy file: JSON when the name ends in `.json`, TOML otherwise.
fn read_policy(path: &Path) -> Result<PolicyFile, CliError> {
    let invalid = |message: String| CliError::Input {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| invalid(format!("cannot read the file: {error}")))?;

    let is_json = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
    if is_json {
        let policy: Policy = serde_json::from_str(&text)
            .map_err(|error| invalid(format!("invalid policy JSON: {error}")))?;
        let body: serde_json::Value = serde_json::from_str(&text)
            .map_err(|error| invalid(format!("invalid JSON: {error}")))?;
        return Ok(PolicyFile { policy, body });
    }

    let policy: Policy =
        toml::from_str(&text).map_err(|error| invalid(format!("invalid policy TOML: {error}")))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|error| invalid(format!("invalid TOML: {error}")))?;
    let body = serde_json::to_value(table)
        .map_err(|error| invalid(format!("cannot convert the TOML to JSON: {error}")))?;
    Ok(PolicyFile { policy, body })
}

/// The result of an offline check, in the shape of the API's policy validation.
#[derive(Serialize)]
struct Validation<'a> {
    valid: bool,
    errors: &'a [PolicyViolation],
    warnings: &'a [PolicyViolation],
}

/// Checks a policy file against the legal rules of its debtor type without a server.
fn validate(out: &Output, path: &Path) -> Result<(), CliError> {
    let file = read_policy(path)?;
    let report = file.policy.validate();
    print_report(out, path, &report)?;
    if report.is_valid() {
        Ok(())
    } else {
        Err(invalid_policy(path, &report))
    }
}

/// Checks a policy file offline, then creates the policy or saves a new version of it.
async fn apply(context: &Context, path: &Path, key: Option<String>) -> Result<(), CliError> {
    let out = &context.out;
    let file = read_policy(path)?;
    let report = file.policy.validate();
    if !report.is_valid() {
        print_report(out, path, &report)?;
        return Err(invalid_policy(path, &report));
    }
    let key = match key {
        Some(key) => key,
        None => default_key(path)?,
    };

    let client = context.client()?;
    let saved = match client.policies().get(&key).await {
        Ok(_) => {
            let request = UpdatePolicyRequest { policy: file.body };
            client.policies().update(&key, &request).await?
        }
        Err(error) if error.code() == Some(&ErrorCode::PolicyNotFound) => {
            let request = CreatePolicyRequest {
                key: key.clone(),
                policy: file.body,
            };
            client.policies().create(&request).await?
        }
        Err(error) => return Err(error.into()),
    };

    if out.json {
        return out.json(&saved);
    }
    for warning in &report.warnings {
        eprintln!("warning: {} ({})", warning.message, warning.rule);
    }
    out.line(format!(
        "saved policy {} version {}",
        saved.key, saved.version
    ))
}

/// Returns the file name without its extension, the default policy key.
fn default_key(path: &Path) -> Result<String, CliError> {
    path.file_stem()
        .and_then(|stem| stem.to_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "cannot take a policy key from the file name {}: pass --key",
                path.display()
            ))
        })
}

fn invalid_policy(path: &Path, report: &PolicyReport) -> CliError {
    let mut rules: Vec<&str> = Vec::new();
    for violation in &report.errors {
        if !rules.contains(&violation.rule.as_str()) {
            rules.push(&violation.rule);
        }
    }
    CliError::Input {
        path: path.to_owned(),
        message: format!(
            "invalid policy: {} errors, broken rules: {}",
            report.errors.len(),
            rules.join(", ")
        ),
    }
}

fn print_report(out: &Output, path: &Path, report: &PolicyReport) -> Result<(), CliError> {
    if out.json {
        return out.json(&Validation {
            valid: report.is_valid(),
            errors: &report.errors,
            warnings: &report.warnings,
        });
    }

    let verdict = if report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    out.line(format!(
        "{}: {verdict} ({} errors, {} warnings)",
        path.display(),
        report.errors.len(),
        report.warnings.len()
    ))?;
    if report.errors.is_empty() && report.warnings.is_empty() {
        return Ok(());
    }

    let mut table = Table::new(&[
        ("LEVEL", Align::Left),
        ("RULE", Align::Left),
        ("STEP", Align::Left),
        ("FIELD", Align::Left),
        ("MESSAGE", Align::Left),
    ]);
    let levels = [("error", &report.errors), ("warning", &report.warnings)];
    for (level, violations) in levels {
        for violation in violations {
            table.push(vec![
                level.to_owned(),
                violation.rule.clone(),
                violation.step.clone().unwrap_or_else(|| "-".to_owned()),
                violation.field.clone(),
                violation.message.clone(),
            ]);
        }
    }
    out.table(&table, "")
}
