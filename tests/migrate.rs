#![allow(clippy::unwrap_used, clippy::expect_used)]
//! `secretslab migrate` through the real binary against a real MiniStack: the lab's legacy
//! function (plaintext `DB_PASSWORD`) moved behind the extension and back, in both stores;
//! every refusal; a SIGKILL after every API call of every phase. What the CLI did is always
//! read back through the SDK, and no output, log or state file may hold the password.

mod common;

use std::collections::HashMap;
use std::process::Output;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use common::{stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

const EXTENSION_LAYER: &str = "AWS-Parameters-and-Secrets-Lambda-Extension";

/// The lab `lab` with its legacy function (`LAB-legacy`, plaintext credentials); SDK clients.
async fn legacy_lab(home: &TestHome, endpoint: &str, lab: &str) -> AwsContext {
    home.ok(&["--local", "--name", lab, "up", "--with-legacy"]);
    home.sdk(endpoint).await
}

async fn invoke(sdk: &AwsContext, function: &str) -> Value {
    let out = sdk
        .lambda
        .invoke()
        .function_name(function)
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke");
    serde_json::from_slice(out.payload().expect("payload").as_ref()).expect("json payload")
}

/// The function's environment and layers, as Lambda holds them.
async fn config(sdk: &AwsContext, function: &str) -> (HashMap<String, String>, Vec<String>) {
    let out = sdk
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .expect("function");
    let env = out
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    let layers = out
        .layers()
        .iter()
        .filter_map(|l| l.arn().map(str::to_string))
        .collect();
    (env, layers)
}

fn extension_layers(layers: &[String]) -> usize {
    layers
        .iter()
        .filter(|l| l.contains(EXTENSION_LAYER))
        .count()
}

/// The moved variables as the secret holds them; `None` when it is gone or scheduled.
async fn secret_document(sdk: &AwsContext, name: &str) -> Option<Value> {
    if secret_scheduled(sdk, name).await {
        return None;
    }
    let read = sdk.secrets.get_secret_value().secret_id(name).send().await;
    let out = common::found(read, "the document secret")?;
    serde_json::from_str(out.secret_string()?).ok()
}

async fn parameter_document(sdk: &AwsContext, name: &str) -> Option<Value> {
    let read = sdk
        .ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await;
    let out = common::found(read, "the document parameter")?;
    serde_json::from_str(out.parameter()?.value()?).ok()
}

async fn secret_scheduled(sdk: &AwsContext, name: &str) -> bool {
    let described = sdk.secrets.describe_secret().secret_id(name).send().await;
    common::found(described, "the document secret").is_some_and(|d| d.deleted_date().is_some())
}

/// Secrets by this exact name, live or scheduled (to prove nothing was duplicated).
async fn secrets_named(sdk: &AwsContext, name: &str) -> usize {
    let listed = sdk
        .secrets
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .expect("list secrets");
    listed
        .secret_list()
        .iter()
        .filter(|s| s.name() == Some(name))
        .count()
}

async fn force_delete(sdk: &AwsContext, secret: &str) {
    let deleted = sdk.secrets.delete_secret().secret_id(secret);
    let _ = deleted.force_delete_without_recovery(true).send().await;
}

/// Secrets and parameters tagged as holding this function's variables, whatever their name.
async fn documents_for(sdk: &AwsContext, function: &str) -> usize {
    let arn = sdk
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_string();
    let tag = secretslab::domain::migration::TAG_MIGRATED_FROM;
    let secrets = secretslab::aws::secret::names_tagged(&sdk.secrets, tag, &arn);
    let parameters = secretslab::aws::parameter::names_tagged(&sdk.ssm, tag, &arn);
    secrets.await.unwrap().len() + parameters.await.unwrap().len()
}

async fn inline_policies(sdk: &AwsContext, role: &str) -> Vec<String> {
    let listed = sdk.iam.list_role_policies().role_name(role).send().await;
    listed.expect("role policies").policy_names
}

fn audit_findings(home: &TestHome, function: &str) -> (Option<i32>, Vec<Value>) {
    let out = home.run(&["--local", "--json", "audit", "--function", function]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("audit json");
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    (out.status.code(), findings)
}

fn versions_flagging(findings: &[Value], variable: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["variable"] == variable && f["class"] == "secret")
        .map(|f| f["version"].as_str().unwrap().to_string())
        .collect()
}

fn succeeded(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        stdout(out),
        stderr(out)
    );
}

