//! The concrete changes a plan holds, each with its inputs: `apply` runs them as given, in the
//! phase each belongs to, and decides nothing itself.

use std::fmt;

use serde::{Serialize, Serializer};

use crate::aws::logs::RETENTION_DAYS;
use crate::aws::secret::SecretValue;
use crate::domain::kinds::Store;

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

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    CreateSecret {
        value: NewValue,
        kms_key: Option<String>,
    },
    RestoreSecret,
    SetSecretKey {
        kms_key: String,
    },
    /// Store the value as the secret's current version unless it already is.
    PutSecretValue {
        value: NewValue,
    },
    CreateParameter {
        value: NewValue,
        kms_key: Option<String>,
    },
    /// Write the parameter again as a `SecureString` under `kms_key`, holding `value`
    /// (`None`: the value it holds).
    RewriteParameter {
        value: Option<NewValue>,
        kms_key: Option<String>,
    },
    /// Write `value` to the parameter unless it already holds it.
    PutParameterValue {
        value: NewValue,
        kms_key: Option<String>,
    },
    CreateRole,
    UpdateTrustPolicy,
    AttachPolicy {
        arn: String,
    },
    /// Create the log group with [`RETENTION_DAYS`] of retention.
    CreateLogGroup,
    /// Set the retention to [`RETENTION_DAYS`].
    SetRetention,
    CreatePolicy {
        grant: Grant,
    },
    UpdatePolicy {
        grant: Grant,
    },
    /// After the function moved stores: grant the store's resource only.
    NarrowPolicy,
    CreateFunction,
    /// A function a crashed run left Pending or mid-update settles before it is changed.
    WaitForFunction,
    UpdateFunctionCode,
    /// Send the whole desired configuration; `fields` name what differs.
    UpdateFunctionConfiguration {
        fields: Vec<&'static str>,
    },
    /// Schedule the left-behind secret for deletion (restorable for `recovery_days`).
    RemoveSecret {
        recovery_days: u16,
    },
    DeleteParameter,
    /// Make the lab's simulated database accept the login in the store's current value
    /// (created when missing; written only when it does not accept it already).
    AcceptCurrentLogin,
}

impl Step {
    /// Whether the step may give the store's resource a new value.
    pub fn writes_value(&self) -> bool {
        matches!(
            self,
            Step::CreateSecret { .. }
                | Step::PutSecretValue { .. }
                | Step::CreateParameter { .. }
                | Step::RewriteParameter { value: Some(_), .. }
                | Step::PutParameterValue { .. }
        )
    }
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

impl Step {
    pub fn phase(&self) -> Phase {
        match self {
            Step::AcceptCurrentLogin => Phase::Login,
            Step::CreatePolicy { .. } | Step::UpdatePolicy { .. } => Phase::Policy,
            Step::AttachPolicy { .. } => Phase::Attach,
            Step::CreateFunction
            | Step::WaitForFunction
            | Step::UpdateFunctionCode
            | Step::UpdateFunctionConfiguration { .. } => Phase::Function,
            Step::NarrowPolicy | Step::RemoveSecret { .. } | Step::DeleteParameter => {
                Phase::Contract
            }
            // Listed, not a wildcard: a new step must be given its phase here.
            Step::CreateSecret { .. }
            | Step::RestoreSecret
            | Step::SetSecretKey { .. }
            | Step::PutSecretValue { .. }
            | Step::CreateParameter { .. }
            | Step::RewriteParameter { .. }
            | Step::PutParameterValue { .. }
            | Step::CreateRole
            | Step::UpdateTrustPolicy
            | Step::CreateLogGroup
            | Step::SetRetention => Phase::Prepare,
        }
    }
}

fn kms(key: &Option<String>) -> String {
    key.as_ref()
        .map_or_else(String::new, |key| format!(" under KMS key {key}"))
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreateSecret { value, kms_key } => {
                write!(f, "create secret ({}){}", value.source(), kms(kms_key))
            }
            Step::RestoreSecret => f.write_str("restore secret"),
            Step::SetSecretKey { kms_key } => write!(f, "encrypt secret under KMS key {kms_key}"),
            Step::PutSecretValue { value } => {
                write!(f, "store the {} if different", value.source())
            }
            Step::CreateParameter { value, kms_key } => write!(
                f,
                "create SecureString parameter ({}){}",
                value.source(),
                kms(kms_key)
            ),
            Step::RewriteParameter { value, kms_key } => write!(
                f,
                "rewrite parameter as SecureString ({}){}",
                value
                    .as_ref()
                    .map_or_else(|| "its current value".to_string(), NewValue::source),
                kms(kms_key)
            ),
            Step::PutParameterValue { value, .. } => {
                write!(f, "store the {} if different", value.source())
            }
            Step::CreateRole => f.write_str("create role trusted by lambda.amazonaws.com"),
            Step::UpdateTrustPolicy => f.write_str("update trust policy"),
            Step::AttachPolicy { arn } => write!(f, "attach policy {arn}"),
            Step::CreateLogGroup => {
                write!(
                    f,
                    "create log group with {RETENTION_DAYS} days of retention"
                )
            }
            Step::SetRetention => write!(f, "set log retention to {RETENTION_DAYS} days"),
            Step::CreatePolicy { grant } => write!(f, "create policy {}", grant_text(grant)),
            Step::UpdatePolicy { grant } => write!(f, "update policy {}", grant_text(grant)),
            Step::NarrowPolicy => f.write_str("narrow policy to the store in use"),
            Step::CreateFunction => f.write_str("create function with the extension layer"),
            Step::WaitForFunction => f.write_str("wait for the function to settle"),
            Step::UpdateFunctionCode => f.write_str("update function code"),
            Step::UpdateFunctionConfiguration { fields } => {
                write!(f, "update function configuration ({})", fields.join(", "))
            }
            Step::RemoveSecret { recovery_days } => write!(
                f,
                "schedule secret for deletion ({recovery_days}-day recovery window)"
            ),
            Step::DeleteParameter => f.write_str("delete parameter"),
            Step::AcceptCurrentLogin => {
                f.write_str("make it accept the store's current login (if different)")
            }
        }
    }
}

fn grant_text(grant: &Grant) -> &'static str {
    match grant {
        Grant::Store => "granting the store in use",
        Grant::Both { .. } => "granting both stores while the function moves",
    }
}

/// Steps appear in JSON as their descriptions (which never hold a value).
pub fn serialize_steps<S: Serializer>(steps: &[Step], serializer: S) -> Result<S::Ok, S::Error> {
    let texts: Vec<String> = steps.iter().map(Step::to_string).collect();
    texts.serialize(serializer)
}
