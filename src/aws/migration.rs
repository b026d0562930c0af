//! What `migrate` makes for a function, as AWS holds it: the document with the function's
//! moved variables (a Secrets Manager secret or a `SecureString` parameter, one JSON object with
//! a member per variable, one interface over both stores) and the inline role policy that lets
//! the function read it. Below the workflows, so `migrate` and the lab's teardown share it.

use std::collections::BTreeMap;

use crate::aws::secret::{self, Created, SecretValue};
use crate::aws::target_function::{self, TargetFunction};
use crate::aws::{parameter, role, AwsContext};
use crate::domain::kinds::Store;
use crate::domain::migration::{
    default_document_name, is_for_function, policy_name, referenced_var, ROLLBACK_RECOVERY_DAYS,
    TAG_MIGRATED_FROM,
};
use crate::error::{Code, Error, Result};

/// Variable name → value. Its `Debug` shows the names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Values(pub BTreeMap<String, String>);

impl std::fmt::Debug for Values {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Values {
    pub fn names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    fn to_stored(&self) -> SecretValue {
        SecretValue::from_stored(&serde_json::to_string(&self.0).unwrap_or_default())
    }

    fn from_stored(value: &SecretValue, name: &str) -> Result<Self> {
        serde_json::from_str(value.expose()).map(Values).map_err(|_| {
            Error::refused(
                Code::DocumentNotObject,
                format!("`{name}` does not hold a JSON object of variable names and text values"),
                "it was changed after migrate wrote it; put back an object such as {\"DB_PASSWORD\": \"…\"} (`aws secretsmanager put-secret-value`), then re-run",
            )
        })
    }
}

/// Where the document lives.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DocumentRef {
    pub store: Store,
    pub name: String,
}

/// What a lookup found (never the value).
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub arn: String,
    pub tags: BTreeMap<String, String>,
    /// A secret waiting out its recovery window (parameters are deleted at once).
    pub scheduled_for_deletion: bool,
    /// The KMS key it is encrypted with, kept when the document is written again.
    pub key_id: Option<String>,
}

impl DocumentRef {
    /// "secret `billing/env`", as messages name it.
    pub fn describe(&self) -> String {
        match self.store {
            Store::SecretsManager => format!("secret `{}`", self.name),
            Store::ParameterStore => format!("parameter `{}`", self.name),
        }
    }

    pub async fn find(&self, aws: &AwsContext) -> Result<Option<Found>> {
        Ok(match self.store {
            Store::SecretsManager => {
                secret::describe_named(&aws.secrets, &self.name)
                    .await?
                    .map(|s| Found {
                        arn: s.arn,
                        tags: s.tags,
                        scheduled_for_deletion: s.scheduled_for_deletion,
                        key_id: s.kms_key_id,
                    })
            }
            Store::ParameterStore => {
                parameter::describe_named(&aws.ssm, &self.name)
                    .await?
                    .map(|p| Found {
                        arn: p.arn,
                        tags: p.tags,
                        scheduled_for_deletion: false,
                        key_id: p.key_id,
                    })
            }
        })
    }

    /// Create it; `false` when the name was taken meanwhile (the caller re-reads).
    pub async fn create(
        &self,
        aws: &AwsContext,
        values: &Values,
        kms_key: Option<&str>,
        tags: &[(String, String)],
        function: &str,
    ) -> Result<bool> {
        let description =
            format!("secretslab migrate: variables moved out of function `{function}`");
        let value = values.to_stored();
        match self.store {
            Store::SecretsManager => Ok(matches!(
                secret::create_named(
                    &aws.secrets,
                    &self.name,
                    &description,
                    &value,
                    kms_key,
                    tags
                )
                .await?,
                Created::Arn(_)
            )),
            Store::ParameterStore => {
                parameter::create_named(&aws.ssm, &self.name, &description, &value, kms_key, tags)
                    .await
            }
        }
    }

    pub async fn read(&self, aws: &AwsContext) -> Result<Values> {
        let stored = match self.store {
            Store::SecretsManager => secret::read_named(&aws.secrets, &self.name)
                .await?
                .ok_or_else(|| {
                    Error::refused(
                        Code::DocumentBinary,
                        format!("{} holds a binary value", self.describe()),
                        "migrate keeps variables as a JSON text object; restore the text version, then re-run",
                    )
                })?,
            Store::ParameterStore => parameter::read_named(&aws.ssm, &self.name).await?,
        };
        Values::from_stored(&stored, &self.name)
    }

    pub async fn write(
        &self,
        aws: &AwsContext,
        values: &Values,
        kms_key: Option<&str>,
    ) -> Result<()> {
        let value = values.to_stored();
        match self.store {
            Store::SecretsManager => secret::put_named(&aws.secrets, &self.name, &value).await,
            Store::ParameterStore => {
                parameter::put_named(&aws.ssm, &self.name, &value, kms_key).await
            }
        }
    }

    /// Add or overwrite tags (what a later phase must know about this expand).
    pub async fn retag(&self, aws: &AwsContext, tags: &[(String, String)]) -> Result<()> {
        match self.store {
            Store::SecretsManager => secret::tag_named(&aws.secrets, &self.name, tags).await,
            Store::ParameterStore => parameter::tag_named(&aws.ssm, &self.name, tags).await,
        }
    }

