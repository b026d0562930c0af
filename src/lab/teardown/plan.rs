//! What teardown removes, decided once from one observation: a step per resource that exists
//! and is the lab's, in reverse order of creation. Pure, so it is unit-tested without AWS.

use crate::aws::function::FunctionInfo;
use crate::aws::logs::LogGroupInfo;
use crate::aws::observed::Observed;
use crate::aws::parameter::ParameterInfo;
use crate::aws::policy::PolicyInfo;
use crate::aws::role::RoleInfo;
use crate::aws::secret::{Recovery, SecretInfo};
use crate::aws::simulated_db::SimulatedDbInfo;
use crate::domain::names::ResourceKind;

/// Everything teardown reads before it removes anything.
#[derive(Debug, Clone)]
pub struct TeardownObservation {
    pub secret: Observed<SecretInfo>,
    pub parameter: Observed<ParameterInfo>,
    pub role: Observed<RoleInfo>,
    pub policy: Observed<PolicyInfo>,
    pub log_group: Observed<LogGroupInfo>,
    pub function: Observed<FunctionInfo>,
    pub simulated_db: Observed<SimulatedDbInfo>,
    /// Whether `up --with-legacy`'s function, or its log group, is there.
    pub legacy: bool,
}

/// One thing to remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The legacy function, what migrate made for it, and its log group.
    Legacy,
    /// What migrate made for the lab's own function (found through the function, so first).
    MigrateLeftovers,
    Function,
    LogGroup,
    Role,
    Policy,
    Secret,
    Parameter,
    /// The lab's simulated database (an SSM parameter of digests).
    SimulatedDb,
    /// A late invocation can make Lambda recreate the log group: look again at the end.
    LogGroupAgain,
}

/// The steps in order, and the same-named resources that are not the lab's (left alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeardownPlan {
    pub steps: Vec<Removal>,
    pub not_owned: Vec<ResourceKind>,
    pub recovery: Recovery,
}

pub fn plan(observation: &TeardownObservation, recovery: Recovery) -> TeardownPlan {
    let mut steps = Vec::new();
    let mut not_owned = Vec::new();
    if observation.legacy {
        steps.push(Removal::Legacy);
    }
    if observation.function.owned().is_some() {
        steps.push(Removal::MigrateLeftovers);
    }
    let secret_to_delete = match &observation.secret {
        // Already scheduled: deleting again would only move its date, unless it goes now.
        Observed::Owned(info) => info.deleted_date.is_none() || recovery == Recovery::Immediate,
        _ => false,
    };
    let kinds: [(ResourceKind, Removal, bool, bool); 7] = [
        (
            ResourceKind::Function,
            Removal::Function,
            observation.function.owned().is_some(),
            is_foreign(&observation.function),
        ),
        (
            ResourceKind::LogGroup,
            Removal::LogGroup,
            observation.log_group.owned().is_some(),
            is_foreign(&observation.log_group),
        ),
        (
            ResourceKind::Role,
            Removal::Role,
            observation.role.owned().is_some(),
            is_foreign(&observation.role),
        ),
        (
            ResourceKind::Policy,
            Removal::Policy,
            observation.policy.owned().is_some(),
            is_foreign(&observation.policy),
        ),
        (
            ResourceKind::Secret,
            Removal::Secret,
            secret_to_delete,
            is_foreign(&observation.secret),
        ),
        (
            ResourceKind::Parameter,
            Removal::Parameter,
            observation.parameter.owned().is_some(),
            is_foreign(&observation.parameter),
        ),
        (
            ResourceKind::SimulatedDatabase,
            Removal::SimulatedDb,
            observation.simulated_db.owned().is_some(),
            is_foreign(&observation.simulated_db),
        ),
    ];
    for (kind, removal, remove, foreign) in kinds {
        if remove {
            steps.push(removal);
        }
        if foreign {
            not_owned.push(kind);
        }
    }
    if steps.contains(&Removal::Function) || steps.contains(&Removal::LogGroup) {
        steps.push(Removal::LogGroupAgain);
    }
    TeardownPlan {
        steps,
        not_owned,
        recovery,
    }
}

