//! What the desired-state rules (one per resource, in `lab/resources/`) plan with and give:
//! the context of the whole lab, and one resource's [`Change`].

use crate::domain::kinds::Store;
use crate::lab::deploy::observe::Observation;
use crate::lab::resources::{parameter, secret};

use super::step::{NewValue, Step};
use super::{Action, DesiredLab};

/// What every resource's rule plans against: resources depend on each other (the policy
/// grants the store's resource, the simulated database accepts the store's value).
pub struct PlanContext<'a> {
    pub observation: &'a Observation,
    pub desired: &'a DesiredLab,
    /// The value the store must be given, when that is decided.
    pub value: Option<NewValue>,
    /// The ARN of the lab's live resource in the store it leaves.
    pub left_behind: Option<String>,
}

impl PlanContext<'_> {
    /// The change to the store's resource (the store the lab reads).
    pub fn store_change(&self) -> Change {
        let (found, value) = (&self.observation.found, self.value.as_ref());
        match self.desired.store {
            Store::SecretsManager => secret::change(&found.secret, self.desired, value),
            Store::ParameterStore => parameter::change(&found.parameter, self.desired, value),
        }
    }
}

/// What the plan does to one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: Action,
    /// What a create makes, or the reasons joined.
    pub detail: String,
    /// One note per difference from the desired state.
    pub reasons: Vec<String>,
    pub steps: Vec<Step>,
}

impl Change {
    pub(crate) fn create(detail: impl Into<String>, steps: Vec<Step>) -> Self {
        Self {
            action: Action::Create,
            detail: detail.into(),
            reasons: Vec::new(),
            steps,
        }
    }

    /// `action` when there is a difference, else unchanged.
    pub(crate) fn of(action: Action, differences: Vec<(String, Vec<Step>)>) -> Self {
        if differences.is_empty() {
            return Self::of_reasons(Action::Unchanged, Vec::new(), Vec::new());
        }
        let (reasons, steps): (Vec<String>, Vec<Vec<Step>>) = differences.into_iter().unzip();
        Self::of_reasons(action, reasons, steps.concat())
    }

    fn of_reasons(action: Action, reasons: Vec<String>, steps: Vec<Step>) -> Self {
        Self {
            action,
            detail: reasons.join(", "),
            reasons,
            steps,
        }
    }

    pub fn foreign() -> Self {
        let reason = "exists without secretslab's tags: choose another --name".to_string();
        Self::of_reasons(Action::NotOwned, vec![reason], Vec::new())
    }

    /// The resource in the store the lab left (for `store`): removed by `step` once its
    /// value is carried over.
    pub fn left_behind(store: Store, step: Step) -> Self {
        let reason =
            format!("the lab moved to {store}: its value is carried over, then this is removed");
        Self::of_reasons(Action::Remove, vec![reason], vec![step])
    }
}

/// Both stores write `value` only when it may differ from what is stored.
pub(crate) fn value_difference(
    value: Option<&NewValue>,
    put: impl Fn(NewValue) -> Step,
) -> Option<(String, Vec<Step>)> {
    value.map(|v| {
        (
            format!("{} (if different)", v.source()),
            vec![put(v.clone())],
        )
    })
}
