//! Any Lambda function `migrate` works on (not only the lab's): its configuration and tags,
//! a change of environment and layers guarded by the revision it was read at, a published
//! version, an alias moved to it, which published versions still hold a variable, the
//! aliases routing to versions, and deleting a version.

use crate::domain::environment::Environment;
use std::collections::BTreeMap;

use aws_sdk_lambda::types::Environment as SdkEnvironment;
use aws_sdk_lambda::Client;

use crate::aws::errors::{code, describe, into_error, unless_missing};
use crate::aws::lambda::{Described, ManagedInstances, Reader};
use crate::domain::kinds::Arch;
use crate::domain::runtime::LambdaRuntime;
use crate::error::{Code, Error, Result};

/// What migrate needs to know about a function (its values stay in memory only).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TargetFunction {
    pub name: String,
    /// The unqualified ARN.
    pub arn: String,
    pub role_arn: String,
    /// `None` for a container image.
    pub runtime: Option<LambdaRuntime>,
    pub architecture: Arch,
    pub layers: Vec<String>,
    pub env: Environment,
    /// Set when the function runs inside a VPC.
    pub vpc_id: Option<String>,
    pub code_sha256: String,
    pub revision_id: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// `PackageType: Image`: a container image, which takes no layers.
    pub image: bool,
    /// SnapStart on published versions (its restores do not set `AWS_SESSION_TOKEN`).
    pub snap_start: bool,
    pub handler: Option<String>,
    pub timeout: Option<i32>,
    pub memory: Option<i32>,
    /// Lambda Managed Instances: one execution environment serves several requests at once.
    pub managed_instances: Option<ManagedInstances>,
}

// The environment holds the very values migrate moves: never print them.
impl std::fmt::Debug for TargetFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetFunction")
            .field("name", &self.name)
            .field("layers", &self.layers)
            .field("env", &self.env)
            .finish_non_exhaustive()
    }
}

impl TargetFunction {
    /// The role's name, the last part of its ARN (`…:role/path/name`).
    pub fn role_name(&self) -> &str {
        self.role_arn.rsplit('/').next().unwrap_or_default()
    }
}

/// Read the function (`$LATEST`) and its tags; `None` when there is no such function.
pub async fn read(lambda: &Client, name: &str) -> Result<Option<TargetFunction>> {
    let found = Reader::new(lambda).function(name).await?;
    Ok(found.map(TargetFunction::from))
}

impl From<Described> for TargetFunction {
    fn from(Described { config, tags }: Described) -> Self {
        Self {
            image: config.is_image(),
            layers: config.layer_arns(),
            name: config.name,
            arn: config.arn,
            role_arn: config.role,
            runtime: config.runtime,
            architecture: config.architecture,
            env: config.env,
            vpc_id: config.vpc_id,
            code_sha256: config.code_sha256,
            revision_id: config.revision_id,
            tags,
            snap_start: config.snap_start,
            handler: Some(config.handler).filter(|h| !h.is_empty()),
            timeout: config.timeout,
            memory: config.memory,
            managed_instances: config.managed_instances,
        }
    }
}

/// Replace the function's environment and layers (nothing else), unless someone changed
/// the function since it was read at `revision_id`; then wait until the update is done.
pub async fn update_env_and_layers(
    lambda: &Client,
    name: &str,
    revision_id: Option<&str>,
    env: &BTreeMap<String, String>,
    layers: &[String],
) -> Result<()> {
    let sent = lambda
        .update_function_configuration()
        .function_name(name)
        .environment(
            SdkEnvironment::builder()
                .set_variables(Some(env.clone().into_iter().collect()))
                .build(),
        )
        .set_layers(Some(layers.to_vec()))
        .set_revision_id(revision_id.map(str::to_string))
        .send()
        .await;
    if let Err(e) = sent {
        // Lambda's refusal of an oversized environment quotes all of it, values included.
        if describe(&e).contains("String measured") {
            return Err(Error::refused(
                Code::EnvRefused,
                format!("Lambda refused the environment of `{name}` as over its 4 KB limit"),
                "shorten or move more variables; nothing of the function was changed",
            ));
        }
        if code(&e).as_deref() == Some("PreconditionFailedException") {
            return Err(Error::Refused {
                code: Code::ChangedWhileReading,
                message: format!("function `{name}` changed while migrate was reading it"),
                help: "nothing was lost: re-run the same command, it reads the function again"
                    .into(),
            });
        }
        return Err(into_error(
            e,
            format!("updating the environment of `{name}`"),
        ));
    }
    crate::aws::function::wait_until_updated_named(lambda, name).await
}

