//! The lab's secret `{name}/credentials`: create (random password), restore after a
//! scheduled deletion, update a user-supplied value, delete with or without recovery window.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::types::Tag;
use aws_sdk_secretsmanager::Client;
use aws_smithy_types::DateTime;

use crate::aws::errors::{code, into_error, sent, unless_missing};
use crate::aws::observed::Observed;
use crate::domain::defaults;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Code, Error, Result};

/// Secrets Manager's limit for a SecretString.
pub const MAX_SECRET_BYTES: usize = 65_536;

/// A secret value. Its `Debug` never shows the value, so it cannot leak through logs.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl std::fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretValue(********)")
    }
}

impl SecretValue {
    /// Build the secret from user input: a JSON object is used as is; anything else is
    /// the password of `{"username": "lab-user", "password": …}`.
    pub fn from_user_input(raw: &[u8], origin: &str) -> Result<Self> {
        let too_big = |bytes: usize| {
            Error::invalid(
                Code::SecretTooLarge,
                format!(
                    "{origin} makes a secret of {bytes} bytes or more; Secrets Manager accepts at most {MAX_SECRET_BYTES}"
                ),
                "use a smaller value",
            )
        };
        if raw.len() > MAX_SECRET_BYTES {
            return Err(too_big(raw.len()));
        }
        let text = std::str::from_utf8(raw).map_err(|_| {
            Error::invalid(
                Code::SecretNotUtf8,
                format!("{origin} is not UTF-8 text"),
                "Secrets Manager stores text secrets as UTF-8; save the file as UTF-8",
            )
        })?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            return Err(Error::invalid(
                Code::SecretEmpty,
                format!("{origin} is empty"),
                "put the password (or a JSON object of keys and values) in it, or omit the flag to get a random password",
            ));
        }
        let secret = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(_)) => text.to_string(),
            _ => serde_json::json!({"username": defaults::LAB_USER, "password": text}).to_string(),
        };
        if secret.len() > MAX_SECRET_BYTES {
            return Err(too_big(secret.len()));
        }
        Ok(Self(secret))
    }

    pub fn from_password(password: &str) -> Self {
        Self(serde_json::json!({"username": defaults::LAB_USER, "password": password}).to_string())
    }

    /// A value read back from a store, kept exactly as stored.
    pub fn from_stored(value: &str) -> Self {
        Self(value.to_string())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecretInfo {
    pub arn: String,
    /// Set while the secret is scheduled for deletion.
    pub deleted_date: Option<DateTime>,
    pub kms_key_id: Option<String>,
}

pub async fn get_secret(sm: &Client, names: &ResourceNames) -> Result<Observed<SecretInfo>> {
    let described = sm.describe_secret().secret_id(&names.secret).send().await;
    let Some(out) = unless_missing(described, || format!("reading secret `{}`", names.secret))?
    else {
        return Ok(Observed::Missing);
    };
    let owned = names.is_owned(
        out.tags()
            .iter()
            .map(|t| (t.key().unwrap_or_default(), t.value().unwrap_or_default())),
    );
    if !owned {
        return Ok(Observed::Foreign);
    }
    Ok(Observed::Owned(SecretInfo {
        arn: out
            .arn()
            .ok_or_else(|| Error::missing_field("DescribeSecret", "ARN"))?
            .to_string(),
        deleted_date: out.deleted_date().copied(),
        kms_key_id: out.kms_key_id().map(str::to_string),
    }))
}

/// A random password from Secrets Manager itself, as the lab teaches.
pub async fn random_password(sm: &Client) -> Result<String> {
    let out = sm
        .get_random_password()
        .password_length(i64::from(defaults::PASSWORD_LENGTH))
        .exclude_characters(defaults::PASSWORD_EXCLUDED)
        .send()
        .await
        .map_err(|e| into_error(e, "generating a random password (GetRandomPassword)"))?;
    Error::required(out.random_password(), "GetRandomPassword", "RandomPassword")
}

/// The lab's credentials with a random password.
pub async fn random_secret(sm: &Client) -> Result<SecretValue> {
    Ok(SecretValue::from_password(&random_password(sm).await?))
}

pub enum Created {
    Arn(String),
    /// The name is taken by a secret scheduled for deletion (AWS: InvalidRequestException,
    /// some emulators: ResourceExistsException) or by a live one: the caller re-reads and converges.
    NameTaken,
}

pub async fn create_secret(
    sm: &Client,
    names: &ResourceNames,
    value: &SecretValue,
    kms_key: Option<&str>,
) -> Result<Created> {
    let description = names.store_description();
    create_named(
        sm,
        &names.secret,
        &description,
        value,
        kms_key,
        &names.tags(),
    )
    .await
}

/// Cancel a scheduled deletion.
pub async fn restore_secret(sm: &Client, names: &ResourceNames) -> Result<()> {
    restore_named(sm, &names.secret).await
}

/// The secret's current string value (`None` for a binary secret).
pub async fn read_value(sm: &Client, names: &ResourceNames) -> Result<Option<SecretValue>> {
    read_named(sm, &names.secret).await
}

/// Store `value` as the current version unless it already is.
pub async fn put_value_if_changed(
    sm: &Client,
    names: &ResourceNames,
    value: &SecretValue,
) -> Result<bool> {
    if read_value(sm, names).await?.as_ref() == Some(value) {
        return Ok(false);
    }
    sm.put_secret_value()
        .secret_id(&names.secret)
        .secret_string(value.expose())
        .send()
        .await
        .map_err(|e| into_error(e, format!("updating secret `{}`", names.secret)))?;
    Ok(true)
}

pub async fn set_kms_key(sm: &Client, names: &ResourceNames, kms_key: &str) -> Result<()> {
    let request = sm.update_secret().secret_id(&names.secret);
    let result = request.kms_key_id(kms_key).send().await;
    sent(result, || {
        format!("changing the KMS key of `{}`", names.secret)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    Days(u16),
    Immediate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecretDeletion {
    AlreadyGone,
    Deleted,
    ScheduledUntil(Option<DateTime>),
}

pub async fn delete_secret(
    sm: &Client,
    names: &ResourceNames,
    recovery: Recovery,
) -> Result<SecretDeletion> {
    let info = match get_secret(sm, names).await? {
        Observed::Missing => return Ok(SecretDeletion::AlreadyGone),
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Secret)),
        Observed::Owned(info) => info,
    };
    if info.deleted_date.is_some() && recovery != Recovery::Immediate {
        return Ok(SecretDeletion::ScheduledUntil(None));
    }
    let request = sm.delete_secret().secret_id(&info.arn);
    let request = match recovery {
        Recovery::Days(days) => request.recovery_window_in_days(i64::from(days)),
        Recovery::Immediate => request.force_delete_without_recovery(true),
    };
    let deleted = unless_missing(request.send().await, || {
        format!("deleting secret `{}`", names.secret)
    })?;
    Ok(match (deleted, recovery) {
        (None, _) => SecretDeletion::AlreadyGone,
        (Some(_), Recovery::Immediate) => SecretDeletion::Deleted,
        (Some(out), Recovery::Days(_)) => {
            SecretDeletion::ScheduledUntil(out.deletion_date().copied())
        }
    })
}

/// A secret found by name (any secret, not only the lab's): enough to decide whether it is
/// ours to change.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSecret {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    pub scheduled_for_deletion: bool,
    pub kms_key_id: Option<String>,
}

pub async fn describe_named(sm: &Client, name: &str) -> Result<Option<NamedSecret>> {
    let described = sm.describe_secret().secret_id(name).send().await;
    let Some(out) = unless_missing(described, || format!("reading secret `{name}`"))? else {
        return Ok(None);
    };
    Ok(Some(NamedSecret {
        arn: Error::required(out.arn(), "DescribeSecret", "ARN")?,
        tags: out
            .tags()
            .iter()
            .map(|t| {
                let text = |v: Option<&str>| v.unwrap_or_default().to_string();
                (text(t.key()), text(t.value()))
            })
            .collect(),
        scheduled_for_deletion: out.deleted_date().is_some(),
        kms_key_id: out.kms_key_id().map(str::to_string),
    }))
}

/// The names of every secret (also those scheduled for deletion) tagged `key=value`.
pub async fn names_tagged(sm: &Client, key: &str, value: &str) -> Result<Vec<String>> {
    use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType};
    let filter =
        |name: FilterNameStringType, v: &str| Filter::builder().key(name).values(v).build();
    let mut pages = sm
        .list_secrets()
        .include_planned_deletion(true)
        .filters(filter(FilterNameStringType::TagKey, key))
        .filters(filter(FilterNameStringType::TagValue, value))
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| into_error(e, "listing secrets by tag"))?;
        let tagged = page.secret_list().iter().filter(|s| {
            s.tags()
                .iter()
                .any(|t| t.key() == Some(key) && t.value() == Some(value))
        });
        names.extend(tagged.filter_map(|s| s.name().map(str::to_string)));
    }
    Ok(names)
}

