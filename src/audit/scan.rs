//! Reading every function, published version and alias of one account and region, paced to
//! Lambda's control-plane rate, through the one Lambda reader. The values read here stay in
//! memory as [`Plaintext`] until they are classified; nothing in this module prints, logs or
//! stores them.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::lambda::{config::qualified, Alias, FunctionConfig, Reader};
use crate::aws::owner::OwnerIndex;

use super::hygiene::HygieneFinding;

pub use crate::aws::lambda::{Pace, CONTROL_PLANE_RATE};

/// The unpublished version, the only one the hygiene checks read.
const LATEST: &str = "$LATEST";

/// Functions read at once in one account and region: enough to keep the rate busy at
/// ~100 ms per call, few enough that a slow scope does not hold many connections.
const FUNCTIONS_IN_FLIGHT: usize = 8;

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
        qualified(&self.arn, version)
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
    /// Each function's `$LATEST` configuration, for the hygiene checks.
    pub latest: Vec<FunctionConfig>,
    /// What the hygiene checks found (see `audit::hygiene`).
    pub hygiene: Vec<HygieneFinding>,
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
    let reader = Reader::paced(&client, pace);
    let per_scope = Arc::new(Semaphore::new(FUNCTIONS_IN_FLIGHT));
    let mut readers: JoinSet<FunctionRead> = JoinSet::new();
    let mut spawn = |listed: Listed| {
        let reader = reader.clone();
        let per_scope = per_scope.clone();
        readers.spawn(async move {
            let _slot = per_scope.acquire_owned().await;
            read_function(&reader, listed).await
        });
    };
    match only {
        Some(name) => spawn(Listed { name, latest: None }),
        None => scan
            .errors
            .extend(list_functions(&reader, spawn).await.err()),
    }
    while let Some(joined) = readers.join_next().await {
        match joined {
            Ok(read) => {
                scan.functions.extend(read.function);
                scan.errors.extend(read.error);
                scan.latest.extend(read.latest);
            }
            Err(e) => scan.errors.push(format!("a reader task failed: {e}")),
        }
    }
    scan.functions.sort_by(|a, b| a.name.cmp(&b.name));
    scan.latest.sort_by(|a, b| a.name.cmp(&b.name));
    scan.errors.sort();
    scan
}

/// Hand each listed function to `found` as its page arrives, until the last page or the
/// failure that stopped the listing.
async fn list_functions(reader: &Reader, mut found: impl FnMut(Listed)) -> Result<(), String> {
    let mut marker: Option<String> = None;
    loop {
        let page = (reader.functions_page(marker).await)
            .map_err(|e| format!("listing functions: {}", e.detail))?;
        for latest in page.functions {
            found(Listed {
                name: latest.name.clone(),
                latest: Some(latest),
            });
        }
        marker = page.next_marker;
        if marker.is_none() {
            return Ok(());
        }
    }
}

/// A function as `ListFunctions` showed it: its name and, as a fallback, its `$LATEST`.
struct Listed {
    name: String,
    latest: Option<FunctionConfig>,
}

/// What reading one function gave: the function (`None` when it is gone: deleted since it
/// was listed, or `--function` names nothing in this scope) and the call that failed, if any.
struct FunctionRead {
    function: Option<FunctionRecord>,
    error: Option<String>,
    /// Its `$LATEST` configuration.
    latest: Option<FunctionConfig>,
}

/// Read one function's versions and aliases. When its versions cannot be read, the `$LATEST`
/// that `ListFunctions` showed is still classified, and the scope is marked incomplete.
async fn read_function(reader: &Reader, listed: Listed) -> FunctionRead {
    let gone = FunctionRead {
        function: None,
        error: None,
        latest: None,
    };
    let (versions, error) = match reader.versions(&listed.name).await {
        Ok(Some(versions)) => (versions, None),
        Ok(None) => return gone,
        Err(e) => (
            listed.latest.iter().cloned().collect(),
            Some(format!("listing versions of {}: {}", listed.name, e.detail)),
        ),
    };
    let Some(first) = listed.latest.as_ref().or(versions.first()) else {
        return gone;
    };
    let (name, arn) = (first.name.clone(), first.arn.clone());
    let image = listed
        .latest
        .iter()
        .chain(&versions)
        .any(FunctionConfig::is_image);
    let latest = (versions.iter())
        .find(|v| v.version == LATEST)
        .or(listed.latest.as_ref())
        .cloned();
    let mut versions: Vec<VersionRecord> = versions.iter().map(version_record).collect();
    sort_versions(&mut versions);
    let (aliases, alias_error) = match reader.aliases(&arn).await {
        Ok(Some(aliases)) => (routes(&aliases), None),
        Ok(None) => return gone,
        Err(e) => (
            BTreeMap::new(),
            Some(format!("listing aliases of {name}: {}", e.detail)),
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
        latest,
    }
}

/// Version → the aliases routing to it (their own version, or a weighted share).
fn routes(aliases: &[Alias]) -> BTreeMap<String, Vec<String>> {
    let mut routes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for alias in aliases {
        for version in alias.versions() {
            routes.entry(version).or_default().push(alias.name.clone());
        }
    }
    for names in routes.values_mut() {
        names.sort();
        names.dedup();
    }
    routes
}

fn version_record(config: &FunctionConfig) -> VersionRecord {
    let variables = config.env.iter().map(|(name, value)| Variable {
        name: name.clone(),
        value: Plaintext::new(value.clone()),
    });
    VersionRecord {
        version: config.version.clone(),
        variables: variables.collect(),
    }
}

/// `$LATEST` first, then published versions in numeric order.
fn sort_versions(versions: &mut [VersionRecord]) {
    versions.sort_by_key(|v| match v.version.parse::<u64>() {
        Ok(n) => (1, n),
        Err(_) => (0, 0),
    });
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
