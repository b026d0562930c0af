//! Code scanning on the labelled corpus of code files (tests/data/code-corpus/): secretslab's
//! package scanner fed the corpus as one zip, the classifier alone on each line (what the
//! scanner did before it had rules for code), detect-secrets and Kingfisher on the same files
//! unpacked, as Prowler runs them. Scored per line: a line a tool flags is right when a secret
//! is planted on it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Cursor, Write as _};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use secretslab::audit::code::{code_sha256, scan_package, Caps, Status};
use secretslab::audit::fingerprint::FingerprintKey;
use secretslab::classify::{classify, Class};
use serde_json::Value;

use crate::scoring::scores;
use crate::PEER_RUNS;

type Line = (String, u64);

struct Label {
    path: String,
    holds: String,
    secrets: Vec<(u64, String)>,
}

struct Tool {
    name: String,
    seconds: f64,
    flagged: BTreeSet<Line>,
}

fn load_labels(path: &Path) -> Vec<Label> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let secrets = v["secrets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    let line = s["line"].as_u64().unwrap();
                    (line, s["kind"].as_str().unwrap().to_string())
                })
                .collect();
            Label {
                path: v["path"].as_str().unwrap().to_string(),
                holds: v["holds"].as_str().unwrap().to_string(),
                secrets,
            }
        })
        .collect()
}

