//! Creating through IAM propagation and throttling (mocked: no emulator reproduces them), and the diff.

use super::*;
use crate::domain::names::LabName;
use aws_sdk_lambda::operation::create_function::{CreateFunctionError, CreateFunctionOutput};
use aws_sdk_lambda::types::error::{InvalidParameterValueException, TooManyRequestsException};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

fn desired() -> DesiredFunction {
    DesiredFunction {
        role_arn: "arn:aws:iam::123456789012:role/demo-role".into(),
        runtime: Runtime::Python313,
        arch: Arch::X86_64,
        layer_arn: Some("arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:24".into()),
        env: BTreeMap::new(),
        package: crate::domain::package::build().unwrap(),
    }
}

/// Real answers carry their error code in the metadata (the deserializer sets it).
fn meta(code: &str, message: &str) -> aws_smithy_types::error::ErrorMetadata {
    aws_smithy_types::error::ErrorMetadata::builder()
        .code(code)
        .message(message)
        .build()
}

fn role_not_ready() -> CreateFunctionError {
    CreateFunctionError::InvalidParameterValueException(
        InvalidParameterValueException::builder()
            .message("The role defined for the function cannot be assumed by Lambda.")
            .meta(meta(
                "InvalidParameterValueException",
                "The role defined for the function cannot be assumed by Lambda.",
            ))
            .build(),
    )
}

fn created() -> CreateFunctionOutput {
    let output = CreateFunctionOutput::builder();
    output
        .function_arn("arn:aws:lambda:us-east-1:1:function:demo")
        .build()
}

#[tokio::test(start_paused = true)]
async fn create_rides_out_iam_propagation() {
    let rule = mock!(aws_sdk_lambda::Client::create_function)
        .sequence()
        .error(role_not_ready)
        .times(2)
        .output(created)
        .build();
    let lambda = mock_client!(aws_sdk_lambda, [&rule]);
    let waits = std::sync::Mutex::new(0);
    let names = LabName::new("demo").unwrap().resources();
    let outcome = create_function(&lambda, &names, &desired(), |_| *waits.lock().unwrap() += 1)
        .await
        .unwrap();
    assert!(matches!(outcome, CreateOutcome::Created(arn) if arn.ends_with(":demo")));
    assert_eq!(rule.num_calls(), 3);
    assert_eq!(
        *waits.lock().unwrap(),
        2,
        "each wait is shown on the progress line"
    );
}

#[tokio::test(start_paused = true)]
async fn create_gives_up_after_the_propagation_limit() {
    let rule = mock!(aws_sdk_lambda::Client::create_function)
        .sequence()
        .error(role_not_ready)
        .repeatedly()
        .build();
    let lambda = mock_client!(aws_sdk_lambda, [&rule]);
    let names = LabName::new("demo").unwrap().resources();
    let started = tokio::time::Instant::now();
    let err = match create_function(&lambda, &names, &desired(), |_| {}).await {
        Err(err) => err,
        Ok(_) => panic!("must give up"),
    };
    assert!(started.elapsed() <= IAM_PROPAGATION_LIMIT + Duration::from_secs(2));
    assert!(err.help_text().unwrap().contains("trust policy"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn throttled_calls_are_retried_by_the_sdk() {
    let rule = mock!(aws_sdk_lambda::Client::create_function)
        .sequence()
        .error(|| {
            CreateFunctionError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .meta(meta("TooManyRequestsException", "Rate exceeded"))
                    .build(),
            )
        })
        .times(2)
        .output(created)
        .build();
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::Sequential, [&rule], |conf| conf
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(5)));
    let names = LabName::new("demo").unwrap().resources();
    let outcome = create_function(&lambda, &names, &desired(), |_| {})
        .await
        .unwrap();
    assert!(matches!(outcome, CreateOutcome::Created(_)));
    assert_eq!(rule.num_calls(), 3);
}
