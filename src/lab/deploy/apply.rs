//! Run the plan's steps, as given. Independent work overlaps: each resource's preparation
//! (the store's resource, the role, the log group) at once; then the policy and its
//! attachments (which need the store's ARN) while the function is created or updated (which
//! needs only the role, and may wait for IAM to propagate).
//!
//! Switching stores is expand → contract, so the function never loses its credentials: the
//! new store gets the old one's value, the policy grants both, the function moves over, and
//! only then do the contract steps narrow the policy and remove the old resource.
//!
//! Nothing here reads the observation: a crash-safety fallback ("the name is taken after
//! all") reads that one resource again and runs the steps the same planning rule gives.
//! What each step does is in its resource's file (`lab/resources/`); [`Step::apply`]
//! dispatches to it.

use futures_util::future::try_join_all;
use serde_json::Value;

use crate::aws::parameter;
use crate::aws::secret::{self, SecretValue};
use crate::aws::AwsContext;
use crate::domain::kinds::Store;
use crate::domain::names::ResourceNames;
use crate::error::{Code, Error, Result};
use crate::ui::progress::Progress;

use super::plan::step::{NewValue, Phase, Step};
use super::plan::{DesiredLab, Plan};

/// What applying learned: the ARNs that exist now and the policy applied.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The secret's or the parameter's ARN.
    pub store_arn: String,
    pub function_arn: String,
    pub policy_document: Value,
}

pub async fn apply(
    aws: &AwsContext,
    names: &ResourceNames,
    plan: &Plan,
    progress: &Progress,
) -> Result<Applied> {
    let desired = &plan.desired;
    let run = Runner {
        aws,
        names,
        desired,
        progress,
    };
    progress.step(format!(
        "creating the {}, the role and the log group",
        desired.store.kind().label()
    ));
    let in_phase =
        |phase: Phase| -> Vec<&Step> { plan.steps().filter(|s| s.phase() == phase).collect() };
    // Each resource's preparation runs beside the others'.
    let prepared = plan.rows.iter().map(|row| {
        let steps = row.steps.iter().filter(|s| s.phase() == Phase::Prepare);
        run.sequence(steps.collect(), desired.store_arn())
    });
    let created = try_join_all(prepared).await?;
    let store_arn =
        (created.into_iter().flatten().next()).unwrap_or_else(|| desired.store_arn().to_string());
    // The simulated database checks the store's value, which is final only now.
    run.sequence(in_phase(Phase::Login), &store_arn).await?;
    let mut grant = in_phase(Phase::Policy);
    grant.extend(in_phase(Phase::Attach));
    let (function, contract) = (in_phase(Phase::Function), in_phase(Phase::Contract));
    let function_arn = if contract.is_empty() {
        let both = tokio::try_join!(
            run.sequence(grant, &store_arn),
            run.sequence(function, &store_arn)
        )?;
        both.1
    } else {
        run.sequence(grant, &store_arn).await?;
        let arn = run.sequence(function, &store_arn).await?;
        run.sequence(contract, &store_arn).await?;
        arn
    };
    Ok(Applied {
        policy_document: desired.policy_document(&store_arn),
        store_arn,
        function_arn: function_arn.unwrap_or_else(|| desired.function_arn.clone()),
    })
}

/// What every step works with.
#[derive(Clone, Copy)]
pub struct Runner<'a> {
    pub aws: &'a AwsContext,
    pub names: &'a ResourceNames,
    pub desired: &'a DesiredLab,
    pub progress: &'a Progress,
}

impl Runner<'_> {
    /// Run `steps` in order; the ARN of what the last creating step made, if any.
    async fn sequence(&self, steps: Vec<&Step>, store_arn: &str) -> Result<Option<String>> {
        let mut created = None;
        for step in steps {
            created = step.apply(self, store_arn).await?.or(created);
        }
        Ok(created)
    }

    /// The value a step writes (read or generated only now: values are not planned).
    pub async fn value(&self, value: &NewValue) -> Result<SecretValue> {
        match value {
            NewValue::Given(value) => Ok(value.clone()),
            NewValue::Generated => secret::random_secret(&self.aws.secrets).await,
            // A binary secret has no text to carry over: refuse rather than generate a new
            // value and then retire the old one.
            NewValue::CarriedFrom(Store::SecretsManager) => {
                let read = secret::read_value(&self.aws.secrets, self.names).await?;
                read.ok_or_else(|| {
                    Error::invalid(
                        Code::BinarySecret,
                        format!(
                            "secret `{}` holds a binary value, which a parameter cannot carry over",
                            self.names.secret
                        ),
                        "keep `--store secrets-manager`, or give the value with `--secret-file`",
                    )
                })
            }
            NewValue::CarriedFrom(Store::ParameterStore) => {
                parameter::read_value(&self.aws.ssm, self.names).await
            }
        }
    }

    /// A value written at creation is also what a resource found in the way should hold;
    /// a generated one is not (what is there is kept).
    pub fn value_to_keep(value: &NewValue) -> Option<&NewValue> {
        (*value != NewValue::Generated).then_some(value)
    }

    pub fn done(&self, message: String) {
        self.progress.done(message);
    }
}
