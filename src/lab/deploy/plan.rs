//! From what exists and what the user asked for, the plan: one row per resource for people,
//! and the desired lab that `apply` converges to. Pure: no AWS call, so it is unit-tested.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::aws::function::{self, DesiredFunction, FunctionInfo};
use crate::aws::identity::Identity;
use crate::aws::logs::RETENTION_DAYS;
use crate::aws::observed::Observed;
use crate::aws::parameter::parameter_arn;
use crate::aws::policy::policy_arn;
use crate::aws::secret::SecretValue;
use crate::domain::defaults;
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::{Arch, Runtime, Store};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::package::Package;
use crate::domain::policy::{
    basic_execution_policy_arn, read_parameter_policy, read_secret_policy, same_policy,
};
use crate::error::{Error, Result};
use crate::ui::style;

use super::observe::Observation;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The function's architecture; the extension layer follows it.
    pub arch: Arch,
    pub runtime: Runtime,
    /// Where the credentials live: a secret, or a `SecureString` parameter.
    pub store: Store,
    /// A layer ARN that overrides the resolved one.
    pub layer_arn: Option<String>,
    /// A customer managed key for the store's resource (and `kms:Decrypt` on it).
    pub kms_key: Option<String>,
    /// The extension's cache TTLs: secrets, then parameters.
    pub ttl_seconds: u16,
    pub ssm_ttl_seconds: u16,
    pub cache_size: u16,
    pub extension_port: Option<u16>,
    /// The credentials from the user; `None` keeps (or generates) them.
    pub secret_value: Option<SecretValue>,
    /// Choose a free local port when nothing else fixes it (the embedded emulator).
    pub pick_free_port: bool,
}

