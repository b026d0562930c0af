//! `secretslab migrate` through the real binary against a real MiniStack: the lab's legacy
//! function (plaintext `DB_PASSWORD`) moved behind the extension and back, in both stores;
//! every refusal; a SIGKILL after every API call of every phase. What the CLI did is always
//! read back through the SDK, and no output, log or state file may hold the password.

mod crash;
mod documents;
mod refusals;
mod round_trip;

use crate::common;

use std::collections::HashMap;
use std::process::Output;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use common::{stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

const EXTENSION_LAYER: &str = "AWS-Parameters-and-Secrets-Lambda-Extension";

/// The lab `lab` with its legacy function (`LAB-legacy`, plaintext credentials); SDK clients.
async fn legacy_lab(home: &TestHome, endpoint: &str, lab: &str) -> AwsContext {
    home.ok(&["--local", "--name", lab, "up", "--with-legacy"]);
    home.sdk(endpoint).await
}

pub(crate) use common::invoke;

/// The function's environment and layers, as Lambda holds them.
async fn config(sdk: &AwsContext, function: &str) -> (HashMap<String, String>, Vec<String>) {
    let out = sdk
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .expect("function");
    let env = out
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    let layers = out
        .layers()
        .iter()
        .filter_map(|l| l.arn().map(str::to_string))
        .collect();
    (env, layers)
}

fn extension_layers(layers: &[String]) -> usize {
    layers
        .iter()
        .filter(|l| l.contains(EXTENSION_LAYER))
        .count()
}

/// The moved variables as the secret holds them; `None` when it is gone or scheduled.
async fn secret_document(sdk: &AwsContext, name: &str) -> Option<Value> {
    if secret_scheduled(sdk, name).await {
        return None;
    }
    let read = sdk.secrets.get_secret_value().secret_id(name).send().await;
    let out = common::found(read, "the document secret")?;
    serde_json::from_str(out.secret_string()?).ok()
}

async fn parameter_document(sdk: &AwsContext, name: &str) -> Option<Value> {
    let read = sdk
        .ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await;
    let out = common::found(read, "the document parameter")?;
    serde_json::from_str(out.parameter()?.value()?).ok()
}

async fn secret_scheduled(sdk: &AwsContext, name: &str) -> bool {
    let described = sdk.secrets.describe_secret().secret_id(name).send().await;
    common::found(described, "the document secret").is_some_and(|d| d.deleted_date().is_some())
}

/// Secrets by this exact name, live or scheduled (to prove nothing was duplicated).
async fn secrets_named(sdk: &AwsContext, name: &str) -> usize {
    let listed = sdk
        .secrets
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .expect("list secrets");
    listed
        .secret_list()
        .iter()
        .filter(|s| s.name() == Some(name))
        .count()
}

async fn force_delete(sdk: &AwsContext, secret: &str) {
    let deleted = sdk.secrets.delete_secret().secret_id(secret);
    let _ = deleted.force_delete_without_recovery(true).send().await;
}

/// Secrets and parameters tagged as holding this function's variables, whatever their name.
async fn documents_for(sdk: &AwsContext, function: &str) -> usize {
    let arn = sdk
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_string();
    let tag = secretslab::domain::migration::TAG_MIGRATED_FROM;
    let secrets = secretslab::aws::secret::names_tagged(&sdk.secrets, tag, &arn);
    let parameters = secretslab::aws::parameter::names_tagged(&sdk.ssm, tag, &arn);
    secrets.await.unwrap().len() + parameters.await.unwrap().len()
}

async fn inline_policies(sdk: &AwsContext, role: &str) -> Vec<String> {
    let listed = sdk.iam.list_role_policies().role_name(role).send().await;
    listed.expect("role policies").policy_names
}

fn audit_findings(home: &TestHome, function: &str) -> (Option<i32>, Vec<Value>) {
    let out = home.run(&["--local", "--json", "audit", "--function", function]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("audit json");
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    (out.status.code(), findings)
}

fn versions_flagging(findings: &[Value], variable: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["variable"] == variable && f["class"] == "secret")
        .map(|f| f["version"].as_str().unwrap().to_string())
        .collect()
}

fn succeeded(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        stdout(out),
        stderr(out)
    );
}

/// `secretslab --local --name LAB [LEVEL] migrate FUNCTION ARGS…`, `LEVEL` being an output
/// level flag such as `-vv` or `--quiet`.
fn migrate_args<'a>(
    lab: &'a str,
    level: Option<&'a str>,
    function: &'a str,
    args: &[&'a str],
) -> Vec<&'a str> {
    let mut all = vec!["--local", "--name", lab];
    all.extend(level);
    all.extend(["migrate", function]);
    all.extend_from_slice(args);
    all
}
