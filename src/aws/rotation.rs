//! Staging labels and versions of the lab's store: list a secret's versions and their labels,
//! read one version, add an `AWSPENDING` version, move a label; read and write a parameter's
//! versions. Values travel only as [`SecretValue`].

use aws_sdk_secretsmanager::Client as SecretsClient;
use aws_sdk_ssm::Client as SsmClient;
use serde::Serialize;

use crate::aws::errors::{into_error, sent};
use crate::aws::secret::SecretValue;
use crate::error::{Error, Result};

pub const CURRENT: &str = "AWSCURRENT";
pub const PENDING: &str = "AWSPENDING";
pub const PREVIOUS: &str = "AWSPREVIOUS";

/// One version of a secret and the staging labels on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretVersion {
    pub version_id: String,
    pub stages: Vec<String>,
}

impl SecretVersion {
    pub fn has(&self, stage: &str) -> bool {
        self.stages.iter().any(|s| s == stage)
    }
}

/// The secret's versions that carry a staging label.
pub async fn secret_versions(sm: &SecretsClient, secret: &str) -> Result<Vec<SecretVersion>> {
    let mut pages = sm
        .list_secret_version_ids()
        .secret_id(secret)
        .into_paginator()
        .send();
    let mut versions = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| into_error(e, format!("listing versions of `{secret}`")))?;
        for v in page.versions() {
            let version_id = Error::required(v.version_id(), "ListSecretVersionIds", "VersionId")?;
            versions.push(SecretVersion {
                version_id,
                stages: v.version_stages().to_vec(),
            });
        }
    }
    Ok(versions)
}

/// The version that carries `stage`, if any.
pub fn labelled<'a>(versions: &'a [SecretVersion], stage: &str) -> Option<&'a SecretVersion> {
    versions.iter().find(|v| v.has(stage))
}

/// One version's string value.
pub async fn secret_version_value(
    sm: &SecretsClient,
    secret: &str,
    version_id: &str,
) -> Result<SecretValue> {
    let out = sm
        .get_secret_value()
        .secret_id(secret)
        .version_id(version_id)
        .send()
        .await
        .map_err(|e| into_error(e, format!("reading a version of `{secret}`")))?;
    let text = out
        .secret_string()
        .ok_or_else(|| Error::missing_field("GetSecretValue", "SecretString"))?;
    Ok(SecretValue::from_stored(text))
}

/// Add `value` as a new version labelled `AWSPENDING` only; returns its id.
pub async fn put_pending(sm: &SecretsClient, secret: &str, value: &SecretValue) -> Result<String> {
    let out = sm
        .put_secret_value()
        .secret_id(secret)
        .secret_string(value.expose())
        .version_stages(PENDING)
        .send()
        .await
        .map_err(|e| into_error(e, format!("adding a pending version to `{secret}`")))?;
    Error::required(out.version_id(), "PutSecretValue", "VersionId")
}

/// Move `stage` to `to` (from `from`, where it is now); `to: None` removes it from `from`.
pub async fn move_stage(
    sm: &SecretsClient,
    secret: &str,
    stage: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<()> {
    let result = sm
        .update_secret_version_stage()
        .secret_id(secret)
        .version_stage(stage)
        .set_remove_from_version_id(from.map(str::to_string))
        .set_move_to_version_id(to.map(str::to_string))
        .send()
        .await;
    sent(result, || format!("moving {stage} on `{secret}`"))
}

/// A parameter's current version number.
pub async fn parameter_version(ssm: &SsmClient, name: &str) -> Result<i64> {
    let out = ssm.get_parameter().name(name).send().await;
    let out = out.map_err(|e| into_error(e, format!("reading parameter `{name}`")))?;
    Ok(out.parameter().map(|p| p.version()).unwrap_or_default())
}

/// One version of a parameter, decrypted (`NAME:VERSION` is Parameter Store's selector).
pub async fn parameter_version_value(
    ssm: &SsmClient,
    name: &str,
    version: i64,
) -> Result<SecretValue> {
    crate::aws::parameter::read_named(ssm, &format!("{name}:{version}")).await
}
