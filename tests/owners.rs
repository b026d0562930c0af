#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Functions a stack owns, end to end on the emulator's CloudFormation (DESIGN §12): `audit`
//! names the stack; `migrate` expands through the API (the function keeps answering) and says
//! who owns it; re-deploying the original template puts the plaintext back (the trap, shown
//! so it stays true) and `--finish` refuses while the deployed template would do that; the
//! template `--emit cloudformation --template` patched, deployed through `UpdateStack`, keeps
//! the function migrated, and `--finish` passes; rollback restores the original environment.
//! Every emitted artifact is checked by its owner's own tools (installed into target/ by
//! `scripts/install-checkers`), and no output or file holds the password.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_lambda::primitives::Blob;
use common::{stderr, stdout, TestHome};
use secretslab::aws::{AwsContext, AwsOptions, Target};
use serde_json::Value;

const LAB: &str = "owners";
const FUNCTION: &str = "orders-api";
const STACK: &str = "orders-stack";
const TEMPLATE: &str = include_str!("data/owners-stack.yaml");
const EXTENSION_LAYER: &str = "AWS-Parameters-and-Secrets-Lambda-Extension";

fn random(n: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

fn cfn(sdk: &AwsContext) -> &aws_sdk_cloudformation::Client {
    &sdk.cloudformation
}

/// The lab's handler zipped into the emulator's S3, as the stack's code.
async fn upload_code(endpoint: &str) -> (String, String) {
    let options = AwsOptions {
        profile: None,
        region: Some("us-east-1".into()),
    };
    let target = Target::Local {
        endpoint: endpoint.to_string(),
    };
    let config = AwsContext::sdk_config(&options, &target).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let (bucket, key) = ("orders-code".to_string(), "orders/function.zip".to_string());
    s3.create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .expect("bucket");
    let package =
        secretslab::domain::handler::package(secretslab::domain::kinds::Runtime::Python313)
            .unwrap();
    let upload = s3.put_object().bucket(&bucket).key(&key);
    upload
        .body(package.zip.into())
        .send()
        .await
        .expect("upload");
    (bucket, key)
}

fn parameters(password: &str, code: &(String, String), revision: &str) -> Vec<Parameter> {
    [
        ("DbPassword", password),
        ("CodeBucket", code.0.as_str()),
        ("CodeKey", code.1.as_str()),
        ("Revision", revision),
    ]
    .into_iter()
    .map(|(k, v)| {
        Parameter::builder()
            .parameter_key(k)
            .parameter_value(v)
            .build()
    })
    .collect()
}

async fn wait_for(sdk: &AwsContext, done: StackStatus) {
    for _ in 0..240 {
        let described = cfn(sdk)
            .describe_stacks()
            .stack_name(STACK)
            .send()
            .await
            .unwrap();
        let status = described.stacks()[0].stack_status().cloned();
        match status {
            Some(s) if s == done => return,
            Some(s) if s.as_str().ends_with("FAILED") || s.as_str().contains("ROLLBACK") => {
                let events = cfn(sdk)
                    .describe_stack_events()
                    .stack_name(STACK)
                    .send()
                    .await;
                panic!("stack {STACK}: {s:?}: {events:?}")
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    panic!("stack {STACK} did not reach {done:?} within 120 s");
}

async fn create_stack(sdk: &AwsContext, password: &str, code: &(String, String)) {
    cfn(sdk)
        .create_stack()
        .stack_name(STACK)
        .template_body(TEMPLATE)
        .set_parameters(Some(parameters(password, code, "1")))
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .expect("create stack");
    wait_for(sdk, StackStatus::CreateComplete).await;
}

/// `UpdateStack` with `template` (a new revision, so the function is touched).
async fn update_stack(sdk: &AwsContext, template: &str, parameters: Vec<Parameter>) {
    cfn(sdk)
        .update_stack()
        .stack_name(STACK)
        .template_body(template)
        .set_parameters(Some(parameters))
        .capabilities(Capability::CapabilityIam)
        .send()
        .await
        .expect("update stack");
    wait_for(sdk, StackStatus::UpdateComplete).await;
}

async fn config(sdk: &AwsContext) -> (HashMap<String, String>, Vec<String>) {
    let out = (sdk.lambda.get_function_configuration())
        .function_name(FUNCTION)
        .send()
        .await
        .expect("function");
    let env = (out.environment().and_then(|e| e.variables()).cloned()).unwrap_or_default();
    let layers = (out.layers().iter()).filter_map(|l| l.arn().map(str::to_string));
    (env, layers.collect())
}

fn extension_layers(layers: &[String]) -> usize {
    layers
        .iter()
        .filter(|l| l.contains(EXTENSION_LAYER))
        .count()
}

async fn invoke(sdk: &AwsContext) -> Value {
    let out = (sdk.lambda.invoke().function_name(FUNCTION))
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json payload")
}

fn migrate(home: &TestHome, outputs: &mut Vec<Output>, args: &[&str]) -> Output {
    let mut full = vec!["--local", "--name", LAB, "migrate", FUNCTION];
    full.extend_from_slice(args);
    let out = home.run(&full);
    outputs.push(out.clone());
    out
}

fn succeeded(out: &Output) -> Value {
    assert!(out.status.success(), "{}\n{}", stdout(out), stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn checkers() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    for tool in [
        "checkers-venv/bin/cfn-lint",
        "checkers-venv/bin/checkov",
        "checkers-node/node_modules/.bin/tsc",
    ] {
        assert!(
            target.join(tool).exists(),
            "target/{tool} is missing: run `scripts/install-checkers`"
        );
    }
    target
}

fn run(command: &mut Command) -> (Option<i32>, String) {
    let out = command.output().expect("run checker");
    (
        out.status.code(),
        format!("{}{}", stdout(&out), stderr(&out)),
    )
}

/// cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
fn cfn_lint(checkers: &Path, template: &Path) {
    let (code, output) =
        run(Command::new(checkers.join("checkers-venv/bin/cfn-lint")).arg(template));
    assert_eq!(
        code.unwrap_or(2) & 2,
        0,
        "cfn-lint errors in {}:\n{output}",
        template.display()
    );
}

/// python-hcl2 parses it, and checkov's "no secrets in a Lambda environment" check runs on
/// the function and passes.
fn terraform_checks(checkers: &Path, file: &Path) {
    let python = checkers.join("checkers-venv/bin/python");
    let parse = "import hcl2, sys; doc = hcl2.load(open(sys.argv[1])); assert doc['resource']";
    let (code, output) = run(Command::new(&python).args(["-c", parse]).arg(file));
    assert_eq!(
        code,
        Some(0),
        "python-hcl2 cannot parse {}:\n{output}",
        file.display()
    );
    let (code, output) = run(Command::new(checkers.join("checkers-venv/bin/checkov"))
        .args([
            "--quiet",
            "--compact",
            "--framework",
            "terraform",
            "--check",
            "CKV_AWS_45",
            "-f",
        ])
        .arg(file)
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .env("BC_SKIP_MAPPING", "TRUE"));
    assert_eq!(
        code,
        Some(0),
        "checkov finds a secret in the environment:\n{output}"
    );
    assert!(
        output.contains("Passed checks: 1"),
        "CKV_AWS_45 did not run:\n{output}"
    );
}

fn cdk_ts_check(checkers: &Path, dir: &Path, file: &Path) {
    let modules = dir.join("node_modules");
    if !modules.exists() {
        std::os::unix::fs::symlink(checkers.join("checkers-node/node_modules"), &modules).unwrap();
    }
    let tsc = checkers.join("checkers-node/node_modules/.bin/tsc");
    let (code, output) = run(Command::new(tsc)
        .args([
            "--noEmit",
            "--strict",
            "--target",
            "es2020",
            "--module",
            "nodenext",
            "--skipLibCheck",
        ])
        .arg(file)
        .current_dir(dir));
    assert_eq!(code, Some(0), "tsc rejects the CDK snippet:\n{output}");
}

fn cdk_py_check(checkers: &Path, file: &Path) {
    let python = checkers.join("checkers-venv/bin/python");
    let (code, output) = run(Command::new(python).args(["-m", "py_compile"]).arg(file));
    assert_eq!(
        code,
        Some(0),
        "the CDK Python snippet does not compile:\n{output}"
    );
}

/// Every instruction is one Dockerfile knows, with arguments; continuation lines joined.
fn dockerfile_check(text: &str) {
    const INSTRUCTIONS: [&str; 18] = [
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
        "MAINTAINER",
    ];
    let joined = text.replace("\\\n", " ");
    let mut count = 0;
    for line in joined.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
        assert!(
            INSTRUCTIONS.contains(&instruction),
            "not a Dockerfile instruction: {line}"
        );
        assert!(!rest.trim().is_empty(), "no arguments: {line}");
        if instruction == "ENV" {
            assert!(rest.contains('='), "ENV without KEY=VALUE: {line}");
        }
        count += 1;
    }
    assert!(
        text.lines().next().is_some_and(|l| l.starts_with('#')) && count >= 5,
        "{text}"
    );
}

/// Every format emitted to `dir`, checked by its tools; the artifacts' text.
fn emit_all(home: &TestHome, outputs: &mut Vec<Output>, dir: &Path, original: &Path) -> String {
    let checkers = checkers();
    let mut texts = String::new();
    let formats = [
        ("cloudformation", "change.cfn.json", None),
        ("sam", "change.sam.json", None),
        ("cloudformation", "patched.yaml", Some(original)),
        ("terraform", "change.tf", None),
        ("cdk-ts", "change.ts", None),
        ("cdk-py", "change.py", None),
        ("dockerfile", "Dockerfile.extension", None),
    ];
    for (format, file, template) in formats {
        let path = dir.join(file);
        let mut args = vec!["--emit", format, "--output", path.to_str().unwrap()];
        if let Some(template) = template {
            args.extend(["--template", template.to_str().unwrap()]);
        }
        succeeded(&migrate(home, outputs, &args));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("DB_PASSWORD_SECRET_ID"), "{format}:\n{text}");
        texts.push_str(&text);
    }
    for file in ["change.cfn.json", "change.sam.json", "patched.yaml"] {
        cfn_lint(&checkers, &dir.join(file));
    }
    terraform_checks(&checkers, &dir.join("change.tf"));
    cdk_ts_check(&checkers, dir, &dir.join("change.ts"));
    cdk_py_check(&checkers, &dir.join("change.py"));
    dockerfile_check(&std::fs::read_to_string(dir.join("Dockerfile.extension")).unwrap());
    texts
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_owned_function_stays_migrated_only_through_its_template() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    // The lab publishes the emulator's stand-in extension layer that migrate attaches.
    home.ok(&["--local", "--name", LAB, "up"]);
    let sdk = home.sdk(&endpoint).await;
    let password = random(28);
    let code = upload_code(&endpoint).await;
    create_stack(&sdk, &password, &code).await;
    let (original, layers) = config(&sdk).await;
    assert_eq!(original["DB_PASSWORD"], password);
    assert!(layers.is_empty());
    let mut outputs = Vec::new();

    // audit names the stack.
    let out = home.run(&["--local", "--json", "audit", "--function", FUNCTION]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("audit json");
    let finding = &doc["findings"][0];
    assert_eq!(finding["owner"]["kind"], "cloudformation", "{doc:#}");
    assert_eq!(finding["owner"]["stack"], STACK);
    assert_eq!(finding["owner"]["logical_id"], "OrdersApi");
    outputs.push(out);

    // Expand through the API: the function keeps answering; the report names the owner and
    // warns that the stack's next update undoes it.
    let report = succeeded(&migrate(
        &home,
        &mut outputs,
        &["--json", "--var", "DB_PASSWORD"],
    ));
    assert_eq!(report["owner"]["stack"], STACK, "{report:#}");
    let warned = report["warnings"].as_array().unwrap().iter();
    assert!(
        warned.clone().any(|w| w
            .as_str()
            .unwrap()
            .contains("--emit cloudformation --template FILE")),
        "{report:#}"
    );
    let text = stdout(&migrate(
        &home,
        &mut outputs,
        &["--var", "DB_PASSWORD", "--dry-run"],
    ));
    assert!(
        text.contains("owner    CloudFormation stack orders-stack, logical id OrdersApi"),
        "{text}"
    );
    let (env, layers) = config(&sdk).await;
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], "orders-api/env");
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let answer = invoke(&sdk).await;
    assert_eq!(answer["ok"], true, "{answer}");

    // The trap: the stack's next update puts the plaintext back and drops the change.
    update_stack(&sdk, TEMPLATE, parameters(&password, &code, "2")).await;
    let (env, layers) = config(&sdk).await;
    assert_eq!(
        env.get("DB_PASSWORD"),
        Some(&password),
        "the update did not restore the plaintext"
    );
    assert!(!env.contains_key("DB_PASSWORD_SECRET_ID") && extension_layers(&layers) == 0);
    let out = migrate(&home, &mut outputs, &["--finish", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(config(&sdk).await, (env, layers));

    // Expanded again, --finish still refuses while the deployed template holds the plaintext.
    succeeded(&migrate(
        &home,
        &mut outputs,
        &["--json", "--var", "DB_PASSWORD"],
    ));
    let expanded = config(&sdk).await;
    let out = migrate(&home, &mut outputs, &["--finish", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("deployed template still sets DB_PASSWORD in plaintext"),
        "{err}"
    );
    assert_eq!(
        err.matches("error:").count() + err.matches("help:").count(),
        2,
        "{err}"
    );
    assert_eq!(
        config(&sdk).await,
        expanded,
        "a refused --finish changed the function"
    );

    // The change for the stack, in every format, checked by each owner's tools.
    let dir = home.path().join("emitted");
    std::fs::create_dir_all(&dir).unwrap();
    let original_template = dir.join("original.yaml");
    std::fs::write(&original_template, TEMPLATE).unwrap();
    let emitted = emit_all(&home, &mut outputs, &dir, &original_template);
    let patched = std::fs::read_to_string(dir.join("patched.yaml")).unwrap();
    assert!(
        patched.contains("Role: !GetAtt OrdersRole.Arn") && patched.contains("!Sub"),
        "{patched}"
    );

    // The patched template through UpdateStack: migrated, answering; --finish then passes.
    update_stack(&sdk, &patched, parameters(&password, &code, "3")).await;
    let (env, layers) = config(&sdk).await;
    assert!(!env.contains_key("DB_PASSWORD"), "{:?}", env.keys());
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], "orders-api/env");
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let answer = invoke(&sdk).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let report = succeeded(&migrate(&home, &mut outputs, &["--json", "--finish"]));
    assert_eq!(report["owner"]["kind"], "cloudformation");

    // Rollback restores the original environment (and says the stack still carries it).
    let report = succeeded(&migrate(&home, &mut outputs, &["--json", "--rollback"]));
    assert!(
        report["warnings"]
            .to_string()
            .contains("template may still carry the change"),
        "{report:#}"
    );
    let (env, layers) = config(&sdk).await;
    assert_eq!(env, original);
    assert_eq!(extension_layers(&layers), 0);

    for out in &outputs {
        assert!(!stdout(out).contains(&password) && !stderr(out).contains(&password));
    }
    assert!(
        !emitted.contains(&password),
        "an emitted file holds the password"
    );
    assert!(!home.state_files_text().contains(&password));
}
