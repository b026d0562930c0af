//! The lab with Parameter Store as its store, through the real binary against a real MiniStack:
//! `up --store parameter-store`, `test` through the local stand-in, `status`, switching stores
//! both ways (the value carried over, the old store's resource removed), `teardown`.

use crate::common;

use common::{existing, stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

fn kinds_and_actions(up: &Value) -> Vec<(String, String)> {
    up["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn action_of(up: &Value, kind: &str) -> Option<String> {
    kinds_and_actions(up)
        .into_iter()
        .find(|(k, _)| k == kind)
        .map(|(_, action)| action)
}

/// The parameter is a SecureString tagged as the lab's; the policy reads exactly it (and the
/// lab's simulated database, read directly by the handler); the function is told its name.
async fn a_tagged_secure_string_the_policy_reads_exactly(sdk: &AwsContext, lab: &str, up: &Value) {
    let parameter = format!("/{lab}/credentials");
    let parameter_arn = up["parameter_arn"].as_str().unwrap();
    let metadata = sdk
        .ssm
        .get_parameter()
        .name(&parameter)
        .send()
        .await
        .unwrap();
    assert_eq!(
        metadata.parameter().unwrap().r#type(),
        Some(&aws_sdk_ssm::types::ParameterType::SecureString)
    );
    let tags = sdk
        .ssm
        .list_tags_for_resource()
        .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
        .resource_id(&parameter)
        .send()
        .await
        .unwrap();
    let names = secretslab::domain::names::LabName::new(lab)
        .unwrap()
        .resources();
    assert!(names.is_owned(tags.tag_list().iter().map(|t| (t.key(), t.value()))));
    let statements = up["policy_document"]["Statement"].as_array().unwrap();
    let resources: Vec<&str> = statements
        .iter()
        .map(|s| s["Resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        resources,
        [
            parameter_arn,
            &parameter_arn.replace("/credentials", "/simulated-db")
        ],
        "{up}"
    );
    assert!(
        statements.iter().all(|s| s["Action"] == "ssm:GetParameter"),
        "{up}"
    );
    let env = common::function_env(sdk, lab).await;
    assert_eq!(env.get("PARAMETER_NAME"), Some(&parameter));
    assert!(!env.contains_key("SECRET_ID"));
}

/// Switch to Secrets Manager: the secret gets the same value, the parameter goes. And back:
/// the parameter is created from the secret, which is scheduled for deletion.
async fn switching_stores_carries_the_value(
    home: &TestHome,
    sdk: &AwsContext,
    lab: &str,
    password: &str,
) {
    let to_secret = home.ok(&["--local", "--name", lab, "up"]);
    assert_eq!(action_of(&to_secret, "secret").as_deref(), Some("create"));
    assert_eq!(
        action_of(&to_secret, "parameter").as_deref(),
        Some("remove")
    );
    assert_eq!(common::lab_password(sdk, lab).await, password);
    assert!(!existing(sdk, lab).await.contains(&"parameter".to_string()));
    let test = home.ok(&["--local", "--name", lab, "test", "-n", "2"]);
    assert!(common::every_invocation_read(&test, 2), "{test}");

    let to_parameter = home.ok(&["--local", "--name", lab, "up", "--store", "parameter-store"]);
    assert_eq!(
        action_of(&to_parameter, "parameter").as_deref(),
        Some("create")
    );
    assert_eq!(
        action_of(&to_parameter, "secret").as_deref(),
        Some("remove")
    );
    assert_eq!(common::parameter_password(sdk, lab).await, password);
    assert!(
        common::secret_scheduled(sdk, lab).await,
        "the old secret is scheduled for deletion"
    );
    let status = home.ok(&["--local", "--name", lab, "status"]);
    assert_eq!(status["resources"][0]["kind"], "parameter", "{status}");
}

#[tokio::test]
async fn parameter_store_lab_up_test_switch_and_teardown() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "params";
    let parameter = format!("/{lab}/credentials");

    let up = home.ok(&["--local", "--name", lab, "up", "--store", "parameter-store"]);
    assert_eq!(up["store"], "parameter-store", "{up}");
    assert_eq!(
        kinds_and_actions(&up)[0],
        ("parameter".to_string(), "create".to_string())
    );
    assert!(action_of(&up, "secret").is_none(), "{up}");
    assert!(up["secret_arn"].is_null(), "{up}");
    let parameter_arn = up["parameter_arn"].as_str().unwrap().to_string();
    assert!(
        parameter_arn.ends_with(":parameter/params/credentials"),
        "{up}"
    );
    assert_eq!(
        existing(&sdk, lab).await.len(),
        6,
        "{:?}",
        existing(&sdk, lab).await
    );

    a_tagged_secure_string_the_policy_reads_exactly(&sdk, lab, &up).await;

    // Converged: a second `up` writes nothing.
    let again = home.ok(&["--local", "--name", lab, "up", "--store", "parameter-store"]);
    assert_eq!(again["api_calls"]["writes"], 0, "{again}");

    // The function reads the parameter through the local stand-in: counted exactly.
    let (out, test) = home.json(&["--local", "--name", lab, "test", "-n", "5"]);
    assert!(out.status.success(), "{}\n{test}", stderr(&out));
    assert!(common::every_invocation_read(&test, 5), "{test}");
    assert_eq!(test["cache"]["method"], "exact", "{test}");
    assert_eq!(test["cache"]["misses"], 1, "{test}");
    assert_eq!(test["cache"]["hits"], 4, "{test}");
    assert_eq!(test["cache"]["upstream_calls"], 1, "{test}");
    assert_eq!(test["secret"]["name"], parameter.as_str(), "{test}");

    let status = home.ok(&["--local", "--name", lab, "status"]);
    assert!(common::all_resources(&status, "present"), "{status}");
    assert_eq!(status["resources"][0]["kind"], "parameter", "{status}");

    let password = common::parameter_password(&sdk, lab).await;
    let human = home.run(&["--local", "--name", lab, "test"]);
    for text in [
        stdout(&human),
        stderr(&human),
        test.to_string(),
        up.to_string(),
        home.state_files_text(),
    ] {
        assert!(!text.contains(&password), "the parameter value leaked");
    }

    switching_stores_carries_the_value(&home, &sdk, lab, &password).await;

    // Teardown leaves nothing of either store.
    let down = home.force_teardown(lab);
    assert_eq!(down["remaining"], 0, "{down}");
    assert!(
        existing(&sdk, lab).await.is_empty(),
        "{:?}",
        existing(&sdk, lab).await
    );
    home.stop_local();
}
