//! The lab's IAM role: trust for Lambda, the two attached policies, and its removal.

use aws_sdk_iam::types::Tag;
use aws_sdk_iam::Client;

use crate::aws::errors::{delete_each, into_error, is_already_exists, sent, unless_missing};
use crate::aws::observed::Observed;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::policy::{parse_document, same_policy, trust_policy};
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub arn: String,
    pub trust_matches: bool,
    pub attached: Vec<String>,
}

/// The lab's ownership tags in IAM's shape (roles and policies).
pub(crate) fn iam_tags(names: &ResourceNames) -> Result<Vec<Tag>> {
    crate::aws::errors::sdk_tags(names, "IAM", |key, value| {
        Tag::builder().key(key).value(value).build()
    })
}

/// Whether an IAM resource carries the lab's tags. IAM's `Get*` answers may omit tags;
/// `list` (the `List*Tags` call) is authoritative then.
pub(crate) async fn is_owned_iam<F, Fut>(
    names: &ResourceNames,
    tags: &[Tag],
    list: F,
) -> Result<bool>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Tag>>>,
{
    let listed;
    let tags = if tags.is_empty() {
        listed = list().await?;
        listed.as_slice()
    } else {
        tags
    };
    Ok(names.is_owned(tags.iter().map(|t| (t.key(), t.value()))))
}

/// Look the role up, with its trust policy and attached policies.
pub async fn get_role(iam: &Client, names: &ResourceNames) -> Result<Observed<RoleInfo>> {
    let action = || format!("reading IAM role `{}`", names.role);
    let found = unless_missing(iam.get_role().role_name(&names.role).send().await, action)?;
    let Some(role) = found.and_then(|out| out.role) else {
        return Ok(Observed::Missing);
    };
    let owned = is_owned_iam(names, role.tags(), || async {
        let listed = iam.list_role_tags().role_name(&names.role).send().await;
        Ok(listed.map_err(|e| into_error(e, action()))?.tags)
    })
    .await?;
    if !owned {
        return Ok(Observed::Foreign);
    }
    let trust_matches = role
        .assume_role_policy_document()
        .and_then(parse_document)
        .is_some_and(|doc| same_policy(&doc, &trust_policy()));
    let attached = iam
        .list_attached_role_policies()
        .role_name(&names.role)
        .send()
        .await
        .map_err(|e| into_error(e, action()))?
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect();
    Ok(Observed::Owned(RoleInfo {
        arn: role.arn().to_string(),
        trust_matches,
        attached,
    }))
}

/// Create the role; if a crashed run already created it, adopt it when it is ours.
pub async fn create_role(iam: &Client, names: &ResourceNames) -> Result<String> {
    let created = iam
        .create_role()
        .role_name(&names.role)
        .assume_role_policy_document(trust_policy().to_string())
        .description(format!(
            "secretslab lab `{}`: lets the function read its secret",
            names.lab
        ))
        .set_tags(Some(iam_tags(names)?))
        .send()
        .await;
    match created {
        Ok(out) => out
            .role()
            .map(|r| r.arn().to_string())
            .ok_or_else(|| Error::missing_field("CreateRole", "Role")),
        Err(e) if is_already_exists(&e) => match get_role(iam, names).await? {
            Observed::Owned(info) => Ok(info.arn),
            _ => Err(Error::not_owned(names, ResourceKind::Role)),
        },
        Err(e) => Err(into_error(e, format!("creating IAM role `{}`", names.role))),
    }
}

pub async fn update_trust_policy(iam: &Client, names: &ResourceNames) -> Result<()> {
    let request = iam.update_assume_role_policy().role_name(&names.role);
    let result = request
        .policy_document(trust_policy().to_string())
        .send()
        .await;
    sent(result, || {
        format!("updating the trust policy of `{}`", names.role)
    })
}

/// Attach `policy_arn` (attaching twice is harmless, but callers skip it when already attached).
pub async fn attach_policy(iam: &Client, names: &ResourceNames, policy_arn: &str) -> Result<()> {
    let request = iam.attach_role_policy().role_name(&names.role);
    let result = request.policy_arn(policy_arn).send().await;
    sent(result, || {
        format!("attaching `{policy_arn}` to `{}`", names.role)
    })
}

/// Detach a managed policy from a role; already detached counts as done.
pub async fn detach_policy(iam: &Client, role_name: &str, policy_arn: &str) -> Result<()> {
    let request = iam.detach_role_policy().role_name(role_name);
    let detached = request.policy_arn(policy_arn).send().await;
    let action = || format!("detaching `{policy_arn}` from `{role_name}`");
    unless_missing(detached, action).map(drop)
}

