//! The whole organization audited: exactly the planted secrets found, every format, no value
//! shown; scope flags that make no sense refused.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{stderr, stdout, TestHome};
use serde_json::Value;

use super::estate::*;
use super::{audit, found, json, sarif_errors};

#[tokio::test(flavor = "multi_thread")]
async fn organization_audit_finds_exactly_the_planted_secrets() {
    let home = TestHome::new();
    // IAM enforcement on: AssumeRole into a role that does not exist is refused.
    let endpoint = home.start_emulator_enforcing_iam();
    let estate = plant(&endpoint).await;
    let mut outputs = Vec::new();
    let regions = REGIONS.join(",");
    let org = [
        "--organization",
        "--assume-role",
        ROLE,
        "--regions",
        &regions,
    ];

    json_report(&home, &mut outputs, &org, &estate);
    text_report(&home, &mut outputs, &org, &estate);
    let baseline = sarif_report_and_baseline(&home, &mut outputs, &org, &estate);
    baseline_suppresses_every_finding(&home, &mut outputs, &org, &estate, &baseline);
    one_clean_member(&home, &mut outputs, &regions, &estate);
    one_function_by_name(&home, &mut outputs, &regions, &estate);
    no_planted_value_anywhere(&home, &outputs, &estate);
    home.stop_local();
}

/// JSON, every variable listed: exactly the planted secrets, the old version with its
/// aliases, references as references, the closed member incomplete.
fn json_report(home: &TestHome, outputs: &mut Vec<Output>, org: &[&str], estate: &Estate) {
    let mut args = vec!["--json"];
    args.extend_from_slice(org);
    args.push("--show-all");
    let out = audit(home, outputs, &args);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(found(&doc), estate.expected, "{doc:#}");
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["class"] == "secret"));
    let scanned = &doc["scanned"];
    assert_eq!(scanned["accounts"], 4);
    assert_eq!(scanned["regions"], 2);
    // billing, orders, reports, inventory ×2 — payroll is behind the closed account.
    assert_eq!(scanned["functions"], 5, "{scanned}");
    for key in ["versions", "variables"] {
        assert!(scanned[key].as_u64().unwrap() > 0, "{scanned}");
    }
    assert!(doc["elapsed_ms"].is_u64());
    assert_eq!(doc["suppressed"], 0);

    old_version_and_references(&doc);
    // The member without the role is incomplete in both regions, with a plain error.
    let incomplete = doc["incomplete"].as_array().unwrap();
    assert_eq!(incomplete.len(), 2, "{incomplete:?}");
    for gap in incomplete {
        assert_eq!(gap["account"], estate.closed_member.as_str());
        let error = gap["error"].as_str().unwrap();
        assert!(
            error.contains("AccessDenied") && error.contains(ROLE),
            "{error}"
        );
    }
}

/// The old version is reported with its aliases (its function ARN carries the version), and
/// references are reported as references, not findings.
fn old_version_and_references(doc: &Value) {
    let old = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "reports")
        .unwrap();
    assert_eq!(old["version"], "1");
    assert_eq!(old["aliases"], serde_json::json!(["prod"]));
    assert!(old["function_arn"]
        .as_str()
        .unwrap()
        .ends_with(":function:reports:1"));
    for key in ["rule", "reason", "fingerprint"] {
        assert!(!old[key].as_str().unwrap().is_empty(), "{old}");
    }
    assert!(old["shape"]["length"].as_u64().unwrap() > 0);

    // References are reported as references, not findings.
    let variables = doc["variables"].as_array().unwrap();
    for name in [
        "DB_SECRET_ARN",
        "DB_PASSWORD_PARAMETER",
        "REPORT_API_TOKEN_SECRET_ARN",
    ] {
        let classes: BTreeSet<&str> = variables
            .iter()
            .filter(|v| v["variable"] == name)
            .map(|v| v["class"].as_str().unwrap())
            .collect();
        assert_eq!(classes, BTreeSet::from(["reference"]), "{name}");
    }
}

