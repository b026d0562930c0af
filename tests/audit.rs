//! `secretslab audit` end to end on the emulator: an organization of a management account and
//! three members over two regions, functions with published versions and aliases, one member
//! the audit role cannot enter. The emulator runs with IAM enforcement (`AUTH=true`) so that
//! `AssumeRole` into a missing role is refused as AWS refuses it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::process::Output;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, Runtime};
use aws_sdk_sts::config::Credentials;
use common::{stderr, stdout, TestHome};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::Value;

const MANAGEMENT: &str = "000000000000";
const ROLE: &str = "Auditor";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Root credentials of `account` on the emulator (a 12-digit access key id acts as that account).
async fn config(endpoint: &str, account: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(account, "test", None, None, "test"))
        .load()
        .await
}

fn random(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

/// A minimal deployment package.
fn package() -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    zip.start_file::<_, ()>(
        "lambda_function.py",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"def lambda_handler(event, context):\n    return {}\n")
        .unwrap();
    zip.finish().unwrap();
    buffer.into_inner()
}

/// The role functions run as (IAM enforcement wants it to exist).
async fn function_role(iam: &aws_sdk_iam::Client, account: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("app-function")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    format!("arn:aws:iam::{account}:role/app-function")
}

/// The audit role in a member account: assumable by the management account, read-only on Lambda.
async fn audit_role(iam: &aws_sdk_iam::Client) {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{MANAGEMENT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    iam.create_role()
        .role_name(ROLE)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let read = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:ListFunctions","lambda:ListVersionsByFunction","lambda:ListAliases"],"Resource":"*"}]}"#;
    iam.put_role_policy()
        .role_name(ROLE)
        .policy_name("audit-read")
        .policy_document(read)
        .send()
        .await
        .unwrap();
}

async fn create_function(
    lambda: &aws_sdk_lambda::Client,
    role: &str,
    name: &str,
    vars: &[(&str, &str)],
) {
    let mut environment = Environment::builder();
    for (k, v) in vars {
        environment = environment.variables(*k, *v);
    }
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python313)
        .role(role)
        .handler("lambda_function.lambda_handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(package()))
                .build(),
        )
        .environment(environment.build())
        .send()
        .await
        .unwrap();
}

async fn set_environment(lambda: &aws_sdk_lambda::Client, name: &str, vars: &[(&str, &str)]) {
    let mut environment = Environment::builder();
    for (k, v) in vars {
        environment = environment.variables(*k, *v);
    }
    lambda
        .update_function_configuration()
        .function_name(name)
        .environment(environment.build())
        .send()
        .await
        .unwrap();
}

async fn publish(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let out = lambda
        .publish_version()
        .function_name(name)
        .send()
        .await
        .unwrap();
    out.version().unwrap().to_string()
}

async fn alias(lambda: &aws_sdk_lambda::Client, name: &str, alias: &str, version: &str) {
    lambda
        .create_alias()
        .function_name(name)
        .name(alias)
        .function_version(version)
        .send()
        .await
        .unwrap();
}

/// What the test planted, and where.
struct Estate {
    /// Every planted secret value, to grep for.
    secrets: Vec<String>,
    /// (account, region, function, version, variable) of each planted secret.
    expected: BTreeSet<(String, String, String, String, String)>,
    /// The member that has secrets only in an old version.
    fixed_member: String,
    /// A member with references and settings only.
    clean_member: String,
    /// The member without the audit role.
    closed_member: String,
}

fn key(
    account: &str,
    region: &str,
    function: &str,
    version: &str,
    variable: &str,
) -> (String, String, String, String, String) {
    (
        account.into(),
        region.into(),
        function.into(),
        version.into(),
        variable.into(),
    )
}

