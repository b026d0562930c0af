//! The stand-in's hit cost over a long run (the `lab-standin` section).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::bench::{percentile, Bench};
use crate::support;

const FLAT_REQUESTS: usize = 100_000;
const FLAT_BATCH: usize = 1_000;
/// One request in this many asks `refreshNow=true`: a GetSecretValue upstream each time, so the
/// stand-in's upstream record grows through the run as it does over a long-lived lab.
const FLAT_REFRESH_EVERY: usize = 20;

/// One keep-alive HTTP/1.1 connection to a lab's stand-in, as a function's SDK keeps one.
struct Standin {
    reader: std::io::BufReader<std::net::TcpStream>,
    token: String,
}

impl Standin {
    fn connect(bench: &Bench, lab: &str) -> Self {
        let status = bench.run(None, &["local", "status"]).1;
        let port = status["extension_ports"][lab]
            .as_u64()
            .expect("extension port") as u16;
        let emulator: Value = serde_json::from_slice(
            &std::fs::read(bench.home.path().join("state/emulator.json")).unwrap(),
        )
        .unwrap();
        let stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).unwrap();
        Standin {
            reader: std::io::BufReader::new(stream),
            token: emulator["token"].as_str().unwrap().to_string(),
        }
    }

    /// `GET path`: the status and the body.
    fn get(&mut self, path: &str) -> (u16, String) {
        use std::io::{BufRead, Read, Write};
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nX-Aws-Parameters-Secrets-Token: {}\r\n\r\n",
            self.token
        );
        self.reader.get_mut().write_all(request.as_bytes()).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        (status, String::from_utf8(body).unwrap())
    }
}

/// Where the timed batches of hits start: right after the first request (the one miss that
/// fills the cache), in the middle of the run, and at its end.
fn flat_batches() -> [usize; 3] {
    [
        2,
        FLAT_REQUESTS / 2 - FLAT_BATCH / 2,
        FLAT_REQUESTS - FLAT_BATCH + 1,
    ]
}

/// `FLAT_REQUESTS` requests for one secret at `binary`'s stand-in for `lab`, one in
/// `FLAT_REFRESH_EVERY` with `refreshNow=true`: the per-request times (ms) of the hits in each
/// of `flat_batches()`, checked against the stand-in's own counters.
fn hit_batches(bench: &Bench, binary: &Path, lab: &str) -> Vec<Vec<f64>> {
    bench.run_of(binary, None, &["--local", "--name", lab, "up"]);
    let mut standin = Standin::connect(bench, lab);
    let hit = format!("/secretsmanager/get?secretId={lab}%2Fcredentials");
    let refresh = format!("{hit}&refreshNow=true");
    // Request 1 fills the cache (a miss, unless something read the secret already).
    assert_eq!(standin.get(&hit).0, 200);
    let before: Value = serde_json::from_str(&standin.get("/secretslab/stats").1).unwrap();
    let mut batches: Vec<Vec<f64>> = (0..3).map(|_| Vec::with_capacity(FLAT_BATCH)).collect();
    let mut refreshes = 0;
    for request in 2..=FLAT_REQUESTS {
        let batch = flat_batches()
            .iter()
            .position(|&start| (start..start + FLAT_BATCH).contains(&request));
        let path = if batch.is_none() && request % FLAT_REFRESH_EVERY == 0 {
            refreshes += 1;
            &refresh
        } else {
            &hit
        };
        let started = Instant::now();
        let (status, body) = standin.get(path);
        let took = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(status, 200, "request {request}: {body}");
        if let Some(batch) = batch {
            batches[batch].push(took);
        }
    }
    // Every refresh was a miss and every other request a hit, the timed ones included.
    let after: Value = serde_json::from_str(&standin.get("/secretslab/stats").1).unwrap();
    let counted = |key: &str| after[key].as_u64().unwrap() - before[key].as_u64().unwrap_or(0);
    let measured = FLAT_REQUESTS as u64 - 1;
    assert_eq!(counted("served"), measured, "{after}");
    assert_eq!(counted("misses"), refreshes, "{after}");
    assert_eq!(counted("hits"), measured - refreshes, "{after}");
    batches
}

/// The `lab-standin` section: what a cache hit costs at the start, middle and end of a long run
/// (this build, and the `SECRETSLAB_BENCH_BASELINE` binary's stand-in if given).
pub fn section(root: &Path, bench: &Bench, baseline: Option<&Path>) {
    let mut runs = vec![(
        "this build".to_string(),
        hit_batches(bench, &bench.binary, "flat"),
    )];
    if let Some(binary) = baseline {
        let label = std::env::var("SECRETSLAB_BENCH_BASELINE_LABEL")
            .unwrap_or_else(|_| binary.display().to_string());
        runs.push((label, hit_batches(bench, binary, "flat-baseline")));
    }
    let mut doc = String::new();
    let _ = writeln!(doc, "## The stand-in: a cache hit's cost over a long run\n");
    let build = if cfg!(debug_assertions) {
        "`cargo test --bench lab -- standin` (a debug build; `cargo bench --bench lab -- standin` runs it optimised)"
    } else {
        "`cargo bench --bench lab -- standin`"
    };
    let _ = writeln!(doc, "Generated by {build} and by every full `cargo bench --bench lab` (rewrites only this section); `SECRETSLAB_BENCH_BASELINE=PATH` adds another binary's stand-in. Machine: {}.\n", support::machine());
    let _ = writeln!(doc, "One lab's running stand-in (TTL 300 s) answers {FLAT_REQUESTS} requests for one secret over one keep-alive connection, one after another; one in {FLAT_REFRESH_EVERY} asks `refreshNow=true`, a GetSecretValue upstream each time, as a long-lived lab accumulates upstream calls. Batches of {FLAT_BATCH} hits are timed at the start, the middle and the end; the stand-in's counters confirm every timed request was a hit.\n");
    let _ = writeln!(doc, "| stand-in | hit, requests {}–{} | hit, requests {}–{} | hit, requests {}–{} | ratio (same run) |\n|---|---|---|---|---|",
        flat_batches()[0], flat_batches()[0] + FLAT_BATCH - 1,
        flat_batches()[1], flat_batches()[1] + FLAT_BATCH - 1,
        flat_batches()[2], flat_batches()[2] + FLAT_BATCH - 1);
    for (label, batches) in &runs {
        let cell = |b: &Vec<f64>| {
            format!(
                "p50 {:.3} ms, p99 {:.3} ms",
                percentile(b, 50.0),
                percentile(b, 99.0)
            )
        };
        let ratio = percentile(&batches[2], 50.0) / percentile(&batches[0], 50.0);
        println!("stand-in hit cost, {label}: last batch / first batch (p50) = {ratio:.2}");
        let _ = writeln!(
            doc,
            "| {label} | {} | {} | {} | last batch's p50 is {ratio:.2}× the first's |",
            cell(&batches[0]),
            cell(&batches[1]),
            cell(&batches[2])
        );
    }
    support::write_section(&root.join("docs/benchmarks.md"), "lab-standin", &doc);
}
