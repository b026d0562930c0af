//! The lab's commands timed: cold `up` (against the floor, a sequential boto3 script and an
//! optional baseline binary), `up` when nothing changed, `teardown`, start-up and size.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use chaos_proxy::{Proxy, ProxyConfig};

use crate::bench::{count_writes, median, Bench};
use crate::profile::critical_path_floor_ms;
use crate::{Row, COLD_RUNS};

/// Cold `up`s, interleaved: this build, the sequential script, and the baseline if given.
pub struct ColdUp {
    /// This build's runs (ms), sorted.
    pub ours: Vec<f64>,
    pub ours_ms: f64,
    pub script_ms: f64,
    pub floor: f64,
    /// The calls of one cold `up`.
    pub calls: usize,
    /// The baseline's runs (ms), sorted, when one was given.
    pub theirs: Vec<f64>,
}

pub fn cold_up(
    root: &Path,
    bench: &Bench,
    proxy: &Proxy,
    profile: &ProxyConfig,
    baseline: Option<&Path>,
) -> ColdUp {
    let via = proxy.endpoint();
    let (mut ours, mut script, mut theirs) = (Vec::new(), Vec::new(), Vec::new());
    let mut calls = 0;
    for run in 0..COLD_RUNS {
        let lab = format!("cold-{run}");
        proxy.clear_calls();
        let (took, _) = bench.run(Some(&via), &["--local", "--name", &lab, "up"]);
        ours.push(took.as_secs_f64() * 1000.0);
        calls = proxy.calls().len();
        print_timeline(proxy, run, took.as_secs_f64() * 1000.0);
        bench.teardown(None, &lab);

        script.push(naive_script_ms(root, bench, &via, &format!("naive-{run}")));

        if let Some(binary) = baseline {
            let lab = format!("baseline-{run}");
            let (took, _) = bench.run_of(binary, Some(&via), &["--local", "--name", &lab, "up"]);
            theirs.push(took.as_secs_f64() * 1000.0);
            bench.teardown(None, &lab);
        }
    }
    // `median` sorts the runs: the first and last are then the fastest and slowest.
    let ours_ms = median(&mut ours);
    let script_ms = median(&mut script);
    if !theirs.is_empty() {
        median(&mut theirs);
    }
    ColdUp {
        ours,
        ours_ms,
        script_ms,
        floor: critical_path_floor_ms(profile),
        calls,
        theirs,
    }
}

/// SECRETSLAB_BENCH_TIMELINE=1 prints each cold run's calls, to see where time goes.
fn print_timeline(proxy: &Proxy, run: usize, took_ms: f64) {
    if std::env::var_os("SECRETSLAB_BENCH_TIMELINE").is_none() {
        return;
    }
    let calls = proxy.calls();
    let start = calls.first().map_or(0.0, |c| c.started_ms);
    eprintln!("cold run {run}: {took_ms:.0} ms");
    for c in &calls {
        eprintln!(
            "  {:>7.0} +{:>5.0} ms  {} {}.{}",
            c.started_ms - start,
            c.elapsed_ms,
            c.status,
            c.service,
            c.operation
        );
    }
}

/// One run of the sequential boto3 script (bench/naive_up.py) for `lab`, in ms.
fn naive_script_ms(root: &Path, bench: &Bench, via: &str, lab: &str) -> f64 {
    let started = Instant::now();
    let out = Command::new(bench.python())
        .arg(root.join("bench/naive_up.py"))
        .args([via, lab, "10"])
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "naive script: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let took = started.elapsed().as_secs_f64() * 1000.0;
    bench.teardown(None, lab);
    took
}

