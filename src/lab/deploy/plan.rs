//! From what exists and what the user asked for, the plan: one row per resource with its
//! action, the reasons (one per difference) and the steps `apply` runs, and the desired lab
//! those steps converge to. Here: the desired lab, and the rows of [`LAB_RESOURCES`] in order
//! (each resource's rule is in its file under `lab/resources/`). Pure: no AWS call, so it is
//! unit-tested. `up`, `up --dry-run` and `status` all render a plan made here.

pub mod change;
pub mod step;

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::aws::function::{DesiredFunction, FunctionInfo};
use crate::aws::identity::Identity;
use crate::aws::parameter::parameter_arn;
use crate::aws::policy::policy_arn;
use crate::aws::secret::SecretValue;
use crate::domain::defaults;
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::{Arch, Runtime, Store};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::package::Package;
use crate::domain::policy::{
    basic_execution_policy_arn, combined, lab_read_policy, store_read_policy,
};
use crate::error::{Code, Error, Result};
use crate::ui::style;

use super::observe::Observation;
use crate::lab::resources::LAB_RESOURCES;
use change::PlanContext;
use step::{serialize_steps, Grant, NewValue, Step};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq)]
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
    /// Someone else's resource under the lab's name: `up` refuses to change anything.
    NotOwned,
}

impl Action {
    /// What applying the step did, in the past tense (`up`'s report after it applied).
    pub fn past(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Restore => "restored",
            Action::Remove => "removed",
            Action::Unchanged => "unchanged",
            Action::NotOwned => "not owned",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (text, plain) = match self {
            Action::Create => (style::ok("create"), 6),
            Action::Update => (style::pending("update"), 6),
            Action::Restore => (style::pending("restore"), 7),
            Action::Remove => (style::pending("remove"), 6),
            Action::Unchanged => (style::dim("unchanged"), 9),
            Action::NotOwned => (style::failed("not owned"), 9),
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
    /// What a create makes, or the reasons joined.
    pub detail: String,
    /// One note per difference from the desired state (update, restore, remove, not owned).
    pub reasons: Vec<String>,
    /// What `apply` runs for this resource, in order.
    #[serde(serialize_with = "serialize_steps")]
    pub steps: Vec<Step>,
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
    /// The function's ARN when it exists; derived from its name before.
    pub function_arn: String,
    pub policy_arn: String,
    /// The lab's simulated database (an SSM parameter the handler logs in against).
    pub simulated_db_arn: String,
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
        let kms_key = self.kms_key.as_deref();
        lab_read_policy(self.store, store_arn, kms_key, &self.simulated_db_arn)
    }

    /// The document a policy step writes, once the store's resource is at `store_arn`.
    pub fn grant_document(&self, grant: &Grant, store_arn: &str) -> Value {
        let document = self.policy_document(store_arn);
        match grant {
            Grant::Store => document,
            Grant::Both { left_behind_arn } => {
                let kms_key = self.kms_key.as_deref();
                let old = store_read_policy(self.store.other(), left_behind_arn, kms_key);
                combined(&old, &document)
            }
        }
    }
}

/// The plan: rows for people (with the steps for `apply`), the desired lab, and the
/// observation it was made from (for reports; `apply` does not read it).
#[derive(Debug, Clone)]
pub struct Plan {
    pub rows: Vec<ResourcePlan>,
    pub desired: DesiredLab,
    pub observation: Observation,
}

impl Plan {
    /// Refuse when a resource the lab would change is someone else's, naming every one.
    pub fn refuse_foreign(&self, names: &ResourceNames) -> Result<()> {
        let foreign: Vec<ResourceKind> = (self.rows.iter())
            .filter(|r| r.action == Action::NotOwned)
            .map(|r| r.kind)
            .collect();
        match foreign.is_empty() {
            true => Ok(()),
            false => Err(Error::not_owned_all(names, &foreign)),
        }
    }

    /// Every step of the plan, in row order.
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.rows.iter().flat_map(|r| r.steps.iter())
    }
}

/// A secret ARN for display before the secret exists (the 6-character suffix comes at creation).
pub fn planned_secret_arn(identity: &Identity, region: &str, names: &ResourceNames) -> String {
    identity
        .scope(region)
        .secret_pattern(&names.secret)
        .to_string()
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
            .map_err(|e| Error::io(Code::NoFreePort, "finding a free port for the extension", e));
    }
    Ok(defaults::EXTENSION_PORT)
}

/// The settings `status` plans with: those of `up` without flags, in the store the deployed
/// function reads (a store switch is chosen with `--store`, not drift to report).
pub fn status_settings(observation: &Observation) -> Settings {
    let reads_parameter = observation.found.function.owned().is_some_and(|f| {
        f.env
            .contains_key(crate::domain::extension::env::PARAMETER_NAME)
    });
    let defaults = Settings::defaults(false);
    // The runtime the function runs, like the store: a Node.js lab is not drift.
    let runtime = observation
        .found
        .function
        .owned()
        .and_then(|f| f.runtime.as_ref()?.lab())
        .unwrap_or(defaults.runtime);
    Settings {
        store: if reads_parameter {
            Store::ParameterStore
        } else {
            Store::SecretsManager
        },
        runtime,
        ..defaults
    }
}

