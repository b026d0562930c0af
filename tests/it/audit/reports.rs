//! The HTML and CSV reports against the JSON report, and the page rendered in Chromium.

use std::process::Output;

use std::path::Path;

use crate::common::{stderr, stdout, TestHome};
use serde_json::Value;

use super::estate::*;
use super::{audit, json};

/// Chromium, or `None` where it is missing outside CI (under `CI=true` it is required).
fn chromium() -> Option<std::path::PathBuf> {
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

/// Run headless Chromium on `page` with `args` (as root it needs its sandbox off).
fn run_chromium(chromium: &std::path::Path, page: &std::path::Path, args: &[&str]) -> Output {
    let profile = tempfile::tempdir().unwrap();
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
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium: {}", stderr(&out));
    out
}

/// `name="N"` in `tag`, as a number.
fn data_count(tag: &str, name: &str) -> u64 {
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
    assert!(csv.starts_with("account,region,function,function_arn,version,aliases,variable,class,rule,reason,shape,fingerprint,owner"));

    // What follows reads the report's files only.
    home.stop_local();
    let Some(chromium) = chromium() else { return };
    the_page_renders_what_the_json_says(&chromium, &page, &doc);
}

/// In headless Chromium the page's counts match the JSON report's, one article per finding;
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
    assert_eq!(
        dom.matches("<article class=\"finding\"").count(),
        findings.len()
    );

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
