//! Talking to AWS: one SDK configuration, one client per service, and the call log.

pub mod code_signing;
pub mod errors;
pub mod function;
pub mod identity;
pub mod lambda;
pub mod layer;
pub mod logs;
pub mod migration;
pub mod observed;
pub mod owner;
pub mod parameter;
pub mod policy;
pub mod role;
pub mod rotation;
pub mod secret;
pub mod simulated_db;
pub mod target_function;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{AppName, BehaviorVersion, Region};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::domain::defaults;

/// Where the lab lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A real AWS account, through the default credential chain.
    Aws,
    /// An AWS-compatible emulator at `endpoint` (the embedded one, or `--endpoint-url`).
    Local { endpoint: String },
}

impl Target {
    pub fn endpoint(&self) -> Option<&str> {
        match self {
            Target::Aws => None,
            Target::Local { endpoint } => Some(endpoint),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Aws => f.write_str("aws"),
            Target::Local { endpoint } => write!(f, "local emulator at {endpoint}"),
        }
    }
}

/// What the user said about credentials and region (`--profile`, `--region`).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    /// Wins over the profile's and the environment's region.
    pub region: Option<String>,
}

/// Counts every API operation the CLI makes (once per operation, not per retry), so
/// commands can report reads and writes and tests can check that a no-change `up` writes nothing.
#[derive(Debug, Clone, Default)]
pub struct CallLog(Arc<Mutex<Vec<String>>>);

impl CallLog {
    pub fn operations(&self) -> Vec<String> {
        self.0.lock().map(|calls| calls.clone()).unwrap_or_default()
    }

    pub fn summary(&self) -> CallSummary {
        let operations = self.operations();
        let writes: Vec<String> = operations
            .iter()
            .filter(|op| is_write(op))
            .cloned()
            .collect();
        CallSummary {
            total: operations.len(),
            writes: writes.len(),
            reads: operations.len() - writes.len(),
            write_operations: writes,
        }
    }
}

/// Whether an operation changes something in the account.
pub fn is_write(operation: &str) -> bool {
    let name = operation.rsplit('.').next().unwrap_or(operation);
    !(name.starts_with("Get")
        || name.starts_with("Describe")
        || name.starts_with("List")
        || name == "Invoke")
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CallSummary {
    pub total: usize,
    pub reads: usize,
    pub writes: usize,
    pub write_operations: Vec<String>,
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "SecretslabCallLog"
    }

    // Not `read_before_execution`: client interceptors see that hook before the operation
    // has stored its `Metadata`. Serialization happens once per operation, before retries.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(metadata) = cfg.load::<Metadata>() {
            if let Ok(mut calls) = self.0.lock() {
                calls.push(format!("{}.{}", metadata.service(), metadata.name()));
            }
        }
        Ok(())
    }
}

/// Crash testing, in builds with the `test-seams` feature only: with
/// `SECRETSLAB_PAUSE_AFTER_CALL=N`, the process stops for good once its N-th API operation has
/// completed, after saying so on stderr, so a test can SIGKILL it at exactly that point and
/// check that nothing was lost. Other builds ignore the variable.
pub const PAUSE_AFTER_CALL_ENV: &str = "SECRETSLAB_PAUSE_AFTER_CALL";

#[cfg(feature = "test-seams")]
#[derive(Debug, Clone)]
struct PauseAfterCall {
    after: usize,
    completed: Arc<Mutex<usize>>,
}

#[cfg(feature = "test-seams")]
impl PauseAfterCall {
    fn from_env() -> Option<Self> {
        let after = std::env::var(PAUSE_AFTER_CALL_ENV).ok()?.parse().ok()?;
        Some(Self {
            after,
            completed: Arc::default(),
        })
    }
}

#[cfg(feature = "test-seams")]
impl Intercept for PauseAfterCall {
    fn name(&self) -> &'static str {
        "SecretslabPauseAfterCall"
    }

    fn read_after_execution(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let count = self.completed.lock().map(|mut n| {
            *n += 1;
            *n
        });
        if count.ok() == Some(self.after) {
            let operation = cfg
                .load::<Metadata>()
                .map(|m| format!("{}.{}", m.service(), m.name()))
                .unwrap_or_default();
            eprintln!("secretslab: paused after call {} ({operation})", self.after);
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        Ok(())
    }
}

