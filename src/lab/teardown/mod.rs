//! `teardown`: observe the lab once, plan the removals (`plan`), run them in reverse order of
//! creation (here: "not found" counts as done, and a failure is noted, not fatal, so the rest
//! still goes), then read every resource back for the receipt (`receipt`).

mod plan;
mod receipt;

use crate::aws::identity::resolve_identity;
use crate::aws::policy::{self as iam_policy, policy_arn};
use crate::aws::secret::{self, Recovery, SecretDeletion};
use crate::aws::{function, logs, parameter, role, AwsContext};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};
use crate::lab::deploy::observe::observe_resources;
use crate::lab::legacy;
use crate::session::{Connection, Session};
use crate::ui::progress::Progress;

pub use plan::{plan, Removal, TeardownObservation, TeardownPlan};
pub use receipt::{FinalState, ReceiptLine, TeardownReport};

/// Remove the lab (and, locally, its extension): what `teardown` and the tour run.
pub async fn remove_lab(
    session: &Session,
    connection: &Connection,
    recovery: Recovery,
) -> Result<TeardownReport> {
    let report = teardown(
        &connection.aws,
        &session.names(),
        recovery,
        &session.progress,
    )
    .await?;
    connection.forget_local_extension(session).await?;
    Ok(report)
}

pub async fn teardown(
    aws: &AwsContext,
    names: &ResourceNames,
    recovery: Recovery,
    progress: &Progress,
) -> Result<TeardownReport> {
    let identity = resolve_identity(&aws.sts).await?;
    let policy_arn = policy_arn(&identity.partition, &identity.account, names);
    let observation = observe(aws, names, &identity).await?;
    let plan = plan(&observation, recovery);
    let mut removal = Removals {
        aws,
        names,
        policy_arn: &policy_arn,
        progress,
        failures: Vec::new(),
        scheduled_until: None,
        deleted_function_now: false,
    };
    for kind in &plan.not_owned {
        removal.note::<()>(*kind, Err(Error::not_owned(names, *kind)));
    }
    for step in &plan.steps {
        removal.run(*step, recovery).await;
    }
    progress.step("checking every resource against the API");
    let until = removal.scheduled_until.or_else(|| {
        observation
            .secret
            .owned()
            .and_then(|s| s.deleted_date)
            .and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
    });
    let mut lines = receipt::receipt(aws, names, &policy_arn, &removal.failures, until).await?;
    if observation.legacy {
        lines.extend(receipt::legacy_receipt(aws, names).await?);
    }
    let remaining = lines
        .iter()
        .filter(|l| l.state == FinalState::StillPresent)
        .count();
    Ok(TeardownReport {
        lab: names.lab.clone(),
        receipt: lines,
        remaining,
    })
}

/// The lab's resources and whether the legacy function is there, read at once.
async fn observe(
    aws: &AwsContext,
    names: &ResourceNames,
    identity: &crate::aws::identity::Identity,
) -> Result<TeardownObservation> {
    let legacy_names = legacy::legacy_names(names);
    let (resources, legacy_function, legacy_logs) = tokio::try_join!(
        observe_resources(aws, names, identity),
        function::get_function(&aws.lambda, &legacy_names),
        logs::log_group_exists(&aws.logs, &legacy_names),
    )?;
    let (secret, parameter, role, policy, log_group, function, simulated_db) = resources;
    Ok(TeardownObservation {
        simulated_db,
        secret,
        parameter,
        role,
        policy,
        log_group,
        function,
        legacy: !legacy_function.is_missing() || legacy_logs,
    })
}

/// Runs the plan's removals, noting each failure against its resource for the receipt.
struct Removals<'a> {
    aws: &'a AwsContext,
    names: &'a ResourceNames,
    policy_arn: &'a str,
    progress: &'a Progress,
    failures: Vec<(ResourceKind, String)>,
    /// When a secret scheduled now will be deleted (RFC 3339).
    scheduled_until: Option<String>,
    /// Whether this run deleted the function (so a log group that comes back is Lambda's).
    deleted_function_now: bool,
}

impl Removals<'_> {
    fn note<T>(&mut self, kind: ResourceKind, result: Result<T>) {
        if let Err(e) = result {
            self.failures.push((kind, e.to_string()));
        }
    }

    async fn run(&mut self, step: Removal, recovery: Recovery) {
        let (aws, names) = (self.aws, self.names);
        let immediate = recovery == Recovery::Immediate;
        match step {
            Removal::Legacy => {
                let removed = legacy::remove_legacy(aws, names, recovery, self.progress).await;
                self.note(ResourceKind::Function, removed);
            }
            Removal::MigrateLeftovers => {
                let removed =
                    crate::aws::migration::remove_leftovers(aws, &names.function, immediate).await;
                self.note(ResourceKind::Function, removed);
            }
            Removal::Function => {
                self.progress
                    .step(format!("deleting function {}", names.function));
                let deleted = function::delete_function(&aws.lambda, names).await;
                self.deleted_function_now = matches!(deleted, Ok(true));
                self.note(ResourceKind::Function, deleted);
            }
            Removal::LogGroup => {
                self.progress
                    .step(format!("deleting log group {}", names.log_group));
                let deleted = logs::delete_log_group(&aws.logs, names, false).await;
                self.note(ResourceKind::LogGroup, deleted);
            }
            Removal::LogGroupAgain => self.log_group_again().await,
            Removal::Role => {
                self.progress
                    .step(format!("deleting IAM role {}", names.role));
                let deleted = role::delete_role(&aws.iam, names).await;
                self.note(ResourceKind::Role, deleted);
            }
            Removal::Policy => {
                self.progress
                    .step(format!("deleting IAM policy {}", names.policy));
                let deleted = iam_policy::delete_policy(&aws.iam, self.policy_arn, names).await;
                self.note(ResourceKind::Policy, deleted);
            }
            Removal::Secret => self.secret(recovery).await,
            Removal::SimulatedDb => {
                self.progress.step(format!(
                    "deleting the lab's simulated database {}",
                    names.simulated_db
                ));
                let deleted = crate::aws::simulated_db::delete(&aws.ssm, names).await;
                self.note(ResourceKind::SimulatedDatabase, deleted);
            }
            Removal::Parameter => {
                // Parameter Store keeps no deleted parameters: this one is gone for good.
                self.progress
                    .step(format!("deleting parameter {}", names.parameter));
                let deleted = parameter::delete_parameter(&self.aws.ssm, names).await;
                self.note(ResourceKind::Parameter, deleted);
            }
        }
    }

    async fn secret(&mut self, recovery: Recovery) {
        self.progress
            .step(format!("deleting secret {}", self.names.secret));
        let result = secret::delete_secret(&self.aws.secrets, self.names, recovery).await;
        if let Ok(SecretDeletion::ScheduledUntil(Some(date))) = &result {
            self.scheduled_until = date.fmt(aws_smithy_types::date_time::Format::DateTime).ok();
        }
        self.note(ResourceKind::Secret, result);
    }

    /// Lambda writes a late invocation's logs to a log group it creates again: delete it
    /// once more (adopting it untagged, since Lambda made it) if it came back.
    async fn log_group_again(&mut self) {
        let names = self.names;
        if !logs::log_group_exists(&self.aws.logs, names)
            .await
            .unwrap_or(false)
        {
            return;
        }
        self.progress.step(format!(
            "deleting log group {} again (recreated by a late invocation)",
            names.log_group
        ));
        let adopt = self.deleted_function_now;
        let deleted = logs::delete_log_group(&self.aws.logs, names, adopt).await;
        self.note(ResourceKind::LogGroup, deleted);
    }
}
