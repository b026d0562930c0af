//! `.secretslab.toml` in the working directory (or above it) ignores findings with a reason:
//! listed with `--show-ignored`, in JSON and as SARIF suppressions, never counted toward
//! `--fail-on`; a vendor-format value only by its fingerprint; an expired rule says so.
//! `--explain` shows how one variable was decided.

use std::path::Path;
use std::process::Output;

use crate::common::{stderr, stdout, TestHome};
use serde_json::Value;

use super::estate::*;
use super::{json, sarif_errors};

/// Run `secretslab --local audit ARGS` in `dir`, keeping the output for the leak check.
fn audit_in(home: &TestHome, dir: &Path, outputs: &mut Vec<Output>, args: &[&str]) -> Output {
    let mut all = vec!["--local", "audit"];
    all.extend_from_slice(args);
    let out = home.command().current_dir(dir).args(&all).output().unwrap();
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    outputs.push(out.clone());
    out
}

const RULES: &str = r#"[[ignore]]
function = "orders-*"
variable = "DB_PASSWORD"
reason = "the test database's password, rotated nightly"

[[ignore]]
variable = "STRIPE_*"
reason = "test keys only"

[[ignore]]
function = "billing"
reason = "until the token moved"
expires = 2020-01-01
"#;

/// `(function, variable)` of each entry of `doc[key]`.
fn names(doc: &Value, key: &str) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = doc[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap().to_string();
            (field("function"), field("variable"))
        })
        .collect();
    names.sort();
    names
}

fn pair(function: &str, variable: &str) -> (String, String) {
    (function.to_string(), variable.to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_config_in_the_working_directory_ignores_findings_and_every_report_lists_them() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = config(&endpoint, MANAGEMENT, "us-east-1").await;
    let role = function_role(&aws_sdk_iam::Client::new(&sdk), MANAGEMENT).await;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    let secrets = [random(24), format!("sk_live_{}", random(24)), random(32)];
    create_function(
        &lambda,
        &role,
        "orders-api",
        &[("DB_PASSWORD", &secrets[0])],
    )
    .await;
    create_function(&lambda, &role, "shop", &[("STRIPE_KEY", &secrets[1])]).await;
    create_function(&lambda, &role, "billing", &[("API_TOKEN", &secrets[2])]).await;
    // Found from a directory below the one that holds it.
    let repo = home.path().join("repo");
    let below = repo.join("src");
    std::fs::create_dir_all(&below).unwrap();
    std::fs::write(repo.join(".secretslab.toml"), RULES).unwrap();
    let mut outputs = Vec::new();

    let doc = json_and_text_list_what_was_ignored(&home, &below, &mut outputs);
    let sarif = audit_in(&home, &below, &mut outputs, &["--format", "sarif"]);
    sarif_suppresses(&serde_json::from_slice(&sarif.stdout).unwrap());

    // The vendor-format value by its fingerprint, the rest live: nothing is left to fail on.
    let stripe = &doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["function"] == "shop")
        .unwrap()["fingerprint"];
    let all = format!(
        "{}\n[[ignore]]\nfingerprint = {stripe}\nreason = \"the test account's key\"\n",
        RULES.replace("2020-01-01", "2999-12-31")
    );
    std::fs::write(repo.join(".secretslab.toml"), all).unwrap();
    for fail_on in ["secret", "suspect"] {
        let out = audit_in(
            &home,
            &below,
            &mut outputs,
            &["--json", "--fail-on", fail_on],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let doc = json(&out);
        assert!(doc["findings"].as_array().unwrap().is_empty(), "{doc:#}");
        assert_eq!(doc["ignored"].as_array().unwrap().len(), 3);
    }
    a_malformed_config_is_refused_with_its_line(&home, &below, &mut outputs);
    explain_shows_every_rule_without_the_value(&home, &below, &mut outputs);
    home.stop_local();
    for out in &outputs {
        for secret in &secrets {
            assert!(
                !stdout(out).contains(secret.as_str()) && !stderr(out).contains(secret.as_str())
            );
        }
    }
}

/// JSON lists the ignored finding with its rule and both warnings (an expired rule, a glob
/// held back by a vendor format); text counts it, and lists it with `--show-ignored`.
fn json_and_text_list_what_was_ignored(
    home: &TestHome,
    dir: &Path,
    outputs: &mut Vec<Output>,
) -> Value {
    let out = audit_in(home, dir, outputs, &["--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(
        names(&doc, "findings"),
        [pair("billing", "API_TOKEN"), pair("shop", "STRIPE_KEY")]
    );
    assert_eq!(names(&doc, "ignored"), [pair("orders-api", "DB_PASSWORD")]);
    let by = &doc["ignored"][0]["ignored_by"];
    assert_eq!(
        (by["line"].as_u64(), by["reason"].as_str()),
        (
            Some(1),
            Some("the test database's password, rotated nightly")
        )
    );
    let warnings = doc["ignore_warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings.iter().any(|w| w
        .as_str()
        .unwrap()
        .contains(":10: this ignore rule expired on 2020-01-01")));
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains(
        ":6: this ignore rule names 1 finding(s) whose value has a vendor's token format"
    )));

    let text = stdout(&audit_in(home, dir, outputs, &[]));
    assert!(
        text.contains("1 ignored by rule (--show-ignored lists them)"),
        "{text}"
    );
    assert!(!text.contains("rotated nightly"), "{text}");
    let out = audit_in(home, dir, outputs, &["--show-ignored"]);
    let text = stdout(&out);
    assert!(
        text.contains("orders-api DB_PASSWORD")
            && text.contains(".secretslab.toml:1: the test database's password"),
        "{text}"
    );
    assert!(text.contains(":10: this ignore rule expired on"), "{text}");

    doc
}

