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
use crate::aws::AwsContext;
use crate::domain::kinds::{Arch, Store};
use crate::domain::names::{ResourceKind, ResourceNames};
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
    )
}

/// The account, the extension layer for `arch` and the lab's resources.
pub async fn observe(
    aws: &AwsContext,
    names: &ResourceNames,
    arch: Arch,
    layer_arn: Option<&str>,
) -> Result<Observation> {
    let identity = resolve_identity(&aws.sts).await?;
    let (layer, (secret, parameter, role, policy, log_group, function)) = tokio::try_join!(
        resolve_layer(&aws.ssm, &aws.region, arch, layer_arn),
        observe_resources(aws, names, &identity),
    )?;
    Ok(Observation {
        identity,
        layer,
        secret,
        parameter,
        role,
        policy,
        log_group,
        function,
    })
}
