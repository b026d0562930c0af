//! The peers: detect-secrets and Kingfisher installed into a benchmark venv, and each run
//! over the function files the way Prowler runs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::corpus::flags_from_hits;
use crate::{support, PeerRun, DETECT_SECRETS, KINGFISHER, PEER_RUNS};

pub fn ensure_peers(root: &Path) -> PathBuf {
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

pub fn run_detect_secrets(
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

pub fn run_kingfisher(
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

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
