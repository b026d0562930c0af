//! Converge the account to the plan's desired lab. Independent work overlaps: the store's
//! resource (secret or parameter), the role and the log group at once; then the policy (which
//! needs the store's ARN) is attached while the function is created (which needs only the
//! role, and may wait for IAM to propagate).
//!
//! Switching stores is expand → contract, so the function never loses its credentials: the
//! new store gets the old one's value, the policy grants both, the function moves over, the
//! policy narrows to the new store, and only then is the old resource removed.

use serde_json::Value;

use crate::aws::function::{self, CreateOutcome};
use crate::aws::logs::{self, RETENTION_DAYS};
use crate::aws::observed::Observed;
use crate::aws::parameter;
use crate::aws::policy as iam_policy;
use crate::aws::role;
use crate::aws::secret::{self, Created, Recovery, SecretValue};
use crate::aws::AwsContext;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::policy::{combined, same_policy};
use crate::error::{Error, Result};
use crate::ui::progress::Progress;

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
    let step = Applier {
        aws,
        names,
        plan,
        progress,
    };
    let store = plan.desired.store;
    progress.step(format!(
        "creating the {}, the role and the log group",
        store.kind().label()
    ));
    let (store_arn, (), ()) = tokio::try_join!(step.store(), step.role(), step.log_group())?;
    let policy_document = plan.desired.policy_document(&store_arn);
    let function_arn = match step.left_behind_arn() {
        None => tokio::try_join!(step.policy(&policy_document), step.function())?.1,
        Some(old_arn) => {
            let old = DesiredLab {
                store: store.other(),
                ..plan.desired.clone()
            };
            let both = combined(&old.policy_document(&old_arn), &policy_document);
            step.policy(&both).await?;
            let function_arn = step.function().await?;
            step.policy(&policy_document).await?;
            step.remove_left_behind().await?;
            function_arn
        }
    };
    Ok(Applied {
        store_arn,
        function_arn,
        policy_document,
    })
}

/// What every step of applying works with.
#[derive(Clone, Copy)]
struct Applier<'a> {
    aws: &'a AwsContext,
    names: &'a ResourceNames,
    plan: &'a Plan,
    progress: &'a Progress,
}

