use std::path::Path;

use super::file::{find, parse, FILE_NAME};
use super::*;
use crate::audit::report::{Outcome, Scanned};
use crate::classify::{Class, Shape};

fn finding(function: &str, variable: &str, rule: &'static str, fingerprint: &str) -> Finding {
    Finding {
        account: "111111111111".into(),
        region: "us-east-1".into(),
        service: crate::audit::report::Service::Lambda,
        function: function.into(),
        function_arn: crate::domain::arn::Scope::new("aws", "us-east-1", "111111111111")
            .function(function)
            .qualified("$LATEST")
            .to_string(),
        version: "$LATEST".into(),
        aliases: vec![],
        variable: variable.into(),
        class: Class::Secret,
        rule,
        reason: "r",
        shape: Shape {
            length: 32,
            prefix: None,
        },
        fingerprint: fingerprint.into(),
        owner: crate::domain::owner::Owner::None,
    }
}

fn report(findings: Vec<Finding>) -> AuditReport {
    AuditReport {
        scanned: Scanned::default(),
        outcome: Outcome::Clean,
        summary: Default::default(),
        scopes: vec![],
        incomplete: vec![],
        findings,
        hygiene: vec![],
        suppressed: 0,
        ignoring: Ignoring::default(),
        elapsed_ms: 0,
        variables: None,
    }
}

fn rules(text: &str) -> IgnoreRules {
    parse(Path::new(FILE_NAME), text).unwrap_or_else(|e| panic!("{e}"))
}

/// The error of a file that does not parse, as one line.
fn mistake(text: &str) -> String {
    let err = parse(Path::new(FILE_NAME), text).expect_err("an error");
    assert_eq!(err.exit_code(), 2);
    assert!(err.help_text().is_some_and(|h| h.contains("README")));
    err.to_string()
}

const GOOD: &str = r#"# reviewed with the code
[[ignore]]
function = "orders-*"
variable = "MYSQL_ALLOW_EMPTY_*"
reason = "a flag, not a password"

[[ignore]]
rule = "secret-name-weak-value"
reason = "weak test values"
expires = 2030-01-31

[[ignore]]
fingerprint = "hmac-sha256:00ff"
reason = "the published example token"
"#;

#[test]
fn a_good_file_gives_its_rules_with_their_lines() {
    let parsed = rules(GOOD);
    let lines: Vec<usize> = parsed.rules.iter().map(|r| r.line).collect();
    assert_eq!(lines, [2, 7, 12]);
    assert_eq!(parsed.rules[1].expires.as_deref(), Some("2030-01-31"));
    assert_eq!(parsed.rules[0].reason, "a flag, not a password");
    assert!(rules("").rules.is_empty());
}

#[test]
fn a_malformed_file_is_one_error_naming_the_line() {
    let cases = [
        (
            "[[ignore]]\nreason = \"x\"\nfunction = \"a\nvariable = \"b\"\n",
            3,
        ),
        (
            "[[ignore]]\nfunction = \"a\"\nreason = \"x\"\nfuntion = \"b\"\n",
            4,
        ),
        (
            "[[ignore]]\nfunction = \"a\"\nreason = \"x\"\n\n[[ignore]]\nvariable = \"B\"\n",
            5,
        ),
        ("[[ignore]]\nreason = \"x\"\n", 1),
        (
            "[[ignore]]\nfunction = \"a\"\nreason = \"x\"\nexpires = 2030-01-31T10:00:00\n",
            4,
        ),
        (
            "[[ignore]]\nfunction = \"a\"\nreason = \"x\"\nexpires = \"soon\"\n",
            4,
        ),
        ("[[ignore]]\nfunction = \"a[\"\nreason = \"x\"\n", 2),
        ("[[ignore]]\nrule = \"pasword-name\"\nreason = \"x\"\n", 2),
        ("[[ignore]]\nfunction = \"a\"\nreason = \"  \"\n", 3),
        ("[ignore]\nfunction = \"a\"\n", 1),
        ("\n[[ignore]]\nfunction = \"a\"\n", 2),
    ];
    for (text, line) in cases {
        let message = mistake(text);
        assert!(
            message.starts_with(&format!("{FILE_NAME}:{line}: ")),
            "{text:?}: {message}"
        );
        assert_eq!(message.lines().count(), 1, "{message}");
    }
    assert!(mistake(cases[3].0).contains("at least one of"));
    assert!(mistake(cases[10].0).contains("needs a `reason`"));
    assert!(mistake(cases[7].0).contains("`pasword-name` is not a rule id"));
}

#[test]
fn a_value_pasted_as_fingerprint_is_refused_without_being_echoed() {
    let text = "[[ignore]]\nfingerprint = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\"\nreason = \"x\"\n";
    let message = mistake(text);
    assert!(
        message.contains(":2: `fingerprint` must be copied"),
        "{message}"
    );
    assert!(!message.contains("4eC39"), "{message}");
}

