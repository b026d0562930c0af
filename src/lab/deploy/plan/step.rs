//! What the steps a plan holds share: where a written value comes from, what the policy
//! grants, and the phase each step runs in (each resource's own steps are in its file under
//! `lab/resources/`). `apply` runs them as given and decides nothing itself.

use serde::{Serialize, Serializer};

use crate::aws::secret::SecretValue;
use crate::domain::kinds::Store;
pub use crate::lab::resources::Step;

/// Where a value written to the store comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum NewValue {
    /// The user's (`--secret-file`, `--secret-stdin`).
    Given(SecretValue),
    /// Read from the lab's resource in this store (the one a switch leaves).
    CarriedFrom(Store),
    /// Secrets Manager's password generator.
    Generated,
}

impl NewValue {
    /// Where the value comes from, as a person says it (never the value).
    pub fn source(&self) -> String {
        match self {
            NewValue::Given(_) => "value from your input".to_string(),
            NewValue::CarriedFrom(store) => format!("value from the {}", store.kind().label()),
            NewValue::Generated => "GetRandomPassword".to_string(),
        }
    }
}

/// What the lab's policy grants when it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// Reading the store's resource only.
    Store,
    /// Reading the store's resource and the one the lab leaves (at `left_behind_arn`), while
    /// the function moves from one to the other.
    Both { left_behind_arn: String },
}

/// When a step runs: resources that need nothing else first (all at once), then the policy,
/// the simulated database (which needs the store's value), then the policy, then its
/// attachments (beside the function), then what a store switch retires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Prepare,
    Login,
    Policy,
    Attach,
    Function,
    Contract,
}

/// Steps appear in JSON as their descriptions (which never hold a value).
pub fn serialize_steps<S: Serializer>(steps: &[Step], serializer: S) -> Result<S::Ok, S::Error> {
    let texts: Vec<String> = steps.iter().map(Step::to_string).collect();
    texts.serialize(serializer)
}