/// One SDK configuration and a client per service.
#[derive(Debug, Clone)]
pub struct AwsContext {
    pub target: Target,
    pub region: String,
    pub iam: aws_sdk_iam::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub ssm: aws_sdk_ssm::Client,
    /// Who owns a function (migrate), and what its stack's deployed template holds.
    pub cloudformation: aws_sdk_cloudformation::Client,
    pub calls: CallLog,
}

impl AwsContext {
    /// Build the SDK configuration: `--region`, then the default chain, then `us-east-1`.
    pub async fn load(options: &AwsOptions, target: Target) -> Self {
        let config = Self::sdk_config(options, &target).await;
        Self::from_sdk_config(&config, target)
    }

    /// The one SDK configuration every client derives from (credentials, region, endpoint,
    /// retries); workflows that need more clients than the context holds start from it.
    pub async fn sdk_config(options: &AwsOptions, target: &Target) -> aws_types::SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(8))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        // Shows up in the User-Agent, so CloudTrail attributes calls to secretslab.
        if let Ok(name) = AppName::new("secretslab") {
            loader = loader.app_name(name);
        }
        if let Some(profile) = &options.profile {
            loader = loader.profile_name(profile);
        }
        if let Target::Local { endpoint } = target {
            loader = loader.endpoint_url(endpoint.clone());
            if options.profile.is_none() {
                // Emulators accept any key; fixed test keys keep real credentials out of them.
                loader = loader.credentials_provider(aws_sdk_sts::config::Credentials::new(
                    "test",
                    "test",
                    None,
                    None,
                    "secretslab-local",
                ));
            }
        }
        if let Some(region) = &options.region {
            loader = loader.region(Region::new(region.clone()));
        }
        let mut config = loader.load().await;
        if config.region().is_none() {
            config = config
                .into_builder()
                .region(Region::from_static(defaults::REGION))
                .build();
        }
        config
    }

    pub fn from_sdk_config(config: &aws_types::SdkConfig, target: Target) -> Self {
        let calls = CallLog::default();
        let region = config
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| defaults::REGION.to_string());
        #[cfg(feature = "test-seams")]
        let pause = PauseAfterCall::from_env();
        // Every client records its operations in the same call log.
        macro_rules! client {
            ($sdk:ident) => {{
                #[allow(unused_mut)]
                let mut builder = $sdk::config::Builder::from(config).interceptor(calls.clone());
                #[cfg(feature = "test-seams")]
                if let Some(pause) = &pause {
                    builder = builder.interceptor(pause.clone());
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        Self {
            target,
            region,
            iam: client!(aws_sdk_iam),
            lambda: client!(aws_sdk_lambda),
            secrets: client!(aws_sdk_secretsmanager),
            sts: client!(aws_sdk_sts),
            logs: client!(aws_sdk_cloudwatchlogs),
            ssm: client!(aws_sdk_ssm),
            cloudformation: client!(aws_sdk_cloudformation),
            calls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_writes() {
        assert!(!is_write("IAM.GetRole"));
        assert!(!is_write("Lambda.ListTags"));
        assert!(!is_write("Secrets Manager.DescribeSecret"));
        assert!(!is_write("Lambda.Invoke"));
        assert!(is_write("IAM.CreateRole"));
        assert!(is_write("IAM.AttachRolePolicy"));
        assert!(is_write("Secrets Manager.RestoreSecret"));
    }
}

#[cfg(test)]
mod call_log_tests {
    use super::*;
    use aws_smithy_mocks::{mock, mock_client};

    #[tokio::test]
    async fn counts_operations_by_name() {
        let rule = mock!(aws_sdk_iam::Client::get_role)
            .then_output(|| aws_sdk_iam::operation::get_role::GetRoleOutput::builder().build());
        let calls = CallLog::default();
        let log = calls.clone();
        let iam = mock_client!(
            aws_sdk_iam,
            aws_smithy_mocks::RuleMode::MatchAny,
            [&rule],
            move |c| c.interceptor(log.clone())
        );
        let _ = iam.get_role().role_name("x").send().await;
        assert_eq!(calls.operations(), vec!["IAM.GetRole".to_string()]);
    }
}
