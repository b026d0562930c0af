//! A function's code-signing configuration: Lambda validates the function's code *and its
//! layers* against the allowed signing profiles, and with `Enforce` rejects an unsigned layer
//! — which the AWS-published extension layer is, for every customer profile (aws-facts §12).

use aws_sdk_lambda::types::CodeSigningPolicy;
use aws_sdk_lambda::Client;

use crate::aws::errors::{describe, unless_missing};

/// What Lambda does with a layer no allowed profile signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSigning {
    /// No configuration: any layer is accepted.
    None,
    /// The layer is rejected (`CodeVerificationFailedException`).
    Enforce { config_arn: String },
    /// The layer is accepted, and the failed check logged.
    Warn { config_arn: String },
    /// The configuration could not be read (a missing permission, an endpoint without the API).
    Unreadable { reason: String },
}

/// Read the function's configuration (`GetFunctionCodeSigningConfig`), then its policy
/// (`GetCodeSigningConfig`). A failure is an answer too: the caller decides what it means.
pub async fn read(lambda: &Client, function: &str) -> CodeSigning {
    let attached = lambda
        .get_function_code_signing_config()
        .function_name(function)
        .send()
        .await;
    let config_arn = match attached {
        Ok(out) => out.code_signing_config_arn().to_string(),
        Err(e) => {
            return CodeSigning::Unreadable {
                reason: format!("GetFunctionCodeSigningConfig: {}", describe(&e)),
            }
        }
    };
    if config_arn.is_empty() {
        return CodeSigning::None;
    }
    let config = lambda
        .get_code_signing_config()
        .code_signing_config_arn(&config_arn)
        .send()
        .await;
    let found = match unless_missing(config, || format!("reading {config_arn}")) {
        Ok(found) => found,
        Err(e) => {
            return CodeSigning::Unreadable {
                reason: format!("GetCodeSigningConfig: {e}"),
            }
        }
    };
    // The SDK fills required fields an answer lacks with empty values: a configuration that
    // is not the one asked for was not sent.
    let config = found
        .as_ref()
        .and_then(|out| out.code_signing_config())
        .filter(|config| config.code_signing_config_arn() == config_arn);
    let Some(config) = config else {
        return CodeSigning::Unreadable {
            reason: format!("GetCodeSigningConfig answered without the configuration {config_arn}"),
        };
    };
    let policy = config
        .code_signing_policies()
        .and_then(|policies| policies.untrusted_artifact_on_deployment());
    match policy {
        Some(CodeSigningPolicy::Enforce) => CodeSigning::Enforce { config_arn },
        // Lambda's documented default for UntrustedArtifactOnDeployment is Warn.
        Some(CodeSigningPolicy::Warn) | None => CodeSigning::Warn { config_arn },
        Some(other) => CodeSigning::Unreadable {
            reason: format!("{config_arn} has the policy `{}`", other.as_str()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_lambda::operation::get_code_signing_config::GetCodeSigningConfigOutput;
    use aws_sdk_lambda::operation::get_function_code_signing_config::{
        GetFunctionCodeSigningConfigError, GetFunctionCodeSigningConfigOutput,
    };
    use aws_sdk_lambda::types::{AllowedPublishers, CodeSigningConfig, CodeSigningPolicies};
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_types::error::ErrorMetadata;

    const ARN: &str =
        "arn:aws:lambda:us-east-1:111111111111:code-signing-config:csc-0123456789abcdef0";

    /// `GetFunctionCodeSigningConfig` as the API reference shows it.
    fn attached(arn: &'static str) -> Rule {
        mock!(Client::get_function_code_signing_config).then_output(move || {
            GetFunctionCodeSigningConfigOutput::builder()
                .code_signing_config_arn(arn)
                .function_name("orders")
                .build()
                .unwrap()
        })
    }

    /// `GetCodeSigningConfig` with the given `UntrustedArtifactOnDeployment`.
    fn policy(policy: Option<CodeSigningPolicy>) -> Rule {
        mock!(Client::get_code_signing_config).then_output(move || {
            let policies = CodeSigningPolicies::builder()
                .set_untrusted_artifact_on_deployment(policy.clone())
                .build();
            let config = CodeSigningConfig::builder()
                .code_signing_config_id("csc-0123456789abcdef0")
                .code_signing_config_arn(ARN)
                .allowed_publishers(
                    AllowedPublishers::builder()
                        .signing_profile_version_arns(
                            "arn:aws:signer:us-east-1:111111111111:/signing-profiles/team/abc",
                        )
                        .build()
                        .unwrap(),
                )
                .code_signing_policies(policies)
                .last_modified("2026-11-01T10:00:00.000+0000")
                .build()
                .unwrap();
            GetCodeSigningConfigOutput::builder()
                .code_signing_config(config)
                .build()
        })
    }

    async fn read_with(rules: &[&Rule]) -> CodeSigning {
        let client = mock_client!(aws_sdk_lambda, RuleMode::Sequential, rules);
        read(&client, "orders").await
    }

    #[tokio::test]
    async fn enforce_and_warn_are_read_from_the_configurations_policy() {
        let enforce = read_with(&[&attached(ARN), &policy(Some(CodeSigningPolicy::Enforce))]).await;
        assert_eq!(
            enforce,
            CodeSigning::Enforce {
                config_arn: ARN.into()
            }
        );
        let warn = read_with(&[&attached(ARN), &policy(Some(CodeSigningPolicy::Warn))]).await;
        assert_eq!(
            warn,
            CodeSigning::Warn {
                config_arn: ARN.into()
            }
        );
    }

    #[tokio::test]
    async fn no_configuration_is_none_and_a_denied_read_is_unreadable() {
        assert_eq!(read_with(&[&attached("")]).await, CodeSigning::None);
        let denied = mock!(Client::get_function_code_signing_config).then_error(|| {
            GetFunctionCodeSigningConfigError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform lambda:GetFunctionCodeSigningConfig")
                    .build(),
            )
        });
        let CodeSigning::Unreadable { reason } = read_with(&[&denied]).await else {
            panic!("a denied read is not a policy");
        };
        assert!(reason.contains("AccessDeniedException"), "{reason}");
    }
}
