//! AWS-like conditions on one machine: the chaos proxy between the CLI and the embedded
//! emulator injects IAM propagation delays, throttling, 503s and dropped connections.
//! Every command either succeeds or fails with a clear message; a re-run always converges;
//! nothing is leaked and no secret value appears in any output.

use crate::common;

use std::process::Output;

use chaos_proxy::{Fault, Proxy, ProxyConfig};
use common::{stderr, stdout, TestHome};
use serde_json::Value;

const SETTLE_TRIES: usize = 6;

pub(crate) fn base_config(upstream: &str) -> ProxyConfig {
    ProxyConfig {
        upstream: upstream.to_string(),
        seed: 42,
        max_lifetime_ms: 10 * 60 * 1000,
        ..Default::default()
    }
}

/// Run a command through the proxy until it succeeds; every failure on the way must be a
/// clear message (an `error[code]:` line and a `help:` line), never a panic.
fn converge(home: &TestHome, via: &str, args: &[&str]) -> (Value, Vec<Output>) {
    let mut outputs = Vec::new();
    for _ in 0..SETTLE_TRIES {
        let out = home
            .command()
            .env("SECRETSLAB_LOCAL_CALLS_VIA", via)
            .arg("--json")
            .args(args)
            .output()
            .unwrap();
        let ok = out.status.success();
        if !ok {
            let err = stderr(&out);
            assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
            assert!(
                err.lines().any(|l| l.starts_with("error[secretslab::")),
                "{args:?}: no clear error: {err}"
            );
            assert!(err.contains("help:"), "{args:?}: no next step: {err}");
        }
        let doc: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        outputs.push(out);
        if ok {
            return (doc.expect("one JSON document"), outputs);
        }
    }
    panic!(
        "{args:?} did not converge in {SETTLE_TRIES} runs: {}",
        stderr(outputs.last().unwrap())
    );
}

async fn lab_is_gone(home: &TestHome, endpoint: &str, lab: &str) {
    let sdk = home.sdk(endpoint).await;
    let left = common::existing(&sdk, lab).await;
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// up → test → teardown under `config`, converging through failures; then check for leaks.
async fn survive(config: impl Fn(&str) -> ProxyConfig, lab: &str) -> Vec<chaos_proxy::CallRecord> {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let proxy = Proxy::start(config(&endpoint)).await.unwrap();
    let via = proxy.endpoint();
    let mut outputs = Vec::new();
    let (up, o) = converge(&home, &via, &["--local", "--name", lab, "up"]);
    outputs.extend(o);
    assert_eq!(up["resources"].as_array().unwrap().len(), 6);
    let (test, o) = converge(&home, &via, &["--local", "--name", lab, "test", "-n", "3"]);
    outputs.extend(o);
    assert_eq!(test["ok"], true, "{test}");
    let (status, o) = converge(&home, &via, &["--local", "--name", lab, "status"]);
    outputs.extend(o);
    assert!(common::all_resources(&status, "present"), "{status}");
    // Read the value directly (no proxy) to check it never reached any output.
    let sdk = home.sdk(&endpoint).await;
    let password = common::lab_password(&sdk, lab).await;
    let (down, o) = converge(&home, &via, &common::force_teardown_args(lab));
    outputs.extend(o);
    assert_eq!(down["remaining"], 0, "{down}");
    lab_is_gone(&home, &endpoint, lab).await;
    for out in &outputs {
        assert!(
            !stdout(out).contains(&password) && !stderr(out).contains(&password),
            "secret value leaked"
        );
    }
    assert!(
        !home.state_files_text().contains(&password),
        "secret value in a state or log file"
    );
    let calls = proxy.calls();
    proxy.shutdown().await;
    home.stop_local();
    calls
}

#[tokio::test(flavor = "multi_thread")]
async fn thirty_percent_throttling() {
    let calls = survive(
        |up| ProxyConfig {
            throttle_rate: 0.3,
            ..base_config(up)
        },
        "throttled",
    )
    .await;
    assert!(
        calls
            .iter()
            .filter(|c| c.fault == Some(Fault::Throttled))
            .count()
            > 5,
        "throttling was injected"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn five_percent_service_unavailable() {
    let calls = survive(
        |up| ProxyConfig {
            server_error_rate: 0.05,
            ..base_config(up)
        },
        "unavailable",
    )
    .await;
    assert!(
        calls.iter().any(|c| c.fault == Some(Fault::ServerError)),
        "503s were injected"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dropped_connections_before_and_after_the_change() {
    let calls = survive(
        |up| ProxyConfig {
            reset_rate: 0.05,
            reset_after_forward_rate: 0.05,
            ..base_config(up)
        },
        "dropped",
    )
    .await;
    assert!(
        calls
            .iter()
            .any(|c| c.fault == Some(Fault::ResetAfterForward)),
        "answers were dropped after the change"
    );
}
