//! `secretslab audit`: find plaintext secrets in live Lambda functions' environment variables
//! (`$LATEST` and every published version) across accounts and regions.
//! `crate::classify` decides what one variable holds; `fingerprint` names a value without revealing it;
//! `scope` and `scan` read the functions; `report`, `text`, `sarif`, `html`, `csv` and `baseline` present them.

pub mod baseline;
pub mod csv;
pub mod files;
pub mod fingerprint;
pub mod html;
pub mod key;
pub mod report;
pub mod sarif;
pub mod scan;
pub mod scope;
pub mod text;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::identity::resolve_identity;
use crate::aws::owner;
use crate::aws::AwsContext;
use crate::error::Result;
use crate::ui::progress::Progress;
use fingerprint::FingerprintKey;
use report::{AuditReport, Coverage};
use scan::{Pace, ScopeScan};
use scope::{Access, Account, AccountSelection, RegionSelection};

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
    let accounts = scope::accounts(
        &plan.accounts,
        plan.assume_role.as_deref(),
        &caller,
        &organizations,
        &aws.sts,
    )
    .await?;
    let regions = scope::regions(&plan.regions, &aws.region, &caller.partition);
    progress.step(format!(
        "scanning {} account(s) × {} region(s)",
        accounts.len(),
        regions.len()
    ));
    let scans = scan_all(base, aws, plan, &accounts, &regions).await;
    progress.step("classifying");
    let coverage = Coverage {
        accounts: accounts.len(),
        regions: regions.len(),
    };
    let mut report = report::build(&scans, &coverage, key, plan.show_all);
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Scan every account × region at once (under the global cap), sorted by account and region.
/// A scope that cannot be entered, or whose task failed, is kept with its reason.
async fn scan_all(
    base: &aws_types::SdkConfig,
    aws: &AwsContext,
    plan: &AuditPlan,
    accounts: &[Account],
    regions: &[String],
) -> Vec<ScopeScan> {
    let in_flight = Arc::new(Semaphore::new(GLOBAL_IN_FLIGHT));
    let mut tasks = JoinSet::new();
    let mut spawned = HashMap::new();
    let mut scans = Vec::new();
    for account in accounts {
        for region in regions {
            if let Access::Unavailable(reason) = &account.access {
                scans.push(unread(&account.id, region, reason.clone()));
                continue;
            }
            let lambda = scope::lambda_client(base, account, region, &aws.calls);
            let (cloudformation, tagging) = scope::owner_clients(base, account, region, &aws.calls);
            let pace = Pace::new(plan.rate, in_flight.clone());
            let only = plan.function.clone();
            let (id, name) = (account.id.clone(), region.clone());
            let handle = tasks.spawn(async move {
                let (mut scan, owners) = tokio::join!(
                    scan::scan_scope(lambda, id, name, only, pace),
                    owner::read_index(&cloudformation, &tagging)
                );
                scan.owners = owners;
                scan
            });
            spawned.insert(handle.id(), (account.id.clone(), region.clone()));
        }
    }
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((_, scan)) => scans.push(scan),
            // A failed scan task is a bug; its scope must still not vanish from the report.
            Err(e) => {
                if let Some((account, region)) = spawned.remove(&e.id()) {
                    let reason = format!("the scan stopped unexpectedly: {e}");
                    scans.push(unread(&account, &region, reason));
                }
            }
        }
    }
    scans.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
    scans
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
