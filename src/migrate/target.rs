//! The function a migration works on, and the checks every phase makes before it changes
//! anything: the function exists, the variables are there, the document is ours, the layers fit.

use std::collections::BTreeMap;

use crate::aws::target_function::{self, TargetFunction};
use crate::aws::AwsContext;
use crate::classify::{classify, Class};
use crate::domain::kinds::Store;
use crate::domain::migration::{
    default_document_name, is_extension_layer, is_for_function, referenced_var, LAYER_LIMIT,
};
use crate::error::{Code, Error, Result};
use crate::session::Session;

use super::Settings;
use crate::aws::migration::{self, DocumentRef, Found, Values};

/// The function, or the refusal that names it.
pub async fn load(session: &Session, aws: &AwsContext, name: &str) -> Result<TargetFunction> {
    session.progress.step(format!("reading function `{name}`"));
    target_function::read(&aws.lambda, name).await?.ok_or_else(|| {
        Error::refused(
            Code::FunctionNotFound,
            format!("function `{name}` does not exist in {}", aws.region),
            "check the name and `--region` (`aws lambda list-functions` lists them); nothing was changed",
        )
    })
}

/// The variables to move: `--var` as given, or with `--flagged` those the audit classifies
/// as secrets. Each must be in the function's environment.
pub fn variables(function: &TargetFunction, settings: &Settings) -> Result<Vec<String>> {
    let mut wanted: Vec<String> = settings.vars.clone();
    if settings.flagged {
        wanted.extend(
            function
                .env
                .iter()
                .filter(|(name, value)| classify(name, value).class == Class::Secret)
                .map(|(name, _)| name.clone()),
        );
    }
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Err(Error::refused(
            Code::NothingFlagged,
            format!(
                "the audit finds no plaintext secret in the environment of `{}`",
                function.name
            ),
            "name the variables to move with `--var NAME`; nothing was changed",
        ));
    }
    for var in &wanted {
        if function.env.contains_key(var) {
            continue;
        }
        let moved = function
            .env
            .keys()
            .find(|k| referenced_var(k).is_some_and(|(v, _)| v == var));
        let help = match moved {
            Some(reference) => format!(
                "`{reference}` is set: it was moved already (`--finish` removes the plaintext; `--rollback` puts it back); nothing was changed"
            ),
            None => format!(
                "the function has {}; name one of them; nothing was changed",
                list_or_none(function.env.keys())
            ),
        };
        return Err(Error::refused(
            Code::VariableNotFound,
            format!(
                "variable `{var}` is not in the environment of `{}`",
                function.name
            ),
            help,
        ));
    }
    Ok(wanted)
}

fn list_or_none<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "no environment variables".into()
    } else {
        format!("these variables: {}", names.join(", "))
    }
}

/// The document a new migration writes: `--secret-name`, else `FUNCTION/env`.
pub fn new_document(function: &TargetFunction, settings: &Settings) -> DocumentRef {
    DocumentRef {
        store: settings.store,
        name: settings
            .document_name
            .clone()
            .unwrap_or_else(|| default_document_name(&function.name, settings.store)),
    }
}

/// Refuse a same-named document migrate did not make for this function.
pub fn refuse_foreign(doc: &DocumentRef, found: &Found, function: &TargetFunction) -> Result<()> {
    if is_for_function(&found.tags, &function.arn) {
        return Ok(());
    }
    Err(Error::refused(
        Code::DocumentNotOurs,
        format!(
            "{} exists but is not tagged as holding the variables of `{}`",
            doc.describe(),
            function.name
        ),
        "migrate never changes what it did not create: pass another name with `--secret-name`; nothing was changed",
    ))
}

/// The document an earlier expand wrote for this function, with what was found: the name
/// given, else the ones the reference variables point at, else the default names, else any
/// document tagged for it (a custom name no longer passed, after a crash).
/// Where the moved values still live: the published versions whose environment holds one of
/// the document's variables, and every alias with its routing (none read when nothing moved).
pub async fn where_values_live(
    aws: &AwsContext,
    function: &str,
    document: Option<&Seen>,
) -> Result<(Vec<String>, Vec<target_function::AliasRoute>)> {
    let vars = document
        .and_then(|seen| seen.stored.as_ref())
        .map(Values::names)
        .unwrap_or_default();
    if vars.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    tokio::try_join!(
        target_function::versions_holding(&aws.lambda, function, &vars),
        target_function::alias_routes(&aws.lambda, function),
    )
}

