//! `rotate`: a new value for the lab's credentials through Secrets Manager's staging labels
//! (a new version as `AWSPENDING`, the simulated database changed, `AWSCURRENT` moved to it,
//! the old one kept as `AWSPREVIOUS`), or a new Parameter Store version. Observe the labels
//! once, plan (`plan`, pure), run the plan's steps here, read the result back (`report`).

mod plan;
mod report;

use crate::aws::function;
use crate::aws::observed::Observed;
use crate::aws::rotation::{self, labelled, CURRENT, PENDING, PREVIOUS};
use crate::aws::secret::{self, SecretValue};
use crate::aws::simulated_db;
use crate::aws::{parameter, AwsContext};
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::rotation::{now_ms, write_record, RotationRecord, Strategy};
use crate::domain::simulated_db::{accepted_after, no_password, LABEL};
use crate::error::{Error, Result};
use crate::session::{Connection, Session};

pub use plan::{next_value, other_user, plan_secret, RotationPlan, Step};
pub use report::{DatabaseState, RotateReport};

use plan::login_of;

/// Rotate the lab's credentials: what `rotate` and the tour run.
pub async fn rotate(
    session: &Session,
    connection: &Connection,
    strategy: Strategy,
) -> Result<RotateReport> {
    let names = session.names();
    let aws = &connection.aws;
    let info = match function::get_function(&aws.lambda, &names).await? {
        Observed::Owned(info) => info,
        Observed::Missing => return Err(not_deployed(&names, ResourceKind::Function)),
        Observed::Foreign => return Err(Error::not_owned(&names, ResourceKind::Function)),
    };
    let store = ExtensionSettings::store_of(&info.env);
    let ttl = match store {
        Store::SecretsManager => info.extension().ttl_seconds,
        Store::ParameterStore => info.extension().ssm_ttl_seconds,
    };
    refuse_foreign_database(aws, &names).await?;
    let mut report = match store {
        Store::SecretsManager => rotate_secret(session, aws, &names, strategy).await?,
        Store::ParameterStore => rotate_parameter(session, aws, &names, strategy).await?,
    };
    report.ttl_seconds = u64::from(ttl);
    let record = RotationRecord {
        version_id: report.current_version.clone(),
        rotated_at_ms: report.rotated_at_ms,
        strategy,
    };
    write_record(&session.dirs, &names.lab, &record)?;
    Ok(report)
}

fn not_deployed(names: &ResourceNames, kind: ResourceKind) -> Error {
    Error::NotDeployed {
        lab: names.lab.clone(),
        what: names.describe(kind),
    }
}

async fn refuse_foreign_database(aws: &AwsContext, names: &ResourceNames) -> Result<()> {
    match simulated_db::get(&aws.ssm, names).await? {
        Observed::Foreign => Err(Error::not_owned(names, ResourceKind::SimulatedDatabase)),
        _ => Ok(()),
    }
}

/// The values a Secrets Manager rotation works with: the old one, and the new one once it
/// exists (read from a killed run's `AWSPENDING`, or made by `CreatePending`).
struct Values {
    old: Option<SecretValue>,
    new_id: Option<String>,
    new: Option<SecretValue>,
}

