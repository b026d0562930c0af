//! Detection quality and speed of `secretslab audit`'s classifier on the labelled corpus
//! (tests/data/audit-corpus.jsonl), side by side with the scanners Prowler has used for the
//! same job, all run on the same corpus in the same run. Regenerates `docs/audit-quality.md`.
//!
//!     cargo bench --bench audit_quality
//!
//! The peers are fed the way Prowler's `awslambda_function_no_secrets_in_variables` feeds them:
//! the corpus is dealt into functions (at most 8 variables and 4 KB each, as Lambda allows),
//! each function's variables dumped as indented JSON into its own file, and a hit on line L
//! of a file maps back to the function's variable number L − 2.
//! - detect-secrets with Prowler's former plugin list and filters, in-process (bench/audit_detect_secrets.py);
//! - Kingfisher (`kingfisher-bin` from PyPI) as Prowler runs it now: one `kingfisher scan` over
//!   the directory of files, `--confidence low --no-validate --no-dedup`.
//!
//! The code section (benches/audit_quality/code.rs) scores code scanning on
//! tests/data/code-corpus/; `AUDIT_QUALITY_PART=code` runs that part alone.
//!
//! Both install into a benchmark venv under target/ when missing (never into the product).
//!
//! Scores are given for the corpus's original part, its extended part (kinds the rules were not
//! built beside) and the whole. `AUDIT_QUALITY_SAVE_BEFORE=1` also saves secretslab's verdicts
//! to `bench/audit-quality-before.json`; while that file matches the corpus, later runs show
//! those verdicts as "secretslab before" next to the current ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod before;
mod code;
mod corpus;
mod peers;
mod report;
mod scoring;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secretslab::classify::{classify, Class};

use before::{load_before, parts_section, save_before};
use corpus::{deal_into_functions, load_corpus, write_function_files};
use peers::{ensure_peers, run_detect_secrets, run_kingfisher};

pub const DETECT_SECRETS: &str = "detect-secrets==1.5.0";
pub const KINGFISHER: &str = "kingfisher-bin==2.14.0";
pub const MAX_VARIABLES_PER_FUNCTION: usize = 8;
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;
pub const PEER_RUNS: usize = 3;
pub const CLASSIFIER_MIN_TIME: Duration = Duration::from_secs(2);
pub const TARGET_SPEEDUP: f64 = 100.0;

pub struct Row {
    pub name: String,
    pub value: String,
    pub class: Class,
    pub kind: String,
    /// `original` or `extended`.
    pub set: String,
}

/// What each tool said about one row.
pub struct Outcome {
    pub ours: Class,
    pub ours_rule: &'static str,
    pub detect_secrets: bool,
    pub kingfisher: bool,
}

pub struct PeerRun {
    pub version: String,
    pub seconds: f64,
    pub flagged: Vec<bool>,
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/audit-quality");
    let venv = ensure_peers(&root);
    if std::env::var("AUDIT_QUALITY_PART").as_deref() != Ok("code") {
        variables(&root, &venv, &work);
    }
    std::fs::create_dir_all(&work).unwrap();
    let section = code::run(&root, &venv, &work);
    let page = root.join("docs/audit-quality.md");
    support::write_section(&page, "code", &section);
    println!("{section}");
}

/// The environment-variable corpus: the whole page but its code section.
fn variables(root: &Path, venv: &Path, work: &Path) {
    let rows = load_corpus(&root.join("tests/data/audit-corpus.jsonl"));
    let functions = deal_into_functions(&rows);
    let files = write_function_files(&work.join("functions"), &rows, &functions);

    eprintln!("classifying {} variables with secretslab", rows.len());
    let verdicts: Vec<_> = rows.iter().map(|r| classify(&r.name, &r.value)).collect();
    let (ours_per_second, ours_passes) = classifier_throughput(&rows);

    eprintln!(
        "scanning {} functions with detect-secrets ({PEER_RUNS} runs)",
        functions.len()
    );
    let detect_secrets = run_detect_secrets(
        root,
        venv,
        &work.join("functions"),
        &files,
        &functions,
        rows.len(),
    );
    eprintln!(
        "scanning {} functions with Kingfisher (1 warm-up + {PEER_RUNS} runs)",
        functions.len()
    );
    let kingfisher = run_kingfisher(venv, work, &files, &functions, rows.len());

    let outcomes: Vec<Outcome> = verdicts
        .iter()
        .enumerate()
        .map(|(i, v)| Outcome {
            ours: v.class,
            ours_rule: v.rule,
            detect_secrets: detect_secrets.flagged[i],
            kingfisher: kingfisher.flagged[i],
        })
        .collect();
    let before_path = root.join("bench/audit-quality-before.json");
    if std::env::var_os("AUDIT_QUALITY_SAVE_BEFORE").is_some() {
        save_before(&before_path, &rows, &outcomes);
    }
    let before = load_before(&before_path, &rows);
    let mut doc = report::write(&report::Inputs {
        rows: &rows,
        outcomes: &outcomes,
        function_count: functions.len(),
        ours_per_second,
        ours_passes,
        detect_secrets: &detect_secrets,
        kingfisher: &kingfisher,
    });
    let parts = parts_section(&rows, &outcomes, before.as_ref());
    let at = doc.find("## The `secret` class").unwrap_or(doc.len());
    doc.insert_str(at, &parts);
    std::fs::write(root.join("docs/audit-quality.md"), &doc).unwrap();
    println!("{doc}");
}

fn classifier_throughput(rows: &[Row]) -> (f64, usize) {
    let start = Instant::now();
    let mut passes = 0;
    let mut secrets = 0usize;
    while start.elapsed() < CLASSIFIER_MIN_TIME {
        for row in rows {
            secrets += usize::from(
                std::hint::black_box(classify(&row.name, &row.value)).class == Class::Secret,
            );
        }
        passes += 1;
    }
    std::hint::black_box(secrets);
    (
        (passes * rows.len()) as f64 / start.elapsed().as_secs_f64(),
        passes,
    )
}
