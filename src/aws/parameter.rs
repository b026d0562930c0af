//! The lab's `SecureString` parameter `/{name}/credentials`, the Parameter Store home of the
//! credentials: read its metadata and tags, create it, update its value or key, delete it.
//! Values travel only as [`SecretValue`], whose `Debug` never shows them.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType, ResourceTypeForTagging, Tag};
use aws_sdk_ssm::Client;

use crate::aws::errors::{into_error, unless_missing};
use crate::aws::observed::Observed;
use crate::aws::secret::SecretValue;
use crate::domain::arn::Scope;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};

/// What `up`, `status` and `teardown` need to know about the parameter (never its value).
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterInfo {
    pub arn: String,
    pub version: i64,
    /// `SecureString` (anything else is rewritten as one).
    pub secure: bool,
    /// The KMS key that encrypts it (`alias/aws/ssm` for the AWS managed key).
    pub key_id: Option<String>,
}

/// The parameter's ARN, as IAM policies name it (names start with `/`, the ARN keeps one).
pub fn parameter_arn(
    partition: &str,
    region: &str,
    account: &str,
    names: &ResourceNames,
) -> String {
    Scope::new(partition, region, account)
        .parameter(&names.parameter)
        .to_string()
}

pub async fn get_parameter(ssm: &Client, names: &ResourceNames) -> Result<Observed<ParameterInfo>> {
    let action = || format!("reading parameter `{}`", names.parameter);
    let described = ssm
        .describe_parameters()
        .parameter_filters(
            ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(&names.parameter)
                .build()
                .map_err(|e| Error::bug(format!("bad parameter filter: {e}")))?,
        )
        .send()
        .await
        .map_err(|e| into_error(e, action()))?;
    let Some(metadata) = described
        .parameters()
        .iter()
        .find(|p| p.name() == Some(names.parameter.as_str()))
    else {
        return Ok(Observed::Missing);
    };
    let tags = ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(&names.parameter)
        .send()
        .await;
    let Some(tags) = unless_missing(tags, action)? else {
        return Ok(Observed::Missing);
    };
    let owned = names.is_owned(tags.tag_list().iter().map(|t| (t.key(), t.value())));
    if !owned {
        return Ok(Observed::Foreign);
    }
    Ok(Observed::Owned(ParameterInfo {
        arn: metadata
            .arn()
            .map(str::to_string)
            .ok_or_else(|| Error::missing_field("DescribeParameters", "ARN"))?,
        version: metadata.version(),
        secure: metadata.r#type() == Some(&ParameterType::SecureString),
        key_id: metadata.key_id().map(str::to_string),
    }))
}

/// Create the parameter (tagged as the lab's). `Ok(false)` when the name is taken after all
/// (a race, or a crashed run): the caller re-reads and converges.
pub async fn create_parameter(
    ssm: &Client,
    names: &ResourceNames,
    value: &SecretValue,
    kms_key: Option<&str>,
) -> Result<bool> {
    let description = names.store_description();
    create_named(
        ssm,
        &names.parameter,
        &description,
        value,
        kms_key,
        &names.tags(),
    )
    .await
}

/// The parameter's current value, decrypted.
pub async fn read_value(ssm: &Client, names: &ResourceNames) -> Result<SecretValue> {
    read_named(ssm, &names.parameter).await
}

/// Delete the parameter if it is the lab's; `Ok(false)` when it was already gone.
/// Parameter Store has no recovery window: the value is gone with it.
pub async fn delete_parameter(ssm: &Client, names: &ResourceNames) -> Result<bool> {
    match get_parameter(ssm, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Parameter)),
        Observed::Owned(_) => {}
    }
    delete_named(ssm, &names.parameter).await
}

/// A parameter found by name (any parameter, not only the lab's).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedParameter {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    /// The KMS key that encrypts it.
    pub key_id: Option<String>,
}

pub async fn describe_named(ssm: &Client, name: &str) -> Result<Option<NamedParameter>> {
    let action = || format!("reading parameter `{name}`");
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .values(name)
        .build()
        .map_err(|e| Error::bug(format!("bad parameter filter: {e}")))?;
    let described = ssm
        .describe_parameters()
        .parameter_filters(filter)
        .send()
        .await;
    let described = described.map_err(|e| into_error(e, action()))?;
    let Some(metadata) = described
        .parameters()
        .iter()
        .find(|p| p.name() == Some(name))
    else {
        return Ok(None);
    };
    let Some(tags) = tags_of(ssm, name).await? else {
        return Ok(None);
    };
    Ok(Some(NamedParameter {
        arn: Error::required(metadata.arn(), "DescribeParameters", "ARN")?,
        key_id: metadata.key_id().map(str::to_string),
        tags,
    }))
}

/// The tags of the parameter `name`; `None` when it is gone.
async fn tags_of(ssm: &Client, name: &str) -> Result<Option<BTreeMap<String, String>>> {
    let tags = ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await;
    let tags = unless_missing(tags, || format!("reading the tags of parameter `{name}`"))?;
    Ok(tags.map(|t| {
        t.tag_list()
            .iter()
            .map(|tag| (tag.key().to_string(), tag.value().to_string()))
            .collect()
    }))
}

