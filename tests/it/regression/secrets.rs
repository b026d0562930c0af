//! Secrets Manager on the emulator.

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use crate::common::{self, existing, stderr, TestHome};

/// Creating a secret whose name is scheduled for deletion answers `ResourceExistsException`
/// (AWS: `InvalidRequestException`). The workaround: `up` reads the scheduled state from
/// `DescribeSecret` (`DeletedDate`) and restores the secret, parsing neither error.
#[tokio::test]
async fn creating_a_secret_scheduled_for_deletion_answers_resource_exists() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let lab = "restore";
    let first = home.ok(&["--local", "--name", lab, "up"]);
    // Without `--yes` and without a terminal to ask on, teardown refuses and deletes nothing.
    let unconfirmed = home.run(&["--local", "--name", lab, "teardown"]);
    assert_eq!(
        unconfirmed.status.code(),
        Some(2),
        "{}",
        stderr(&unconfirmed)
    );
    let said: Vec<String> = stderr(&unconfirmed).lines().map(str::to_string).collect();
    assert!(
        said.len() == 2
            && said[0].starts_with("error[secretslab::")
            && said[1].trim_start().starts_with("help: "),
        "{said:?}"
    );
    assert!(said[1].contains("--yes"), "{said:?}");
    assert_eq!(existing(&sdk, lab).await.len(), 6, "nothing deleted");
    let down = home.ok(&["--local", "--name", lab, "teardown", "--yes"]);
    let secret_line = down["receipt"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "secret")
        .unwrap()
        .clone();
    assert_eq!(secret_line["state"], "scheduled_for_deletion", "{down}");
    assert!(
        common::secret_scheduled(&sdk, lab).await,
        "AWS-side state: scheduled"
    );
    // The quirk: AWS answers InvalidRequestException ("already scheduled for deletion").
    let again = sdk
        .secrets
        .create_secret()
        .name(format!("{lab}/credentials"))
        .secret_string("{}")
        .send()
        .await;
    assert_eq!(
        again
            .err()
            .and_then(|e| e.code().map(str::to_string))
            .as_deref(),
        Some("ResourceExistsException"),
        "MiniStack no longer answers ResourceExistsException here"
    );

    let second = home.ok(&["--local", "--name", lab, "up"]);
    let secret_plan = second["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "secret")
        .unwrap()
        .clone();
    assert_eq!(secret_plan["action"], "restore", "{second}");
    assert_eq!(
        second["secret_arn"], first["secret_arn"],
        "the same secret is reused"
    );
    let test = home.ok(&["--local", "--name", lab, "test", "-n", "2"]);
    assert_eq!(test["ok"], true);
    home.force_teardown(lab);
    assert!(existing(&sdk, lab).await.is_empty());
    home.stop_local();
}
