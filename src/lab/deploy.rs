//! `up`: read what exists, plan, and converge the lab to the desired state.
//!
//! Independent work overlaps: the secret, the role and the log group are converged at once;
//! then the policy (which needs the secret's ARN) is attached while the function is created
//! (which needs only the role, and may have to wait for IAM to propagate).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Instant;

use serde::Serialize;
use serde_json::Value;

use crate::aws::function::{self, env, CreateOutcome, DesiredFunction, FunctionInfo};
use crate::aws::identity::{resolve_identity, Identity};
use crate::aws::layer::{resolve_layer, ResolvedLayer};
use crate::aws::logs::{self, LogGroupInfo, RETENTION_DAYS};
use crate::aws::observed::Observed;
use crate::aws::policy::{self as iam_policy, policy_arn, PolicyInfo};
use crate::aws::role::{self, RoleInfo};
use crate::aws::secret::{self, Created, SecretInfo, SecretValue};
use crate::aws::{AwsContext, CallSummary};
use crate::cli::{Arch, Runtime};
use crate::error::{Error, Result};
use crate::lab::names::ResourceNames;
use crate::lab::package::{self, Package};
use crate::lab::policy::{basic_execution_policy_arn, read_secret_policy, same_policy};
use crate::ui::progress::Progress;
use crate::ui::style;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    pub arch: Arch,
    pub runtime: Runtime,
    pub layer_arn: Option<String>,
    pub kms_key: Option<String>,
    pub ttl: u16,
    pub cache_size: u16,
    pub extension_port: Option<u16>,
    pub secret_value: Option<SecretValue>,
    /// Choose a free local port when nothing else fixes it (the embedded emulator).
    pub pick_free_port: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    Restore,
    Unchanged,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Action::Create => style::ok("create"),
            Action::Update => style::pending("update"),
            Action::Restore => style::pending("restore"),
            Action::Unchanged => style::dim("unchanged"),
        };
        // Pad by the plain width so colours do not break alignment.
        let plain = match self {
            Action::Create => 6,
            Action::Update => 6,
            Action::Restore => 7,
            Action::Unchanged => 9,
        };
        write!(f, "{text}{}", " ".repeat(10usize.saturating_sub(plain)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourcePlan {
    pub kind: &'static str,
    pub name: String,
    pub action: Action,
    /// What will change, or why it is unchanged.
    pub detail: String,
}

/// Everything read before acting.
#[derive(Debug, Clone)]
pub struct Observation {
    pub identity: Identity,
    pub layer: ResolvedLayer,
    pub secret: Observed<SecretInfo>,
    pub role: Observed<RoleInfo>,
    pub policy: Observed<PolicyInfo>,
    pub log_group: Observed<LogGroupInfo>,
    pub function: Observed<FunctionInfo>,
}

/// Read the account, the layer and every lab resource, in parallel. Refuses early if any
/// same-named resource is not ours.
pub async fn observe(
    aws: &AwsContext,
    names: &ResourceNames,
    settings: &Settings,
) -> Result<Observation> {
    let identity = resolve_identity(&aws.sts).await?;
    let policy_arn = policy_arn(&identity.partition, &identity.account, names);
    let (layer, secret, role, policy, log_group, function) = tokio::try_join!(
        resolve_layer(
            &aws.ssm,
            &aws.region,
            settings.arch,
            settings.layer_arn.as_deref()
        ),
        secret::get_secret(&aws.secrets, names),
        role::get_role(&aws.iam, names),
        iam_policy::get_policy(&aws.iam, &policy_arn, names),
        logs::get_log_group(&aws.logs, names),
        function::get_function(&aws.lambda, names),
    )?;
    let foreign = [
        (
            matches!(secret, Observed::Foreign),
            format!("secret `{}`", names.secret),
        ),
        (
            matches!(role, Observed::Foreign),
            format!("IAM role `{}`", names.role),
        ),
        (
            matches!(policy, Observed::Foreign),
            format!("IAM policy `{}`", names.policy),
        ),
        (
            matches!(log_group, Observed::Foreign),
            format!("log group `{}`", names.log_group),
        ),
        (
            matches!(function, Observed::Foreign),
            format!("function `{}`", names.function),
        ),
    ];
    if let Some((_, resource)) = foreign.into_iter().find(|(is_foreign, _)| *is_foreign) {
        return Err(Error::NotOwned {
            resource,
            lab: names.lab.clone(),
        });
    }
    Ok(Observation {
        identity,
        layer,
        secret,
        role,
        policy,
        log_group,
        function,
    })
}

/// The function's environment: the secret to read and the extension's own settings.
pub fn function_env(
    names: &ResourceNames,
    settings: &Settings,
    port: u16,
) -> BTreeMap<String, String> {
    BTreeMap::from([
        (env::SECRET_ID.to_string(), names.secret.clone()),
        (env::HTTP_PORT.to_string(), port.to_string()),
        (env::TTL.to_string(), settings.ttl.to_string()),
        (env::CACHE_SIZE.to_string(), settings.cache_size.to_string()),
        (env::LOG_LEVEL.to_string(), "INFO".to_string()),
    ])
}

/// Which port the extension should listen on: the flag, else what the function has, else
/// the extension's default (or a free local port for the embedded emulator).
pub fn extension_port(settings: &Settings, current: Option<&FunctionInfo>) -> Result<u16> {
    if let Some(port) = settings.extension_port {
        return Ok(port);
    }
    if let Some(port) = current
        .and_then(|f| f.env.get(env::HTTP_PORT))
        .and_then(|p| p.parse().ok())
    {
        return Ok(port);
    }
    if settings.pick_free_port {
        return crate::local::process::free_port()
            .map_err(|e| Error::io("finding a free port for the extension", e));
    }
    Ok(env::DEFAULT_PORT)
}

/// A secret ARN for display before the secret exists (the 6-character suffix comes at creation).
pub fn planned_secret_arn(identity: &Identity, region: &str, names: &ResourceNames) -> String {
    format!(
        "arn:{}:secretsmanager:{region}:{}:secret:{}-??????",
        identity.partition, identity.account, names.secret
    )
}

pub fn plan(
    observation: &Observation,
    names: &ResourceNames,
    settings: &Settings,
    region: &str,
    package: &Package,
) -> Result<Vec<ResourcePlan>> {
    let identity = &observation.identity;
    let mut plan = Vec::new();

    let (action, detail) = match &observation.secret {
        Observed::Owned(info) if info.deleted_date.is_some() => (
            Action::Restore,
            "scheduled for deletion: restore it".to_string(),
        ),
        Observed::Owned(info)
            if settings.kms_key.is_some() && info.kms_key_id != settings.kms_key =>
        {
            (Action::Update, "KMS key".to_string())
        }
        Observed::Owned(_) if settings.secret_value.is_some() => (
            Action::Update,
            "value from your input (if different)".to_string(),
        ),
        Observed::Owned(_) => (Action::Unchanged, String::new()),
        _ if settings.secret_value.is_some() => {
            (Action::Create, "value from your input".to_string())
        }
        _ => (Action::Create, "GetRandomPassword".to_string()),
    };
    plan.push(ResourcePlan {
        kind: "secret",
        name: names.secret.clone(),
        action,
        detail,
    });

    let basic = basic_execution_policy_arn(&identity.partition);
    let ours = policy_arn(&identity.partition, &identity.account, names);
    let (action, detail) = match &observation.role {
        Observed::Owned(info) => {
            let mut changes = Vec::new();
            if !info.trust_matches {
                changes.push("trust policy");
            }
            if !info.attached.contains(&basic) || !info.attached.contains(&ours) {
                changes.push("attached policies");
            }
            if changes.is_empty() {
                (Action::Unchanged, String::new())
            } else {
                (Action::Update, changes.join(", "))
            }
        }
        _ => (Action::Create, "trust: lambda.amazonaws.com".to_string()),
    };
    plan.push(ResourcePlan {
        kind: "iam_role",
        name: names.role.clone(),
        action,
        detail,
    });

    let secret_arn = observation
        .secret
        .owned()
        .map(|s| s.arn.clone())
        .unwrap_or_else(|| planned_secret_arn(identity, region, names));
    let desired_policy = read_secret_policy(&secret_arn, settings.kms_key.as_deref());
    let (action, detail) = match &observation.policy {
        Observed::Owned(info)
            if info
                .document
                .as_ref()
                .is_some_and(|d| same_policy(d, &desired_policy)) =>
        {
            (Action::Unchanged, String::new())
        }
        Observed::Owned(_) if observation.secret.owned().is_none() => {
            (Action::Update, "the new secret's ARN".to_string())
        }
        Observed::Owned(_) => (Action::Update, "policy document".to_string()),
        _ => (Action::Create, "read this secret only".to_string()),
    };
    plan.push(ResourcePlan {
        kind: "iam_policy",
        name: names.policy.clone(),
        action,
        detail,
    });

    let (action, detail) = match &observation.log_group {
        Observed::Owned(info) if info.retention_days == Some(RETENTION_DAYS) => {
            (Action::Unchanged, String::new())
        }
        Observed::Owned(_) => (Action::Update, format!("retention {RETENTION_DAYS} days")),
        _ => (Action::Create, format!("retention {RETENTION_DAYS} days")),
    };
    plan.push(ResourcePlan {
        kind: "log_group",
        name: names.log_group.clone(),
        action,
        detail,
    });

    let current = observation.function.owned();
    let port = extension_port(settings, current)?;
    let desired = DesiredFunction {
        role_arn: observation
            .role
            .owned()
            .map(|r| r.arn.clone())
            .unwrap_or_else(|| {
                format!(
                    "arn:{}:iam::{}:role/{}",
                    identity.partition, identity.account, names.role
                )
            }),
        runtime: settings.runtime,
        arch: settings.arch,
        layer_arn: observation.layer.arn.clone(),
        env: function_env(names, settings, port),
        package: package.clone(),
    };
    let (action, detail) = match current {
        Some(info) => {
            let d = function::diff(info, &desired);
            if d.is_empty() {
                (Action::Unchanged, String::new())
            } else {
                let mut what: Vec<&str> = Vec::new();
                if d.code {
                    what.push("code");
                }
                what.extend(d.config.iter().copied());
                (Action::Update, what.join(", "))
            }
        }
        None => (Action::Create, "with the extension layer".to_string()),
    };
    plan.push(ResourcePlan {
        kind: "function",
        name: names.function.clone(),
        action,
        detail,
    });
    Ok(plan)
}

/// The result of `up`.
#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    pub lab: String,
    pub dry_run: bool,
    pub target: String,
    pub region: String,
    pub account: String,
    pub layer: ResolvedLayer,
    pub resources: Vec<ResourcePlan>,
    pub secret_arn: Option<String>,
    pub function_arn: Option<String>,
    pub policy_document: Value,
    pub extension_port: u16,
    pub api_calls: CallSummary,
    pub elapsed_ms: u128,
}

impl fmt::Display for UpReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = if self.dry_run { "plan for lab" } else { "lab" };
        writeln!(
            f,
            "{} `{}` in account {} ({})",
            style::heading(title),
            self.lab,
            self.account,
            self.region
        )?;
        writeln!(f, "target: {}", self.target)?;
        writeln!(
            f,
            "extension layer (from {}):\n  {}",
            self.layer.source, self.layer.arn
        )?;
        for r in &self.resources {
            write!(f, "  {}{:<11}{}", r.action, r.kind, r.name)?;
            if !r.detail.is_empty() {
                write!(f, "  {}", style::dim(&format!("({})", r.detail)))?;
            }
            writeln!(f)?;
        }
        if self.dry_run {
            writeln!(
                f,
                "{}",
                style::hint("dry run: nothing was changed; run `secretslab up` to apply")
            )?;
        } else {
            if let Some(arn) = &self.function_arn {
                writeln!(f, "function: {arn}")?;
            }
            if let Some(arn) = &self.secret_arn {
                writeln!(f, "secret:   {arn}")?;
            }
            writeln!(
                f,
                "{} in {:.1} s ({} API calls, {} writes); next: `secretslab test`",
                style::ok("ready"),
                self.elapsed_ms as f64 / 1000.0,
                self.api_calls.total,
                self.api_calls.writes
            )?;
        }
        Ok(())
    }
}

