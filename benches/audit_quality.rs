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
//! Both install into a benchmark venv under target/ when missing (never into the product).
//!
//! Scores are given for the corpus's original part, its extended part (kinds the rules were not
//! built beside) and the whole. `AUDIT_QUALITY_SAVE_BEFORE=1` also saves secretslab's verdicts
//! to `bench/audit-quality-before.json`; while that file matches the corpus, later runs show
//! those verdicts as "secretslab before" next to the current ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use secretslab::classify::{classify, Class};
use serde_json::Value;

const DETECT_SECRETS: &str = "detect-secrets==1.5.0";
const KINGFISHER: &str = "kingfisher-bin==2.14.0";
const MAX_VARIABLES_PER_FUNCTION: usize = 8;
const MAX_ENVIRONMENT_BYTES: usize = 4096;
const PEER_RUNS: usize = 3;
const CLASSIFIER_MIN_TIME: Duration = Duration::from_secs(2);
const TARGET_SPEEDUP: f64 = 100.0;

struct Row {
    name: String,
    value: String,
    class: Class,
    kind: String,
    /// `original` or `extended`.
    set: String,
}

/// What each tool said about one row.
struct Outcome {
    ours: Class,
    ours_rule: &'static str,
    detect_secrets: bool,
    kingfisher: bool,
}

struct PeerRun {
    version: String,
    seconds: f64,
    flagged: Vec<bool>,
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rows = load_corpus(&root.join("tests/data/audit-corpus.jsonl"));
    let functions = deal_into_functions(&rows);
    let work = root.join("target/audit-quality");
    let files = write_function_files(&work.join("functions"), &rows, &functions);
    let venv = ensure_peers(&root);

    eprintln!("classifying {} variables with secretslab", rows.len());
    let verdicts: Vec<_> = rows.iter().map(|r| classify(&r.name, &r.value)).collect();
    let (ours_per_second, ours_passes) = classifier_throughput(&rows);

    eprintln!(
        "scanning {} functions with detect-secrets ({PEER_RUNS} runs)",
        functions.len()
    );
    let detect_secrets = run_detect_secrets(
        &root,
        &venv,
        &work.join("functions"),
        &files,
        &functions,
        rows.len(),
    );
    eprintln!(
        "scanning {} functions with Kingfisher (1 warm-up + {PEER_RUNS} runs)",
        functions.len()
    );
    let kingfisher = run_kingfisher(&venv, &work, &files, &functions, rows.len());

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
    let mut doc = report(
        &rows,
        &outcomes,
        functions.len(),
        ours_per_second,
        ours_passes,
        &detect_secrets,
        &kingfisher,
    );
    let parts = parts_section(&rows, &outcomes, before.as_ref());
    let at = doc.find("## The `secret` class").unwrap_or(doc.len());
    doc.insert_str(at, &parts);
    std::fs::write(root.join("docs/audit-quality.md"), &doc).unwrap();
    println!("{doc}");
}

/// secretslab's verdicts from an earlier run, kept to show what the rules did before a change.
struct Before {
    commit: String,
    classes: Vec<Class>,
}

fn save_before(path: &Path, rows: &[Row], outcomes: &[Outcome]) {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let verdicts: Vec<Value> = rows
        .iter()
        .zip(outcomes)
        .map(|(r, o)| serde_json::json!([r.name, o.ours, o.ours_rule]))
        .collect();
    let doc = serde_json::json!({ "commit": commit, "verdicts": verdicts });
    std::fs::write(path, serde_json::to_string(&doc).unwrap() + "\n").unwrap();
}

/// The saved verdicts, when they are for this corpus (same rows, same names, in order).
fn load_before(path: &Path, rows: &[Row]) -> Option<Before> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let verdicts = doc["verdicts"].as_array()?;
    let matches = verdicts.len() == rows.len()
        && verdicts
            .iter()
            .zip(rows)
            .all(|(v, r)| v[0].as_str() == Some(r.name.as_str()));
    matches.then(|| Before {
        commit: doc["commit"].as_str().unwrap_or("").to_string(),
        classes: verdicts
            .iter()
            .map(|v| serde_json::from_value(v[1].clone()).unwrap())
            .collect(),
    })
}

