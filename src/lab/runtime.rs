//! Which runtime the lab runs: the deployed function's when there is one (so the tour and the
//! legacy function follow a lab deployed with `up --runtime`), else the default.

use crate::aws::function::get_function;
use crate::aws::observed::Observed;
use crate::aws::AwsContext;
use crate::domain::defaults;
use crate::domain::kinds::Runtime;
use crate::domain::names::ResourceNames;
use crate::domain::runtime::LambdaRuntime;
use crate::error::Result;

/// The runtime of the lab's function, or the default when it is missing, someone else's, or
/// on a runtime the lab does not offer.
pub async fn lab_runtime(aws: &AwsContext, names: &ResourceNames) -> Result<Runtime> {
    Ok(match get_function(&aws.lambda, names).await? {
        Observed::Owned(function) => (function.runtime.as_ref())
            .and_then(LambdaRuntime::lab)
            .unwrap_or(defaults::RUNTIME),
        Observed::Missing | Observed::Foreign => defaults::RUNTIME,
    })
}
