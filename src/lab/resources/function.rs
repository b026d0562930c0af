//! The function, with the extension layer. Its desired-state rule: each difference from the
//! desired function as a reason, and whether the code or the configuration update removes it.
//! Environment values are never named (a drifted variable may hold anything), only the
//! variables.

use std::collections::BTreeSet;
use std::fmt;

use futures_util::future::LocalBoxFuture;

use crate::aws::function::{
    self as lambda_function, architecture, CreateOutcome, DesiredFunction, FunctionInfo, MEMORY_MB,
    TIMEOUT_SECONDS,
};
use crate::aws::observed::Observed;
use crate::domain::defaults;
use crate::domain::extension::ExtensionSettings;
use crate::domain::handler;
use crate::domain::kinds::Store;
use crate::domain::names::ResourceKind;
use crate::domain::names::ResourceNames;
use crate::error::{Code, Error, Result};
use crate::iac::{FunctionSpec, LabModel};
use crate::lab::deploy::apply::Runner;
use crate::lab::deploy::plan::change::{Change, PlanContext};
use crate::lab::deploy::plan::step::Phase;
use crate::lab::deploy::plan::Action;
use crate::lab::teardown::{FinalState, Removals};

use super::{present, Check, Found, LabResource, Step};

#[derive(Debug, Clone, PartialEq)]
pub enum FunctionStep {
    Create,
    /// A function a crashed run left Pending or mid-update settles before it is changed.
    Wait,
    UpdateCode,
    /// Send the whole desired configuration; `fields` name what differs.
    UpdateConfiguration {
        fields: Vec<&'static str>,
    },
}

impl FunctionStep {
    pub fn phase(&self) -> Phase {
        match self {
            FunctionStep::Create
            | FunctionStep::Wait
            | FunctionStep::UpdateCode
            | FunctionStep::UpdateConfiguration { .. } => Phase::Function,
        }
    }
}

impl fmt::Display for FunctionStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionStep::Create => f.write_str("create function with the extension layer"),
            FunctionStep::Wait => f.write_str("wait for the function to settle"),
            FunctionStep::UpdateCode => f.write_str("update function code"),
            FunctionStep::UpdateConfiguration { fields } => {
                write!(f, "update function configuration ({})", fields.join(", "))
            }
        }
    }
}

pub struct Function;

impl LabResource for Function {
    fn kind(&self) -> ResourceKind {
        ResourceKind::Function
    }

    fn found(&self, found: &Found) -> Observed<String> {
        super::arn_of(&found.function, |f| &f.arn)
    }

    fn plan(&self, lab: &PlanContext<'_>) -> Option<Change> {
        Some(function(
            &lab.observation.found.function,
            &lab.desired.function,
        ))
    }

    fn removal_rank(&self) -> u8 {
        0
    }

    fn remove<'a>(&'a self, removals: &'a mut Removals<'_>) -> LocalBoxFuture<'a, ()> {
        Box::pin(async move {
            let (aws, names) = (removals.aws, removals.names);
            removals
                .progress
                .step(format!("deleting function {}", names.function));
            let deleted = lambda_function::delete_function(&aws.lambda, names).await;
            removals.deleted_function_now = matches!(deleted, Ok(true));
            removals.note(ResourceKind::Function, deleted);
        })
    }

    fn final_state<'a>(&'a self, check: &'a Check<'a>) -> LocalBoxFuture<'a, Result<FinalState>> {
        Box::pin(async move {
            let found = lambda_function::get_function(&check.aws.lambda, check.names).await?;
            Ok(present(!found.is_missing()))
        })
    }

    /// The model is made from the function ([`export_model`]); what remains is to say when
    /// the deployed code is not this version's handler (the export carries the handler).
    fn export(&self, found: &Found, _: &mut LabModel, notes: &mut Vec<String>) -> Result<()> {
        let Some(info) = found.function.owned() else {
            return Ok(());
        };
        let runtime = (info.runtime.clone()).unwrap_or_else(|| defaults::RUNTIME.into());
        if info.code_sha256 != handler::package_of(runtime.handler())?.sha256 {
            notes.push("the deployed code differs from this version's handler: the export carries secretslab's handler (run `secretslab up` to deploy it)".into());
        }
        Ok(())
    }
}

/// Which update removes a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Code,
    /// The configuration field, as progress names it.
    Config(&'static str),
}

