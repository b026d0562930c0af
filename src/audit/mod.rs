//! `secretslab audit`: find plaintext secrets in live Lambda functions' environment variables
//! (`$LATEST` and every published version) across accounts and regions.
//! `crate::classify` decides what one variable holds; `fingerprint` names a value without revealing it;
//! `scope` and `scan` read the functions; `report` (with its `summary`), `text`, `sarif`, `html`, `csv` and `baseline` present them;
//! `ignore` applies `.secretslab.toml`'s ignore rules; `explain` shows how one variable was decided;
//! `code` scans deployment packages and layers for hard-coded secrets.

pub mod baseline;
pub mod code;
pub mod csv;
pub mod explain;
pub mod files;
pub mod fingerprint;
pub mod html;
pub mod hygiene;
pub mod ignore;
pub mod key;
pub mod report;
pub mod sarif;
pub mod scan;
pub mod scope;
pub mod summary;
pub mod text;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::identity::resolve_identity;
use crate::aws::lambda::config::qualified;
use crate::aws::layer::{resolve_layer, ResolvedLayer};
use crate::aws::owner;
use crate::aws::AwsContext;
use crate::domain::kinds::Arch;
use crate::error::Result;
use crate::ui::progress::Progress;
use fingerprint::FingerprintKey;
use report::{AuditReport, Coverage};
use scan::{Pace, ScopeScan};
use scope::{Access, Account, AccountEntry, AccountSelection, ListedAccount, RegionSelection};

/// Requests in flight across all accounts and regions at once.
const GLOBAL_IN_FLIGHT: usize = 64;

/// What to audit.
#[derive(Debug, Clone)]
pub struct AuditPlan {
    pub accounts: AccountSelection,
    pub regions: RegionSelection,
    pub assume_role: Option<String>,
    pub function: Option<String>,
    pub show_all: bool,
    /// Control-plane requests per second per account and region.
    pub rate: u32,
}