pub async fn existing_document(
    aws: &AwsContext,
    function: &TargetFunction,
    settings: &Settings,
) -> Result<Option<(DocumentRef, Found)>> {
    Ok(documents(aws, function, settings).await?.into_iter().next())
}

/// A document an earlier expand wrote, as observed: where, what a lookup found, and what it
/// holds (read only when live: a secret scheduled for deletion cannot be read).
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub doc: DocumentRef,
    pub found: Found,
    pub stored: Option<Values>,
}

/// [`existing_document`], read when it is live.
pub async fn seen_document(
    aws: &AwsContext,
    function: &TargetFunction,
    settings: &Settings,
) -> Result<Option<Seen>> {
    let Some((doc, found)) = existing_document(aws, function, settings).await? else {
        return Ok(None);
    };
    let stored = match found.scheduled_for_deletion {
        true => None,
        false => Some(doc.read(aws).await?),
    };
    Ok(Some(Seen { doc, found, stored }))
}

/// IAM said no: say which permission is missing, and that nothing was created.
pub fn access_refusal(err: Error, role: &str) -> Error {
    match err {
        Error::AccessDenied { detail, .. } => Error::refused(
            Code::RoleAccessDenied,
            format!("access denied on role `{role}`: {detail}"),
            format!("the identity in use needs iam:GetRolePolicy and iam:PutRolePolicy on `{role}` (ask its owner, or use a profile that has them); nothing was changed"),
        ),
        other => other,
    }
}

/// Every document migrate wrote for this function, in the order [`existing_document`] prefers.
/// A same-named document under the name the user gave that is not this function's is refused.
pub async fn documents(
    aws: &AwsContext,
    function: &TargetFunction,
    settings: &Settings,
) -> Result<Vec<(DocumentRef, Found)>> {
    let named = settings.document_name.as_ref().map(|name| DocumentRef {
        store: settings.store,
        name: name.clone(),
    });
    let found = migration::find_documents(aws, function, named.clone(), settings.store).await?;
    let mut owned = Vec::new();
    for (doc, found) in found {
        if named.as_ref() == Some(&doc) {
            refuse_foreign(&doc, &found, function)?;
        }
        if is_for_function(&found.tags, &function.arn) {
            owned.push((doc, found));
        }
    }
    Ok(owned)
}

/// Names each store accepts (a parameter in a hierarchy starts with `/`), checked before
/// anything is created.
pub fn check_document_name(doc: &DocumentRef) -> Result<()> {
    let name = &doc.name;
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c);
    let valid = match doc.store {
        Store::SecretsManager => !name.is_empty() && name.len() <= 512 && name.chars().all(allowed),
        Store::ParameterStore => {
            let hierarchy_ok = !name.contains('/') || name.starts_with('/');
            let chars_ok = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_.-".contains(c));
            !name.is_empty() && name.len() <= 1011 && hierarchy_ok && chars_ok
        }
    };
    if valid {
        return Ok(());
    }
    Err(Error::invalid(
        Code::BadDocumentName,
        format!("`{name}` is not a valid name for a {}", doc.store),
        "a secret name uses letters, digits and /_+=.@-; a parameter name letters, digits and /_.-, and starts with `/` when it has a path",
    ))
}

/// Lambda refuses an environment over 4 KB, and its refusal quotes the whole environment:
/// check before anything changes, so no value ever comes back in an error.
pub fn check_env_size(function: &TargetFunction, env: &BTreeMap<String, String>) -> Result<()> {
    let size = serde_json::to_string(env)
        .map(|s| s.len())
        .unwrap_or_default();
    if size <= ENV_LIMIT_BYTES {
        return Ok(());
    }
    Err(Error::refused(
        Code::EnvTooLarge,
        format!(
            "with the references, the environment of `{}` would take {size} bytes; Lambda allows {ENV_LIMIT_BYTES}",
            function.name
        ),
        "move more variables at once (each reference is shorter than most values), or shorten other variables; nothing was changed",
    ))
}

/// Lambda's limit on a function's environment variables, measured as their JSON.
const ENV_LIMIT_BYTES: usize = 4096;

/// The customer managed key an earlier expand granted `kms:Decrypt` on, from its policy.
pub fn granted_key(policy: Option<&serde_json::Value>) -> Option<String> {
    policy?["Statement"]
        .as_array()?
        .iter()
        .find(|s| s["Action"] == "kms:Decrypt")
        .and_then(|s| s["Resource"].as_str())
        .map(str::to_string)
}

