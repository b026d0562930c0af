//! The audit under the chaos proxy: throttling and dropped connections change no finding.

use crate::common::{stderr, stdout, TestHome};
use std::process::Output;

use chaos_proxy::{CallRecord, Fault, Proxy, ProxyConfig};
use serde_json::Value;

use super::estate::*;
use super::json;

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

/// Two accounts × two regions, six functions in each with a version, an alias and a newer
/// `$LATEST`: every planted value.
async fn plant_two_accounts(endpoint: &str) -> Vec<String> {
    let management = config(endpoint, MANAGEMENT, "us-east-1").await;
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
            let lambda = aws_sdk_lambda::Client::new(&config(endpoint, account, region).await);
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
    secrets
}

/// `args` run through the chaos proxy (30% of calls throttled, 5% of connections dropped):
/// the output, and the calls the proxy saw.
async fn audit_through_faults(
    home: &TestHome,
    endpoint: &str,
    args: &[&str],
) -> (Output, Vec<CallRecord>) {
    let proxy = Proxy::start(ProxyConfig {
        upstream: endpoint.to_string(),
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
    (stormy, calls)
}

/// Under the chaos proxy (30% of calls throttled, 5% of connections dropped) the same estate
/// yields the same findings as without faults: nothing lost, nothing doubled.
#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_dropped_connections_change_nothing() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let secrets = plant_two_accounts(&endpoint).await;
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

    let (stormy, calls) = audit_through_faults(&home, &endpoint, &args).await;
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
    home.stop_local();
}