/// Text: grouped by function, the old version with its alias.
fn text_report(home: &TestHome, outputs: &mut Vec<Output>, org: &[&str], estate: &Estate) {
    let out = audit(home, outputs, org);
    assert_eq!(out.status.code(), Some(4));
    let text = stdout(&out);
    for needle in [
        "reports",
        "version 1, aliases prod",
        "REPORT_API_TOKEN",
        "not read completely",
        &estate.closed_member,
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
}

/// SARIF to a file, valid against the official schema; a baseline of the findings, whose
/// path is returned.
fn sarif_report_and_baseline(
    home: &TestHome,
    outputs: &mut Vec<Output>,
    org: &[&str],
    estate: &Estate,
) -> PathBuf {
    let sarif_path = home.path().join("audit.sarif");
    let baseline_path = home.path().join("baseline.json");
    let mut args = org.to_vec();
    let sarif_arg = sarif_path.to_str().unwrap();
    let baseline_arg = baseline_path.to_str().unwrap();
    args.extend_from_slice(&[
        "--format",
        "sarif",
        "--output",
        sarif_arg,
        "--write-baseline",
        baseline_arg,
    ]);
    let out = audit(home, outputs, &args);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    let errors = sarif_errors(&sarif);
    assert!(errors.is_empty(), "{errors:#?}");
    // The estate's references without the extension layer are hygiene results beside them.
    let results: Vec<&Value> = (sarif["runs"][0]["results"].as_array().unwrap().iter())
        .filter(|r| !r["ruleId"].as_str().unwrap().starts_with("hygiene/"))
        .collect();
    assert_eq!(results.len(), estate.expected.len());
    let uris: BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.iter().any(|u| u.ends_with(":function:reports:1")),
        "{uris:?}"
    );
    let baseline: Value = serde_json::from_slice(&std::fs::read(&baseline_path).unwrap()).unwrap();
    assert_eq!(baseline.as_array().unwrap().len(), estate.expected.len());

    baseline_path
}

/// With the baseline nothing is new: the count is reported, and the closed member still
/// makes the audit incomplete (exit 5).
fn baseline_suppresses_every_finding(
    home: &TestHome,
    outputs: &mut Vec<Output>,
    org: &[&str],
    estate: &Estate,
    baseline: &Path,
) {
    let baseline_arg = baseline.to_str().unwrap();
    let mut args = vec!["--json"];
    args.extend_from_slice(org);
    args.extend_from_slice(&["--baseline", baseline_arg]);
    let out = audit(home, outputs, &args);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["suppressed"], estate.expected.len());
}

/// A member with references only: clean and complete (exit 0). Its own account only.
fn one_clean_member(home: &TestHome, outputs: &mut Vec<Output>, regions: &str, estate: &Estate) {
    let out = audit(
        home,
        outputs,
        &[
            "--json",
            "--accounts",
            &estate.clean_member,
            "--assume-role",
            ROLE,
            "--regions",
            regions,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["incomplete"], serde_json::json!([]));
    assert_eq!(doc["scanned"]["functions"], 2);
}

/// One function, by name: only its findings.
fn one_function_by_name(
    home: &TestHome,
    outputs: &mut Vec<Output>,
    regions: &str,
    estate: &Estate,
) {
    let out = audit(
        home,
        outputs,
        &[
            "--json",
            "--accounts",
            &estate.fixed_member,
            "--assume-role",
            ROLE,
            "--regions",
            regions,
            "--function",
            "reports",
        ],
    );
    assert_eq!(out.status.code(), Some(4));
    let doc = json(&out);
    assert_eq!(doc["scanned"]["functions"], 1);
    assert_eq!(found(&doc).len(), 1);
}

/// No planted value anywhere: outputs, reports, baseline, logs, state files; the fingerprint
/// key private.
fn no_planted_value_anywhere(home: &TestHome, outputs: &[Output], estate: &Estate) {
    let files = home.state_files_text();
    for secret in &estate.secrets {
        for out in outputs {
            assert!(
                !stdout(out).contains(secret) && !stderr(out).contains(secret),
                "a planted value reached the output"
            );
        }
        assert!(
            !files.contains(secret),
            "a planted value reached a file under SECRETSLAB_HOME"
        );
    }
    let key = home.path().join("state/audit/fingerprint.key");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn bad_scope_flags_are_usage_errors() {
    let home = TestHome::new();
    for (args, needle) in [
        (vec!["audit", "--accounts", "12345"], "--accounts"),
        (vec!["audit", "--regions", "moon-1"], "--regions"),
        (
            vec!["audit", "--assume-role", "arn:aws:iam::111111111111:role/x"],
            "--assume-role",
        ),
    ] {
        let out = home.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.starts_with("error[secretslab::audit::")
                && err.contains("help:")
                && err.contains(needle),
            "{err}"
        );
    }
    let out = home.run(&["audit", "--organization", "--accounts", "111111111111"]);
    assert_eq!(out.status.code(), Some(2));
}
