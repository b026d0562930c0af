//! The lab's resources, one file each behind [`LabResource`], and [`LAB_RESOURCES`], the one
//! ordered list `up`, `status`, `teardown` (with its receipt) and `export` iterate. Each file
//! holds the resource's desired-state rule, its own step enum with the executor that matches
//! it exhaustively, its teardown, its receipt line and its part of the exported model; the
//! `aws/` module of the same name makes the calls.
//!
//! Adding a resource: its file here (and its `aws/` module); its line in [`LAB_RESOURCES`]
//! and [`of`], its field in [`Found`] (and the read in [`observe`]), its variant in [`Step`]
//! (with the arms the compiler asks for), all in this file; its kind and name in
//! `domain/names.rs`; and, for `export`, its field in `iac::LabModel` and its blocks in the
//! `iac/` formats.

pub mod function;
pub mod log_group;
pub mod parameter;
pub mod policy;
pub mod role;
pub mod secret;
pub mod simulated_db;

pub use function::FunctionStep;
pub use log_group::LogGroupStep;
pub use parameter::ParameterStep;
pub use policy::PolicyStep;
pub use role::RoleStep;
pub use secret::SecretStep;
pub use simulated_db::SimulatedDbStep;

use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::function::FunctionInfo;
use crate::aws::identity::Identity;
use crate::aws::logs::LogGroupInfo;
use crate::aws::observed::Observed;
use crate::aws::parameter::ParameterInfo;
use crate::aws::policy::{policy_arn, PolicyInfo};
use crate::aws::role::RoleInfo;
use crate::aws::secret::{Recovery, SecretInfo};
use crate::aws::simulated_db::SimulatedDbInfo;
use crate::aws::AwsContext;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::Result;
use crate::iac::LabModel;
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{Change, PlanContext};
use crate::lab::deploy::plan::step::Phase;
use crate::lab::teardown::{FinalState, Removals};

/// One lab resource: how it is found, planned, removed, checked and exported. What a
/// resource's steps do is not a method here: each resource has its own step enum, and
/// [`Step`] dispatches to the executor beside it, so the compiler sees every match whole.
/// Nor is reading: the rules read each other's typed findings (the policy the secret's ARN,
/// the extension's port the function's environment), so every read lands in one [`Found`].
pub trait LabResource: Sync {
    fn kind(&self) -> ResourceKind;

    /// What the read of the lab's name found, with the resource's ARN when it is the lab's.
    fn found(&self, found: &Found) -> Observed<String>;

    /// Its row in the plan against the desired lab; `None` when this lab does not use it (the
    /// store not chosen, when nothing of it is left behind).
    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change>;

    /// Where teardown removes it, lowest first: what uses the others goes before them (the
    /// function before its role, the role before the policy it has attached).
    fn removal_rank(&self) -> u8;

    /// Whether teardown has anything to remove.
    fn to_remove(&self, found: &Found, _recovery: Recovery) -> bool {
        self.found(found).owned().is_some()
    }

    /// Remove it, noting a failure (never returning it: the rest still goes).
    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()>;

    /// Its state for the receipt, read again from the API.
    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>>;

    /// Its part of the lab `export` writes, from what was found; `notes` say what had to be
    /// assumed. The function's part comes first and makes the model (every format is built
    /// around it: see [`function::export_model`]); the rest add to it, in list order.
    fn export(&self, found: &Found, model: &mut LabModel, notes: &mut Vec<String>) -> Result<()>;
}

/// Every lab resource, in the order `up` plans them and `status` shows them (the store the
/// lab reads first, the one a store switch leaves last).
pub const LAB_RESOURCES: &[&dyn LabResource] = &[
    &secret::Secret,
    &parameter::Parameter,
    &role::Role,
    &policy::Policy,
    &log_group::LogGroup,
    &function::Function,
    &simulated_db::SimulatedDb,
];

/// The lab resource of `kind`.
pub fn of(kind: ResourceKind) -> &'static dyn LabResource {
    match kind {
        ResourceKind::Secret => &secret::Secret,
        ResourceKind::Parameter => &parameter::Parameter,
        ResourceKind::Role => &role::Role,
        ResourceKind::Policy => &policy::Policy,
        ResourceKind::LogGroup => &log_group::LogGroup,
        ResourceKind::Function => &function::Function,
        ResourceKind::SimulatedDatabase => &simulated_db::SimulatedDb,
    }
}

/// [`LAB_RESOURCES`] in the order teardown removes them and the receipt lists them.
pub fn removal_order() -> Vec<&'static dyn LabResource> {
    let mut order = LAB_RESOURCES.to_vec();
    order.sort_by_key(|r| r.removal_rank());
    order
}

/// What reading each lab resource by its name found (both stores).
#[derive(Debug, Clone)]
pub struct Found {
    pub secret: Observed<SecretInfo>,
    pub parameter: Observed<ParameterInfo>,
    pub role: Observed<RoleInfo>,
    pub policy: Observed<PolicyInfo>,
    pub log_group: Observed<LogGroupInfo>,
    pub function: Observed<FunctionInfo>,
    pub simulated_db: Observed<SimulatedDbInfo>,
}

impl Found {
    /// Nothing of the lab exists.
    pub fn nothing() -> Self {
        Self {
            secret: Observed::Missing,
            parameter: Observed::Missing,
            role: Observed::Missing,
            policy: Observed::Missing,
            log_group: Observed::Missing,
            function: Observed::Missing,
            simulated_db: Observed::Missing,
        }
    }
}

