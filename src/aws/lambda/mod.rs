//! Every Lambda read, in one place: a function with its tags (`GetFunction`), and page by
//! page the account's functions, a function's versions and its aliases with their routing
//! weights. Each answer is converted once into [`FunctionConfig`] or [`Alias`]; calls are
//! paced when the reader is given a [`Pace`] (the audit's), sent at once otherwise.

pub mod config;
pub mod pace;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::future::Future;

use aws_sdk_lambda::Client;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::aws::errors::{describe, into_error, is_not_found, AwsError};
use crate::error::Error;

pub use config::{
    Alias, FunctionConfig, Layer, ManagedInstances, PackageType, State, UpdateStatus,
};
pub use pace::{Pace, CONTROL_PLANE_RATE};

/// `ListFunctions`, `ListVersionsByFunction` and `ListAliases` return at most 50 items a page.
pub const PAGE_SIZE: i32 = 50;

/// A read that failed: AWS's answer in one line (for reports that list failures), and the
/// CLI's error naming what was being read (for commands that stop on it).
#[derive(Debug)]
pub struct ReadError {
    pub detail: String,
    pub error: Error,
}

impl From<ReadError> for Error {
    fn from(failed: ReadError) -> Self {
        failed.error
    }
}

impl From<Error> for ReadError {
    fn from(error: Error) -> Self {
        Self {
            detail: error.to_string(),
            error,
        }
    }
}

fn read_error<E: AwsError, R: Debug>(err: SdkError<E, R>, action: String) -> ReadError {
    ReadError {
        detail: describe(&err),
        error: into_error(err, action),
    }
}

/// What a read of one function gives: `Ok(None)` when there is no such function (or it was
/// deleted while it was read).
pub type Read<T> = std::result::Result<Option<T>, ReadError>;

/// A function as `GetFunction` describes it: the configuration and the tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Described {
    pub config: FunctionConfig,
    pub tags: BTreeMap<String, String>,
}

/// One page of `ListFunctions`.
#[derive(Debug, Clone, Default)]
pub struct FunctionsPage {
    pub functions: Vec<FunctionConfig>,
    /// Where the next page starts; `None` on the last.
    pub next_marker: Option<String>,
}

/// Reads Lambda through one client, paced or not.
#[derive(Clone)]
pub struct Reader {
    client: Client,
    pace: Option<Pace>,
}

impl Reader {
    pub fn new(client: &Client) -> Self {
        Self {
            client: client.clone(),
            pace: None,
        }
    }

    /// A reader whose every call waits for `pace`.
    pub fn paced(client: &Client, pace: Pace) -> Self {
        Self {
            client: client.clone(),
            pace: Some(pace),
        }
    }

    async fn send<T, E, R, F, Fut>(&self, op: F) -> Result<T, SdkError<E, R>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: AwsError,
        R: Debug,
    {
        match &self.pace {
            Some(pace) => pace.call(op).await,
            None => {
                let mut op = op;
                op().await
            }
        }
    }

    /// The function `name` (a name or an ARN, optionally qualified) and its tags.
    pub async fn function(&self, name: &str) -> Read<Described> {
        let found = self
            .send(|| self.client.get_function().function_name(name).send())
            .await;
        let out = match found {
            Ok(out) => out,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(read_error(e, format!("reading function `{name}`"))),
        };
        let config = out
            .configuration()
            .ok_or_else(|| Error::missing_field("GetFunction", "Configuration"))?;
        let mut config = FunctionConfig::from_sdk(config, "GetFunction")?;
        config.image_uri = out.code().and_then(|c| c.image_uri()).map(str::to_string);
        let tags = out.tags().cloned().unwrap_or_default();
        Ok(Some(Described {
            config,
            tags: tags.into_iter().collect(),
        }))
    }

    /// One page of the account's functions (their `$LATEST`), from `marker`.
    pub async fn functions_page(&self, marker: Option<String>) -> Result<FunctionsPage, ReadError> {
        let request = || self.client.list_functions().max_items(PAGE_SIZE);
        let page = self
            .send(|| request().set_marker(marker.clone()).send())
            .await
            .map_err(|e| read_error(e, "listing functions".into()))?;
        Ok(FunctionsPage {
            functions: converted(page.functions(), "ListFunctions"),
            next_marker: page.next_marker().map(str::to_string),
        })
    }

    /// Every version of the function, `$LATEST` included, in Lambda's order.
    pub async fn versions(&self, function: &str) -> Read<Vec<FunctionConfig>> {
        let request = || {
            self.client
                .list_versions_by_function()
                .function_name(function)
        };
        let fetch = |marker| request().max_items(PAGE_SIZE).set_marker(marker).send();
        let action = || format!("listing the versions of `{function}`");
        let pages = self.all_pages(fetch, |p| p.next_marker(), action).await?;
        Ok(pages.map(|pages| {
            let versions = pages.iter().flat_map(|page| page.versions());
            converted(versions, "ListVersionsByFunction")
        }))
    }

    /// Every alias of the function, with its routing weights.
    pub async fn aliases(&self, function: &str) -> Read<Vec<Alias>> {
        let request = || self.client.list_aliases().function_name(function);
        let fetch = |marker| request().max_items(PAGE_SIZE).set_marker(marker).send();
        let action = || format!("listing the aliases of `{function}`");
        let pages = self.all_pages(fetch, |p| p.next_marker(), action).await?;
        Ok(pages.map(|pages| {
            let aliases = pages.iter().flat_map(|page| page.aliases());
            aliases.filter_map(Alias::from_sdk).collect()
        }))
    }

    /// Every page of a list call that follows `NextMarker`; `Ok(None)` when the function is
    /// gone.
    async fn all_pages<P, E, R, Fut>(
        &self,
        mut fetch: impl FnMut(Option<String>) -> Fut,
        next_marker: impl Fn(&P) -> Option<&str>,
        action: impl Fn() -> String,
    ) -> Read<Vec<P>>
    where
        Fut: Future<Output = Result<P, SdkError<E, R>>>,
        E: AwsError,
        R: Debug,
    {
        let mut pages = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            match self.send(|| fetch(marker.clone())).await {
                Ok(page) => {
                    marker = next_marker(&page).map(str::to_string);
                    pages.push(page);
                    if marker.is_none() {
                        return Ok(Some(pages));
                    }
                }
                Err(e) if is_not_found(&e) => return Ok(None),
                Err(e) => return Err(read_error(e, action())),
            }
        }
    }
}

/// The configurations of a list answer. An entry without a name or an ARN (which AWS always
/// sends) cannot be read further, so it is left out, and said so in the debug log.
fn converted<'a>(
    configs: impl IntoIterator<Item = &'a aws_sdk_lambda::types::FunctionConfiguration>,
    operation: &str,
) -> Vec<FunctionConfig> {
    let read = configs
        .into_iter()
        .map(|c| FunctionConfig::from_sdk(c, operation));
    read.filter_map(|config| {
        config
            .inspect_err(|e| tracing::debug!("skipping an entry of {operation}: {e}"))
            .ok()
    })
    .collect()
}

#[cfg(test)]
mod tests;
