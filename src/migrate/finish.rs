//! Finish (contract): once something shows the code reads the references, the plaintext
//! leaves `$LATEST`. The document is brought up to date first, so a value changed in the
//! environment since expand is never lost.

use crate::aws::migration::Values;
use crate::aws::target_function::{self, TargetFunction};
use crate::domain::extension::ExtensionSettings;
use crate::domain::migration::{reference_var, TAG_CODE_SHA256, TAG_SERVED_AT_EXPAND};
use crate::error::{Code, Error, Result};
use crate::session::{Connection, Session};

use super::plan::{Action, Plan};
use super::target::{self, Seen};
use super::{Phase, Settings};

#[cfg(test)]
mod tests;

/// What finish reads before it decides anything.
#[derive(Debug, Clone)]
pub struct Observed {
    pub function: TargetFunction,
    /// The document expand wrote, if any.
    pub document: Option<Seen>,
    /// Requests the function's local extension has served so far (0 on AWS).
    pub served: u64,
    /// Published versions whose environment holds a variable the document holds.
    pub versions_holding_values: Vec<String>,
    /// The aliases routing to those versions.
    pub aliases_routing: Vec<target_function::AliasRoute>,
    /// Whether the function runs on the emulator, where migrate runs its extension stand-in.
    pub local: bool,
}

pub async fn observe(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
    function: TargetFunction,
) -> Result<Observed> {
    let aws = &connection.aws;
    let document = target::seen_document(aws, &function, settings).await?;
    // Finish adds no such version (the plaintext leaves before one is published), so what
    // holds the values now is what will.
    let (versions_holding_values, aliases) =
        target::where_values_live(aws, &function.name, document.as_ref()).await?;
    let aliases_routing = super::purge::routes_to(&aliases, &versions_holding_values);
    let served = connection
        .extension_counters_for(session, &function.name)
        .await
        .map(|stats| stats.served)
        .unwrap_or_default();
    Ok(Observed {
        function,
        document,
        served,
        versions_holding_values,
        aliases_routing,
        local: connection.emulator.is_some(),
    })
}

/// Decide finish: refused unless expand finished and (without `--force`) something shows
/// the code reads the references; then the document, the function, the version and alias.
pub fn plan_finish(observed: &Observed, settings: &Settings) -> Result<Plan> {
    let function = &observed.function;
    let (seen, stored) = expanded(observed)?;
    let doc = &seen.doc;
    let vars = stored.names();
    let plaintext: Vec<String> = (vars.iter())
        .filter(|v| function.env.contains_key(*v))
        .cloned()
        .collect();
    let mut plan = Plan::new(Phase::Finish, &function.name, doc.clone());
    plan.variables = vars.clone();
    plan.versions_holding_values = observed.versions_holding_values.clone();
    plan.aliases_routing = observed.aliases_routing.clone();
    if plaintext.is_empty() {
        let names = vars.join(", ");
        plan.keep(format!("function: no plaintext left in $LATEST ({names})"));
    } else {
        plan_evidence(&mut plan, observed, settings, &plaintext)?;
        plan_contract(&mut plan, observed, settings, stored, &plaintext);
    }
    if let Some(alias) = &settings.alias {
        let description = "secretslab migrate: variables read through the extension".into();
        let publish = Action::PublishVersion { description };
        plan.push(publish, "version published from $LATEST");
        let moved = Action::MoveAlias {
            alias: alias.clone(),
        };
        plan.push(moved, format!("alias `{alias}` moved to that version"));
    }
    if observed.local {
        let extension = ExtensionSettings::from_env(&function.env);
        let store = doc.store;
        let reason = format!(
            "local extension of `{}` serves {store} on port {}",
            function.name, extension.port
        );
        plan.push(Action::StartLocalExtension { extension, store }, reason);
    }
    Ok(plan)
}

