//! `secretslab export` through the real binary against a real MiniStack: every format written
//! from the deployed lab, checked by its own ecosystem's tools offline (cfn-lint, python-hcl2
//! and checkov, tsc against aws-cdk-lib; installed into target/ by `scripts/install-checkers`),
//! no value anywhere, and the exported CloudFormation deployed on the emulator: `test` and
//! `status` pass against the stack-made lab and `DeleteStack` leaves nothing.

use crate::common;

use std::path::Path;
use std::process::Command;

use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use common::{
    checkers, every_invocation_read, existing, lab_password, stderr, stdout, wait_for_stack,
    TestHome,
};
use secretslab::aws::{AwsContext, AwsOptions, Target};
use serde_json::Value;

const FORMATS: [&str; 4] = ["terraform", "cloudformation", "sam", "cdk-ts"];

/// Checkov's checks that concern the exported lab's secret and its function: no secret in the
/// function's environment (CKV_AWS_45), a runtime that is not deprecated (CKV_AWS_363), log
/// retention set (CKV_AWS_66), no credentials in the provider (CKV_AWS_41), and least privilege
/// for the role and the read policy (the IAM checks below). Left out, as hardening beyond the
/// lab rather than its secret handling: customer managed keys for the secret, the log group and
/// the environment (CKV_AWS_149, CKV_AWS_158, CKV_AWS_173), rotation (CKV2_AWS_57), a year of
/// logs (CKV_AWS_338), DLQ, VPC, concurrency, code signing, X-Ray (CKV_AWS_116, 117, 115, 272, 50).
const CHECKOV_CHECKS: &str = "CKV_AWS_45,CKV_AWS_363,CKV_AWS_66,CKV_AWS_41,\
    CKV_AWS_1,CKV_AWS_49,CKV_AWS_60,CKV_AWS_61,CKV_AWS_62,CKV_AWS_63,CKV_AWS_107,CKV_AWS_108,\
    CKV_AWS_109,CKV_AWS_110,CKV_AWS_111,CKV_AWS_283,CKV_AWS_356,CKV2_AWS_40";

