//! `export`: the converged lab as infrastructure code to keep. Observe the lab through the API
//! (never from flags), turn what was read into a model (pure), build the format's files (pure,
//! `crate::iac`), write them. No value is read, so none can be written.

pub mod report;

use std::path::{Path, PathBuf};

use crate::aws::function::{self, FunctionInfo};
use crate::aws::identity::resolve_identity;
use crate::aws::logs::{self, LogGroupInfo, RETENTION_DAYS};
use crate::aws::observed::Observed;
use crate::aws::policy::{self as iam_policy, policy_arn, PolicyInfo};
use crate::domain::defaults;
use crate::domain::extension::ExtensionSettings;
use crate::domain::handler;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::simulated_db;
use crate::error::{Code, Error, Result};
use crate::iac::{bundle, Artifact, FunctionSpec, IacFormat, LabModel};
use crate::session::{Connection, Session};

pub use report::{ExportReport, WrittenFile};

#[derive(Debug, Clone)]
pub struct Settings {
    pub format: IacFormat,
    /// Where to write; default `NAME-FORMAT` in the working directory.
    pub output: Option<PathBuf>,
}

/// What the export reads: the function, its log group and its policy (no value).
#[derive(Debug, Clone)]
pub struct Observation {
    pub region: String,
    pub function: Observed<FunctionInfo>,
    pub log_group: Observed<LogGroupInfo>,
    pub policy: Observed<PolicyInfo>,
}

pub async fn observe(connection: &Connection, names: &ResourceNames) -> Result<Observation> {
    let aws = &connection.aws;
    let identity = resolve_identity(&aws.sts).await?;
    let arn = policy_arn(&identity.partition, &identity.account, names);
    let (function, log_group, policy) = tokio::try_join!(
        function::get_function(&aws.lambda, names),
        logs::get_log_group(&aws.logs, names),
        iam_policy::get_policy(&aws.iam, &arn, names),
    )?;
    Ok(Observation {
        region: aws.region.clone(),
        function,
        log_group,
        policy,
    })
}

/// The customer managed key the lab's policy lets the function decrypt with, if any.
fn decrypt_key(policy: &PolicyInfo) -> Option<String> {
    let statements = policy.document.as_ref()?["Statement"].as_array()?.clone();
    statements
        .into_iter()
        .find(|s| {
            s["Action"] == "kms:Decrypt"
                || s["Action"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x == "kms:Decrypt"))
        })
        .and_then(|s| s["Resource"].as_str().map(str::to_string))
}

/// The lab to export, from what was read; notes say what had to be assumed.
pub fn model(names: &ResourceNames, observed: &Observation) -> Result<(LabModel, Vec<String>)> {
    let info = match &observed.function {
        Observed::Owned(info) => info,
        Observed::Missing => {
            return Err(Error::NotDeployed {
                lab: names.lab.clone(),
                what: names.describe(ResourceKind::Function),
            })
        }
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Function)),
    };
    let mut notes = Vec::new();
    let store = ExtensionSettings::store_of(&info.env);
    let reference = match store {
        Store::SecretsManager => &names.secret,
        Store::ParameterStore => &names.parameter,
    };
    // Only the names the lab sets: the environment is rebuilt, never copied, so nothing else
    // a function's environment might hold can reach the export.
    let mut env = info.extension().function_env(store, reference);
    // The lab's simulated database, when the function logs in to one: always the lab's own
    // name (the export creates it), never what the variable might say otherwise.
    let simulated_db = info
        .env
        .contains_key(simulated_db::ENV)
        .then(|| names.simulated_db.clone());
    if let Some(name) = &simulated_db {
        env.insert(simulated_db::ENV.to_string(), name.clone());
    }
    let Some(layer_arn) = (info.extension_layer())
        .or(info.layers.first())
        .map(|layer| layer.arn.clone())
    else {
        return Err(Error::invalid(
            Code::ExportNoLayer,
            format!("function `{}` carries no extension layer", names.function),
            "run `secretslab up` to converge the lab, then export again",
        ));
    };
    let log_retention_days = match &observed.log_group {
        Observed::Owned(group) => group.retention_days.unwrap_or(RETENTION_DAYS),
        _ => {
            notes.push(format!("log group `{}` is missing: exported with secretslab's retention of {RETENTION_DAYS} days", names.log_group));
            RETENTION_DAYS
        }
    };
    let runtime = (info.runtime.clone()).unwrap_or_else(|| defaults::RUNTIME.into());
    if info.code_sha256 != handler::package_of(runtime.handler())?.sha256 {
        notes.push("the deployed code differs from this version's handler: the export carries secretslab's handler (run `secretslab up` to deploy it)".into());
    }
    let function = FunctionSpec {
        name: names.function.clone(),
        runtime,
        handler: info.handler.clone(),
        arch: info.architecture,
        timeout: info.timeout.unwrap_or(function::TIMEOUT_SECONDS),
        memory: info.memory.unwrap_or(function::MEMORY_MB),
        layer_arn,
        env,
    };
    let model = LabModel {
        names: names.clone(),
        region: observed.region.clone(),
        store,
        kms_key_arn: observed.policy.owned().and_then(decrypt_key),
        function,
        log_retention_days,
        simulated_db,
    };
    Ok((model, notes))
}

/// Write every file under `dir` (creating folders), each through a temporary file renamed
/// into place so a crash never leaves half a file.
pub fn write(dir: &Path, files: &[Artifact]) -> Result<()> {
    for file in files {
        let path = dir.join(&file.path);
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent).map_err(|e| write_error(parent, &e))?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, &file.contents)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| write_error(&path, &e))?;
    }
    Ok(())
}

fn write_error(path: &Path, err: &std::io::Error) -> Error {
    Error::io_msg(
        Code::ExportWrite,
        format!("cannot write {}: {err}", path.display()),
        "pass `--output DIR` naming a directory you can write to",
    )
}

/// The export directory: `--output`, or `NAME-FORMAT` here.
pub fn directory(settings: &Settings, names: &ResourceNames) -> PathBuf {
    settings
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}-{}", names.lab, settings.format.id())))
}

pub async fn export(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
) -> Result<ExportReport> {
    let names = session.names();
    session
        .progress
        .step(format!("reading lab `{}`", names.lab));
    let observed = observe(connection, &names).await?;
    let (model, notes) = model(&names, &observed)?;
    let package = handler::package_of(model.handler())?;
    let files = bundle::bundle(settings.format, &model, &package);
    let dir = directory(settings, &names);
    session.progress.step(format!("writing {}", dir.display()));
    write(&dir, &files)?;
    Ok(ExportReport::new(
        settings.format,
        &model,
        &dir,
        &files,
        notes,
    ))
}

#[cfg(test)]
mod tests;
