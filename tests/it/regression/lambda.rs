//! Lambda and IAM on the emulator.

use std::time::{Duration, Instant};

use chaos_proxy::{Fault, Proxy, ProxyConfig};
use serde_json::Value;

use crate::chaos::base_config;
use crate::common::{self, every_invocation_read, extension_stats, stderr, TestHome};

/// `bench/naive_create_function.py` (boto3: CreateRole, then CreateFunction at once) against
/// `endpoint`: `{"result": "created"}`, or the error's code and message.
fn naive_create_function(endpoint: &str, lab: &str) -> Value {
    let python = common::shared_cache().join("ministack-1.5.33/bin/python");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/bench/naive_create_function.py"
    );
    let out = std::process::Command::new(python)
        .args([script, endpoint, lab])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(&out)))
}

/// IAM is consistent at once and `CreateFunction` accepts a role no one could assume yet
/// (AWS: `InvalidParameterValueException` until the role propagates). The workaround: the
/// chaos proxy injects propagation, and `up` rides it out through the proxy.
#[tokio::test(flavor = "multi_thread")]
async fn create_function_accepts_a_role_iam_has_not_propagated() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let propagation = Duration::from_secs(3);
    let proxy = Proxy::start(ProxyConfig {
        iam_propagation_ms: propagation.as_millis() as u64,
        ..base_config(&endpoint)
    })
    .await
    .unwrap();
    // The quirk: on the emulator itself, the naive flow (CreateRole, then CreateFunction at
    // once) succeeds; on AWS it fails until the role has propagated.
    let direct = naive_create_function(&endpoint, "naive-direct");
    assert_eq!(
        direct["result"], "created",
        "MiniStack now refuses a role that has not propagated: {direct}"
    );
    // The workaround: the chaos proxy refuses it as AWS does, for as long as AWS would.
    let answer = naive_create_function(&proxy.endpoint(), "naive");
    assert_eq!(
        answer["result"], "error",
        "the naive flow must fail as on AWS: {answer}"
    );
    assert_eq!(answer["code"], "InvalidParameterValueException");
    assert_eq!(
        answer["message"],
        "The role defined for the function cannot be assumed by Lambda."
    );

    proxy.clear_calls();
    let started = Instant::now();
    let out = home
        .command()
        .env("SECRETSLAB_LOCAL_CALLS_VIA", proxy.endpoint())
        .args(["--json", "--local", "--name", "patient", "up"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        started.elapsed() >= propagation,
        "up cannot finish before the role propagates"
    );
    let creates: Vec<_> = proxy
        .calls()
        .into_iter()
        .filter(|c| c.operation == "CreateFunction")
        .collect();
    assert!(
        creates
            .iter()
            .any(|c| c.fault == Some(Fault::RoleNotAssumable)),
        "{creates:?}"
    );
    assert_eq!(creates.last().unwrap().status, 201, "{creates:?}");
    // Retries are bounded and short: no more than a few per second of propagation.
    assert!(
        creates.len() <= 4 * propagation.as_secs() as usize + 2,
        "{} CreateFunction calls",
        creates.len()
    );
    proxy.shutdown().await;
    home.stop_local();
}

/// The extension layer's ARN is accepted (code size 0) but nothing runs on the extension's
/// port. The workaround: secretslab runs a stand-in for each lab, which serves the function.
#[tokio::test]
async fn the_extension_layer_is_accepted_but_nothing_runs() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "layer";
    home.ok(&["--local", "--name", lab, "up"]);
    let function = sdk
        .lambda
        .get_function_configuration()
        .function_name(lab)
        .send()
        .await
        .unwrap();
    let layers = function.layers();
    assert!(
        layers.len() == 1
            && layers[0]
                .arn()
                .is_some_and(|arn| arn.contains("AWS-Parameters-and-Secrets-Lambda-Extension"))
            && layers[0].code_size() == 0,
        "the extension layer, empty on the emulator: {layers:?}"
    );
    let (port, token_header) = home.extension(lab);
    let before = extension_stats(port, &token_header);
    let test = home.ok(&["--local", "--name", lab, "test", "-n", "2"]);
    assert!(every_invocation_read(&test, 2), "{test}");
    let after = extension_stats(port, &token_header);
    let served = |stats: &Value| stats["served"].as_u64().unwrap_or(0);
    assert_eq!(
        served(&after) - served(&before),
        2,
        "each invocation read through the stand-in: {after}"
    );
    home.force_teardown(lab);
    home.stop_local();
}

/// `GetCodeSigningConfig` answers without the configuration (AWS: the configuration with its
/// policy), though `GetFunctionCodeSigningConfig` keeps the ARN put on a function. The
/// workaround: migrate never takes a policy it could not read for "none": it warns that an
/// enforcing one would reject the layer (an `Enforce` policy, read from AWS's documented
/// answer in the unit tests, refuses before the first write).
#[tokio::test]
async fn get_code_signing_config_answers_without_the_configuration() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let (lab, function) = ("signed", "signed-legacy");
    home.ok(&["--local", "--name", lab, "up", "--with-legacy"]);
    let sdk = home.sdk(&endpoint).await;
    let config_arn =
        "arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0123456789abcdef0";
    sdk.lambda
        .put_function_code_signing_config()
        .function_name(function)
        .code_signing_config_arn(config_arn)
        .send()
        .await
        .unwrap();
    let answer = sdk
        .lambda
        .get_code_signing_config()
        .code_signing_config_arn(config_arn)
        .send()
        .await;
    assert!(
        // The SDK fills the required fields it was not sent with empty values.
        answer.map_or(true, |a| a
            .code_signing_config()
            .is_none_or(|c| c.code_signing_config_arn().is_empty())),
        "MiniStack now serves the code-signing configuration: read its policy on the emulator"
    );
    let args = ["--local", "--name", lab, "migrate", function];
    let plan = home.ok(&[&args[..], &["--var", "DB_PASSWORD", "--dry-run"]].concat());
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("code-signing configuration of `signed-legacy` could not be read"),
        "{plan:#}"
    );
    home.stop_local();
}
