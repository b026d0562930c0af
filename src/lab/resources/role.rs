//! The function's execution role: trusted by `lambda.amazonaws.com`, with the basic execution
//! policy and the lab's read policy attached.

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::observed::Observed;
use crate::aws::role::{self, RoleInfo};
use crate::domain::names::ResourceKind;
use crate::error::Result;
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{Change, PlanContext};
use crate::lab::deploy::plan::step::Phase;
use crate::lab::deploy::plan::{Action, DesiredLab};
use crate::lab::teardown::{FinalState, Removals};

use super::{present, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum RoleStep {
    Create,
    UpdateTrustPolicy,
    /// Attach a managed policy (beside the function: the lab's own is written first).
    AttachPolicy {
        arn: String,
    },
}

impl RoleStep {
    pub fn phase(&self) -> Phase {
        match self {
            RoleStep::Create | RoleStep::UpdateTrustPolicy => Phase::Prepare,
            RoleStep::AttachPolicy { .. } => Phase::Attach,
        }
    }
}

impl fmt::Display for RoleStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleStep::Create => f.write_str("create role trusted by lambda.amazonaws.com"),
            RoleStep::UpdateTrustPolicy => f.write_str("update trust policy"),
            RoleStep::AttachPolicy { arn } => write!(f, "attach policy {arn}"),
        }
    }
}

pub struct Role;

impl LabResource for Role {
    fn kind(&self) -> ResourceKind {
        ResourceKind::Role
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.role, |r| &r.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        Some(change(&lab.observation.found.role, lab.desired))
    }

    fn removal_rank(&self) -> u8 {
        2
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            removals
                .progress
                .step(format!("deleting IAM role {}", names.role));
            let deleted = role::delete_role(&aws.iam, names).await;
            removals.note(ResourceKind::Role, deleted);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            let found = role::get_role(&check.aws.iam, check.names).await?;
            Ok(present(!found.is_missing()))
        })
    }

    /// Nothing to add: the formats make the role from its name and the policies `up` attaches.
    fn export(&self, _: &Found, _: &mut LabModel, _: &mut Vec<String>) -> Result<()> {
        Ok(())
    }
}

pub fn change(observed: &Observed<RoleInfo>, desired: &DesiredLab) -> Change {
    let attach = |arn: &String| Step::Role(RoleStep::AttachPolicy { arn: arn.clone() });
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let mut steps = vec![Step::Role(RoleStep::Create)];
            steps.extend(desired.role_policies.iter().map(attach));
            return Change::create("trust: lambda.amazonaws.com", steps);
        }
        Observed::Owned(info) => info,
    };
    let mut differences = Vec::new();
    if !info.trust_matches {
        let reason = "trust policy is not lambda.amazonaws.com's".to_string();
        differences.push((reason, vec![Step::Role(RoleStep::UpdateTrustPolicy)]));
    }
    for policy in desired
        .role_policies
        .iter()
        .filter(|p| !info.attached.contains(p))
    {
        let name = policy.rsplit('/').next().unwrap_or(policy);
        differences.push((format!("{name} not attached"), vec![attach(policy)]));
    }
    Change::of(Action::Update, differences)
}

pub async fn apply(run: &Runner<'_>, step: &RoleStep) -> Result<()> {
    let (iam, names) = (&run.aws.iam, run.names);
    match step {
        RoleStep::Create => {
            // The planned role ARN is derived from the name, as IAM derives it.
            role::create_role(iam, names).await?;
            run.done(format!("created IAM role {}", names.role));
        }
        RoleStep::UpdateTrustPolicy => role::update_trust_policy(iam, names).await?,
        RoleStep::AttachPolicy { arn } => role::attach_policy(iam, names, arn).await?,
    }
    Ok(())
}