/// `secretslab --local --name LAB [LEVEL] migrate FUNCTION ARGS…`, `LEVEL` being an output
/// level flag such as `-vv` or `--quiet`.
fn migrate_args<'a>(
    lab: &'a str,
    level: Option<&'a str>,
    function: &'a str,
    args: &[&'a str],
) -> Vec<&'a str> {
    let mut all = vec!["--local", "--name", lab];
    all.extend(level);
    all.extend(["migrate", function]);
    all.extend_from_slice(args);
    all
}

#[tokio::test]
async fn migrate_moves_a_plaintext_password_behind_the_extension_and_back() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "mig";
    let function = "mig-legacy";
    let secret = "mig-legacy/env";
    let mut outputs: Vec<Output> = Vec::new();
    let mut migrate = |args: &[&str]| {
        let out = home.run(&migrate_args(lab, Some("-vv"), function, args));
        succeeded(&out, &format!("migrate {args:?}"));
        let text = stdout(&out);
        outputs.push(out);
        text
    };

    // Before: the password sits in the environment, and the function reads it there.
    home.ok(&["--local", "--name", lab, "up", "--with-legacy"]);
    let (before, layers) = config(&sdk, function).await;
    let password = before["DB_PASSWORD"].clone();
    assert!(password.len() >= 16 && layers.is_empty());
    let answer = invoke(&sdk, function).await;
    assert_eq!(
        (answer["ok"].clone(), answer["source"].clone()),
        (Value::Bool(true), Value::from("environment")),
        "{answer}"
    );
    // A published version keeps the plaintext whatever happens to $LATEST.
    let published = sdk
        .lambda
        .publish_version()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let old_version = published.version().unwrap().to_string();
    let (code, findings) = audit_findings(&home, function);
    assert_eq!(code, Some(4), "audit exits 4 with findings");
    let mut flagged = versions_flagging(&findings, "DB_PASSWORD");
    flagged.sort();
    assert_eq!(flagged, ["$LATEST".to_string(), old_version.clone()]);

    // A dry run prints the plan and changes nothing.
    let plan = migrate(&["--var", "DB_PASSWORD", "--dry-run"]);
    assert!(
        plan.contains("would") && plan.contains("read_moved(\"DB_PASSWORD\")"),
        "{plan}"
    );
    assert_eq!(config(&sdk, function).await, (before.clone(), vec![]));
    assert_eq!(secrets_named(&sdk, secret).await, 0);
    assert!(inline_policies(&sdk, "mig-role").await.is_empty());

    // Expand: the secret, the grant, the layer, the reference beside the plaintext.
    let expanded = migrate(&["--var", "DB_PASSWORD"]);
    assert!(
        expanded.contains("read_moved(\"DB_PASSWORD\")"),
        "{expanded}"
    );
    let (env, layers) = config(&sdk, function).await;
    assert_eq!(env["DB_PASSWORD"], password);
    assert_eq!(env["DB_USER"], before["DB_USER"], "other variables kept");
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], secret);
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let stored = secret_document(&sdk, secret).await.expect("secret");
    assert_eq!(stored["DB_PASSWORD"], password.as_str());
    assert_eq!(
        inline_policies(&sdk, "mig-role").await,
        ["secretslab-migrate-mig-legacy"]
    );
    // It still answers, now through its own local extension.
    let answer = invoke(&sdk, function).await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(
        answer["source"], "mixed",
        "DB_USER stays plaintext: {answer}"
    );

    // Finish: the plaintext leaves $LATEST; a version is published for the alias.
    migrate(&["--finish", "--alias", "live"]);
    let (env, layers) = config(&sdk, function).await;
    assert!(
        !env.contains_key("DB_PASSWORD"),
        "plaintext still in $LATEST"
    );
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], secret);
    assert_eq!(extension_layers(&layers), 1);
    let answer = invoke(&sdk, function).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let alias = sdk
        .lambda
        .get_alias()
        .function_name(function)
        .name("live")
        .send()
        .await
        .unwrap();
    let live = alias.function_version().unwrap().to_string();
    assert_ne!(live, old_version);
    let (live_env, _) = config(&sdk, &format!("{function}:{live}")).await;
    assert!(
        !live_env.contains_key("DB_PASSWORD"),
        "the alias's version holds the plaintext"
    );
    assert_eq!(live_env["DB_PASSWORD_SECRET_ID"], secret);
    // The old published version still holds the value, and audit still says so.
    let (_, findings) = audit_findings(&home, function);
    assert_eq!(versions_flagging(&findings, "DB_PASSWORD"), [old_version]);

    // Rollback: the variable back with the same value, what migrate added gone.
    migrate(&["--rollback"]);
    let (env, layers) = config(&sdk, function).await;
    assert_eq!(env, before, "the environment is exactly as before");
    assert_eq!(extension_layers(&layers), 0);
    assert!(inline_policies(&sdk, "mig-role").await.is_empty());
    assert!(secret_scheduled(&sdk, secret).await);
    let answer = invoke(&sdk, function).await;
    assert_eq!(answer["source"], "environment", "{answer}");

    let files = home.state_files_text();
    for out in &outputs {
        assert!(
            !stdout(out).contains(&password),
            "the password reached stdout"
        );
        assert!(
            !stderr(out).contains(&password),
            "the password reached stderr at -vv"
        );
    }
    assert!(
        !files.contains(&password),
        "the password reached a state or log file"
    );

    // Teardown removes the legacy function and what migrate left for it.
    home.force_teardown(lab);
    assert!(sdk
        .lambda
        .get_function()
        .function_name(function)
        .send()
        .await
        .is_err());
    assert_eq!(secrets_named(&sdk, secret).await, 0);
}

