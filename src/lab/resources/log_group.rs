//! The function's log group, with the lab's retention.

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::logs::{self, LogGroupInfo, RETENTION_DAYS};
use crate::aws::observed::Observed;
use crate::domain::names::ResourceKind;
use crate::error::Result;
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{Change, PlanContext};
use crate::lab::deploy::plan::step::Phase;
use crate::lab::deploy::plan::Action;
use crate::lab::teardown::{FinalState, Removals};

use super::{present, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum LogGroupStep {
    /// Create the log group with [`RETENTION_DAYS`] of retention.
    Create,
    /// Set the retention to [`RETENTION_DAYS`].
    SetRetention,
}

impl LogGroupStep {
    pub fn phase(&self) -> Phase {
        match self {
            LogGroupStep::Create | LogGroupStep::SetRetention => Phase::Prepare,
        }
    }
}

impl fmt::Display for LogGroupStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogGroupStep::Create => {
                write!(
                    f,
                    "create log group with {RETENTION_DAYS} days of retention"
                )
            }
            LogGroupStep::SetRetention => write!(f, "set log retention to {RETENTION_DAYS} days"),
        }
    }
}

pub struct LogGroup;

impl LabResource for LogGroup {
    fn kind(&self) -> ResourceKind {
        ResourceKind::LogGroup
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.log_group, |l| &l.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        Some(change(&lab.observation.found.log_group))
    }

    fn removal_rank(&self) -> u8 {
        1
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            removals
                .progress
                .step(format!("deleting log group {}", names.log_group));
            let deleted = logs::delete_log_group(&aws.logs, names, false).await;
            removals.note(ResourceKind::LogGroup, deleted);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            let there = logs::log_group_exists(&check.aws.logs, check.names).await?;
            Ok(present(there))
        })
    }

    /// Its retention (secretslab's when the log group is missing).
    fn export(&self, found: &Found, model: &mut LabModel, notes: &mut Vec<String>) -> Result<()> {
        model.log_retention_days = match &found.log_group {
            Observed::Owned(group) => group.retention_days.unwrap_or(RETENTION_DAYS),
            _ => {
                notes.push(format!("log group `{}` is missing: exported with secretslab's retention of {RETENTION_DAYS} days", model.names.log_group));
                RETENTION_DAYS
            }
        };
        Ok(())
    }
}

/// Lambda writes a late invocation's logs to a log group it creates again: delete it once
/// more (adopting it untagged when this run deleted the function, since Lambda made it).
pub async fn remove_again(removals: &mut Removals<'_>) {
    let (aws, names) = (removals.aws, removals.names);
    if !logs::log_group_exists(&aws.logs, names)
        .await
        .unwrap_or(false)
    {
        return;
    }
    removals.progress.step(format!(
        "deleting log group {} again (recreated by a late invocation)",
        names.log_group
    ));
    let adopt = removals.deleted_function_now;
    let deleted = logs::delete_log_group(&aws.logs, names, adopt).await;
    removals.note(ResourceKind::LogGroup, deleted);
}

pub fn change(observed: &Observed<LogGroupInfo>) -> Change {
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let detail = format!("retention {RETENTION_DAYS} days");
            return Change::create(detail, vec![Step::LogGroup(LogGroupStep::Create)]);
        }
        Observed::Owned(info) => info,
    };
    let reason = match info.retention_days {
        Some(RETENTION_DAYS) => return Change::of(Action::Update, Vec::new()),
        Some(days) => format!("retention {days} days, want {RETENTION_DAYS}"),
        None => format!("no retention set, want {RETENTION_DAYS} days"),
    };
    let step = Step::LogGroup(LogGroupStep::SetRetention);
    Change::of(Action::Update, vec![(reason, vec![step])])
}

pub async fn apply(run: &Runner<'_>, step: &LogGroupStep) -> Result<()> {
    let (client, names) = (&run.aws.logs, run.names);
    match step {
        LogGroupStep::Create => {
            logs::create_log_group(client, names).await?;
            run.done(format!("created log group {}", names.log_group));
        }
        LogGroupStep::SetRetention => logs::set_retention(client, names).await?,
    }
    Ok(())
}
