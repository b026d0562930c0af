//! Converge the account to the plan's desired lab. Independent work overlaps: the secret, the
//! role and the log group at once; then the policy (which needs the secret's ARN) is attached
//! while the function is created (which needs only the role, and may wait for IAM to propagate).

use serde_json::Value;

use crate::aws::function::{self, CreateOutcome};
use crate::aws::logs::{self, RETENTION_DAYS};
use crate::aws::observed::Observed;
use crate::aws::policy as iam_policy;
use crate::aws::role;
use crate::aws::secret::{self, Created};
use crate::aws::AwsContext;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::policy::same_policy;
use crate::error::{Error, Result};
use crate::ui::progress::Progress;

use super::plan::{DesiredLab, Plan};

/// What applying learned: the ARNs that exist now and the policy applied.
#[derive(Debug, Clone)]
pub struct Applied {
    pub secret_arn: String,
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
    progress.step("creating the secret, the role and the log group");
    let (secret_arn, (), ()) = tokio::try_join!(step.secret(), step.role(), step.log_group())?;
    let policy_document = plan.desired.policy_document(&secret_arn);
    let (_, function_arn) = tokio::try_join!(step.policy(&policy_document), step.function())?;
    Ok(Applied {
        secret_arn,
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
    async fn secret(&self) -> Result<String> {
        let sm = &self.aws.secrets;
        let desired: &DesiredLab = &self.plan.desired;
        let mut current = self.plan.observation.secret.clone();
        if current.is_missing() {
            let value = match &desired.secret_value {
                Some(value) => value.clone(),
                None => secret::random_secret(sm).await?,
            };
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
        if let Some(value) = &desired.secret_value {
            if secret::put_value_if_changed(sm, self.names, value).await? {
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