#[tokio::test]
async fn migrate_to_parameter_store_end_to_end() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let (lab, function, parameter) = ("migp", "migp-legacy", "/migp-legacy/env");
    let sdk = legacy_lab(&home, &endpoint, lab).await;
    let migrate = |args: &[&str]| {
        let out = home.run(&migrate_args(lab, None, function, args));
        succeeded(&out, &format!("migrate {args:?}"));
        out
    };
    let (before, _) = config(&sdk, function).await;
    let password = before["DB_PASSWORD"].clone();

    let expanded = migrate(&["--flagged", "--store", "parameter-store"]);
    assert!(stdout(&expanded).contains("/systemsmanager/parameters/get"));
    let (env, layers) = config(&sdk, function).await;
    assert_eq!(env["DB_PASSWORD_PARAMETER_NAME"], parameter);
    assert_eq!(extension_layers(&layers), 1);
    let stored = parameter_document(&sdk, parameter)
        .await
        .expect("parameter");
    assert_eq!(stored["DB_PASSWORD"], password.as_str());
    assert_eq!(invoke(&sdk, function).await["ok"], true);

    let finished = migrate(&["--finish"]);
    assert!(!config(&sdk, function).await.0.contains_key("DB_PASSWORD"));
    let answer = invoke(&sdk, function).await;
    assert_eq!(answer["ok"], true, "{answer}");

    let rolled_back = migrate(&["--rollback"]);
    assert_eq!(config(&sdk, function).await, (before, vec![]));
    assert!(parameter_document(&sdk, parameter).await.is_none());
    for out in [&expanded, &finished, &rolled_back] {
        assert!(!stdout(out).contains(&password) && !stderr(out).contains(&password));
    }
    assert!(!home.state_files_text().contains(&password));
    home.force_teardown(lab);
}

/// The state a refusal must leave untouched.
async fn snapshot(
    sdk: &AwsContext,
    function: &str,
) -> (HashMap<String, String>, Vec<String>, Vec<String>, usize) {
    let (env, layers) = config(sdk, function).await;
    let secret = format!("{function}/env");
    (
        env,
        layers,
        inline_policies(sdk, "migr-role").await,
        secrets_named(sdk, &secret).await,
    )
}

/// One `error:` line, one `help:` line, a failing exit code.
fn refused(out: &Output, expected: &str) {
    assert!(!out.status.success(), "expected a refusal: {}", stdout(out));
    let text = stderr(out);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("error: ") && lines[0].contains(expected),
        "{text}"
    );
    assert!(lines[1].trim_start().starts_with("help: "), "{text}");
}