/// Add (or overwrite) tags on any secret.
pub async fn tag_named(sm: &Client, name: &str, tags: &[(String, String)]) -> Result<()> {
    let tags = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build());
    let request = sm
        .tag_resource()
        .secret_id(name)
        .set_tags(Some(tags.collect()));
    sent(request.send().await, || format!("tagging secret `{name}`"))
}

/// Create a secret with these tags; `NameTaken` when a crashed run (or anyone) was first.
pub async fn create_named(
    sm: &Client,
    name: &str,
    description: &str,
    value: &SecretValue,
    kms_key: Option<&str>,
    tags: &[(String, String)],
) -> Result<Created> {
    let tags = tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect();
    let created = sm
        .create_secret()
        .name(name)
        .description(description)
        .secret_string(value.expose())
        .set_kms_key_id(kms_key.map(str::to_string))
        .set_tags(Some(tags))
        .send()
        .await;
    match created {
        Ok(out) => Ok(Created::Arn(Error::required(
            out.arn(),
            "CreateSecret",
            "ARN",
        )?)),
        Err(e) => match code(&e).as_deref() {
            Some("ResourceExistsException" | "InvalidRequestException") => Ok(Created::NameTaken),
            _ => Err(into_error(e, format!("creating secret `{name}`"))),
        },
    }
}