fn zip_corpus(dir: &Path, labels: &[Label]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for label in labels {
        writer.start_file(label.path.as_str(), options).unwrap();
        writer
            .write_all(&std::fs::read(dir.join(&label.path)).unwrap())
            .unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn secretslab(bytes: &[u8]) -> Tool {
    let key = FingerprintKey::generate();
    let start = Instant::now();
    let scan = scan_package(
        Cursor::new(bytes),
        &code_sha256(bytes),
        &Caps::default(),
        &key,
    );
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(
        scan.status,
        Status::Scanned,
        "the corpus package did not scan"
    );
    let flagged = scan
        .findings
        .iter()
        .filter(|f| f.class == Class::Secret)
        .map(|f| (f.path.clone(), f.line))
        .collect();
    Tool {
        name: "secretslab".into(),
        seconds,
        flagged,
    }
}

/// Each trimmed line of each text file classified as one value under no name.
fn classifier_alone(dir: &Path, labels: &[Label]) -> Tool {
    let start = Instant::now();
    let mut flagged = BTreeSet::new();
    for label in labels {
        let bytes = std::fs::read(dir.join(&label.path)).unwrap();
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        for (n, line) in text.lines().enumerate() {
            if classify("", line.trim()).class == Class::Secret {
                flagged.insert((label.path.clone(), n as u64 + 1));
            }
        }
    }
    Tool {
        name: "secretslab before code rules (classifier on each line)".into(),
        seconds: start.elapsed().as_secs_f64(),
        flagged,
    }
}

fn detect_secrets(root: &Path, venv: &Path, dir: &Path) -> Tool {
    let out = Command::new(venv.join("bin/python"))
        .arg(root.join("bench/code_detect_secrets.py"))
        .arg(dir)
        .arg(PEER_RUNS.to_string())
        .output()
        .unwrap();
    assert!(out.status.success(), "detect-secrets failed");
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut flagged = BTreeSet::new();
    for (file, lines) in result["hits"].as_object().unwrap() {
        for line in lines.as_array().unwrap() {
            flagged.insert((file.clone(), line.as_u64().unwrap()));
        }
    }
    let mut seconds: Vec<f64> = result["seconds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    seconds.sort_by(f64::total_cmp);
    Tool {
        name: "detect-secrets".into(),
        seconds: seconds[seconds.len() / 2],
        flagged,
    }
}

fn kingfisher(venv: &Path, work: &Path, dir: &Path) -> Tool {
    let output = work.join("kingfisher-code.json");
    // The first run builds Kingfisher's compiled rule cache, as a long-lived install has it.
    kingfisher_scan(venv, work, dir, &output);
    let start = Instant::now();
    kingfisher_scan(venv, work, dir, &output);
    let seconds = start.elapsed().as_secs_f64();
    let result: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    Tool {
        name: "Kingfisher".into(),
        seconds,
        flagged: kingfisher_findings(&result, dir),
    }
}

fn kingfisher_scan(venv: &Path, work: &Path, dir: &Path, output: &Path) {
    let status = Command::new(venv.join("bin/kingfisher"))
        .arg("scan")
        .arg(dir)
        .args(["--format", "json", "--output"])
        .arg(output)
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
    assert!(
        matches!(status.code(), Some(0 | 200 | 205)),
        "kingfisher failed: {status}"
    );
}

fn kingfisher_findings(result: &Value, dir: &Path) -> BTreeSet<Line> {
    let mut flagged = BTreeSet::new();
    for finding in result["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| &f["finding"])
    {
        let (Some(path), Some(line)) = (finding["path"].as_str(), finding["line"].as_u64()) else {
            continue;
        };
        let relative = Path::new(path).strip_prefix(dir).unwrap_or(Path::new(path));
        flagged.insert((relative.to_string_lossy().to_string(), line));
    }
    flagged
}

/// Scores every tool on the code corpus; the Markdown section for docs/audit-quality.md.
pub fn run(root: &Path, venv: &Path, work: &Path) -> String {
    let corpus = root.join("tests/data/code-corpus");
    let dir = corpus.join("package");
    let labels = load_labels(&corpus.join("labels.jsonl"));
    let bytes = zip_corpus(&dir, &labels);
    eprintln!("scanning the code corpus ({} files)", labels.len());
    let tools = vec![
        classifier_alone(&dir, &labels),
        secretslab(&bytes),
        detect_secrets(root, venv, &dir),
        kingfisher(venv, work, &dir),
    ];
    section(&labels, &tools, bytes.len())
}

fn planted(labels: &[Label]) -> BTreeMap<Line, String> {
    labels
        .iter()
        .flat_map(|l| {
            l.secrets
                .iter()
                .map(|(line, kind)| ((l.path.clone(), *line), kind.clone()))
        })
        .collect()
}

fn section(labels: &[Label], tools: &[Tool], zip_bytes: usize) -> String {
    let truth = planted(labels);
    let decoys = labels.iter().filter(|l| l.secrets.is_empty()).count();
    let mut doc = String::new();
    writeln!(doc, "## Code: deployment packages and layers\n").unwrap();
    writeln!(
        doc,
        "Corpus: `tests/data/code-corpus/` (written by `bench/code_corpus.py`): {} files of a fake \
         package ({zip_bytes} bytes zipped), {} planted secrets on {} of them, {decoys} files of decoys \
         only; `labels.jsonl` says what each file holds and the line and kind of each planted secret. \
         A tool is scored per line: a flagged line with a planted secret is a true positive, any \
         other flagged line a false positive. secretslab counts `secret` findings; its package \
         scanner reads the corpus as one zip, the peers read the unpacked files. Rerun with \
         `AUDIT_QUALITY_PART=code cargo bench --bench audit_quality` (this part only) or without \
         the variable (the whole page). The first row is the classifier alone on each \
         line, as the scanner read code before it had rules of its own; the rules were written \
         after this corpus and scored on it, so a package they have not seen is the harder test.\n",
        labels.len(),
        truth.len(),
        labels.len() - decoys,
    )
    .unwrap();
    let build = if cfg!(debug_assertions) {
        "unoptimised (`--profile dev`): secretslab's seconds are slower than the product's"
    } else {
        "optimised (the bench profile)"
    };
    writeln!(doc, "Build: {build}.\n").unwrap();
    writeln!(
        doc,
        "| tool | precision | recall | F1 | flagged lines | false positives | seconds |"
    )
    .unwrap();
    writeln!(doc, "|---|---|---|---|---|---|---|").unwrap();
    for tool in tools {
        let all: BTreeSet<&Line> = truth.keys().chain(tool.flagged.iter()).collect();
        let pairs = all
            .iter()
            .map(|line| (truth.contains_key(*line), tool.flagged.contains(*line)));
        let (p, r, f, predicted, _) = scores(pairs);
        let wrong = tool
            .flagged
            .iter()
            .filter(|l| !truth.contains_key(*l))
            .count();
        writeln!(
            doc,
            "| {} | {p:.3} | {r:.3} | {f:.3} | {predicted} | {wrong} | {:.3} |",
            tool.name, tool.seconds
        )
        .unwrap();
    }
    per_kind(&mut doc, &truth, tools);
    mistakes(&mut doc, labels, &truth, &tools[1]);
    doc
}

fn per_kind(doc: &mut String, truth: &BTreeMap<Line, String>, tools: &[Tool]) {
    writeln!(doc, "\nRecall per planted kind (found/planted):\n").unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
    writeln!(doc, "| kind | {} |", names.join(" | ")).unwrap();
    writeln!(doc, "|---|{}", "---|".repeat(tools.len())).unwrap();
    let mut kinds: BTreeMap<&str, Vec<&Line>> = BTreeMap::new();
    for (line, kind) in truth {
        kinds.entry(kind).or_default().push(line);
    }
    for (kind, lines) in kinds {
        let cells: Vec<String> = tools
            .iter()
            .map(|t| {
                let found = lines.iter().filter(|l| t.flagged.contains(**l)).count();
                format!("{found}/{}", lines.len())
            })
            .collect();
        writeln!(doc, "| {kind} | {} |", cells.join(" | ")).unwrap();
    }
}

fn mistakes(doc: &mut String, labels: &[Label], truth: &BTreeMap<Line, String>, ours: &Tool) {
    let holds: BTreeMap<&str, &str> = labels
        .iter()
        .map(|l| (l.path.as_str(), l.holds.as_str()))
        .collect();
    writeln!(doc, "\nsecretslab's mistakes on this corpus:\n").unwrap();
    let mut any = false;
    for (path, line) in ours.flagged.iter().filter(|l| !truth.contains_key(*l)) {
        any = true;
        let what = holds.get(path.as_str()).unwrap_or(&"");
        writeln!(doc, "- false positive: `{path}` line {line} ({what})").unwrap();
    }
    for ((path, line), kind) in truth.iter().filter(|(l, _)| !ours.flagged.contains(*l)) {
        any = true;
        writeln!(doc, "- missed: `{path}` line {line} ({kind})").unwrap();
    }
    if !any {
        writeln!(doc, "- none").unwrap();
    }
}
