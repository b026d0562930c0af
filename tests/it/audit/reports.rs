//! The HTML and CSV reports against the JSON report, and the page rendered in Chromium.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use crate::common::{stderr, stdout, TestHome};
use serde_json::Value;

use super::estate::*;
use super::{audit, json};

/// Chromium, or `None` where it is missing outside CI (under `CI=true` it is required).
pub(super) fn chromium() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    });
    if found.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "chromium is required under CI (scripts/test installs it)"
        );
        eprintln!("note: chromium is not installed; the HTML report was not rendered");
    }
    found
}

/// Run headless Chromium on `page` with `args` (as root it needs its sandbox off), in a
/// 1280 px wide window unless `args` size it.
pub(super) fn run_chromium(
    chromium: &std::path::Path,
    page: &std::path::Path,
    args: &[&str],
) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let sized = args.iter().any(|a| a.starts_with("--window-size="));
    let out = std::process::Command::new("timeout")
        .arg("120")
        .arg(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .args((!sized).then_some("--window-size=1280,2000"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium: {}", stderr(&out));
    out
}

/// `name="N"` in `tag`, as a number.
pub(super) fn data_count(tag: &str, name: &str) -> u64 {
    let needle = format!("{name}=\"");
    let at = tag
        .find(&needle)
        .unwrap_or_else(|| panic!("{name} missing in {tag}"))
        + needle.len();
    tag[at..].split('"').next().unwrap().parse().unwrap()
}

/// The HTML and CSV reports of one scan agree with its JSON report and hold no value; the
/// page renders in headless Chromium (the screenshot is kept under target/test-artifacts).
#[tokio::test(flavor = "multi_thread")]
async fn html_and_csv_reports_match_the_json_report() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = config(&endpoint, MANAGEMENT, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let role = function_role(&iam, MANAGEMENT).await;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let secrets = [random(28), format!("ghp_{}", random(36))];
    create_function(
        &lambda,
        &role,
        "orders",
        &[("DB_PASSWORD", &secrets[0]), ("LOG_LEVEL", "info")],
    )
    .await;
    publish(&lambda, "orders").await;
    create_function(&lambda, &role, "reports", &[("GITHUB_TOKEN", &secrets[1])]).await;
    create_function(&lambda, &role, "quiet", &[("TABLE", "orders")]).await;

    let mut outputs = Vec::new();
    let page = home.path().join("audit.html");
    let out = audit(
        &home,
        &mut outputs,
        &[
            "--json",
            "--format",
            "html",
            "--output",
            page.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc = json(&out);
    let html = std::fs::read_to_string(&page).unwrap();
    let csv_path = home.path().join("audit.csv");
    let out = audit(
        &home,
        &mut outputs,
        &["--format", "csv", "--output", csv_path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    for secret in &secrets {
        assert!(!html.contains(secret.as_str()) && !csv.contains(secret.as_str()));
    }
    let findings = doc["findings"].as_array().unwrap();
    // Header + one row per finding (no field spans lines here).
    assert_eq!(csv.lines().count(), findings.len() + 1, "{csv}");
    assert!(csv.starts_with("account,region,service,function,function_arn,version,aliases,variable,class,rule,reason,shape,fingerprint,owner"));
    the_summary_counts_the_findings(&doc);
    the_csv_rows_add_up_to_the_summary(&csv, &doc);

    // What follows reads the report's files only.
    home.stop_local();
    let Some(chromium) = chromium() else { return };
    the_page_renders_what_the_json_says(&chromium, &page, &doc);
}

/// The JSON `summary` counts exactly the JSON `findings`, per class, rule, service, account
/// and region (issue 29).
fn the_summary_counts_the_findings(doc: &Value) {
    let findings = doc["findings"].as_array().unwrap();
    let summary = &doc["summary"];
    assert_eq!(summary["findings"].as_u64(), Some(findings.len() as u64));
    for (key, field) in [
        ("classes", "class"),
        ("rules", "rule"),
        ("services", "service"),
        ("accounts", "account"),
        ("regions", "region"),
    ] {
        let counted = count_by(
            findings
                .iter()
                .map(|f| f[field].as_str().unwrap().to_string()),
        );
        let summed: BTreeMap<String, u64> = summary[key]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(summed, counted, "summary.{key}");
    }
    assert_eq!(
        summary["services"]["lambda"].as_u64(),
        Some(findings.len() as u64)
    );
    // Both classes of finding are keys, also at 0.
    assert!(summary["classes"]["secret"].is_u64() && summary["classes"]["suspect"].is_u64());
}

/// A pivot of the CSV by class, rule, service, account or region gives the summary's numbers.
fn the_csv_rows_add_up_to_the_summary(csv: &str, doc: &Value) {
    let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    for (key, column) in [
        ("classes", "class"),
        ("rules", "rule"),
        ("services", "service"),
        ("accounts", "account"),
        ("regions", "region"),
    ] {
        let at = headers.iter().position(|h| h == column).unwrap();
        let counted = count_by(rows.iter().map(|r| r[at].to_string()));
        for (name, n) in &counted {
            assert_eq!(doc["summary"][key][name].as_u64(), Some(*n), "{key}.{name}");
        }
    }
}

fn count_by(values: impl Iterator<Item = String>) -> BTreeMap<String, u64> {
    let mut counts = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    counts
}

/// In headless Chromium the page's counts match the JSON report's, one row per value;
/// the screenshot is kept under target/test-artifacts.
fn the_page_renders_what_the_json_says(chromium: &Path, page: &Path, doc: &Value) {
    let findings = doc["findings"].as_array().unwrap();
    let dom = stdout(&run_chromium(chromium, page, &["--dump-dom"]));
    let body = dom
        .split("<body")
        .nth(1)
        .and_then(|b| b.split('>').next())
        .expect(&dom);
    let scanned = &doc["scanned"];
    for key in ["accounts", "regions", "functions", "versions", "variables"] {
        assert_eq!(
            data_count(body, &format!("data-{key}")),
            scanned[key].as_u64().unwrap(),
            "{key}"
        );
    }
    assert_eq!(data_count(body, "data-findings"), findings.len() as u64);
    let secret_count = findings.iter().filter(|f| f["class"] == "secret").count();
    assert_eq!(data_count(body, "data-secrets"), secret_count as u64);
    assert_eq!(data_count(body, "data-incomplete"), 0);
    // One row per value, each counting its versions: together every finding.
    let per_row: u64 = dom
        .split("<tr data-class=")
        .skip(1)
        .map(|row| data_count(row.split('>').next().unwrap(), "data-findings"))
        .sum();
    assert_eq!(per_row, findings.len() as u64);

    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("audit-report.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        chromium,
        page,
        &[&format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
