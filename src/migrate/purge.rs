//! Purge: the published versions that still hold a moved value in plaintext are deleted,
//! except any an alias routes to (its version or its weighted routing), which is kept and
//! named with the fix. Refused unless the document holds every moved value, so nothing held
//! only by a version is ever lost.

use crate::aws::migration::Values;
use crate::aws::target_function::{AliasRoute, TargetFunction};
use crate::error::{Code, Error, Result};
use crate::session::Connection;

use super::plan::{Action, Plan};
use super::target::{self, Seen};
use super::{Phase, Settings};

/// What purge reads before it decides anything.
#[derive(Debug, Clone)]
pub struct Observed {
    pub function: TargetFunction,
    pub document: Option<Seen>,
    /// Published versions whose environment holds a variable the document holds.
    pub versions_holding_values: Vec<String>,
    pub aliases: Vec<AliasRoute>,
}

pub async fn observe(
    connection: &Connection,
    settings: &Settings,
    function: TargetFunction,
) -> Result<Observed> {
    let aws = &connection.aws;
    let document = target::seen_document(aws, &function, settings).await?;
    let (versions_holding_values, aliases) =
        target::where_values_live(aws, &function.name, document.as_ref()).await?;
    Ok(Observed {
        function,
        document,
        versions_holding_values,
        aliases,
    })
}

/// The aliases that route to `version`.
pub fn routing_to<'a>(aliases: &'a [AliasRoute], version: &str) -> Vec<&'a str> {
    (aliases.iter())
        .filter(|a| a.versions.iter().any(|v| v == version))
        .map(|a| a.alias.as_str())
        .collect()
}

/// Decide purge: each version holding a value is deleted unless an alias routes to it.
pub fn plan_purge(observed: &Observed) -> Result<Plan> {
    let (function, name) = (&observed.function, &observed.function.name);
    let seen = live_document(observed)?;
    let mut plan = Plan::new(Phase::Purge, name, seen.doc.clone());
    plan.variables = seen.stored.as_ref().map(Values::names).unwrap_or_default();
    plan.aliases_routing = routes_to_holding(observed);
    if observed.versions_holding_values.is_empty() {
        plan.keep(format!(
            "no published version of `{name}` holds a moved value"
        ));
    }
    for version in &observed.versions_holding_values {
        let aliases = routing_to(&observed.aliases, version);
        if aliases.is_empty() {
            let delete = Action::DeleteVersion {
                version: version.clone(),
            };
            plan.push(
                delete,
                format!("version {version} deleted (it held a moved value; the document holds it)"),
            );
            continue;
        }
        let names = aliases.join("`, `");
        plan.keep(format!(
            "version {version} kept: alias `{names}` routes to it"
        ));
        plan.warnings.push(format!(
            "version {version} still holds a moved value behind alias `{names}`: move the alias to a version without it (`secretslab migrate {} --finish --alias {}` publishes one), then purge again",
            function.name, aliases[0]
        ));
    }
    plan.versions_holding_values = observed.versions_holding_values.clone();
    Ok(plan)
}

/// The aliases that route to a version holding a value (what finish and purge name).
pub fn routes_to_holding(observed: &Observed) -> Vec<AliasRoute> {
    routes_to(&observed.aliases, &observed.versions_holding_values)
}

pub fn routes_to(aliases: &[AliasRoute], holding: &[String]) -> Vec<AliasRoute> {
    (aliases.iter())
        .map(|a| AliasRoute {
            alias: a.alias.clone(),
            versions: (a.versions.iter())
                .filter(|v| holding.contains(v))
                .cloned()
                .collect(),
        })
        .filter(|a| !a.versions.is_empty())
        .collect()
}

/// The live document holding the moved values; refused otherwise (the versions may be the
/// only place a value is left).
fn live_document(observed: &Observed) -> Result<&Seen> {
    let name = &observed.function.name;
    match &observed.document {
        Some(seen) if seen.stored.is_some() && !seen.found.scheduled_for_deletion => Ok(seen),
        _ => Err(Error::refused(
            Code::NoLiveCopy,
            format!("no live document holds the values moved out of `{name}`: its versions may be the only copy"),
            format!("move them first (`secretslab migrate {name} --var NAME`); nothing was deleted"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrate::fixtures;

    fn route(alias: &str, versions: &[&str]) -> AliasRoute {
        AliasRoute {
            alias: alias.into(),
            versions: versions.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn observed(holding: &[&str], aliases: Vec<AliasRoute>) -> Observed {
        Observed {
            function: fixtures::function(&[("DB_PASSWORD_SECRET_ID", fixtures::SECRET)], &[]),
            document: Some(Seen {
                doc: fixtures::secret(),
                found: fixtures::ours(),
                stored: Some(fixtures::values(&[("DB_PASSWORD", fixtures::PASSWORD)])),
            }),
            versions_holding_values: holding.iter().map(|v| v.to_string()).collect(),
            aliases,
        }
    }

    fn deleted(plan: &Plan) -> Vec<String> {
        (plan.actions().into_iter())
            .filter_map(|a| match a {
                Action::DeleteVersion { version } => Some(version.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn versions_no_alias_routes_to_are_deleted_and_one_behind_an_alias_is_kept_and_named() {
        let plan = plan_purge(&observed(&["1", "2", "3"], vec![route("live", &["2"])])).unwrap();
        assert_eq!(deleted(&plan), ["1", "3"]);
        assert_eq!(plan.warnings.len(), 1);
        assert!(plan.warnings[0].contains("version 2") && plan.warnings[0].contains("`live`"));
        assert!(plan.warnings[0].contains("move the alias"));
        assert_eq!(plan.aliases_routing, vec![route("live", &["2"])]);
        fixtures::assert_no_value(&plan);
    }

    #[test]
    fn weighted_routing_keeps_a_version_too() {
        let aliases = vec![route("live", &["4", "3"]), route("old", &["9"])];
        let plan = plan_purge(&observed(&["1", "3"], aliases)).unwrap();
        assert_eq!(deleted(&plan), ["1"]);
        assert_eq!(plan.aliases_routing, vec![route("live", &["3"])]);
    }

    #[test]
    fn nothing_holding_a_value_changes_nothing() {
        let plan = plan_purge(&observed(&[], vec![route("live", &["2"])])).unwrap();
        assert!(!plan.changes());
        assert!(plan.warnings.is_empty());
    }

    #[test]
    fn without_a_live_document_nothing_is_deleted() {
        let mut without = observed(&["1"], vec![]);
        without.document = None;
        assert!(plan_purge(&without).is_err());
        let mut scheduled = observed(&["1"], vec![]);
        if let Some(seen) = scheduled.document.as_mut() {
            seen.found.scheduled_for_deletion = true;
        }
        assert!(plan_purge(&scheduled).is_err());
    }
}
