//! The lab's customer-managed IAM policy `{name}-read-secret`: create, update by new version, delete.

use aws_sdk_iam::types::PolicyVersion;
use aws_sdk_iam::Client;
use serde_json::Value;

use crate::aws::errors::{delete_each, into_error, is_already_exists, unless_missing};
use crate::aws::observed::Observed;
use crate::aws::role::{self, is_owned_iam};
use crate::domain::arn::Scope;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::policy::{parse_document, same_policy};
use crate::error::{Error, Result};

/// IAM keeps at most five versions of a managed policy.
const MAX_POLICY_VERSIONS: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyInfo {
    pub arn: String,
    pub document: Option<Value>,
}

pub fn policy_arn(partition: &str, account: &str, names: &ResourceNames) -> String {
    Scope::new(partition, "", account)
        .policy(&names.policy)
        .to_string()
}

pub async fn get_policy(
    iam: &Client,
    arn: &str,
    names: &ResourceNames,
) -> Result<Observed<PolicyInfo>> {
    let action = || format!("reading IAM policy `{}`", names.policy);
    let found = unless_missing(iam.get_policy().policy_arn(arn).send().await, action)?;
    let Some(policy) = found.and_then(|out| out.policy) else {
        return Ok(Observed::Missing);
    };
    let owned = is_owned_iam(names, policy.tags(), || async {
        let listed = iam.list_policy_tags().policy_arn(arn).send().await;
        Ok(listed.map_err(|e| into_error(e, action()))?.tags)
    })
    .await?;
    if !owned {
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
    iam: &Client,
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
            .ok_or_else(|| Error::missing_field("CreatePolicy", "Policy.Arn")),
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
            _ => Err(Error::not_owned(names, ResourceKind::Policy)),
        },
        Err(e) => Err(into_error(
            e,
            format!("creating IAM policy `{}`", names.policy),
        )),
    }
}

/// Replace the document with a new default version, pruning the oldest when IAM's limit is reached.
pub async fn update_policy(
    iam: &Client,
    arn: &str,
    names: &ResourceNames,
    document: &Value,
) -> Result<()> {
    let action = || format!("updating IAM policy `{}`", names.policy);
    let mut old = old_versions(iam, arn, action).await?;
    // IAM keeps at most five versions: the new one needs room.
    if old.len() + 1 >= MAX_POLICY_VERSIONS {
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

/// The policy's versions other than the default one.
async fn old_versions(
    iam: &Client,
    arn: &str,
    action: impl FnOnce() -> String,
) -> Result<Vec<PolicyVersion>> {
    let listed = iam.list_policy_versions().policy_arn(arn).send().await;
    let versions = listed.map_err(|e| into_error(e, action()))?.versions;
    Ok(versions
        .unwrap_or_default()
        .into_iter()
        .filter(|v| !v.is_default_version())
        .collect())
}

/// Detach from every role, delete non-default versions, then the policy. Missing counts as done.
pub async fn delete_policy(iam: &Client, arn: &str, names: &ResourceNames) -> Result<bool> {
    match get_policy(iam, arn, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Policy)),
        Observed::Owned(_) => {}
    }
    let action = || format!("deleting IAM policy `{}`", names.policy);
    let entities = iam.list_entities_for_policy().policy_arn(arn).send().await;
    let entities = entities.map_err(|e| into_error(e, action()))?;
    let roles = entities.policy_roles().iter().filter_map(|r| r.role_name());
    for role_name in roles {
        role::detach_policy(iam, role_name, arn).await?;
    }
    let old = old_versions(iam, arn, action).await?;
    let versions = old.iter().filter_map(|v| v.version_id());
    let delete_version = |id| {
        iam.delete_policy_version()
            .policy_arn(arn)
            .version_id(id)
            .send()
    };
    delete_each(versions, action, delete_version).await?;
    let deleted = iam.delete_policy().policy_arn(arn).send().await;
    Ok(unless_missing(deleted, action)?.is_some())
}