fn run(command: &mut Command) -> (bool, String) {
    let out = command.output().expect("run checker");
    (
        out.status.success(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

fn cfn_lint(checkers: &Path, template: &Path) {
    let out = Command::new(checkers.join("checkers-venv/bin/cfn-lint"))
        .arg(template)
        .output()
        .unwrap();
    // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    let code = out.status.code().unwrap_or(2);
    assert_eq!(
        code & 2,
        0,
        "cfn-lint errors in {}:\n{}",
        template.display(),
        stdout(&out)
    );
}

fn terraform_checks(checkers: &Path, dir: &Path) {
    let python = checkers.join("checkers-venv/bin/python");
    let parse = "import hcl2, sys; doc = hcl2.load(open(sys.argv[1])); assert doc['resource'], 'no resources'";
    let (ok, output) = run(Command::new(&python)
        .args(["-c", parse])
        .arg(dir.join("main.tf")));
    assert!(ok, "python-hcl2 cannot parse main.tf:\n{output}");
    let (ok, output) = run(Command::new(checkers.join("checkers-venv/bin/checkov"))
        .args([
            "--quiet",
            "--compact",
            "--framework",
            "terraform",
            "secrets",
            "--check",
            CHECKOV_CHECKS,
            "-d",
        ])
        .arg(dir)
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env("BC_SKIP_MAPPING", "TRUE"));
    assert!(ok, "checkov fails on the Terraform export:\n{output}");
    // Not vacuous: the checks ran on the lab's resources.
    let passed: usize = output
        .split("Passed checks: ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let wanted = CHECKOV_CHECKS.split(',').count();
    assert!(
        passed >= wanted,
        "{passed} of {wanted} checks ran:\n{output}"
    );
}

fn cdk_checks(checkers: &Path, dir: &Path) {
    let modules = dir.join("node_modules");
    if !modules.exists() {
        std::os::unix::fs::symlink(checkers.join("checkers-node/node_modules"), &modules).unwrap();
    }
    let (ok, output) = run(
        Command::new(checkers.join("checkers-node/node_modules/.bin/tsc"))
            .args(["--noEmit", "-p"])
            .arg(dir),
    );
    assert!(ok, "tsc rejects the CDK app:\n{output}");
}

/// Every file under `dir`, as text.
fn texts(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.ends_with("node_modules") {
            text.push_str(&texts(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    text
}

async fn sdk_config(endpoint: &str) -> aws_types::SdkConfig {
    let options = AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
    };
    AwsContext::sdk_config(
        &options,
        &Target::Local {
            endpoint: endpoint.to_string(),
        },
    )
    .await
}

/// Deploy `dir`'s template as the README says: function.zip into S3, the stack, the policy's tags.
async fn deploy_stack(
    config: &aws_types::SdkConfig,
    endpoint: &str,
    dir: &Path,
    lab: &str,
    stack: &str,
) {
    let bucket = format!("{lab}-code");
    let zip = std::fs::read(dir.join("function.zip")).unwrap();
    let key = format!("{lab}/function.zip");
    common::put_in_emulator_s3(endpoint, &bucket, &key, &zip).await;
    let cfn = aws_sdk_cloudformation::Client::new(config);
    cfn.create_stack()
        .stack_name(stack)
        .template_body(std::fs::read_to_string(dir.join("template.json")).unwrap())
        .capabilities(Capability::CapabilityNamedIam)
        .parameters(
            Parameter::builder()
                .parameter_key("CodeBucket")
                .parameter_value(&bucket)
                .build(),
        )
        .send()
        .await
        .expect("create stack");
    wait_for_stack(&cfn, stack, StackStatus::CreateComplete).await;
}

/// The README's `tag-policy` step, through the SDK.
async fn tag_policy(sdk: &AwsContext, dir: &Path, lab: &str) {
    let input: Value =
        serde_json::from_slice(&std::fs::read(dir.join("tag-policy.json")).unwrap()).unwrap();
    let account = sdk
        .sts
        .get_caller_identity()
        .send()
        .await
        .unwrap()
        .account()
        .unwrap()
        .to_string();
    let mut request = sdk
        .iam
        .tag_policy()
        .policy_arn(format!("arn:aws:iam::{account}:policy/{lab}-read-secret"));
    for tag in input["Tags"].as_array().unwrap() {
        request = request.tags(
            aws_sdk_iam::types::Tag::builder()
                .key(tag["Key"].as_str().unwrap())
                .value(tag["Value"].as_str().unwrap())
                .build()
                .unwrap(),
        );
    }
    request.send().await.expect("tag policy");
}

/// `export --format FORMAT` into `dir`, in text and in JSON: every file it lists exists, no
/// output holds the password, and the README names the format's next step.
fn export_one(home: &TestHome, lab: &str, format: &str, dir: &Path, password: &str) {
    let out = home.run(&[
        "--local",
        "--name",
        lab,
        "export",
        "--format",
        format,
        "--output",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(password) && !stderr(&out).contains(password));
    let doc = home.ok(&[
        "--local",
        "--name",
        lab,
        "export",
        "--format",
        format,
        "--output",
        dir.to_str().unwrap(),
    ]);
    for file in doc["files"].as_array().unwrap() {
        assert!(dir.join(file["path"].as_str().unwrap()).is_file(), "{file}");
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let next = match format {
        "terraform" => "terraform init && terraform apply",
        "sam" => "sam deploy --guided",
        "cdk-ts" => "cdk deploy",
        _ => "aws cloudformation deploy",
    };
    assert!(readme.contains(next), "{format} README:\n{readme}");
}

/// CloudFormation cannot hash the password it generated: the simulated database starts
/// accepting no login, and the README's `secretslab up` fills it, changing nothing else; then
/// `test` logs in and every resource the stack made is the lab's as `up` would make it.
fn the_stack_made_lab_converges_and_serves(home: &TestHome, lab: &str) {
    let states = |doc: &Value, field: &str| -> Vec<(String, String)> {
        doc["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["kind"].as_str().unwrap().into(),
                    r[field].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let expect = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, s)| (k.to_string(), s.to_string()))
            .collect()
    };
    let kinds = [
        "secret",
        "iam_role",
        "iam_policy",
        "log_group",
        "function",
        "simulated_database",
    ];
    let before = home.ok(&["--local", "--name", lab, "status"]);
    let mut drifted: Vec<(&str, &str)> = kinds.iter().map(|k| (*k, "present")).collect();
    drifted[5].1 = "drifted";
    assert_eq!(states(&before, "state"), expect(&drifted), "{before}");
    let up = home.ok(&["--local", "--name", lab, "up"]);
    let mut actions: Vec<(&str, &str)> = kinds.iter().map(|k| (*k, "unchanged")).collect();
    actions[5].1 = "update";
    assert_eq!(states(&up, "action"), expect(&actions), "{up}");

    let test = home.ok(&["--local", "--name", lab, "test", "-n", "3"]);
    assert!(every_invocation_read(&test, 3), "{test}");
    let logins: Vec<&str> = test["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["login"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(logins, ["ok"; 3], "{test}");
    // Every resource the stack makes is the lab's as `up` would make it.
    let status = home.ok(&["--local", "--name", lab, "status"]);
    let present: Vec<(&str, &str)> = kinds.iter().map(|k| (*k, "present")).collect();
    assert_eq!(states(&status, "state"), expect(&present), "{status}");
}

#[tokio::test]
async fn exported_lab_passes_its_checkers_and_deploys_on_the_emulator() {
    let checkers = checkers();
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "exported";
    home.ok(&["--local", "--name", lab, "up"]);
    let password = lab_password(&sdk, lab).await;
    let exports = home.path().join("exports");

    for format in FORMATS {
        export_one(&home, lab, format, &exports.join(format), &password);
    }
    assert!(
        !texts(&exports).contains(&password),
        "an exported file holds the password"
    );
    assert!(
        !home.state_files_text().contains(&password),
        "a state file holds the password"
    );

    cfn_lint(&checkers, &exports.join("cloudformation/template.json"));
    cfn_lint(&checkers, &exports.join("sam/template.json"));
    terraform_checks(&checkers, &exports.join("terraform"));
    cdk_checks(&checkers, &exports.join("cdk-ts"));

    // The stack makes the same lab: nothing of the `up`-made one may be left to confuse it.
    home.force_teardown(lab);
    assert_eq!(existing(&sdk, lab).await, Vec::<String>::new());
    let config = sdk_config(&endpoint).await;
    let stack = format!("secretslab-{lab}");
    let dir = exports.join("cloudformation");
    deploy_stack(&config, &endpoint, &dir, lab, &stack).await;
    tag_policy(&sdk, &dir, lab).await;

    the_stack_made_lab_converges_and_serves(&home, lab);
    let stack_password = lab_password(&sdk, lab).await;
    assert!(!home.state_files_text().contains(&stack_password));

    let cfn = aws_sdk_cloudformation::Client::new(&config);
    cfn.delete_stack()
        .stack_name(&stack)
        .send()
        .await
        .expect("delete stack");
    wait_for_stack(&cfn, &stack, StackStatus::DeleteComplete).await;
    assert_eq!(
        existing(&sdk, lab).await,
        Vec::<String>::new(),
        "DeleteStack left these"
    );
    home.stop_local();
}
