//! Functions a stack owns, end to end on the emulator's CloudFormation (DESIGN §12): `audit`
//! names the stack; `migrate` expands through the API (the function keeps answering) and says
//! who owns it; re-deploying the original template puts the plaintext back (the trap, shown
//! so it stays true) and `--finish` refuses while the deployed template would do that; the
//! template `--emit cloudformation --template` patched, deployed through `UpdateStack`, keeps
//! the function migrated, and `--finish` passes; rollback restores the original environment.
//! The same for a SAM application (`--emit sam --template`), on the emulator with the SAM
//! transform installed for the tests. Every emitted artifact is checked by its owner's own
//! tools (installed into target/ by `scripts/install-checkers`), and no output or file holds
//! the password.

mod image;
mod template;
mod tools;

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_lambda::primitives::Blob;
use common::{checkers, stderr, stdout, wait_for_stack, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

const LAB: &str = "owners";
const EXTENSION_LAYER: &str = "AWS-Parameters-and-Secrets-Lambda-Extension";

/// A stack that owns a function, and how its template is emitted.
struct Case {
    stack: &'static str,
    function: &'static str,
    logical_id: &'static str,
    template: &'static str,
    /// `--emit` format of the patched template.
    format: &'static str,
    /// The tool `audit` names (`owner.tool`).
    tool: Option<&'static str>,
    /// What the patched template keeps or gains, beside the references.
    patched_marks: &'static [&'static str],
}

const CFN: Case = Case {
    stack: "orders-stack",
    function: "orders-api",
    logical_id: "OrdersApi",
    template: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/owners-stack.yaml"
    )),
    format: "cloudformation",
    tool: None,
    patched_marks: &["Role: !GetAtt OrdersRole.Arn", "!Sub"],
};

const SAM: Case = Case {
    stack: "orders-sam-stack",
    function: "orders-sam-api",
    logical_id: "OrdersApi",
    template: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/owners-sam.yaml"
    )),
    format: "sam",
    tool: Some("sam"),
    patched_marks: &[
        "Transform: AWS::Serverless-2016-10-31",
        "CodeUri:",
        "!Sub",
        "Policies:",
        "secretsmanager:GetSecretValue",
    ],
};

fn random(n: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

fn cfn(sdk: &AwsContext) -> &aws_sdk_cloudformation::Client {
    &sdk.cloudformation
}

/// The lab's handler zipped into the emulator's S3, as the stack's code.
async fn upload_code(endpoint: &str) -> (String, String) {
    let (bucket, key) = ("orders-code".to_string(), "orders/function.zip".to_string());
    let package =
        secretslab::domain::handler::package(secretslab::domain::kinds::Runtime::Python313)
            .unwrap();
    common::put_in_emulator_s3(endpoint, &bucket, &key, &package.zip).await;
    (bucket, key)
}

fn parameters(password: &str, code: &(String, String), revision: &str) -> Vec<Parameter> {
    [
        ("DbPassword", password),
        ("CodeBucket", code.0.as_str()),
        ("CodeKey", code.1.as_str()),
        ("Revision", revision),
    ]
    .into_iter()
    .map(|(k, v)| {
        Parameter::builder()
            .parameter_key(k)
            .parameter_value(v)
            .build()
    })
    .collect()
}

/// SAM's transform is a macro: CloudFormation asks for `CAPABILITY_AUTO_EXPAND` with it.
fn capabilities() -> Option<Vec<Capability>> {
    Some(vec![
        Capability::CapabilityIam,
        Capability::CapabilityAutoExpand,
    ])
}

async fn create_stack(sdk: &AwsContext, case: &Case, password: &str, code: &(String, String)) {
    cfn(sdk)
        .create_stack()
        .stack_name(case.stack)
        .template_body(case.template)
        .set_parameters(Some(parameters(password, code, "1")))
        .set_capabilities(capabilities())
        .send()
        .await
        .expect("create stack");
    wait_for_stack(cfn(sdk), case.stack, StackStatus::CreateComplete).await;
}

/// `UpdateStack` with `template` (a new revision, so the function is touched).
async fn update_stack(sdk: &AwsContext, case: &Case, template: &str, parameters: Vec<Parameter>) {
    cfn(sdk)
        .update_stack()
        .stack_name(case.stack)
        .template_body(template)
        .set_parameters(Some(parameters))
        .set_capabilities(capabilities())
        .send()
        .await
        .expect("update stack");
    wait_for_stack(cfn(sdk), case.stack, StackStatus::UpdateComplete).await;
}

async fn config(sdk: &AwsContext, case: &Case) -> (HashMap<String, String>, Vec<String>) {
    let out = (sdk.lambda.get_function_configuration())
        .function_name(case.function)
        .send()
        .await
        .expect("function");
    let env = (out.environment().and_then(|e| e.variables()).cloned()).unwrap_or_default();
    let layers = (out.layers().iter()).filter_map(|l| l.arn().map(str::to_string));
    (env, layers.collect())
}

fn extension_layers(layers: &[String]) -> usize {
    layers
        .iter()
        .filter(|l| l.contains(EXTENSION_LAYER))
        .count()
}

async fn invoke(sdk: &AwsContext, case: &Case) -> Value {
    let out = (sdk.lambda.invoke().function_name(case.function))
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json payload")
}

fn migrate(home: &TestHome, case: &Case, outputs: &mut Vec<Output>, args: &[&str]) -> Output {
    let mut full = vec!["--local", "--name", LAB, "migrate", case.function];
    full.extend_from_slice(args);
    let out = home.run(&full);
    outputs.push(out.clone());
    out
}

fn succeeded(out: &Output) -> Value {
    assert!(out.status.success(), "{}\n{}", stdout(out), stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn run(command: &mut Command) -> (Option<i32>, String) {
    let out = command.output().expect("run checker");
    (
        out.status.code(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}