impl Settings {
    /// The lab's defaults, as the tour deploys it.
    pub fn defaults(pick_free_port: bool) -> Self {
        Self {
            arch: defaults::ARCH,
            runtime: defaults::RUNTIME,
            store: Store::default(),
            layer_arn: None,
            kms_key: None,
            ttl_seconds: defaults::TTL_SECONDS,
            ssm_ttl_seconds: defaults::SSM_TTL_SECONDS,
            cache_size: defaults::CACHE_SIZE,
            extension_port: None,
            secret_value: None,
            pick_free_port,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Restore,
    /// The lab left this resource behind (it moved to the other store).
    Remove,
    Unchanged,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, plain) = match self {
            Action::Create => (style::ok("create"), 6),
            Action::Update => (style::pending("update"), 6),
            Action::Restore => (style::pending("restore"), 7),
            Action::Remove => (style::pending("remove"), 6),
            Action::Unchanged => (style::dim("unchanged"), 9),
        };
        // Pad by the plain width so colours do not break alignment.
        write!(f, "{text}{}", " ".repeat(10usize.saturating_sub(plain)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourcePlan {
    pub kind: ResourceKind,
    pub name: String,
    pub action: Action,
    /// What will change, or why it is unchanged.
    pub detail: String,
}

/// The lab as it should be once applied.
#[derive(Debug, Clone)]
pub struct DesiredLab {
    pub store: Store,
    /// What `Settings` asked for the store's resource.
    pub secret_value: Option<SecretValue>,
    pub kms_key: Option<String>,
    /// The secret's ARN when it exists; its `-??????` pattern before creation (the
    /// six-character suffix comes with it).
    pub secret_arn: String,
    /// The parameter's ARN (derived from its name, as Parameter Store derives it).
    pub parameter_arn: String,
    pub policy_arn: String,
    /// Managed policies the role must have attached.
    pub role_policies: [String; 2],
    pub function: DesiredFunction,
    pub extension: ExtensionSettings,
}

impl DesiredLab {
    /// The ARN of the resource that holds the credentials (a secret's `-??????` pattern
    /// before it exists).
    pub fn store_arn(&self) -> &str {
        match self.store {
            Store::SecretsManager => &self.secret_arn,
            Store::ParameterStore => &self.parameter_arn,
        }
    }

    /// The read policy for the store's resource at its real ARN (a secret's is known once
    /// the secret exists).
    pub fn policy_document(&self, store_arn: &str) -> Value {
        match self.store {
            Store::SecretsManager => read_secret_policy(store_arn, self.kms_key.as_deref()),
            Store::ParameterStore => read_parameter_policy(store_arn, self.kms_key.as_deref()),
        }
    }

    /// Whether the store's resource is still to be created.
    fn creates_store(&self, observation: &Observation) -> bool {
        match self.store {
            Store::SecretsManager => observation.secret.owned().is_none(),
            Store::ParameterStore => observation.parameter.owned().is_none(),
        }
    }
}

/// The plan: rows for people, the desired lab for `apply`, and what it converges from.
#[derive(Debug, Clone)]
pub struct Plan {
    pub rows: Vec<ResourcePlan>,
    pub desired: DesiredLab,
    pub observation: Observation,
}

/// A secret ARN for display before the secret exists (the 6-character suffix comes at creation).
pub fn planned_secret_arn(identity: &Identity, region: &str, names: &ResourceNames) -> String {
    format!(
        "arn:{}:secretsmanager:{region}:{}:secret:{}-??????",
        identity.partition, identity.account, names.secret
    )
}

/// Which port the extension should listen on: the flag, else what the function has, else
/// the extension's default (or a free local port for the embedded emulator).
fn extension_port(settings: &Settings, current: Option<&FunctionInfo>) -> Result<u16> {
    if let Some(port) = settings.extension_port {
        return Ok(port);
    }
    if let Some(function) =
        current.filter(|f| f.env.contains_key(crate::domain::extension::env::HTTP_PORT))
    {
        return Ok(function.extension().port);
    }
    if settings.pick_free_port {
        return crate::local::process::free_port()
            .map_err(|e| Error::io("finding a free port for the extension", e));
    }
    Ok(defaults::EXTENSION_PORT)
}

pub fn plan(
    observation: Observation,
    names: &ResourceNames,
    settings: &Settings,
    region: &str,
    package: &Package,
) -> Result<Plan> {
    observation.refuse_foreign(names, settings.store)?;
    let identity = &observation.identity;
    let current_function = observation.function.owned();
    let extension = ExtensionSettings {
        port: extension_port(settings, current_function)?,
        ttl_seconds: settings.ttl_seconds,
        ssm_ttl_seconds: settings.ssm_ttl_seconds,
        cache_size: settings.cache_size,
    };
    let desired = DesiredLab {
        store: settings.store,
        secret_value: settings.secret_value.clone(),
        kms_key: settings.kms_key.clone(),
        secret_arn: observation
            .secret
            .owned()
            .map(|s| s.arn.clone())
            .unwrap_or_else(|| planned_secret_arn(identity, region, names)),
        parameter_arn: observation.parameter.owned().map_or_else(
            || parameter_arn(&identity.partition, region, &identity.account, names),
            |p| p.arn.clone(),
        ),
        policy_arn: policy_arn(&identity.partition, &identity.account, names),
        role_policies: [
            basic_execution_policy_arn(&identity.partition),
            policy_arn(&identity.partition, &identity.account, names),
        ],
        function: DesiredFunction {
            role_arn: observation
                .role
                .owned()
                .map(|r| r.arn.clone())
                .unwrap_or_else(|| {
                    format!(
                        "arn:{}:iam::{}:role/{}",
                        identity.partition, identity.account, names.role
                    )
                }),
            runtime: settings.runtime,
            arch: settings.arch,
            layer_arn: Some(observation.layer.arn.clone()),
            env: extension.function_env(settings.store, names.name_of(settings.store.kind())),
            package: package.clone(),
        },
        extension,
    };
    let row = |kind: ResourceKind, (action, detail): (Action, String)| ResourcePlan {
        kind,
        name: names.name_of(kind).to_string(),
        action,
        detail,
    };
    let store_row = match settings.store {
        Store::SecretsManager => row(ResourceKind::Secret, secret_change(&observation, &desired)),
        Store::ParameterStore => row(
            ResourceKind::Parameter,
            parameter_change(&observation, &desired),
        ),
    };
    let mut rows = vec![
        store_row,
        row(ResourceKind::Role, role_change(&observation, &desired)),
        row(ResourceKind::Policy, policy_change(&observation, &desired)),
        row(ResourceKind::LogGroup, log_group_change(&observation)),
        row(
            ResourceKind::Function,
            function_change(&observation, &desired),
        ),
    ];
    if observation.left_behind(settings.store) {
        let kind = settings.store.other().kind();
        rows.push(row(
            kind,
            (
                Action::Remove,
                format!(
                    "the lab moved to {}: its value is carried over, then this is removed",
                    settings.store
                ),
            ),
        ));
    }
    Ok(Plan {
        rows,
        desired,
        observation,
    })
}

fn unchanged() -> (Action, String) {
    (Action::Unchanged, String::new())
}

fn secret_change(observation: &Observation, desired: &DesiredLab) -> (Action, String) {
    match &observation.secret {
        Observed::Owned(info) if info.deleted_date.is_some() => (
            Action::Restore,
            "scheduled for deletion: restore it".to_string(),
        ),
        Observed::Owned(info)
            if desired.kms_key.is_some() && info.kms_key_id != desired.kms_key =>
        {
            (Action::Update, "KMS key".to_string())
        }
        Observed::Owned(_) if desired.secret_value.is_some() => (
            Action::Update,
            "value from your input (if different)".to_string(),
        ),
        Observed::Owned(_) => unchanged(),
        _ => (Action::Create, value_source(observation, desired)),
    }
}

fn parameter_change(observation: &Observation, desired: &DesiredLab) -> (Action, String) {
    match &observation.parameter {
        Observed::Owned(info) if !info.secure => (Action::Update, "as SecureString".to_string()),
        Observed::Owned(info) if desired.kms_key.is_some() && info.key_id != desired.kms_key => {
            (Action::Update, "KMS key".to_string())
        }
        Observed::Owned(_) if desired.secret_value.is_some() => (
            Action::Update,
            "value from your input (if different)".to_string(),
        ),
        Observed::Owned(_) => unchanged(),
        _ => (
            Action::Create,
            format!("SecureString, {}", value_source(observation, desired)),
        ),
    }
}

/// Where a new store resource gets its value: the user, the store the lab leaves, or
/// Secrets Manager's password generator.
fn value_source(observation: &Observation, desired: &DesiredLab) -> String {
    if desired.secret_value.is_some() {
        "value from your input".to_string()
    } else if observation.left_behind(desired.store) {
        format!("value from the {}", desired.store.other().kind().label())
    } else {
        "GetRandomPassword".to_string()
    }
}

fn role_change(observation: &Observation, desired: &DesiredLab) -> (Action, String) {
    let Observed::Owned(info) = &observation.role else {
        return (Action::Create, "trust: lambda.amazonaws.com".to_string());
    };
    let mut changes = Vec::new();
    if !info.trust_matches {
        changes.push("trust policy");
    }
    if desired
        .role_policies
        .iter()
        .any(|p| !info.attached.contains(p))
    {
        changes.push("attached policies");
    }
    if changes.is_empty() {
        unchanged()
    } else {
        (Action::Update, changes.join(", "))
    }
}

fn policy_change(observation: &Observation, desired: &DesiredLab) -> (Action, String) {
    let document = desired.policy_document(desired.store_arn());
    match &observation.policy {
        Observed::Owned(info)
            if info
                .document
                .as_ref()
                .is_some_and(|d| same_policy(d, &document)) =>
        {
            unchanged()
        }
        Observed::Owned(_) if desired.creates_store(observation) => (
            Action::Update,
            format!("the new {}'s ARN", desired.store.kind().label()),
        ),
        Observed::Owned(_) => (Action::Update, "policy document".to_string()),
        _ => (
            Action::Create,
            format!("read this {} only", desired.store.kind().label()),
        ),
    }
}

fn log_group_change(observation: &Observation) -> (Action, String) {
    match &observation.log_group {
        Observed::Owned(info) if info.retention_days == Some(RETENTION_DAYS) => unchanged(),
        Observed::Owned(_) => (Action::Update, format!("retention {RETENTION_DAYS} days")),
        _ => (Action::Create, format!("retention {RETENTION_DAYS} days")),
    }
}

fn function_change(observation: &Observation, desired: &DesiredLab) -> (Action, String) {
    let Some(current) = observation.function.owned() else {
        return (Action::Create, "with the extension layer".to_string());
    };
    let diff = function::diff(current, &desired.function);
    if diff.is_empty() {
        return unchanged();
    }
    let mut what: Vec<&str> = Vec::new();
    if diff.code {
        what.push("code");
    }
    what.extend(diff.config.iter().copied());
    (Action::Update, what.join(", "))
}

#[cfg(test)]
mod tests;
