//! Teardown's receipt: every lab resource's final state, read back from the API after the
//! plan ran (never assumed from what was deleted).

use std::fmt;

use serde::Serialize;

use crate::aws::{function, logs, AwsContext};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};
use crate::lab::legacy;
use crate::lab::resources::{self, Check};
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

pub(super) async fn receipt(
    aws: &AwsContext,
    names: &ResourceNames,
    policy_arn: &str,
    failures: &[(ResourceKind, String)],
    scheduled_until: Option<String>,
) -> Result<Vec<ReceiptLine>> {
    let check = Check {
        aws,
        names,
        policy_arn,
    };
    let mut states = Vec::new();
    for resource in resources::removal_order() {
        states.push((resource.kind(), resource.final_state(&check).await?));
    }
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
pub(super) async fn legacy_receipt(
    aws: &AwsContext,
    names: &ResourceNames,
) -> Result<Vec<ReceiptLine>> {
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