#[test]
fn globs_match_names_and_every_matcher_must_hold() {
    let parsed = rules(GOOD);
    let mut audit = report(vec![
        finding(
            "orders-api",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "password-name",
            "hmac-sha256:01",
        ),
        finding(
            "billing",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "password-name",
            "hmac-sha256:02",
        ),
        finding(
            "orders-api",
            "DB_PASSWORD",
            "password-name",
            "hmac-sha256:03",
        ),
        finding(
            "billing",
            "API_KEY",
            "secret-name-weak-value",
            "hmac-sha256:04",
        ),
    ]);
    apply(&mut audit, &parsed, "2026-12-07");
    let left: Vec<&str> = audit
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    assert_eq!(left, ["hmac-sha256:02", "hmac-sha256:03"]);
    let by: Vec<usize> = audit
        .ignoring
        .ignored
        .iter()
        .map(|i| i.ignored_by.line)
        .collect();
    assert_eq!(by, [2, 7]);
    assert!(audit.ignoring.ignore_warnings.is_empty());
}

#[test]
fn a_glob_on_paths_stays_within_a_segment_unless_doubled() {
    let one = Pattern::new("src/*.py".into()).unwrap_or_else(|e| panic!("{e}"));
    let any = Pattern::new("src/**/*.py".into()).unwrap_or_else(|e| panic!("{e}"));
    assert!(one.matches("src/app.py") && !one.matches("src/lib/app.py"));
    assert!(any.matches("src/lib/app.py"));
}

#[test]
fn a_vendor_format_is_silenced_by_its_fingerprint_only() {
    let text = "[[ignore]]\nvariable = \"STRIPE_*\"\nreason = \"test key\"\n\n[[ignore]]\nfingerprint = \"hmac-sha256:0b\"\nreason = \"the test account's key\"\n";
    let mut audit = report(vec![
        finding("shop", "STRIPE_KEY", "stripe-key", "hmac-sha256:0a"),
        finding("shop", "STRIPE_SECRET", "stripe-key", "hmac-sha256:0b"),
        finding("shop", "STRIPE_PASSWORD", "password-name", "hmac-sha256:0c"),
    ]);
    apply(&mut audit, &rules(text), "2026-12-07");
    assert_eq!(audit.findings.len(), 1);
    assert_eq!(audit.findings[0].variable, "STRIPE_KEY");
    let ignored: Vec<(&str, usize)> = audit
        .ignoring
        .ignored
        .iter()
        .map(|i| (i.finding.variable.as_str(), i.ignored_by.line))
        .collect();
    assert_eq!(ignored, [("STRIPE_SECRET", 5), ("STRIPE_PASSWORD", 1)]);
    let warnings = &audit.ignoring.ignore_warnings;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with(".secretslab.toml:1: ") && warnings[0].contains("vendor"));
}

#[test]
fn an_expired_rule_stops_applying_and_says_so() {
    let text = "[[ignore]]\nvariable = \"API_KEY\"\nreason = \"until the rotation\"\nexpires = 2026-12-06\n";
    let mut audit = report(vec![finding(
        "billing",
        "API_KEY",
        "password-name",
        "hmac-sha256:04",
    )]);
    apply(&mut audit, &rules(text), "2026-12-06");
    assert_eq!(
        audit.ignoring.ignored.len(),
        1,
        "applies through its last day"
    );

    let mut audit = report(vec![finding(
        "billing",
        "API_KEY",
        "password-name",
        "hmac-sha256:04",
    )]);
    apply(&mut audit, &rules(text), "2026-12-07");
    assert_eq!(audit.findings.len(), 1);
    assert!(audit.ignoring.ignored.is_empty());
    let warnings = &audit.ignoring.ignore_warnings;
    assert!(
        warnings.len() == 1 && warnings[0].contains("expired on 2026-12-06"),
        "{warnings:?}"
    );
}

#[test]
fn the_file_is_found_from_the_working_directory_upward() {
    let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let deep = root.path().join("a/b");
    std::fs::create_dir_all(&deep).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&deep), None);
    let path = root.path().join(FILE_NAME);
    std::fs::write(&path, GOOD).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(find(&deep), Some(path.clone()));
    let loaded = file::load(None, &deep).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.map(|r| r.rules.len()), Some(3));
    assert!(file::load(Some(&root.path().join("missing.toml")), &deep).is_err());
}

#[test]
fn today_is_a_date() {
    let today = today();
    assert_eq!(today.len(), 10, "{today}");
    assert!(today.as_str() > "2025-01-01" && today.as_bytes()[4] == b'-');
}

/// The README's example is a file that parses, rule for rule.
#[test]
fn the_readme_example_parses() {
    let readme = include_str!("../../../README.md");
    let example = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_default();
    assert_eq!(rules(example).rules.len(), 3, "{example}");
}
