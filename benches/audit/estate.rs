//! The estate the audit benchmark scans: an organization's accounts, each region filled with
//! functions (a published version and an alias each, every tenth holding a fake token).

use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, FunctionCode, Runtime};
use aws_sdk_sts::config::Credentials;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::{MANAGEMENT, REGIONS};

pub async fn config(endpoint: &str, account: &str, region: &str, attempts: u32) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(account, "test", None, None, "bench"))
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .load()
        .await
}

pub fn package() -> Vec<u8> {
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

pub fn fake_token() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 40)
}

/// Create `count` functions in one account-region, each with version 1 (where every tenth
/// function keeps a token) and an alias `live` on it; returns the functions with a secret.
pub async fn populate(endpoint: &str, account: &str, region: &str, count: usize) -> usize {
    let lambda = aws_sdk_lambda::Client::new(&config(endpoint, account, region, 8).await);
    let code = Blob::new(package());
    let gate = Arc::new(Semaphore::new(12));
    let mut tasks = JoinSet::new();
    for i in 0..count {
        let (lambda, code, gate) = (lambda.clone(), code.clone(), gate.clone());
        let role = format!("arn:aws:iam::{account}:role/app-function");
        tasks.spawn(async move {
            let _slot = gate.acquire_owned().await.unwrap();
            let name = format!("fn-{i:04}");
            let planted = i % 10 == 0;
            let mut env = Environment::builder()
                .variables("LOG_LEVEL", "info")
                .variables("TABLE_NAME", format!("table-{i}"));
            if planted {
                env = env.variables("API_TOKEN", fake_token());
            }
            lambda
                .create_function()
                .function_name(&name)
                .runtime(Runtime::Python313)
                .role(role)
                .handler("lambda_function.lambda_handler")
                .code(FunctionCode::builder().zip_file(code).build())
                .environment(env.build())
                .send()
                .await
                .unwrap();
            let version = lambda
                .publish_version()
                .function_name(&name)
                .send()
                .await
                .unwrap();
            lambda
                .create_alias()
                .function_name(&name)
                .name("live")
                .function_version(version.version().unwrap())
                .send()
                .await
                .unwrap();
            planted
        });
    }
    let mut planted = 0;
    while let Some(done) = tasks.join_next().await {
        planted += usize::from(done.unwrap());
    }
    planted
}

/// The estate as planted.
pub struct Estate {
    /// The management account first, then the members.
    pub accounts: Vec<String>,
    /// Functions holding a fake token.
    pub planted: usize,
    pub populate_took: Duration,
}

impl Estate {
    /// Account-regions.
    pub fn scopes(&self) -> usize {
        self.accounts.len() * REGIONS.len()
    }
}

/// The management account and `members` member accounts, `per_scope` functions in each of
/// their regions.
pub async fn create(emulator: &str, members: usize, per_scope: usize) -> Estate {
    let management = config(emulator, MANAGEMENT, "us-east-1", 8).await;
    let organizations = aws_sdk_organizations::Client::new(&management);
    let mut accounts = vec![MANAGEMENT.to_string()];
    for n in 1..=members {
        let created = organizations
            .create_account()
            .email(format!("bench-{n}@example.com"))
            .account_name(format!("bench-member-{n}"))
            .send()
            .await
            .unwrap();
        let status = created.create_account_status().unwrap();
        accounts.push(status.account_id().unwrap().to_string());
    }
    let populating = Instant::now();
    let mut planted = 0;
    for account in &accounts {
        for region in REGIONS {
            planted += populate(emulator, account, region, per_scope).await;
        }
    }
    let populate_took = populating.elapsed();
    eprintln!(
        "populated {} functions in {:.0} s",
        accounts.len() * REGIONS.len() * per_scope,
        populate_took.as_secs_f64()
    );
    Estate {
        accounts,
        planted,
        populate_took,
    }
}