async fn plant(endpoint: &str) -> Estate {
    let management = config(endpoint, MANAGEMENT, "us-east-1").await;
    let organizations = aws_sdk_organizations::Client::new(&management);
    let mut members = Vec::new();
    for i in 0..3 {
        let out = organizations
            .create_account()
            .email(format!("member{i}@example.com"))
            .account_name(format!("member-{i}"))
            .send()
            .await
            .unwrap();
        let status = out.create_account_status().unwrap();
        members.push(
            status
                .account_id()
                .expect("the emulator creates accounts at once")
                .to_string(),
        );
    }
    let (fixed, clean, closed) = (members[0].clone(), members[1].clone(), members[2].clone());

    // Format-shaped fake values, new each run.
    let stripe = format!("sk_live_{}", random(24));
    let database_password = random(20);
    let database_url =
        format!("postgres://orders:{database_password}@orders-db.internal:5432/orders");
    let report_token = random(40);
    let mut expected = BTreeSet::new();

    // Management account: a live key in $LATEST.
    let iam = aws_sdk_iam::Client::new(&management);
    let role = function_role(&iam, MANAGEMENT).await;
    let lambda = aws_sdk_lambda::Client::new(&management);
    create_function(
        &lambda,
        &role,
        "billing",
        &[("STRIPE_KEY", &stripe), ("LOG_LEVEL", "info")],
    )
    .await;
    expected.insert(key(
        MANAGEMENT,
        "us-east-1",
        "billing",
        "$LATEST",
        "STRIPE_KEY",
    ));

    // Member "fixed": a connection string with a password in $LATEST (us-east-1), and in
    // eu-west-1 a token fixed in $LATEST that survives in published version 1.
    let member = config(endpoint, &fixed, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&member);
    audit_role(&iam).await;
    let role = function_role(&iam, &fixed).await;
    let lambda = aws_sdk_lambda::Client::new(&member);
    create_function(
        &lambda,
        &role,
        "orders",
        &[("DATABASE_URL", &database_url), ("TABLE_NAME", "orders")],
    )
    .await;
    expected.insert(key(
        &fixed,
        "us-east-1",
        "orders",
        "$LATEST",
        "DATABASE_URL",
    ));
    let lambda = aws_sdk_lambda::Client::new(&config(endpoint, &fixed, "eu-west-1").await);
    create_function(
        &lambda,
        &role,
        "reports",
        &[("REPORT_API_TOKEN", &report_token), ("LOG_LEVEL", "warn")],
    )
    .await;
    let old = publish(&lambda, "reports").await;
    alias(&lambda, "reports", "prod", &old).await;
    let secret_arn =
        format!("arn:aws:secretsmanager:eu-west-1:{fixed}:secret:reports/api-token-AbC123");
    set_environment(
        &lambda,
        "reports",
        &[
            ("REPORT_API_TOKEN_SECRET_ARN", &secret_arn),
            ("LOG_LEVEL", "warn"),
        ],
    )
    .await;
    let new = publish(&lambda, "reports").await;
    alias(&lambda, "reports", "live", &new).await;
    expected.insert(key(
        &fixed,
        "eu-west-1",
        "reports",
        &old,
        "REPORT_API_TOKEN",
    ));

    // Member "clean": references and settings only, in both regions.
    let member = config(endpoint, &clean, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&member);
    audit_role(&iam).await;
    let role = function_role(&iam, &clean).await;
    for region in REGIONS {
        let lambda = aws_sdk_lambda::Client::new(&config(endpoint, &clean, region).await);
        let secret_arn = format!("arn:aws:secretsmanager:{region}:{clean}:secret:app/db-Xy12Zw");
        create_function(
            &lambda,
            &role,
            "inventory",
            &[
                ("DB_SECRET_ARN", &secret_arn),
                ("DB_PASSWORD_PARAMETER", "/inventory/prod/db-password"),
                ("LOG_LEVEL", "debug"),
                ("TABLE_NAME", "inventory"),
            ],
        )
        .await;
        let version = publish(&lambda, "inventory").await;
        alias(&lambda, "inventory", "live", &version).await;
    }

    // Member "closed": a secret the audit cannot reach (no audit role in the account).
    let member = config(endpoint, &closed, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&member);
    let role = function_role(&iam, &closed).await;
    let unreachable = format!("sk_live_{}", random(24));
    create_function(
        &aws_sdk_lambda::Client::new(&member),
        &role,
        "payroll",
        &[("STRIPE_KEY", &unreachable)],
    )
    .await;

    Estate {
        secrets: vec![
            stripe,
            database_password,
            database_url,
            report_token,
            unreachable,
        ],
        expected,
        fixed_member: fixed,
        clean_member: clean,
        closed_member: closed,
    }
}

