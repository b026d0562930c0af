//! Any Lambda function `migrate` works on (not only the lab's): its configuration and tags,
//! a change of environment and layers guarded by the revision it was read at, a published
//! version, an alias moved to it, which published versions still hold a variable, the
//! aliases routing to versions, and deleting a version.

use crate::domain::arn::Arn;
use crate::domain::environment::Environment;
use std::collections::BTreeMap;

use aws_sdk_lambda::types::{Environment as SdkEnvironment, PackageType, SnapStartApplyOn};
use aws_sdk_lambda::Client;

use crate::aws::errors::{code, describe, into_error, unless_missing};
use crate::aws::function::{env_of, layers_of};
use crate::error::{Code, Error, Result};

/// What migrate needs to know about a function (its values stay in memory only).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TargetFunction {
    pub name: String,
    /// The unqualified ARN.
    pub arn: String,
    pub role_arn: String,
    pub runtime: Option<String>,
    pub architecture: String,
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
    let found = lambda.get_function().function_name(name).send().await;
    let Some(out) = unless_missing(found, || format!("reading function `{name}`"))? else {
        return Ok(None);
    };
    let config = out
        .configuration()
        .ok_or_else(|| Error::missing_field("GetFunction", "Configuration"))?;
    let arn = Error::required(config.function_arn(), "GetFunction", "FunctionArn")?;
    Ok(Some(TargetFunction {
        name: config.function_name().unwrap_or(name).to_string(),
        arn: unqualified(&arn),
        role_arn: config.role().unwrap_or_default().to_string(),
        runtime: config.runtime().map(|r| r.as_str().to_string()),
        architecture: config
            .architectures()
            .first()
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|| "x86_64".to_string()),
        layers: layers_of(config),
        env: env_of(config).into(),
        vpc_id: config
            .vpc_config()
            .and_then(|v| v.vpc_id())
            .filter(|id| !id.is_empty())
            .map(str::to_string),
        code_sha256: config.code_sha256().unwrap_or_default().to_string(),
        revision_id: config.revision_id().map(str::to_string),
        tags: out
            .tags()
            .map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        image: config.package_type() == Some(&PackageType::Image),
        snap_start: config.snap_start().and_then(|s| s.apply_on())
            == Some(&SnapStartApplyOn::PublishedVersions),
        handler: config.handler().map(str::to_string),
        timeout: config.timeout(),
        memory: config.memory_size(),
    }))
}

/// `arn:…:function:name:qualifier` → `arn:…:function:name`.
fn unqualified(arn: &str) -> String {
    Arn::parse(arn).map_or_else(|| arn.to_string(), |arn| arn.unqualified().to_string())
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
    let mut holding = Vec::new();
    let mut pages = lambda
        .list_versions_by_function()
        .function_name(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| into_error(e, format!("listing the versions of `{name}`")))?;
        for version in page.versions() {
            let published = version.version().filter(|v| *v != "$LATEST");
            let holds = version
                .environment()
                .and_then(|e| e.variables())
                .is_some_and(|env| vars.iter().any(|v| env.contains_key(v)));
            if let (Some(number), true) = (published, holds) {
                holding.push(number.to_string());
            }
        }
    }
    Ok(holding)
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
    let mut routes = Vec::new();
    let mut pages = lambda
        .list_aliases()
        .function_name(name)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| into_error(e, format!("listing the aliases of `{name}`")))?;
        for alias in page.aliases() {
            let mut versions: Vec<String> = alias
                .function_version()
                .into_iter()
                .map(str::to_string)
                .collect();
            let weights = alias
                .routing_config()
                .and_then(|r| r.additional_version_weights());
            versions.extend(weights.into_iter().flat_map(|w| w.keys().cloned()));
            routes.push(AliasRoute {
                alias: alias.name().unwrap_or_default().to_string(),
                versions,
            });
        }
    }
    Ok(routes)
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

    #[test]
    fn qualifiers_are_dropped() {
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:app";
        assert_eq!(unqualified(&format!("{arn}:7")), arn);
        assert_eq!(unqualified(arn), arn);
    }

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
