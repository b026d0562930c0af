//! The conversion of Lambda's answers (mocked) into one typed configuration, and the reader's
//! paging and "gone" answers.

use super::*;
use crate::domain::kinds::{Arch, Runtime};
use crate::domain::runtime::{LambdaRuntime, Language};
use aws_sdk_lambda::operation::get_function::{GetFunctionError, GetFunctionOutput};
use aws_sdk_lambda::operation::list_aliases::ListAliasesOutput;
use aws_sdk_lambda::operation::list_versions_by_function::ListVersionsByFunctionOutput;
use aws_sdk_lambda::types::error::ResourceNotFoundException;
use aws_sdk_lambda::types::{
    AliasConfiguration, AliasRoutingConfiguration, Architecture, EnvironmentResponse,
    FunctionCodeLocation, FunctionConfiguration, LastUpdateStatus, Layer as SdkLayer,
    PackageType as SdkPackageType, Runtime as SdkRuntime, SnapStartApplyOn, SnapStartResponse,
    State as SdkState,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;

const ARN: &str = "arn:aws:lambda:us-east-1:111111111111:function:orders";

fn zip_function() -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name("orders")
        .function_arn(ARN)
        .version("$LATEST")
        .runtime(SdkRuntime::Nodejs22x)
        .architectures(Architecture::Arm64)
        .package_type(SdkPackageType::Zip)
        .state(SdkState::Active)
        .last_update_status(LastUpdateStatus::Successful)
        .environment(
            EnvironmentResponse::builder()
                .variables("DB_PASSWORD", "hunter2-Zq8#pL2")
                .build(),
        )
        .layers(
            SdkLayer::builder()
                .arn("arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:24")
                .code_size(4_200_000)
                .build(),
        )
        .role("arn:aws:iam::111111111111:role/orders")
        .handler("index.handler")
        .timeout(15)
        .memory_size(256)
        .code_sha256("abc=")
        .code_size(1234)
        .snap_start(
            SnapStartResponse::builder()
                .apply_on(SnapStartApplyOn::PublishedVersions)
                .build(),
        )
        .build()
}

#[test]
fn a_zip_function_is_read_into_typed_fields() {
    let config = FunctionConfig::from_sdk(&zip_function(), "GetFunction").unwrap();
    assert_eq!(config.name, "orders");
    assert_eq!(config.arn, ARN);
    assert!(config.is_latest());
    assert_eq!(config.runtime, Some(LambdaRuntime::Lab(Runtime::Nodejs22)));
    assert!(config.runtime.as_ref().unwrap().is_nodejs());
    assert_eq!(config.architecture, Arch::Arm64);
    assert_eq!(config.package_type, PackageType::Zip);
    assert!(!config.is_image());
    assert!(config.is_settled());
    assert_eq!(config.layers[0].code_size, 4_200_000);
    assert!(config.extension_layer().is_some());
    assert_eq!((config.timeout, config.memory), (Some(15), Some(256)));
    assert_eq!(
        (config.code_sha256.as_str(), config.code_size),
        ("abc=", 1234)
    );
    assert!(config.snap_start);
    assert_eq!(config.qualified_arn(), format!("{ARN}:$LATEST"));
    // The environment is there to read, and never printed.
    assert_eq!(config.env.get("DB_PASSWORD").map(String::len), Some(15));
    let shown = format!("{config:?}");
    assert!(
        shown.contains("DB_PASSWORD") && !shown.contains("hunter2"),
        "{shown}"
    );
}

