//! Read the account, the layer and every lab resource, in parallel: all that planning needs.

use crate::aws::identity::{resolve_identity, Identity};
use crate::aws::layer::{resolve_layer, ResolvedLayer};
use crate::aws::simulated_db;
use crate::aws::AwsContext;
use crate::domain::kinds::{Arch, Store};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::simulated_db::Login;
use crate::error::Result;
use crate::lab::resources::{self, Found};

/// Everything read before acting.
#[derive(Debug, Clone)]
pub struct Observation {
    pub identity: Identity,
    pub layer: ResolvedLayer,
    /// What reading each lab resource found.
    pub found: Found,
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
        resources::of(kind).found(&self.found).owned().cloned()
    }

    /// Whether the lab's resource in the store other than `store` is live (a lab that
    /// switched stores leaves it behind until `up` has carried its value over).
    pub fn left_behind(&self, store: Store) -> bool {
        match store.other() {
            Store::SecretsManager => self
                .found
                .secret
                .owned()
                .is_some_and(|s| s.deleted_date.is_none()),
            Store::ParameterStore => self.found.parameter.owned().is_some(),
        }
    }
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
    let (layer, found) = tokio::try_join!(
        resolve_layer(&aws.ssm, &aws.region, arch, layer_arn),
        resources::observe(aws, names, &identity),
    )?;
    let secret_live = (found.secret.owned()).is_some_and(|s| s.deleted_date.is_none());
    let parameter_live = found.parameter.owned().is_some();
    let logins = current_logins(aws, names, secret_live, parameter_live).await;
    Ok(Observation {
        identity,
        layer,
        found,
        logins,
    })
}
