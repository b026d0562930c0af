//! The lab's Lambda function: create (riding out IAM propagation), update code only when the
//! zip's hash differs, update configuration only when it differs, wait until ready, invoke, delete.

use aws_sdk_lambda::Client;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

use tokio::time::Instant;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, Environment as SdkEnvironment, FunctionCode, LogType, Runtime as SdkRuntime,
};
use base64::Engine as _;

use aws_smithy_runtime_api::client::result::SdkError;

use crate::aws::errors::{code, describe, into_error, is_already_exists, unless_missing, AwsError};
use crate::aws::lambda::{FunctionConfig, Reader};
use crate::aws::observed::Observed;
use crate::domain::handler;
use crate::domain::kinds::{Arch, Runtime};
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::package::Package;
use crate::error::{Code, Error, Result};

/// How long `up` keeps retrying while a new role is not yet assumable by Lambda.
pub const IAM_PROPAGATION_LIMIT: Duration = Duration::from_secs(60);
/// How long to wait for the function to become Active / finish an update.
pub const READY_LIMIT: Duration = Duration::from_secs(300);

/// First and longest pause between probes while IAM propagates.
const FIRST_PROBE: Duration = Duration::from_millis(200);
const PROBE_CAP: Duration = Duration::from_millis(500);

pub const TIMEOUT_SECONDS: i32 = 15;
pub const MEMORY_MB: i32 = 128;

pub fn runtime_id(runtime: Runtime) -> SdkRuntime {
    match runtime {
        Runtime::Python312 => SdkRuntime::Python312,
        Runtime::Python313 => SdkRuntime::Python313,
        Runtime::Python314 => SdkRuntime::Python314,
        Runtime::Nodejs20 => SdkRuntime::Nodejs20x,
        Runtime::Nodejs22 => SdkRuntime::Nodejs22x,
    }
}

pub fn architecture(arch: Arch) -> Architecture {
    match arch {
        Arch::X86_64 => Architecture::X8664,
        Arch::Arm64 => Architecture::Arm64,
    }
}

/// What the function should look like.
#[derive(Debug, Clone)]
pub struct DesiredFunction {
    pub role_arn: String,
    pub runtime: Runtime,
    pub arch: Arch,
    /// The extension layer (`None`: a function without it, the lab's "before" state).
    pub layer_arn: Option<String>,
    pub env: BTreeMap<String, String>,
    pub package: Package,
}

/// What the lab's function looks like now: its configuration, as the one Lambda reader
/// reads it.
pub type FunctionInfo = FunctionConfig;

/// The lab's function, when it is there and ours.
pub async fn get_function(
    lambda: &Client,
    names: &ResourceNames,
) -> Result<Observed<FunctionInfo>> {
    let Some(found) = Reader::new(lambda).function(&names.function).await? else {
        return Ok(Observed::Missing);
    };
    let tags = found.tags.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if !names.is_owned(tags) {
        return Ok(Observed::Foreign);
    }
    Ok(Observed::Owned(found.config))
}

/// Lambda answers `InvalidParameterValueException` "The role defined for the function cannot be
/// assumed by Lambda." while a new role propagates through IAM. The code alone is shared with
/// real misconfigurations, so the message has to be read too.
pub fn is_role_not_ready<E: AwsError, R: Debug>(err: &SdkError<E, R>) -> bool {
    code(err).as_deref() == Some("InvalidParameterValueException")
        && describe(err).contains("cannot be assumed")
}

