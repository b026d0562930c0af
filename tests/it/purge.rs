//! `migrate --purge-versions` on the emulator: the published versions that still hold a moved
//! value are deleted, except one an alias routes to; killed at any API call, a re-run
//! converges and nothing is lost. Values are compared, never printed.

use crate::common;

use std::collections::HashMap;

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::Environment;
use common::{killed_after_call, stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

const LAB: &str = "purge";
const FUNCTION: &str = "purge-legacy";

/// Published versions whose environment holds `DB_PASSWORD`, read through the SDK.
async fn holding(sdk: &AwsContext) -> Vec<String> {
    let out = sdk
        .lambda
        .list_versions_by_function()
        .function_name(FUNCTION)
        .send()
        .await
        .unwrap();
    out.versions()
        .iter()
        .filter(|v| v.version() != Some("$LATEST"))
        .filter(|v| {
            let env = v.environment().and_then(|e| e.variables());
            env.is_some_and(|e| e.contains_key("DB_PASSWORD"))
        })
        .map(|v| v.version().unwrap().to_string())
        .collect()
}

/// Publish `count` versions of the function holding the plaintext (each after a change, so
/// Lambda publishes a new one).
async fn publish(sdk: &AwsContext, count: usize, mark: &mut usize) -> Vec<String> {
    let mut published = Vec::new();
    for _ in 0..count {
        *mark += 1;
        let current = sdk
            .lambda
            .get_function_configuration()
            .function_name(FUNCTION)
            .send()
            .await
            .unwrap();
        let mut env: HashMap<String, String> = current
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default();
        env.insert("MARK".into(), mark.to_string());
        let variables = Environment::builder().set_variables(Some(env)).build();
        let update = sdk.lambda.update_function_configuration();
        let update = update.function_name(FUNCTION).environment(variables);
        update.send().await.unwrap();
        secretslab::aws::function::wait_until_updated_named(&sdk.lambda, FUNCTION)
            .await
            .unwrap();
        let out = sdk.lambda.publish_version().function_name(FUNCTION);
        published.push(out.send().await.unwrap().version().unwrap().to_string());
    }
    published
}

async fn stored_password(sdk: &AwsContext) -> String {
    let out = sdk
        .secrets
        .get_secret_value()
        .secret_id(format!("{FUNCTION}/env"))
        .send()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(out.secret_string().unwrap()).unwrap();
    doc["DB_PASSWORD"].as_str().unwrap().to_string()
}

async fn answers(sdk: &AwsContext) -> bool {
    let out = sdk
        .lambda
        .invoke()
        .function_name(FUNCTION)
        .payload(Blob::new("{}"))
        .send()
        .await
        .unwrap();
    let answer: Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    answer["ok"] == true
}

fn purge_args(extra: &[&'static str]) -> Vec<&'static str> {
    let mut args = vec![
        "--local",
        "--name",
        LAB,
        "migrate",
        FUNCTION,
        "--purge-versions",
    ];
    args.extend_from_slice(extra);
    args
}

/// `--finish --dry-run` names where the value still lives: the versions and the alias (which
/// routes to the second). What it printed.
fn finish_names_where_the_value_lives(home: &TestHome, versions: &[String]) -> String {
    let finish = home.run(&[
        "--local",
        "--name",
        LAB,
        "migrate",
        FUNCTION,
        "--finish",
        "--force",
        "--dry-run",
    ]);
    let text = stdout(&finish)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains(&format!("version(s) {}", versions.join(", "))),
        "{text}"
    );
    assert!(
        text.contains(&format!("alias `live` routes to {}", versions[1])),
        "{text}"
    );
    text
}

/// Killed at any call, the next run converges and nothing is lost: only `kept` (the version
/// behind the alias) holds the value afterwards. What the runs printed.
async fn killed_at_any_call_it_converges(
    home: &TestHome,
    sdk: &AwsContext,
    kept: &str,
    password: &str,
    mark: &mut usize,
) -> String {
    let mut printed = String::new();
    let mut landed = 0;
    for call in 1.. {
        let fresh = publish(sdk, 2, mark).await;
        if !killed_after_call(home, &purge_args(&[]), call) {
            break;
        }
        landed += 1;
        let (out, report) = home.json(&purge_args(&[]));
        assert!(
            out.status.success(),
            "after a kill at call {call}: {}",
            stderr(&out)
        );
        printed += &report.to_string();
        let left = holding(sdk).await;
        assert_eq!(left, [kept.to_string()], "call {call}: {fresh:?} {report}");
        assert!(answers(sdk).await, "call {call}");
        assert_eq!(stored_password(sdk).await, password, "call {call}");
    }
    assert!(landed >= 4, "only {landed} kills landed mid-run");
    printed
}

#[tokio::test(flavor = "multi_thread")]
async fn purge_deletes_the_versions_no_alias_routes_to_and_converges_after_a_kill() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    home.ok(&["--local", "--name", LAB, "up", "--with-legacy"]);
    let migrated = home.run(&[
        "--local",
        "--name",
        LAB,
        "migrate",
        FUNCTION,
        "--var",
        "DB_PASSWORD",
    ]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let password = stored_password(&sdk).await;
    let mut printed = String::new();

    // Three published versions hold the value; an alias routes to the second.
    let mut mark = 0;
    let versions = publish(&sdk, 3, &mut mark).await;
    let alias = sdk
        .lambda
        .create_alias()
        .function_name(FUNCTION)
        .name("live");
    alias.function_version(&versions[1]).send().await.unwrap();
    assert_eq!(holding(&sdk).await, versions);

    printed += &finish_names_where_the_value_lives(&home, &versions);

    // A dry run deletes nothing; the purge then keeps only the version behind the alias.
    let (out, plan) = home.json(&purge_args(&["--dry-run"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(holding(&sdk).await, versions, "{plan}");
    printed += &plan.to_string();
    let (out, report) = home.json(&purge_args(&[]));
    assert!(out.status.success(), "{}", stderr(&out));
    printed += &report.to_string();
    assert_eq!(holding(&sdk).await, [versions[1].clone()], "{report}");
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("move the alias"), "{report}");
    assert!(answers(&sdk).await);
    assert_eq!(stored_password(&sdk).await, password);

    printed +=
        &killed_at_any_call_it_converges(&home, &sdk, &versions[1], &password, &mut mark).await;
    assert!(!printed.contains(&password), "a value was printed");
    home.force_teardown(LAB);
    home.stop_local();
}