/// Publish `$LATEST` as a version (Lambda returns the latest version when nothing changed).
pub async fn publish_version(lambda: &Client, name: &str, description: &str) -> Result<String> {
    let out = lambda
        .publish_version()
        .function_name(name)
        .description(description)
        .send()
        .await
        .map_err(|e| into_error(e, format!("publishing a version of `{name}`")))?;
    Error::required(out.version(), "PublishVersion", "Version")
}

/// Point `alias` at `version`, creating the alias when it does not exist.
pub async fn point_alias(lambda: &Client, name: &str, alias: &str, version: &str) -> Result<()> {
    let action = || format!("moving alias `{alias}` of `{name}` to version {version}");
    let updated = lambda
        .update_alias()
        .function_name(name)
        .name(alias)
        .function_version(version)
        .send()
        .await;
    if unless_missing(updated, action)?.is_some() {
        return Ok(());
    }
    let created = lambda
        .create_alias()
        .function_name(name)
        .name(alias)
        .function_version(version)
        .send()
        .await;
    created.map(drop).map_err(|e| into_error(e, action()))
}

/// The published versions whose environment still carries any of `vars`.
pub async fn versions_holding(lambda: &Client, name: &str, vars: &[String]) -> Result<Vec<String>> {
    let versions = Reader::new(lambda)
        .versions(name)
        .await?
        .unwrap_or_default();
    let published = versions.into_iter().filter(|v| !v.is_latest());
    let holding = published.filter(|v| vars.iter().any(|var| v.env.contains_key(var)));
    Ok(holding.map(|v| v.version).collect())
}

/// An alias and every version it routes to (its version, and those its weighted routing
/// config sends a share of invocations to).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AliasRoute {
    pub alias: String,
    pub versions: Vec<String>,
}

/// Every alias of the function and the versions it routes to.
pub async fn alias_routes(lambda: &Client, name: &str) -> Result<Vec<AliasRoute>> {
    let aliases = Reader::new(lambda).aliases(name).await?.unwrap_or_default();
    let routes = aliases.iter().map(|alias| AliasRoute {
        alias: alias.name.clone(),
        versions: alias.versions(),
    });
    Ok(routes.collect())
}

/// Delete one published version; already gone counts as done.
pub async fn delete_version(lambda: &Client, name: &str, version: &str) -> Result<()> {
    let deleted = lambda
        .delete_function()
        .function_name(name)
        .qualifier(version)
        .send()
        .await;
    unless_missing(deleted, || {
        format!("deleting version {version} of `{name}`")
    })
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_function_changed_since_it_was_read_is_a_refusal_to_re_run() {
        use aws_sdk_lambda::operation::update_function_configuration::UpdateFunctionConfigurationError;
        use aws_sdk_lambda::types::error::PreconditionFailedException;
        use aws_smithy_mocks::{mock, mock_client};
        // Lambda's answer when the RevisionId no longer matches.
        let rule = mock!(aws_sdk_lambda::Client::update_function_configuration).then_error(|| {
            UpdateFunctionConfigurationError::PreconditionFailedException(
                PreconditionFailedException::builder()
                    .message("The Revision Id provided does not match the latest Revision Id.")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("PreconditionFailedException")
                            .build(),
                    )
                    .build(),
            )
        });
        let lambda = mock_client!(aws_sdk_lambda, [&rule]);
        let err = update_env_and_layers(&lambda, "billing", Some("r1"), &BTreeMap::new(), &[])
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{err:?}");
        assert!(err.help_text().unwrap().contains("re-run"));
    }

    #[test]
    fn debug_shows_no_value() {
        let function = TargetFunction {
            env: BTreeMap::from([("DB_PASSWORD".into(), "hunter2-secret".into())]).into(),
            ..Default::default()
        };
        let shown = format!("{function:?}");
        assert!(shown.contains("DB_PASSWORD") && !shown.contains("hunter2"));
    }
}