/// Send a request that names the role (create, update configuration) until Lambda stops
/// answering that the role cannot be assumed yet, for at most [`IAM_PROPAGATION_LIMIT`].
/// Short probes: each costs one round trip, and every moment after the role becomes
/// assumable is wasted wall time. `on_wait` hears how long we have waited so far.
async fn while_role_propagates<T, E, R, Fut>(
    on_wait: &impl Fn(Duration),
    mut send: impl FnMut() -> Fut,
) -> std::result::Result<T, SdkError<E, R>>
where
    Fut: std::future::Future<Output = std::result::Result<T, SdkError<E, R>>>,
    E: AwsError,
    R: Debug,
{
    let started = Instant::now();
    let mut delay = FIRST_PROBE;
    loop {
        match send().await {
            Err(e)
                if is_role_not_ready(&e) && started.elapsed() + delay < IAM_PROPAGATION_LIMIT =>
            {
                on_wait(started.elapsed());
                tokio::time::sleep(delay).await;
                delay = (delay * 3 / 2).min(PROBE_CAP);
            }
            other => return other,
        }
    }
}

/// Explain errors that mention the layer: the usual cause is a layer from another region.
fn function_error<E: AwsError, R: Debug>(
    err: SdkError<E, R>,
    action: String,
    layer_arn: &str,
) -> Error {
    let detail = describe(&err);
    if detail.contains("GetLayerVersion") || detail.to_lowercase().contains("layer") {
        return Error::Aws {
            code: Code::LayerRejected,
            action,
            detail,
            help: format!(
                "Lambda could not use the extension layer `{layer_arn}`. A layer must be in the function's own region and published for its architecture; pass the right one with `--layer-arn`, or drop the flag to resolve it automatically"
            ),
        };
    }
    if is_role_not_ready(&err) {
        return Error::Aws {
            code: Code::RoleNotAssumable,
            action,
            detail,
            help: "the role was still not assumable after 60 s: check that its trust policy allows lambda.amazonaws.com (`secretslab status`), then re-run `secretslab up`".into(),
        };
    }
    into_error(err, action)
}

pub enum CreateOutcome {
    Created(String),
    /// A crashed run created it already; the caller re-reads and converges.
    AlreadyExists,
}

/// Create the function, riding out IAM propagation of a new role.
pub async fn create_function(
    lambda: &Client,
    names: &ResourceNames,
    desired: &DesiredFunction,
    on_wait: impl Fn(Duration),
) -> Result<CreateOutcome> {
    let created = while_role_propagates(&on_wait, || {
        let mut request = lambda
            .create_function()
            .function_name(&names.function)
            .role(&desired.role_arn)
            .runtime(runtime_id(desired.runtime))
            .handler(handler::entry(desired.runtime))
            .architectures(architecture(desired.arch))
            .code(
                FunctionCode::builder()
                    .zip_file(Blob::new(desired.package.zip.clone()))
                    .build(),
            )
            .set_layers(desired.layer_arn.clone().map(|layer| vec![layer]))
            .timeout(TIMEOUT_SECONDS)
            .memory_size(MEMORY_MB)
            .description(format!("secretslab lab `{}`", names.lab))
            .environment(environment(desired));
        for (key, value) in names.tags() {
            request = request.tags(key, value);
        }
        request.send()
    })
    .await;
    match created {
        Ok(out) => Ok(CreateOutcome::Created(Error::required(
            out.function_arn(),
            "CreateFunction",
            "FunctionArn",
        )?)),
        Err(e) if is_already_exists(&e) => Ok(CreateOutcome::AlreadyExists),
        Err(e) => Err(function_error(
            e,
            format!("creating function `{}`", names.function),
            desired.layer_arn.as_deref().unwrap_or_default(),
        )),
    }
}

fn environment(desired: &DesiredFunction) -> SdkEnvironment {
    SdkEnvironment::builder()
        .set_variables(Some(desired.env.clone().into_iter().collect()))
        .build()
}

pub async fn update_code(
    lambda: &Client,
    names: &ResourceNames,
    desired: &DesiredFunction,
) -> Result<()> {
    lambda
        .update_function_code()
        .function_name(&names.function)
        .zip_file(Blob::new(desired.package.zip.clone()))
        .architectures(architecture(desired.arch))
        .send()
        .await
        .map_err(|e| into_error(e, format!("uploading the code of `{}`", names.function)))?;
    wait_until_updated(lambda, names).await
}

