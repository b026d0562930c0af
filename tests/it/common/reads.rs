//! SDK reads of what really exists on the emulator, independent of the CLI: "not found" is
//! an answer, any other error fails the test.

use secretslab::aws::AwsContext;
use serde_json::Value;

/// Error codes AWS answers when the thing asked for does not exist.
const NOT_FOUND: &[&str] = &[
    "ResourceNotFoundException",
    "NoSuchEntity",
    "ParameterNotFound",
];

/// What an SDK call found: its output, or `None` when AWS answered "not found". Any other
/// error (an emulator that is down, a refused call) fails the test: "absent" must be an answer.
pub fn found<T, E>(result: Result<T, E>, what: &str) -> Option<T>
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug,
{
    match result {
        Ok(output) => Some(output),
        Err(e) if e.code().is_some_and(|code| NOT_FOUND.contains(&code)) => None,
        Err(e) => panic!("reading {what} failed: {e:?}"),
    }
}

/// What exists for `lab`, asked directly through the SDK (not through the CLI).
pub async fn existing(sdk: &AwsContext, lab: &str) -> Vec<String> {
    let mut found_kinds = Vec::new();
    let function = sdk.lambda.get_function().function_name(lab).send().await;
    if found(function, "the function").is_some() {
        found_kinds.push("function".to_string());
    }
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/lambda/{lab}"))
        .send()
        .await
        .expect("log groups");
    if groups
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(&format!("/aws/lambda/{lab}")))
    {
        found_kinds.push("log_group".to_string());
    }
    let role = sdk
        .iam
        .get_role()
        .role_name(format!("{lab}-role"))
        .send()
        .await;
    if found(role, "the role").is_some() {
        found_kinds.push("role".to_string());
    }
    let policies = sdk
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("policies");
    if policies
        .policies()
        .iter()
        .any(|p| p.policy_name() == Some(&format!("{lab}-read-secret")))
    {
        found_kinds.push("policy".to_string());
    }
    let secrets = sdk
        .secrets
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .expect("secrets");
    if secrets
        .secret_list()
        .iter()
        .any(|s| s.name() == Some(&format!("{lab}/credentials")))
    {
        found_kinds.push("secret".to_string());
    }
    let parameter = sdk
        .ssm
        .get_parameter()
        .name(format!("/{lab}/credentials"))
        .send()
        .await;
    if found(parameter, "the parameter").is_some() {
        found_kinds.push("parameter".to_string());
    }
    let database = sdk
        .ssm
        .get_parameter()
        .name(format!("/{lab}/simulated-db"))
        .send()
        .await;
    if found(database, "the simulated database").is_some() {
        found_kinds.push("simulated_database".to_string());
    }
    found_kinds
}

/// The lab secret's real password, read through the SDK, to prove it reaches no output.
pub async fn lab_password(sdk: &AwsContext, lab: &str) -> String {
    let out = sdk
        .secrets
        .get_secret_value()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .expect("secret");
    let json: Value = serde_json::from_str(out.secret_string().expect("string")).expect("json");
    json["password"].as_str().expect("password").to_string()
}

/// Whether the lab's secret exists and is scheduled for deletion (read through the SDK).
pub async fn secret_scheduled(sdk: &AwsContext, lab: &str) -> bool {
    let described = sdk
        .secrets
        .describe_secret()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .expect("secret");
    described.deleted_date().is_some()
}

/// The lab function's environment as Lambda holds it.
pub async fn function_env(
    sdk: &AwsContext,
    lab: &str,
) -> std::collections::HashMap<String, String> {
    let function = sdk
        .lambda
        .get_function_configuration()
        .function_name(lab)
        .send()
        .await
        .expect("function");
    function
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default()
}

/// A parameter's value, read through the SDK (decrypted).
pub async fn parameter_value(sdk: &AwsContext, name: &str) -> String {
    let out = sdk
        .ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("parameter {name}: {e}"));
    out.parameter()
        .and_then(|p| p.value())
        .expect("value")
        .to_string()
}

/// The lab parameter's real password, read through the SDK (decrypted).
pub async fn parameter_password(sdk: &AwsContext, lab: &str) -> String {
    let value = parameter_value(sdk, &format!("/{lab}/credentials")).await;
    let json: Value = serde_json::from_str(&value).expect("json");
    json["password"].as_str().expect("password").to_string()
}

/// Invoke `function` with an empty event through the SDK; its JSON answer.
pub async fn invoke(sdk: &AwsContext, function: &str) -> Value {
    let out = sdk
        .lambda
        .invoke()
        .function_name(function)
        .payload(aws_sdk_lambda::primitives::Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json payload")
}
