//! `teardown`: delete in reverse order of creation, count "not found" as done, then check
//! every resource against AWS for the receipt.

use std::fmt;

use serde::Serialize;

use crate::aws::identity::resolve_identity;
use crate::aws::observed::Observed;
use crate::aws::policy::{self as iam_policy, policy_arn};
use crate::aws::secret::{self, Recovery, SecretDeletion};
use crate::aws::{function, logs, role, AwsContext};
use crate::error::{Error, Result};
use crate::lab::names::ResourceNames;
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
    pub kind: &'static str,
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

pub async fn teardown(
    aws: &AwsContext,
    names: &ResourceNames,
    recovery: Recovery,
    progress: &Progress,
) -> Result<TeardownReport> {
    let identity = resolve_identity(&aws.sts).await?;
    let policy_arn = policy_arn(&identity.partition, &identity.account, names);
    let mut failures: Vec<(&'static str, String)> = Vec::new();
    let mut note = |kind: &'static str, result: Result<()>| {
        if let Err(e) = result {
            failures.push((kind, e.to_string()));
        }
    };

    progress.step(format!("deleting function {}", names.function));
    let function_deleted = function::delete_function(&aws.lambda, names).await;
    let deleted_function_now = matches!(function_deleted, Ok(true));
    note("function", function_deleted.map(|_| ()));

    progress.step(format!("deleting log group {}", names.log_group));
    note(
        "log_group",
        logs::delete_log_group(&aws.logs, names, false)
            .await
            .map(|_| ()),
    );

    progress.step(format!("deleting IAM role {}", names.role));
    note(
        "iam_role",
        role::delete_role(&aws.iam, names).await.map(|_| ()),
    );

    progress.step(format!("deleting IAM policy {}", names.policy));
    note(
        "iam_policy",
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
    note("secret", secret_result.map(|_| ()));

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
            "log_group",
            logs::delete_log_group(&aws.logs, names, deleted_function_now)
                .await
                .map(|_| ()),
        );
    }

    progress.step("checking every resource against the API");
    let receipt = receipt(aws, names, &policy_arn, &failures, scheduled_until).await?;
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
    failures: &[(&'static str, String)],
    scheduled_until: Option<String>,
) -> Result<Vec<ReceiptLine>> {
    let detail = |kind: &str| {
        failures
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, d)| d.clone())
    };
    let present = |observed_present: bool| {
        if observed_present {
            FinalState::StillPresent
        } else {
            FinalState::Gone
        }
    };
    let function = !function::get_function(&aws.lambda, names)
        .await?
        .is_missing();
    let log_group = logs::log_group_exists(&aws.logs, names).await?;
    let role = !role::get_role(&aws.iam, names).await?.is_missing();
    let policy = !iam_policy::get_policy(&aws.iam, policy_arn, names)
        .await?
        .is_missing();
    let secret_state = match secret::get_secret(&aws.secrets, names).await? {
        Observed::Missing => FinalState::Gone,
        Observed::Owned(info) if info.deleted_date.is_some() => FinalState::ScheduledForDeletion,
        _ => FinalState::StillPresent,
    };
    Ok(vec![
        ReceiptLine {
            kind: "function",
            name: names.function.clone(),
            state: present(function),
            until: None,
            detail: detail("function").filter(|_| function),
        },
        ReceiptLine {
            kind: "log_group",
            name: names.log_group.clone(),
            state: present(log_group),
            until: None,
            detail: detail("log_group").filter(|_| log_group),
        },
        ReceiptLine {
            kind: "iam_role",
            name: names.role.clone(),
            state: present(role),
            until: None,
            detail: detail("iam_role").filter(|_| role),
        },
        ReceiptLine {
            kind: "iam_policy",
            name: names.policy.clone(),
            state: present(policy),
            until: None,
            detail: detail("iam_policy").filter(|_| policy),
        },
        ReceiptLine {
            kind: "secret",
            name: names.secret.clone(),
            state: secret_state,
            until: scheduled_until.filter(|_| secret_state == FinalState::ScheduledForDeletion),
            detail: detail("secret").filter(|_| secret_state == FinalState::StillPresent),
        },
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
