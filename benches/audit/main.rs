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

#[path = "../support/mod.rs"]
mod support;

mod estate;
mod prowler;
mod report;
mod runs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use chaos_proxy::{Fault, Latency, Proxy, ProxyConfig};

use runs::run;

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

/// A number from the environment, or `default`.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let per_scope = env_number(
        "SECRETSLAB_BENCH_AUDIT_FUNCTIONS",
        DEFAULT_FUNCTIONS_PER_SCOPE,
    );
    let members = env_number("SECRETSLAB_BENCH_AUDIT_MEMBERS", 1);
    let home = tempfile::tempdir().unwrap();
    let cache: PathBuf = std::env::var_os("SECRETSLAB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/secretslab-test-cache"));
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_secretslab"));
    let (_, local, _) = run(&binary, home.path(), &cache, None, &["local", "start"]);
    let emulator = local["endpoint"].as_str().unwrap().to_string();

    // The estate: the management account and its members, two regions each.
    let estate = estate::create(&emulator, members, per_scope).await;
    let proxy = Proxy::start(profile(&emulator)).await.expect("proxy");
    let scan = runs::Scan {
        binary: &binary,
        home: home.path(),
        cache: &cache,
        via: proxy.endpoint(),
        proxy: &proxy,
        proxy_started: Instant::now(),
    };
    // 1. secretslab audit through the profile: the median of AUDIT_RUNS.
    let median = runs::median_audit(&scan, &estate, per_scope);

    // 2. Prowler's way, against the same estate behind the same profile.
    proxy.clear_calls();
    let prowler = prowler::prowler_way(&scan.via, &estate.accounts).await;
    let prowler_over = proxy
        .calls()
        .iter()
        .filter(|c| c.fault == Some(Fault::RateExceeded))
        .count();
    // 3. The real prowler CLI, when it can be installed. It takes minutes per account;
    // `SECRETSLAB_BENCH_AUDIT_PROWLER_CLI=0` leaves it out.
    let with_cli = std::env::var("SECRETSLAB_BENCH_AUDIT_PROWLER_CLI").as_deref() != Ok("0");
    let prowler_real = with_cli
        .then(|| prowler::prowler_cli(root, &scan.via, &estate.accounts, home.path()))
        .flatten();
    proxy.shutdown().await;
    let _ = Command::new(&binary)
        .env("SECRETSLAB_HOME", home.path())
        .args(["local", "stop"])
        .output();

    report::write(
        root,
        &report::Figures {
            estate: &estate,
            members,
            per_scope,
            median: &median,
            prowler: &prowler,
            prowler_over,
            prowler_real,
            with_cli,
        },
    );
}
