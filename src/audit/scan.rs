//! Reading every function, published version and alias of one account and region, paced to
//! Lambda's control-plane rate. The values read here stay in memory as [`Plaintext`] until
//! they are classified; nothing in this module prints, logs or stores them.

use crate::domain::arn::Arn;
use std::collections::BTreeMap;
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_lambda::types::FunctionConfiguration;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::errors::{describe, kind, ErrorKind};
use crate::aws::owner::OwnerIndex;

/// Lambda's control-plane rate: 15 requests per second per account and region, not raisable
/// (Lambda quotas page; everything but Invoke, GetFunction and GetPolicy counts).
pub const CONTROL_PLANE_RATE: u32 = 15;
/// `ListFunctions`, `ListVersionsByFunction` and `ListAliases` return at most 50 items a page.
pub const PAGE_SIZE: i32 = 50;
/// Functions read at once in one account and region: enough to keep the rate busy at
/// ~100 ms per call, few enough that a slow scope does not hold many connections.
const FUNCTIONS_IN_FLIGHT: usize = 8;
/// Rounds of our own retry after the SDK's attempts for a throttled or transient call.
const EXTRA_ROUNDS: u32 = 4;

/// A variable's value. Deliberately neither `Display` nor `Serialize`, and `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Plaintext(String);

impl Plaintext {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Plaintext(..)")
    }
}

/// One environment variable of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub value: Plaintext,
}

/// `$LATEST` or one published version, with its environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRecord {
    pub version: String,
    pub variables: Vec<Variable>,
}

/// One function: its versions and which aliases point at each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRecord {
    pub name: String,
    /// The unqualified ARN.
    pub arn: String,
    pub versions: Vec<VersionRecord>,
    /// Version → aliases routing to it (an alias with a weighted second version is listed under both).
    pub aliases: BTreeMap<String, Vec<String>>,
    /// `PackageType: Image` (a container image; layers do not apply).
    pub image: bool,
}

impl FunctionRecord {
    pub fn qualified_arn(&self, version: &str) -> String {
        format!("{}:{version}", self.arn)
    }
}

/// What one account and region yielded. `errors` lists every call that still failed after
/// the retries; a scope with errors is reported as incomplete, with whatever it did read.
#[derive(Debug, Clone, Default)]
pub struct ScopeScan {
    pub account: String,
    pub region: String,
    pub functions: Vec<FunctionRecord>,
    pub errors: Vec<String>,
    /// Who owns the functions, as AWS records it (read beside the scan).
    pub owners: OwnerIndex,
}

/// Pacing shared by the calls of a scan: a token bucket per account and region (Lambda's
/// limit is per account and region) and a cap on requests in flight across all scopes.
#[derive(Clone)]
pub struct Pace {
    rate: Arc<DefaultDirectRateLimiter>,
    in_flight: Arc<Semaphore>,
}

impl Pace {
    /// The pace for one account and region, sharing the global cap `in_flight`.
    pub fn new(per_second: u32, in_flight: Arc<Semaphore>) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        // Spend Lambda's bucket at its refill rate, with room to catch up on a few slots: a
        // call that starts late (a busy core, a reader still waiting on its previous answer)
        // would otherwise lose its slot for good, and over hundreds of calls those losses add
        // up to a second. A fifth of a second's calls at most, so most of Lambda's reserve
        // stays for the jitter of the network and calls that bunch up on the way are not
        // throttled.
        let catch_up = NonZeroU32::new(per_second.div_ceil(5)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate).allow_burst(catch_up);
        Self {
            rate: Arc::new(RateLimiter::direct(quota)),
            in_flight,
        }
    }

    /// Run one API call when the bucket and the cap allow; a call that is still throttled
    /// or cut off after the SDK's own retries is tried again a few times, with back-off.
    pub async fn call<T, E, R, F, Fut>(&self, mut op: F) -> Result<T, SdkError<E, R>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut round = 0;
        loop {
            self.rate.until_ready().await;
            let result = {
                let _permit = self.in_flight.acquire().await;
                op().await
            };
            match result {
                Err(e)
                    if round < EXTRA_ROUNDS
                        && matches!(kind(&e), ErrorKind::Throttled | ErrorKind::Transient) =>
                {
                    tracing::debug!("retrying after: {}", describe(&e));
                    round += 1;
                    tokio::time::sleep(Duration::from_millis(500 << round)).await;
                }
                other => return other,
            }
        }
    }
}