/// Run `secretslab --local ARGS`, keeping the output for the leak check.
fn audit(home: &TestHome, outputs: &mut Vec<Output>, args: &[&str]) -> Output {
    let mut all = vec!["--local", "audit"];
    all.extend_from_slice(args);
    let out = home.run(&all);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    outputs.push(out.clone());
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not one JSON document ({e}):\n{}\n{}",
            stdout(out),
            stderr(out)
        )
    })
}

fn found(doc: &Value) -> BTreeSet<(String, String, String, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            key(
                f["account"].as_str().unwrap(),
                f["region"].as_str().unwrap(),
                f["function"].as_str().unwrap(),
                f["version"].as_str().unwrap(),
                f["variable"].as_str().unwrap(),
            )
        })
        .collect()
}

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

    // 1. JSON, every variable listed.
    let mut args = vec!["--json"];
    args.extend_from_slice(&org);
    args.push("--show-all");
    let out = audit(&home, &mut outputs, &args);
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

    // The old version is reported with its aliases; its function ARN carries the version.
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

    // 2. Text: grouped by function, the old version with its alias.
    let out = audit(&home, &mut outputs, &org);
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

    // 3. SARIF to a file, valid against the official schema; a baseline of the findings.
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
    let out = audit(&home, &mut outputs, &args);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let sarif: Value = serde_json::from_slice(&std::fs::read(&sarif_path).unwrap()).unwrap();
    let schema: Value = serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
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

    // 4. With the baseline nothing is new: the count is reported, and the closed member still
    // makes the audit incomplete (exit 5).
    let mut args = vec!["--json"];
    args.extend_from_slice(&org);
    args.extend_from_slice(&["--baseline", baseline_arg]);
    let out = audit(&home, &mut outputs, &args);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["suppressed"], estate.expected.len());

    // 5. A member with references only: clean and complete (exit 0). Its own account only.
    let out = audit(
        &home,
        &mut outputs,
        &[
            "--json",
            "--accounts",
            &estate.clean_member,
            "--assume-role",
            ROLE,
            "--regions",
            &regions,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["incomplete"], serde_json::json!([]));
    assert_eq!(doc["scanned"]["functions"], 2);

    // 6. One function, by name: only its findings.
    let out = audit(
        &home,
        &mut outputs,
        &[
            "--json",
            "--accounts",
            &estate.fixed_member,
            "--assume-role",
            ROLE,
            "--regions",
            &regions,
            "--function",
            "reports",
        ],
    );
    assert_eq!(out.status.code(), Some(4));
    let doc = json(&out);
    assert_eq!(doc["scanned"]["functions"], 1);
    assert_eq!(found(&doc).len(), 1);

    // No planted value anywhere: outputs, reports, baseline, logs, state files.
    let files = home.state_files_text();
    for secret in &estate.secrets {
        for out in &outputs {
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
            err.starts_with("error:") && err.contains("help:") && err.contains(needle),
            "{err}"
        );
    }
    let out = home.run(&["audit", "--organization", "--accounts", "111111111111"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Findings without what may differ between runs (timings), sorted, as one comparable value.
fn comparable(doc: &Value) -> Vec<String> {
    let mut findings: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.to_string())
        .collect();
    findings.sort();
    findings
}

/// Under the chaos proxy (30% of calls throttled, 5% of connections dropped) the same estate
/// yields the same findings as without faults: nothing lost, nothing doubled.
#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_dropped_connections_change_nothing() {
    use chaos_proxy::{Fault, Proxy, ProxyConfig};

    let home = TestHome::new();
    let endpoint = home.start_emulator();
    // Two accounts × two regions; several functions with versions and aliases in each.
    let management = config(&endpoint, MANAGEMENT, "us-east-1").await;
    let member = aws_sdk_organizations::Client::new(&management)
        .create_account()
        .email("member@example.com")
        .account_name("member")
        .send()
        .await
        .unwrap()
        .create_account_status()
        .unwrap()
        .account_id()
        .unwrap()
        .to_string();
    let mut secrets = Vec::new();
    for account in [MANAGEMENT, member.as_str()] {
        let role = format!("arn:aws:iam::{account}:role/app-function");
        for region in REGIONS {
            let lambda = aws_sdk_lambda::Client::new(&config(&endpoint, account, region).await);
            for i in 0..6 {
                let name = format!("service-{i}");
                let token = random(40);
                let stripe = format!("sk_live_{}", random(24));
                create_function(
                    &lambda,
                    &role,
                    &name,
                    &[("API_TOKEN", &token), ("LOG_LEVEL", "info")],
                )
                .await;
                let v1 = publish(&lambda, &name).await;
                alias(&lambda, &name, "prod", &v1).await;
                set_environment(
                    &lambda,
                    &name,
                    &[("STRIPE_KEY", &stripe), ("LOG_LEVEL", "info")],
                )
                .await;
                publish(&lambda, &name).await;
                secrets.extend([token, stripe]);
            }
        }
    }
    let regions = REGIONS.join(",");
    let args = [
        "--json",
        "--local",
        "audit",
        "--organization",
        "--assume-role",
        "OrganizationAccountAccessRole",
        "--regions",
        &regions,
    ];

    let calm = home.run(&args);
    assert_eq!(calm.status.code(), Some(4), "{}", stderr(&calm));
    let calm_doc = json(&calm);
    assert_eq!(calm_doc["incomplete"], serde_json::json!([]));
    // Per function: the token in versions 1 ($LATEST then) and the key in $LATEST and 2.
    assert_eq!(
        calm_doc["findings"].as_array().unwrap().len(),
        2 * 2 * 6 * 3,
        "{calm_doc:#}"
    );

    let proxy = Proxy::start(ProxyConfig {
        upstream: endpoint.clone(),
        throttle_rate: 0.3,
        reset_rate: 0.05,
        seed: 9,
        max_lifetime_ms: 10 * 60 * 1000,
        ..Default::default()
    })
    .await
    .unwrap();
    let stormy = home
        .command()
        .env("SECRETSLAB_LOCAL_CALLS_VIA", proxy.endpoint())
        .args(args)
        .output()
        .unwrap();
    let calls = proxy.calls();
    proxy.shutdown().await;
    assert_eq!(stormy.status.code(), Some(4), "{}", stderr(&stormy));
    let stormy_doc = json(&stormy);
    assert_eq!(
        stormy_doc["incomplete"],
        serde_json::json!([]),
        "{stormy_doc:#}"
    );
    assert_eq!(comparable(&stormy_doc), comparable(&calm_doc));
    assert_eq!(stormy_doc["scanned"], calm_doc["scanned"]);
    let throttled = calls
        .iter()
        .filter(|c| c.fault == Some(Fault::Throttled))
        .count();
    let dropped = calls
        .iter()
        .filter(|c| c.fault == Some(Fault::Reset))
        .count();
    assert!(
        throttled >= 10 && dropped > 0,
        "{throttled} throttled, {dropped} dropped of {}",
        calls.len()
    );

    for secret in &secrets {
        for out in [&calm, &stormy] {
            assert!(
                !stdout(out).contains(secret) && !stderr(out).contains(secret),
                "a planted value reached the output"
            );
        }
    }
}

/// A typo in a region is refused before anything is called, naming the nearest known region;
/// `--allow-unknown-regions` lets it through.
#[test]
fn an_unknown_region_is_refused_with_the_nearest_known_one() {
    let home = TestHome::new();
    let out = home.run(&["audit", "--regions", "eu-west-1,us-est-1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let starting = |prefix: &str| {
        err.lines()
            .filter(|l| l.trim_start().starts_with(prefix))
            .count()
    };
    assert_eq!((starting("error:"), starting("help:")), (1, 1), "{err}");
    assert!(
        err.contains("us-est-1") && err.contains("`us-east-1`"),
        "{err}"
    );
    assert!(err.contains("--allow-unknown-regions"), "{err}");
}

/// A scope that holds no function is never reported clean: every report says what was scanned
/// and that it was nothing, and the audit exits 6.
#[tokio::test(flavor = "multi_thread")]
async fn a_scope_without_functions_is_not_clean() {
    let home = TestHome::new();
    home.start_emulator();
    let mut outputs = Vec::new();
    let out = audit(&home, &mut outputs, &["--json", "--function", "nope"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "nothing_scanned", "{doc:#}");
    assert_eq!(doc["scanned"]["accounts"], 1);
    assert_eq!(doc["scanned"]["regions"], 1);
    assert_eq!(doc["scanned"]["functions"], 0);

    let out = audit(&home, &mut outputs, &["--function", "nope"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let text = stdout(&out);
    let scanned = text
        .find("scanned 1 account × 1 region: 0 functions")
        .expect(&text);
    let verdict = text.find("nothing scanned").expect(&text);
    assert!(scanned < verdict, "{text}");
    assert!(!text.contains("clean"), "{text}");

    // A region newer than the built-in list, insisted on: scanned, and empty, so exit 6 too.
    let out = audit(
        &home,
        &mut outputs,
        &["--json", "--regions", "us-est-1", "--allow-unknown-regions"],
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert_eq!(json(&out)["scanned"]["regions"], 1);
}

/// Deploy `tests/data/owned-function.yaml` as `stack` on the emulator and wait for it.
async fn deploy_owned_stack(sdk: &SdkConfig, stack: &str, password: &str) {
    use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
    let cloudformation = aws_sdk_cloudformation::Client::new(sdk);
    cloudformation
        .create_stack()
        .stack_name(stack)
        .template_body(include_str!("data/owned-function.yaml"))
        .parameters(
            Parameter::builder()
                .parameter_key("DbPassword")
                .parameter_value(password)
                .build(),
        )
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .unwrap();
    for _ in 0..120 {
        let described = cloudformation
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await
            .unwrap();
        let status = described.stacks()[0].stack_status().cloned();
        match status {
            Some(StackStatus::CreateComplete) => return,
            Some(StackStatus::CreateInProgress) | None => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await
            }
            Some(other) => panic!("stack {stack}: {other:?}"),
        }
    }
    panic!("stack {stack} was not created within 60 s");
}

/// A function a CloudFormation stack deployed (with CDK's mark) is reported with its stack,
/// logical id and tool; a function made through the API is owned by nobody.
#[tokio::test(flavor = "multi_thread")]
async fn findings_name_the_stack_that_owns_the_function() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = config(&endpoint, MANAGEMENT, "us-east-1").await;
    let owned_password = random(28);
    let loose_password = random(28);
    deploy_owned_stack(&sdk, "orders-stack", &owned_password).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let role = function_role(&iam, MANAGEMENT).await;
    let lambda = aws_sdk_lambda::Client::new(&sdk);
    create_function(&lambda, &role, "loose", &[("DB_PASSWORD", &loose_password)]).await;

    let mut outputs = Vec::new();
    let out = audit(&home, &mut outputs, &["--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let doc = json(&out);
    let owner_of = |function: &str| {
        let finding = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["function"] == function && f["variable"] == "DB_PASSWORD")
            .unwrap_or_else(|| panic!("no DB_PASSWORD finding for {function}: {doc:#}"));
        finding["owner"].clone()
    };
    assert_eq!(
        owner_of("owned-orders"),
        serde_json::json!({
            "kind": "cloudformation",
            "stack": "orders-stack",
            "logical_id": "OrdersHandler",
            "tool": "cdk",
        })
    );
    assert_eq!(owner_of("loose"), serde_json::json!({"kind": "none"}));

    let out = audit(&home, &mut outputs, &[]);
    let text = stdout(&out);
    assert!(
        text.contains("owner: CloudFormation stack orders-stack, logical id OrdersHandler (deployed with CDK)"),
        "{text}"
    );
    for out in &outputs {
        for secret in [&owned_password, &loose_password] {
            assert!(
                !stdout(out).contains(secret.as_str()) && !stderr(out).contains(secret.as_str())
            );
        }
    }
}

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

    let Some(chromium) = chromium() else { return };
    let dom = stdout(&run_chromium(&chromium, &page, &["--dump-dom"]));
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

    let artifacts = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("../test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("audit-report.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &chromium,
        &page,
        &[&format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
}