impl Applier<'_> {
    async fn store(&self) -> Result<String> {
        match self.plan.desired.store {
            Store::SecretsManager => self.secret().await,
            Store::ParameterStore => self.parameter().await,
        }
    }

    /// The value the store must hold: the user's, else the value of the store the lab
    /// leaves (carried over), else none (keep what is there, or generate one).
    async fn value_to_write(&self) -> Result<Option<SecretValue>> {
        let desired = &self.plan.desired;
        if let Some(value) = &desired.secret_value {
            return Ok(Some(value.clone()));
        }
        if !self.plan.observation.left_behind(desired.store) {
            return Ok(None);
        }
        match desired.store.other() {
            // A binary secret has no text to carry over: refuse rather than generate a new
            // value and then retire the old one.
            Store::SecretsManager => secret::read_value(&self.aws.secrets, self.names)
                .await?
                .map(Some)
                .ok_or_else(|| {
                    Error::invalid(
                        format!(
                            "secret `{}` holds a binary value, which a parameter cannot carry over",
                            self.names.secret
                        ),
                        "keep `--store secrets-manager`, or give the value with `--secret-file`",
                    )
                }),
            Store::ParameterStore => parameter::read_value(&self.aws.ssm, self.names)
                .await
                .map(Some),
        }
    }

    async fn new_value(&self) -> Result<SecretValue> {
        match self.value_to_write().await? {
            Some(value) => Ok(value),
            None => secret::random_secret(&self.aws.secrets).await,
        }
    }

    /// The left-behind store resource's ARN, when the lab is switching stores.
    fn left_behind_arn(&self) -> Option<String> {
        let observation = &self.plan.observation;
        if !observation.left_behind(self.plan.desired.store) {
            return None;
        }
        match self.plan.desired.store.other() {
            Store::SecretsManager => observation.secret.owned().map(|s| s.arn.clone()),
            Store::ParameterStore => observation.parameter.owned().map(|p| p.arn.clone()),
        }
    }

    /// Remove the store the lab left, once nothing reads it: a secret is scheduled for
    /// deletion (restorable for the default recovery window), a parameter is deleted.
    async fn remove_left_behind(&self) -> Result<()> {
        let names = self.names;
        match self.plan.desired.store.other() {
            Store::SecretsManager => {
                let days = Recovery::Days(crate::domain::defaults::RECOVERY_DAYS);
                secret::delete_secret(&self.aws.secrets, names, days).await?;
                self.progress.done(format!(
                    "scheduled secret {} for deletion (the lab reads the parameter now)",
                    names.secret
                ));
            }
            Store::ParameterStore => {
                parameter::delete_parameter(&self.aws.ssm, names).await?;
                self.progress.done(format!(
                    "deleted parameter {} (the lab reads the secret now)",
                    names.parameter
                ));
            }
        }
        Ok(())
    }

    async fn parameter(&self) -> Result<String> {
        let ssm = &self.aws.ssm;
        let desired = &self.plan.desired;
        let kms_key = desired.kms_key.as_deref();
        let mut current = self.plan.observation.parameter.clone();
        if current.is_missing() {
            let value = self.new_value().await?;
            if parameter::create_parameter(ssm, self.names, &value, kms_key).await? {
                self.progress
                    .done(format!("created parameter {}", self.names.parameter));
                return Ok(desired.parameter_arn.clone());
            }
            // Taken after all (a crashed run, or a race): read again and converge.
            current = parameter::get_parameter(ssm, self.names).await?;
        }
        let Observed::Owned(info) = current else {
            return Err(Error::not_owned(self.names, ResourceKind::Parameter));
        };
        let value = self.value_to_write().await?;
        let changed = parameter::converge(ssm, self.names, &info, value.as_ref(), kms_key).await?;
        if changed {
            self.progress
                .done(format!("updated parameter {}", self.names.parameter));
        }
        Ok(info.arn)
    }

    async fn secret(&self) -> Result<String> {
        let sm = &self.aws.secrets;
        let desired: &DesiredLab = &self.plan.desired;
        let mut current = self.plan.observation.secret.clone();
        if current.is_missing() {
            let value = self.new_value().await?;
            match secret::create_secret(sm, self.names, &value, desired.kms_key.as_deref()).await? {
                Created::Arn(arn) => {
                    self.progress
                        .done(format!("created secret {}", self.names.secret));
                    return Ok(arn);
                }
                // Taken after all (a scheduled deletion, or a race): read again and converge.
                Created::NameTaken => current = secret::get_secret(sm, self.names).await?,
            }
        }
        let info = match current {
            Observed::Owned(info) => info,
            Observed::Foreign => return Err(Error::not_owned(self.names, ResourceKind::Secret)),
            Observed::Missing => {
                return Err(Error::Aws {
                    action: format!("creating secret `{}`", self.names.secret),
                    detail: "the name is taken but the secret cannot be read".into(),
                    help: "wait a minute (a forced deletion may still be finishing) and re-run `secretslab up`".into(),
                })
            }
        };
        if info.deleted_date.is_some() {
            secret::restore_secret(sm, self.names).await?;
            self.progress.done(format!(
                "restored secret {} (it was scheduled for deletion)",
                self.names.secret
            ));
        }
        if let Some(key) = &desired.kms_key {
            if info.kms_key_id.as_deref() != Some(key.as_str()) {
                secret::set_kms_key(sm, self.names, key).await?;
            }
        }
        if let Some(value) = self.value_to_write().await? {
            if secret::put_value_if_changed(sm, self.names, &value).await? {
                self.progress
                    .done(format!("stored your value in {}", self.names.secret));
            }
        }
        Ok(info.arn)
    }

    async fn role(&self) -> Result<()> {
        match &self.plan.observation.role {
            Observed::Owned(info) if !info.trust_matches => {
                role::update_trust_policy(&self.aws.iam, self.names).await
            }
            Observed::Owned(_) => Ok(()),
            _ => {
                // The planned role ARN is derived from the name, as IAM derives it.
                role::create_role(&self.aws.iam, self.names).await?;
                self.progress
                    .done(format!("created IAM role {}", self.names.role));
                Ok(())
            }
        }
    }

    async fn log_group(&self) -> Result<()> {
        match &self.plan.observation.log_group {
            Observed::Owned(info) if info.retention_days == Some(RETENTION_DAYS) => Ok(()),
            Observed::Owned(_) => logs::set_retention(&self.aws.logs, self.names).await,
            _ => {
                logs::create_log_group(&self.aws.logs, self.names).await?;
                self.progress
                    .done(format!("created log group {}", self.names.log_group));
                Ok(())
            }
        }
    }

    async fn policy(&self, document: &Value) -> Result<()> {
        let arn = &self.plan.desired.policy_arn;
        match &self.plan.observation.policy {
            Observed::Owned(info) => {
                if !info
                    .document
                    .as_ref()
                    .is_some_and(|d| same_policy(d, document))
                {
                    iam_policy::update_policy(&self.aws.iam, arn, self.names, document).await?;
                    self.progress
                        .done(format!("updated IAM policy {}", self.names.policy));
                }
            }
            _ => {
                iam_policy::create_policy(&self.aws.iam, arn, self.names, document).await?;
                self.progress
                    .done(format!("created IAM policy {}", self.names.policy));
            }
        }
        let attached: &[String] = self
            .plan
            .observation
            .role
            .owned()
            .map(|r| r.attached.as_slice())
            .unwrap_or_default();
        for policy in &self.plan.desired.role_policies {
            if !attached.contains(policy) {
                role::attach_policy(&self.aws.iam, self.names, policy).await?;
            }
        }
        Ok(())
    }

    async fn function(&self) -> Result<String> {
        let lambda = &self.aws.lambda;
        let desired = &self.plan.desired.function;
        let on_wait = |waited: std::time::Duration| {
            self.progress.step(format!(
                "waiting for IAM to make the new role assumable by Lambda ({:.0} s so far, up to {} s)",
                waited.as_secs_f64(),
                function::IAM_PROPAGATION_LIMIT.as_secs()
            ));
        };
        let info = match self.plan.observation.function.owned() {
            Some(info) => info.clone(),
            None => {
                self.progress
                    .step(format!("creating function {}", self.names.function));
                match function::create_function(lambda, self.names, desired, on_wait).await? {
                    CreateOutcome::Created(arn) => {
                        self.progress.step(format!(
                            "waiting for function {} to become Active",
                            self.names.function
                        ));
                        function::wait_until_active(lambda, self.names).await?;
                        self.progress.done(format!(
                            "created function {} with the extension layer",
                            self.names.function
                        ));
                        return Ok(arn);
                    }
                    // A crashed run created it already: converge what is there.
                    CreateOutcome::AlreadyExists => {
                        match function::get_function(lambda, self.names).await? {
                            Observed::Owned(info) => info,
                            _ => return Err(Error::not_owned(self.names, ResourceKind::Function)),
                        }
                    }
                }
            }
        };
        // A function left Pending or mid-update by a crashed run must settle before changes.
        if info.state.as_deref() != Some("Active") {
            function::wait_until_active(lambda, self.names).await?;
        }
        if info
            .last_update_status
            .as_deref()
            .is_some_and(|s| s != "Successful")
        {
            function::wait_until_updated(lambda, self.names).await?;
        }
        let diff = function::diff(&info, desired);
        if diff.code {
            self.progress
                .step(format!("uploading new code to {}", self.names.function));
            function::update_code(lambda, self.names, desired).await?;
            self.progress
                .done(format!("updated the code of {}", self.names.function));
        }
        if !diff.config.is_empty() {
            self.progress.step(format!(
                "updating the configuration of {}",
                self.names.function
            ));
            function::update_configuration(lambda, self.names, desired, on_wait).await?;
            self.progress.done(format!(
                "updated {} of {}",
                diff.config.join(", "),
                self.names.function
            ));
        }
        Ok(info.arn)
    }
}
