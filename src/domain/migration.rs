//! What `migrate` creates and how it names it: the store document that holds a function's
//! moved variables, the reference variables beside them, the role policy, and the tags that
//! let `--finish`, `--rollback` and `teardown` find all of it again.

use crate::domain::arn::{Arn, Scope};
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::domain::kinds::Store;
use crate::domain::names::{TAG_MANAGED_BY, TAG_MANAGED_BY_VALUE};

/// The function (unqualified ARN) whose variables a document holds.
pub const TAG_MIGRATED_FROM: &str = "secretslab:migrated-from";
/// The extension layer migrate attached (absent when the function had it already).
pub const TAG_ADDED_LAYER: &str = "secretslab:added-layer";
/// Variables migrate added besides the references, space-separated (tag values allow no commas).
pub const TAG_ADDED_ENV: &str = "secretslab:added-env";
/// The function's code hash when the references were added: new code is a sign it reads them.
pub const TAG_CODE_SHA256: &str = "secretslab:code-sha256";

/// Requests the function's local extension had served when the references were added:
/// more since then is a sign the code reads them.
pub const TAG_SERVED_AT_EXPAND: &str = "secretslab:served-at-expand";

/// Lambda attaches at most five layers to a function.
pub const LAYER_LIMIT: usize = 5;
/// What every published ARN of the extension layer contains.
pub const EXTENSION_LAYER_MARK: &str = "AWS-Parameters-and-Secrets-Lambda-Extension";
/// Days a rolled-back secret stays restorable (Secrets Manager's minimum is 7).
pub const ROLLBACK_RECOVERY_DAYS: u16 = 7;

/// The document's name unless `--secret-name` gives one: `FUNCTION/env`, or `/FUNCTION/env`
/// for a parameter (a hierarchy path).
pub fn default_document_name(function: &str, store: Store) -> String {
    match store {
        Store::SecretsManager => format!("{function}/env"),
        Store::ParameterStore => format!("/{function}/env"),
    }
}

/// The inline role policy that lets one function read its document (IAM allows 128 characters).
pub fn policy_name(function: &str) -> String {
    let mut name = format!("secretslab-migrate-{function}");
    name.truncate(128);
    name
}

/// The variable that tells the code where `var` moved: `DB_PASSWORD_SECRET_ID`.
pub fn reference_var(var: &str, store: Store) -> String {
    match store {
        Store::SecretsManager => format!("{var}_SECRET_ID"),
        Store::ParameterStore => format!("{var}_PARAMETER_NAME"),
    }
}

/// The moved variable a reference variable points for, and in which store.
pub fn referenced_var(reference: &str) -> Option<(&str, Store)> {
    let by_suffix = |suffix, store| {
        reference
            .strip_suffix(suffix)
            .filter(|var| !var.is_empty())
            .map(|var| (var, store))
    };
    by_suffix("_SECRET_ID", Store::SecretsManager)
        .or_else(|| by_suffix("_PARAMETER_NAME", Store::ParameterStore))
}

pub fn is_extension_layer(arn: &str) -> bool {
    arn.contains(EXTENSION_LAYER_MARK)
}

/// The document's ARN as a policy names it. A secret's ARN ends in six random characters
/// added at creation, so the policy uses IAM's `-??????` pattern: the same before and after.
pub fn document_arn(store: Store, function_arn: &str, name: &str) -> String {
    let scope =
        Arn::parse(function_arn).map_or_else(|| Scope::new("aws", "", ""), |arn| arn.scope());
    let arn = match store {
        Store::SecretsManager => scope.secret_pattern(name),
        Store::ParameterStore => scope.parameter(name),
    };
    arn.to_string()
}

