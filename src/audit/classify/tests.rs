//! One case per rule (vendor formats are covered by `vendors::tests`), plus the shape.
//! Values are fake, built to each rule's shape.

use super::*;

fn check(name: &str, value: &str, class: Class, rule_id: &str) {
    let verdict = classify(name, value);
    assert_eq!(
        (verdict.class, verdict.rule),
        (class, rule_id),
        "{name}={value}"
    );
    assert!(
        !verdict.reason.is_empty() && !verdict.reason.ends_with('.'),
        "{rule_id}: reason is one plain sentence"
    );
}

const PEM_BODY: &str =
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0";

#[test]
fn value_rules() {
    use Class::*;
    check("API_KEY", "", Config, "config-empty");
    check(
        "S3_ACCESS_KEY_ID",
        "AKIAIOSFODNN7EXAMPLE",
        Config,
        "config-documented-example",
    );
    check(
        "DB_PASSWORD",
        "{{resolve:secretsmanager:prod/db:SecretString:password}}",
        Reference,
        "reference-cfn-dynamic",
    );
    check("DB_PASSWORD", "changeme", Config, "config-placeholder");
    check(
        "DB_PASSWORD",
        "<your-password>",
        Config,
        "config-placeholder",
    );
    check("API_KEY", "${API_KEY}", Config, "config-placeholder");
    check(
        "DB_SECRET_ARN",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf",
        Reference,
        "reference-secretsmanager-arn",
    );
    check(
        "PARAM_ARN",
        "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/api-key",
        Reference,
        "reference-ssm-arn",
    );
    check(
        "KMS_KEY_ARN",
        "arn:aws:kms:eu-west-1:123456789012:key/0f0e1d2c-3b4a-4596-8877-66554433aabb",
        Reference,
        "reference-kms-key",
    );
    check(
        "KMS_ALIAS_ARN",
        "arn:aws:kms:eu-west-1:123456789012:alias/orders",
        Reference,
        "reference-kms-alias",
    );
    check(
        "TOPIC_ARN",
        "arn:aws:sns:eu-west-1:123456789012:orders",
        Reference,
        "reference-arn",
    );
    check(
        "SIGNING_KEY",
        &format!("-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----"),
        Secret,
        "private-key",
    );
    check(
        "SIGNING_KEY",
        &format!("-----BEGIN RSA PRIVATE KEY-----\\n{PEM_BODY}\\n-----END RSA PRIVATE KEY-----"),
        Secret,
        "private-key",
    );
    check(
        "SIGNING_KEY",
        "-----BEGIN PRIVATE KEY-----\n\n-----END PRIVATE KEY-----",
        Config,
        "config-empty-pem",
    );
    check(
        "JWT_PUBLIC_KEY",
        &format!("-----BEGIN PUBLIC KEY-----\n{PEM_BODY}\n-----END PUBLIC KEY-----"),
        Config,
        "config-public-key",
    );
}

#[test]
fn credentials_in_strings() {
    use Class::*;
    check(
        "DATABASE_URL",
        "postgres://app:Zx81kQ9aLm@db.example.com:5432/app",
        Secret,
        "url-credentials",
    );
    check(
        "MONGO",
        "mongodb+srv://app:Zx81kQ9aLm@c0.ab12c.mongodb.net/app",
        Secret,
        "url-credentials",
    );
    check(
        "DATABASE_URL",
        "postgres://user:password@localhost:5432/db",
        Config,
        "config-placeholder-credentials",
    );
    check(
        "READER_URL",
        "postgres://readonly@db.example.com/app",
        Config,
        "config-url",
    );
    check(
        "JDBC_URL",
        "jdbc:mysql://db:3306/app?user=admin&password=Zx81kQ9aLm",
        Secret,
        "jdbc-credentials",
    );
    check(
        "JDBC_URL",
        "jdbc:oracle:thin:app/Zx81kQ9aLm@db:1521/ORCL",
        Secret,
        "jdbc-credentials",
    );
    check(
        "JDBC_URL",
        "jdbc:postgresql://db:5432/app?ssl=true",
        Config,
        "config-url",
    );
    check(
        "DB",
        "Server=tcp:db,1433;Database=app;User ID=app;Password=Zx81kQ9aLm;",
        Secret,
        "connection-string-password",
    );
    check(
        "X_CONTEXT",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsYW1iZGEifQ.c2lnbmF0dXJlLWJ5dGVzLWZha2U",
        Secret,
        "jwt",
    );
    check(
        "AUTH_HEADER",
        "Basic c3ZjX29yZGVyczpaeDgxa1E5YUxt",
        Secret,
        "basic-auth",
    );
    check(
        "AUTH_HEADER",
        "Bearer q8ZrT2LmX0vB7nKc4WjY",
        Secret,
        "bearer-token",
    );
    check(
        "CREDENTIALS",
        r#"{"username": "app", "password": "Zx81kQ9aLm"}"#,
        Secret,
        "json-credentials",
    );
    check(
        "CREDS_B64",
        "eyJ1c2VybmFtZSI6ICJhcHAiLCAicGFzc3dvcmQiOiAiWng4MWtROWFMbSJ9",
        Secret,
        "encoded-credentials",
    );
}

