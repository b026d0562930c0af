//! The lab's customer-managed IAM policy `{name}-read-secret`: create, update by new version, delete.

use serde_json::Value;

use crate::aws::errors::{into_error, is_already_exists, is_not_found};
use crate::aws::observed::Observed;
use crate::aws::role::{self, missing_field};
use crate::error::{Error, Result};
use crate::lab::names::ResourceNames;
use crate::lab::policy::{parse_document, same_policy};

/// IAM keeps at most five versions of a managed policy.
const MAX_POLICY_VERSIONS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyInfo {
    pub arn: String,
    pub document: Option<Value>,
}

pub fn policy_arn(partition: &str, account: &str, names: &ResourceNames) -> String {
    format!("arn:{partition}:iam::{account}:policy/{}", names.policy)
}

pub async fn get_policy(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    names: &ResourceNames,
) -> Result<Observed<PolicyInfo>> {
    let action = || format!("reading IAM policy `{}`", names.policy);
    let policy = match iam.get_policy().policy_arn(arn).send().await {
        Ok(out) => match out.policy {
            Some(policy) => policy,
            None => return Ok(Observed::Missing),
        },
        Err(e) if is_not_found(&e) => return Ok(Observed::Missing),
        Err(e) => return Err(into_error(e, action())),
    };
    let mut tags: Vec<(String, String)> = policy
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    if tags.is_empty() {
        tags = iam
            .list_policy_tags()
            .policy_arn(arn)
            .send()
            .await
            .map_err(|e| into_error(e, action()))?
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
    }
    if !names.is_owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        return Ok(Observed::Foreign);
    }
    let document = match policy.default_version_id() {
        Some(version) => iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| into_error(e, action()))?
            .policy_version()
            .and_then(|v| v.document())
            .and_then(parse_document),
        None => None,
    };
    Ok(Observed::Owned(PolicyInfo {
        arn: arn.to_string(),
        document,
    }))
}

pub async fn create_policy(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    names: &ResourceNames,
    document: &Value,
) -> Result<String> {
    let created = iam
        .create_policy()
        .policy_name(&names.policy)
        .policy_document(document.to_string())
        .description(format!(
            "secretslab lab `{}`: read this lab's secret only",
            names.lab
        ))
        .set_tags(Some(role::iam_tags(names)?))
        .send()
        .await;
    match created {
        Ok(out) => out
            .policy()
            .and_then(|p| p.arn())
            .map(str::to_string)
            .ok_or_else(|| missing_field("CreatePolicy", "Policy.Arn")),
        // A crashed run may have created it already: converge its document instead.
        Err(e) if is_already_exists(&e) => match get_policy(iam, arn, names).await? {
            Observed::Owned(info) => {
                if !info
                    .document
                    .as_ref()
                    .is_some_and(|d| same_policy(d, document))
                {
                    update_policy(iam, arn, names, document).await?;
                }
                Ok(info.arn)
            }
            _ => Err(not_owned(names)),
        },
        Err(e) => Err(into_error(
            e,
            format!("creating IAM policy `{}`", names.policy),
        )),
    }
}

/// Replace the document with a new default version, pruning the oldest when IAM's limit is reached.
pub async fn update_policy(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    names: &ResourceNames,
    document: &Value,
) -> Result<()> {
    let action = || format!("updating IAM policy `{}`", names.policy);
    let versions = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| into_error(e, action()))?;
    let mut old: Vec<_> = versions
        .versions()
        .iter()
        .filter(|v| !v.is_default_version())
        .collect();
    if versions.versions().len() >= MAX_POLICY_VERSIONS {
        old.sort_by_key(|v| v.create_date().map(|d| d.secs()).unwrap_or_default());
        if let Some(oldest) = old.first().and_then(|v| v.version_id()) {
            iam.delete_policy_version()
                .policy_arn(arn)
                .version_id(oldest)
                .send()
                .await
                .map_err(|e| into_error(e, action()))?;
        }
    }
    iam.create_policy_version()
        .policy_arn(arn)
        .policy_document(document.to_string())
        .set_as_default(true)
        .send()
        .await
        .map_err(|e| into_error(e, action()))?;
    Ok(())
}

/// Detach from every role, delete non-default versions, then the policy. Missing counts as done.
pub async fn delete_policy(
    iam: &aws_sdk_iam::Client,
    arn: &str,
    names: &ResourceNames,
) -> Result<bool> {
    match get_policy(iam, arn, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign => return Err(not_owned(names)),
        Observed::Owned(_) => {}
    }
    let action = || format!("deleting IAM policy `{}`", names.policy);
    let entities = iam
        .list_entities_for_policy()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| into_error(e, action()))?;
    for role in entities.policy_roles() {
        if let Some(role_name) = role.role_name() {
            match iam
                .detach_role_policy()
                .role_name(role_name)
                .policy_arn(arn)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(into_error(e, action())),
            }
        }
    }
    let versions = iam
        .list_policy_versions()
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| into_error(e, action()))?;
    for version in versions
        .versions()
        .iter()
        .filter(|v| !v.is_default_version())
    {
        if let Some(id) = version.version_id() {
            match iam
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(id)
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_not_found(&e) => {}
                Err(e) => return Err(into_error(e, action())),
            }
        }
    }
    match iam.delete_policy().policy_arn(arn).send().await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(into_error(e, action())),
    }
}

fn not_owned(names: &ResourceNames) -> Error {
    Error::NotOwned {
        resource: format!("IAM policy `{}`", names.policy),
        lab: names.lab.clone(),
    }
}