/// Read exactly this document (and decrypt it with the customer managed key, if any).
pub fn read_policy(store: Store, document_arn: &str, kms_key_arn: Option<&str>) -> Value {
    let actions = match store {
        Store::SecretsManager => json!(["secretsmanager:GetSecretValue"]),
        Store::ParameterStore => json!(["ssm:GetParameter"]),
    };
    let mut statements = vec![json!({
        "Sid": "ReadTheMigratedVariables",
        "Effect": "Allow",
        "Action": actions,
        "Resource": document_arn
    })];
    statements.extend(kms_key_arn.map(|key| {
        json!({
            "Sid": "DecryptTheMigratedVariables",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": key
        })
    }));
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The tags of a new document: ownership, and what `--rollback` must undo.
pub fn document_tags(
    function_arn: &str,
    added_layer: Option<&str>,
    added_env: &[String],
    baseline: &[(String, String)],
) -> Vec<(String, String)> {
    let mut tags = vec![
        (TAG_MANAGED_BY.to_string(), TAG_MANAGED_BY_VALUE.to_string()),
        (TAG_MIGRATED_FROM.to_string(), function_arn.to_string()),
    ];
    tags.extend(baseline.iter().cloned());
    if let Some(layer) = added_layer {
        tags.push((TAG_ADDED_LAYER.to_string(), layer.to_string()));
    }
    if !added_env.is_empty() {
        tags.push((TAG_ADDED_ENV.to_string(), added_env.join(" ")));
    }
    tags
}

/// What `--finish` compares against to see the code reads the references: the code's hash
/// and the requests the local extension had served when the references were added.
pub fn evidence_baseline(code_sha256: &str, served: u64) -> Vec<(String, String)> {
    vec![
        (TAG_CODE_SHA256.to_string(), code_sha256.to_string()),
        (TAG_SERVED_AT_EXPAND.to_string(), served.to_string()),
    ]
}

/// Whether a document's tags say migrate made it for this function.
pub fn is_for_function(tags: &BTreeMap<String, String>, function_arn: &str) -> bool {
    tags.get(TAG_MANAGED_BY).map(String::as_str) == Some(TAG_MANAGED_BY_VALUE)
        && tags.get(TAG_MIGRATED_FROM).map(String::as_str) == Some(function_arn)
}

/// The variables migrate added besides the references, from the document's tags.
pub fn added_env(tags: &BTreeMap<String, String>) -> Vec<String> {
    tags.get(TAG_ADDED_ENV)
        .map(|v| v.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Lambda's rule for environment variable names: a letter, then letters, digits or `_`.
pub fn is_valid_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "arn:aws:lambda:eu-west-1:123456789012:function:billing";

    #[test]
    fn names_follow_the_store() {
        assert_eq!(
            default_document_name("billing", Store::SecretsManager),
            "billing/env"
        );
        assert_eq!(
            default_document_name("billing", Store::ParameterStore),
            "/billing/env"
        );
        let secret = reference_var("DB_PASSWORD", Store::SecretsManager);
        let parameter = reference_var("DB_PASSWORD", Store::ParameterStore);
        assert_eq!(secret, "DB_PASSWORD_SECRET_ID");
        assert_eq!(
            referenced_var(&secret),
            Some(("DB_PASSWORD", Store::SecretsManager))
        );
        assert_eq!(
            referenced_var(&parameter),
            Some(("DB_PASSWORD", Store::ParameterStore))
        );
        assert_eq!(referenced_var("SECRET_ID"), None);
        assert_eq!(referenced_var("_SECRET_ID"), None);
        assert!(policy_name(&"f".repeat(200)).len() <= 128);
    }

    #[test]
    fn policy_reads_exactly_the_document() {
        let arn = document_arn(Store::SecretsManager, FUNCTION, "billing/env");
        assert_eq!(
            arn,
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing/env-??????"
        );
        let policy = read_policy(Store::SecretsManager, &arn, None);
        assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(1));
        assert_eq!(policy["Statement"][0]["Resource"], arn.as_str());
        let parameter = document_arn(Store::ParameterStore, FUNCTION, "/billing/env");
        assert_eq!(
            parameter,
            "arn:aws:ssm:eu-west-1:123456789012:parameter/billing/env"
        );
        let key = "arn:aws:kms:eu-west-1:123456789012:key/k";
        let with_key = read_policy(Store::ParameterStore, &parameter, Some(key));
        assert_eq!(with_key["Statement"][0]["Action"][0], "ssm:GetParameter");
        assert_eq!(with_key["Statement"][1]["Resource"], key);
    }

    #[test]
    fn tags_round_trip() {
        let added = vec!["PARAMETERS_SECRETS_EXTENSION_HTTP_PORT".to_string()];
        let baseline = evidence_baseline("sha", 3);
        let tags: BTreeMap<_, _> = document_tags(FUNCTION, Some("arn:layer"), &added, &baseline)
            .into_iter()
            .collect();
        assert_eq!(tags[TAG_SERVED_AT_EXPAND], "3");
        assert!(is_for_function(&tags, FUNCTION));
        assert!(!is_for_function(&tags, &format!("{FUNCTION}-other")));
        assert_eq!(added_env(&tags), added);
        assert!(tags.values().all(|v| !v.contains(',')));
    }

    #[test]
    fn variable_names() {
        assert!(is_valid_var_name("DB_PASSWORD"));
        assert!(!is_valid_var_name("1DB"));
        assert!(!is_valid_var_name("DB-PASSWORD"));
        assert!(!is_valid_var_name(""));
    }
}
