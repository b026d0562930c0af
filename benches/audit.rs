//! `secretslab audit` at scale, on this machine: at least 2,000 functions, each with a published
//! version and an alias, over 2 accounts × 2 regions of the embedded emulator, scanned through
//! the chaos proxy with AWS-like latency and Lambda's control-plane limit (15 requests/s per
//! account and region; calls over it are throttled as Lambda throttles them). Reported against
//!
//! - the floor that limit sets: the Lambda calls a complete scan needs in one account-region,
//!   divided by 15 per second (account-regions run in parallel);
//! - Prowler's way of scanning, re-created faithfully (see `prowler_way`): one account after
//!   another, 10 threads per service, `$LATEST` only, three tries per call.
//!
//! Rewrites only its section of `docs/benchmarks.md`: `audit` for the default estate,
//! `audit-N` for an estate of N account-regions.
//!
//!     cargo bench --bench audit
//!     SECRETSLAB_BENCH_AUDIT_FUNCTIONS=100 cargo bench --bench audit   # per account-region
//!     SECRETSLAB_BENCH_AUDIT_MEMBERS=7 SECRETSLAB_BENCH_AUDIT_FUNCTIONS=125 cargo bench --bench audit
//!
//! `SECRETSLAB_BENCH_AUDIT_PROWLER_CLI=0` leaves out the real `prowler` CLI (minutes per account).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use aws_sdk_sts::config::Credentials;
use chaos_proxy::{CallRecord, Fault, Latency, Proxy, ProxyConfig};
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

const MANAGEMENT: &str = "000000000000";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const DEFAULT_FUNCTIONS_PER_SCOPE: usize = 500;
/// Lambda's control-plane limit per account and region (aws-facts §8).
const RATE: f64 = 15.0;
const PAGE: usize = 50;
/// `audit` runs per benchmark; the median is reported.
const AUDIT_RUNS: usize = 3;
/// Prowler's thread pool per service.
const PROWLER_THREADS: usize = 10;
/// The Prowler release checked by hand against the emulator (aws-facts §8).
const PROWLER_VERSION: &str = "5.46.0";

/// The latencies of the lab benchmark's realistic profile for the services an audit calls.
fn profile(upstream: &str) -> ProxyConfig {
    let latency = |base_ms, jitter_ms| Latency { base_ms, jitter_ms };
    let mut latencies = BTreeMap::new();
    latencies.insert("STS.*".to_string(), latency(60, 20));
    latencies.insert("Lambda.*".to_string(), latency(80, 30));
    ProxyConfig {
        upstream: upstream.to_string(),
        default_latency: latency(80, 20),
        latency: latencies,
        lambda_control_plane_rate: RATE,
        seed: 3,
        max_lifetime_ms: 60 * 60 * 1000,
        ..ProxyConfig::default()
    }
}

async fn config(endpoint: &str, account: &str, region: &str, attempts: u32) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(account, "test", None, None, "bench"))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .load()
        .await
}

fn package() -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    zip.start_file::<_, ()>(
        "lambda_function.py",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"def lambda_handler(event, context):\n    return {}\n")
        .unwrap();
    zip.finish().unwrap();
    buffer.into_inner()
}

fn fake_token() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 40)
}

/// Create `count` functions in one account-region, each with version 1 (where every tenth
/// function keeps a token) and an alias `live` on it; returns the functions with a secret.
async fn populate(endpoint: &str, account: &str, region: &str, count: usize) -> usize {
    let lambda = aws_sdk_lambda::Client::new(&config(endpoint, account, region, 8).await);
    let code = Blob::new(package());
    let gate = Arc::new(Semaphore::new(12));
    let mut tasks = JoinSet::new();
    for i in 0..count {
        let (lambda, code, gate) = (lambda.clone(), code.clone(), gate.clone());
        let role = format!("arn:aws:iam::{account}:role/app-function");
        tasks.spawn(async move {
            let _slot = gate.acquire_owned().await.unwrap();
            let name = format!("fn-{i:04}");
            let planted = i % 10 == 0;
            let mut env = Environment::builder()
                .variables("LOG_LEVEL", "info")
                .variables("TABLE_NAME", format!("table-{i}"));
            if planted {
                env = env.variables("API_TOKEN", fake_token());
            }
            lambda
                .create_function()
                .function_name(&name)
                .runtime(Runtime::Python313)
                .role(role)
                .handler("lambda_function.lambda_handler")
                .code(FunctionCode::builder().zip_file(code).build())
                .environment(env.build())
                .send()
                .await
                .unwrap();
            let version = lambda
                .publish_version()
                .function_name(&name)
                .send()
                .await
                .unwrap();
            lambda
                .create_alias()
                .function_name(&name)
                .name("live")
                .function_version(version.version().unwrap())
                .send()
                .await
                .unwrap();
            planted
        });
    }
    let mut planted = 0;
    while let Some(done) = tasks.join_next().await {
        planted += usize::from(done.unwrap());
    }
    planted
}

