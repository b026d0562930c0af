//! The `SecureString` parameter (`--store parameter-store`): created with the value given,
//! carried over or generated; written again as a `SecureString` under the key wanted; deleted
//! when the lab moves to a secret (Parameter Store keeps no deleted parameters).

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::observed::Observed;
use crate::aws::parameter::{self, ParameterInfo};
use crate::domain::kinds::Store;
use crate::domain::names::ResourceKind;
use crate::error::{Error, Result};
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{value_difference, Change, PlanContext};
use crate::lab::deploy::plan::step::{NewValue, Phase};
use crate::lab::deploy::plan::{Action, DesiredLab};
use crate::lab::teardown::{FinalState, Removals};

use super::{kms, present, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum ParameterStep {
    Create {
        value: NewValue,
        kms_key: Option<String>,
    },
    /// Write the parameter again as a `SecureString` under `kms_key`, holding `value`
    /// (`None`: the value it holds).
    Rewrite {
        value: Option<NewValue>,
        kms_key: Option<String>,
    },
    /// Write `value` to the parameter unless it already holds it.
    PutValue {
        value: NewValue,
        kms_key: Option<String>,
    },
    Delete,
}

impl ParameterStep {
    pub fn phase(&self) -> Phase {
        match self {
            ParameterStep::Create { .. }
            | ParameterStep::Rewrite { .. }
            | ParameterStep::PutValue { .. } => Phase::Prepare,
            ParameterStep::Delete => Phase::Contract,
        }
    }

    pub fn writes_value(&self) -> bool {
        match self {
            ParameterStep::Create { .. } | ParameterStep::PutValue { .. } => true,
            ParameterStep::Rewrite { value, .. } => value.is_some(),
            ParameterStep::Delete => false,
        }
    }
}

impl fmt::Display for ParameterStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterStep::Create { value, kms_key } => write!(
                f,
                "create SecureString parameter ({}){}",
                value.source(),
                kms(kms_key)
            ),
            ParameterStep::Rewrite { value, kms_key } => write!(
                f,
                "rewrite parameter as SecureString ({}){}",
                value
                    .as_ref()
                    .map_or_else(|| "its current value".to_string(), NewValue::source),
                kms(kms_key)
            ),
            ParameterStep::PutValue { value, .. } => {
                write!(f, "store the {} if different", value.source())
            }
            ParameterStep::Delete => f.write_str("delete parameter"),
        }
    }
}

pub struct Parameter;

impl LabResource for Parameter {
    fn kind(&self) -> ResourceKind {
        ResourceKind::Parameter
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.parameter, |p| &p.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        match lab.desired.store {
            Store::ParameterStore => Some(lab.store_change()),
            Store::SecretsManager => lab.left_behind.is_some().then(|| {
                let step = Step::Parameter(ParameterStep::Delete);
                Change::left_behind(lab.desired.store, step)
            }),
        }
    }

    fn removal_rank(&self) -> u8 {
        5
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            // Parameter Store keeps no deleted parameters: this one is gone for good.
            removals
                .progress
                .step(format!("deleting parameter {}", names.parameter));
            let deleted = parameter::delete_parameter(&aws.ssm, names).await;
            removals.note(ResourceKind::Parameter, deleted);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            let found = parameter::get_parameter(&check.aws.ssm, check.names).await?;
            Ok(present(!found.is_missing()))
        })
    }

    /// Nothing to add: the formats create the store's resource from the store and its name
    /// (the value is never read).
    fn export(&self, _: &Found, _: &mut LabModel, _: &mut Vec<String>) -> Result<()> {
        Ok(())
    }
}

/// The parameter's desired-state rule: `value` is what it must hold, when that is decided.
pub fn change(
    observed: &Observed<ParameterInfo>,
    desired: &DesiredLab,
    value: Option<&NewValue>,
) -> Change {
    let kms_key = desired.kms_key.clone();
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let value = value.cloned().unwrap_or(NewValue::Generated);
            let detail = format!("SecureString, {}", value.source());
            let create = ParameterStep::Create { value, kms_key };
            return Change::create(detail, vec![Step::Parameter(create)]);
        }
        Observed::Owned(info) => info,
    };
    let mut differences = Vec::new();
    if !info.secure {
        differences.push(("not a SecureString".to_string(), vec![]));
    }
    if kms_key.is_some() && info.key_id != kms_key {
        differences.push(("encrypted with another KMS key".to_string(), vec![]));
    }
    if differences.is_empty() {
        let put = |value| {
            Step::Parameter(ParameterStep::PutValue {
                value,
                kms_key: kms_key.clone(),
            })
        };
        differences.extend(value_difference(value, put));
    } else {
        // One write makes it a SecureString under the key, with the value wanted.
        if let Some(source) = value {
            differences.push((format!("{} (if different)", source.source()), vec![]));
        }
        let value = value.cloned();
        differences[0]
            .1
            .push(Step::Parameter(ParameterStep::Rewrite { value, kms_key }));
    }
    Change::of(Action::Update, differences)
}

/// Run one of the parameter's steps; `Some(arn)` when it created the parameter.
pub async fn apply(run: &Runner<'_>, step: &ParameterStep) -> Result<Option<String>> {
    let (ssm, names) = (&run.aws.ssm, run.names);
    match step {
        ParameterStep::Create { value, kms_key } => {
            return create(run, value, kms_key.as_deref()).await.map(Some)
        }
        ParameterStep::Rewrite { value, kms_key } => {
            let value = match value {
                Some(value) => run.value(value).await?,
                None => parameter::read_value(ssm, names).await?,
            };
            parameter::put_named(ssm, &names.parameter, &value, kms_key.as_deref()).await?;
            run.done(format!("updated parameter {}", names.parameter));
        }
        ParameterStep::PutValue { value, kms_key } => {
            let value = run.value(value).await?;
            if parameter::read_value(ssm, names).await? != value {
                parameter::put_named(ssm, &names.parameter, &value, kms_key.as_deref()).await?;
                run.done(format!("updated parameter {}", names.parameter));
            }
        }
        ParameterStep::Delete => {
            parameter::delete_parameter(ssm, names).await?;
            run.done(format!(
                "deleted parameter {} (the lab reads the secret now)",
                names.parameter
            ));
        }
    }
    Ok(None)
}

async fn create(run: &Runner<'_>, value: &NewValue, kms_key: Option<&str>) -> Result<String> {
    let (ssm, names) = (&run.aws.ssm, run.names);
    let written = run.value(value).await?;
    if parameter::create_parameter(ssm, names, &written, kms_key).await? {
        run.done(format!("created parameter {}", names.parameter));
        return Ok(run.desired.parameter_arn.clone());
    }
    // Taken after all (a crashed run, or a race): read again and converge.
    let found = parameter::get_parameter(ssm, names).await?;
    let Observed::Owned(info) = &found else {
        return Err(Error::not_owned(names, ResourceKind::Parameter));
    };
    let converge = change(&found, run.desired, Runner::value_to_keep(value));
    for step in &converge.steps {
        Box::pin(step.apply(run, &info.arn)).await?;
    }
    Ok(info.arn.clone())
}