/// Read every function of one scope (or just `only`, by name or ARN).
pub async fn scan_scope(
    client: aws_sdk_lambda::Client,
    account: String,
    region: String,
    only: Option<String>,
    pace: Pace,
) -> ScopeScan {
    let mut scan = ScopeScan {
        account,
        region,
        ..ScopeScan::default()
    };
    let per_scope = Arc::new(Semaphore::new(FUNCTIONS_IN_FLIGHT));
    let mut readers: JoinSet<FunctionRead> = JoinSet::new();
    let spawn = |readers: &mut JoinSet<_>, listed: Listed| {
        let client = client.clone();
        let pace = pace.clone();
        let per_scope = per_scope.clone();
        readers.spawn(async move {
            let _slot = per_scope.acquire_owned().await;
            read_function(&client, &pace, listed).await
        });
    };
    match only {
        Some(name) => spawn(
            &mut readers,
            Listed {
                name,
                latest: None,
                image: false,
            },
        ),
        None => {
            let mut marker: Option<String> = None;
            loop {
                let page = pace
                    .call(|| {
                        client
                            .list_functions()
                            .max_items(PAGE_SIZE)
                            .set_marker(marker.clone())
                            .send()
                    })
                    .await;
                match page {
                    Ok(page) => {
                        for function in page.functions() {
                            if let Some(listed) = Listed::from_configuration(function) {
                                spawn(&mut readers, listed);
                            }
                        }
                        marker = page.next_marker().map(str::to_string);
                        if marker.is_none() {
                            break;
                        }
                    }
                    Err(e) => {
                        scan.errors
                            .push(format!("listing functions: {}", describe(&e)));
                        break;
                    }
                }
            }
        }
    }
    while let Some(joined) = readers.join_next().await {
        match joined {
            Ok(read) => {
                scan.functions.extend(read.function);
                scan.errors.extend(read.error);
            }
            Err(e) => scan.errors.push(format!("a reader task failed: {e}")),
        }
    }
    scan.functions.sort_by(|a, b| a.name.cmp(&b.name));
    scan.errors.sort();
    scan
}

/// A function as `ListFunctions` showed it: its name and, as a fallback, its `$LATEST`.
struct Listed {
    name: String,
    latest: Option<(String, VersionRecord)>,
    image: bool,
}

impl Listed {
    fn from_configuration(function: &FunctionConfiguration) -> Option<Self> {
        let name = function.function_name()?.to_string();
        let arn = function.function_arn().map(unqualified)?;
        Some(Self {
            name,
            latest: Some((arn, version_record(function))),
            image: is_image(function),
        })
    }
}

/// What reading one function gave: the function (`None` when it is gone: deleted since it
/// was listed, or `--function` names nothing in this scope) and the call that failed, if any.
struct FunctionRead {
    function: Option<FunctionRecord>,
    error: Option<String>,
}

/// Read one function's versions and aliases. When its versions cannot be read, the `$LATEST`
/// that `ListFunctions` showed is still classified, and the scope is marked incomplete.
async fn read_function(
    client: &aws_sdk_lambda::Client,
    pace: &Pace,
    listed: Listed,
) -> FunctionRead {
    let gone = FunctionRead {
        function: None,
        error: None,
    };
    let (versions, error) = match list_versions(client, pace, &listed.name).await {
        Ok(Some(versions)) => (versions, None),
        Ok(None) => return gone,
        Err(error) => (
            listed
                .latest
                .iter()
                .map(|(arn, record)| ListedVersion {
                    arn: arn.clone(),
                    record: record.clone(),
                    image: listed.image,
                })
                .collect(),
            Some(format!("listing versions of {}: {error}", listed.name)),
        ),
    };
    let Some(arn) = listed
        .latest
        .as_ref()
        .map(|(arn, _)| arn.clone())
        .or_else(|| versions.first().map(|v| v.arn.clone()))
    else {
        return gone;
    };
    let image = listed.image || versions.iter().any(|v| v.image);
    let mut versions: Vec<VersionRecord> = versions.into_iter().map(|v| v.record).collect();
    sort_versions(&mut versions);
    let name = Arn::parse(&arn)
        .and_then(|a| a.function_name().map(str::to_string))
        .unwrap_or_else(|| listed.name.clone());
    let (aliases, alias_error) = match list_aliases(client, pace, &arn).await {
        Ok(Some(aliases)) => (aliases, None),
        Ok(None) => return gone,
        Err(error) => (
            BTreeMap::new(),
            Some(format!("listing aliases of {name}: {error}")),
        ),
    };
    FunctionRead {
        function: Some(FunctionRecord {
            name,
            arn,
            versions,
            aliases,
            image,
        }),
        error: error.or(alias_error),
    }
}