/// The current string value of any secret (`None` for a binary secret).
pub async fn read_named(sm: &Client, name: &str) -> Result<Option<SecretValue>> {
    let current = sm.get_secret_value().secret_id(name).send().await;
    let current = current.map_err(|e| into_error(e, format!("reading secret `{name}`")))?;
    Ok(current.secret_string().map(SecretValue::from_stored))
}

/// Store `value` as the current version of any secret.
pub async fn put_named(sm: &Client, name: &str, value: &SecretValue) -> Result<()> {
    let request = sm.put_secret_value().secret_id(name);
    let result = request.secret_string(value.expose()).send().await;
    sent(result, || format!("updating secret `{name}`"))
}

/// Cancel the scheduled deletion of any secret.
pub async fn restore_named(sm: &Client, name: &str) -> Result<()> {
    let result = sm.restore_secret().secret_id(name).send().await;
    sent(result, || format!("restoring secret `{name}`"))
}

/// Delete any secret now, without a recovery window; already gone counts as done.
pub async fn force_delete_named(sm: &Client, name: &str) -> Result<()> {
    let request = sm.delete_secret().secret_id(name);
    let deleted = request.force_delete_without_recovery(true).send().await;
    unless_missing(deleted, || format!("deleting secret `{name}`")).map(drop)
}

/// Schedule any secret for deletion after `days`; already scheduled or gone counts as done.
pub async fn schedule_deletion_named(sm: &Client, name: &str, days: u16) -> Result<()> {
    let request = sm.delete_secret().secret_id(name);
    let deleted = request
        .recovery_window_in_days(i64::from(days))
        .send()
        .await;
    unless_missing(deleted, || {
        format!("scheduling secret `{name}` for deletion")
    })
    .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::names::LabName;
    use aws_sdk_secretsmanager::operation::create_secret::CreateSecretError;
    use aws_sdk_secretsmanager::types::error::InvalidRequestException;
    use aws_smithy_mocks::{mock, mock_client};

    #[test]
    fn debug_never_shows_the_value() {
        let value = SecretValue::from_password("hunter2-very-secret");
        assert!(!format!("{value:?}").contains("hunter2"));
    }

    #[test]
    fn user_input_rules() {
        let json = SecretValue::from_user_input(br#"{"api_key":"k"}"#, "file").unwrap();
        assert_eq!(json.expose(), r#"{"api_key":"k"}"#);
        let pw = SecretValue::from_user_input(b"pw\n", "file").unwrap();
        let parsed: serde_json::Value = serde_json::from_str(pw.expose()).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({"username": "lab-user", "password": "pw"})
        );
        assert!(SecretValue::from_user_input(&[0xff, 0xfe], "file").is_err());
        assert!(SecretValue::from_user_input(b"\n", "file").is_err());
        let big = vec![b'a'; MAX_SECRET_BYTES + 1];
        let err = SecretValue::from_user_input(&big, "file").unwrap_err();
        assert!(err.to_string().contains("65536"), "{err}");
    }

    #[tokio::test]
    async fn aws_scheduled_for_deletion_answer_means_name_taken() {
        // The exact shape AWS returns when the name belongs to a secret scheduled for deletion.
        let rule = mock!(aws_sdk_secretsmanager::Client::create_secret).then_error(|| {
            CreateSecretError::InvalidRequestException(
                InvalidRequestException::builder()
                    .message("You can't create this secret because a secret with this name is already scheduled for deletion.")
                    .meta(aws_smithy_types::error::ErrorMetadata::builder().code("InvalidRequestException").build())
                    .build(),
            )
        });
        let sm = mock_client!(aws_sdk_secretsmanager, [&rule]);
        let names = LabName::new("demo").unwrap().resources();
        let created = create_secret(&sm, &names, &SecretValue::from_password("x"), None)
            .await
            .unwrap();
        assert!(matches!(created, Created::NameTaken));
    }
}