#[tokio::test]
async fn migrate_refuses_clearly_and_changes_nothing() {
    let home = TestHome::new();
    // IAM enforcement on, so a user denied iam:PutRolePolicy is refused as on AWS.
    let endpoint = home.start_emulator_enforcing_iam();
    let (lab, function) = ("migr", "migr-legacy");
    let sdk = legacy_lab(&home, &endpoint, lab).await;
    let before = snapshot(&sdk, function).await;
    let password = before.0["DB_PASSWORD"].clone();
    let run = |args: &[&str]| {
        let mut all = vec!["--local", "--name", lab, "--quiet", "migrate"];
        all.extend_from_slice(args);
        let out = home.run(&all);
        assert!(
            !stdout(&out).contains(&password) && !stderr(&out).contains(&password),
            "the password reached the output of {args:?}"
        );
        out
    };

    refused(
        &run(&["nope", "--var", "DB_PASSWORD"]),
        "function `nope` does not exist",
    );
    refused(
        &run(&[function, "--var", "API_KEY"]),
        "variable `API_KEY` is not in",
    );
    assert_eq!(snapshot(&sdk, function).await, before);

    // A same-named secret that migrate did not make for this function.
    sdk.secrets
        .create_secret()
        .name(format!("{function}/env"))
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    refused(&run(&[function, "--var", "DB_PASSWORD"]), "is not tagged");
    let after = snapshot(&sdk, function).await;
    assert_eq!(
        (&after.0, &after.1, &after.2),
        (&before.0, &before.1, &before.2)
    );
    sdk.secrets
        .delete_secret()
        .secret_id(format!("{function}/env"))
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();

    // Five layers already: Lambda's limit.
    let mut layers = Vec::new();
    for i in 0..5 {
        let zip = zip_with(&format!("layer{i}.txt"));
        let published = sdk
            .lambda
            .publish_layer_version()
            .layer_name(format!("migr-layer-{i}"))
            .content(
                aws_sdk_lambda::types::LayerVersionContentInput::builder()
                    .zip_file(Blob::new(zip))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        layers.push(published.layer_version_arn().unwrap().to_string());
    }
    set_layers(&sdk, function, layers.clone()).await;
    let five = snapshot(&sdk, function).await;
    refused(&run(&[function, "--var", "DB_PASSWORD"]), "5 layers");
    assert_eq!(snapshot(&sdk, function).await, five);
    // One layer of its own: kept beside the extension's (checked after expand below).
    set_layers(&sdk, function, vec![layers[0].clone()]).await;
    let before = snapshot(&sdk, function).await;

    // A user denied iam:PutRolePolicy, through a profile of its own.
    let profile_dir = denied_profile(&sdk, home.path()).await;
    let out = home
        .command()
        .env("AWS_CONFIG_FILE", profile_dir.join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            profile_dir.join("credentials"),
        )
        .args([
            "--endpoint-url",
            &endpoint,
            "--profile",
            "denied",
            "--quiet",
            "migrate",
            function,
            "--var",
            "DB_PASSWORD",
        ])
        .output()
        .unwrap();
    refused(&out, "access denied on role `migr-role`");
    assert_eq!(snapshot(&sdk, function).await, before);

    // --finish before anything shows the code reads the reference.
    let expanded = run(&[function, "--var", "DB_PASSWORD"]);
    succeeded(&expanded, "expand");
    let (_, after) = config(&sdk, function).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(
        (after[0].as_str(), extension_layers(&after)),
        (layers[0].as_str(), 1)
    );
    refused(&run(&[function, "--finish"]), "nothing shows that the code");
    assert!(config(&sdk, function).await.0.contains_key("DB_PASSWORD"));
    home.force_teardown(lab);
}

fn zip_with(file: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    zip.start_file::<_, ()>(file, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"layer").unwrap();
    zip.finish().unwrap();
    buffer.into_inner()
}

async fn set_layers(sdk: &AwsContext, function: &str, layers: Vec<String>) {
    let request = sdk
        .lambda
        .update_function_configuration()
        .set_layers(Some(layers));
    reconfigure(sdk, function, request).await;
}

/// Send a configuration change of `function` (as a user would, outside secretslab) and wait
/// until Lambda has applied it.
async fn reconfigure(
    sdk: &AwsContext,
    function: &str,
    request: aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder,
) {
    request.function_name(function).send().await.unwrap();
    sdk.lambda
        .wait_until_function_updated_v2()
        .function_name(function)
        .wait(std::time::Duration::from_secs(60))
        .await
        .unwrap();
}

/// A user allowed everything but iam:PutRolePolicy, as profile `denied` in files under `dir`.
async fn denied_profile(sdk: &AwsContext, dir: &std::path::Path) -> std::path::PathBuf {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:PutRolePolicy","Resource":"*"}]}"#;
    sdk.iam
        .create_user()
        .user_name("denied")
        .send()
        .await
        .unwrap();
    sdk.iam
        .put_user_policy()
        .user_name("denied")
        .policy_name("no-role-policies")
        .policy_document(deny)
        .send()
        .await
        .unwrap();
    let key = sdk
        .iam
        .create_access_key()
        .user_name("denied")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let profiles = dir.join("aws-profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("config"),
        "[profile denied]\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        profiles.join("credentials"),
        format!(
            "[denied]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key.access_key_id(),
            key.secret_access_key()
        ),
    )
    .unwrap();
    profiles
}

/// Run `migrate` paused after its `call`-th API call and SIGKILL it there. `false` when the
/// run finished before reaching that call.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Expand,
    Finish,
    Rollback,
}