fn differences(current: &FunctionInfo, desired: &DesiredFunction) -> Vec<(Part, String)> {
    let mut found = Vec::new();
    if current.code_sha256 != desired.package.sha256 {
        found.push((
            Part::Code,
            "code differs from the lab's handler".to_string(),
        ));
    }
    if current.architecture != desired.arch {
        let (now, want) = (
            architecture(current.architecture),
            architecture(desired.arch),
        );
        let reason = format!("architecture {}, want {}", now.as_str(), want.as_str());
        found.push((Part::Code, reason));
    }
    if current.role != desired.role_arn {
        let reason = format!("role `{}`, want `{}`", current.role, desired.role_arn);
        found.push((Part::Config("role"), reason));
    }
    if current.runtime != Some(desired.runtime.into()) {
        let now = current.runtime.as_ref().map_or("unset", |r| r.id());
        let reason = format!("runtime {now}, want {}", desired.runtime.id());
        found.push((Part::Config("runtime"), reason));
    }
    let entry = crate::domain::handler::entry(desired.runtime);
    if current.handler != entry {
        let reason = format!("handler `{}`, want `{entry}`", current.handler);
        found.push((Part::Config("handler"), reason));
    }
    let layers: Vec<String> = desired.layer_arn.iter().cloned().collect();
    if current.layer_arns() != layers {
        let reason = match (current.layers.is_empty(), &desired.layer_arn) {
            (true, Some(_)) => "extension layer missing".to_string(),
            (_, Some(layer)) => format!("layers are not exactly `{layer}`"),
            (_, None) => "has layers, want none".to_string(),
        };
        found.push((Part::Config("extension layer"), reason));
    }
    found.extend(
        environment(current, desired)
            .into_iter()
            .map(|reason| (Part::Config("environment"), reason)),
    );
    for (what, now, want, unit) in [
        ("timeout", current.timeout, TIMEOUT_SECONDS, "s"),
        ("memory", current.memory, MEMORY_MB, "MB"),
    ] {
        if now != Some(want) {
            let now = now.map_or_else(|| "unset".to_string(), |n| format!("{n} {unit}"));
            let reason = format!("{what} {now}, want {want} {unit}");
            found.push((Part::Config("timeout/memory"), reason));
        }
    }
    found
}

/// One note per variable that is missing, unexpected or different.
fn environment(current: &FunctionInfo, desired: &DesiredFunction) -> Vec<String> {
    let keys: BTreeSet<&String> = current.env.keys().chain(desired.env.keys()).collect();
    keys.into_iter()
        .filter_map(|key| match (current.env.get(key), desired.env.get(key)) {
            (None, Some(_)) => Some(format!("environment variable {key} missing")),
            (Some(_), None) => Some(format!("environment variable {key} not expected")),
            (Some(now), Some(want)) if now != want => {
                Some(format!("environment variable {key} differs"))
            }
            _ => None,
        })
        .collect()
}

