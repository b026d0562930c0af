//! Expand: the grant and the document first, the function last. Until the function changes,
//! the plaintext is all the code reads; after, it reads either. A kill between two steps
//! leaves the plaintext in place, and the next run does only what is missing. Everything
//! that can refuse is decided by [`plan_expand`], before the first change.

use std::collections::BTreeMap;

use crate::aws::code_signing::{self, CodeSigning};
use crate::aws::migration::{DocumentRef, Found, Values};
use crate::aws::target_function::TargetFunction;
use crate::aws::{layer, role};
use crate::domain::extension::{env::HTTP_PORT, ExtensionSettings};
use crate::domain::migration::{
    document_arn, document_tags, evidence_baseline, is_for_function, policy_name, read_policy,
    reference_var,
};
use crate::domain::policy::same_policy;
use crate::error::{Code, Error, Result};
use crate::session::{Connection, Session};

use super::plan::{Action, Plan};
use super::{governance, target, Phase, Settings};

#[cfg(test)]
mod tests;

/// What expand reads before it decides anything.
#[derive(Debug, Clone)]
pub struct Observed {
    pub function: TargetFunction,
    /// The document as `--store` and `--secret-name` name it.
    pub document: DocumentRef,
    /// What a lookup found under that name (maybe someone else's).
    pub found: Option<Found>,
    /// What it holds, read when it is live and this function's.
    pub stored: Option<Values>,
    /// The extension layer for the function's region and architecture.
    pub layer_arn: String,
    /// Migrate's inline policy on the function's role, as it stands.
    pub grant: Option<serde_json::Value>,
    /// Requests the function's local extension has served so far (0 on AWS).
    pub served: u64,
    /// Whether the function runs on the emulator, where migrate runs its extension stand-in.
    pub local: bool,
    /// Locally, a free port for that stand-in when the function has none yet.
    pub free_port: Option<u16>,
    /// Whether Lambda would accept the extension layer under the function's code signing.
    pub code_signing: CodeSigning,
}

pub async fn observe(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
    function: TargetFunction,
) -> Result<Observed> {
    let aws = &connection.aws;
    let document = target::new_document(&function, settings);
    // Never ask a store about a name it would refuse with a less helpful message.
    target::check_document_name(&document)?;
    connection.refuse_unserved_store(document.store)?;
    let found = document.find(aws).await?;
    let readable = found
        .as_ref()
        .is_some_and(|f| is_for_function(&f.tags, &function.arn) && !f.scheduled_for_deletion);
    let stored = match readable {
        true => Some(document.read(aws).await?),
        false => None,
    };
    let layer_flag = settings.layer_arn.as_deref();
    let layer_arn = layer::resolve_layer(&aws.ssm, &aws.region, function.architecture, layer_flag)
        .await?
        .arn;
    let role_name = function.role_name();
    let grant = role::get_inline_policy(&aws.iam, role_name, &policy_name(&function.name))
        .await
        .map_err(|e| target::access_refusal(e, role_name))?;
    let served = connection
        .extension_counters_for(session, &function.name)
        .await
        .map(|stats| stats.served)
        .unwrap_or_default();
    let code_signing = code_signing::read(&aws.lambda, &function.name).await;
    let local = connection.emulator.is_some();
    let free_port = match local && !function.env.contains_key(HTTP_PORT) {
        true => Some(crate::local::process::free_port().map_err(|e| {
            Error::io(
                Code::NoFreePort,
                "finding a free port for the local extension",
                e,
            )
        })?),
        false => None,
    };
    Ok(Observed {
        function,
        document,
        found,
        stored,
        layer_arn,
        grant,
        served,
        local,
        free_port,
        code_signing,
    })
}

/// The function after expand, and what else expand must remember to undo.
struct Desired {
    env: BTreeMap<String, String>,
    layers: Vec<String>,
    added_layer: Option<String>,
    added_env: Vec<String>,
    /// The moved variables with today's values.
    values: Values,
    /// `--kms-key`, else the key an earlier run granted (it keeps encrypting the document).
    kms_key: Option<String>,
    /// What the report says about the function's execution model.
    notes: Vec<String>,
}