/// Reference variable name → the document it points at.
pub fn references(env: &BTreeMap<String, String>) -> BTreeMap<String, DocumentRef> {
    migration::references(env)
}

/// The layers after adding the extension: unchanged when a version of it is attached already.
/// Refused when Lambda's limit would be passed.
pub fn layers_with_extension(function: &TargetFunction, layer_arn: &str) -> Result<Vec<String>> {
    if function
        .layers
        .iter()
        .any(|l| is_extension_layer(l) || l == layer_arn)
    {
        return Ok(function.layers.clone());
    }
    if function.layers.len() >= LAYER_LIMIT {
        return Err(Error::refused(
            Code::TooManyLayers,
            format!(
                "function `{}` already has {} layers, Lambda's limit, so the extension layer cannot be added",
                function.name,
                function.layers.len()
            ),
            "merge or remove a layer (`aws lambda update-function-configuration --layers …`), then re-run; nothing was changed",
        ));
    }
    let mut layers = function.layers.clone();
    layers.push(layer_arn.to_string());
    Ok(layers)
}

/// Whether the store the variables move to can be reached from inside the function.
pub fn vpc_warning(function: &TargetFunction, store: Store) -> Option<String> {
    let vpc = function.vpc_id.as_deref()?;
    let service = match store {
        Store::SecretsManager => "secretsmanager",
        Store::ParameterStore => "ssm",
    };
    Some(format!(
        "`{}` runs in VPC {vpc}: the extension reaches {store} only through an interface endpoint (com.amazonaws.<region>.{service}) or a NAT gateway. secretslab does not read EC2, so check with `aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values={vpc}`",
        function.name
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(env: &[(&str, &str)], layers: usize) -> TargetFunction {
        TargetFunction {
            name: "billing".into(),
            arn: "arn:aws:lambda:us-east-1:123456789012:function:billing".into(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            layers: (0..layers).map(|i| format!("layer-{i}")).collect(),
            ..Default::default()
        }
    }

    fn settings(vars: &[&str], flagged: bool) -> Settings {
        Settings {
            vars: vars.iter().map(|v| v.to_string()).collect(),
            flagged,
            ..Settings::new("billing")
        }
    }

    #[test]
    fn variables_must_be_present() {
        let f = function(&[("DB_PASSWORD", "x"), ("LOG_LEVEL", "INFO")], 0);
        assert_eq!(
            variables(&f, &settings(&["DB_PASSWORD"], false)).unwrap(),
            ["DB_PASSWORD"]
        );
        let err = variables(&f, &settings(&["API_KEY"], false)).unwrap_err();
        assert!(err.to_string().contains("`API_KEY`"), "{err}");
        assert!(err.help_text().unwrap().contains("`LOG_LEVEL`"));
        let moved = function(&[("DB_PASSWORD_SECRET_ID", "billing/env")], 0);
        let err = variables(&moved, &settings(&["DB_PASSWORD"], false)).unwrap_err();
        assert!(err.help_text().unwrap().contains("moved already"));
    }

    #[test]
    fn flagged_takes_the_audit_secrets() {
        let f = function(
            &[
                ("DB_PASSWORD", "Zq8#pL2!vX9@mK4$"),
                ("LOG_LEVEL", "INFO"),
                (
                    "SECRET_ARN",
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf",
                ),
            ],
            0,
        );
        assert_eq!(
            variables(&f, &settings(&[], true)).unwrap(),
            ["DB_PASSWORD"]
        );
        let clean = function(&[("LOG_LEVEL", "INFO")], 0);
        assert!(variables(&clean, &settings(&[], true)).is_err());
    }

    #[test]
    fn layer_limit_is_refused_unless_the_extension_is_there() {
        let layer = "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:24";
        assert_eq!(
            layers_with_extension(&function(&[], 4), layer)
                .unwrap()
                .len(),
            5
        );
        let err = layers_with_extension(&function(&[], 5), layer).unwrap_err();
        assert!(err.to_string().contains("5 layers"), "{err}");
        let mut with = function(&[], 4);
        with.layers.push(layer.replace(":24", ":11"));
        assert_eq!(layers_with_extension(&with, layer).unwrap(), with.layers);
    }

    #[test]
    fn vpc_warning_only_in_a_vpc() {
        let mut f = function(&[], 0);
        assert!(vpc_warning(&f, Store::SecretsManager).is_none());
        f.vpc_id = Some("vpc-0abc".into());
        let warning = vpc_warning(&f, Store::SecretsManager).unwrap();
        assert!(warning.contains("vpc-0abc") && warning.contains("secretsmanager"));
    }
}