fn is_foreign<T>(observed: &Observed<T>) -> bool {
    matches!(observed, Observed::Foreign)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing() -> TeardownObservation {
        TeardownObservation {
            secret: Observed::Missing,
            parameter: Observed::Missing,
            role: Observed::Missing,
            policy: Observed::Missing,
            log_group: Observed::Missing,
            function: Observed::Missing,
            simulated_db: Observed::Missing,
            legacy: false,
        }
    }

    fn secret(scheduled: bool) -> Observed<SecretInfo> {
        Observed::Owned(SecretInfo {
            arn: "arn:aws:secretsmanager:us-east-1:000000000000:secret:lab/credentials-AbCdEf"
                .into(),
            deleted_date: scheduled.then(|| aws_smithy_types::DateTime::from_secs(1)),
            kms_key_id: None,
        })
    }

    #[test]
    fn nothing_there_plans_nothing() {
        let plan = plan(&nothing(), Recovery::Days(7));
        assert!(
            plan.steps.is_empty() && plan.not_owned.is_empty(),
            "{plan:?}"
        );
    }

    #[test]
    fn a_scheduled_secret_is_left_to_its_date_unless_deleted_now() {
        let observation = TeardownObservation {
            secret: secret(true),
            ..nothing()
        };
        assert!(plan(&observation, Recovery::Days(7)).steps.is_empty());
        assert_eq!(
            plan(&observation, Recovery::Immediate).steps,
            vec![Removal::Secret]
        );
        let live = TeardownObservation {
            secret: secret(false),
            ..nothing()
        };
        assert_eq!(plan(&live, Recovery::Days(7)).steps, vec![Removal::Secret]);
    }

    #[test]
    fn someone_elses_resources_are_named_and_left_alone() {
        let observation = TeardownObservation {
            role: Observed::Foreign,
            secret: Observed::Foreign,
            legacy: true,
            ..nothing()
        };
        let plan = plan(&observation, Recovery::Immediate);
        assert_eq!(plan.steps, vec![Removal::Legacy]);
        assert_eq!(
            plan.not_owned,
            vec![ResourceKind::Role, ResourceKind::Secret]
        );
    }

    #[test]
    fn migrate_leftovers_go_before_the_function_and_the_log_group_is_checked_again() {
        let function = FunctionInfo {
            arn: "arn:aws:lambda:us-east-1:000000000000:function:lab".into(),
            code_sha256: String::new(),
            role: "arn:aws:iam::000000000000:role/lab-role".into(),
            handler: "lambda_function.lambda_handler".into(),
            state: Some(crate::aws::lambda::State::Active),
            ..FunctionInfo::default()
        };
        let observation = TeardownObservation {
            function: Observed::Owned(function),
            ..nothing()
        };
        assert_eq!(
            plan(&observation, Recovery::Days(7)).steps,
            vec![
                Removal::MigrateLeftovers,
                Removal::Function,
                Removal::LogGroupAgain
            ]
        );
    }

    #[test]
    fn the_simulated_database_is_removed_when_it_is_the_labs() {
        let info = SimulatedDbInfo {
            arn: "arn:aws:ssm:us-east-1:000000000000:parameter/lab/simulated-db".into(),
            document: None,
        };
        let observation = TeardownObservation {
            simulated_db: Observed::Owned(info),
            ..nothing()
        };
        let steps = plan(&observation, Recovery::Days(7)).steps;
        assert_eq!(steps, vec![Removal::SimulatedDb]);
        let foreign = TeardownObservation {
            simulated_db: Observed::Foreign,
            ..nothing()
        };
        let plan = plan(&foreign, Recovery::Days(7));
        assert!(plan.steps.is_empty());
        assert_eq!(plan.not_owned, vec![ResourceKind::SimulatedDatabase]);
    }
}