/// Secrets Manager: the plan's steps against the secret's labels, then the labels read back.
async fn rotate_secret(
    session: &Session,
    aws: &AwsContext,
    names: &ResourceNames,
    strategy: Strategy,
) -> Result<RotateReport> {
    let (sm, secret) = (&aws.secrets, names.secret.as_str());
    refuse_unowned_secret(aws, names).await?;
    let plan = plan_secret(&rotation::secret_versions(sm, secret).await?)?;
    let read = |id: &Option<String>| {
        let id = id.clone();
        async move {
            match id {
                Some(id) => rotation::secret_version_value(sm, secret, &id)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    };
    let mut values = Values {
        old: read(&plan.old_version).await?,
        new_id: plan.new_version.clone(),
        new: read(&plan.new_version).await?,
    };
    let mut rotated_at_ms = now_ms();
    for step in &plan.steps {
        session.progress.step(step.message());
        if let Some(at) = secret_step(aws, names, strategy, &plan, &mut values, step).await? {
            rotated_at_ms = at;
        }
    }
    session
        .progress
        .step("reading the staging labels back from Secrets Manager");
    let versions = rotation::secret_versions(sm, secret).await?;
    let new_id = values.new_id;
    report::verified_secret(names, strategy, plan, versions, rotated_at_ms, aws, new_id).await
}

/// Run one step; `Some(time)` when it moved `AWSCURRENT`.
async fn secret_step(
    aws: &AwsContext,
    names: &ResourceNames,
    strategy: Strategy,
    plan: &RotationPlan,
    values: &mut Values,
    step: &Step,
) -> Result<Option<u128>> {
    let (sm, secret) = (&aws.secrets, names.secret.as_str());
    match step {
        Step::CreatePending => {
            let old = values.old.as_ref().ok_or_else(no_password)?;
            let password = secret::random_password(sm).await?;
            let value = next_value(old, &password, strategy)?;
            values.new_id = Some(rotation::put_pending(sm, secret, &value).await?);
            values.new = Some(value);
        }
        Step::SetDatabase => {
            let new = login_of(values.new.as_ref().ok_or_else(no_password)?)?;
            let old = values.old.as_ref().map(login_of).transpose()?;
            let accepted = accepted_after(strategy, &new, old.as_ref());
            simulated_db::write(&aws.ssm, names, &accepted).await?;
        }
        Step::MoveCurrent => {
            let (from, to) = (plan.old_version.as_deref(), values.new_id.as_deref());
            rotation::move_stage(sm, secret, CURRENT, from, to).await?;
            return Ok(Some(now_ms()));
        }
        Step::ClearPending => {
            let on = values.new_id.as_deref();
            rotation::move_stage(sm, secret, PENDING, on, None).await?;
        }
        Step::PutParameterVersion => {}
    }
    Ok(None)
}

async fn refuse_unowned_secret(aws: &AwsContext, names: &ResourceNames) -> Result<()> {
    match secret::get_secret(&aws.secrets, names).await? {
        Observed::Owned(info) if info.deleted_date.is_none() => Ok(()),
        Observed::Foreign => Err(Error::not_owned(names, ResourceKind::Secret)),
        _ => Err(not_deployed(names, ResourceKind::Secret)),
    }
}

/// Parameter Store: a new version, then the database (a value written first is never lost).
async fn rotate_parameter(
    session: &Session,
    aws: &AwsContext,
    names: &ResourceNames,
    strategy: Strategy,
) -> Result<RotateReport> {
    let info = match parameter::get_parameter(&aws.ssm, names).await? {
        Observed::Owned(info) => info,
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Parameter)),
        Observed::Missing => return Err(not_deployed(names, ResourceKind::Parameter)),
    };
    session.progress.step(Step::PutParameterVersion.message());
    let old = parameter::read_named(&aws.ssm, &names.parameter).await?;
    let password = secret::random_password(&aws.secrets).await?;
    let new = next_value(&old, &password, strategy)?;
    parameter::put_named(&aws.ssm, &names.parameter, &new, info.key_id.as_deref()).await?;
    let rotated_at_ms = now_ms();
    session.progress.step(Step::SetDatabase.message());
    let (new_login, old_login) = (login_of(&new)?, login_of(&old)?);
    let accepted = accepted_after(strategy, &new_login, Some(&old_login));
    simulated_db::write(&aws.ssm, names, &accepted).await?;
    let version = rotation::parameter_version(&aws.ssm, &names.parameter).await?;
    report::verified_parameter(names, strategy, info.version, version, rotated_at_ms, aws).await
}

/// What is wrong with the lab's last rotation, read through the API (Secrets Manager's
/// labels; for either store, the simulated database accepting the current login).
pub async fn check_rotated(aws: &AwsContext, names: &ResourceNames) -> Result<Option<String>> {
    let (current, rotated) = match secret::get_secret(&aws.secrets, names).await? {
        Observed::Owned(_) => {
            let versions = rotation::secret_versions(&aws.secrets, &names.secret).await?;
            if labelled(&versions, PENDING).is_some() {
                return Ok(Some(
                    "an AWSPENDING version is left: run `secretslab rotate`".into(),
                ));
            }
            let Some(current) = labelled(&versions, CURRENT).map(|v| v.version_id.clone()) else {
                return Ok(Some("the secret has no AWSCURRENT version".into()));
            };
            let previous = labelled(&versions, PREVIOUS).map(|v| v.version_id.clone());
            let rotated = previous.is_some_and(|p| p != current);
            let value = rotation::secret_version_value(&aws.secrets, &names.secret, &current);
            (value.await?, rotated)
        }
        _ => {
            let value = parameter::read_value(&aws.ssm, names).await?;
            let version = rotation::parameter_version(&aws.ssm, &names.parameter).await?;
            (value, version > 1)
        }
    };
    if !rotated {
        return Ok(Some(
            "no rotation is recorded in the store's versions".into(),
        ));
    }
    let login = login_of(&current).ok();
    let found = simulated_db::get(&aws.ssm, names).await?;
    let document = found.owned().and_then(|d| d.document.as_ref());
    let accepts = document.is_some_and(|d| login.is_some_and(|l| d.accepts(&l)));
    Ok((!accepts).then(|| format!("{LABEL} does not accept the current login")))
}

#[cfg(test)]
mod tests;