#[test]
fn migrate_killed_after_any_call_loses_nothing_and_converges() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    // One lab per phase on one emulator, the three phases side by side: most of each run
    // is waiting for a function update, so they share the machine well.
    let results: Vec<(Phase, usize, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = [Phase::Expand, Phase::Finish, Phase::Rollback]
            .into_iter()
            .map(|phase| {
                let (home, endpoint) = (&home, endpoint.as_str());
                scope.spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(crash_phase(home, endpoint, phase))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let files = home.state_files_text();
    for (phase, kills, password) in results {
        eprintln!("{phase:?}: killed after each of its {kills} calls");
        assert!(kills >= 6, "{phase:?}: only {kills} kill points");
        assert!(
            !files.contains(&password),
            "a password reached a state file"
        );
    }
}

/// Kill one phase after each of its API calls in turn, on a lab of its own. Returns the
/// number of kill points and the lab's password (for the leak check).
async fn crash_phase(home: &TestHome, endpoint: &str, phase: Phase) -> (Phase, usize, String) {
    let sdk = home.sdk(endpoint).await;
    let lab = match phase {
        Phase::Expand => "migke",
        Phase::Finish => "migkf",
        Phase::Rollback => "migkr",
    };
    let function = format!("{lab}-legacy");
    let secret = format!("{lab}-legacy/env");
    let role = format!("{lab}-role");
    let (function, secret) = (function.as_str(), secret.as_str());
    home.ok(&["--local", "--name", lab, "up", "--with-legacy"]);
    let password = config(&sdk, function).await.0["DB_PASSWORD"].clone();
    let args = |phase: Phase| -> Vec<&str> {
        let phase_args = match phase {
            Phase::Expand => &["--var", "DB_PASSWORD"][..],
            Phase::Finish => &["--finish", "--force"][..],
            Phase::Rollback => &["--rollback"][..],
        };
        migrate_args(lab, Some("--quiet"), function, phase_args)
    };
    let run = |phase: Phase| succeeded(&home.run(&args(phase)), &format!("{phase:?}"));
    let mut kills = 0;
    for call in 1.. {
        // The state the phase starts from: fresh, expanded, or finished.
        match phase {
            Phase::Expand if call > 1 => {
                run(Phase::Rollback);
                // Every other kill goes through creating the secret afresh, the others
                // through restoring the one rollback scheduled for deletion.
                if call % 2 == 0 {
                    force_delete(&sdk, secret).await;
                }
            }
            Phase::Expand => {}
            Phase::Finish => {
                run(Phase::Rollback);
                run(Phase::Expand);
            }
            Phase::Rollback => {
                run(Phase::Expand);
                run(Phase::Finish);
            }
        }
        if !common::killed_after_call(home, &args(phase), call) {
            break;
        }
        kills += 1;
        // At the kill point the value is in the environment or in the secret.
        let (env, _) = config(&sdk, function).await;
        let in_env = env.get("DB_PASSWORD") == Some(&password);
        let in_secret = secret_document(&sdk, secret)
            .await
            .is_some_and(|d| d["DB_PASSWORD"] == password.as_str());
        assert!(
            in_env || in_secret,
            "{phase:?} killed after call {call}: value lost"
        );
        // The same command again converges, and nothing is doubled.
        run(phase);
        let (env, layers) = config(&sdk, function).await;
        let policies = inline_policies(&sdk, &role).await;
        assert!(
            documents_for(&sdk, function).await <= 1,
            "a second document"
        );
        match phase {
            Phase::Expand | Phase::Finish => {
                assert_eq!(env["DB_PASSWORD_SECRET_ID"], secret);
                assert_eq!(extension_layers(&layers), 1, "{phase:?} {call}: {layers:?}");
                assert_eq!(policies.len(), 1, "{phase:?} {call}: {policies:?}");
                let stored = secret_document(&sdk, secret).await.expect("secret");
                assert_eq!(stored["DB_PASSWORD"], password.as_str());
                let plaintext = env.get("DB_PASSWORD");
                match phase {
                    Phase::Expand => assert_eq!(plaintext, Some(&password)),
                    _ => assert_eq!(plaintext, None),
                }
            }
            Phase::Rollback => {
                assert_eq!(env.get("DB_PASSWORD"), Some(&password));
                assert!(!env.contains_key("DB_PASSWORD_SECRET_ID"));
                assert_eq!(extension_layers(&layers), 0);
                assert!(policies.is_empty());
                assert!(secret_scheduled(&sdk, secret).await);
            }
        }
    }
    home.force_teardown(lab);
    (phase, kills, password)
}

#[tokio::test]
async fn a_second_variable_joins_the_same_document_and_rollback_keeps_newer_values() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let (lab, function, secret) = ("mig2", "mig2-legacy", "mig2-legacy/env");
    let sdk = legacy_lab(&home, &endpoint, lab).await;
    let run = |args: &[&str]| home.run(&migrate_args(lab, Some("--quiet"), function, args));
    let (before, _) = config(&sdk, function).await;
    succeeded(&run(&["--var", "DB_PASSWORD"]), "expand DB_PASSWORD");
    assert_eq!(invoke(&sdk, function).await["ok"], true);
    succeeded(&run(&["--finish"]), "finish DB_PASSWORD");

    // Another store would need a second grant: refused, nothing changed.
    let elsewhere = run(&["--var", "DB_USER", "--store", "parameter-store"]);
    refused(&elsewhere, "already reads secret `mig2-legacy/env`");
    // The same document takes the second variable.
    succeeded(&run(&["--var", "DB_USER"]), "expand DB_USER");
    let stored = secret_document(&sdk, secret).await.expect("secret");
    assert_eq!(stored["DB_USER"], before["DB_USER"].as_str());
    assert_eq!(stored["DB_PASSWORD"], before["DB_PASSWORD"].as_str());
    // The evidence starts again with the new reference.
    refused(&run(&["--finish"]), "nothing shows that the code");

    // DB_USER changes in the environment after expand: rollback keeps the newer value.
    let (mut env, _) = config(&sdk, function).await;
    env.insert("DB_USER".into(), "renamed-user".into());
    let environment = aws_sdk_lambda::types::Environment::builder().set_variables(Some(env));
    let request = sdk.lambda.update_function_configuration();
    reconfigure(&sdk, function, request.environment(environment.build())).await;
    succeeded(&run(&["--rollback"]), "rollback");
    let (after, layers) = config(&sdk, function).await;
    assert_eq!(after["DB_USER"], "renamed-user");
    assert_eq!(after["DB_PASSWORD"], before["DB_PASSWORD"]);
    assert_eq!(after.len(), before.len(), "{:?}", after.keys());
    assert_eq!(extension_layers(&layers), 0);
    home.force_teardown(lab);
}