/// The document and what it holds, once expand finished; refused otherwise.
fn expanded(observed: &Observed) -> Result<(&Seen, &Values)> {
    let (function, name) = (&observed.function, &observed.function.name);
    let Some(seen) = &observed.document else {
        return Err(Error::refused(
            Code::NothingToFinish,
            format!("nothing to finish: migrate has not moved any variable of `{name}`"),
            format!("start with `secretslab migrate {name} --var NAME`; nothing was changed"),
        ));
    };
    let stored = match &seen.stored {
        Some(stored) if !seen.found.scheduled_for_deletion => stored,
        _ => {
            return Err(Error::refused(
                Code::RolledBack,
                format!(
                    "{} is scheduled for deletion: this migration was rolled back",
                    seen.doc.describe()
                ),
                format!(
                "expand again first (`secretslab migrate {name} --var NAME`); nothing was changed"
            ),
            ))
        }
    };
    let vars = stored.names();
    let unreferenced: Vec<String> = (vars.iter())
        .map(|v| reference_var(v, seen.doc.store))
        .filter(|r| function.env.get(r) != Some(&seen.doc.name))
        .collect();
    if !unreferenced.is_empty() {
        return Err(Error::refused(
            Code::ExpandUnfinished,
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
    Ok((seen, stored))
}

/// Removing the plaintext needs a sign the code reads the references, or `--force`.
fn plan_evidence(
    plan: &mut Plan,
    observed: &Observed,
    settings: &Settings,
    plaintext: &[String],
) -> Result<()> {
    let name = &observed.function.name;
    match (settings.force, evidence(observed)) {
        (_, Some(why)) => plan.keep(format!("the code reads the references: {why}")),
        (true, None) => plan.warnings.push(
            "--force: nothing shows that the code reads the references; the function fails if it does not".into(),
        ),
        (false, None) => return Err(Error::refused(
            Code::CodeNotUpdated,
            format!("nothing shows that the code of `{name}` reads {} yet", plan.document.describe()),
            format!("deploy the handler change (`secretslab migrate {name} --var {} --dry-run` prints it) and invoke the function, then re-run; `--force` skips this check; nothing was changed", plaintext.join(" --var ")),
        )),
    }
    Ok(())
}

/// The newest values to the document first (whatever the environment holds now), then the
/// plaintext out of `$LATEST`.
fn plan_contract(
    plan: &mut Plan,
    observed: &Observed,
    settings: &Settings,
    stored: &Values,
    plaintext: &[String],
) {
    let (function, doc) = (&observed.function, plan.document.clone());
    let mut current = stored.clone();
    for var in plaintext {
        current.0.insert(var.clone(), function.env[var].clone());
    }
    if &current != stored {
        let found = observed.document.as_ref().map(|seen| &seen.found);
        let kms_key = (settings.kms_key.clone()).or_else(|| found.and_then(|f| f.key_id.clone()));
        let write = Action::WriteDocument {
            values: current,
            kms_key,
        };
        let reason = format!(
            "{} updated with the values changed since expand",
            doc.describe()
        );
        plan.push(write, reason);
    }
    let mut env = function.env.clone().into_inner();
    env.retain(|k, _| !plaintext.contains(k));
    let update = Action::UpdateFunction {
        env: Values(env),
        layers: function.layers.clone(),
        revision_id: function.revision_id.clone(),
    };
    let removed = plaintext.join(", ");
    plan.push(
        update,
        format!("function: plaintext {removed} removed from $LATEST"),
    );
}

/// What shows the code reads the references: new code since expand, or (locally) more
/// requests served by the function's own extension than when the references were added.
fn evidence(observed: &Observed) -> Option<String> {
    let (function, seen) = (&observed.function, observed.document.as_ref()?);
    let at_expand = seen.found.tags.get(TAG_CODE_SHA256);
    if at_expand.is_some_and(|sha| *sha != function.code_sha256) {
        return Some("the function's code changed since expand".into());
    }
    let before: u64 = (seen.found.tags.get(TAG_SERVED_AT_EXPAND))
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    (observed.served > before).then(|| {
        format!(
            "the function's local extension served {} request(s) since expand",
            observed.served - before
        )
    })
}
