//! The secret (`--store secrets-manager`, the default): created with the value given,
//! carried over or generated; restored when scheduled for deletion; scheduled for deletion
//! when the lab moves to a parameter.

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::observed::Observed;
use crate::aws::secret::{self, Created, Recovery, SecretDeletion, SecretInfo};
use crate::domain::defaults;
use crate::domain::kinds::Store;
use crate::domain::names::ResourceKind;
use crate::error::{Code, Error, Result};
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{value_difference, Change, PlanContext};
use crate::lab::deploy::plan::step::{NewValue, Phase};
use crate::lab::deploy::plan::{Action, DesiredLab};
use crate::lab::teardown::{FinalState, Removals};

use super::{kms, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum SecretStep {
    Create {
        value: NewValue,
        kms_key: Option<String>,
    },
    Restore,
    SetKey {
        kms_key: String,
    },
    /// Store the value as the secret's current version unless it already is.
    PutValue {
        value: NewValue,
    },
    /// Schedule the left-behind secret for deletion (restorable for `recovery_days`).
    Remove {
        recovery_days: u16,
    },
}

impl SecretStep {
    pub fn phase(&self) -> Phase {
        match self {
            SecretStep::Create { .. }
            | SecretStep::Restore
            | SecretStep::SetKey { .. }
            | SecretStep::PutValue { .. } => Phase::Prepare,
            SecretStep::Remove { .. } => Phase::Contract,
        }
    }

    pub fn writes_value(&self) -> bool {
        match self {
            SecretStep::Create { .. } | SecretStep::PutValue { .. } => true,
            SecretStep::Restore | SecretStep::SetKey { .. } | SecretStep::Remove { .. } => false,
        }
    }
}

impl fmt::Display for SecretStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretStep::Create { value, kms_key } => {
                write!(f, "create secret ({}){}", value.source(), kms(kms_key))
            }
            SecretStep::Restore => f.write_str("restore secret"),
            SecretStep::SetKey { kms_key } => write!(f, "encrypt secret under KMS key {kms_key}"),
            SecretStep::PutValue { value } => {
                write!(f, "store the {} if different", value.source())
            }
            SecretStep::Remove { recovery_days } => write!(
                f,
                "schedule secret for deletion ({recovery_days}-day recovery window)"
            ),
        }
    }
}

pub struct Secret;

impl LabResource for Secret {
    fn kind(&self) -> ResourceKind {
        ResourceKind::Secret
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.secret, |s| &s.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        match lab.desired.store {
            Store::SecretsManager => Some(lab.store_change()),
            Store::ParameterStore => lab.left_behind.is_some().then(|| {
                let step = SecretStep::Remove {
                    recovery_days: defaults::RECOVERY_DAYS,
                };
                Change::left_behind(lab.desired.store, Step::Secret(step))
            }),
        }
    }

    fn removal_rank(&self) -> u8 {
        4
    }

    fn to_remove(&self, found: &Found, recovery: Recovery) -> bool {
        // Already scheduled: deleting again would only move its date, unless it goes now.
        found
            .secret
            .owned()
            .is_some_and(|info| info.deleted_date.is_none() || recovery == Recovery::Immediate)
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            removals
                .progress
                .step(format!("deleting secret {}", names.secret));
            let result = secret::delete_secret(&aws.secrets, names, removals.recovery).await;
            if let Ok(SecretDeletion::ScheduledUntil(Some(date))) = &result {
                removals.scheduled_until =
                    date.fmt(aws_smithy_types::date_time::Format::DateTime).ok();
            }
            removals.note(ResourceKind::Secret, result);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            Ok(
                match secret::get_secret(&check.aws.secrets, check.names).await? {
                    Observed::Missing => FinalState::Gone,
                    Observed::Owned(info) if info.deleted_date.is_some() => {
                        FinalState::ScheduledForDeletion
                    }
                    _ => FinalState::StillPresent,
                },
            )
        })
    }

    /// Nothing to add: the formats create the store's resource from the store and its name,
    /// and the IaC tool generates the password (the value is never read).
    fn export(&self, _: &Found, _: &mut LabModel, _: &mut Vec<String>) -> Result<()> {
        Ok(())
    }
}

