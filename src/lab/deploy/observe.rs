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
use crate::error::{Error, Result};

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
    /// Refuse when a same-named resource the lab would change is someone else's: nothing
    /// may be changed then. (A foreign resource in the store not in use is left alone.)
    pub fn refuse_foreign(&self, names: &ResourceNames, store: Store) -> Result<()> {
        let foreign = [
            (
                ResourceKind::Secret,
                store == Store::SecretsManager && matches!(self.secret, Observed::Foreign),
            ),
            (
                ResourceKind::Parameter,
                store == Store::ParameterStore && matches!(self.parameter, Observed::Foreign),
            ),
            (ResourceKind::Role, matches!(self.role, Observed::Foreign)),
            (
                ResourceKind::Policy,
                matches!(self.policy, Observed::Foreign),
            ),
            (
                ResourceKind::LogGroup,
                matches!(self.log_group, Observed::Foreign),
            ),
            (
                ResourceKind::Function,
                matches!(self.function, Observed::Foreign),
            ),
        ];
        match foreign.into_iter().find(|(_, is_foreign)| *is_foreign) {
            Some((kind, _)) => Err(Error::not_owned(names, kind)),
            None => Ok(()),
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