/// Resolve the scope, scan every account and region concurrently, classify.
pub async fn run(
    base: &aws_types::SdkConfig,
    aws: &AwsContext,
    plan: &AuditPlan,
    key: &FingerprintKey,
    progress: &Progress,
) -> Result<AuditReport> {
    let started = Instant::now();
    let (scans, coverage) = scan(base, aws, plan, progress).await?;
    progress.step("classifying");
    let mut report = report::build(&scans, &coverage, key, plan.show_all);
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Scan the plan's scope (one function) and explain how `variable` was classified in each
/// version that has it (`--explain`).
pub async fn explain_variable(
    base: &aws_types::SdkConfig,
    aws: &AwsContext,
    plan: &AuditPlan,
    progress: &Progress,
    variable: &str,
    context: &explain::Context<'_>,
) -> Result<explain::Explanations> {
    let (scans, _) = scan(base, aws, plan, progress).await?;
    let function = plan.function.as_deref().unwrap_or_default();
    explain::explain(&scans, function, variable, context)
}

/// Resolve the scope and scan every account and region concurrently.
async fn scan(
    base: &aws_types::SdkConfig,
    aws: &AwsContext,
    plan: &AuditPlan,
    progress: &Progress,
) -> Result<(Vec<ScopeScan>, Coverage)> {
    progress.step("reading the caller identity");
    let caller = resolve_identity(&aws.sts).await?;
    let organizations = aws_sdk_organizations::Client::from_conf(
        aws_sdk_organizations::config::Builder::from(base)
            .interceptor(aws.calls.clone())
            .build(),
    );
    if plan.accounts == AccountSelection::Organization {
        progress.step("listing the organization's accounts");
    }
    let listed = scope::listed_accounts(
        &plan.accounts,
        plan.assume_role.as_deref(),
        &caller,
        &organizations,
    )
    .await?;
    let regions = scope::regions(&plan.regions, &aws.region, &caller.partition);
    progress.step(format!(
        "scanning {} account(s) × {} region(s)",
        listed.len(),
        regions.len()
    ));
    let entry = AccountEntry::new(&aws.sts, &caller, plan.assume_role.as_deref());
    let scans = scan_all(base, aws, plan, &entry, &listed, &regions).await;
    let coverage = Coverage {
        accounts: listed.len(),
        regions: regions.len(),
    };
    Ok((scans, coverage))
}

/// Scan every account × region at once (under the global cap), sorted by account and region.
/// Each account's scans start as soon as that account is entered, so the `AssumeRole` calls
/// overlap the scans already running. A scope that cannot be entered, or whose task failed,
/// is kept with its reason.
async fn scan_all(
    base: &aws_types::SdkConfig,
    aws: &AwsContext,
    plan: &AuditPlan,
    entry: &AccountEntry,
    listed: &[ListedAccount],
    regions: &[String],
) -> Vec<ScopeScan> {
    let in_flight = Arc::new(Semaphore::new(GLOBAL_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    let mut spawned = HashMap::new();
    for account in listed {
        let scopes = AccountScopes {
            base: base.clone(),
            calls: aws.calls.clone(),
            regions: regions.to_vec(),
            rate: plan.rate,
            only: plan.function.clone(),
            in_flight: in_flight.clone(),
        };
        let (entry, listed) = (entry.clone(), account.clone());
        let handle = tasks.spawn(async move { scopes.scan(entry.enter(listed).await).await });
        spawned.insert(handle.id(), account.id.clone());
    }
    let mut scans = Vec::new();
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((_, account_scans)) => scans.extend(account_scans),
            // A failed scan task is a bug; its scopes must still not vanish from the report.
            Err(e) => {
                if let Some(account) = spawned.remove(&e.id()) {
                    let reason = format!("the scan stopped unexpectedly: {e}");
                    scans.extend(regions.iter().map(|r| unread(&account, r, reason.clone())));
                }
            }
        }
    }
    scans.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    scans
}

/// What scanning one account's regions needs, owned so the account's task can carry it.
struct AccountScopes {
    base: aws_types::SdkConfig,
    calls: crate::aws::CallLog,
    regions: Vec<String>,
    rate: u32,
    only: Option<String>,
    in_flight: Arc<Semaphore>,
}

impl AccountScopes {
    /// Every region of one entered account, at once; each with its own pace (Lambda's limit
    /// is per account and region) and the owners read beside the functions.
    async fn scan(self, account: Account) -> Vec<ScopeScan> {
        if let Access::Unavailable(reason) = &account.access {
            let id = &account.id;
            return self
                .regions
                .iter()
                .map(|r| unread(id, r, reason.clone()))
                .collect();
        }
        let scopes = self.regions.iter().map(|region| {
            let lambda = scope::lambda_client(&self.base, &account, region, &self.calls);
            let (cloudformation, tagging) =
                scope::owner_clients(&self.base, &account, region, &self.calls);
            let ssm = scope::ssm_client(&self.base, &account, region, &self.calls);
            let pace = Pace::new(self.rate, self.in_flight.clone());
            let scan = scan::scan_scope(
                lambda,
                account.id.clone(),
                region.clone(),
                self.only.clone(),
                pace,
            );
            async move {
                let (mut scan, owners) = tokio::join!(scan, async {
                    owner::read_index(&cloudformation, &tagging).await
                });
                scan.owners = owners;
                let (found, unresolved) = hygiene_of(&ssm, &scan).await;
                scan.hygiene = found;
                scan.errors.extend(unresolved);
                scan
            }
        });
        futures_util::future::join_all(scopes).await
    }
}

/// The hygiene checks of every `$LATEST` of one scope. The region's latest extension layer is
/// resolved once per architecture, and only for architectures whose functions carry the layer;
/// one that cannot be resolved is said (the scope's layer check is incomplete), never skipped.
async fn hygiene_of(
    ssm: &aws_sdk_ssm::Client,
    scan: &ScopeScan,
) -> (Vec<hygiene::HygieneFinding>, Vec<String>) {
    let mut latest: HashMap<Arch, Option<ResolvedLayer>> = HashMap::new();
    let (mut found, mut unresolved) = (Vec::new(), Vec::new());
    for config in &scan.latest {
        let arch = config.architecture;
        if !latest.contains_key(&arch) && config.layers.iter().any(|l| l.is_extension()) {
            let resolved = resolve_layer(ssm, &scan.region, arch, None).await;
            if let Err(e) = &resolved {
                unresolved.push(format!(
                    "the latest extension layer for {arch:?} could not be resolved, so no layer lag is checked: {e}"
                ));
            }
            latest.insert(arch, resolved.ok());
        }
        let newest = latest.get(&arch).and_then(Option::as_ref);
        found.extend(hygiene::check(config, newest).into_iter().map(|issue| {
            hygiene::HygieneFinding {
                account: scan.account.clone(),
                region: scan.region.clone(),
                function: config.name.clone(),
                function_arn: qualified(&config.arn, "$LATEST"),
                issue,
            }
        }));
    }
    (found, unresolved)
}

/// A scope that could not be read at all, with the reason.
fn unread(account: &str, region: &str, reason: String) -> ScopeScan {
    ScopeScan {
        account: account.to_string(),
        region: region.to_string(),
        errors: vec![reason],
        ..ScopeScan::default()
    }
}
