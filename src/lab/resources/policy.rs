//! The lab's least-privilege policy: reading the store's resource (and, while the function
//! moves stores, the one it leaves), its key and the simulated database.

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::observed::Observed;
use crate::aws::policy::{self as iam_policy, PolicyInfo};
use crate::domain::names::ResourceKind;
use crate::domain::policy::same_policy;
use crate::error::Result;
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{Change, PlanContext};
use crate::lab::deploy::plan::step::{Grant, Phase};
use crate::lab::deploy::plan::{Action, DesiredLab};
use crate::lab::teardown::{FinalState, Removals};

use super::{present, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyStep {
    Create {
        grant: Grant,
    },
    Update {
        grant: Grant,
    },
    /// After the function moved stores: grant the store's resource only.
    Narrow,
}

impl PolicyStep {
    pub fn phase(&self) -> Phase {
        match self {
            PolicyStep::Create { .. } | PolicyStep::Update { .. } => Phase::Policy,
            PolicyStep::Narrow => Phase::Contract,
        }
    }
}

impl fmt::Display for PolicyStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyStep::Create { grant } => write!(f, "create policy {}", grant_text(grant)),
            PolicyStep::Update { grant } => write!(f, "update policy {}", grant_text(grant)),
            PolicyStep::Narrow => f.write_str("narrow policy to the store in use"),
        }
    }
}

fn grant_text(grant: &Grant) -> &'static str {
    match grant {
        Grant::Store => "granting the store in use",
        Grant::Both { .. } => "granting both stores while the function moves",
    }
}

pub struct Policy;

impl LabResource for Policy {
    fn kind(&self) -> ResourceKind {
        ResourceKind::Policy
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.policy, |p| &p.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        let creates_store = lab.store_change().action == Action::Create;
        let policy = &lab.observation.found.policy;
        let left_behind = lab.left_behind.as_deref();
        Some(change(policy, lab.desired, creates_store, left_behind))
    }

    fn removal_rank(&self) -> u8 {
        3
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            removals
                .progress
                .step(format!("deleting IAM policy {}", names.policy));
            let deleted = iam_policy::delete_policy(&aws.iam, removals.policy_arn, names).await;
            removals.note(ResourceKind::Policy, deleted);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            let found = iam_policy::get_policy(&check.aws.iam, check.policy_arn, check.names);
            Ok(present(!found.await?.is_missing()))
        })
    }

    /// The customer managed key the policy lets the function decrypt with, if any.
    fn export(&self, found: &Found, model: &mut LabModel, _: &mut Vec<String>) -> Result<()> {
        model.kms_key_arn = found.policy.owned().and_then(decrypt_key);
        Ok(())
    }
}

/// `left_behind_arn`: the resource of the store the lab leaves, which the policy also grants
/// until the function has moved.
pub fn change(
    observed: &Observed<PolicyInfo>,
    desired: &DesiredLab,
    creates_store: bool,
    left_behind_arn: Option<&str>,
) -> Change {
    let grant = match left_behind_arn {
        Some(arn) => Grant::Both {
            left_behind_arn: arn.to_string(),
        },
        None => Grant::Store,
    };
    let narrow = left_behind_arn.map(|_| Step::Policy(PolicyStep::Narrow));
    let label = desired.store.kind().label();
    let info = match observed {
        Observed::Foreign => return Change::foreign(),
        Observed::Missing => {
            let mut steps = vec![Step::Policy(PolicyStep::Create { grant })];
            steps.extend(narrow);
            return Change::create(format!("read this {label} only"), steps);
        }
        Observed::Owned(info) => info,
    };
    let wanted = desired.policy_document(desired.store_arn());
    if info
        .document
        .as_ref()
        .is_some_and(|d| same_policy(d, &wanted))
    {
        return Change::of(Action::Update, Vec::new());
    }
    let reason = if creates_store {
        format!("must name the new {label}'s ARN")
    } else {
        format!("document differs from reading this {label} only")
    };
    let mut steps = vec![Step::Policy(PolicyStep::Update { grant })];
    steps.extend(narrow);
    Change::of(Action::Update, vec![(reason, steps)])
}

/// Run one of the policy's steps, naming the store's resource at `store_arn`.
pub async fn apply(run: &Runner<'_>, step: &PolicyStep, store_arn: &str) -> Result<()> {
    let (iam, names) = (&run.aws.iam, run.names);
    match step {
        PolicyStep::Create { grant } => {
            let document = run.desired.grant_document(grant, store_arn);
            iam_policy::create_policy(iam, &run.desired.policy_arn, names, &document).await?;
            run.done(format!("created IAM policy {}", names.policy));
        }
        PolicyStep::Update { grant } => update(run, grant, store_arn).await?,
        PolicyStep::Narrow => update(run, &Grant::Store, store_arn).await?,
    }
    Ok(())
}

async fn update(run: &Runner<'_>, grant: &Grant, store_arn: &str) -> Result<()> {
    let document = run.desired.grant_document(grant, store_arn);
    let (iam, names) = (&run.aws.iam, run.names);
    iam_policy::update_policy(iam, &run.desired.policy_arn, names, &document).await?;
    run.done(format!("updated IAM policy {}", names.policy));
    Ok(())
}

/// The customer managed key the lab's policy lets the function decrypt with, if any.
fn decrypt_key(policy: &PolicyInfo) -> Option<String> {
    let statements = policy.document.as_ref()?["Statement"].as_array()?.clone();
    statements
        .into_iter()
        .find(|s| {
            s["Action"] == "kms:Decrypt"
                || s["Action"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == "kms:Decrypt"))
        })
        .and_then(|s| s["Resource"].as_str().map(str::to_string))
}
