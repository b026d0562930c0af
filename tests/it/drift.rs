//! `status` and `up --dry-run` render one plan: a lab drifted through the SDK in every resource
//! kind is reported drifted by `status` with exactly the reasons `up --dry-run` gives, nothing
//! else, and one `up` removes all of it. Against a real MiniStack (`--test-threads=1`).

use crate::common;

use std::collections::BTreeMap;

use aws_sdk_lambda::types::Environment;
use common::TestHome;
use secretslab::aws::AwsContext;
use serde_json::{json, Value};

const BASIC_EXECUTION: &str = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";

/// Each resource's row, by kind: the plan's (action, reasons) or the status' (state, drift).
fn by_kind(doc: &Value, state: &str, notes: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let rows = doc["resources"].as_array().expect("resources");
    rows.iter()
        .map(|r| {
            let notes = r[notes].as_array().expect("notes").iter();
            let notes = notes.map(|n| n.as_str().unwrap().to_string()).collect();
            let kind = r["kind"].as_str().unwrap().to_string();
            (kind, (r[state].as_str().unwrap().to_string(), notes))
        })
        .collect()
}

/// Change the lab behind the CLI's back, in every kind of resource.
async fn drift(sdk: &AwsContext, lab: &str, account: &str) {
    let secret = sdk
        .secrets
        .delete_secret()
        .secret_id(format!("{lab}/credentials"));
    secret.recovery_window_in_days(7).send().await.unwrap();

    let role = format!("{lab}-role");
    let ec2_trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let trust = sdk.iam.update_assume_role_policy().role_name(&role);
    trust
        .policy_document(ec2_trust.to_string())
        .send()
        .await
        .unwrap();
    let detach = sdk.iam.detach_role_policy().role_name(&role);
    detach.policy_arn(BASIC_EXECUTION).send().await.unwrap();

    let broad = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]});
    let policy_arn = format!("arn:aws:iam::{account}:policy/{lab}-read-secret");
    let version = sdk.iam.create_policy_version().policy_arn(policy_arn);
    let version = version
        .policy_document(broad.to_string())
        .set_as_default(true);
    version.send().await.unwrap();

    let retention = sdk.logs.put_retention_policy();
    let retention = retention.log_group_name(format!("/aws/lambda/{lab}"));
    retention.retention_in_days(7).send().await.unwrap();

    let other = secretslab::domain::package::build_from(&[(
        "lambda_function.py",
        b"def lambda_handler(event, context):\n    return {}\n",
    )])
    .unwrap();
    let code = sdk.lambda.update_function_code().function_name(lab);
    code.zip_file(other.zip.into()).send().await.unwrap();
    secretslab::aws::function::wait_until_updated_named(&sdk.lambda, lab)
        .await
        .unwrap();
    let mut env = common::function_env(sdk, lab).await;
    env.insert("SECRETS_MANAGER_TTL".into(), "7".into());
    let variables = Environment::builder().set_variables(Some(env)).build();
    let config = sdk
        .lambda
        .update_function_configuration()
        .function_name(lab);
    // The runtime is not drifted: `status` plans with the runtime the lab runs, as it does
    // with the store (a Node.js lab is not drift).
    let config = config.timeout(30).environment(variables);
    config.set_layers(Some(Vec::new())).send().await.unwrap();
    secretslab::aws::function::wait_until_updated_named(&sdk.lambda, lab)
        .await
        .unwrap();
}

#[tokio::test]
async fn status_reports_exactly_the_drift_up_would_remove() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "drift";
    let up = home.ok(&["--local", "--name", lab, "up"]);
    drift(&sdk, lab, up["account"].as_str().unwrap()).await;

    let plan = by_kind(
        &home.ok(&["--local", "--name", lab, "up", "--dry-run"]),
        "action",
        "reasons",
    );
    let status = by_kind(
        &home.ok(&["--local", "--name", lab, "status"]),
        "state",
        "drift",
    );
    // Same resources; every drift is exactly what `up` would change, and nothing else.
    assert_eq!(
        plan.keys().collect::<Vec<_>>(),
        status.keys().collect::<Vec<_>>()
    );
    for (kind, (action, reasons)) in &plan {
        let (state, drift) = &status[kind];
        let expected = match action.as_str() {
            "unchanged" => "present",
            "create" => "missing",
            _ => "drifted",
        };
        assert_eq!(state, expected, "{kind}: plan {action} {reasons:?}");
        let shown: &[String] = if expected == "drifted" { reasons } else { &[] };
        assert_eq!(drift, shown, "{kind}");
    }
    // Each kind's drift is seen, one reason per change made above.
    for (kind, action, notes) in [
        ("secret", "restore", &["scheduled for deletion"][..]),
        (
            "iam_role",
            "update",
            &["trust policy", "AWSLambdaBasicExecutionRole not attached"],
        ),
        ("iam_policy", "update", &["document differs"]),
        ("log_group", "update", &["retention 7 days, want 3"]),
        (
            "function",
            "update",
            &[
                "code differs",
                "extension layer missing",
                "environment variable SECRETS_MANAGER_TTL differs",
                "timeout 30 s, want 15 s",
            ],
        ),
    ] {
        let (planned, reasons) = &plan[kind];
        assert_eq!(planned, action, "{kind}: {reasons:?}");
        assert_eq!(reasons.len(), notes.len(), "{kind}: {reasons:?}");
        for (reason, note) in reasons.iter().zip(notes) {
            assert!(reason.contains(note), "{kind}: {reason:?} lacks {note:?}");
        }
    }

    // One `up` converges: all present, and a new plan changes nothing.
    home.ok(&["--local", "--name", lab, "up"]);
    let status = home.ok(&["--local", "--name", lab, "status"]);
    assert!(common::all_resources(&status, "present"), "{status}");
    let again = home.ok(&["--local", "--name", lab, "up", "--dry-run"]);
    let rows = again["resources"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["action"] == "unchanged"), "{again}");
    let test = home.ok(&["--local", "--name", lab, "test", "-n", "1"]);
    assert!(common::every_invocation_read(&test, 1), "{test}");

    let down = home.force_teardown(lab);
    assert_eq!(down["remaining"], 0, "{down}");
    home.stop_local();
}
