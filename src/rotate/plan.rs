//! The rotation to run, from the staging labels as they are (pure): a fresh rotation runs
//! every step; an `AWSPENDING` left by a killed run is finished, never duplicated. And the
//! next credentials: a new password, and for alternating users the other user.

use serde::Serialize;

use crate::aws::rotation::{labelled, SecretVersion, CURRENT, PENDING, PREVIOUS};
use crate::aws::secret::SecretValue;
use crate::domain::rotation::Strategy;
use crate::domain::simulated_db::{no_password, Login};
use crate::error::{Code, Error, Result};

/// One step of a rotation, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// A new value as a version labelled `AWSPENDING` only.
    CreatePending,
    /// A new Parameter Store version (Parameter Store has no staging labels).
    PutParameterVersion,
    /// The simulated database accepts the new login (and the previous one, alternating).
    SetDatabase,
    /// `AWSCURRENT` moves to the pending version; Secrets Manager moves `AWSPREVIOUS`.
    MoveCurrent,
    /// `AWSPENDING` comes off the version that is now current.
    ClearPending,
}

impl Step {
    /// What the step does, as progress shows it.
    pub fn message(&self) -> &'static str {
        match self {
            Step::CreatePending => "adding the new value as AWSPENDING (PutSecretValue)",
            Step::PutParameterVersion => "writing a new parameter version (PutParameter)",
            Step::SetDatabase => "changing the lab's simulated database to accept the new login",
            Step::MoveCurrent => "moving AWSCURRENT to the new version (UpdateSecretVersionStage)",
            Step::ClearPending => "removing AWSPENDING from the new version",
        }
    }
}

/// The rotation to run, from the labels as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationPlan {
    pub steps: Vec<Step>,
    /// The version the new value replaces (the old `AWSCURRENT`).
    pub old_version: Option<String>,
    /// The new value's version when it exists already (a killed run's `AWSPENDING`).
    pub new_version: Option<String>,
    /// Why this run finishes an earlier one, when it does.
    pub resumed: Option<String>,
}

/// Plan a Secrets Manager rotation.
pub fn plan_secret(versions: &[SecretVersion]) -> Result<RotationPlan> {
    let current = labelled(versions, CURRENT).ok_or_else(|| {
        Error::refused(
            Code::NoCurrentVersion,
            "the lab's secret has no AWSCURRENT version",
            "run `secretslab up` to give it a value",
        )
    })?;
    let id = |v: &SecretVersion| Some(v.version_id.clone());
    Ok(match labelled(versions, PENDING) {
        None => RotationPlan {
            steps: vec![
                Step::CreatePending,
                Step::SetDatabase,
                Step::MoveCurrent,
                Step::ClearPending,
            ],
            old_version: id(current),
            new_version: None,
            resumed: None,
        },
        Some(p) if p.version_id == current.version_id => RotationPlan {
            steps: vec![Step::SetDatabase, Step::ClearPending],
            old_version: labelled(versions, PREVIOUS).and_then(id),
            new_version: id(current),
            resumed: Some("AWSCURRENT had moved but AWSPENDING was still on it: finished".into()),
        },
        Some(p) => RotationPlan {
            steps: vec![Step::SetDatabase, Step::MoveCurrent, Step::ClearPending],
            old_version: id(current),
            new_version: id(p),
            resumed: Some(
                "an AWSPENDING version was left behind by an interrupted rotation: finished it"
                    .into(),
            ),
        },
    })
}

/// The next credentials: a new password; alternating users also switch user.
pub fn next_value(old: &SecretValue, password: &str, strategy: Strategy) -> Result<SecretValue> {
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(old.expose()).map_err(|_| no_password())?;
    login_of(old)?;
    object.insert("password".into(), password.into());
    if strategy == Strategy::AlternatingUsers {
        let user = object.get("username").and_then(|u| u.as_str());
        let other = other_user(user.unwrap_or(crate::domain::defaults::LAB_USER));
        object.insert("username".into(), other.into());
    }
    let text = serde_json::Value::Object(object).to_string();
    Ok(SecretValue::from_stored(&text))
}

/// `app_a` ↔ `app_b`; a user without the suffix is the first of the pair (`user` → `user_b`).
pub fn other_user(user: &str) -> String {
    match (user.strip_suffix("_a"), user.strip_suffix("_b")) {
        (Some(base), _) => format!("{base}_b"),
        (_, Some(base)) => format!("{base}_a"),
        _ => format!("{user}_b"),
    }
}

pub fn login_of(value: &SecretValue) -> Result<Login> {
    Login::from_credentials(value.expose()).ok_or_else(no_password)
}
