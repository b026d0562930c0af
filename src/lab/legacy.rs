//! The lab's "before" state: a function `NAME-legacy` that keeps its credentials in plaintext
//! environment variables, as too many functions do. `audit` finds it and `migrate` fixes it;
//! `teardown` removes it with whatever migrate left for it. It runs the lab's handler (whose
//! legacy mode reads `DB_USER`/`DB_PASSWORD`, or the references migrate adds beside them)
//! under the lab's role, without the extension layer, in Python or Node.js.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::function::{self, CreateOutcome, DesiredFunction};
use crate::aws::observed::Observed;
use crate::aws::secret::Recovery;
use crate::aws::{logs, role, secret, AwsContext};
use crate::domain::defaults;
use crate::domain::handler;
use crate::domain::kinds::Runtime;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};
use crate::session::{Connection, Session};
use crate::ui::progress::Progress;

/// The plaintext variables the legacy function carries.
pub const USER_VAR: &str = "DB_USER";
pub const PASSWORD_VAR: &str = "DB_PASSWORD";

/// The legacy function's names: the lab's, with its own function and log group.
pub fn legacy_names(names: &ResourceNames) -> ResourceNames {
    let function = format!("{}-legacy", names.function);
    ResourceNames {
        log_group: format!("/aws/lambda/{function}"),
        function,
        ..names.clone()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct LegacyReport {
    pub function: String,
    pub created: bool,
}

/// Make sure `NAME-legacy` exists on `runtime` (the lab's role must). An existing one is left
/// as it is: migrate may be halfway through changing it.
pub async fn ensure_legacy(
    session: &Session,
    connection: &Connection,
    runtime: Runtime,
) -> Result<LegacyReport> {
    let aws = &connection.aws;
    let names = session.names();
    let legacy = legacy_names(&names);
    let role_arn = match role::get_role(&aws.iam, &names).await? {
        Observed::Owned(role) => role.arn,
        _ => {
            return Err(Error::NotDeployed {
                lab: names.lab.clone(),
                what: format!("IAM role `{}`", names.role),
            })
        }
    };
    match function::get_function(&aws.lambda, &legacy).await? {
        Observed::Owned(_) => {
            return Ok(LegacyReport {
                function: legacy.function,
                created: false,
            })
        }
        Observed::Foreign => return Err(Error::not_owned(&legacy, ResourceKind::Function)),
        Observed::Missing => {}
    }
    if logs::get_log_group(&aws.logs, &legacy).await?.is_missing() {
        logs::create_log_group(&aws.logs, &legacy).await?;
    }
    session.progress.step(format!(
        "creating function `{}` (plaintext credentials)",
        legacy.function
    ));
    let password = secret::random_password(&aws.secrets).await?;
    let desired = DesiredFunction {
        role_arn,
        runtime,
        arch: defaults::ARCH,
        layer_arn: None,
        env: BTreeMap::from([
            (USER_VAR.to_string(), defaults::LAB_USER.to_string()),
            (PASSWORD_VAR.to_string(), password),
        ]),
        package: handler::package(runtime)?,
    };
    let progress = &session.progress;
    let on_wait = |waited: std::time::Duration| {
        progress.step(format!(
            "waiting for IAM to let Lambda assume the role ({} s)",
            waited.as_secs()
        ));
    };
    match function::create_function(&aws.lambda, &legacy, &desired, on_wait).await? {
        CreateOutcome::Created(_) | CreateOutcome::AlreadyExists => {}
    }
    function::wait_until_active(&aws.lambda, &legacy).await?;
    Ok(LegacyReport {
        function: legacy.function,
        created: true,
    })
}

/// What teardown found and removed of the legacy function: its document and policy from
/// migrate, the function, its log group. `None` when there was no legacy function.
pub async fn remove_legacy(
    aws: &AwsContext,
    names: &ResourceNames,
    recovery: Recovery,
    progress: &Progress,
) -> Result<Option<usize>> {
    let legacy = legacy_names(names);
    let exists = !function::get_function(&aws.lambda, &legacy)
        .await?
        .is_missing();
    let logs_exist = logs::log_group_exists(&aws.logs, &legacy).await?;
    if !exists && !logs_exist {
        return Ok(None);
    }
    progress.step(format!(
        "deleting function {} and what migrate made for it",
        legacy.function
    ));
    let immediate = recovery == Recovery::Immediate;
    let mut removed =
        crate::aws::migration::remove_leftovers(aws, &legacy.function, immediate).await?;
    removed += usize::from(function::delete_function(&aws.lambda, &legacy).await?);
    // Lambda may have created the log group itself on the first invocation: adopt it.
    removed += usize::from(logs::delete_log_group(&aws.logs, &legacy, true).await?);
    Ok(Some(removed))
}