/// Plan and, unless `dry_run`, converge.
pub async fn up(
    aws: &AwsContext,
    names: &ResourceNames,
    settings: &Settings,
    dry_run: bool,
    progress: &Progress,
) -> Result<UpReport> {
    let started = Instant::now();
    progress.step("reading the account and the lab's resources");
    let package = package::build()?;
    let observation = observe(aws, names, settings).await?;
    let resources = plan(&observation, names, settings, &aws.region, &package)?;
    let port = extension_port(settings, observation.function.owned())?;
    let target = match &aws.target {
        crate::aws::Target::Aws => "aws".to_string(),
        crate::aws::Target::Local { endpoint, .. } => format!("local emulator at {endpoint}"),
    };
    let mut report = UpReport {
        lab: names.lab.clone(),
        dry_run,
        target,
        region: aws.region.clone(),
        account: observation.identity.account.clone(),
        layer: observation.layer.clone(),
        resources,
        secret_arn: observation.secret.owned().map(|s| s.arn.clone()),
        function_arn: observation.function.owned().map(|f| f.arn.clone()),
        policy_document: read_secret_policy(
            &observation
                .secret
                .owned()
                .map(|s| s.arn.clone())
                .unwrap_or_else(|| planned_secret_arn(&observation.identity, &aws.region, names)),
            settings.kms_key.as_deref(),
        ),
        extension_port: port,
        api_calls: CallSummary::default(),
        elapsed_ms: 0,
    };
    if !dry_run {
        let (secret_arn, function_arn, document) =
            apply(aws, names, settings, &observation, &package, port, progress).await?;
        report.secret_arn = Some(secret_arn);
        report.function_arn = Some(function_arn);
        report.policy_document = document;
    }
    report.api_calls = aws.calls.summary();
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

async fn apply(
    aws: &AwsContext,
    names: &ResourceNames,
    settings: &Settings,
    observation: &Observation,
    package: &Package,
    port: u16,
    progress: &Progress,
) -> Result<(String, String, Value)> {
    let identity = &observation.identity;
    // Phase 1: secret, role and log group do not depend on each other.
    progress.step("creating the secret, the role and the log group");
    let (secret_arn, role_arn, ()) = tokio::try_join!(
        converge_secret(aws, names, settings, &observation.secret, progress),
        converge_role(aws, names, &observation.role, progress),
        converge_log_group(aws, names, &observation.log_group, progress),
    )?;
    // Phase 2: the policy needs the secret's ARN; the function needs only the role.
    let document = read_secret_policy(&secret_arn, settings.kms_key.as_deref());
    let desired = DesiredFunction {
        role_arn: role_arn.clone(),
        runtime: settings.runtime,
        arch: settings.arch,
        layer_arn: observation.layer.arn.clone(),
        env: function_env(names, settings, port),
        package: package.clone(),
    };
    let (_, function_arn) = tokio::try_join!(
        converge_policy(
            aws,
            names,
            identity,
            &observation.policy,
            &observation.role,
            &document,
            progress
        ),
        converge_function(aws, names, &desired, &observation.function, progress),
    )?;
    Ok((secret_arn, function_arn, document))
}

async fn converge_secret(
    aws: &AwsContext,
    names: &ResourceNames,
    settings: &Settings,
    observed: &Observed<SecretInfo>,
    progress: &Progress,
) -> Result<String> {
    let sm = &aws.secrets;
    let mut current = observed.clone();
    if current.is_missing() {
        let value = match &settings.secret_value {
            Some(value) => value.clone(),
            None => secret::random_secret(sm).await?,
        };
        match secret::create_secret(sm, names, &value, settings.kms_key.as_deref()).await? {
            Created::Arn(arn) => {
                progress.done(format!("created secret {}", names.secret));
                return Ok(arn);
            }
            // Taken after all (a scheduled deletion, or a race): read again and converge.
            Created::NameTaken => current = secret::get_secret(sm, names).await?,
        }
    }
    let info = match current {
        Observed::Owned(info) => info,
        Observed::Foreign => {
            return Err(Error::NotOwned {
                resource: format!("secret `{}`", names.secret),
                lab: names.lab.clone(),
            })
        }
        Observed::Missing => {
            return Err(Error::Aws {
                action: format!("creating secret `{}`", names.secret),
                detail: "the name is taken but the secret cannot be read".into(),
                help: "wait a minute (a forced deletion may still be finishing) and re-run `secretslab up`".into(),
            })
        }
    };
    if info.deleted_date.is_some() {
        secret::restore_secret(sm, names).await?;
        progress.done(format!(
            "restored secret {} (it was scheduled for deletion)",
            names.secret
        ));
    }
    if let Some(key) = &settings.kms_key {
        if info.kms_key_id.as_deref() != Some(key.as_str()) {
            secret::set_kms_key(sm, names, key).await?;
        }
    }
    if let Some(value) = &settings.secret_value {
        if secret::put_value_if_changed(sm, names, value).await? {
            progress.done(format!("stored your value in {}", names.secret));
        }
    }
    Ok(info.arn)
}

async fn converge_role(
    aws: &AwsContext,
    names: &ResourceNames,
    observed: &Observed<RoleInfo>,
    progress: &Progress,
) -> Result<String> {
    match observed {
        Observed::Owned(info) => {
            if !info.trust_matches {
                role::update_trust_policy(&aws.iam, names).await?;
            }
            Ok(info.arn.clone())
        }
        _ => {
            let arn = role::create_role(&aws.iam, names).await?;
            progress.done(format!("created IAM role {}", names.role));
            Ok(arn)
        }
    }
}

async fn converge_log_group(
    aws: &AwsContext,
    names: &ResourceNames,
    observed: &Observed<LogGroupInfo>,
    progress: &Progress,
) -> Result<()> {
    match observed {
        Observed::Owned(info) if info.retention_days == Some(RETENTION_DAYS) => Ok(()),
        Observed::Owned(_) => logs::set_retention(&aws.logs, names).await,
        _ => {
            logs::create_log_group(&aws.logs, names).await?;
            progress.done(format!("created log group {}", names.log_group));
            Ok(())
        }
    }
}

async fn converge_policy(
    aws: &AwsContext,
    names: &ResourceNames,
    identity: &Identity,
    observed: &Observed<PolicyInfo>,
    role_observed: &Observed<RoleInfo>,
    document: &Value,
    progress: &Progress,
) -> Result<()> {
    let arn = policy_arn(&identity.partition, &identity.account, names);
    match observed {
        Observed::Owned(info) => {
            if !info
                .document
                .as_ref()
                .is_some_and(|d| same_policy(d, document))
            {
                iam_policy::update_policy(&aws.iam, &arn, names, document).await?;
                progress.done(format!("updated IAM policy {}", names.policy));
            }
        }
        _ => {
            iam_policy::create_policy(&aws.iam, &arn, names, document).await?;
            progress.done(format!("created IAM policy {}", names.policy));
        }
    }
    let attached: &[String] = role_observed
        .owned()
        .map(|r| r.attached.as_slice())
        .unwrap_or_default();
    for policy in [basic_execution_policy_arn(&identity.partition), arn] {
        if !attached.contains(&policy) {
            role::attach_policy(&aws.iam, names, &policy).await?;
        }
    }
    Ok(())
}

async fn converge_function(
    aws: &AwsContext,
    names: &ResourceNames,
    desired: &DesiredFunction,
    observed: &Observed<FunctionInfo>,
    progress: &Progress,
) -> Result<String> {
    let lambda = &aws.lambda;
    let on_wait = |waited: std::time::Duration| {
        progress.step(format!(
            "waiting for IAM to make the new role assumable by Lambda ({:.0} s so far, up to {} s)",
            waited.as_secs_f64(),
            function::IAM_PROPAGATION_LIMIT.as_secs()
        ));
    };
    let mut current = observed.owned().cloned();
    if current.is_none() {
        progress.step(format!("creating function {}", names.function));
        match function::create_function(lambda, names, desired, on_wait).await? {
            CreateOutcome::Created(arn) => {
                progress.step(format!(
                    "waiting for function {} to become Active",
                    names.function
                ));
                function::wait_until_active(lambda, names).await?;
                progress.done(format!(
                    "created function {} with the extension layer",
                    names.function
                ));
                return Ok(arn);
            }
            CreateOutcome::AlreadyExists => {
                current = match function::get_function(lambda, names).await? {
                    Observed::Owned(info) => Some(info),
                    _ => {
                        return Err(Error::NotOwned {
                            resource: format!("function `{}`", names.function),
                            lab: names.lab.clone(),
                        })
                    }
                }
            }
        }
    }
    let info = current.ok_or_else(|| Error::NotDeployed {
        lab: names.lab.clone(),
        what: "the function".into(),
    })?;
    // A function left Pending or mid-update by a crashed run must settle before changes.
    if info.state.as_deref() != Some("Active") {
        function::wait_until_active(lambda, names).await?;
    }
    if info
        .last_update_status
        .as_deref()
        .is_some_and(|s| s != "Successful")
    {
        function::wait_until_updated(lambda, names).await?;
    }
    let d = function::diff(&info, desired);
    if d.code {
        progress.step(format!("uploading new code to {}", names.function));
        function::update_code(lambda, names, desired).await?;
        progress.done(format!("updated the code of {}", names.function));
    }
    if !d.config.is_empty() {
        progress.step(format!("updating the configuration of {}", names.function));
        function::update_configuration(lambda, names, desired, on_wait).await?;
        progress.done(format!(
            "updated {} of {}",
            d.config.join(", "),
            names.function
        ));
    }
    Ok(info.arn)
}