/// Detach every policy, delete inline ones, then the role. Missing counts as done.
pub async fn delete_role(iam: &Client, names: &ResourceNames) -> Result<bool> {
    let info = match get_role(iam, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Role)),
        Observed::Owned(info) => info,
    };
    let action = || format!("deleting IAM role `{}`", names.role);
    for policy_arn in &info.attached {
        detach_policy(iam, &names.role, policy_arn).await?;
    }
    let inline = iam.list_role_policies().role_name(&names.role).send().await;
    let inline = inline.map_err(|e| into_error(e, action()))?.policy_names;
    let delete_inline = |name| {
        iam.delete_role_policy()
            .role_name(&names.role)
            .policy_name(name)
            .send()
    };
    delete_each(inline, action, delete_inline).await?;
    let deleted = iam.delete_role().role_name(&names.role).send().await;
    Ok(unless_missing(deleted, action)?.is_some())
}

/// An inline policy of any role, by name: its document, or `None` when there is none.
pub async fn get_inline_policy(
    iam: &Client,
    role_name: &str,
    policy_name: &str,
) -> Result<Option<serde_json::Value>> {
    let request = iam.get_role_policy().role_name(role_name);
    let found = request.policy_name(policy_name).send().await;
    let action = || format!("reading policy `{policy_name}` of role `{role_name}`");
    Ok(unless_missing(found, action)?.and_then(|out| parse_document(out.policy_document())))
}

/// Create or replace an inline policy (one name, one document: re-running never duplicates).
pub async fn put_inline_policy(
    iam: &Client,
    role_name: &str,
    policy_name: &str,
    document: &serde_json::Value,
) -> Result<()> {
    let request = iam.put_role_policy().role_name(role_name);
    let request = request.policy_name(policy_name);
    let result = request.policy_document(document.to_string()).send().await;
    sent(result, || {
        format!("granting role `{role_name}` its policy `{policy_name}`")
    })
}

/// Remove an inline policy; already gone counts as done.
pub async fn delete_inline_policy(iam: &Client, role_name: &str, policy_name: &str) -> Result<()> {
    let request = iam.delete_role_policy().role_name(role_name);
    let deleted = request.policy_name(policy_name).send().await;
    let action = || format!("removing policy `{policy_name}` from role `{role_name}`");
    unless_missing(deleted, action).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::LabName;
    use aws_sdk_iam::operation::create_role::CreateRoleError;
    use aws_sdk_iam::operation::get_role::GetRoleOutput;
    use aws_sdk_iam::operation::list_role_tags::ListRoleTagsOutput;
    use aws_sdk_iam::types::error::EntityAlreadyExistsException;
    use aws_sdk_iam::types::Role;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn names() -> ResourceNames {
        LabName::new("demo").unwrap().resources()
    }

    fn role_without_tags() -> Role {
        Role::builder()
            .path("/")
            .role_name("demo-role")
            .role_id("AROAEXAMPLE")
            .arn("arn:aws:iam::123456789012:role/demo-role")
            .create_date(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .unwrap()
    }

    /// GetRole finds the role without tags, and ListRoleTags confirms it has none.
    fn foreign_role_rules() -> (aws_smithy_mocks::Rule, aws_smithy_mocks::Rule) {
        let get = mock!(aws_sdk_iam::Client::get_role)
            .then_output(|| GetRoleOutput::builder().role(role_without_tags()).build());
        let tags = mock!(aws_sdk_iam::Client::list_role_tags).then_output(|| {
            let none = ListRoleTagsOutput::builder().set_tags(Some(vec![]));
            none.build().unwrap()
        });
        (get, tags)
    }

    #[tokio::test]
    async fn same_named_role_without_our_tags_is_refused() {
        let create = mock!(aws_sdk_iam::Client::create_role).then_error(|| {
            CreateRoleError::EntityAlreadyExistsException(
                EntityAlreadyExistsException::builder()
                    .message("exists")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("EntityAlreadyExists")
                            .build(),
                    )
                    .build(),
            )
        });
        let (get, tags) = foreign_role_rules();
        let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&create, &get, &tags]);
        let err = create_role(&iam, &names()).await.unwrap_err();
        assert!(matches!(err, Error::NotOwned { .. }), "{err:?}");
        assert!(err.help_text().unwrap().contains("--name"));
    }

    #[tokio::test]
    async fn delete_refuses_a_foreign_role() {
        let (get, tags) = foreign_role_rules();
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_output(|| {
            aws_sdk_iam::operation::delete_role::DeleteRoleOutput::builder().build()
        });
        let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&get, &tags, &delete]);
        assert!(delete_role(&iam, &names()).await.is_err());
        assert_eq!(delete.num_calls(), 0);
    }
}