/// Decide expand: refusals first, then the grant, the document, the function, in that order.
pub fn plan_expand(observed: &Observed, settings: &Settings) -> Result<Plan> {
    check_kms_key(settings.kms_key.as_deref())?;
    let (function, doc) = (&observed.function, &observed.document);
    let vars = target::variables(function, settings)?;
    refuse_second_document(function, doc)?;
    if let Some(found) = &observed.found {
        target::refuse_foreign(doc, found, function)?;
    }
    let desired = desired(observed, settings, &vars)?;
    let mut plan = Plan::new(Phase::Expand, &function.name, doc.clone());
    let adds_layer = desired.added_layer.is_some();
    governance::check_code_signing(
        function,
        &observed.code_signing,
        adds_layer,
        &mut plan.warnings,
    )?;
    plan.warnings.extend(desired.notes.iter().cloned());
    plan.runtime = function.runtime.clone();
    plan.variables = vars;
    plan.warnings
        .extend(target::vpc_warning(function, doc.store));
    plan_grant(&mut plan, observed, desired.kms_key.as_deref());
    plan_document(&mut plan, observed, &desired);
    plan_function(&mut plan, observed, &desired);
    if observed.local {
        let extension = ExtensionSettings::from_env(&desired.env);
        plan.push(
            Action::StartLocalExtension {
                extension,
                store: doc.store,
            },
            format!(
                "local extension of `{}` serves {} on port {}",
                function.name, doc.store, extension.port
            ),
        );
    }
    Ok(plan)
}

/// Every variable kept, a reference beside each moved one, the extension layer, and locally
/// the port of the function's own stand-in. Refused when a Lambda limit would be passed.
fn desired(observed: &Observed, settings: &Settings, vars: &[String]) -> Result<Desired> {
    let (function, doc) = (&observed.function, &observed.document);
    let layers = target::layers_with_extension(function, &observed.layer_arn)?;
    let added_layer = (layers != function.layers).then(|| observed.layer_arn.clone());
    let mut env = function.env.clone().into_inner();
    let mut added_env = Vec::new();
    if let Some(port) = observed.free_port.filter(|_| !env.contains_key(HTTP_PORT)) {
        env.insert(HTTP_PORT.to_string(), port.to_string());
        added_env.push(HTTP_PORT.to_string());
    }
    let mut notes = Vec::new();
    if let Some((name, value)) = governance::managed_instances(function, &mut notes) {
        env.insert(name.clone(), value);
        added_env.push(name);
    }
    for var in vars {
        env.insert(reference_var(var, doc.store), doc.name.clone());
    }
    target::check_env_size(function, &env)?;
    let values = vars
        .iter()
        .map(|v| (v.clone(), function.env[v].clone()))
        .collect();
    let kms_key = settings
        .kms_key
        .clone()
        .or_else(|| target::granted_key(observed.grant.as_ref()));
    Ok(Desired {
        env,
        layers,
        added_layer,
        added_env,
        values: Values(values),
        kms_key,
        notes,
    })
}

/// One document per function: a second one would need a second grant, and the policy (one
/// per function) would stop granting the first.
fn refuse_second_document(function: &TargetFunction, doc: &DocumentRef) -> Result<()> {
    let Some(other) = target::references(&function.env)
        .into_values()
        .find(|d| d != doc)
    else {
        return Ok(());
    };
    Err(Error::refused(
        Code::AlreadyMigrated,
        format!(
            "`{}` already reads {} through its references",
            function.name,
            other.describe()
        ),
        format!(
            "migrate keeps one document per function: pass `--store {} --secret-name {}` to add variables to it; nothing was changed",
            other.store, other.name
        ),
    ))
}

/// 1. The grant, before anything exists: refused there, nothing is left half-done.
fn plan_grant(plan: &mut Plan, observed: &Observed, kms_key: Option<&str>) {
    let (function, doc) = (&observed.function, &observed.document);
    let role = function.role_name().to_string();
    let policy = policy_name(&function.name);
    let arn = document_arn(doc.store, &function.arn, &doc.name);
    let document = read_policy(doc.store, &arn, kms_key);
    let reason = format!(
        "role `{role}` may read {} (inline policy `{policy}`)",
        doc.describe()
    );
    if observed
        .grant
        .as_ref()
        .is_some_and(|current| same_policy(current, &document))
    {
        plan.keep(reason);
    } else {
        let action = Action::PutGrant {
            role,
            policy,
            document,
        };
        plan.push(action, reason);
    }
}

