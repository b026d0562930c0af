//! Which accounts and regions an audit covers, and how to act in each: the caller's own
//! credentials, credentials from `AssumeRole`, or the reason the account cannot be read.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_lambda::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_lambda::config::{Credentials, Region};
use aws_smithy_types::error::display::DisplayErrorContext;
use tokio::sync::Semaphore;

use crate::aws::errors::{describe, into_error};
use crate::aws::identity::Identity;
use crate::aws::CallLog;
use crate::domain::arn::Scope;
use crate::error::{Code, Error, Result};

/// Which accounts to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSelection {
    /// The caller's own account.
    Caller,
    /// These accounts (12-digit ids).
    Listed(Vec<String>),
    /// Every account of the caller's organization (Organizations `ListAccounts`).
    Organization,
}

/// Which regions to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSelection {
    /// The session's region.
    Current,
    Listed(Vec<String>),
    /// Every region of the caller's partition (built-in list).
    All,
}

/// How the scanner may act in one account.
#[derive(Clone)]
pub enum Access {
    /// With the caller's own credentials.
    Caller,
    /// With credentials from `AssumeRole`.
    Assumed(Credentials),
    /// Not at all; the reason is a plain sentence with AWS's error code.
    Unavailable(String),
}

impl std::fmt::Debug for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Access::Caller => f.write_str("Caller"),
            Access::Assumed(_) => f.write_str("Assumed(..)"),
            Access::Unavailable(reason) => write!(f, "Unavailable({reason:?})"),
        }
    }
}

/// One account in scope.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub access: Access,
}

/// At most this many `AssumeRole` calls at once (STS has its own, generous, rate).
const ASSUME_CONCURRENCY: usize = 8;
/// Assumed sessions last an hour; a scan that needs longer should be narrowed.
const SESSION_SECONDS: i32 = 3600;

/// Parse `--accounts`: 12-digit ids, comma-separated, duplicates dropped.
pub fn parse_accounts(raw: &[String]) -> Result<Vec<String>> {
    parse_list(raw, is_account_id, |id| {
        Error::invalid(
            Code::BadAccountId,
            format!("`{id}` is not an AWS account id"),
            "pass 12-digit account ids, e.g. `--accounts 111111111111,222222222222`",
        )
    })
}

/// Parse `--regions`: region names, comma-separated, duplicates dropped.
pub fn parse_regions(raw: &[String]) -> Result<Vec<String>> {
    parse_list(raw, looks_like_region, |region| {
        Error::invalid(
            Code::BadRegion,
            format!("`{region}` is not an AWS region name"),
            "pass region names such as `--regions us-east-1,eu-west-1`, or `--all-regions`",
        )
    })
}

/// Comma-separated items (also across repeated flags), trimmed, first occurrence kept; the
/// first invalid item is the error.
fn parse_list(
    raw: &[String],
    valid: fn(&str) -> bool,
    invalid: impl Fn(&str) -> Error,
) -> Result<Vec<String>> {
    let mut items: Vec<String> = Vec::new();
    for item in raw.iter().flat_map(|r| r.split(',')).map(str::trim) {
        if !valid(item) {
            return Err(invalid(item));
        }
        if !items.iter().any(|known| known == item) {
            items.push(item.to_string());
        }
    }
    Ok(items)
}

fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// `xx-name-N` (e.g. `us-east-1`, `us-gov-west-1`, `ap-southeast-7`).
fn looks_like_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok_and(|n| n > 0)
}

/// Refuse a listed region that no known partition has (a typo such as `us-est-1` would
/// otherwise scan nothing and look clean), naming the nearest known one. `allow_unknown` is
/// for regions newer than the built-in list.
pub fn check_known_regions(regions: &[String], allow_unknown: bool) -> Result<()> {
    if allow_unknown {
        return Ok(());
    }
    let known: Vec<&str> = crate::aws::layer::known_regions().collect();
    let Some(unknown) = regions.iter().find(|r| !known.contains(&r.as_str())) else {
        return Ok(());
    };
    let nearest = known
        .iter()
        .min_by_key(|k| (edit_distance(unknown, k), **k))
        .copied()
        .unwrap_or("us-east-1");
    Err(Error::invalid(
        Code::UnknownRegion,
        format!("`{unknown}` is not a region secretslab knows"),
        format!(
            "did you mean `{nearest}`? For a region newer than secretslab's list, add `--allow-unknown-regions`"
        ),
    ))
}

/// Levenshtein distance (insertions, deletions, substitutions), for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The regions to scan, in a stable order.
pub fn regions(selection: &RegionSelection, current: &str, partition: &str) -> Vec<String> {
    match selection {
        RegionSelection::Current => vec![current.to_string()],
        RegionSelection::Listed(regions) => regions.clone(),
        RegionSelection::All => {
            let mut all: Vec<String> = crate::aws::layer::known_regions()
                .filter(|r| crate::aws::layer::partition_for_region(r) == partition)
                .map(str::to_string)
                .collect();
            all.sort();
            all
        }
    }
}

