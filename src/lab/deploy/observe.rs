//! Read the account, the layer and every lab resource, in parallel: all that planning needs.

use crate::aws::function::{self, FunctionInfo};
use crate::aws::identity::{resolve_identity, Identity};
use crate::aws::layer::{resolve_layer, ResolvedLayer};
use crate::aws::logs::{self, LogGroupInfo};
use crate::aws::observed::Observed;
use crate::aws::parameter::{self, ParameterInfo};
use crate::aws::policy::{self as iam_policy, policy_arn, PolicyInfo};
use crate::aws::role::{self, RoleInfo};
use crate::aws::secret::{self, SecretInfo};
use crate::aws::simulated_db::{self, SimulatedDbInfo};
use crate::aws::AwsContext;
use crate::domain::kinds::{Arch, Store};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::simulated_db::Login;
use crate::error::Result;

/// Everything read before acting.
#[derive(Debug, Clone)]
pub struct Observation {
    pub identity: Identity,
    pub layer: ResolvedLayer,
    pub secret: Observed<SecretInfo>,
    pub parameter: Observed<ParameterInfo>,
    pub role: Observed<RoleInfo>,
    pub policy: Observed<PolicyInfo>,
    pub log_group: Observed<LogGroupInfo>,
    pub function: Observed<FunctionInfo>,
    pub simulated_db: Observed<SimulatedDbInfo>,
    /// The login in each store's current value, where it is live and holds a password.
    pub logins: CurrentLogins,
}

/// The login inside each store's current value (what the simulated database must accept).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CurrentLogins {
    pub secret: Option<Login>,
    pub parameter: Option<Login>,
}

impl CurrentLogins {
    pub fn of(&self, store: Store) -> Option<&Login> {
        match store {
            Store::SecretsManager => self.secret.as_ref(),
            Store::ParameterStore => self.parameter.as_ref(),
        }
    }
}

impl Observation {
    /// The ARN of the lab's resource of `kind`, when it is the lab's.
    pub fn arn_of(&self, kind: ResourceKind) -> Option<String> {
        match kind {
            ResourceKind::Secret => self.secret.owned().map(|s| s.arn.clone()),
            ResourceKind::Parameter => self.parameter.owned().map(|p| p.arn.clone()),
            ResourceKind::Role => self.role.owned().map(|r| r.arn.clone()),
            ResourceKind::Policy => self.policy.owned().map(|p| p.arn.clone()),
            ResourceKind::LogGroup => self.log_group.owned().map(|l| l.arn.clone()),
            ResourceKind::Function => self.function.owned().map(|f| f.arn.clone()),
            ResourceKind::SimulatedDatabase => self.simulated_db.owned().map(|d| d.arn.clone()),
        }
    }

    /// Whether the lab's resource in the store other than `store` is live (a lab that
    /// switched stores leaves it behind until `up` has carried its value over).
    pub fn left_behind(&self, store: Store) -> bool {
        match store.other() {
            Store::SecretsManager => self
                .secret
                .owned()
                .is_some_and(|s| s.deleted_date.is_none()),
            Store::ParameterStore => self.parameter.owned().is_some(),
        }
    }
}

/// The lab's resources as they are now (both stores).
pub type Resources = (
    Observed<SecretInfo>,
    Observed<ParameterInfo>,
    Observed<RoleInfo>,
    Observed<PolicyInfo>,
    Observed<LogGroupInfo>,
    Observed<FunctionInfo>,
    Observed<SimulatedDbInfo>,
);

/// Read the lab's resources at once (`up` and `status` both start here).
pub async fn observe_resources(
    aws: &AwsContext,
    names: &ResourceNames,
    identity: &Identity,
) -> Result<Resources> {
    let policy_arn = policy_arn(&identity.partition, &identity.account, names);
    tokio::try_join!(
        secret::get_secret(&aws.secrets, names),
        parameter::get_parameter(&aws.ssm, names),
        role::get_role(&aws.iam, names),
        iam_policy::get_policy(&aws.iam, &policy_arn, names),
        logs::get_log_group(&aws.logs, names),
        function::get_function(&aws.lambda, names),
        simulated_db::get(&aws.ssm, names),
    )
}

/// The login in each live store's value. A value that cannot be read counts as unknown: it
/// only decides whether the simulated database is checked, and `up` reads it again anyway.
async fn current_logins(
    aws: &AwsContext,
    names: &ResourceNames,
    secret_live: bool,
    parameter_live: bool,
) -> CurrentLogins {
    let read = |store: Store, live: bool| async move {
        if !live {
            return None;
        }
        simulated_db::current_login(aws, names, store)
            .await
            .ok()
            .flatten()
    };
    let (secret, parameter) = tokio::join!(
        read(Store::SecretsManager, secret_live),
        read(Store::ParameterStore, parameter_live)
    );
    CurrentLogins { secret, parameter }
}

/// The account, the extension layer for `arch` and the lab's resources.
pub async fn observe(
    aws: &AwsContext,
    names: &ResourceNames,
    arch: Arch,
    layer_arn: Option<&str>,
) -> Result<Observation> {
    let identity = resolve_identity(&aws.sts).await?;
    let (layer, resources) = tokio::try_join!(
        resolve_layer(&aws.ssm, &aws.region, arch, layer_arn),
        observe_resources(aws, names, &identity),
    )?;
    let (secret, parameter, role, policy, log_group, function, simulated_db) = resources;
    let secret_live = secret.owned().is_some_and(|s| s.deleted_date.is_none());
    let logins = current_logins(aws, names, secret_live, parameter.owned().is_some()).await;
    Ok(Observation {
        identity,
        layer,
        secret,
        parameter,
        role,
        policy,
        log_group,
        function,
        simulated_db,
        logins,
    })
}
