//! Scanning with mocked Lambda answers: paging, throttling beyond the SDK's retries, access denied.

use super::*;
use aws_sdk_lambda::operation::list_aliases::ListAliasesOutput;
use aws_sdk_lambda::operation::list_functions::{ListFunctionsError, ListFunctionsOutput};
use aws_sdk_lambda::operation::list_versions_by_function::{
    ListVersionsByFunctionError, ListVersionsByFunctionOutput,
};
use aws_sdk_lambda::types::error::TooManyRequestsException;
use aws_sdk_lambda::types::{AliasConfiguration, EnvironmentResponse, FunctionConfiguration};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_types::error::ErrorMetadata;

const ARN: &str = "arn:aws:lambda:us-east-1:111111111111:function:orders";

fn configuration(version: &str, value: &str) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name("orders")
        .function_arn(if version == "$LATEST" {
            ARN.to_string()
        } else {
            format!("{ARN}:{version}")
        })
        .version(version)
        .environment(
            EnvironmentResponse::builder()
                .variables("API_TOKEN", value)
                .build(),
        )
        .build()
}

fn access_denied() -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("AccessDeniedException")
        .message("not authorized to perform: lambda:ListVersionsByFunction")
        .build()
}

async fn scan_with(client: aws_sdk_lambda::Client) -> ScopeScan {
    scan_scope(
        client,
        "111111111111".into(),
        "us-east-1".into(),
        None,
        Pace::new(1000, Arc::new(Semaphore::new(4))),
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn throttling_beyond_the_sdk_retries_is_retried_not_dropped() {
    let list = mock!(aws_sdk_lambda::Client::list_functions)
        .sequence()
        .error(|| {
            ListFunctionsError::TooManyRequestsException(
                TooManyRequestsException::builder()
                    .message("Rate exceeded")
                    .meta(
                        ErrorMetadata::builder()
                            .code("TooManyRequestsException")
                            .message("Rate exceeded")
                            .build(),
                    )
                    .build(),
            )
        })
        .times(3)
        .output(|| {
            ListFunctionsOutput::builder()
                .functions(configuration("$LATEST", "new"))
                .build()
        })
        .build();
    let versions = mock!(aws_sdk_lambda::Client::list_versions_by_function).then_output(|| {
        ListVersionsByFunctionOutput::builder()
            .versions(configuration("$LATEST", "new"))
            .versions(configuration("1", "old"))
            .build()
    });
    let aliases = mock!(aws_sdk_lambda::Client::list_aliases).then_output(|| {
        ListAliasesOutput::builder()
            .aliases(
                AliasConfiguration::builder()
                    .name("prod")
                    .function_version("1")
                    .build(),
            )
            .build()
    });
    // Two SDK attempts per call: the third throttle is past the SDK and ours to retry.
    let client = mock_client!(
        aws_sdk_lambda,
        RuleMode::MatchAny,
        [&list, &versions, &aliases],
        |conf| conf.retry_config(
            aws_sdk_lambda::config::retry::RetryConfig::standard().with_max_attempts(2)
        )
    );
    let scan = scan_with(client).await;
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert_eq!(list.num_calls(), 4);
    assert_eq!(scan.functions.len(), 1);
    let function = &scan.functions[0];
    assert_eq!(function.arn, ARN);
    let found: Vec<&str> = function
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(found, vec!["$LATEST", "1"]);
    assert_eq!(function.aliases.get("1"), Some(&vec!["prod".to_string()]));
}

#[tokio::test(start_paused = true)]
async fn access_denied_makes_the_scope_incomplete() {
    let list = mock!(aws_sdk_lambda::Client::list_functions)
        .then_error(|| ListFunctionsError::generic(access_denied()));
    let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&list]);
    let scan = scan_with(client).await;
    assert!(scan.functions.is_empty());
    assert_eq!(scan.errors.len(), 1);
    assert!(
        scan.errors[0].starts_with("listing functions: AccessDeniedException"),
        "{:?}",
        scan.errors
    );
    assert_eq!(list.num_calls(), 1, "access denied is not retried");
    let report = crate::audit::report::build(
        &[scan],
        &crate::audit::report::Coverage::default(),
        &crate::audit::fingerprint::FingerprintKey::generate(),
        false,
    );
    assert_eq!(report.incomplete.len(), 1);
    assert_eq!(report.incomplete[0].account, "111111111111");
}

#[tokio::test(start_paused = true)]
async fn unreadable_versions_keep_latest_and_mark_the_scope() {
    let list = mock!(aws_sdk_lambda::Client::list_functions).then_output(|| {
        ListFunctionsOutput::builder()
            .functions(configuration("$LATEST", "value"))
            .build()
    });
    let versions = mock!(aws_sdk_lambda::Client::list_versions_by_function)
        .then_error(|| ListVersionsByFunctionError::generic(access_denied()));
    let aliases = mock!(aws_sdk_lambda::Client::list_aliases)
        .then_output(|| ListAliasesOutput::builder().build());
    let client = mock_client!(
        aws_sdk_lambda,
        RuleMode::MatchAny,
        [&list, &versions, &aliases]
    );
    let scan = scan_with(client).await;
    assert_eq!(scan.functions.len(), 1);
    assert_eq!(scan.functions[0].versions.len(), 1);
    assert_eq!(scan.functions[0].versions[0].version, "$LATEST");
    assert_eq!(scan.errors.len(), 1);
    assert!(
        scan.errors[0].contains("listing versions of orders"),
        "{:?}",
        scan.errors
    );
}

#[test]
fn plaintext_never_shows_in_debug() {
    let var = Variable {
        name: "DB_PASSWORD".into(),
        value: Plaintext::new("hunter2-but-longer"),
    };
    let shown = format!("{var:?}");
    assert!(shown.contains("DB_PASSWORD"));
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn latest_sorts_before_numbered_versions() {
    let mut versions: Vec<VersionRecord> = ["10", "$LATEST", "2"]
        .iter()
        .map(|v| VersionRecord {
            version: v.to_string(),
            variables: vec![],
        })
        .collect();
    sort_versions(&mut versions);
    let order: Vec<&str> = versions.iter().map(|v| v.version.as_str()).collect();
    assert_eq!(order, vec!["$LATEST", "2", "10"]);
}

#[test]
fn an_alias_with_a_weighted_second_version_is_listed_under_both() {
    let live = Alias {
        name: "live".into(),
        version: "3".into(),
        weights: BTreeMap::from([("4".to_string(), 0.1)]),
        ..Alias::default()
    };
    let prod = Alias {
        name: "prod".into(),
        version: "4".into(),
        ..Alias::default()
    };
    let routes = routes(&[prod, live]);
    assert_eq!(routes["3"], ["live"]);
    assert_eq!(routes["4"], ["live", "prod"]);
}