/// Read the lab's resources at once (`up`, `status` and `teardown` all start here).
pub async fn observe(
    aws: &AwsContext,
    names: &ResourceNames,
    identity: &Identity,
) -> Result<Found> {
    let policy_arn = policy_arn(&identity.partition, &identity.account, names);
    let (secret, parameter, role, policy, log_group, function, simulated_db) = tokio::try_join!(
        crate::aws::secret::get_secret(&aws.secrets, names),
        crate::aws::parameter::get_parameter(&aws.ssm, names),
        crate::aws::role::get_role(&aws.iam, names),
        crate::aws::policy::get_policy(&aws.iam, &policy_arn, names),
        crate::aws::logs::get_log_group(&aws.logs, names),
        crate::aws::function::get_function(&aws.lambda, names),
        crate::aws::simulated_db::get(&aws.ssm, names),
    )?;
    Ok(Found {
        secret,
        parameter,
        role,
        policy,
        log_group,
        function,
        simulated_db,
    })
}

/// What was found, with the ARN (read by `arn`) when it is the lab's.
pub(crate) fn arn_of<T>(observed: &Observed<T>, arn: impl Fn(&T) -> &String) -> Observed<String> {
    match observed {
        Observed::Missing => Observed::Missing,
        Observed::Foreign => Observed::Foreign,
        Observed::Owned(info) => Observed::Owned(arn(info).clone()),
    }
}

/// What a receipt line is read with.
pub struct Check<'a> {
    pub aws: &'a AwsContext,
    pub names: &'a ResourceNames,
    pub policy_arn: &'a str,
}

/// A receipt state from whether the resource is still there.
pub fn present(still_there: bool) -> FinalState {
    if still_there {
        FinalState::StillPresent
    } else {
        FinalState::Gone
    }
}

/// One step of the plan: a step of one resource's own enum.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Secret(secret::SecretStep),
    Parameter(parameter::ParameterStep),
    Role(role::RoleStep),
    Policy(policy::PolicyStep),
    LogGroup(log_group::LogGroupStep),
    Function(function::FunctionStep),
    SimulatedDb(simulated_db::SimulatedDbStep),
}

impl Step {
    /// When the step runs.
    pub fn phase(&self) -> Phase {
        match self {
            Step::Secret(step) => step.phase(),
            Step::Parameter(step) => step.phase(),
            Step::Role(step) => step.phase(),
            Step::Policy(step) => step.phase(),
            Step::LogGroup(step) => step.phase(),
            Step::Function(step) => step.phase(),
            Step::SimulatedDb(step) => step.phase(),
        }
    }

    /// Whether the step may give the store's resource a new value.
    pub fn writes_value(&self) -> bool {
        match self {
            Step::Secret(step) => step.writes_value(),
            Step::Parameter(step) => step.writes_value(),
            Step::Role(_)
            | Step::Policy(_)
            | Step::LogGroup(_)
            | Step::Function(_)
            | Step::SimulatedDb(_) => false,
        }
    }

    /// Run the step; `Some(arn)` when it made the store's resource or the function.
    pub async fn apply(&self, run: &Runner<'_>, store_arn: &str) -> Result<Option<String>> {
        match self {
            Step::Secret(step) => secret::apply(run, step).await,
            Step::Parameter(step) => parameter::apply(run, step).await,
            Step::Role(step) => role::apply(run, step).await.map(|()| None),
            Step::Policy(step) => policy::apply(run, step, store_arn).await.map(|()| None),
            Step::LogGroup(step) => log_group::apply(run, step).await.map(|()| None),
            Step::Function(step) => function::apply(run, step).await,
            Step::SimulatedDb(step) => simulated_db::apply(run, step).await.map(|()| None),
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Secret(step) => step.fmt(f),
            Step::Parameter(step) => step.fmt(f),
            Step::Role(step) => step.fmt(f),
            Step::Policy(step) => step.fmt(f),
            Step::LogGroup(step) => step.fmt(f),
            Step::Function(step) => step.fmt(f),
            Step::SimulatedDb(step) => step.fmt(f),
        }
    }
}

/// `under KMS key …` when a key is given.
pub(crate) fn kms(key: &Option<String>) -> String {
    key.as_ref()
        .map_or_else(String::new, |key| format!(" under KMS key {key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_is_listed_once_and_found_by_its_kind() {
        let kinds: Vec<ResourceKind> = LAB_RESOURCES.iter().map(|r| r.kind()).collect();
        for (at, kind) in kinds.iter().enumerate() {
            assert!(!kinds[..at].contains(kind), "{kind:?} is listed twice");
            assert_eq!(of(*kind).kind(), *kind);
        }
        assert_eq!(kinds.len(), 7);
    }

    #[test]
    fn teardown_removes_what_uses_the_others_first() {
        let order: Vec<ResourceKind> = removal_order().iter().map(|r| r.kind()).collect();
        assert_eq!(
            order,
            [
                ResourceKind::Function,
                ResourceKind::LogGroup,
                ResourceKind::Role,
                ResourceKind::Policy,
                ResourceKind::Secret,
                ResourceKind::Parameter,
                ResourceKind::SimulatedDatabase,
            ]
        );
    }
}
