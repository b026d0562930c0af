//! Functions a stack owns, end to end on the emulator's CloudFormation (DESIGN §12): `audit`
//! names the stack; `migrate` expands through the API (the function keeps answering) and says
//! who owns it; re-deploying the original template puts the plaintext back (the trap, shown
//! so it stays true) and `--finish` refuses while the deployed template would do that; the
//! template `--emit cloudformation --template` patched, deployed through `UpdateStack`, keeps
//! the function migrated, and `--finish` passes; rollback restores the original environment.
//! The same for a SAM application (`--emit sam --template`), on the emulator with the SAM
//! transform installed for the tests. Every emitted artifact is checked by its owner's own
//! tools (installed into target/ by `scripts/install-checkers`), and no output or file holds
//! the password.

use crate::common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_lambda::primitives::Blob;
use common::{checkers, stderr, stdout, wait_for_stack, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

const LAB: &str = "owners";
const EXTENSION_LAYER: &str = "AWS-Parameters-and-Secrets-Lambda-Extension";

/// A stack that owns a function, and how its template is emitted.
struct Case {
    stack: &'static str,
    function: &'static str,
    logical_id: &'static str,
    template: &'static str,
    /// `--emit` format of the patched template.
    format: &'static str,
    /// The tool `audit` names (`owner.tool`).
    tool: Option<&'static str>,
    /// What the patched template keeps or gains, beside the references.
    patched_marks: &'static [&'static str],
}

const CFN: Case = Case {
    stack: "orders-stack",
    function: "orders-api",
    logical_id: "OrdersApi",
    template: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/owners-stack.yaml"
    )),
    format: "cloudformation",
    tool: None,
    patched_marks: &["Role: !GetAtt OrdersRole.Arn", "!Sub"],
};

const SAM: Case = Case {
    stack: "orders-sam-stack",
    function: "orders-sam-api",
    logical_id: "OrdersApi",
    template: include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/owners-sam.yaml"
    )),
    format: "sam",
    tool: Some("sam"),
    patched_marks: &[
        "Transform: AWS::Serverless-2016-10-31",
        "CodeUri:",
        "!Sub",
        "Policies:",
        "secretsmanager:GetSecretValue",
    ],
};

fn random(n: usize) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

fn cfn(sdk: &AwsContext) -> &aws_sdk_cloudformation::Client {
    &sdk.cloudformation
}