#[test]
fn vendor_rules_carry_their_prefix() {
    let verdict = classify("STRIPE_KEY", "sk_live_aB3dE5fG7hJ9kL1mN3pQ5rS7");
    assert_eq!((verdict.class, verdict.rule), (Class::Secret, "stripe-key"));
    assert_eq!(verdict.shape.to_string(), "sk_live_… 32 chars");
    let bad = classify("GITHUB_TOKEN", "ghp_Xy7Qm2Rt9Lp4Kd8Wz1Nc6Vb3Hs5Jf0000000");
    assert_eq!(
        (bad.class, bad.rule),
        (Class::Suspect, "vendor-checksum-mismatch")
    );
}

#[test]
fn value_and_name_rules() {
    use Class::*;
    check(
        "S3_SECRET_ACCESS_KEY",
        "q8ZrT2LmX0vB7nKc4WjY9sDp/3Hf6Gk1Ma5Ne8Ub",
        Secret,
        "aws-secret-access-key",
    );
    check(
        "MYSQL_ALLOW_EMPTY_PASSWORD",
        "yes",
        Config,
        "config-boolean",
    );
    check("DB_PASSWORD_ENABLED", "true", Config, "config-boolean");
    check("TOKEN_TTL", "3600", Config, "config-number");
    check("LOG_LEVEL", "INFO", Config, "config-log-level");
    check(
        "KMS_KEY",
        "alias/orders-prod",
        Reference,
        "reference-kms-alias",
    );
    check(
        "KMS_KEY_ID",
        "0f0e1d2c-3b4a-4596-8877-66554433aabb",
        Reference,
        "reference-kms-key",
    );
    check(
        "API_KEY_PARAM",
        "/prod/api/key",
        Reference,
        "reference-ssm-path",
    );
    check("CONFIG_DIR", "/var/task/config", Config, "config-path");
    check(
        "API_KEY_PARAM_NAME",
        "prod-api-key",
        Reference,
        "reference-ssm-name",
    );
    check(
        "DB_SECRET_NAME",
        "prod/orders/db",
        Reference,
        "reference-secret-name",
    );
    check(
        "IMAGE_DIGEST",
        "sha256:0123456789abcdef0123456789abcdef",
        Config,
        "config-labelled-digest",
    );
    check(
        "DB_HOST",
        "orders.cluster-abc.eu-west-1.rds.amazonaws.com",
        Config,
        "config-hostname",
    );
}

#[test]
fn name_rules() {
    use Class::*;
    check("DB_PASS", "Winter2025!x", Secret, "password-name");
    check("ADMIN_PW", "84736251", Secret, "password-name");
    check("DB_PASSWORD", "postgres", Suspect, "secret-name-weak-value");
    check(
        "API_KEY",
        "q8ZrT2LmX0vB7nKc4WjY9sDp",
        Secret,
        "secret-name-high-entropy",
    );
    check(
        "HEROKU_API_KEY",
        "0f0e1d2c-3b4a-4596-8877-66554433aabb",
        Secret,
        "secret-name-high-entropy",
    );
    check("API_KEY", "abc123", Suspect, "secret-name-weak-value");
    check(
        "TENANT_ID",
        "0f0e1d2c-3b4a-4596-8877-66554433aabb",
        Config,
        "config-uuid",
    );
    check(
        "GIT_SHA",
        "0123456789abcdef0123456789abcdef01234567",
        Config,
        "config-digest",
    );
    check(
        "HOSTED_ZONE_ID",
        "Z0123456789ABCDEFGHIJ",
        Config,
        "config-identifier",
    );
    check(
        "PAYLOAD",
        "q8ZrT2LmX0vB7nKc4WjY9sDp3Hf6Gk1M",
        Suspect,
        "high-entropy-neutral-name",
    );
    check(
        "TABLE_NAME",
        "OrdersStack-prod-OrdersTable9725E9C8-1ABCDEFGH2IJ",
        Config,
        "config-generated-name",
    );
    check(
        "POWERTOOLS_SERVICE_NAME",
        "payments",
        Config,
        "config-value",
    );
}

#[test]
fn shape_never_shows_the_value() {
    let verdict = classify("DB_PASSWORD", "Winter2025!x");
    assert_eq!(
        verdict.shape,
        Shape {
            length: 12,
            prefix: None
        }
    );
    assert_eq!(verdict.shape.to_string(), "12 chars");
    let json = serde_json::to_string(&verdict).unwrap_or_default();
    assert!(!json.contains("Winter"), "{json}");
}

#[test]
fn classes_order_by_severity() {
    assert!(
        Class::Secret > Class::Suspect
            && Class::Suspect > Class::Reference
            && Class::Reference > Class::Config
    );
    assert_eq!(
        serde_json::to_string(&Class::Suspect).unwrap_or_default(),
        "\"suspect\""
    );
}