/// One account in scope before it is entered: its id, and why it cannot be read at all
/// (an organization member that is not `ACTIVE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedAccount {
    pub id: String,
    pub unavailable: Option<String>,
}

/// The accounts to scan. Entering them (`AccountEntry::enter`) is left to the scan, so that
/// each account's scan starts as soon as its own role is assumed.
pub async fn listed_accounts(
    selection: &AccountSelection,
    assume_role: Option<&str>,
    caller: &Identity,
    organizations: &aws_sdk_organizations::Client,
) -> Result<Vec<ListedAccount>> {
    let listed: Vec<ListedAccount> = match selection {
        AccountSelection::Caller => vec![ListedAccount {
            id: caller.account.clone(),
            unavailable: None,
        }],
        AccountSelection::Listed(ids) => ids
            .iter()
            .map(|id| ListedAccount {
                id: id.clone(),
                unavailable: None,
            })
            .collect(),
        AccountSelection::Organization => organization_accounts(organizations).await?,
    };
    let others = listed.iter().filter(|a| a.id != caller.account).count();
    if others > 0 && assume_role.is_none() {
        return Err(Error::invalid(
            Code::NoRoleForAccounts,
            format!(
                "{others} account(s) other than the caller's ({}) are in scope, and there is no role to enter them",
                caller.account
            ),
            "pass `--assume-role NAME`, a role that exists in every member account (e.g. OrganizationAccountAccessRole)",
        ));
    }
    Ok(listed)
}

/// How to enter the listed accounts: the caller's own with its credentials, any other by
/// assuming the role, at most `ASSUME_CONCURRENCY` at once. An account that cannot be
/// entered is kept, as `Unavailable`, so the report lists it as incomplete.
#[derive(Clone)]
pub struct AccountEntry {
    sts: aws_sdk_sts::Client,
    partition: String,
    caller_account: String,
    role: String,
    assuming: Arc<Semaphore>,
}

impl AccountEntry {
    pub fn new(sts: &aws_sdk_sts::Client, caller: &Identity, assume_role: Option<&str>) -> Self {
        Self {
            sts: sts.clone(),
            partition: caller.partition.clone(),
            caller_account: caller.account.clone(),
            role: assume_role.unwrap_or_default().to_string(),
            assuming: Arc::new(Semaphore::new(ASSUME_CONCURRENCY)),
        }
    }

    pub async fn enter(&self, listed: ListedAccount) -> Account {
        let access = match listed.unavailable {
            Some(reason) => Access::Unavailable(reason),
            None if listed.id == self.caller_account => Access::Caller,
            None => {
                let _turn = self.assuming.acquire().await;
                assume(&self.sts, &self.partition, &listed.id, &self.role).await
            }
        };
        Account {
            id: listed.id,
            access,
        }
    }
}

/// Every account of the organization; accounts that are not `ACTIVE` carry the reason
/// they cannot be scanned.
async fn organization_accounts(
    client: &aws_sdk_organizations::Client,
) -> Result<Vec<ListedAccount>> {
    let mut accounts = Vec::new();
    let mut pages = client.list_accounts().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            let err = into_error(e, "listing the organization's accounts (Organizations ListAccounts)");
            match err {
                Error::AccessDenied { action, detail } | Error::Aws { action, detail, .. } => {
                    Error::Aws {
                        code: Code::OrganizationUnreadable,
                        action,
                        detail,
                        help: "run from the organization's management account (or a delegated administrator), or name the accounts with `--accounts`".into(),
                    }
                }
                other => other,
            }
        })?;
        for account in page.accounts() {
            let Some(id) = account.id() else { continue };
            let unavailable = match account.status().map(|s| s.as_str()) {
                None | Some("ACTIVE") => None,
                Some(status) => Some(format!("the account's status is {status}")),
            };
            accounts.push(ListedAccount {
                id: id.to_string(),
                unavailable,
            });
        }
    }
    Ok(accounts)
}

/// `AssumeRole` into `arn:{partition}:iam::{account}:role/{role}`.
async fn assume(sts: &aws_sdk_sts::Client, partition: &str, account: &str, role: &str) -> Access {
    let arn = Scope::new(partition, "", account).role(role).to_string();
    let answer = sts
        .assume_role()
        .role_arn(&arn)
        .role_session_name("secretslab-audit")
        .duration_seconds(SESSION_SECONDS)
        .send()
        .await;
    match answer {
        Ok(out) => match out.credentials() {
            Some(c) => {
                let expiry = SystemTime::try_from(*c.expiration()).ok();
                Access::Assumed(Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    expiry,
                    "secretslab-audit-assume-role",
                ))
            }
            None => Access::Unavailable(format!("AssumeRole on {arn} returned no credentials")),
        },
        Err(e) => Access::Unavailable(format!("could not assume {arn}: {}", describe(&e))),
    }
}

/// Retries for the scan's own clients: more attempts than the default, and a retry quota of
/// their own per account and region, so heavy throttling in one scope cannot use up the
/// retries of another (the scanner paces itself, so the quota is not what protects AWS).
fn scan_retry(scope: &str) -> (RetryConfig, RetryPartition) {
    let config = RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(100))
        .with_max_backoff(Duration::from_secs(5));
    let partition = RetryPartition::custom(format!("secretslab-audit-{scope}"))
        .token_bucket(TokenBucket::unlimited())
        .build();
    (config, partition)
}

