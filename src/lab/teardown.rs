//! `teardown`: delete in reverse order of creation, count "not found" as done, then check
//! every resource against AWS for the receipt.

use std::fmt;

use serde::Serialize;

use crate::aws::identity::resolve_identity;
use crate::aws::observed::Observed;
use crate::aws::policy::{self as iam_policy, policy_arn};
use crate::aws::secret::{self, Recovery, SecretDeletion};
use crate::aws::{function, logs, parameter, role, AwsContext};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};
use crate::lab::legacy;
use crate::session::{Connection, Session};
use crate::ui::progress::Progress;
use crate::ui::style;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinalState {
    Gone,
    ScheduledForDeletion,
    StillPresent,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceiptLine {
    pub kind: ResourceKind,
    pub name: String,
    pub state: FinalState,
    /// When a scheduled secret will be deleted (RFC 3339), if known.
    pub until: Option<String>,
    /// Why something is still there.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TeardownReport {
    pub lab: String,
    pub receipt: Vec<ReceiptLine>,
    pub remaining: usize,
}

impl fmt::Display for TeardownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} `{}` (checked against the API)",
            style::heading("teardown receipt for lab"),
            self.lab
        )?;
        for line in &self.receipt {
            let state = match line.state {
                FinalState::Gone => style::ok("gone"),
                FinalState::ScheduledForDeletion => style::pending(&match &line.until {
                    Some(until) => format!("scheduled for deletion until {until}"),
                    None => "scheduled for deletion".to_string(),
                }),
                FinalState::StillPresent => style::failed("still present"),
            };
            write!(f, "  {:<11}{:<32} {state}", line.kind, line.name)?;
            if let Some(detail) = &line.detail {
                write!(f, " ({detail})")?;
            }
            writeln!(f)?;
        }
        if self
            .receipt
            .iter()
            .any(|l| l.state == FinalState::ScheduledForDeletion)
        {
            writeln!(
                f,
                "{}",
                style::hint("the secret stays restorable until then; `secretslab up` restores it, `secretslab teardown --force-delete-secret` removes it now")
            )?;
        }
        Ok(())
    }
}

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
    connection.forget_local_extension(session)?;
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
    let mut failures: Vec<(ResourceKind, String)> = Vec::new();
    let mut note = |kind: ResourceKind, result: Result<()>| {
        if let Err(e) = result {
            failures.push((kind, e.to_string()));
        }
    };

    // The legacy function first: migrate's leftovers are found through it and its role.
    let legacy = legacy::remove_legacy(aws, names, recovery, progress).await;
    let had_legacy = !matches!(legacy, Ok(None));
    note(ResourceKind::Function, legacy.map(drop));
    // And what migrate made, should someone have migrated the lab's own function.
    let immediate = recovery == Recovery::Immediate;
    let leftovers = crate::aws::migration::remove_leftovers(aws, &names.function, immediate).await;
    note(ResourceKind::Function, leftovers.map(drop));

    progress.step(format!("deleting function {}", names.function));
    let function_deleted = function::delete_function(&aws.lambda, names).await;
    let deleted_function_now = matches!(function_deleted, Ok(true));
    note(ResourceKind::Function, function_deleted.map(|_| ()));

    progress.step(format!("deleting log group {}", names.log_group));
    note(
        ResourceKind::LogGroup,
        logs::delete_log_group(&aws.logs, names, false)
            .await
            .map(|_| ()),
    );

    progress.step(format!("deleting IAM role {}", names.role));
    note(
        ResourceKind::Role,
        role::delete_role(&aws.iam, names).await.map(|_| ()),
    );

    progress.step(format!("deleting IAM policy {}", names.policy));
    note(
        ResourceKind::Policy,
        iam_policy::delete_policy(&aws.iam, &policy_arn, names)
            .await
            .map(|_| ()),
    );

    progress.step(format!("deleting secret {}", names.secret));
    let secret_result = secret::delete_secret(&aws.secrets, names, recovery).await;
    let scheduled_until = match &secret_result {
        Ok(SecretDeletion::ScheduledUntil(Some(date))) => {
            date.fmt(aws_smithy_types::date_time::Format::DateTime).ok()
        }
        _ => None,
    };
    note(ResourceKind::Secret, secret_result.map(|_| ()));

    // Parameter Store keeps no deleted parameters: this one is gone for good.
    progress.step(format!("deleting parameter {}", names.parameter));
    note(
        ResourceKind::Parameter,
        parameter::delete_parameter(&aws.ssm, names)
            .await
            .map(|_| ()),
    );

    // A late invocation can make Lambda recreate the log group after we deleted it: look again.
    if logs::log_group_exists(&aws.logs, names)
        .await
        .unwrap_or(false)
    {
        progress.step(format!(
            "deleting log group {} again (recreated by a late invocation)",
            names.log_group
        ));
        note(
            ResourceKind::LogGroup,
            logs::delete_log_group(&aws.logs, names, deleted_function_now)
                .await
                .map(|_| ()),
        );
    }

    progress.step("checking every resource against the API");
    let mut receipt = receipt(aws, names, &policy_arn, &failures, scheduled_until).await?;
    if had_legacy {
        receipt.extend(legacy_receipt(aws, names).await?);
    }
    let remaining = receipt
        .iter()
        .filter(|l| l.state == FinalState::StillPresent)
        .count();
    Ok(TeardownReport {
        lab: names.lab.clone(),
        receipt,
        remaining,
    })
}