/// What Prowler's `awslambda_function_no_secrets_in_variables` costs, done the way Prowler
/// does it: accounts one after another (one `prowler aws` run each); within an account, the
/// Lambda service lists functions per region (`ListFunctions`, `$LATEST` only, environment
/// included), then runs each per-function call over all functions in a pool of 10 threads:
/// `ListTags`, `GetPolicy`, `GetFunctionUrlConfig`. botocore's standard retry mode, 3 attempts;
/// a call that still fails is logged and its result left out, as Prowler does.
struct ProwlerWay {
    elapsed: Duration,
    functions: usize,
    failed_calls: usize,
}

async fn prowler_way(via: &str, accounts: &[String]) -> ProwlerWay {
    let started = Instant::now();
    let failed = Arc::new(AtomicUsize::new(0));
    let mut functions_seen = 0;
    for account in accounts {
        let mut functions: Vec<(aws_sdk_lambda::Client, String)> = Vec::new();
        let mut listers = JoinSet::new();
        for region in REGIONS {
            let lambda = aws_sdk_lambda::Client::new(&config(via, account, region, 3).await);
            let failed = failed.clone();
            listers.spawn(async move {
                let mut names = Vec::new();
                let mut pages = lambda.list_functions().into_paginator().send();
                while let Some(page) = pages.next().await {
                    match page {
                        Ok(page) => names.extend(
                            page.functions()
                                .iter()
                                .filter_map(|f| f.function_arn().map(str::to_string)),
                        ),
                        Err(_) => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                    }
                }
                (lambda, names)
            });
        }
        while let Some(listed) = listers.join_next().await {
            let (lambda, names) = listed.unwrap();
            functions.extend(names.into_iter().map(|n| (lambda.clone(), n)));
        }
        functions_seen += functions.len();
        for call in ["ListTags", "GetPolicy", "GetFunctionUrlConfig"] {
            let pool = Arc::new(Semaphore::new(PROWLER_THREADS));
            let mut tasks = JoinSet::new();
            for (lambda, arn) in functions.clone() {
                let (pool, failed) = (pool.clone(), failed.clone());
                tasks.spawn(async move {
                    let _thread = pool.acquire_owned().await.unwrap();
                    let ok = match call {
                        "ListTags" => lambda.list_tags().resource(&arn).send().await.is_ok(),
                        "GetPolicy" => {
                            // No policy is an answer (ResourceNotFound), not a failure.
                            match lambda.get_policy().function_name(&arn).send().await {
                                Ok(_) => true,
                                Err(e) => e
                                    .as_service_error()
                                    .is_some_and(|s| s.is_resource_not_found_exception()),
                            }
                        }
                        _ => match lambda
                            .get_function_url_config()
                            .function_name(&arn)
                            .send()
                            .await
                        {
                            Ok(_) => true,
                            Err(e) => e
                                .as_service_error()
                                .is_some_and(|s| s.is_resource_not_found_exception()),
                        },
                    };
                    if !ok {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            while tasks.join_next().await.is_some() {}
        }
    }
    ProwlerWay {
        elapsed: started.elapsed(),
        functions: functions_seen,
        failed_calls: failed.load(Ordering::Relaxed),
    }
}

/// The real `prowler` CLI (pinned, installed into `target/prowler-venv` on first use): one
/// `prowler aws` run per account, one after another, through the proxy. `None` when it cannot
/// be installed or fails. Returns the time and how many functions its output reports.
fn prowler_cli(
    root: &Path,
    via: &str,
    accounts: &[String],
    work: &Path,
) -> Option<(Duration, usize)> {
    let venv = root.join("target/prowler-venv");
    let prowler = venv.join("bin/prowler");
    if !prowler.exists() {
        eprintln!(
            "installing prowler {PROWLER_VERSION} into {} (first run only)",
            venv.display()
        );
        let ok = support::python_venv(&venv, &[&format!("prowler=={PROWLER_VERSION}")]);
        if !ok {
            eprintln!("could not install prowler; only the re-creation is measured");
            return None;
        }
    }
    let started = Instant::now();
    let mut reported = 0;
    for account in accounts {
        let out_dir = work.join(format!("prowler-{account}"));
        let status = Command::new(&prowler)
            .args([
                "aws",
                "--checks",
                "awslambda_function_no_secrets_in_variables",
                "--output-formats",
                "json-ocsf",
                "--no-banner",
                "--region",
            ])
            .args(REGIONS)
            .arg("--output-directory")
            .arg(&out_dir)
            .env("AWS_ENDPOINT_URL", via)
            .env("AWS_ACCESS_KEY_ID", account)
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", REGIONS[0])
            .env_remove("AWS_PROFILE")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        // Prowler exits 3 when a check fails (it found something); both are a complete run.
        if !matches!(status.code(), Some(0 | 3)) {
            eprintln!("prowler exited with {status} for account {account}");
            return None;
        }
        for entry in std::fs::read_dir(&out_dir).ok()?.flatten() {
            if entry.path().to_string_lossy().ends_with(".ocsf.json") {
                let doc: Value = serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok()?;
                reported += doc.as_array().map_or(0, Vec::len);
            }
        }
    }
    Some((started.elapsed(), reported))
}

fn run(
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
struct AuditRun {
    took: Duration,
    doc: Value,
    code: i32,
    lambda_ok: usize,
    over_rate: usize,
    /// Launch → first call; → first Lambda call; → last Lambda answer; → exit (ms).
    phases_ms: [f64; 4],
}

impl AuditRun {
    fn phases(&self) -> String {
        let [start, scope, scan, end] = self.phases_ms;
        format!(
            "launch to first call {start:.0} ms, identity and accounts until the first Lambda call {scope:.0} ms, the Lambda calls {scan:.0} ms, after the last answer {end:.0} ms"
        )
    }
}

fn audit_run(
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

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let per_scope: usize = std::env::var("SECRETSLAB_BENCH_AUDIT_FUNCTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_FUNCTIONS_PER_SCOPE);
    let home = tempfile::tempdir().unwrap();
    let cache: PathBuf = std::env::var_os("SECRETSLAB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/secretslab-test-cache"));
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_secretslab"));
    let (_, local, _) = run(&binary, home.path(), &cache, None, &["local", "start"]);
    let emulator = local["endpoint"].as_str().unwrap().to_string();
    let stop = || {
        let _ = Command::new(&binary)
            .env("SECRETSLAB_HOME", home.path())
            .args(["local", "stop"])
            .output();
    };

    // The estate: the management account and one member, two regions each.
    let management = config(&emulator, MANAGEMENT, "us-east-1", 8).await;
    let members: usize = std::env::var("SECRETSLAB_BENCH_AUDIT_MEMBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let organizations = aws_sdk_organizations::Client::new(&management);
    let mut accounts = vec![MANAGEMENT.to_string()];
    for n in 1..=members {
        let created = organizations
            .create_account()
            .email(format!("bench-{n}@example.com"))
            .account_name(format!("bench-member-{n}"))
            .send()
            .await
            .unwrap();
        let status = created.create_account_status().unwrap();
        accounts.push(status.account_id().unwrap().to_string());
    }
    let populating = Instant::now();
    let mut planted = 0;
    for account in &accounts {
        for region in REGIONS {
            planted += populate(&emulator, account, region, per_scope).await;
        }
    }
    let populate_took = populating.elapsed();
    let scopes = accounts.len() * REGIONS.len();
    let total = scopes * per_scope;
    eprintln!(
        "populated {total} functions in {:.0} s",
        populate_took.as_secs_f64()
    );

    let proxy = Proxy::start(profile(&emulator)).await.expect("proxy");
    let proxy_started = Instant::now();
    let via = proxy.endpoint();
    let regions = REGIONS.join(",");

    // 1. secretslab audit through the profile: the median of AUDIT_RUNS.
    let needed_per_scope = per_scope.div_ceil(PAGE) + 2 * per_scope;
    let mut runs: Vec<AuditRun> = (0..AUDIT_RUNS)
        .map(|_| {
            proxy.clear_calls();
            let run = audit_run(
                &binary,
                home.path(),
                &cache,
                &via,
                &regions,
                proxy_started,
                &proxy,
            );
            assert_eq!(run.code, 4, "{}", run.doc);
            assert_eq!(run.doc["incomplete"], serde_json::json!([]), "{}", run.doc);
            assert_eq!(
                run.doc["scanned"]["functions"], total,
                "{}",
                run.doc["scanned"]
            );
            // Each planted token sits in $LATEST and version 1.
            assert_eq!(run.doc["findings"].as_array().unwrap().len(), 2 * planted);
            // The floor: per account-region, ListFunctions pages + ListVersionsByFunction and
            // ListAliases per function (one page each here), at 15/s; account-regions in parallel.
            assert_eq!(
                run.lambda_ok,
                needed_per_scope * scopes,
                "the scan made other calls than the floor counts"
            );
            eprintln!("audit: {:.1} s ({})", run.took.as_secs_f64(), run.phases());
            run
        })
        .collect();
    runs.sort_by_key(|run| run.took);
    let median = runs.swap_remove(AUDIT_RUNS / 2);
    let (took, doc, lambda_ok, over_rate) =
        (median.took, &median.doc, median.lambda_ok, median.over_rate);
    let floor = Duration::from_secs_f64(needed_per_scope as f64 / RATE);

    // 2. Prowler's way, against the same estate behind the same profile.
    proxy.clear_calls();
    let prowler = prowler_way(&via, &accounts).await;
    let prowler_calls = proxy.calls();
    let prowler_over = prowler_calls
        .iter()
        .filter(|c| c.fault == Some(Fault::RateExceeded))
        .count();
    // 3. The real prowler CLI, when it can be installed.
    // The real CLI takes minutes per account; `SECRETSLAB_BENCH_AUDIT_PROWLER_CLI=0` leaves it out.
    let with_cli = std::env::var("SECRETSLAB_BENCH_AUDIT_PROWLER_CLI").as_deref() != Ok("0");
    let prowler_real = with_cli
        .then(|| prowler_cli(root, &via, &accounts, home.path()))
        .flatten();
    proxy.shutdown().await;
    stop();

    let ours = took.as_secs_f64();
    let mut body = String::new();
    let _ = writeln!(
        body,
        "## `secretslab audit` at scale: {} accounts × {} regions\n",
        accounts.len(),
        REGIONS.len()
    );
    let _ = writeln!(
        body,
        "Generated by {} (rewrites only this section). Machine: {}.\n",
        if cfg!(debug_assertions) {
            "`cargo test --bench audit`, a debug build of the benchmark (`cargo bench --bench audit` runs it optimised)"
        } else {
            "`cargo bench --bench audit`"
        },
        support::machine()
    );
    let _ = writeln!(
        body,
        "Estate: {total} functions on the embedded emulator, {per_scope} in each of {scopes} account-regions (the management account and {members} member account(s) of an organization × us-east-1, eu-west-1); each function has a published version 1 and an alias `live`, every tenth a fake token (in `$LATEST` and version 1). Populating it took {:.0} s. Profile: the chaos proxy adds 80 ± 30 ms per Lambda call and 60 ± 20 ms per STS call (the lab benchmark's realistic profile) and enforces Lambda's control-plane limit of 15 requests/s per account and region (a token bucket per access key and region; calls over it get Lambda's `TooManyRequestsException`).\n",
        populate_took.as_secs_f64()
    );
    let _ = writeln!(
        body,
        "| measurement | result | ratio (same run) |\n|---|---|---|"
    );
    let _ = writeln!(
        body,
        "| `audit --organization --assume-role … --regions us-east-1,eu-west-1` (median of {AUDIT_RUNS}) | {ours:.1} s; {} functions, {} versions, {} findings, 0 incomplete; {lambda_ok} Lambda calls, {over_rate} throttled by the limit | {:.2}× the floor |",
        doc["scanned"]["functions"], doc["scanned"]["versions"], doc["findings"].as_array().unwrap().len(), ours / floor.as_secs_f64()
    );
    let _ = writeln!(
        body,
        "| floor set by the limit | {:.1} s: {needed_per_scope} calls per account-region ({} `ListFunctions` pages + `ListVersionsByFunction` and `ListAliases` per function) ÷ 15/s, account-regions in parallel | — |",
        floor.as_secs_f64(),
        per_scope.div_ceil(PAGE)
    );
    let _ = writeln!(
        body,
        "| Prowler's way, re-created (`$LATEST` only) | {:.1} s; {} of {total} functions listed, {} calls failed after 3 tries, {prowler_over} throttled by the limit | ours is {:.1}× faster |",
        prowler.elapsed.as_secs_f64(),
        prowler.functions,
        prowler.failed_calls,
        prowler.elapsed.as_secs_f64() / ours
    );
    match prowler_real {
        Some((took, reported)) => {
            let _ = writeln!(
                body,
                "| `prowler aws --checks awslambda_function_no_secrets_in_variables` {PROWLER_VERSION}, one run per account (`$LATEST` only) | {:.1} s, start-up included; {reported} of {total} functions in its output | ours is {:.1}× faster |",
                took.as_secs_f64(),
                took.as_secs_f64() / ours
            );
        }
        None => {
            let _ = writeln!(
                body,
                "| `prowler` CLI | not measured: {} | — |",
                if with_cli {
                    "it could not be installed or did not finish"
                } else {
                    "left out of this run (`SECRETSLAB_BENCH_AUDIT_PROWLER_CLI=0`)"
                }
            );
        }
    }
    let _ = writeln!(
        body,
        "\nWhere the median run's time went: {}.",
        median.phases()
    );
    let _ = writeln!(body, "\nProwler's way is re-created in `benches/audit.rs` (`prowler_way`): one account after another, as one `prowler aws` run per account; per account, `ListFunctions` per region, then `ListTags`, `GetPolicy` and `GetFunctionUrlConfig` for every function, each over a pool of 10 threads; botocore's standard retry (3 tries), a call that still fails is left out. It leaves out Prowler's own start-up (the row of the real CLI includes it) and scans `$LATEST` only, where `audit` also reads every published version and alias.\n");
    let _ = writeln!(body, "Targets:\n");
    let _ = writeln!(
        body,
        "- within 1.05× the floor: {} ({:.2}×)",
        if ours <= 1.05 * floor.as_secs_f64() {
            "met"
        } else {
            "**missed**"
        },
        ours / floor.as_secs_f64()
    );
    let speedup = prowler.elapsed.as_secs_f64() / ours;
    if let Some((took, _)) = prowler_real {
        let real = took.as_secs_f64() / ours;
        let _ = writeln!(
            body,
            "- at least 10× faster than the `prowler` CLI at {scopes} account-regions: {} ({real:.1}×)",
            if real >= 10.0 { "met" } else { "**missed**" }
        );
    }
    let _ = writeln!(
        body,
        "- at least 10× faster than Prowler's way (re-created) at {scopes} account-regions: {} ({speedup:.1}×){}",
        if speedup >= 10.0 { "met" } else { "**missed**" },
        if speedup >= 10.0 {
            ""
        } else {
            "; both are bound by the same 15 requests/s per account-region, so the gap comes from scanning accounts in parallel (it grows with the number of accounts) and from not retrying throttled calls into failure"
        }
    );
    let section = if members == 1 {
        "audit".to_string()
    } else {
        format!("audit-{scopes}")
    };
    support::write_section(&root.join("docs/benchmarks.md"), &section, &body);
    print!("{body}");
}
