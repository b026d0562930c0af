//! Rollback: the plaintext goes back first (from the document's current value), then what
//! migrate added is removed, and the document is retired last: until the function has its
//! variables back, the document keeps them.

use std::collections::BTreeMap;

use crate::aws::migration::{DocumentRef, Found, Values};
use crate::aws::role;
use crate::aws::target_function::TargetFunction;
use crate::domain::kinds::Store;
use crate::domain::migration::{added_env, policy_name, TAG_ADDED_LAYER};
use crate::error::{Code, Error, Result};
use crate::session::Connection;

use super::plan::{Action, Plan};
use super::target::{self, Seen};
use super::{Phase, Settings};

#[cfg(test)]
mod tests;

/// What rollback reads before it decides anything.
#[derive(Debug, Clone)]
pub struct Observed {
    pub function: TargetFunction,
    /// The document expand wrote, if any.
    pub document: Option<Seen>,
    /// Whether migrate's inline policy is on the function's role.
    pub grant: bool,
    /// Whether the function runs on the emulator, where migrate runs its extension stand-in.
    pub local: bool,
}

pub async fn observe(
    connection: &Connection,
    settings: &Settings,
    function: TargetFunction,
) -> Result<Observed> {
    let aws = &connection.aws;
    let document = target::seen_document(aws, &function, settings).await?;
    let policy = policy_name(&function.name);
    let grant = role::get_inline_policy(&aws.iam, function.role_name(), &policy).await?;
    Ok(Observed {
        function,
        document,
        grant: grant.is_some(),
        local: connection.emulator.is_some(),
    })
}

/// Decide rollback: the variables back into the function, the grant removed, the document
/// retired, in that order. A document scheduled for deletion that the function still reads
/// is restored first, and the rest planned once its values can be read.
pub fn plan_rollback(observed: &Observed, settings: &Settings) -> Result<Plan> {
    let function = &observed.function;
    let Some(seen) = &observed.document else {
        return plan_without_document(observed, settings);
    };
    let doc = &seen.doc;
    let ours: Vec<String> = (target::references(&function.env).into_iter())
        .filter(|(_, d)| d == doc)
        .map(|(reference, _)| reference)
        .collect();
    let mut plan = Plan::new(Phase::Rollback, &function.name, doc.clone());
    let scheduled = seen.found.scheduled_for_deletion;
    if scheduled && !ours.is_empty() {
        let reason = format!(
            "{} restored: the function still reads it (the rest follows once it can be read)",
            doc.describe()
        );
        plan.push(Action::RestoreDocument, reason);
        plan.plan_again = true;
        return Ok(plan);
    }
    if let Some(values) = &seen.stored {
        plan.variables = values.names();
        plan_function(&mut plan, function, &seen.found, &ours, values);
    }
    plan_remove_grant(&mut plan, observed);
    if scheduled {
        plan.keep(format!("{} is scheduled for deletion", doc.describe()));
    } else {
        plan.push(Action::RetireDocument, retire_reason(doc));
    }
    if observed.local {
        let reason = format!("local extension of `{}` stopped", function.name);
        plan.push(Action::ForgetLocalExtension, reason);
    }
    Ok(plan)
}

/// No document: nothing to put back, unless references point at one that is gone.
fn plan_without_document(observed: &Observed, settings: &Settings) -> Result<Plan> {
    let function = &observed.function;
    let dangling: Vec<String> = target::references(&function.env).into_keys().collect();
    if !dangling.is_empty() {
        return Err(Error::refused(
            Code::DanglingReferences,
            format!("`{}` still has {} but the document they name is gone", function.name, dangling.join(", ")),
            "restore the secret (`aws secretsmanager restore-secret`) or put the variables back by hand; nothing was changed",
        ));
    }
    let default = target::new_document(function, settings);
    let mut plan = Plan::new(Phase::Rollback, &function.name, default);
    plan.keep("function: no reference variable to remove");
    plan_remove_grant(&mut plan, observed);
    Ok(plan)
}

/// 1. The variables back in the environment, what migrate added gone from it.
fn plan_function(
    plan: &mut Plan,
    function: &TargetFunction,
    found: &Found,
    ours: &[String],
    values: &Values,
) {
    let (env, layers) = restored(function, found, ours, &values.0);
    if env == *function.env && layers == function.layers {
        plan.keep("function: its variables are back and nothing of migrate is left in it");
        return;
    }
    let references = match ours.is_empty() {
        true => "no reference".to_string(),
        false => ours.join(", "),
    };
    let layer = match layers != function.layers {
        true => ", and the extension layer",
        false => "",
    };
    let reason = format!(
        "function: {} put back from {}; {references} removed{layer}",
        plan.variables.join(", "),
        plan.document.describe(),
    );
    let action = Action::UpdateFunction {
        env: Values(env),
        layers,
        revision_id: function.revision_id.clone(),
    };
    plan.push(action, reason);
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
    (env.into_inner(), layers)
}

/// 2. What migrate added elsewhere: the role's inline policy.
fn plan_remove_grant(plan: &mut Plan, observed: &Observed) {
    let role = observed.function.role_name().to_string();
    let policy = policy_name(&observed.function.name);
    if !observed.grant {
        plan.keep(format!("role `{role}`: no policy of migrate"));
        return;
    }
    let reason = format!("role `{role}`: inline policy `{policy}` removed");
    plan.push(Action::RemoveGrant { role, policy }, reason);
}

fn retire_reason(doc: &DocumentRef) -> String {
    match doc.store {
        Store::SecretsManager => format!(
            "{} scheduled for deletion (restorable for 7 days)",
            doc.describe()
        ),
        Store::ParameterStore => format!("{} deleted", doc.describe()),
    }
}