/// Both classes (`secret`; every finding) for each part of the corpus, every tool, and
/// secretslab's saved verdicts from before the last rule change when there are some.
fn parts_section(rows: &[Row], outcomes: &[Outcome], before: Option<&Before>) -> String {
    let mut doc = String::new();
    writeln!(doc, "## Both classes, by part of the corpus\n").unwrap();
    writeln!(
        doc,
        "Re-run: `python3 bench/audit_corpus.py && cargo bench --bench audit_quality`. To record a new \
         \"before\", run `AUDIT_QUALITY_SAVE_BEFORE=1 cargo bench --bench audit_quality` before changing the rules.\n"
    )
    .unwrap();
    writeln!(
        doc,
        "The original part is the corpus the rules were built beside; the extended part ({} variables) holds kinds \
         the original does not (encoded configuration, public keys and certificates, versions and build ids, generated \
         resource names, credentials inside arguments and DSNs, webhook URLs, short secrets, more vendor formats, each \
         with clean look-alikes). `secret`: a labelled secret counts as found only when classified `secret`. Every \
         finding: `secret` and `suspect` together on both sides (what a reviewer is asked to read); for the peers, any hit.\n",
        rows.iter().filter(|r| r.set == "extended").count()
    )
    .unwrap();
    if let Some(before) = before {
        writeln!(
            doc,
            "\"secretslab before\" is the classifier at commit `{}`, on this same corpus (saved verdicts, \
             `bench/audit-quality-before.json`); every other row is from this run. The rules changed since \
             were written with the extended part in view, so its \"secretslab\" rows are no longer figures on \
             unseen kinds; its \"before\" rows are.\n",
            before.commit
        )
        .unwrap();
    }
    let finding = |c: Class| matches!(c, Class::Secret | Class::Suspect);
    type Guess<'a> = Box<dyn Fn(usize) -> bool + 'a>;
    let mut tools: Vec<(&str, Guess, Guess)> = Vec::new();
    if let Some(before) = before {
        tools.push((
            "secretslab before",
            Box::new(|i| before.classes[i] == Class::Secret),
            Box::new(|i| finding(before.classes[i])),
        ));
    }
    tools.push((
        "secretslab",
        Box::new(|i| outcomes[i].ours == Class::Secret),
        Box::new(|i| finding(outcomes[i].ours)),
    ));
    tools.push((
        "detect-secrets",
        Box::new(|i| outcomes[i].detect_secrets),
        Box::new(|i| outcomes[i].detect_secrets),
    ));
    tools.push((
        "Kingfisher",
        Box::new(|i| outcomes[i].kingfisher),
        Box::new(|i| outcomes[i].kingfisher),
    ));
    writeln!(
        doc,
        "| part | tool | `secret` precision | `secret` recall | `secret` F1 | finding precision | finding recall | finding F1 |"
    )
    .unwrap();
    writeln!(doc, "|---|---|---|---|---|---|---|---|").unwrap();
    for part in ["original", "extended", "all"] {
        let members: Vec<usize> = (0..rows.len())
            .filter(|&i| part == "all" || rows[i].set == part)
            .collect();
        for (tool, secret, found) in &tools {
            let s = scores(
                members
                    .iter()
                    .map(|&i| (rows[i].class == Class::Secret, secret(i))),
            );
            let f = scores(members.iter().map(|&i| (finding(rows[i].class), found(i))));
            writeln!(
                doc,
                "| {part} ({}) | {tool} | {} | {} |",
                members.len(),
                prf(s),
                prf(f)
            )
            .unwrap();
        }
    }
    writeln!(doc).unwrap();
    doc
}

