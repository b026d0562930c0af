//! The lab's simulated database in Parameter Store: `/{name}/simulated-db`, tagged like every
//! lab resource, holding a [`Document`] of salted digests. Read it (as observed), make it
//! accept exactly some logins (created when missing), delete it; and the login inside a
//! store's current value, which it is checked against.

use crate::aws::observed::Observed;
use crate::aws::parameter;
use crate::aws::secret::{self, SecretValue};
use crate::aws::AwsContext;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::simulated_db::{Document, Login};
use crate::error::{Error, Result};

/// What a read of it found.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedDbInfo {
    pub arn: String,
    /// `None` when the parameter does not hold the lab's document.
    pub document: Option<Document>,
}

/// Read it: missing, someone else's, or the lab's with its document.
pub async fn get(
    ssm: &aws_sdk_ssm::Client,
    names: &ResourceNames,
) -> Result<Observed<SimulatedDbInfo>> {
    let name = &names.simulated_db;
    let Some(found) = parameter::describe_named(ssm, name).await? else {
        return Ok(Observed::Missing);
    };
    if !owned(names, &found.tags) {
        return Ok(Observed::Foreign);
    }
    let value = parameter::read_named(ssm, name).await?;
    Ok(Observed::Owned(SimulatedDbInfo {
        arn: found.arn,
        document: serde_json::from_str(value.expose()).ok(),
    }))
}

fn owned(names: &ResourceNames, tags: &std::collections::BTreeMap<String, String>) -> bool {
    names.is_owned(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// Make it accept exactly `logins` (created, tagged, when missing); refused when the name is
/// someone else's.
pub async fn write(
    ssm: &aws_sdk_ssm::Client,
    names: &ResourceNames,
    logins: &[&Login],
) -> Result<()> {
    let name = &names.simulated_db;
    let document = Document::accepting(logins);
    let text = serde_json::to_string(&document).map_err(|e| Error::bug(e.to_string()))?;
    let value = SecretValue::from_stored(&text);
    let found = match parameter::describe_named(ssm, name).await? {
        Some(found) => Some(found),
        None => {
            let description = names.simulated_db_description();
            if parameter::create_named(ssm, name, &description, &value, None, &names.tags()).await?
            {
                return Ok(());
            }
            // Created meanwhile (a concurrent run): overwrite it once we know it is ours.
            parameter::describe_named(ssm, name).await?
        }
    };
    if !found.is_some_and(|f| owned(names, &f.tags)) {
        return Err(Error::not_owned(names, ResourceKind::SimulatedDatabase));
    }
    parameter::overwrite_value(ssm, name, &value).await
}

/// Delete it; already gone counts as done (the caller checked it is the lab's).
pub async fn delete(ssm: &aws_sdk_ssm::Client, names: &ResourceNames) -> Result<bool> {
    parameter::delete_named(ssm, &names.simulated_db).await
}

/// The login inside `store`'s current value; `None` when the value has no password.
pub async fn current_login(
    aws: &AwsContext,
    names: &ResourceNames,
    store: Store,
) -> Result<Option<Login>> {
    let value = match store {
        Store::SecretsManager => secret::read_value(&aws.secrets, names).await?,
        Store::ParameterStore => Some(parameter::read_value(&aws.ssm, names).await?),
    };
    Ok(value.and_then(|v| Login::from_credentials(v.expose())))
}
