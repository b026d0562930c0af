//! Finish (contract): once something shows the code reads the references, the plaintext
//! leaves `$LATEST`. The document is brought up to date first, so a value changed in the
//! environment since expand is never lost.

use crate::aws::target_function::{self, TargetFunction};
use crate::domain::extension::ExtensionSettings;
use crate::domain::migration::{reference_var, TAG_CODE_SHA256, TAG_SERVED_AT_EXPAND};
use crate::error::{Error, Result};
use crate::session::{Connection, Session};

use super::report::MigrationReport;
use super::{target, Job};
use crate::aws::migration::Found;

pub async fn run(job: Job<'_>) -> Result<MigrationReport> {
    let (session, connection, settings, function) = job.parts();
    let aws = &connection.aws;
    let name = function.name.clone();
    let Some((doc, found)) = target::existing_document(aws, &function, settings).await? else {
        return Err(Error::refused(
            format!("nothing to finish: migrate has not moved any variable of `{name}`"),
            format!("start with `secretslab migrate {name} --var NAME`; nothing was changed"),
        ));
    };
    if found.scheduled_for_deletion {
        return Err(Error::refused(
            format!(
                "{} is scheduled for deletion: this migration was rolled back",
                doc.describe()
            ),
            format!(
                "expand again first (`secretslab migrate {name} --var NAME`); nothing was changed"
            ),
        ));
    }
    let stored = doc.read(aws).await?;
    let vars = stored.names();
    let unreferenced: Vec<String> = vars
        .iter()
        .map(|v| reference_var(v, doc.store))
        .filter(|r| function.env.get(r) != Some(&doc.name))
        .collect();
    if !unreferenced.is_empty() {
        return Err(Error::refused(
            format!(
                "`{name}` does not have {} yet: expand did not finish",
                unreferenced.join(", ")
            ),
            format!(
                "re-run `secretslab migrate {name} --var {}` first; nothing was changed",
                vars.join(" --var ")
            ),
        ));
    }
    let plaintext: Vec<String> = vars
        .iter()
        .filter(|v| function.env.contains_key(*v))
        .cloned()
        .collect();

    let mut report = MigrationReport::new(&name, settings.phase, settings.dry_run, doc.clone());
    report.variables = vars.clone();
    let dry_run = settings.dry_run;
    if plaintext.is_empty() {
        report.unchanged(format!(
            "function: no plaintext left in $LATEST ({})",
            vars.join(", ")
        ));
    } else {
        match (settings.force, evidence(session, connection, &function, &found)) {
            (_, Some(why)) => report.unchanged(format!("the code reads the references: {why}")),
            (true, None) => report
                .warnings
                .push("--force: nothing shows that the code reads the references; the function fails if it does not".into()),
            (false, None) => return Err(Error::refused(
                format!("nothing shows that the code of `{name}` reads {} yet", doc.describe()),
                format!("deploy the handler change (`secretslab migrate {name} --var {} --dry-run` prints it) and invoke the function, then re-run; `--force` skips this check; nothing was changed", plaintext.join(" --var ")),
            )),
        }
        // The newest values win: whatever the environment holds now goes to the document.
        let mut current = stored.clone();
        for var in &plaintext {
            current.0.insert(var.clone(), function.env[var].clone());
        }
        if current != stored {
            report.will(format!(
                "{} updated with the values changed since expand",
                doc.describe()
            ));
            if !dry_run {
                let key = settings.kms_key.as_deref().or(found.key_id.as_deref());
                doc.write(aws, &current, key).await?;
            }
        }
        report.will(format!(
            "function: plaintext {} removed from $LATEST",
            plaintext.join(", ")
        ));
        if !dry_run {
            session
                .progress
                .step(format!("removing the plaintext from `{name}`"));
            let mut env = function.env.clone();
            env.retain(|k, _| !plaintext.contains(k));
            target_function::update_env_and_layers(&aws.lambda, &function, &env, &function.layers)
                .await?;
        }
    }
    if let Some(alias) = &settings.alias {
        report.will(format!("version published and alias `{alias}` moved to it"));
        if !dry_run {
            let version = target_function::publish_version(
                &aws.lambda,
                &name,
                "secretslab migrate: variables read through the extension",
            )
            .await?;
            target_function::point_alias(&aws.lambda, &name, alias, &version).await?;
        }
    }
    if !dry_run {
        let extension = ExtensionSettings::from_env(&function.env);
        connection.ensure_extension_for(session, &name, &extension, doc.store)?;
    }
    report.versions_holding_values =
        target_function::versions_holding(&aws.lambda, &name, &vars).await?;
    report.next = vec![format!(
        "rotate {}: the value was readable by everyone allowed lambda:GetFunctionConfiguration, and stays in any published version that holds it",
        vars.join(", ")
    )];
    Ok(report)
}

/// What shows the code reads the references: new code since expand, or (locally) more
/// requests served by the function's own extension than when the references were added.
fn evidence(
    session: &Session,
    connection: &Connection,
    function: &TargetFunction,
    found: &Found,
) -> Option<String> {
    let at_expand = found.tags.get(TAG_CODE_SHA256);
    if at_expand.is_some_and(|sha| *sha != function.code_sha256) {
        return Some("the function's code changed since expand".into());
    }
    let before: u64 = found
        .tags
        .get(TAG_SERVED_AT_EXPAND)
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    let served = connection
        .extension_counters_for(session, &function.name)
        .map(|stats| stats.served)
        .unwrap_or_default();
    (served > before).then(|| {
        format!(
            "the function's local extension served {} request(s) since expand",
            served - before
        )
    })
}
