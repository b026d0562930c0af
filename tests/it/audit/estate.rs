//! The estate the audit tests plant on the emulator: an organization's accounts, roles,
//! functions with versions and aliases, and the secrets planted in them.

use std::collections::BTreeSet;

use std::io::Write;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, Runtime};
use aws_sdk_sts::config::Credentials;
use rand::distr::{Alphanumeric, SampleString};

pub(super) const MANAGEMENT: &str = "000000000000";
pub(super) const ROLE: &str = "Auditor";
pub(super) const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// Root credentials of `account` on the emulator (a 12-digit access key id acts as that account).
pub(super) async fn config(endpoint: &str, account: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(account, "test", None, None, "test"))
        .load()
        .await
}

pub(super) fn random(n: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), n)
}

/// A minimal deployment package.
pub(super) fn package() -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    zip.start_file::<_, ()>(
        "lambda_function.py",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"def lambda_handler(event, context):\n    return {}\n")
        .unwrap();
    zip.finish().unwrap();
    buffer.into_inner()
}

/// The role functions run as (IAM enforcement wants it to exist).
pub(super) async fn function_role(iam: &aws_sdk_iam::Client, account: &str) -> String {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("app-function")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    format!("arn:aws:iam::{account}:role/app-function")
}

/// The audit role in a member account: assumable by the management account, read-only on Lambda.
pub(super) async fn audit_role(iam: &aws_sdk_iam::Client) {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{MANAGEMENT}:root"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    iam.create_role()
        .role_name(ROLE)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let read = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lambda:ListFunctions","lambda:ListVersionsByFunction","lambda:ListAliases"],"Resource":"*"}]}"#;
    iam.put_role_policy()
        .role_name(ROLE)
        .policy_name("audit-read")
        .policy_document(read)
        .send()
        .await
        .unwrap();
}

pub(super) async fn create_function(
    lambda: &aws_sdk_lambda::Client,
    role: &str,
    name: &str,
    vars: &[(&str, &str)],
) {
    let mut environment = Environment::builder();
    for (k, v) in vars {
        environment = environment.variables(*k, *v);
    }
    lambda
        .create_function()
        .function_name(name)
        .runtime(Runtime::Python313)
        .role(role)
        .handler("lambda_function.lambda_handler")
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(Blob::new(package()))
                .build(),
        )
        .environment(environment.build())
        .send()
        .await
        .unwrap();
}

pub(super) async fn set_environment(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    vars: &[(&str, &str)],
) {
    let mut environment = Environment::builder();
    for (k, v) in vars {
        environment = environment.variables(*k, *v);
    }
    lambda
        .update_function_configuration()
        .function_name(name)
        .environment(environment.build())
        .send()
        .await
        .unwrap();
}

pub(super) async fn publish(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    let out = lambda
        .publish_version()
        .function_name(name)
        .send()
        .await
        .unwrap();
    out.version().unwrap().to_string()
}

pub(super) async fn alias(lambda: &aws_sdk_lambda::Client, name: &str, alias: &str, version: &str) {
    lambda
        .create_alias()
        .function_name(name)
        .name(alias)
        .function_version(version)
        .send()
        .await
        .unwrap();
}

/// What the test planted, and where.
pub(super) struct Estate {
    /// Every planted secret value, to grep for.
    pub(super) secrets: Vec<String>,
    /// (account, region, function, version, variable) of each planted secret.
    pub(super) expected: BTreeSet<Key>,
    /// The member that has secrets only in an old version.
    pub(super) fixed_member: String,
    /// A member with references and settings only.
    pub(super) clean_member: String,
    /// The member without the audit role.
    pub(super) closed_member: String,
}

/// Where a secret is: (account, region, function, version, variable).
pub(super) type Key = (String, String, String, String, String);

pub(super) fn key(
    account: &str,
    region: &str,
    function: &str,
    version: &str,
    variable: &str,
) -> Key {
    (
        account.into(),
        region.into(),
        function.into(),
        version.into(),
        variable.into(),
    )
}

/// Plant the estate: the management account, and three members (one with secrets only in an
/// old version, one clean, one the audit cannot enter).
pub(super) async fn plant(endpoint: &str) -> Estate {
    let members = create_members(endpoint).await;
    let (fixed, clean, closed) = (members[0].clone(), members[1].clone(), members[2].clone());
    let mut expected = BTreeSet::new();
    let stripe = plant_management(endpoint, &mut expected).await;
    let mut secrets = vec![stripe];
    secrets.extend(plant_fixed_member(endpoint, &fixed, &mut expected).await);
    plant_clean_member(endpoint, &clean).await;
    secrets.push(plant_closed_member(endpoint, &closed).await);
    Estate {
        secrets,
        expected,
        fixed_member: fixed,
        clean_member: clean,
        closed_member: closed,
    }
}