pub async fn update_configuration(
    lambda: &Client,
    names: &ResourceNames,
    desired: &DesiredFunction,
    on_wait: impl Fn(Duration),
) -> Result<()> {
    let updated = while_role_propagates(&on_wait, || {
        lambda
            .update_function_configuration()
            .function_name(&names.function)
            .role(&desired.role_arn)
            .runtime(runtime_id(desired.runtime))
            .handler(handler::entry(desired.runtime))
            .set_layers(desired.layer_arn.clone().map(|layer| vec![layer]))
            .timeout(TIMEOUT_SECONDS)
            .memory_size(MEMORY_MB)
            .environment(environment(desired))
            .send()
    })
    .await;
    if let Err(e) = updated {
        return Err(function_error(
            e,
            format!("updating the configuration of `{}`", names.function),
            desired.layer_arn.as_deref().unwrap_or_default(),
        ));
    }
    wait_until_updated(lambda, names).await
}

/// Wait until the function is Active (new functions start Pending).
pub async fn wait_until_active(lambda: &Client, names: &ResourceNames) -> Result<()> {
    wait_until(lambda, &names.function, Ready::Active).await
}

/// Wait until the last update finished successfully.
pub async fn wait_until_updated(lambda: &Client, names: &ResourceNames) -> Result<()> {
    wait_until_updated_named(lambda, &names.function).await
}

/// [`wait_until_updated`] for any function, by name.
pub async fn wait_until_updated_named(lambda: &Client, name: &str) -> Result<()> {
    wait_until(lambda, name, Ready::Updated).await
}

enum Ready {
    Active,
    Updated,
}

/// The SDK's waiters (both poll GetFunction), bounded by [`READY_LIMIT`].
async fn wait_until(lambda: &Client, name: &str, ready: Ready) -> Result<()> {
    let waited = match ready {
        Ready::Active => {
            lambda
                .wait_until_function_active_v2()
                .function_name(name)
                .wait(READY_LIMIT)
                .await
        }
        Ready::Updated => {
            lambda
                .wait_until_function_updated_v2()
                .function_name(name)
                .wait(READY_LIMIT)
                .await
        }
    };
    waited.map(drop).map_err(|e| not_ready(name, &e))
}

fn not_ready(name: &str, err: &dyn std::error::Error) -> Error {
    Error::Aws {
        code: Code::FunctionNotReady,
        action: format!("waiting for function `{name}` to become ready"),
        detail: aws_smithy_types::error::display::DisplayErrorContext(err).to_string(),
        help: "the function did not become Active; `secretslab status` shows its state, and re-running the command resumes".into(),
    }
}

/// One invocation's raw result.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub status: i32,
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
    /// The decoded log tail (last 4 KB), when the endpoint returns one.
    pub log_tail: Option<String>,
    pub round_trip: Duration,
}

pub async fn invoke(
    lambda: &Client,
    names: &ResourceNames,
    payload: &serde_json::Value,
) -> Result<Invocation> {
    let started = Instant::now();
    let out = lambda
        .invoke()
        .function_name(&names.function)
        .log_type(LogType::Tail)
        .payload(Blob::new(payload.to_string()))
        .send()
        .await
        .map_err(|e| into_error(e, format!("invoking function `{}`", names.function)))?;
    let round_trip = started.elapsed();
    let log_tail = out
        .log_result()
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    Ok(Invocation {
        status: out.status_code(),
        function_error: out.function_error().map(str::to_string),
        payload: out
            .payload()
            .map(|p| p.as_ref().to_vec())
            .unwrap_or_default(),
        log_tail,
        round_trip,
    })
}

/// Delete the function (ours only). Missing counts as done.
pub async fn delete_function(lambda: &Client, names: &ResourceNames) -> Result<bool> {
    match get_function(lambda, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Function)),
        Observed::Owned(_) => {}
    }
    let deleted = lambda
        .delete_function()
        .function_name(&names.function)
        .send()
        .await;
    let action = || format!("deleting function `{}`", names.function);
    Ok(unless_missing(deleted, action)?.is_some())
}

#[cfg(test)]
mod tests;
