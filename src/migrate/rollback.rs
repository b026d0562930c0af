//! Rollback: the plaintext goes back first (from the document's current value), then what
//! migrate added is removed, and the document is retired last: until the function has its
//! variables back, the document keeps them.

use std::collections::BTreeMap;

use crate::aws::role;
use crate::aws::target_function::{self, TargetFunction};
use crate::aws::AwsContext;
use crate::domain::migration::{added_env, policy_name, TAG_ADDED_LAYER};
use crate::error::{Error, Result};

use super::report::MigrationReport;
use super::{target, Job, Settings};
use crate::aws::migration::{DocumentRef, Found};

pub async fn run(job: Job<'_>) -> Result<MigrationReport> {
    let (session, connection, settings, function) = job.parts();
    let aws = &connection.aws;
    let name = function.name.clone();
    let located = target::existing_document(aws, &function, settings).await?;
    let dangling: Vec<String> = target::references(&function.env)
        .into_iter()
        .filter(|(_, doc)| located.as_ref().is_none_or(|(found, _)| found != doc))
        .map(|(reference, _)| reference)
        .collect();
    let Some((doc, found)) = located else {
        if !dangling.is_empty() {
            return Err(Error::refused(
                format!("`{name}` still has {} but the document they name is gone", dangling.join(", ")),
                "restore the secret (`aws secretsmanager restore-secret`) or put the variables back by hand; nothing was changed",
            ));
        }
        let default = target::new_document(&function, settings);
        let mut report = MigrationReport::new(&name, settings.phase, settings.dry_run, default);
        report.unchanged("function: no reference variable to remove");
        remove_policy(aws, &function, &mut report).await?;
        return Ok(report);
    };
    let mut report = MigrationReport::new(&name, settings.phase, settings.dry_run, doc.clone());
    let dry_run = settings.dry_run;
    let ours = target::references(&function.env)
        .into_iter()
        .filter(|(_, d)| *d == doc)
        .map(|(reference, _)| reference)
        .collect::<Vec<_>>();

    // 1. The variables back in the environment, what migrate added gone from it.
    if found.scheduled_for_deletion && !ours.is_empty() {
        report.will(format!(
            "{} restored: the function still reads it",
            doc.describe()
        ));
        if !dry_run {
            doc.restore(aws).await?;
        }
    }
    let readable = !found.scheduled_for_deletion || !dry_run && !ours.is_empty();
    if readable {
        let values = doc.read(aws).await?;
        report.variables = values.names();
        let (env, layers) = restored(&function, &found, &ours, &values.0);
        if env == function.env && layers == function.layers {
            report
                .unchanged("function: its variables are back and nothing of migrate is left in it");
        } else {
            report.will(format!(
                "function: {} put back from {}; {} removed{}",
                report.variables.join(", "),
                doc.describe(),
                if ours.is_empty() {
                    "no reference".to_string()
                } else {
                    ours.join(", ")
                },
                if layers != function.layers {
                    ", and the extension layer"
                } else {
                    ""
                }
            ));
            if !dry_run {
                session
                    .progress
                    .step(format!("putting the variables of `{name}` back"));
                target_function::update_env_and_layers(&aws.lambda, &function, &env, &layers)
                    .await?;
            }
        }
    }

    // 2. What migrate added elsewhere, the document last.
    remove_policy(aws, &function, &mut report).await?;
    if found.scheduled_for_deletion && ours.is_empty() {
        report.unchanged(format!("{} is scheduled for deletion", doc.describe()));
    } else {
        report.will(retire_step(&doc));
        if !dry_run {
            doc.retire(aws).await?;
        }
    }
    if !dry_run {
        connection.forget_extension_for(session, &name)?;
    }
    report.next = vec![format!(
        "`secretslab migrate {name} --var NAME` starts again whenever you are ready"
    )];
    Ok(report)
}

/// The environment and layers with the variables back and migrate's additions gone.
fn restored(
    function: &TargetFunction,
    found: &Found,
    references: &[String],
    values: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut env = function.env.clone();
    let added = added_env(&found.tags);
    env.retain(|k, _| !references.contains(k) && !added.contains(k));
    // A plaintext still there is the newest value (finish keeps it the same way).
    for (var, value) in values {
        env.entry(var.clone()).or_insert_with(|| value.clone());
    }
    let mut layers = function.layers.clone();
    if let Some(layer) = found.tags.get(TAG_ADDED_LAYER) {
        layers.retain(|l| l != layer);
    }
    (env, layers)
}

fn retire_step(doc: &DocumentRef) -> String {
    match doc.store {
        crate::domain::kinds::Store::SecretsManager => format!(
            "{} scheduled for deletion (restorable for 7 days)",
            doc.describe()
        ),
        crate::domain::kinds::Store::ParameterStore => format!("{} deleted", doc.describe()),
    }
}

async fn remove_policy(
    aws: &AwsContext,
    function: &TargetFunction,
    report: &mut MigrationReport,
) -> Result<()> {
    let role_name = function.role_name();
    let policy = policy_name(&function.name);
    let step = format!("role `{role_name}`: inline policy `{policy}` removed");
    if role::get_inline_policy(&aws.iam, role_name, &policy)
        .await?
        .is_none()
    {
        report.unchanged(format!("role `{role_name}`: no policy of migrate"));
        return Ok(());
    }
    report.will(step);
    if !report.dry_run {
        role::delete_inline_policy(&aws.iam, role_name, &policy).await?;
    }
    Ok(())
}