/// The steps that bring an existing function to `desired`, after the reasons for them.
pub fn updates(
    current: &FunctionInfo,
    desired: &DesiredFunction,
) -> (Vec<String>, Vec<FunctionStep>) {
    let found = differences(current, desired);
    let mut fields: Vec<&'static str> = Vec::new();
    for part in found.iter().map(|(part, _)| *part) {
        if let Part::Config(field) = part {
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
    }
    let mut steps = Vec::new();
    if !found.is_empty() && !current.is_settled() {
        steps.push(FunctionStep::Wait);
    }
    if found.iter().any(|(part, _)| *part == Part::Code) {
        steps.push(FunctionStep::UpdateCode);
    }
    if !fields.is_empty() {
        steps.push(FunctionStep::UpdateConfiguration { fields });
    }
    (found.into_iter().map(|(_, reason)| reason).collect(), steps)
}

pub fn function(observed: &Observed<FunctionInfo>, desired: &DesiredFunction) -> Change {
    match observed {
        Observed::Foreign => Change::foreign(),
        Observed::Missing => Change {
            action: Action::Create,
            detail: "with the extension layer".to_string(),
            reasons: Vec::new(),
            steps: vec![Step::Function(FunctionStep::Create)],
        },
        Observed::Owned(current) => {
            let (reasons, steps) = updates(current, desired);
            let action = if reasons.is_empty() {
                Action::Unchanged
            } else {
                Action::Update
            };
            Change {
                action,
                detail: reasons.join(", "),
                reasons,
                steps: steps.into_iter().map(Step::Function).collect(),
            }
        }
    }
}

/// Run one of the function's steps; `Some(arn)` when it created the function.
pub async fn apply(run: &Runner<'_>, step: &FunctionStep) -> Result<Option<String>> {
    let (lambda, names) = (&run.aws.lambda, run.names);
    let desired = &run.desired.function;
    match step {
        FunctionStep::Create => return create(run).await.map(Some),
        FunctionStep::Wait => {
            lambda_function::wait_until_active(lambda, names).await?;
            lambda_function::wait_until_updated(lambda, names).await?;
        }
        FunctionStep::UpdateCode => {
            run.progress
                .step(format!("uploading new code to {}", names.function));
            lambda_function::update_code(lambda, names, desired).await?;
            run.done(format!("updated the code of {}", names.function));
        }
        FunctionStep::UpdateConfiguration { fields } => {
            run.progress
                .step(format!("updating the configuration of {}", names.function));
            let on_wait = |waited| waiting_for_iam(run, waited);
            lambda_function::update_configuration(lambda, names, desired, on_wait).await?;
            run.done(format!(
                "updated {} of {}",
                fields.join(", "),
                names.function
            ));
        }
    }
    Ok(None)
}

fn waiting_for_iam(run: &Runner<'_>, waited: std::time::Duration) {
    run.progress.step(format!(
        "waiting for IAM to make the new role assumable by Lambda ({:.0} s so far, up to {} s)",
        waited.as_secs_f64(),
        lambda_function::IAM_PROPAGATION_LIMIT.as_secs()
    ));
}

async fn create(run: &Runner<'_>) -> Result<String> {
    let (lambda, names) = (&run.aws.lambda, run.names);
    let desired = &run.desired.function;
    run.progress
        .step(format!("creating function {}", names.function));
    let on_wait = |waited| waiting_for_iam(run, waited);
    match lambda_function::create_function(lambda, names, desired, on_wait).await? {
        CreateOutcome::Created(arn) => {
            run.progress.step(format!(
                "waiting for function {} to become Active",
                names.function
            ));
            lambda_function::wait_until_active(lambda, names).await?;
            run.done(format!(
                "created function {} with the extension layer",
                names.function
            ));
            Ok(arn)
        }
        // A crashed run created it already: converge what is there.
        CreateOutcome::AlreadyExists => {
            let Observed::Owned(info) = lambda_function::get_function(lambda, names).await? else {
                return Err(Error::not_owned(names, ResourceKind::Function));
            };
            let (_, steps) = updates(&info, desired);
            for step in &steps {
                Box::pin(apply(run, step)).await?;
            }
            Ok(info.arn)
        }
    }
}

/// The lab to export, made from the deployed function (the store it reads, its extension
/// layer and settings, its runtime); the other resources add their parts to it. Someone
/// else's function, or none, is an error: there is no lab to export.
pub fn export_model(
    names: &ResourceNames,
    region: &str,
    found: &Observed<FunctionInfo>,
) -> Result<LabModel> {
    let info = match found {
        Observed::Owned(info) => info,
        Observed::Missing => {
            return Err(Error::NotDeployed {
                lab: names.lab.clone(),
                what: names.describe(ResourceKind::Function),
            })
        }
        Observed::Foreign => return Err(Error::not_owned(names, ResourceKind::Function)),
    };
    let store = ExtensionSettings::store_of(&info.env);
    let reference = match store {
        Store::SecretsManager => &names.secret,
        Store::ParameterStore => &names.parameter,
    };
    // Only the names the lab sets: the environment is rebuilt, never copied, so nothing else
    // a function's environment might hold can reach the export.
    let env = info.extension().function_env(store, reference);
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
    let function = FunctionSpec {
        name: names.function.clone(),
        runtime: (info.runtime.clone()).unwrap_or_else(|| defaults::RUNTIME.into()),
        handler: info.handler.clone(),
        arch: info.architecture,
        timeout: info.timeout.unwrap_or(TIMEOUT_SECONDS),
        memory: info.memory.unwrap_or(MEMORY_MB),
        layer_arn,
        env,
    };
    Ok(LabModel {
        names: names.clone(),
        region: region.to_string(),
        store,
        kms_key_arn: None,
        function,
        log_retention_days: crate::aws::logs::RETENTION_DAYS,
        simulated_db: None,
    })
}
