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

use futures_util::future::try_join_all;
use serde_json::Value;

use crate::aws::function::{self, CreateOutcome};
use crate::aws::logs;
use crate::aws::observed::Observed;
use crate::aws::parameter;
use crate::aws::policy as iam_policy;
use crate::aws::role;
use crate::aws::secret::{self, Created, Recovery, SecretValue};
use crate::aws::simulated_db;
use crate::aws::AwsContext;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::simulated_db::LABEL;
use crate::error::{Code, Error, Result};
use crate::ui::progress::Progress;

use super::plan::step::{Grant, NewValue, Phase, Step};
use super::plan::{function as function_rule, resources, DesiredLab, Plan};

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
struct Runner<'a> {
    aws: &'a AwsContext,
    names: &'a ResourceNames,
    desired: &'a DesiredLab,
    progress: &'a Progress,
}

impl Runner<'_> {
    /// Run `steps` in order; the ARN of what the last creating step made, if any.
    async fn sequence(&self, steps: Vec<&Step>, store_arn: &str) -> Result<Option<String>> {
        let mut created = None;
        for step in steps {
            created = self.step(step, store_arn).await?.or(created);
        }
        Ok(created)
    }

    /// Run one step; `Some(arn)` when it made the store's resource or the function.
    async fn step(&self, step: &Step, store_arn: &str) -> Result<Option<String>> {
        match step {
            Step::CreateSecret { .. }
            | Step::RestoreSecret
            | Step::SetSecretKey { .. }
            | Step::PutSecretValue { .. }
            | Step::CreateParameter { .. }
            | Step::RewriteParameter { .. }
            | Step::PutParameterValue { .. }
            | Step::RemoveSecret { .. }
            | Step::DeleteParameter => self.store_step(step).await,
            Step::CreateFunction
            | Step::WaitForFunction
            | Step::UpdateFunctionCode
            | Step::UpdateFunctionConfiguration { .. } => self.function_step(step).await,
            Step::AcceptCurrentLogin => self.accept_current_login().await.map(|()| None),
            Step::CreateRole
            | Step::UpdateTrustPolicy
            | Step::AttachPolicy { .. }
            | Step::CreateLogGroup
            | Step::SetRetention
            | Step::CreatePolicy { .. }
            | Step::UpdatePolicy { .. }
            | Step::NarrowPolicy => self.access_step(step, store_arn).await.map(|()| None),
        }
    }

    /// The value a step writes (read or generated only now: values are not planned).
    async fn value(&self, value: &NewValue) -> Result<SecretValue> {
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

    async fn store_step(&self, step: &Step) -> Result<Option<String>> {
        let (sm, ssm, names) = (&self.aws.secrets, &self.aws.ssm, self.names);
        match step {
            Step::CreateSecret { value, kms_key } => {
                return self
                    .create_secret(value, kms_key.as_deref())
                    .await
                    .map(Some)
            }
            Step::CreateParameter { value, kms_key } => {
                return self
                    .create_parameter(value, kms_key.as_deref())
                    .await
                    .map(Some)
            }
            Step::RestoreSecret => {
                secret::restore_secret(sm, names).await?;
                self.done(format!(
                    "restored secret {} (it was scheduled for deletion)",
                    names.secret
                ));
            }
            Step::SetSecretKey { kms_key } => secret::set_kms_key(sm, names, kms_key).await?,
            Step::PutSecretValue { value } => {
                let value = self.value(value).await?;
                if secret::put_value_if_changed(sm, names, &value).await? {
                    self.done(format!("stored your value in {}", names.secret));
                }
            }
            Step::RewriteParameter { value, kms_key } => {
                let value = match value {
                    Some(value) => self.value(value).await?,
                    None => parameter::read_value(ssm, names).await?,
                };
                parameter::put_named(ssm, &names.parameter, &value, kms_key.as_deref()).await?;
                self.done(format!("updated parameter {}", names.parameter));
            }
            Step::PutParameterValue { value, kms_key } => {
                let value = self.value(value).await?;
                if parameter::read_value(ssm, names).await? != value {
                    parameter::put_named(ssm, &names.parameter, &value, kms_key.as_deref()).await?;
                    self.done(format!("updated parameter {}", names.parameter));
                }
            }
            Step::RemoveSecret { recovery_days } => {
                secret::delete_secret(sm, names, Recovery::Days(*recovery_days)).await?;
                self.done(format!(
                    "scheduled secret {} for deletion (the lab reads the parameter now)",
                    names.secret
                ));
            }
            Step::DeleteParameter => {
                parameter::delete_parameter(ssm, names).await?;
                self.done(format!(
                    "deleted parameter {} (the lab reads the secret now)",
                    names.parameter
                ));
            }
            _ => {}
        }
        Ok(None)
    }

    /// The simulated database accepts the login in the store's value as it is now (it is
    /// left alone when it does already: a rotation decides what else it accepts).
    async fn accept_current_login(&self) -> Result<()> {
        let (aws, names) = (self.aws, self.names);
        let login = simulated_db::current_login(aws, names, self.desired.store).await?;
        let found = simulated_db::get(&aws.ssm, names).await?;
        let document = found.owned().and_then(|d| d.document.as_ref());
        let accepted = match (document, &login) {
            (Some(document), Some(login)) => document.accepts(login),
            // Credentials with no password: nothing to accept, so any document will do.
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !accepted {
            self.progress.step(format!("writing {LABEL}"));
            simulated_db::write(&aws.ssm, names, &login.iter().collect::<Vec<_>>()).await?;
            self.done(format!(
                "{LABEL} {} accepts the current login",
                names.simulated_db
            ));
        }
        Ok(())
    }

    /// A value written at creation is also what a resource found in the way should hold;
    /// a generated one is not (what is there is kept).
    fn value_to_keep(value: &NewValue) -> Option<&NewValue> {
        (*value != NewValue::Generated).then_some(value)
    }

    async fn create_secret(&self, value: &NewValue, kms_key: Option<&str>) -> Result<String> {
        let (sm, names) = (&self.aws.secrets, self.names);
        let written = self.value(value).await?;
        if let Created::Arn(arn) = secret::create_secret(sm, names, &written, kms_key).await? {
            self.done(format!("created secret {}", names.secret));
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
        let change = resources::secret(&found, self.desired, Self::value_to_keep(value));
        for step in &change.steps {
            Box::pin(self.store_step(step)).await?;
        }
        Ok(info.arn)
    }

    async fn create_parameter(&self, value: &NewValue, kms_key: Option<&str>) -> Result<String> {
        let (ssm, names) = (&self.aws.ssm, self.names);
        let written = self.value(value).await?;
        if parameter::create_parameter(ssm, names, &written, kms_key).await? {
            self.done(format!("created parameter {}", names.parameter));
            return Ok(self.desired.parameter_arn.clone());
        }
        // Taken after all (a crashed run, or a race): read again and converge.
        let found = parameter::get_parameter(ssm, names).await?;
        let Observed::Owned(info) = &found else {
            return Err(Error::not_owned(names, ResourceKind::Parameter));
        };
        let change = resources::parameter(&found, self.desired, Self::value_to_keep(value));
        for step in &change.steps {
            Box::pin(self.store_step(step)).await?;
        }
        Ok(info.arn.clone())
    }

    /// The role, the log group and the policy (with its attachments).
    async fn access_step(&self, step: &Step, store_arn: &str) -> Result<()> {
        let (iam, names) = (&self.aws.iam, self.names);
        let policy_arn = &self.desired.policy_arn;
        match step {
            Step::CreateRole => {
                // The planned role ARN is derived from the name, as IAM derives it.
                role::create_role(iam, names).await?;
                self.done(format!("created IAM role {}", names.role));
            }
            Step::UpdateTrustPolicy => role::update_trust_policy(iam, names).await?,
            Step::AttachPolicy { arn } => role::attach_policy(iam, names, arn).await?,
            Step::CreateLogGroup => {
                logs::create_log_group(&self.aws.logs, names).await?;
                self.done(format!("created log group {}", names.log_group));
            }
            Step::SetRetention => logs::set_retention(&self.aws.logs, names).await?,
            Step::CreatePolicy { grant } => {
                let document = self.desired.grant_document(grant, store_arn);
                iam_policy::create_policy(iam, policy_arn, names, &document).await?;
                self.done(format!("created IAM policy {}", names.policy));
            }
            Step::UpdatePolicy { grant } => self.update_policy(grant, store_arn).await?,
            Step::NarrowPolicy => self.update_policy(&Grant::Store, store_arn).await?,
            _ => {}
        }
        Ok(())
    }

    async fn update_policy(&self, grant: &Grant, store_arn: &str) -> Result<()> {
        let document = self.desired.grant_document(grant, store_arn);
        let (iam, names) = (&self.aws.iam, self.names);
        iam_policy::update_policy(iam, &self.desired.policy_arn, names, &document).await?;
        self.done(format!("updated IAM policy {}", names.policy));
        Ok(())
    }

    async fn function_step(&self, step: &Step) -> Result<Option<String>> {
        let (lambda, names) = (&self.aws.lambda, self.names);
        let desired = &self.desired.function;
        match step {
            Step::CreateFunction => return self.create_function().await.map(Some),
            Step::WaitForFunction => {
                function::wait_until_active(lambda, names).await?;
                function::wait_until_updated(lambda, names).await?;
            }
            Step::UpdateFunctionCode => {
                self.progress
                    .step(format!("uploading new code to {}", names.function));
                function::update_code(lambda, names, desired).await?;
                self.done(format!("updated the code of {}", names.function));
            }
            Step::UpdateFunctionConfiguration { fields } => {
                self.progress
                    .step(format!("updating the configuration of {}", names.function));
                let on_wait = |waited| self.waiting_for_iam(waited);
                function::update_configuration(lambda, names, desired, on_wait).await?;
                self.done(format!(
                    "updated {} of {}",
                    fields.join(", "),
                    names.function
                ));
            }
            _ => {}
        }
        Ok(None)
    }

    fn waiting_for_iam(&self, waited: std::time::Duration) {
        self.progress.step(format!(
            "waiting for IAM to make the new role assumable by Lambda ({:.0} s so far, up to {} s)",
            waited.as_secs_f64(),
            function::IAM_PROPAGATION_LIMIT.as_secs()
        ));
    }

    async fn create_function(&self) -> Result<String> {
        let (lambda, names) = (&self.aws.lambda, self.names);
        let desired = &self.desired.function;
        self.progress
            .step(format!("creating function {}", names.function));
        let on_wait = |waited| self.waiting_for_iam(waited);
        match function::create_function(lambda, names, desired, on_wait).await? {
            CreateOutcome::Created(arn) => {
                self.progress.step(format!(
                    "waiting for function {} to become Active",
                    names.function
                ));
                function::wait_until_active(lambda, names).await?;
                self.done(format!(
                    "created function {} with the extension layer",
                    names.function
                ));
                Ok(arn)
            }
            // A crashed run created it already: converge what is there.
            CreateOutcome::AlreadyExists => {
                let Observed::Owned(info) = function::get_function(lambda, names).await? else {
                    return Err(Error::not_owned(names, ResourceKind::Function));
                };
                let (_, steps) = function_rule::updates(&info, desired);
                for step in &steps {
                    Box::pin(self.function_step(step)).await?;
                }
                Ok(info.arn)
            }
        }
    }

    fn done(&self, message: String) {
        self.progress.done(message);
    }
}
