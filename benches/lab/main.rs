//! The lab's benchmarks, on this machine, each reported as a ratio against a baseline
//! measured in the same run. Regenerates the `lab` section of `docs/benchmarks.md` and
//! `docs/cache-latency.svg`.
//!
//!     cargo bench --bench lab
//!
//! `cargo bench --bench lab -- standin` runs only the stand-in's hit cost over 100,000 requests
//! (the `lab-standin` section); the full run includes it.
//!
//! `SECRETSLAB_BENCH_BASELINE=PATH` also times a cold `up` of another secretslab binary (a
//! build of an earlier commit) in the same runs, interleaved with this one, for an A/B;
//! `SECRETSLAB_BENCH_BASELINE_LABEL` names it in the report (default: its path).
//!
//! AWS-like conditions come from the chaos proxy in front of the embedded emulator:
//! per-call latencies of tens to hundreds of ms, IAM propagation 8 s, function Pending 2 s.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod bench;
mod cache;
mod profile;
mod report;
mod runs;
mod standin;

use std::path::{Path, PathBuf};

use chaos_proxy::Proxy;

use bench::Bench;

/// Cold `up`s per binary (the median is reported).
const COLD_RUNS: usize = 5;
/// Invocations per way of fetching the secret.
const CACHE_INVOCATIONS: usize = 100;

/// One row of the report: what was measured, the result, and its ratio against a baseline.
type Row = (String, String, String);

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bench = Bench::new(root);
    let (_, local) = bench.run(None, &["local", "start"]);
    let emulator = local["endpoint"].as_str().unwrap().to_string();
    let baseline_binary = std::env::var_os("SECRETSLAB_BENCH_BASELINE").map(PathBuf::from);
    let standin_only = std::env::args().any(|a| a == "standin");
    standin::section(root, &bench, baseline_binary.as_deref());
    if standin_only {
        return;
    }
    let profile = profile::realistic(&emulator);
    let proxy = Proxy::start(profile.clone()).await.expect("proxy");
    let mut rows: Vec<Row> = Vec::new();

    let cold = runs::cold_up(root, &bench, &proxy, &profile, baseline_binary.as_deref());
    rows.extend(cold.rows(baseline_binary.as_deref()));
    // The lab the next measurements share.
    let lab = "steady";
    let (steady_ms, steady_rows) = runs::no_change_up(&bench, &proxy, lab, cold.ours_ms);
    rows.extend(steady_rows);
    let fetch = cache::fetch_latencies(&bench, &emulator, &proxy.endpoint(), lab).await;
    rows.extend(fetch.rows());
    rows.push(runs::teardown(&bench, &proxy, lab, cold.ours_ms));
    rows.extend(runs::start_up_and_size(&bench));

    proxy.shutdown().await;
    report::write(
        root,
        &rows,
        &report::Summary {
            ours: cold.ours_ms,
            floor: cold.floor,
            script: cold.script_ms,
            steady: steady_ms,
            fetch: &fetch,
        },
    );
    std::fs::write(
        root.join("docs/cache-latency.svg"),
        report::cdf_svg(&fetch.extension, &fetch.direct, &fetch.far),
    )
    .unwrap();
    println!(
        "{}",
        std::fs::read_to_string(root.join("docs/benchmarks.md")).unwrap()
    );
}