fn load_corpus(path: &Path) -> Vec<Row> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            Row {
                name: v["name"].as_str().unwrap().to_string(),
                value: v["value"].as_str().unwrap().to_string(),
                class: serde_json::from_value(v["class"].clone()).unwrap(),
                kind: v["kind"].as_str().unwrap().to_string(),
                set: v["set"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

/// Deals the rows, in a fixed shuffled order, into functions within Lambda's limits and
/// without a repeated name in one function. An AWS key id and the secret key right after it
/// stay in one function, as they are deployed (Kingfisher reports AWS keys only in pairs).
fn deal_into_functions(rows: &[Row]) -> Vec<Vec<usize>> {
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let pair = rows[i].kind == "aws-access-key-id"
            && rows
                .get(i + 1)
                .is_some_and(|r| r.kind == "aws-secret-access-key");
        let width = if pair { 2 } else { 1 };
        units.push((i..i + width).collect());
        i += width;
    }
    units.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
    let mut functions: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut bytes = 0;
    for unit in units {
        let size: usize = unit
            .iter()
            .map(|&i| rows[i].name.len() + rows[i].value.len())
            .sum();
        let clash = current
            .iter()
            .any(|&j| unit.iter().any(|&i| rows[j].name == rows[i].name));
        let full = current.len() + unit.len() > MAX_VARIABLES_PER_FUNCTION
            || bytes + size > MAX_ENVIRONMENT_BYTES;
        if !current.is_empty() && (full || clash) {
            functions.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.extend(unit);
        bytes += size;
    }
    if !current.is_empty() {
        functions.push(current);
    }
    functions
}

/// One file per function: `json.dumps(environment, indent=2)`, the variable i on line i + 2.
fn write_function_files(dir: &Path, rows: &[Row], functions: &[Vec<usize>]) -> Vec<String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    functions
        .iter()
        .enumerate()
        .map(|(n, members)| {
            let lines: Vec<String> = members
                .iter()
                .map(|&i| {
                    let key = serde_json::to_string(&rows[i].name).unwrap();
                    let value = serde_json::to_string(&rows[i].value).unwrap();
                    format!("  {key}: {value}")
                })
                .collect();
            let file = format!("{n:04}");
            std::fs::write(dir.join(&file), format!("{{\n{}\n}}\n", lines.join(",\n"))).unwrap();
            file
        })
        .collect()
}

/// Maps (file, line) hits back to corpus rows.
fn flags_from_hits(
    hits: &[(String, u64)],
    files: &[String],
    functions: &[Vec<usize>],
    rows: usize,
) -> Vec<bool> {
    let mut flagged = vec![false; rows];
    for (file, line) in hits {
        let Some(f) = files.iter().position(|x| x == file) else {
            continue;
        };
        let index = (*line as usize).checked_sub(2);
        if let Some(&row) = index.and_then(|i| functions[f].get(i)) {
            flagged[row] = true;
        }
    }
    flagged
}

fn ensure_peers(root: &Path) -> PathBuf {
    let venv = root.join("target/audit-peers-venv");
    let python = venv.join("bin/python");
    let ready = python.exists()
        && venv.join("bin/kingfisher").exists()
        && Command::new(&python)
            .args(["-c", "import detect_secrets"])
            .status()
            .is_ok_and(|s| s.success());
    if !ready {
        eprintln!(
            "installing {DETECT_SECRETS} and {KINGFISHER} into {}",
            venv.display()
        );
        let ok = support::python_venv(&venv, &[DETECT_SECRETS, KINGFISHER]);
        assert!(ok, "could not install the peers; python3 with venv and pip (apt-get install python3-venv) is needed");
    }
    venv
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

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn run_detect_secrets(
    root: &Path,
    venv: &Path,
    dir: &Path,
    files: &[String],
    functions: &[Vec<usize>],
    rows: usize,
) -> PeerRun {
    let python = venv.join("bin/python");
    let out = Command::new(&python)
        .arg(root.join("bench/audit_detect_secrets.py"))
        .arg(dir)
        .arg(PEER_RUNS.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "detect-secrets failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut hits = Vec::new();
    for (file, lines) in result["hits"].as_object().unwrap() {
        for line in lines.as_array().unwrap() {
            hits.push((file.clone(), line.as_u64().unwrap()));
        }
    }
    let seconds = median(
        result["seconds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_f64().unwrap())
            .collect(),
    );
    let version = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('detect-secrets'))",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    PeerRun {
        version,
        seconds,
        flagged: flags_from_hits(&hits, files, functions, rows),
    }
}

fn run_kingfisher(
    venv: &Path,
    work: &Path,
    files: &[String],
    functions: &[Vec<usize>],
    rows: usize,
) -> PeerRun {
    let binary = venv.join("bin/kingfisher");
    let output = work.join("kingfisher.json");
    let scan = || {
        let start = Instant::now();
        let status = Command::new(&binary)
            .arg("scan")
            .arg(work.join("functions"))
            .args(["--format", "json", "--output"])
            .arg(&output)
            .args([
                "--no-update-check",
                "--confidence",
                "low",
                "--no-validate",
                "--no-dedup",
            ])
            .env("KF_RULE_CACHE_DIR", work.join("kingfisher-rule-cache"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        // 0: nothing found, 200: findings, 205: validated findings (Kingfisher's exit codes).
        assert!(
            matches!(status.code(), Some(0 | 200 | 205)),
            "kingfisher failed: {status}"
        );
        start.elapsed().as_secs_f64()
    };
    scan(); // warm-up: builds Kingfisher's compiled rule cache, as a long-lived install has it
    let seconds = median((0..PEER_RUNS).map(|_| scan()).collect());
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let mut hits: Vec<(String, u64)> = Vec::new();
    for finding in result["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| &f["finding"])
    {
        let (Some(path), Some(line)) = (finding["path"].as_str(), finding["line"].as_u64()) else {
            continue;
        };
        let file = Path::new(path)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        // A pair rule (AWS key id + secret key) names the second half as a dependent capture;
        // credit the line that holds it too, though Prowler reports only the finding's line.
        if let Some(captures) = finding["dependent_captures"].as_object() {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            for capture in captures.values().filter_map(Value::as_str) {
                if let Some(n) = text.lines().position(|l| l.contains(capture)) {
                    hits.push((file.clone(), n as u64 + 1));
                }
            }
        }
        hits.push((file, line));
    }
    let version = Command::new(&binary)
        .arg("--version")
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .trim_start_matches("kingfisher ")
                .to_string()
        })
        .unwrap_or_default();
    PeerRun {
        version,
        seconds,
        flagged: flags_from_hits(&hits, files, functions, rows),
    }
}

/// Precision, recall and F1 of a yes/no prediction against a yes/no truth.
fn scores(pairs: impl Iterator<Item = (bool, bool)>) -> (f64, f64, f64, usize, usize) {
    let (mut tp, mut predicted, mut actual) = (0usize, 0usize, 0usize);
    for (truth, guess) in pairs {
        tp += usize::from(truth && guess);
        predicted += usize::from(guess);
        actual += usize::from(truth);
    }
    let precision = if predicted == 0 {
        0.0
    } else {
        tp as f64 / predicted as f64
    };
    let recall = if actual == 0 {
        0.0
    } else {
        tp as f64 / actual as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (precision, recall, f1, predicted, actual)
}

fn prf((p, r, f, _, _): (f64, f64, f64, usize, usize)) -> String {
    format!("{p:.3} | {r:.3} | {f:.3}")
}

fn share(hits: usize, of: usize) -> String {
    format!(
        "{hits}/{of} ({:.0}%)",
        100.0 * hits as f64 / of.max(1) as f64
    )
}

const CLASSES: [Class; 4] = [
    Class::Secret,
    Class::Suspect,
    Class::Reference,
    Class::Config,
];

#[allow(clippy::too_many_arguments)]
fn report(
    rows: &[Row],
    outcomes: &[Outcome],
    function_count: usize,
    ours_per_second: f64,
    ours_passes: usize,
    detect_secrets: &PeerRun,
    kingfisher: &PeerRun,
) -> String {
    let n = rows.len();
    let mut doc = String::new();
    let labelled = |c: Class| rows.iter().filter(|r| r.class == c).count();
    writeln!(doc, "# Audit classifier quality\n").unwrap();
    writeln!(
        doc,
        "Generated by `cargo bench --bench audit_quality` (this file is rewritten on every run). Machine: {}.\n",
        support::machine()
    )
    .unwrap();
    writeln!(
        doc,
        "Corpus: `tests/data/audit-corpus.jsonl`, {n} Lambda environment variables with fake values \
         (generated by `bench/audit_corpus.py`): {} secret, {} suspect, {} reference, {} config. \
         For the peers the corpus is dealt into {function_count} functions (at most {MAX_VARIABLES_PER_FUNCTION} \
         variables and 4 KB each; an AWS key id and its secret key stay together), each dumped as indented JSON into its own file as Prowler does; a hit on \
         line L maps back to the function's variable L − 2.\n",
        labelled(Class::Secret),
        labelled(Class::Suspect),
        labelled(Class::Reference),
        labelled(Class::Config)
    )
    .unwrap();
    writeln!(
        doc,
        "- **secretslab**: `secretslab::classify::classify(name, value)`, four classes.\n\
         - **detect-secrets** {}: Prowler's former plugin list and filters (`bench/audit_detect_secrets.py`), \
         in-process, one scan per function file. A hit counts as `secret`.\n\
         - **Kingfisher** {} (`kingfisher-bin` from PyPI), as Prowler runs it now: one \
         `kingfisher scan DIR --format json --confidence low --no-validate --no-dedup` over all the files. \
         A hit counts as `secret`, and so does the variable holding a finding's dependent capture (the secret key \
         of an AWS key pair), which Prowler does not report. (Prowler also loads one rule override of its own, \
         for JDBC URLs, not used here.)\n",
        detect_secrets.version, kingfisher.version
    )
    .unwrap();

    // The secret class, all three tools.
    let is_secret = |r: &Row| r.class == Class::Secret;
    let ours_secret = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (is_secret(r), o.ours == Class::Secret)),
    );
    let ds_secret = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (is_secret(r), o.detect_secrets)),
    );
    let kf_secret = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (is_secret(r), o.kingfisher)),
    );
    let clean: Vec<usize> = (0..n)
        .filter(|&i| matches!(rows[i].class, Class::Reference | Class::Config))
        .collect();
    let clean_flags =
        |f: &dyn Fn(&Outcome) -> bool| clean.iter().filter(|&&i| f(&outcomes[i])).count();
    writeln!(doc, "## The `secret` class, side by side\n").unwrap();
    writeln!(
        doc,
        "A labelled secret counts as found only when classified `secret` (`suspect` is a miss); a `suspect` \
         row classified `secret` counts against precision.\n"
    )
    .unwrap();
    writeln!(doc, "| tool | precision | recall | F1 | flagged | clean variables flagged (reference + config) |").unwrap();
    writeln!(doc, "|---|---|---|---|---|---|").unwrap();
    writeln!(
        doc,
        "| secretslab | {} | {} | {} |",
        prf(ours_secret),
        ours_secret.3,
        share(clean_flags(&|o| o.ours == Class::Secret), clean.len())
    )
    .unwrap();
    writeln!(
        doc,
        "| detect-secrets | {} | {} | {} |",
        prf(ds_secret),
        ds_secret.3,
        share(clean_flags(&|o| o.detect_secrets), clean.len())
    )
    .unwrap();
    writeln!(
        doc,
        "| Kingfisher | {} | {} | {} |\n",
        prf(kf_secret),
        kf_secret.3,
        share(clean_flags(&|o| o.kingfisher), clean.len())
    )
    .unwrap();

    let review = |c: Class| matches!(c, Class::Secret | Class::Suspect);
    let ours_review = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (review(r.class), review(o.ours))),
    );
    let ds_review = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (review(r.class), o.detect_secrets)),
    );
    let kf_review = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (review(r.class), o.kingfisher)),
    );
    writeln!(
        doc,
        "Counting `suspect` with `secret` (everything a human is asked to look at):\n"
    )
    .unwrap();
    writeln!(doc, "| tool | precision | recall | F1 |").unwrap();
    writeln!(doc, "|---|---|---|---|").unwrap();
    writeln!(
        doc,
        "| secretslab (secret or suspect) | {} |",
        prf(ours_review)
    )
    .unwrap();
    writeln!(doc, "| detect-secrets (any hit) | {} |", prf(ds_review)).unwrap();
    writeln!(doc, "| Kingfisher (any hit) | {} |\n", prf(kf_review)).unwrap();

    let is_clean = |c: Class| matches!(c, Class::Reference | Class::Config);
    let ours_clean = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (is_clean(r.class), is_clean(o.ours))),
    );
    let ds_clean = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (is_clean(r.class), !o.detect_secrets)),
    );
    let kf_clean = scores(
        rows.iter()
            .zip(outcomes)
            .map(|(r, o)| (is_clean(r.class), !o.kingfisher)),
    );
    writeln!(
        doc,
        "The clean classes (`reference` + `config`; for the peers, no hit):\n"
    )
    .unwrap();
    writeln!(doc, "| tool | precision | recall | F1 |").unwrap();
    writeln!(doc, "|---|---|---|---|").unwrap();
    writeln!(
        doc,
        "| secretslab (reference or config) | {} |",
        prf(ours_clean)
    )
    .unwrap();
    writeln!(doc, "| detect-secrets (no hit) | {} |", prf(ds_clean)).unwrap();
    writeln!(doc, "| Kingfisher (no hit) | {} |\n", prf(kf_clean)).unwrap();

    // Every class, secretslab only (the peers have no classes besides hit / no hit).
    writeln!(doc, "## Per class (secretslab)\n").unwrap();
    writeln!(
        doc,
        "| class | precision | recall | F1 | classified | labelled |"
    )
    .unwrap();
    writeln!(doc, "|---|---|---|---|---|---|").unwrap();
    for c in CLASSES {
        let s = scores(
            rows.iter()
                .zip(outcomes)
                .map(|(r, o)| (r.class == c, o.ours == c)),
        );
        writeln!(doc, "| {c} | {} | {} | {} |", prf(s), s.3, s.4).unwrap();
    }
    writeln!(
        doc,
        "\nConfusion matrix (rows: label, columns: secretslab's class):\n"
    )
    .unwrap();
    writeln!(
        doc,
        "| label \\ classified | secret | suspect | reference | config |"
    )
    .unwrap();
    writeln!(doc, "|---|---|---|---|---|").unwrap();
    for t in CLASSES {
        let cells: Vec<String> = CLASSES
            .iter()
            .map(|&p| {
                rows.iter()
                    .zip(outcomes)
                    .filter(|(r, o)| r.class == t && o.ours == p)
                    .count()
                    .to_string()
            })
            .collect();
        writeln!(doc, "| {t} | {} |", cells.join(" | ")).unwrap();
    }

    // Per kind.
    writeln!(doc, "\n## Per kind\n").unwrap();
    writeln!(
        doc,
        "Each kind holds one label, so within a kind only one of precision and recall is defined: for \
         `secret` kinds the share flagged is the recall; for `reference` and `config` kinds it is the \
         false-alarm rate (lower is better). \"as labelled\" is secretslab's exact-class agreement.\n"
    )
    .unwrap();
    writeln!(doc, "| label | kind | rows | secretslab as labelled | secretslab `secret` | detect-secrets hit | Kingfisher hit |").unwrap();
    writeln!(doc, "|---|---|---|---|---|---|---|").unwrap();
    let kinds: BTreeSet<(usize, &str)> = rows
        .iter()
        .map(|r| {
            (
                CLASSES.iter().position(|&c| c == r.class).unwrap(),
                r.kind.as_str(),
            )
        })
        .collect();
    for (class_index, kind) in kinds {
        let members: Vec<usize> = (0..n)
            .filter(|&i| rows[i].kind == kind && rows[i].class == CLASSES[class_index])
            .collect();
        let count = |f: &dyn Fn(usize) -> bool| members.iter().filter(|&&i| f(i)).count();
        writeln!(
            doc,
            "| {} | {kind} | {} | {} | {} | {} | {} |",
            CLASSES[class_index],
            members.len(),
            share(count(&|i| outcomes[i].ours == rows[i].class), members.len()),
            share(count(&|i| outcomes[i].ours == Class::Secret), members.len()),
            share(count(&|i| outcomes[i].detect_secrets), members.len()),
            share(count(&|i| outcomes[i].kingfisher), members.len()),
        )
        .unwrap();
    }

    // Speed.
    let ds_per_second = n as f64 / detect_secrets.seconds;
    let kf_per_second = n as f64 / kingfisher.seconds;
    let speedup = ours_per_second / ds_per_second;
    writeln!(doc, "\n## Speed\n").unwrap();
    writeln!(
        doc,
        "| tool | how it ran | time for the corpus | variables/s | ratio to detect-secrets |"
    )
    .unwrap();
    writeln!(doc, "|---|---|---|---|---|").unwrap();
    writeln!(
        doc,
        "| secretslab | in-process, one thread, {ours_passes} passes over the corpus (≥ {} s) | {:.2} ms | {:.0} | {:.0}× |",
        CLASSIFIER_MIN_TIME.as_secs(),
        1000.0 * n as f64 / ours_per_second,
        ours_per_second,
        speedup
    )
    .unwrap();
    writeln!(
        doc,
        "| detect-secrets | in-process scan of the {function_count} files, median of {PEER_RUNS} | {:.2} s | {:.0} | 1× |",
        detect_secrets.seconds, ds_per_second
    )
    .unwrap();
    writeln!(
        doc,
        "| Kingfisher | one process over the {function_count} files (start-up included, warm rule cache, its default 2 jobs), median of {PEER_RUNS} | {:.2} s | {:.0} | {:.1}× |",
        kingfisher.seconds,
        kf_per_second,
        kf_per_second / ds_per_second
    )
    .unwrap();
    writeln!(
        doc,
        "\nTarget: the classifier at least {TARGET_SPEEDUP:.0}× detect-secrets' variables per second: {} ({speedup:.0}×).",
        if speedup >= TARGET_SPEEDUP { "met" } else { "**missed**" }
    )
    .unwrap();

    // secretslab's mistakes, for review (names and rules only; the values are in the corpus).
    let mistakes: Vec<String> = rows
        .iter()
        .zip(outcomes)
        .filter(|(r, o)| r.class != o.ours)
        .map(|(r, o)| {
            format!(
                "| `{}` | {} | {} | {} | {} | `{}` |",
                r.name, r.set, r.kind, r.class, o.ours, o.ours_rule
            )
        })
        .collect();
    writeln!(
        doc,
        "\n## secretslab's disagreements with the labels ({})\n",
        mistakes.len()
    )
    .unwrap();
    if !mistakes.is_empty() {
        writeln!(
            doc,
            "| variable | part | kind | label | classified | rule |"
        )
        .unwrap();
        writeln!(doc, "|---|---|---|---|---|---|").unwrap();
        writeln!(doc, "{}", mistakes.join("\n")).unwrap();
    }
    let rules: BTreeMap<&str, usize> = outcomes.iter().fold(BTreeMap::new(), |mut m, o| {
        *m.entry(o.ours_rule).or_default() += 1;
        m
    });
    writeln!(
        doc,
        "\nRules that fired on the corpus: {} distinct.",
        rules.len()
    )
    .unwrap();
    writeln!(
        doc,
        "\nThe corpus and the classifier come from the same project, so these figures are an upper bound for \
         estates the rules never saw; the peers' figures carry no such bias."
    )
    .unwrap();
    doc
}
