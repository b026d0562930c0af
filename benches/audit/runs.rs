//! `secretslab audit` run through the proxy: each run's time, calls and phases.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chaos_proxy::{CallRecord, Fault, Proxy};
use serde_json::Value;

use crate::estate::Estate;
use crate::{AUDIT_RUNS, PAGE, REGIONS};

pub fn run(
    binary: &Path,
    home: &Path,
    cache: &Path,
    via: Option<&str>,
    args: &[&str],
) -> (Duration, Value, i32) {
    let mut command = Command::new(binary);
    command
        .env("SECRETSLAB_HOME", home)
        .env("SECRETSLAB_CACHE", cache)
        .env("NO_COLOR", "1")
        .env_remove("SECRETSLAB_LOCAL_CALLS_VIA")
        .arg("--json")
        .args(args);
    if let Some(via) = via {
        command.env("SECRETSLAB_LOCAL_CALLS_VIA", via);
    }
    let started = Instant::now();
    let out = command.output().expect("run secretslab");
    let elapsed = started.elapsed();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (elapsed, doc, out.status.code().unwrap_or(-1))
}

/// One `audit` run through the proxy, with where its time went.
pub struct AuditRun {
    pub took: Duration,
    pub doc: Value,
    pub code: i32,
    pub lambda_ok: usize,
    pub over_rate: usize,
    /// Launch → first call; → first Lambda call; → last Lambda answer; → exit (ms).
    pub phases_ms: [f64; 4],
}

impl AuditRun {
    pub fn phases(&self) -> String {
        let [start, scope, scan, end] = self.phases_ms;
        format!(
            "launch to first call {start:.0} ms, identity and accounts until the first Lambda call {scope:.0} ms, the Lambda calls {scan:.0} ms, after the last answer {end:.0} ms"
        )
    }
}

pub fn audit_run(
    binary: &Path,
    home: &Path,
    cache: &Path,
    via: &str,
    regions: &str,
    proxy_started: Instant,
    proxy: &Proxy,
) -> AuditRun {
    let launched_ms = proxy_started.elapsed().as_secs_f64() * 1e3;
    let args = [
        "--local",
        "audit",
        "--organization",
        "--assume-role",
        "OrganizationAccountAccessRole",
        "--regions",
        regions,
    ];
    let (took, doc, code) = run(binary, home, cache, Some(via), &args);
    let calls = proxy.calls();
    let lambda: Vec<&CallRecord> = calls
        .iter()
        .filter(|c| c.service == "Lambda" && c.fault.is_none())
        .collect();
    let first_call = calls.iter().map(|c| c.started_ms).fold(f64::MAX, f64::min);
    let first_lambda = lambda.iter().map(|c| c.started_ms).fold(f64::MAX, f64::min);
    let last_answer = lambda
        .iter()
        .map(|c| c.started_ms + c.elapsed_ms)
        .fold(0.0, f64::max);
    let exited = launched_ms + took.as_secs_f64() * 1e3;
    AuditRun {
        took,
        doc,
        code,
        lambda_ok: lambda.len(),
        over_rate: calls
            .iter()
            .filter(|c| c.fault == Some(Fault::RateExceeded))
            .count(),
        phases_ms: [
            first_call - launched_ms,
            first_lambda - first_call,
            last_answer - first_lambda,
            exited - last_answer,
        ],
    }
}

/// Where the audit runs: the binary, its home, and the proxy in front of the emulator.
pub struct Scan<'a> {
    pub binary: &'a Path,
    pub home: &'a Path,
    pub cache: &'a Path,
    pub via: String,
    pub proxy: &'a Proxy,
    pub proxy_started: Instant,
}

/// Lambda calls a complete scan makes per account-region: ListFunctions pages, and
/// ListVersionsByFunction and ListAliases per function (one page each here).
pub fn needed_per_scope(per_scope: usize) -> usize {
    per_scope.div_ceil(PAGE) + 2 * per_scope
}

/// `AUDIT_RUNS` audits of the whole estate, each checked complete and exact: the median run.
pub fn median_audit(scan: &Scan, estate: &Estate, per_scope: usize) -> AuditRun {
    let regions = REGIONS.join(",");
    let total = estate.scopes() * per_scope;
    let mut runs: Vec<AuditRun> = (0..AUDIT_RUNS)
        .map(|_| {
            scan.proxy.clear_calls();
            let run = audit_run(
                scan.binary,
                scan.home,
                scan.cache,
                &scan.via,
                &regions,
                scan.proxy_started,
                scan.proxy,
            );
            assert_eq!(run.code, 4, "{}", run.doc);
            assert_eq!(run.doc["incomplete"], serde_json::json!([]), "{}", run.doc);
            assert_eq!(
                run.doc["scanned"]["functions"], total,
                "{}",
                run.doc["scanned"]
            );
            // Each planted token sits in $LATEST and version 1.
            assert_eq!(
                run.doc["findings"].as_array().unwrap().len(),
                2 * estate.planted
            );
            assert_eq!(
                run.lambda_ok,
                needed_per_scope(per_scope) * estate.scopes(),
                "the scan made other calls than the floor counts"
            );
            eprintln!("audit: {:.1} s ({})", run.took.as_secs_f64(), run.phases());
            run
        })
        .collect();
    runs.sort_by_key(|run| run.took);
    runs.swap_remove(AUDIT_RUNS / 2)
}
