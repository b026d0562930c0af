//! Parameter Store on the emulator.

use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType, Tag};
use serde_json::Value;

use crate::common::{extension_stats, found, TestHome};
use crate::parameters::{answered, lab_with_parameters, moved, parameter};

/// `DescribeParameters` with a `tag:KEY` filter answers every parameter, tagged or not (AWS:
/// only those with the tag). The workaround: `names_tagged` reads each one's tags back.
#[tokio::test]
async fn a_tag_filter_answers_every_parameter() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    for (name, owner) in [("/quirk/tagged", "lab"), ("/quirk/other", "someone-else")] {
        sdk.ssm
            .put_parameter()
            .name(name)
            .value("not a secret")
            .r#type(ParameterType::String)
            .tags(Tag::builder().key("owner").value(owner).build().unwrap())
            .send()
            .await
            .unwrap();
    }
    sdk.ssm
        .put_parameter()
        .name("/quirk/untagged")
        .value("not a secret")
        .r#type(ParameterType::String)
        .send()
        .await
        .unwrap();
    let filter = ParameterStringFilter::builder()
        .key("tag:owner")
        .option("Equals")
        .values("lab")
        .build()
        .unwrap();
    let listed = sdk
        .ssm
        .describe_parameters()
        .parameter_filters(filter)
        .send()
        .await
        .unwrap();
    assert!(
        listed.parameters().len() > 1,
        "MiniStack now filters by tag: {:?}",
        listed.parameters()
    );
    let tagged = secretslab::aws::parameter::names_tagged(&sdk.ssm, "owner", "lab")
        .await
        .unwrap();
    assert_eq!(tagged, vec!["/quirk/tagged".to_string()]);
    home.stop_local();
}

/// `GetParameter` of `/aws/reference/secretsmanager/NAME` answers `ParameterNotFound` (AWS:
/// the secret, read through Parameter Store). The workaround: the stand-in asks Secrets
/// Manager itself and shapes the answer as Parameter Store would.
#[tokio::test]
async fn secrets_manager_references_are_not_found() {
    let lab = "params";
    let (home, sdk, port, token) = lab_with_parameters(lab, &[]).await;
    let direct = sdk
        .ssm
        .get_parameter()
        .name(format!("/aws/reference/secretsmanager/{lab}/credentials"))
        .with_decryption(true)
        .send()
        .await;
    assert!(
        found(direct, "the reference through the emulator").is_none(),
        "MiniStack now serves Secrets Manager references"
    );
    let secret = sdk
        .secrets
        .get_secret_value()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .unwrap();
    let reference = "name=%2Faws%2Freference%2Fsecretsmanager%2Fparams%2Fcredentials";
    let before = extension_stats(port, &token);
    let p = answered(port, &format!("{reference}&withDecryption=true"), &token);
    assert!(
        p["Value"].as_str() == secret.secret_string(),
        "the secret's value"
    );
    assert_eq!(
        (p["Name"].as_str(), p["Type"].as_str(), p["ARN"].as_str()),
        (
            Some("/aws/reference/secretsmanager/params/credentials"),
            Some("SecureString"),
            secret.arn()
        )
    );
    let source: Value = serde_json::from_str(p["SourceResult"].as_str().unwrap()).unwrap();
    assert_eq!(source["name"].as_str(), secret.name());
    assert_eq!(source["versionId"].as_str(), secret.version_id());
    // Cached like any parameter: asked again, no second call to Secrets Manager.
    answered(port, &format!("{reference}&withDecryption=true"), &token);
    let after = extension_stats(port, &token);
    assert_eq!(moved(&before, &after), [0, 1, 1, 1], "{after}");
    // As Parameter Store: a secret is only read with decryption.
    let (status, doc) = parameter(port, reference, &token);
    assert_eq!(
        (status, doc["__type"].as_str()),
        (400, Some("ValidationException"))
    );

    home.force_teardown(lab);
    home.stop_local();
}
