//! Findings name the CloudFormation stack that owns their function.

use crate::common;

use aws_config::SdkConfig;
use common::{stderr, stdout, TestHome};

use super::estate::*;
use super::{audit, json};

/// Deploy `tests/data/owned-function.yaml` as `stack` on the emulator and wait for it.
async fn deploy_owned_stack(sdk: &SdkConfig, stack: &str, password: &str) {
    use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
    let cloudformation = aws_sdk_cloudformation::Client::new(sdk);
    cloudformation
        .create_stack()
        .stack_name(stack)
        .template_body(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/owned-function.yaml"
        )))
        .parameters(
            Parameter::builder()
                .parameter_key("DbPassword")
                .parameter_value(password)
                .build(),
        )
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    common::wait_for_stack(&cloudformation, stack, StackStatus::CreateComplete).await;
}

/// A function a CloudFormation stack deployed (with CDK's mark) is reported with its stack,
/// logical id and tool; a function made through the API is owned by nobody.
#[tokio::test(flavor = "multi_thread")]
async fn findings_name_the_stack_that_owns_the_function() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = config(&endpoint, MANAGEMENT, "us-east-1").await;
    let owned_password = random(28);
    let loose_password = random(28);
    deploy_owned_stack(&sdk, "orders-stack", &owned_password).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let role = function_role(&iam, MANAGEMENT).await;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    create_function(&lambda, &role, "loose", &[("DB_PASSWORD", &loose_password)]).await;

    let mut outputs = Vec::new();
    let out = audit(&home, &mut outputs, &["--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc = json(&out);
    let owner_of = |function: &str| {
        let finding = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["function"] == function && f["variable"] == "DB_PASSWORD")
            .unwrap_or_else(|| panic!("no DB_PASSWORD finding for {function}: {doc:#}"));
        finding["owner"].clone()
    };
    assert_eq!(
        owner_of("owned-orders"),
        serde_json::json!({
            "kind": "cloudformation",
            "stack": "orders-stack",
            "logical_id": "OrdersHandler",
            "tool": "cdk",
        })
    );
    assert_eq!(owner_of("loose"), serde_json::json!({"kind": "none"}));

    let out = audit(&home, &mut outputs, &[]);
    let text = stdout(&out);
    assert!(
        text.contains("owner: CloudFormation stack orders-stack, logical id OrdersHandler (deployed with CDK)"),
        "{text}"
    );
    for out in &outputs {
        for secret in [&owned_password, &loose_password] {
            assert!(
                !stdout(out).contains(secret.as_str()) && !stderr(out).contains(secret.as_str())
            );
        }
    }
    home.stop_local();
}