impl ColdUp {
    pub fn rows(&self, baseline: Option<&Path>) -> Vec<Row> {
        let (ours, ours_ms, floor, script_ms) =
            (&self.ours, self.ours_ms, self.floor, self.script_ms);
        let mut rows = vec![(
            format!("cold `up`, realistic profile (median of {COLD_RUNS})"),
            format!(
                "{:.1} s (runs {:.1}–{:.1} s; {} calls)",
                ours_ms / 1000.0,
                ours[0] / 1000.0,
                ours[ours.len() - 1] / 1000.0,
                self.calls
            ),
            format!(
                "{:.2}× the critical-path floor ({:.1} s); {:.2}× the sequential boto3 script ({:.1} s)",
                ours_ms / floor,
                floor / 1000.0,
                ours_ms / script_ms,
                script_ms / 1000.0
            ),
        )];
        if let Some(binary) = baseline {
            let theirs = &self.theirs;
            let theirs_ms = theirs[theirs.len() / 2];
            rows.push((
                format!(
                    "cold `up` of the baseline, {} (median of {COLD_RUNS}, interleaved)",
                    std::env::var("SECRETSLAB_BENCH_BASELINE_LABEL")
                        .unwrap_or_else(|_| format!("`{}`", binary.display()))
                ),
                format!(
                    "{:.1} s (runs {:.1}–{:.1} s)",
                    theirs_ms / 1000.0,
                    theirs[0] / 1000.0,
                    theirs[theirs.len() - 1] / 1000.0
                ),
                format!(
                    "this build's cold `up` is {:.2}× the baseline's",
                    ours_ms / theirs_ms
                ),
            ));
        }
        rows
    }
}

/// `up` when nothing changed: on the emulator (median of 5, in ms, returned), and under the
/// profile.
pub fn no_change_up(bench: &Bench, proxy: &Proxy, lab: &str, cold_ms: f64) -> (f64, Vec<Row>) {
    bench.run(None, &["--local", "--name", lab, "up"]);
    let mut direct = Vec::new();
    let (mut reads, mut writes) = (0, 0);
    for _ in 0..5 {
        let (took, doc) = bench.run(None, &["--local", "--name", lab, "up"]);
        direct.push(took.as_secs_f64() * 1000.0);
        reads = doc["api_calls"]["reads"].as_u64().unwrap();
        writes = doc["api_calls"]["writes"].as_u64().unwrap();
    }
    proxy.clear_calls();
    let (profiled, _) = bench.run(Some(&proxy.endpoint()), &["--local", "--name", lab, "up"]);
    let profiled_calls = proxy.calls();
    let steady_ms = median(&mut direct);
    let rows = vec![
        (
            "no-change `up`, emulator (median of 5)".into(),
            format!(
                "{:.2} s, {reads} reads, {writes} writes",
                steady_ms / 1000.0
            ),
            format!("{:.2}× the 1 s target", steady_ms / 1000.0),
        ),
        (
            "no-change `up`, realistic profile".into(),
            format!(
                "{:.2} s, {} calls, {} writes",
                profiled.as_secs_f64(),
                profiled_calls.len(),
                count_writes(&profiled_calls)
            ),
            format!(
                "{:.2}× the cold `up`",
                profiled.as_secs_f64() * 1000.0 / cold_ms
            ),
        ),
    ];
    (steady_ms, rows)
}

/// `teardown` of `lab` under the profile.
pub fn teardown(bench: &Bench, proxy: &Proxy, lab: &str, cold_ms: f64) -> Row {
    proxy.clear_calls();
    let (down, _) = bench.teardown(Some(&proxy.endpoint()), lab);
    let down_calls = proxy.calls();
    (
        "`teardown`, realistic profile".into(),
        format!(
            "{:.1} s, {} calls ({} writes)",
            down.as_secs_f64(),
            down_calls.len(),
            count_writes(&down_calls)
        ),
        format!(
            "{:.2}× the cold `up`",
            down.as_secs_f64() * 1000.0 / cold_ms
        ),
    )
}

/// Start-up against spawning `true`, and the binary's size.
pub fn start_up_and_size(bench: &Bench) -> Vec<Row> {
    let mut help = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..30 {
        let started = Instant::now();
        Command::new(&bench.binary).arg("--help").output().unwrap();
        help.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        Command::new("true").output().unwrap();
        baseline.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let help_ms = median(&mut help);
    let true_ms = median(&mut baseline);
    let size = std::fs::metadata(&bench.binary)
        .map(|m| m.len())
        .unwrap_or(0);
    vec![
        (
            "`secretslab --help` start-up (median of 30)".into(),
            format!("{help_ms:.2} ms"),
            format!(
                "{:.1}× spawning `true` ({true_ms:.2} ms)",
                help_ms / true_ms
            ),
        ),
        (
            "release binary size".into(),
            format!("{:.1} MiB", size as f64 / 1048576.0),
            "no baseline: size alone".into(),
        ),
    ]
}