/// A Lambda client acting in `account` and `region`, derived from the session's one SDK
/// configuration (endpoint, timeouts, user agent) with the account's credentials.
pub fn lambda_client(
    base: &aws_types::SdkConfig,
    account: &Account,
    region: &str,
    calls: &CallLog,
) -> aws_sdk_lambda::Client {
    let (retry, partition) = scan_retry(&format!("{}-{region}", account.id));
    let mut builder = aws_sdk_lambda::config::Builder::from(base)
        .region(Region::new(region.to_string()))
        .retry_config(retry)
        .retry_partition(partition)
        .interceptor(calls.clone());
    if let Access::Assumed(credentials) = &account.access {
        builder = builder.credentials_provider(credentials.clone());
    }
    aws_sdk_lambda::Client::from_conf(builder.build())
}

/// The Parameter Store client that reads the public parameter naming the region's latest
/// extension layer, with the scan's credentials.
pub fn ssm_client(
    base: &aws_types::SdkConfig,
    account: &Account,
    region: &str,
    calls: &CallLog,
) -> aws_sdk_ssm::Client {
    let mut builder = aws_sdk_ssm::config::Builder::from(base)
        .region(Region::new(region.to_string()))
        .interceptor(calls.clone());
    if let Access::Assumed(credentials) = &account.access {
        builder = builder.credentials_provider(credentials.clone());
    }
    aws_sdk_ssm::Client::from_conf(builder.build())
}

/// The clients that read who owns the functions in `account` and `region` (CloudFormation
/// and the tagging API), from the same SDK configuration and credentials as the scan's.
pub fn owner_clients(
    base: &aws_types::SdkConfig,
    account: &Account,
    region: &str,
    calls: &CallLog,
) -> (
    aws_sdk_cloudformation::Client,
    aws_sdk_resourcegroupstagging::Client,
) {
    let credentials = match &account.access {
        Access::Assumed(credentials) => Some(credentials.clone()),
        _ => None,
    };
    let region = Region::new(region.to_string());
    let mut cloudformation = aws_sdk_cloudformation::config::Builder::from(base)
        .region(region.clone())
        .interceptor(calls.clone());
    let mut tagging = aws_sdk_resourcegroupstagging::config::Builder::from(base)
        .region(region)
        .interceptor(calls.clone());
    if let Some(credentials) = credentials {
        cloudformation = cloudformation.credentials_provider(credentials.clone());
        tagging = tagging.credentials_provider(credentials);
    }
    (
        aws_sdk_cloudformation::Client::from_conf(cloudformation.build()),
        aws_sdk_resourcegroupstagging::Client::from_conf(tagging.build()),
    )
}

/// The error text of an SDK error for people: code and message, never a debug dump.
pub fn plain_error<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let text = describe(err);
    if text.is_empty() {
        DisplayErrorContext(err).to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_validated_and_deduplicated() {
        let ids =
            parse_accounts(&["111111111111,222222222222".into(), "111111111111".into()]).unwrap();
        assert_eq!(ids, vec!["111111111111", "222222222222"]);
        let err = parse_accounts(&["12345".into()]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.help_text().unwrap().contains("--accounts"));
    }

    #[test]
    fn region_names_are_validated() {
        assert_eq!(
            parse_regions(&["us-east-1, eu-west-1".into(), "us-gov-west-1".into()]).unwrap(),
            vec!["us-east-1", "eu-west-1", "us-gov-west-1"]
        );
        for bad in ["useast1", "US-EAST-1", "us-east-", "us--1", "us-east-0x"] {
            assert!(parse_regions(&[bad.into()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_regions_are_refused_with_the_nearest_known_one() {
        let err = check_known_regions(&["eu-west-1".into(), "us-est-1".into()], false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("us-est-1"), "{err}");
        let help = err.help_text().unwrap();
        assert!(help.contains("`us-east-1`"), "{help}");
        assert!(help.contains("--allow-unknown-regions"), "{help}");
        assert!(check_known_regions(&["us-est-1".into()], true).is_ok());
        assert!(check_known_regions(&["eu-west-1".into(), "cn-north-1".into()], false).is_ok());
        assert_eq!(edit_distance("us-est-1", "us-east-1"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn all_regions_follow_the_partition() {
        let commercial = regions(&RegionSelection::All, "us-east-1", "aws");
        assert!(commercial.contains(&"eu-west-1".to_string()));
        assert!(commercial.len() > 25);
        assert!(!commercial
            .iter()
            .any(|r| r.starts_with("cn-") || r.starts_with("us-gov-")));
        assert_eq!(
            regions(&RegionSelection::All, "cn-north-1", "aws-cn"),
            vec!["cn-north-1", "cn-northwest-1"]
        );
        assert_eq!(
            regions(&RegionSelection::Current, "eu-west-2", "aws"),
            vec!["eu-west-2"]
        );
    }
}