/// The ignored finding is a SARIF result with an external, accepted suppression naming the
/// rule's file and line; the others have none; the log is valid against the schema.
fn sarif_suppresses(sarif: &Value) {
    assert!(sarif_errors(sarif).is_empty(), "{:#?}", sarif_errors(sarif));
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["properties"]["function"], "orders-api");
    let suppression = &suppressed[0]["suppressions"][0];
    assert_eq!(
        (suppression["kind"].as_str(), suppression["status"].as_str()),
        (Some("external"), Some("accepted"))
    );
    assert_eq!(
        suppression["justification"],
        "the test database's password, rotated nightly"
    );
    let location = &suppression["location"]["physicalLocation"];
    assert!(location["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with(".secretslab.toml"));
    assert_eq!(location["region"]["startLine"], 1);
}

/// `--config FILE` that does not parse: exit 2 before any scan, one error with the line.
fn a_malformed_config_is_refused_with_its_line(
    home: &TestHome,
    dir: &Path,
    outputs: &mut Vec<Output>,
) {
    let bad = home.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[ignore]]\nfunction = \"orders-*\"\nreson = \"typo\"\n",
    )
    .unwrap();
    let out = audit_in(home, dir, outputs, &["--config", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("bad.toml:3:"), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l
                .trim_start()
                .starts_with("error[secretslab::audit::config_invalid]:"))
            .count(),
        1,
        "{err}"
    );
}

/// `--explain FN:VAR`: the deciding rule fired, the rules before it did not, each with why.
fn explain_shows_every_rule_without_the_value(
    home: &TestHome,
    dir: &Path,
    outputs: &mut Vec<Output>,
) {
    let out = audit_in(home, dir, outputs, &["--explain", "orders-api:DB_PASSWORD"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("secret by password-name (24 chars; fingerprint hmac-sha256:"),
        "{text}"
    );
    assert!(
        text.contains("no  config-empty") && text.contains("yes password-name"),
        "{text}"
    );
    assert!(text.contains("value: 24 chars"), "{text}");
    assert!(
        text.contains(".secretslab.toml:1 silences it: the test"),
        "{text}"
    );

    let out = audit_in(
        home,
        dir,
        outputs,
        &["--json", "--explain", "shop:STRIPE_KEY"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    let steps = doc["explain"][0]["steps"].as_array().unwrap();
    let last = steps.last().unwrap();
    assert_eq!(
        (last["rules"].as_str(), last["fired"].as_bool()),
        (Some("stripe-key"), Some(true))
    );
    assert!(steps[..steps.len() - 1].iter().all(|s| s["fired"] == false));
    assert_eq!(doc["explain"][0]["versions"][0], "$LATEST");
    let ignore: Vec<&str> = doc["explain"][0]["ignore"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(ignore.len(), 2, "{ignore:?}");
    assert!(ignore[0].ends_with(
        ":6 names it, but its value has a vendor's token format: only its fingerprint silences it"
    ));
    assert!(
        ignore[1].ends_with(":15 silences it: the test account's key"),
        "{ignore:?}"
    );

    let out = audit_in(home, dir, outputs, &["--explain", "shop:NOPE"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no version of function `shop`"),
        "{}",
        stderr(&out)
    );
}