/// The lab's handler zipped into the emulator's S3, as the stack's code.
async fn upload_code(endpoint: &str) -> (String, String) {
    let (bucket, key) = ("orders-code".to_string(), "orders/function.zip".to_string());
    let package =
        secretslab::domain::handler::package(secretslab::domain::kinds::Runtime::Python313)
            .unwrap();
    common::put_in_emulator_s3(endpoint, &bucket, &key, &package.zip).await;
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

/// SAM's transform is a macro: CloudFormation asks for `CAPABILITY_AUTO_EXPAND` with it.
fn capabilities() -> Option<Vec<Capability>> {
    Some(vec![
        Capability::CapabilityIam,
        Capability::CapabilityAutoExpand,
    ])
}

async fn create_stack(sdk: &AwsContext, case: &Case, password: &str, code: &(String, String)) {
    cfn(sdk)
        .create_stack()
        .stack_name(case.stack)
        .template_body(case.template)
        .set_parameters(Some(parameters(password, code, "1")))
        .set_capabilities(capabilities())
        .send()
        .await
        .expect("create stack");
    wait_for_stack(cfn(sdk), case.stack, StackStatus::CreateComplete).await;
}

/// `UpdateStack` with `template` (a new revision, so the function is touched).
async fn update_stack(sdk: &AwsContext, case: &Case, template: &str, parameters: Vec<Parameter>) {
    cfn(sdk)
        .update_stack()
        .stack_name(case.stack)
        .template_body(template)
        .set_parameters(Some(parameters))
        .set_capabilities(capabilities())
        .send()
        .await
        .expect("update stack");
    wait_for_stack(cfn(sdk), case.stack, StackStatus::UpdateComplete).await;
}

async fn config(sdk: &AwsContext, case: &Case) -> (HashMap<String, String>, Vec<String>) {
    let out = (sdk.lambda.get_function_configuration())
        .function_name(case.function)
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

async fn invoke(sdk: &AwsContext, case: &Case) -> Value {
    let out = (sdk.lambda.invoke().function_name(case.function))
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json payload")
}

fn migrate(home: &TestHome, case: &Case, outputs: &mut Vec<Output>, args: &[&str]) -> Output {
    let mut full = vec!["--local", "--name", LAB, "migrate", case.function];
    full.extend_from_slice(args);
    let out = home.run(&full);
    outputs.push(out.clone());
    out
}

fn succeeded(out: &Output) -> Value {
    assert!(out.status.success(), "{}\n{}", stdout(out), stderr(out));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
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

/// Every format but the patched template, emitted to `dir` and checked by its tools; the
/// artifacts' text.
fn emit_every_format(
    home: &TestHome,
    case: &Case,
    outputs: &mut Vec<Output>,
    dir: &Path,
) -> String {
    let checkers = checkers();
    let mut texts = String::new();
    let formats = [
        ("cloudformation", "change.cfn.json"),
        ("sam", "change.sam.json"),
        ("terraform", "change.tf"),
        ("cdk-ts", "change.ts"),
        ("cdk-py", "change.py"),
        ("dockerfile", "Dockerfile.extension"),
    ];
    for (format, file) in formats {
        let path = dir.join(file);
        let args = ["--emit", format, "--output", path.to_str().unwrap()];
        succeeded(&migrate(home, case, outputs, &args));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("DB_PASSWORD_SECRET_ID"), "{format}:\n{text}");
        texts.push_str(&text);
    }
    for file in ["change.cfn.json", "change.sam.json"] {
        cfn_lint(&checkers, &dir.join(file));
    }
    terraform_checks(&checkers, &dir.join("change.tf"));
    cdk_ts_check(&checkers, dir, &dir.join("change.ts"));
    cdk_py_check(&checkers, &dir.join("change.py"));
    dockerfile_check(&std::fs::read_to_string(dir.join("Dockerfile.extension")).unwrap());
    texts
}

/// The case's template patched by `--emit FORMAT --template`, clean for cfn-lint, changed
/// where the function and its role need it and nowhere else.
fn emit_patched(home: &TestHome, case: &Case, outputs: &mut Vec<Output>, dir: &Path) -> String {
    let original = dir.join("original.yaml");
    std::fs::write(&original, case.template).unwrap();
    let path = dir.join("patched.yaml");
    let args = [
        "--emit",
        case.format,
        "--template",
        original.to_str().unwrap(),
        "--output",
        path.to_str().unwrap(),
    ];
    succeeded(&migrate(home, case, outputs, &args));
    let patched = std::fs::read_to_string(&path).unwrap();
    assert!(
        patched.contains("DB_PASSWORD_SECRET_ID") && !patched.contains("DB_PASSWORD: !Ref"),
        "{patched}"
    );
    for mark in case.patched_marks {
        assert!(patched.contains(mark), "no `{mark}` in:\n{patched}");
    }
    cfn_lint(&checkers(), &path);
    patched
}

/// A stack owns the function: audit names it; expand keeps the function answering; the
/// original template's next update puts the plaintext back and `--finish` refuses; the
/// patched template through `UpdateStack` keeps it migrated, `--finish` passes; rollback
/// restores the original environment. No output, file or state holds the password.
async fn stays_migrated_only_through_its_template(case: &Case) {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    // The lab publishes the emulator's stand-in extension layer that migrate attaches.
    home.ok(&["--local", "--name", LAB, "up"]);
    let sdk = home.sdk(&endpoint).await;
    let password = random(28);
    let code = upload_code(&endpoint).await;
    create_stack(&sdk, case, &password, &code).await;
    let (original, layers) = config(&sdk, case).await;
    assert_eq!(original["DB_PASSWORD"], password);
    assert!(layers.is_empty());
    let mut outputs = Vec::new();

    // audit names the stack (and the tool behind it).
    let out = home.run(&["--local", "--json", "audit", "--function", case.function]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("audit json");
    let owner = &doc["findings"][0]["owner"];
    assert_eq!(owner["kind"], "cloudformation", "{doc:#}");
    assert_eq!(owner["stack"], case.stack);
    assert_eq!(owner["logical_id"], case.logical_id);
    if let Some(tool) = case.tool {
        assert_eq!(owner["tool"], tool, "{doc:#}");
    }
    outputs.push(out);

    // Expand through the API: the function keeps answering; the report names the owner and
    // warns that the stack's next update undoes it.
    let expand = ["--json", "--var", "DB_PASSWORD"];
    let report = succeeded(&migrate(&home, case, &mut outputs, &expand));
    assert_eq!(report["owner"]["stack"], case.stack, "{report:#}");
    let hint = format!("--emit {} --template FILE", case.format);
    assert!(report["warnings"].to_string().contains(&hint), "{report:#}");
    let dry_run = ["--var", "DB_PASSWORD", "--dry-run"];
    let text = stdout(&migrate(&home, case, &mut outputs, &dry_run));
    let named = format!(
        "owner    CloudFormation stack {}, logical id {}",
        case.stack, case.logical_id
    );
    assert!(text.contains(&named), "{text}");
    if case.tool == Some("sam") {
        assert!(text.contains("(deployed with SAM)"), "{text}");
    }
    let reference = format!("{}/env", case.function);
    let (env, layers) = config(&sdk, case).await;
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], reference);
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let answer = invoke(&sdk, case).await;
    assert_eq!(answer["ok"], true, "{answer}");

    // The trap: the stack's next update puts the plaintext back and drops the change.
    update_stack(&sdk, case, case.template, parameters(&password, &code, "2")).await;
    let (env, layers) = config(&sdk, case).await;
    assert_eq!(
        env.get("DB_PASSWORD"),
        Some(&password),
        "the update did not restore the plaintext"
    );
    assert!(!env.contains_key("DB_PASSWORD_SECRET_ID") && extension_layers(&layers) == 0);
    let out = migrate(&home, case, &mut outputs, &["--finish", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(config(&sdk, case).await, (env, layers));

    // Expanded again, --finish still refuses while the deployed template holds the plaintext.
    succeeded(&migrate(&home, case, &mut outputs, &expand));
    let expanded = config(&sdk, case).await;
    let out = migrate(&home, case, &mut outputs, &["--finish", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("deployed template still sets DB_PASSWORD in plaintext")
            && err.contains(&hint),
        "{err}"
    );
    assert_eq!(
        err.matches("error:").count() + err.matches("help:").count(),
        2,
        "{err}"
    );
    assert_eq!(
        config(&sdk, case).await,
        expanded,
        "a refused --finish changed the function"
    );

    // The change for the stack (for CloudFormation, in every format), checked by each
    // owner's tools.
    let dir = home.path().join("emitted");
    std::fs::create_dir_all(&dir).unwrap();
    let mut emitted = emit_patched(&home, case, &mut outputs, &dir);
    if case.format == "cloudformation" {
        emitted.push_str(&emit_every_format(&home, case, &mut outputs, &dir));
    }

    // The patched template through UpdateStack: migrated, answering; --finish then passes.
    let patched = std::fs::read_to_string(dir.join("patched.yaml")).unwrap();
    update_stack(&sdk, case, &patched, parameters(&password, &code, "3")).await;
    let (env, layers) = config(&sdk, case).await;
    assert!(!env.contains_key("DB_PASSWORD"), "{:?}", env.keys());
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], reference);
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let answer = invoke(&sdk, case).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let report = succeeded(&migrate(&home, case, &mut outputs, &["--json", "--finish"]));
    assert_eq!(report["owner"]["kind"], "cloudformation");

    // Rollback restores the original environment (and says the stack still carries it).
    let report = succeeded(&migrate(
        &home,
        case,
        &mut outputs,
        &["--json", "--rollback"],
    ));
    assert!(
        report["warnings"]
            .to_string()
            .contains("template may still carry the change"),
        "{report:#}"
    );
    let (env, layers) = config(&sdk, case).await;
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
    home.stop_local();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_owned_function_stays_migrated_only_through_its_template() {
    stays_migrated_only_through_its_template(&CFN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sam_function_stays_migrated_only_through_its_sam_template() {
    common::ensure_sam_support();
    stays_migrated_only_through_its_template(&SAM).await;
}

/// A container image takes no layers: migrate refuses before any change and hands over the
/// Dockerfile lines that bake the extension in — printed in text mode, in the error's
/// `dockerfile` with `--json`.
#[tokio::test(flavor = "multi_thread")]
async fn an_image_function_is_refused_with_the_dockerfile_lines() {
    use aws_sdk_lambda::types::{Environment, FunctionCode, PackageType};
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let password = random(28);
    let name = "orders-image";
    (sdk.lambda.create_function().function_name(name))
        .package_type(PackageType::Image)
        .code(
            FunctionCode::builder()
                .image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1")
                .build(),
        )
        .role("arn:aws:iam::000000000000:role/orders-image")
        .environment(
            Environment::builder()
                .variables("DB_PASSWORD", &password)
                .build(),
        )
        .send()
        .await
        .expect("create image function");
    let config = || async {
        let out = (sdk.lambda.get_function_configuration().function_name(name))
            .send()
            .await
            .expect("function");
        (out.environment().cloned(), out.layers().len())
    };
    let before = config().await;

    let args = ["--local", "migrate", name, "--var", "DB_PASSWORD"];
    let (out, doc) = home.json(&args);
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert_eq!(doc["error"]["code"], "secretslab::refused", "{doc:#}");
    let lines = doc["error"]["dockerfile"]
        .as_str()
        .expect("dockerfile lines");
    assert!(
        lines.contains("COPY --from=parameters-and-secrets-extension /opt /opt")
            && lines.contains("ENV DB_PASSWORD_SECRET_ID="),
        "{lines}"
    );
    dockerfile_check(lines);
    let text = home.run(&args);
    assert_eq!(text.status.code(), Some(1));
    assert_eq!(stdout(&text), lines, "text mode prints the same lines");
    let err = stderr(&text);
    assert!(
        err.contains("container image") && err.contains("help:"),
        "{err}"
    );

    assert_eq!(
        config().await,
        before,
        "a refused migrate changed the function"
    );
    for out in [&out, &text] {
        assert!(!stdout(out).contains(&password) && !stderr(out).contains(&password));
    }
    home.stop_local();
}
