use super::*;
use crate::iac::tests::model;

#[test]
fn the_configuration_parses_back_with_the_labs_resources() {
    let text = render(&configuration(&model(Store::SecretsManager, false)));
    let body: Body = hcl::from_str(&text).unwrap();
    let resources: Vec<String> = body
        .blocks()
        .filter(|b| b.identifier() == "resource")
        .map(|b| {
            b.labels()
                .iter()
                .map(|l| l.as_str().to_string())
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    assert_eq!(
        resources,
        [
            "aws_secretsmanager_secret.credentials",
            "aws_secretsmanager_secret_version.credentials",
            "random_id.simulated_db_salt",
            "aws_ssm_parameter.simulated_db",
            "aws_iam_policy.read",
            "aws_iam_role.lab",
            "aws_iam_role_policy_attachment.basic",
            "aws_iam_role_policy_attachment.read",
            "aws_cloudwatch_log_group.lab",
            "aws_lambda_function.lab",
        ]
    );
    assert!(
        text.contains("resources = [\n      aws_secretsmanager_secret.credentials.arn\n    ]"),
        "{text}"
    );
    assert!(text.contains("secret_string_wo"));
    assert!(
        text.contains("\"SECRET_ID\" = \"demo/credentials\""),
        "{text}"
    );
    assert!(text.contains("retention_in_days = 3"));
    assert!(!text.contains("kms:Decrypt"));
}

#[test]
fn the_simulated_database_accepts_the_generated_login() {
    let text = render(&configuration(&model(Store::SecretsManager, false)));
    // The digest the handler computes, of the password the secret gets: SHA-256 of salt,
    // username and password, one per line.
    let digest = "sha256(format(\"%s\\n%s\\n%s\", random_id.simulated_db_salt.hex, \"lab-user\", ephemeral.random_password.lab.result))";
    assert!(text.contains(digest), "{text}");
    assert!(
        text.contains("resources = [\n      aws_ssm_parameter.simulated_db.arn\n    ]"),
        "{text}"
    );
    assert!(text.contains("\"SIMULATED_DB_PARAMETER\" = \"/demo/simulated-db\""));
    let body: Body = hcl::from_str(&text).unwrap();
    let database = body
        .blocks()
        .find(|b| b.labels().iter().any(|l| l.as_str() == "simulated_db"))
        .unwrap();
    let attribute = |key: &str| {
        database
            .body()
            .attributes()
            .find(|a| a.key() == key)
            .map(|a| a.expr().to_string())
    };
    assert_eq!(attribute("type").as_deref(), Some("\"SecureString\""));
    assert!(attribute("value").is_none(), "write-only: not in the state");
    assert_eq!(attribute("value_wo_version").as_deref(), Some("1"));
}

#[test]
fn parameter_store_is_a_secure_string_with_a_key() {
    let text = render(&configuration(&model(Store::ParameterStore, true)));
    assert!(text.contains("type = \"SecureString\""), "{text}");
    assert!(text.contains("value_wo"));
    assert!(
        text.contains("resources = [\n      aws_ssm_parameter.credentials.arn\n    ]"),
        "{text}"
    );
    assert!(text.contains("\"kms:Decrypt\""));
    assert!(text.contains("key_id = \"arn:aws:kms:us-east-1:123456789012:key/k-1\""));
}