struct ListedVersion {
    arn: String,
    record: VersionRecord,
    image: bool,
}

/// Every page of a Lambda list call that follows `NextMarker`, paced; `Ok(None)` when the
/// function is gone (deleted while the scan ran).
async fn all_pages<P, E, R, Fut>(
    pace: &Pace,
    mut fetch: impl FnMut(Option<String>) -> Fut,
    next_marker: impl Fn(&P) -> Option<&str>,
) -> Result<Option<Vec<P>>, String>
where
    Fut: Future<Output = Result<P, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        match pace.call(|| fetch(marker.clone())).await {
            Ok(page) => {
                marker = next_marker(&page).map(str::to_string);
                pages.push(page);
                if marker.is_none() {
                    return Ok(Some(pages));
                }
            }
            Err(e) if kind(&e) == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(describe(&e)),
        }
    }
}

/// Every version of a function, `$LATEST` included; `Ok(None)` when the function is gone.
async fn list_versions(
    client: &aws_sdk_lambda::Client,
    pace: &Pace,
    function: &str,
) -> Result<Option<Vec<ListedVersion>>, String> {
    let request = || client.list_versions_by_function().function_name(function);
    let fetch = |marker| request().max_items(PAGE_SIZE).set_marker(marker).send();
    let pages = all_pages(pace, fetch, |page| page.next_marker()).await?;
    Ok(pages.map(|pages| {
        let versions = pages.iter().flat_map(|page| page.versions());
        versions
            .map(|version| ListedVersion {
                arn: version.function_arn().map(unqualified).unwrap_or_default(),
                record: version_record(version),
                image: is_image(version),
            })
            .collect()
    }))
}

/// Version → the aliases routing to it; `Ok(None)` when the function is gone.
async fn list_aliases(
    client: &aws_sdk_lambda::Client,
    pace: &Pace,
    function_arn: &str,
) -> Result<Option<BTreeMap<String, Vec<String>>>, String> {
    let request = || client.list_aliases().function_name(function_arn);
    let fetch = |marker| request().max_items(PAGE_SIZE).set_marker(marker).send();
    let Some(pages) = all_pages(pace, fetch, |page| page.next_marker()).await? else {
        return Ok(None);
    };
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for alias in pages.iter().flat_map(|page| page.aliases()) {
        let Some(alias_name) = alias.name() else {
            continue;
        };
        let mut targets: Vec<&str> = alias.function_version().into_iter().collect();
        if let Some(weights) = alias
            .routing_config()
            .and_then(|r| r.additional_version_weights())
        {
            targets.extend(weights.keys().map(String::as_str));
        }
        for version in targets {
            aliases
                .entry(version.to_string())
                .or_default()
                .push(alias_name.to_string());
        }
    }
    for names in aliases.values_mut() {
        names.sort();
        names.dedup();
    }
    Ok(Some(aliases))
}

fn version_record(function: &FunctionConfiguration) -> VersionRecord {
    let mut variables: Vec<Variable> = function
        .environment()
        .and_then(|e| e.variables())
        .map(|vars| {
            vars.iter()
                .map(|(name, value)| Variable {
                    name: name.clone(),
                    value: Plaintext::new(value.clone()),
                })
                .collect()
        })
        .unwrap_or_default();
    variables.sort_by(|a, b| a.name.cmp(&b.name));
    VersionRecord {
        version: function.version().unwrap_or("$LATEST").to_string(),
        variables,
    }
}

fn is_image(function: &FunctionConfiguration) -> bool {
    function.package_type() == Some(&aws_sdk_lambda::types::PackageType::Image)
}

/// `$LATEST` first, then published versions in numeric order.
fn sort_versions(versions: &mut [VersionRecord]) {
    versions.sort_by_key(|v| match v.version.parse::<u64>() {
        Ok(n) => (1, n),
        Err(_) => (0, 0),
    });
}

/// `arn:…:function:NAME[:QUALIFIER]` → `arn:…:function:NAME`.
fn unqualified(arn: &str) -> String {
    Arn::parse(arn).map_or_else(|| arn.to_string(), |arn| arn.unqualified().to_string())
}

#[cfg(test)]
mod tests;
