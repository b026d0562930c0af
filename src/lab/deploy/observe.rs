//! Read the account, the layer and every lab resource, in parallel: all that planning needs.

use crate::aws::function::{self, FunctionInfo};
use crate::aws::identity::{resolve_identity, Identity};
use crate::aws::layer::{resolve_layer, ResolvedLayer};
use crate::aws::logs::{self, LogGroupInfo};
use crate::aws::observed::Observed;
use crate::aws::policy::{self as iam_policy, policy_arn, PolicyInfo};
use crate::aws::role::{self, RoleInfo};
use crate::aws::secret::{self, SecretInfo};
use crate::aws::AwsContext;
use crate::domain::kinds::Arch;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};

/// Everything read before acting.
#[derive(Debug, Clone)]
pub struct Observation {
    pub identity: Identity,
    pub layer: ResolvedLayer,
    pub secret: Observed<SecretInfo>,
    pub role: Observed<RoleInfo>,
    pub policy: Observed<PolicyInfo>,
    pub log_group: Observed<LogGroupInfo>,
    pub function: Observed<FunctionInfo>,
}

impl Observation {
    /// Refuse when any same-named resource is someone else's: nothing may be changed then.
    pub fn refuse_foreign(&self, names: &ResourceNames) -> Result<()> {
        let foreign = [
            (
                ResourceKind::Secret,
                matches!(self.secret, Observed::Foreign),
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
}

/// The lab's five resources as they are now.
pub type Resources = (
    Observed<SecretInfo>,
    Observed<RoleInfo>,
    Observed<PolicyInfo>,
    Observed<LogGroupInfo>,
    Observed<FunctionInfo>,
);

/// Read the lab's five resources at once (`up` and `status` both start here).
pub async fn observe_resources(
    aws: &AwsContext,
    names: &ResourceNames,
    identity: &Identity,
) -> Result<Resources> {
    let policy_arn = policy_arn(&identity.partition, &identity.account, names);
    tokio::try_join!(
        secret::get_secret(&aws.secrets, names),
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
    let (layer, (secret, role, policy, log_group, function)) = tokio::try_join!(
        resolve_layer(&aws.ssm, &aws.region, arch, layer_arn),
        observe_resources(aws, names, &identity),
    )?;
    Ok(Observation {
        identity,
        layer,
        secret,
        role,
        policy,
        log_group,
        function,
    })
}