#[test]
fn an_unknown_runtime_and_state_survive_as_aws_spells_them() {
    let function = FunctionConfiguration::builder()
        .function_name("legacy")
        .function_arn("arn:aws:lambda:us-east-1:111111111111:function:legacy:3")
        .version("3")
        .runtime(SdkRuntime::from("python3.99"))
        .state(SdkState::from("Rebooting"))
        .last_update_status(LastUpdateStatus::InProgress)
        .build();
    let config = FunctionConfig::from_sdk(&function, "ListVersionsByFunction").unwrap();
    let runtime = config.runtime.clone().unwrap();
    assert_eq!(runtime, LambdaRuntime::Other("python3.99".into()));
    assert_eq!(runtime.language(), Language::Python);
    assert_eq!(config.state, Some(State::Other("Rebooting".into())));
    assert_eq!(config.last_update_status, Some(UpdateStatus::InProgress));
    assert!(!config.is_settled());
    // A version's ARN is qualified; the configuration keeps it apart.
    assert_eq!(
        config.arn,
        "arn:aws:lambda:us-east-1:111111111111:function:legacy"
    );
    assert_eq!(config.version, "3");
    // Lambda's default when it names no architecture.
    assert_eq!(config.architecture, Arch::X86_64);
    let json = serde_json::to_string(&(&runtime, &config.state, &config.package_type)).unwrap();
    assert_eq!(json, r#"["python3.99","Rebooting","Zip"]"#);
}

#[test]
fn a_missing_arn_is_an_error_not_a_blank() {
    let function = FunctionConfiguration::builder()
        .function_name("orders")
        .build();
    let err = FunctionConfig::from_sdk(&function, "GetFunction").unwrap_err();
    assert!(err.to_string().contains("FunctionArn"), "{err}");
}

#[tokio::test]
async fn an_image_function_is_read_with_its_uri_and_tags() {
    let rule = mock!(aws_sdk_lambda::Client::get_function).then_output(|| {
        let image = FunctionConfiguration::builder()
            .function_name("renderer")
            .function_arn("arn:aws:lambda:us-east-1:111111111111:function:renderer")
            .package_type(SdkPackageType::Image)
            .architectures(Architecture::X8664)
            .state(SdkState::Pending)
            .build();
        GetFunctionOutput::builder()
            .configuration(image)
            .code(
                FunctionCodeLocation::builder()
                    .image_uri("111111111111.dkr.ecr.us-east-1.amazonaws.com/renderer:1")
                    .build(),
            )
            .tags("team", "graphics")
            .build()
    });
    let lambda = mock_client!(aws_sdk_lambda, [&rule]);
    let found = Reader::new(&lambda).function("renderer").await.unwrap();
    let Described { config, tags } = found.unwrap();
    assert!(config.is_image());
    assert_eq!(config.runtime, None);
    assert_eq!(config.state, Some(State::Pending));
    assert_eq!(
        config.image_uri.as_deref(),
        Some("111111111111.dkr.ecr.us-east-1.amazonaws.com/renderer:1")
    );
    assert_eq!(tags.get("team").map(String::as_str), Some("graphics"));
}

#[tokio::test]
async fn a_missing_function_reads_as_none() {
    let rule = mock!(aws_sdk_lambda::Client::get_function).then_error(|| {
        GetFunctionError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("Function not found")
                .meta(
                    ErrorMetadata::builder()
                        .code("ResourceNotFoundException")
                        .build(),
                )
                .build(),
        )
    });
    let lambda = mock_client!(aws_sdk_lambda, [&rule]);
    let found = Reader::new(&lambda).function("nothing").await.unwrap();
    assert_eq!(found, None);
}

#[tokio::test]
async fn versions_follow_every_page() {
    let version = |v: &str| {
        FunctionConfiguration::builder()
            .function_name("orders")
            .function_arn(format!("{ARN}:{v}"))
            .version(v)
            .build()
    };
    let pages = mock!(aws_sdk_lambda::Client::list_versions_by_function)
        .sequence()
        .output(move || {
            ListVersionsByFunctionOutput::builder()
                .versions(version("$LATEST"))
                .versions(version("1"))
                .next_marker("page-2")
                .build()
        })
        .output(move || {
            ListVersionsByFunctionOutput::builder()
                .versions(version("2"))
                .build()
        })
        .build();
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::Sequential, [&pages]);
    let versions = Reader::new(&lambda).versions("orders").await.unwrap();
    let numbers: Vec<String> = versions.unwrap().into_iter().map(|v| v.version).collect();
    assert_eq!(numbers, ["$LATEST", "1", "2"]);
}

#[tokio::test]
async fn aliases_keep_their_routing_weights() {
    let rule = mock!(aws_sdk_lambda::Client::list_aliases).then_output(|| {
        let routing = AliasRoutingConfiguration::builder()
            .additional_version_weights("4", 0.1)
            .build();
        ListAliasesOutput::builder()
            .aliases(
                AliasConfiguration::builder()
                    .name("live")
                    .alias_arn(format!("{ARN}:live"))
                    .function_version("3")
                    .routing_config(routing)
                    .build(),
            )
            .build()
    });
    let lambda = mock_client!(aws_sdk_lambda, [&rule]);
    let aliases = Reader::new(&lambda)
        .aliases("orders")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(aliases.len(), 1);
    assert_eq!(aliases[0].weights.get("4"), Some(&0.1));
    assert_eq!(aliases[0].versions(), ["3", "4"]);
}