/// The secret's desired-state rule: `value` is what it must hold, when that is decided.
pub fn change(
    observed: &Observed<SecretInfo>,
    desired: &DesiredLab,
    value: Option<&NewValue>,
) -> Change {
    let step = |s: SecretStep| vec![Step::Secret(s)];
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let value = value.cloned().unwrap_or(NewValue::Generated);
            let detail = value.source();
            let kms_key = desired.kms_key.clone();
            return Change::create(detail, step(SecretStep::Create { value, kms_key }));
        }
        Observed::Owned(info) => info,
    };
    let mut differences = Vec::new();
    if info.deleted_date.is_some() {
        differences.push((
            "scheduled for deletion".to_string(),
            step(SecretStep::Restore),
        ));
    }
    if let Some(key) = desired
        .kms_key
        .as_ref()
        .filter(|k| info.kms_key_id.as_ref() != Some(k))
    {
        let set = SecretStep::SetKey {
            kms_key: key.clone(),
        };
        differences.push(("encrypted with another KMS key".to_string(), step(set)));
    }
    differences.extend(value_difference(value, |value| {
        Step::Secret(SecretStep::PutValue { value })
    }));
    let action = if info.deleted_date.is_some() {
        Action::Restore
    } else {
        Action::Update
    };
    Change::of(action, differences)
}

/// Run one of the secret's steps; `Some(arn)` when it created the secret.
pub async fn apply(run: &Runner<'_>, step: &SecretStep) -> Result<Option<String>> {
    let (sm, names) = (&run.aws.secrets, run.names);
    match step {
        SecretStep::Create { value, kms_key } => {
            return create(run, value, kms_key.as_deref()).await.map(Some)
        }
        SecretStep::Restore => {
            secret::restore_secret(sm, names).await?;
            run.done(format!(
                "restored secret {} (it was scheduled for deletion)",
                names.secret
            ));
        }
        SecretStep::SetKey { kms_key } => secret::set_kms_key(sm, names, kms_key).await?,
        SecretStep::PutValue { value } => {
            let value = run.value(value).await?;
            if secret::put_value_if_changed(sm, names, &value).await? {
                run.done(format!("stored your value in {}", names.secret));
            }
        }
        SecretStep::Remove { recovery_days } => {
            secret::delete_secret(sm, names, Recovery::Days(*recovery_days)).await?;
            run.done(format!(
                "scheduled secret {} for deletion (the lab reads the parameter now)",
                names.secret
            ));
        }
    }
    Ok(None)
}

async fn create(run: &Runner<'_>, value: &NewValue, kms_key: Option<&str>) -> Result<String> {
    let (sm, names) = (&run.aws.secrets, run.names);
    let written = run.value(value).await?;
    if let Created::Arn(arn) = secret::create_secret(sm, names, &written, kms_key).await? {
        run.done(format!("created secret {}", names.secret));
        return Ok(arn);
    }
    // Taken after all (a scheduled deletion, or a race): read again and converge.
    let found = secret::get_secret(sm, names).await?;
    let info = match &found {
        Observed::Owned(info) => info.clone(),
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Secret)),
        Observed::Missing => {
            return Err(Error::Aws {
                code: Code::SecretNamePending,
                action: format!("creating secret `{}`", names.secret),
                detail: "the name is taken but the secret cannot be read".into(),
                help: "wait a minute (a forced deletion may still be finishing) and re-run `secretslab up`".into(),
            })
        }
    };
    let converge = change(&found, run.desired, Runner::value_to_keep(value));
    for step in &converge.steps {
        Box::pin(step.apply(run, &info.arn)).await?;
    }
    Ok(info.arn)
}
