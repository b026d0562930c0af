//! `teardown`: observe the lab once, plan the removals (`plan`), run them in reverse order of
//! creation (each lab resource removes itself, in `lab/resources/`: "not found" counts as
//! done, and a failure is noted, not fatal, so the rest still goes), then read every resource
//! back for the receipt (`receipt`).

mod plan;
mod receipt;

use crate::aws::identity::resolve_identity;
use crate::aws::policy::policy_arn;
use crate::aws::secret::Recovery;
use crate::aws::{function, logs, AwsContext};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};
use crate::lab::legacy;
use crate::lab::resources;
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
        recovery,
        failures: Vec::new(),
        scheduled_until: None,
        deleted_function_now: false,
    };
    for kind in &plan.not_owned {
        removal.note::<()>(*kind, Err(Error::not_owned(names, *kind)));
    }
    for step in &plan.steps {
        removal.run(*step).await;
    }
    progress.step("checking every resource against the API");
    let until = removal.scheduled_until.or_else(|| {
        observation
            .found
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
    let (found, legacy_function, legacy_logs) = tokio::try_join!(
        resources::observe(aws, names, identity),
        function::get_function(&aws.lambda, &legacy_names),
        logs::log_group_exists(&aws.logs, &legacy_names),
    )?;
    Ok(TeardownObservation {
        found,
        legacy: !legacy_function.is_missing() || legacy_logs,
    })
}

/// Runs the plan's removals, noting each failure against its resource for the receipt.
pub struct Removals<'a> {
    pub aws: &'a AwsContext,
    pub names: &'a ResourceNames,
    pub policy_arn: &'a str,
    pub progress: &'a Progress,
    pub recovery: Recovery,
    failures: Vec<(ResourceKind, String)>,
    /// When a secret scheduled now will be deleted (RFC 3339).
    pub scheduled_until: Option<String>,
    /// Whether this run deleted the function (so a log group that comes back is Lambda's).
    pub deleted_function_now: bool,
}

impl Removals<'_> {
    pub fn note<T>(&mut self, kind: ResourceKind, result: Result<T>) {
        if let Err(e) = result {
            self.failures.push((kind, e.to_string()));
        }
    }

    async fn run(&mut self, step: Removal) {
        let (aws, names, recovery) = (self.aws, self.names, self.recovery);
        match step {
            Removal::Legacy => {
                let removed = legacy::remove_legacy(aws, names, recovery, self.progress).await;
                self.note(ResourceKind::Function, removed);
            }
            Removal::MigrateLeftovers => {
                let immediate = recovery == Recovery::Immediate;
                let removed =
                    crate::aws::migration::remove_leftovers(aws, &names.function, immediate).await;
                self.note(ResourceKind::Function, removed);
            }
            Removal::Resource(kind) => resources::of(kind).remove(self).await,
            Removal::LogGroupAgain => resources::log_group::remove_again(self).await,
        }
    }
}