/// 2. The document holds the values the environment holds now, and no stale ones.
fn plan_document(plan: &mut Plan, observed: &Observed, desired: &Desired) {
    let (function, doc) = (&observed.function, &observed.document);
    let count = desired.values.0.len();
    let write_key = desired.kms_key.clone().or_else(|| {
        let found = observed.found.as_ref();
        found.and_then(|f| f.key_id.clone())
    });
    match &observed.stored {
        _ if observed.found.is_none() => {
            let baseline = evidence_baseline(&function.code_sha256, observed.served);
            let added_layer = desired.added_layer.as_deref();
            let tags = document_tags(&function.arn, added_layer, &desired.added_env, &baseline);
            let action = Action::CreateDocument {
                values: desired.values.clone(),
                kms_key: desired.kms_key.clone(),
                tags,
            };
            plan.push(
                action,
                format!("{} created with {count} variable(s)", doc.describe()),
            );
        }
        // Scheduled for deletion by a rollback: it comes back holding exactly these values.
        None => {
            let reason = format!("{} restored (a rollback retired it)", doc.describe());
            plan.push(Action::RestoreDocument, reason);
            let values = desired.values.clone();
            let write = Action::WriteDocument {
                values,
                kms_key: write_key,
            };
            plan.push(
                write,
                format!("{} written with {count} variable(s)", doc.describe()),
            );
        }
        Some(stored) => {
            // Keep what other references still read; these variables take today's values.
            let mut merged: BTreeMap<String, String> = stored
                .0
                .iter()
                .filter(|(k, _)| desired.env.get(&reference_var(k, doc.store)) == Some(&doc.name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            merged.extend(desired.values.0.clone());
            if merged == stored.0 {
                plan.keep(format!("{} holds the current values", doc.describe()));
            } else {
                let action = Action::WriteDocument {
                    values: Values(merged),
                    kms_key: write_key,
                };
                let reason = format!("{} updated with the current values", doc.describe());
                plan.push(action, reason);
            }
        }
    }
}

/// 3. The function: references beside the plaintext, and the layer.
fn plan_function(plan: &mut Plan, observed: &Observed, desired: &Desired) {
    let (function, doc) = (&observed.function, &observed.document);
    let references: Vec<String> = (plan.variables.iter())
        .map(|v| reference_var(v, doc.store))
        .collect();
    let mut reason = format!(
        "function: {} set beside the plaintext",
        references.join(", ")
    );
    if let Some(layer) = &desired.added_layer {
        reason.push_str(&format!("; extension layer `{layer}` attached"));
    }
    if !desired.added_env.is_empty() {
        let added = desired.added_env.join(", ");
        reason.push_str(&format!("; {added} for its local extension"));
    }
    if desired.env == *function.env && desired.layers == function.layers {
        plan.keep(reason);
        return;
    }
    if observed.found.is_some() {
        // New references: what `--finish` will take as evidence starts from now.
        let tags = evidence_baseline(&function.code_sha256, observed.served);
        let why = format!(
            "{} records the code and the requests served as of now (`--finish` looks for evidence after this)",
            doc.describe()
        );
        plan.push(Action::TagDocument { tags }, why);
    }
    let action = Action::UpdateFunction {
        env: Values(desired.env.clone()),
        layers: desired.layers.clone(),
        revision_id: function.revision_id.clone(),
    };
    plan.push(action, reason);
}

fn is_kms_key_arn(text: &str) -> bool {
    crate::domain::arn::Arn::parse(text)
        .is_some_and(|arn| arn.service() == "kms" && arn.resource().starts_with("key/"))
}

/// `kms:Decrypt` is granted on the key itself, so the policy needs its ARN.
fn check_kms_key(key: Option<&str>) -> Result<()> {
    match key {
        Some(key) if !is_kms_key_arn(key) => Err(Error::invalid(
            Code::BadKmsKey,
            format!("`--kms-key {key}` is not a KMS key ARN"),
            "pass the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/ID): the role's policy grants kms:Decrypt on exactly that key",
        )),
        _ => Ok(()),
    }
}