/// The plan `up` applies: refused when a resource it would change is someone else's.
pub fn plan(
    observation: Observation,
    names: &ResourceNames,
    settings: &Settings,
    region: &str,
    package: &Package,
) -> Result<Plan> {
    let plan = draft(observation, names, settings, region, package)?;
    plan.refuse_foreign(names)?;
    Ok(plan)
}

/// The plan with someone else's resources as rows (`status` shows them).
pub fn draft(
    observation: Observation,
    names: &ResourceNames,
    settings: &Settings,
    region: &str,
    package: &Package,
) -> Result<Plan> {
    let desired = desired_lab(&observation, names, settings, region, package)?;
    let lab = PlanContext {
        observation: &observation,
        desired: &desired,
        value: new_value(&observation, &desired),
        left_behind: left_behind_arn(&observation, settings.store),
    };
    let mut rows: Vec<ResourcePlan> = (LAB_RESOURCES.iter())
        .filter_map(|resource| {
            let change = resource.plan(&lab)?;
            let kind = resource.kind();
            Some(ResourcePlan {
                kind,
                name: names.name_of(kind).to_string(),
                action: change.action,
                detail: change.detail,
                reasons: change.reasons,
                steps: change.steps,
            })
        })
        .collect();
    // What a store switch leaves is listed last, as it is removed last (a stable sort).
    rows.sort_by_key(|row| row.action == Action::Remove);
    Ok(Plan {
        rows,
        desired,
        observation,
    })
}

/// The ARN of the lab's live resource in the store other than `store` (a switch leaves it).
fn left_behind_arn(observation: &Observation, store: Store) -> Option<String> {
    if !observation.left_behind(store) {
        return None;
    }
    match store.other() {
        Store::SecretsManager => observation.found.secret.owned().map(|s| s.arn.clone()),
        Store::ParameterStore => observation.found.parameter.owned().map(|p| p.arn.clone()),
    }
}

/// The value the store must be given: the user's, else the value of the store the lab leaves
/// (carried over), else none (keep what is there, or generate one when creating).
fn new_value(observation: &Observation, desired: &DesiredLab) -> Option<NewValue> {
    if let Some(value) = &desired.secret_value {
        return Some(NewValue::Given(value.clone()));
    }
    observation
        .left_behind(desired.store)
        .then(|| NewValue::CarriedFrom(desired.store.other()))
}

/// The lab as `settings` want it, at the ARNs that exist (or will, derived from names).
fn desired_lab(
    observation: &Observation,
    names: &ResourceNames,
    settings: &Settings,
    region: &str,
    package: &Package,
) -> Result<DesiredLab> {
    let identity = &observation.identity;
    let (partition, account) = (&identity.partition, &identity.account);
    let extension = ExtensionSettings {
        port: extension_port(settings, observation.found.function.owned())?,
        ttl_seconds: settings.ttl_seconds,
        ssm_ttl_seconds: settings.ssm_ttl_seconds,
        cache_size: settings.cache_size,
    };
    let owned_arn = |arn: Option<&String>, derived: String| arn.cloned().unwrap_or(derived);
    let scope = identity.scope(region);
    let role_arn = scope.role(&names.role).to_string();
    let function_arn = scope.function(&names.function).to_string();
    Ok(DesiredLab {
        store: settings.store,
        secret_value: settings.secret_value.clone(),
        kms_key: settings.kms_key.clone(),
        secret_arn: owned_arn(
            observation.found.secret.owned().map(|s| &s.arn),
            planned_secret_arn(identity, region, names),
        ),
        parameter_arn: owned_arn(
            observation.found.parameter.owned().map(|p| &p.arn),
            parameter_arn(partition, region, account, names),
        ),
        function_arn: owned_arn(
            observation.found.function.owned().map(|f| &f.arn),
            function_arn,
        ),
        policy_arn: policy_arn(partition, account, names),
        simulated_db_arn: scope.parameter(&names.simulated_db).to_string(),
        role_policies: [
            basic_execution_policy_arn(partition),
            policy_arn(partition, account, names),
        ],
        function: DesiredFunction {
            role_arn: owned_arn(observation.found.role.owned().map(|r| &r.arn), role_arn),
            runtime: settings.runtime,
            arch: settings.arch,
            layer_arn: Some(observation.layer.arn.clone()),
            env: with_simulated_db_env(
                extension.function_env(settings.store, names.name_of(settings.store.kind())),
                names,
            ),
            package: package.clone(),
        },
        extension,
    })
}

/// The function's variables plus where the lab's simulated database is.
fn with_simulated_db_env(
    mut env: std::collections::BTreeMap<String, String>,
    names: &ResourceNames,
) -> std::collections::BTreeMap<String, String> {
    let variable = crate::domain::simulated_db::ENV.to_string();
    env.insert(variable, names.simulated_db.clone());
    env
}

#[cfg(test)]
mod tests;