async fn receipt(
    aws: &AwsContext,
    names: &ResourceNames,
    policy_arn: &str,
    failures: &[(ResourceKind, String)],
    scheduled_until: Option<String>,
) -> Result<Vec<ReceiptLine>> {
    let present = |still_there: bool| {
        if still_there {
            FinalState::StillPresent
        } else {
            FinalState::Gone
        }
    };
    let secret = match secret::get_secret(&aws.secrets, names).await? {
        Observed::Missing => FinalState::Gone,
        Observed::Owned(info) if info.deleted_date.is_some() => FinalState::ScheduledForDeletion,
        _ => FinalState::StillPresent,
    };
    let states = [
        (
            ResourceKind::Function,
            present(
                !function::get_function(&aws.lambda, names)
                    .await?
                    .is_missing(),
            ),
        ),
        (
            ResourceKind::LogGroup,
            present(logs::log_group_exists(&aws.logs, names).await?),
        ),
        (
            ResourceKind::Role,
            present(!role::get_role(&aws.iam, names).await?.is_missing()),
        ),
        (
            ResourceKind::Policy,
            present(
                !iam_policy::get_policy(&aws.iam, policy_arn, names)
                    .await?
                    .is_missing(),
            ),
        ),
        (ResourceKind::Secret, secret),
        (
            ResourceKind::Parameter,
            present(
                !parameter::get_parameter(&aws.ssm, names)
                    .await?
                    .is_missing(),
            ),
        ),
    ];
    Ok(states
        .into_iter()
        .map(|(kind, state)| ReceiptLine {
            kind,
            name: names.name_of(kind).to_string(),
            state,
            until: scheduled_until
                .clone()
                .filter(|_| state == FinalState::ScheduledForDeletion),
            // Why it is still there: the error its delete met.
            detail: failures
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, d)| d.clone())
                .filter(|_| state == FinalState::StillPresent),
        })
        .collect())
}

/// The legacy function's lines, checked against the API like the rest.
async fn legacy_receipt(aws: &AwsContext, names: &ResourceNames) -> Result<Vec<ReceiptLine>> {
    let legacy = legacy::legacy_names(names);
    let function_there = !function::get_function(&aws.lambda, &legacy)
        .await?
        .is_missing();
    let logs_there = logs::log_group_exists(&aws.logs, &legacy).await?;
    let line = |kind: ResourceKind, there: bool| ReceiptLine {
        kind,
        name: legacy.name_of(kind).to_string(),
        state: if there {
            FinalState::StillPresent
        } else {
            FinalState::Gone
        },
        until: None,
        detail: None,
    };
    Ok(vec![
        line(ResourceKind::Function, function_there),
        line(ResourceKind::LogGroup, logs_there),
    ])
}

impl TeardownReport {
    /// The error to report when something is still there.
    pub fn leftover_error(&self) -> Option<Error> {
        (self.remaining > 0).then_some(Error::PartialTeardown {
            remaining: self.remaining,
        })
    }
}