    /// Every document in either store tagged as holding `function_arn`'s variables, whatever
    /// its name (a `--secret-name` the user no longer passes, after a crash).
    pub async fn tagged(aws: &AwsContext, function_arn: &str) -> Result<Vec<DocumentRef>> {
        let key = TAG_MIGRATED_FROM;
        let secrets = secret::names_tagged(&aws.secrets, key, function_arn).await?;
        let parameters = parameter::names_tagged(&aws.ssm, key, function_arn).await?;
        let secrets = secrets.into_iter().map(|name| DocumentRef {
            store: Store::SecretsManager,
            name,
        });
        let parameters = parameters.into_iter().map(|name| DocumentRef {
            store: Store::ParameterStore,
            name,
        });
        Ok(secrets.chain(parameters).collect())
    }

    /// Cancel a secret's scheduled deletion.
    pub async fn restore(&self, aws: &AwsContext) -> Result<()> {
        match self.store {
            Store::SecretsManager => secret::restore_named(&aws.secrets, &self.name).await,
            Store::ParameterStore => Ok(()),
        }
    }

    /// Delete it now (teardown without a recovery window).
    pub async fn delete_now(&self, aws: &AwsContext) -> Result<()> {
        match self.store {
            Store::SecretsManager => secret::force_delete_named(&aws.secrets, &self.name).await,
            Store::ParameterStore => parameter::delete_named(&aws.ssm, &self.name)
                .await
                .map(drop),
        }
    }

    /// A secret is scheduled for deletion (restorable for a week); a parameter, which has no
    /// recovery window, is deleted.
    pub async fn retire(&self, aws: &AwsContext) -> Result<()> {
        match self.store {
            Store::SecretsManager => {
                secret::schedule_deletion_named(&aws.secrets, &self.name, ROLLBACK_RECOVERY_DAYS)
                    .await
            }
            Store::ParameterStore => parameter::delete_named(&aws.ssm, &self.name)
                .await
                .map(drop),
        }
    }
}

/// Reference variable name → the document it points at.
pub fn references(env: &BTreeMap<String, String>) -> BTreeMap<String, DocumentRef> {
    env.iter()
        .filter_map(|(key, value)| {
            referenced_var(key).map(|(_, store)| {
                (
                    key.clone(),
                    DocumentRef {
                        store,
                        name: value.clone(),
                    },
                )
            })
        })
        .collect()
}

/// Every document found under the names a function's documents may have, in order of
/// preference: `first` (a name the user gave), the ones its reference variables point at, the
/// default names (`store` first), then any document tagged for it (a custom name no longer
/// passed, after a crash). Found means it exists: whether it is the function's is the
/// caller's to check with [`is_for_function`] (a same-named stranger is refused, not skipped).
pub async fn find_documents(
    aws: &AwsContext,
    function: &TargetFunction,
    first: Option<DocumentRef>,
    store: Store,
) -> Result<Vec<(DocumentRef, Found)>> {
    let mut candidates: Vec<DocumentRef> = first.into_iter().collect();
    candidates.extend(references(&function.env).into_values());
    for store in [store, store.other()] {
        candidates.push(DocumentRef {
            store,
            name: default_document_name(&function.name, store),
        });
    }
    candidates.extend(DocumentRef::tagged(aws, &function.arn).await?);
    let mut seen = Vec::new();
    let mut found_all = Vec::new();
    for doc in candidates {
        if seen.contains(&doc) {
            continue;
        }
        seen.push(doc.clone());
        if let Some(found) = doc.find(aws).await? {
            found_all.push((doc, found));
        }
    }
    Ok(found_all)
}

/// Remove what migrate left for a function that is going away (teardown): its documents and
/// its inline role policy; no value needs to go back anywhere. `immediate` deletes a secret
/// without its recovery window. Returns how many things were removed.
pub async fn remove_leftovers(
    aws: &AwsContext,
    function_name: &str,
    immediate: bool,
) -> Result<usize> {
    let Some(function) = target_function::read(&aws.lambda, function_name).await? else {
        return Ok(0);
    };
    let mut removed = 0;
    let documents = find_documents(aws, &function, None, Store::SecretsManager).await?;
    for (doc, found) in documents {
        if !is_for_function(&found.tags, &function.arn) {
            continue;
        }
        if immediate {
            doc.delete_now(aws).await?;
            removed += 1;
        } else if !found.scheduled_for_deletion {
            doc.retire(aws).await?;
            removed += 1;
        }
    }
    let policy = policy_name(function_name);
    if role::get_inline_policy(&aws.iam, function.role_name(), &policy)
        .await?
        .is_some()
    {
        role::delete_inline_policy(&aws.iam, function.role_name(), &policy).await?;
        removed += 1;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_hide_in_debug() {
        let values = Values(BTreeMap::from([(
            "DB_PASSWORD".to_string(),
            "s3cr3t-value".to_string(),
        )]));
        assert!(!format!("{values:?}").contains("s3cr3t"));
        let back = Values::from_stored(&values.to_stored(), "x").unwrap();
        assert_eq!(back, values);
        let err = Values::from_stored(&SecretValue::from_stored("[1]"), "x").unwrap_err();
        assert!(!err.to_string().contains('1'), "{err}");
    }
}
