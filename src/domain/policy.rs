//! The IAM documents of the lab: the role's trust policy and the least-privilege read policy.

use crate::domain::kinds::Store;
use serde_json::{json, Value};

/// Lambda may assume the lab role.
pub fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole"
        }]
    })
}

/// Read this one secret (and, like the original lab, list secrets); decrypt with the
/// customer managed key when one is used.
pub fn read_secret_policy(secret_arn: &str, kms_key_arn: Option<&str>) -> Value {
    let mut statements = vec![
        json!({
            "Sid": "ReadTheLabSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": secret_arn
        }),
        json!({
            "Sid": "ListSecretsAsTheOriginalLab",
            "Effect": "Allow",
            "Action": "secretsmanager:ListSecrets",
            "Resource": "*"
        }),
    ];
    statements.extend(kms_key_arn.map(decrypt_statement));
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Read this one `SecureString` parameter; decrypt with the customer managed key when one
/// is used. The AWS managed key `aws/ssm` needs no statement: its key policy already lets
/// every principal of the account decrypt through Parameter Store
/// (https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html).
pub fn read_parameter_policy(parameter_arn: &str, kms_key_arn: Option<&str>) -> Value {
    let mut statements = vec![json!({
        "Sid": "ReadTheLabParameter",
        "Effect": "Allow",
        "Action": "ssm:GetParameter",
        "Resource": parameter_arn
    })];
    statements.extend(kms_key_arn.map(decrypt_statement));
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// `document` plus reading the lab's simulated database (the parameter the handler checks
/// logins against, directly: never through the extension's cache).
/// The lab's read policy, the one document `up` attaches to the lab's role (and the tour
/// shows): read the store's resource at `store_arn` (decrypting with `kms_key_arn` when one
/// is used), and log in to the lab's simulated database at `database_arn`.
pub fn lab_read_policy(
    store: Store,
    store_arn: &str,
    kms_key_arn: Option<&str>,
    database_arn: &str,
) -> Value {
    with_simulated_db(
        store_read_policy(store, store_arn, kms_key_arn),
        database_arn,
    )
}

/// Read the store's resource at `arn` only.
pub fn store_read_policy(store: Store, arn: &str, kms_key_arn: Option<&str>) -> Value {
    match store {
        Store::SecretsManager => read_secret_policy(arn, kms_key_arn),
        Store::ParameterStore => read_parameter_policy(arn, kms_key_arn),
    }
}

pub fn with_simulated_db(mut document: Value, database_arn: &str) -> Value {
    if let Some(statements) = document["Statement"].as_array_mut() {
        statements.push(json!({
            "Sid": "LogInToTheLabSimulatedDatabase",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": database_arn
        }));
    }
    document
}

fn decrypt_statement(key: &str) -> Value {
    json!({
        "Sid": "DecryptWithTheCustomerManagedKey",
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": key
    })
}

/// One document granting what `a` and `b` grant (statements with the same `Sid` once):
/// the policy while a lab switches stores.
pub fn combined(a: &Value, b: &Value) -> Value {
    let mut statements: Vec<Value> = Vec::new();
    for statement in [a, b]
        .iter()
        .filter_map(|doc| doc["Statement"].as_array())
        .flatten()
    {
        let seen = statements
            .iter()
            .any(|s| s.get("Sid").is_some() && s.get("Sid") == statement.get("Sid"));
        if !seen {
            statements.push(statement.clone());
        }
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The AWS managed policy that lets the function write its logs.
pub fn basic_execution_policy_arn(partition: &str) -> String {
    super::arn::aws_managed_policy(partition, "service-role/AWSLambdaBasicExecutionRole")
        .to_string()
}

/// Parse a policy document as IAM returns it (URL-encoded JSON on AWS, plain JSON on some emulators).
pub fn parse_document(raw: &str) -> Option<Value> {
    serde_json::from_str(raw).ok().or_else(|| {
        url::form_urlencoded::parse(format!("x={raw}").as_bytes())
            .next()
            .and_then(|(_, decoded)| serde_json::from_str(&decoded).ok())
    })
}

/// Whether two policy documents grant the same thing, ignoring the
/// string-or-list spelling of `Action`/`Resource` and their order.
pub fn same_policy(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, inner)| {
                    let inner = match (key.as_str(), inner) {
                        ("Action" | "Resource" | "NotAction" | "NotResource", Value::String(s)) => {
                            Value::Array(vec![Value::String(s.clone())])
                        }
                        (
                            "Action" | "Resource" | "NotAction" | "NotResource",
                            Value::Array(items),
                        ) => {
                            let mut items = items.clone();
                            items.sort_by_key(|v| v.to_string());
                            Value::Array(items)
                        }
                        _ => normalize(inner),
                    };
                    (key.clone(), inner)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lab/credentials-AbCdEf";

    #[test]
    fn read_policy_is_scoped_to_the_secret() {
        let policy = read_secret_policy(ARN, None);
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["Resource"], ARN);
        assert_eq!(statements[1]["Action"], "secretsmanager:ListSecrets");
    }

    #[test]
    fn kms_statement_only_with_a_key() {
        let policy = read_secret_policy(ARN, Some("arn:aws:kms:us-east-1:1:key/k"));
        assert_eq!(policy["Statement"][2]["Action"], "kms:Decrypt");
    }

    #[test]
    fn parameter_policy_is_scoped_to_the_parameter() {
        let arn = "arn:aws:ssm:us-east-1:123456789012:parameter/lab/credentials";
        let policy = read_parameter_policy(arn, None);
        assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(1));
        assert_eq!(policy["Statement"][0]["Action"], "ssm:GetParameter");
        assert_eq!(policy["Statement"][0]["Resource"], arn);
        let with_key = read_parameter_policy(arn, Some("arn:aws:kms:us-east-1:1:key/k"));
        assert_eq!(with_key["Statement"][1]["Action"], "kms:Decrypt");
    }

    #[test]
    fn combined_grants_both_once() {
        let parameter = "arn:aws:ssm:us-east-1:123456789012:parameter/lab/credentials";
        let key = Some("arn:aws:kms:us-east-1:1:key/k");
        let both = combined(
            &read_secret_policy(ARN, key),
            &read_parameter_policy(parameter, key),
        );
        let sids: Vec<&str> = both["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        assert_eq!(
            sids,
            [
                "ReadTheLabSecret",
                "ListSecretsAsTheOriginalLab",
                "DecryptWithTheCustomerManagedKey",
                "ReadTheLabParameter"
            ]
        );
    }

    #[test]
    fn url_encoded_documents_parse() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(parse_document(encoded).unwrap()["Version"], "2012-10-17");
        assert!(parse_document("not json").is_none());
    }

    #[test]
    fn spelling_differences_are_the_same_policy() {
        let a = json!({"Statement": [{"Action": "s3:GetObject", "Resource": ["b", "a"]}]});
        let b = json!({"Statement": [{"Action": ["s3:GetObject"], "Resource": ["a", "b"]}]});
        assert!(same_policy(&a, &b));
        let c = json!({"Statement": [{"Action": ["s3:PutObject"], "Resource": ["a", "b"]}]});
        assert!(!same_policy(&a, &c));
    }
}