/// Three member accounts of the management account's organization.
async fn create_members(endpoint: &str) -> Vec<String> {
    let management = config(endpoint, MANAGEMENT, "us-east-1").await;
    let organizations = aws_sdk_organizations::Client::new(&management);
    let mut members = Vec::new();
    for i in 0..3 {
        let out = organizations
            .create_account()
            .email(format!("member{i}@example.com"))
            .account_name(format!("member-{i}"))
            .send()
            .await
            .unwrap();
        let status = out.create_account_status().unwrap();
        members.push(
            status
                .account_id()
                .expect("the emulator creates accounts at once")
                .to_string(),
        );
    }
    members
}

/// Management account: a live key (format-shaped, new each run) in $LATEST. Returns it.
async fn plant_management(endpoint: &str, expected: &mut BTreeSet<Key>) -> String {
    let stripe = format!("sk_live_{}", random(24));
    let management = config(endpoint, MANAGEMENT, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&management);
    let role = function_role(&iam, MANAGEMENT).await;
    let lambda = aws_sdk_lambda::Client::new(&management);
    create_function(
        &lambda,
        &role,
        "billing",
        &[("STRIPE_KEY", &stripe), ("LOG_LEVEL", "info")],
    )
    .await;
    expected.insert(key(
        MANAGEMENT,
        "us-east-1",
        "billing",
        "$LATEST",
        "STRIPE_KEY",
    ));
    stripe
}

/// Member "fixed": a connection string with a password in $LATEST (us-east-1), and in
/// eu-west-1 a token fixed in $LATEST that survives in published version 1. Returns the
/// planted values.
async fn plant_fixed_member(
    endpoint: &str,
    fixed: &str,
    expected: &mut BTreeSet<Key>,
) -> [String; 3] {
    let database_password = random(20);
    let database_url =
        format!("postgres://orders:{database_password}@orders-db.internal:5432/orders");
    let report_token = random(40);
    let member = config(endpoint, fixed, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&member);
    audit_role(&iam).await;
    let role = function_role(&iam, fixed).await;
    let lambda = aws_sdk_lambda::Client::new(&member);
    create_function(
        &lambda,
        &role,
        "orders",
        &[("DATABASE_URL", &database_url), ("TABLE_NAME", "orders")],
    )
    .await;
    expected.insert(key(fixed, "us-east-1", "orders", "$LATEST", "DATABASE_URL"));
    let lambda = aws_sdk_lambda::Client::new(&config(endpoint, fixed, "eu-west-1").await);
    create_function(
        &lambda,
        &role,
        "reports",
        &[("REPORT_API_TOKEN", &report_token), ("LOG_LEVEL", "warn")],
    )
    .await;
    let old = publish(&lambda, "reports").await;
    alias(&lambda, "reports", "prod", &old).await;
    let secret_arn =
        format!("arn:aws:secretsmanager:eu-west-1:{fixed}:secret:reports/api-token-AbC123");
    set_environment(
        &lambda,
        "reports",
        &[
            ("REPORT_API_TOKEN_SECRET_ARN", &secret_arn),
            ("LOG_LEVEL", "warn"),
        ],
    )
    .await;
    let new = publish(&lambda, "reports").await;
    alias(&lambda, "reports", "live", &new).await;
    expected.insert(key(fixed, "eu-west-1", "reports", &old, "REPORT_API_TOKEN"));
    [database_password, database_url, report_token]
}

/// Member "clean": references and settings only, in both regions.
async fn plant_clean_member(endpoint: &str, clean: &str) {
    let member = config(endpoint, clean, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&member);
    audit_role(&iam).await;
    let role = function_role(&iam, clean).await;
    for region in REGIONS {
        let lambda = aws_sdk_lambda::Client::new(&config(endpoint, clean, region).await);
        let secret_arn = format!("arn:aws:secretsmanager:{region}:{clean}:secret:app/db-Xy12Zw");
        create_function(
            &lambda,
            &role,
            "inventory",
            &[
                ("DB_SECRET_ARN", &secret_arn),
                ("DB_PASSWORD_PARAMETER", "/inventory/prod/db-password"),
                ("LOG_LEVEL", "debug"),
                ("TABLE_NAME", "inventory"),
            ],
        )
        .await;
        let version = publish(&lambda, "inventory").await;
        alias(&lambda, "inventory", "live", &version).await;
    }
}

/// Member "closed": a secret the audit cannot reach (no audit role in the account). Returns it.
async fn plant_closed_member(endpoint: &str, closed: &str) -> String {
    let member = config(endpoint, closed, "us-east-1").await;
    let iam = aws_sdk_iam::Client::new(&member);
    let role = function_role(&iam, closed).await;
    let unreachable = format!("sk_live_{}", random(24));
    create_function(
        &aws_sdk_lambda::Client::new(&member),
        &role,
        "payroll",
        &[("STRIPE_KEY", &unreachable)],
    )
    .await;
    unreachable
}