/// The names of every parameter tagged `key=value`.
pub async fn names_tagged(ssm: &Client, key: &str, value: &str) -> Result<Vec<String>> {
    let filter = ParameterStringFilter::builder()
        .key(format!("tag:{key}"))
        .option("Equals")
        .values(value)
        .build()
        .map_err(|e| Error::bug(format!("bad parameter filter: {e}")))?;
    let mut pages = ssm
        .describe_parameters()
        .parameter_filters(filter)
        .into_paginator()
        .send();
    let mut listed = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| into_error(e, "listing parameters by tag"))?;
        listed.extend(
            page.parameters()
                .iter()
                .filter_map(|p| p.name().map(str::to_string)),
        );
    }
    // Each one's tags are read back: an emulator may answer the tag filter with every
    // parameter (MiniStack does), and on AWS the filter leaves few to check.
    let mut names = Vec::new();
    for name in listed {
        if has_tag(ssm, &name, key, value).await? {
            names.push(name);
        }
    }
    Ok(names)
}

/// Whether the parameter `name` carries `key=value` (`false` when it is gone).
async fn has_tag(ssm: &Client, name: &str, key: &str, value: &str) -> Result<bool> {
    let tags = tags_of(ssm, name).await?;
    Ok(tags.is_some_and(|t| t.get(key).is_some_and(|v| v == value)))
}

/// Add (or overwrite) tags on any parameter.
pub async fn tag_named(ssm: &Client, name: &str, tags: &[(String, String)]) -> Result<()> {
    let tags = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::bug(format!("bad SSM tag: {e}")))?;
    ssm.add_tags_to_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .set_tags(Some(tags))
        .send()
        .await
        .map(drop)
        .map_err(|e| into_error(e, format!("tagging parameter `{name}`")))
}

/// Create a `SecureString` parameter with these tags; `Ok(false)` when the name is taken.
pub async fn create_named(
    ssm: &Client,
    name: &str,
    description: &str,
    value: &SecretValue,
    kms_key: Option<&str>,
    tags: &[(String, String)],
) -> Result<bool> {
    let tags = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::bug(format!("bad SSM tag: {e}")))?;
    let created = ssm
        .put_parameter()
        .name(name)
        .description(description)
        .r#type(ParameterType::SecureString)
        .value(value.expose())
        .set_key_id(kms_key.map(str::to_string))
        .set_tags(Some(tags))
        .send()
        .await;
    match created {
        Ok(_) => Ok(true),
        Err(e) if crate::aws::errors::code(&e).as_deref() == Some("ParameterAlreadyExists") => {
            Ok(false)
        }
        Err(e) => Err(into_error(e, format!("creating parameter `{name}`"))),
    }
}

/// Any parameter's current value, decrypted.
pub async fn read_named(ssm: &Client, name: &str) -> Result<SecretValue> {
    let out = ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await;
    let out = out.map_err(|e| into_error(e, format!("reading parameter `{name}`")))?;
    let value = out
        .parameter()
        .and_then(|p| p.value())
        .ok_or_else(|| Error::missing_field("GetParameter", "Parameter.Value"))?;
    Ok(SecretValue::from_stored(value))
}

/// Overwrite any parameter's value as a `SecureString`.
pub async fn put_named(
    ssm: &Client,
    name: &str,
    value: &SecretValue,
    kms_key: Option<&str>,
) -> Result<()> {
    ssm.put_parameter()
        .name(name)
        .r#type(ParameterType::SecureString)
        .value(value.expose())
        .set_key_id(kms_key.map(str::to_string))
        .overwrite(true)
        .send()
        .await
        .map(drop)
        .map_err(|e| into_error(e, format!("updating parameter `{name}`")))
}

/// Replace an existing parameter's value, keeping its type: Parameter Store refuses to turn a
/// `String` into a `SecureString` (`HierarchyTypeMismatchException`), and infrastructure code
/// that cannot create a `SecureString` (CloudFormation) makes `String`s.
pub async fn overwrite_value(ssm: &Client, name: &str, value: &SecretValue) -> Result<()> {
    ssm.put_parameter()
        .name(name)
        .value(value.expose())
        .overwrite(true)
        .send()
        .await
        .map(drop)
        .map_err(|e| into_error(e, format!("updating parameter `{name}`")))
}

/// Delete any parameter; already gone counts as done.
pub async fn delete_named(ssm: &Client, name: &str) -> Result<bool> {
    let deleted = ssm.delete_parameter().name(name).send().await;
    Ok(unless_missing(deleted, || format!("deleting parameter `{name}`"))?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::LabName;

    #[test]
    fn arn_keeps_one_slash() {
        let names = LabName::new("demo").unwrap().resources();
        assert_eq!(
            parameter_arn("aws", "eu-west-1", "123456789012", &names),
            "arn:aws:ssm:eu-west-1:123456789012:parameter/demo/credentials"
        );
    }
}
