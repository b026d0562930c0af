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
    let desired = &plan.desired;
    progress.step("creating the secret, the role and the log group");
    let (secret_arn, (), ()) = tokio::try_join!(
        converge_secret(aws, names, plan, progress),
        converge_role(aws, names, plan, progress),
        converge_log_group(aws, names, plan, progress),
    )?;
    let policy_document = desired.policy_document(&secret_arn);
    let (_, function_arn) = tokio::try_join!(
        converge_policy(aws, names, plan, &policy_document, progress),
        converge_function(aws, names, plan, progress),
    )?;
    Ok(Applied {
        secret_arn,
        function_arn,
        policy_document,
    })
}

async fn converge_secret(
    aws: &AwsContext,
    names: &ResourceNames,
    plan: &Plan,
    progress: &Progress,
) -> Result<String> {
    let sm = &aws.secrets;
    let desired: &DesiredLab = &plan.desired;
    let mut current = plan.observation.secret.clone();
    if current.is_missing() {
        let value = match &desired.secret_value {
            Some(value) => value.clone(),
            None => secret::random_secret(sm).await?,
        };
        match secret::create_secret(sm, names, &value, desired.kms_key.as_deref()).await? {
            Created::Arn(arn) => {
                progress.done(format!("created secret {}", names.secret));
                return Ok(arn);
            }
            // Taken after all (a scheduled deletion, or a race): read again and converge.
            Created::NameTaken => current = secret::get_secret(sm, names).await?,
        }
    }
    let info = match current {
        Observed::Owned(info) => info,
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Secret)),
        Observed::Missing => {
            return Err(Error::Aws {
                action: format!("creating secret `{}`", names.secret),
                detail: "the name is taken but the secret cannot be read".into(),
                help: "wait a minute (a forced deletion may still be finishing) and re-run `secretslab up`".into(),
            })
        }
    };
    if info.deleted_date.is_some() {
        secret::restore_secret(sm, names).await?;
        progress.done(format!(
            "restored secret {} (it was scheduled for deletion)",
            names.secret
        ));
    }
    if let Some(key) = &desired.kms_key {
        if info.kms_key_id.as_deref() != Some(key.as_str()) {
            secret::set_kms_key(sm, names, key).await?;
        }
    }
    if let Some(value) = &desired.secret_value {
        if secret::put_value_if_changed(sm, names, value).await? {
            progress.done(format!("stored your value in {}", names.secret));
        }
    }
    Ok(info.arn)
}

async fn converge_role(
    aws: &AwsContext,
    names: &ResourceNames,
    plan: &Plan,
    progress: &Progress,
) -> Result<()> {
    match &plan.observation.role {
        Observed::Owned(info) if !info.trust_matches => {
            role::update_trust_policy(&aws.iam, names).await
        }
        Observed::Owned(_) => Ok(()),
        _ => {
            // The planned role ARN is derived from the name, as IAM derives it.
            role::create_role(&aws.iam, names).await?;
            progress.done(format!("created IAM role {}", names.role));
            Ok(())
        }
    }
}

async fn converge_log_group(
    aws: &AwsContext,
    names: &ResourceNames,
    plan: &Plan,
    progress: &Progress,
) -> Result<()> {
    match &plan.observation.log_group {
        Observed::Owned(info) if info.retention_days == Some(RETENTION_DAYS) => Ok(()),
        Observed::Owned(_) => logs::set_retention(&aws.logs, names).await,
        _ => {
            logs::create_log_group(&aws.logs, names).await?;
            progress.done(format!("created log group {}", names.log_group));
            Ok(())
        }
    }
}

async fn converge_policy(
    aws: &AwsContext,
    names: &ResourceNames,
    plan: &Plan,
    document: &Value,
    progress: &Progress,
) -> Result<()> {
    let arn = &plan.desired.policy_arn;
    match &plan.observation.policy {
        Observed::Owned(info) => {
            if !info
                .document
                .as_ref()
                .is_some_and(|d| same_policy(d, document))
            {
                iam_policy::update_policy(&aws.iam, arn, names, document).await?;
                progress.done(format!("updated IAM policy {}", names.policy));
            }
        }
        _ => {
            iam_policy::create_policy(&aws.iam, arn, names, document).await?;
            progress.done(format!("created IAM policy {}", names.policy));
        }
    }
    let attached: &[String] = plan
        .observation
        .role
        .owned()
        .map(|r| r.attached.as_slice())
        .unwrap_or_default();
    for policy in &plan.desired.role_policies {
        if !attached.contains(policy) {
            role::attach_policy(&aws.iam, names, policy).await?;
        }
    }
    Ok(())
}

async fn converge_function(
    aws: &AwsContext,
    names: &ResourceNames,
    plan: &Plan,
    progress: &Progress,
) -> Result<String> {
    let lambda = &aws.lambda;
    let desired = &plan.desired.function;
    let on_wait = |waited: std::time::Duration| {
        progress.step(format!(
            "waiting for IAM to make the new role assumable by Lambda ({:.0} s so far, up to {} s)",
            waited.as_secs_f64(),
            function::IAM_PROPAGATION_LIMIT.as_secs()
        ));
    };
    let info = match plan.observation.function.owned() {
        Some(info) => info.clone(),
        None => {
            progress.step(format!("creating function {}", names.function));
            match function::create_function(lambda, names, desired, on_wait).await? {
                CreateOutcome::Created(arn) => {
                    progress.step(format!(
                        "waiting for function {} to become Active",
                        names.function
                    ));
                    function::wait_until_active(lambda, names).await?;
                    progress.done(format!(
                        "created function {} with the extension layer",
                        names.function
                    ));
                    return Ok(arn);
                }
                // A crashed run created it already: converge what is there.
                CreateOutcome::AlreadyExists => {
                    match function::get_function(lambda, names).await? {
                        Observed::Owned(info) => info,
                        _ => return Err(Error::not_owned(names, ResourceKind::Function)),
                    }
                }
            }
        }
    };
    // A function left Pending or mid-update by a crashed run must settle before changes.
    if info.state.as_deref() != Some("Active") {
        function::wait_until_active(lambda, names).await?;
    }
    if info
        .last_update_status
        .as_deref()
        .is_some_and(|s| s != "Successful")
    {
        function::wait_until_updated(lambda, names).await?;
    }
    let diff = function::diff(&info, desired);
    if diff.code {
        progress.step(format!("uploading new code to {}", names.function));
        function::update_code(lambda, names, desired).await?;
        progress.done(format!("updated the code of {}", names.function));
    }
    if !diff.config.is_empty() {
        progress.step(format!("updating the configuration of {}", names.function));
        function::update_configuration(lambda, names, desired, on_wait).await?;
        progress.done(format!(
            "updated {} of {}",
            diff.config.join(", "),
            names.function
        ));
    }
    Ok(info.arn)
}
