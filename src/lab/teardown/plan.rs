//! What teardown removes, decided once from one observation: a step per resource that exists
//! and is the lab's, in reverse order of creation. Pure, so it is unit-tested without AWS.

use crate::aws::observed::Observed;
use crate::aws::secret::Recovery;
use crate::domain::names::ResourceKind;
use crate::lab::resources::{removal_order, Found};

/// Everything teardown reads before it removes anything.
#[derive(Debug, Clone)]
pub struct TeardownObservation {
    pub found: Found,
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
    /// A lab resource (in the order of `resources::removal_order`).
    Resource(ResourceKind),
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
    if observation.found.function.owned().is_some() {
        steps.push(Removal::MigrateLeftovers);
    }
    for resource in removal_order() {
        if resource.to_remove(&observation.found, recovery) {
            steps.push(Removal::Resource(resource.kind()));
        }
        if matches!(resource.found(&observation.found), Observed::Foreign) {
            not_owned.push(resource.kind());
        }
    }
    let removes = |kind| steps.contains(&Removal::Resource(kind));
    let look_again = removes(ResourceKind::Function) || removes(ResourceKind::LogGroup);
    if look_again {
        steps.push(Removal::LogGroupAgain);
    }
    TeardownPlan {
        steps,
        not_owned,
        recovery,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::function::FunctionInfo;
    use crate::aws::secret::SecretInfo;
    use crate::aws::simulated_db::SimulatedDbInfo;

    fn nothing() -> TeardownObservation {
        TeardownObservation {
            found: Found::nothing(),
            legacy: false,
        }
    }

    fn with(found: Found) -> TeardownObservation {
        TeardownObservation {
            found,
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
        let observation = with(Found {
            secret: secret(true),
            ..Found::nothing()
        });
        assert!(plan(&observation, Recovery::Days(7)).steps.is_empty());
        assert_eq!(
            plan(&observation, Recovery::Immediate).steps,
            vec![Removal::Resource(ResourceKind::Secret)]
        );
        let live = with(Found {
            secret: secret(false),
            ..Found::nothing()
        });
        assert_eq!(
            plan(&live, Recovery::Days(7)).steps,
            vec![Removal::Resource(ResourceKind::Secret)]
        );
    }

    #[test]
    fn someone_elses_resources_are_named_and_left_alone() {
        let observation = TeardownObservation {
            legacy: true,
            ..with(Found {
                role: Observed::Foreign,
                secret: Observed::Foreign,
                ..Found::nothing()
            })
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
        let observation = with(Found {
            function: Observed::Owned(function),
            ..Found::nothing()
        });
        assert_eq!(
            plan(&observation, Recovery::Days(7)).steps,
            vec![
                Removal::MigrateLeftovers,
                Removal::Resource(ResourceKind::Function),
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
        let observation = with(Found {
            simulated_db: Observed::Owned(info),
            ..Found::nothing()
        });
        let steps = plan(&observation, Recovery::Days(7)).steps;
        assert_eq!(
            steps,
            vec![Removal::Resource(ResourceKind::SimulatedDatabase)]
        );
        let foreign = with(Found {
            simulated_db: Observed::Foreign,
            ..Found::nothing()
        });
        let plan = plan(&foreign, Recovery::Days(7));
        assert!(plan.steps.is_empty());
        assert_eq!(plan.not_owned, vec![ResourceKind::SimulatedDatabase]);
    }
}
