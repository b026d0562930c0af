//! The lab's IAM role: trust for Lambda, the two attached policies, and its removal.

use aws_sdk_iam::types::Tag;

use crate::aws::errors::{into_error, is_already_exists, is_not_found};
use crate::aws::observed::Observed;
use crate::error::{Error, Result};
use crate::lab::names::ResourceNames;
use crate::lab::policy::{parse_document, same_policy, trust_policy};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub arn: String,
    pub trust_matches: bool,
    pub attached: Vec<String>,
}

/// The lab's ownership tags in IAM's shape (roles and policies).
pub(crate) fn iam_tags(names: &ResourceNames) -> Result<Vec<Tag>> {
    names
        .tags()
        .into_iter()
        .map(|(key, value)| {
            Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| Error::Aws {
                    action: "building IAM tags".into(),
                    detail: e.to_string(),
                    help: "this is a bug in secretslab; please report it".into(),
                })
        })
        .collect()
}

/// Look the role up, with its trust policy and attached policies.
pub async fn get_role(
    iam: &aws_sdk_iam::Client,
    names: &ResourceNames,
) -> Result<Observed<RoleInfo>> {
    let action = || format!("reading IAM role `{}`", names.role);
    let role = match iam.get_role().role_name(&names.role).send().await {
        Ok(out) => match out.role {
            Some(role) => role,
            None => return Ok(Observed::Missing),
        },
        Err(e) if is_not_found(&e) => return Ok(Observed::Missing),
        Err(e) => return Err(into_error(e, action())),
    };
    let mut tags: Vec<(String, String)> = role
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    if tags.is_empty() {
        // GetRole may omit tags; ListRoleTags is authoritative.
        tags = iam
            .list_role_tags()
            .role_name(&names.role)
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
pub async fn create_role(iam: &aws_sdk_iam::Client, names: &ResourceNames) -> Result<String> {
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
            .ok_or_else(|| missing_field("CreateRole", "Role")),
        Err(e) if is_already_exists(&e) => match get_role(iam, names).await? {
            Observed::Owned(info) => Ok(info.arn),
            _ => Err(not_owned(names)),
        },
        Err(e) => Err(into_error(e, format!("creating IAM role `{}`", names.role))),
    }
}

pub async fn update_trust_policy(iam: &aws_sdk_iam::Client, names: &ResourceNames) -> Result<()> {
    iam.update_assume_role_policy()
        .role_name(&names.role)
        .policy_document(trust_policy().to_string())
        .send()
        .await
        .map_err(|e| into_error(e, format!("updating the trust policy of `{}`", names.role)))?;
    Ok(())
}

/// Attach `policy_arn` (attaching twice is harmless, but callers skip it when already attached).
pub async fn attach_policy(
    iam: &aws_sdk_iam::Client,
    names: &ResourceNames,
    policy_arn: &str,
) -> Result<()> {
    iam.attach_role_policy()
        .role_name(&names.role)
        .policy_arn(policy_arn)
        .send()
        .await
        .map_err(|e| into_error(e, format!("attaching `{policy_arn}` to `{}`", names.role)))?;
    Ok(())
}

/// Detach every policy, delete inline ones, then the role. Missing counts as done.
pub async fn delete_role(iam: &aws_sdk_iam::Client, names: &ResourceNames) -> Result<bool> {
    let info = match get_role(iam, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign => return Err(not_owned(names)),
        Observed::Owned(info) => info,
    };
    let action = || format!("deleting IAM role `{}`", names.role);
    for policy_arn in &info.attached {
        match iam
            .detach_role_policy()
            .role_name(&names.role)
            .policy_arn(policy_arn)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(into_error(e, action())),
        }
    }
    let inline = iam
        .list_role_policies()
        .role_name(&names.role)
        .send()
        .await
        .map_err(|e| into_error(e, action()))?;
    for policy_name in inline.policy_names() {
        match iam
            .delete_role_policy()
            .role_name(&names.role)
            .policy_name(policy_name)
            .send()
            .await
        {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => {}
            Err(e) => return Err(into_error(e, action())),
        }
    }
    match iam.delete_role().role_name(&names.role).send().await {
        Ok(_) => Ok(true),
        Err(e) if is_not_found(&e) => Ok(false),
        Err(e) => Err(into_error(e, action())),
    }
}

fn not_owned(names: &ResourceNames) -> Error {
    Error::NotOwned {
        resource: format!("IAM role `{}`", names.role),
        lab: names.lab.clone(),
    }
}

pub(crate) fn missing_field(operation: &str, field: &str) -> Error {
    Error::Aws {
        action: format!("reading the {operation} answer"),
        detail: format!("the answer has no {field}"),
        help: "check `--endpoint-url`: the endpoint does not behave like AWS".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::names::LabName;
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
        let get = mock!(aws_sdk_iam::Client::get_role)
            .then_output(|| GetRoleOutput::builder().role(role_without_tags()).build());
        let tags = mock!(aws_sdk_iam::Client::list_role_tags).then_output(|| {
            ListRoleTagsOutput::builder()
                .set_tags(Some(vec![]))
                .build()
                .unwrap()
        });
        let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&create, &get, &tags]);
        let err = create_role(&iam, &names()).await.unwrap_err();
        assert!(matches!(err, Error::NotOwned { .. }), "{err:?}");
        assert!(err.help_text().unwrap().contains("--name"));
    }

    #[tokio::test]
    async fn delete_refuses_a_foreign_role() {
        let get = mock!(aws_sdk_iam::Client::get_role)
            .then_output(|| GetRoleOutput::builder().role(role_without_tags()).build());
        let tags = mock!(aws_sdk_iam::Client::list_role_tags).then_output(|| {
            ListRoleTagsOutput::builder()
                .set_tags(Some(vec![]))
                .build()
                .unwrap()
        });
        let delete = mock!(aws_sdk_iam::Client::delete_role).then_output(|| {
            aws_sdk_iam::operation::delete_role::DeleteRoleOutput::builder().build()
        });
        let iam = mock_client!(aws_sdk_iam, RuleMode::Sequential, [&get, &tags, &delete]);
        assert!(delete_role(&iam, &names()).await.is_err());
        assert_eq!(delete.num_calls(), 0);
    }
}
