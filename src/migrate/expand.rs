//! Expand: the grant and the document first, the function last. Until the function changes,
//! the plaintext is all the code reads; after, it reads either. A kill between two steps
//! leaves the plaintext in place, and the next run does only what is missing. Everything
//! that can refuse is checked before the first change.

use crate::aws::layer;
use crate::aws::role;
use crate::domain::extension::{env::HTTP_PORT, ExtensionSettings};
use crate::domain::kinds::Arch;
use crate::domain::migration::{
    document_arn, document_tags, evidence_baseline, policy_name, read_policy, reference_var,
};
use crate::domain::policy::same_policy;
use crate::error::{Error, Result};

use super::report::MigrationReport;
use super::{snippets, target, Job};
use crate::aws::migration::Values;

pub async fn run(job: Job<'_>) -> Result<MigrationReport> {
    let (session, connection, settings, function) = job.parts();
    let aws = &connection.aws;
    check_kms_key(settings.kms_key.as_deref())?;
    let vars = target::variables(&function, settings)?;
    let doc = target::new_document(&function, settings);
    target::check_document_name(&doc)?;
    // One document per function: a second one would need a second grant, and the policy
    // (one per function) would stop granting the first.
    if let Some(other) = target::references(&function.env)
        .into_values()
        .find(|d| *d != doc)
    {
        return Err(Error::refused(
            format!(
                "`{}` already reads {} through its references",
                function.name,
                other.describe()
            ),
            format!(
                "migrate keeps one document per function: pass `--store {} --secret-name {}` to add variables to it; nothing was changed",
                other.store, other.name
            ),
        ));
    }
    let found = doc.find(aws).await?;
    if let Some(found) = &found {
        target::refuse_foreign(&doc, found, &function)?;
    }
    // What a live document holds, read now: a refusal here still leaves nothing changed.
    let stored = match &found {
        Some(found) if !found.scheduled_for_deletion => Some(doc.read(aws).await?),
        _ => None,
    };
    connection.refuse_unserved_store(doc.store)?;
    let arch = match function.architecture.as_str() {
        "arm64" => Arch::Arm64,
        _ => Arch::X86_64,
    };
    let layer_arn =
        layer::resolve_layer(&aws.ssm, &aws.region, arch, settings.layer_arn.as_deref())
            .await?
            .arn;
    let layers = target::layers_with_extension(&function, &layer_arn)?;
    let added_layer = (layers != function.layers).then_some(layer_arn.as_str());

    // The environment after expand: every variable kept, a reference beside each moved one,
    // and locally the port of the function's own stand-in.
    let mut env = function.env.clone();
    let mut added_env = Vec::new();
    if connection.emulator.is_some() && !env.contains_key(HTTP_PORT) {
        let port = crate::local::process::free_port()
            .map_err(|e| Error::io("finding a free port for the local extension", e))?;
        env.insert(HTTP_PORT.to_string(), port.to_string());
        added_env.push(HTTP_PORT.to_string());
    }
    for var in &vars {
        env.insert(reference_var(var, doc.store), doc.name.clone());
    }
    target::check_env_size(&function, &env)?;
    let values = Values(
        vars.iter()
            .map(|v| (v.clone(), function.env[v].clone()))
            .collect(),
    );

    let role_name = function.role_name().to_string();
    let policy = policy_name(&function.name);
    let current = role::get_inline_policy(&aws.iam, &role_name, &policy)
        .await
        .map_err(|e| access_refusal(e, &role_name))?;
    // A key granted by an earlier run stays granted (and keeps encrypting the document).
    let kms_key = settings
        .kms_key
        .clone()
        .or_else(|| target::granted_key(current.as_ref()));
    let document = read_policy(
        doc.store,
        &document_arn(doc.store, &function.arn, &doc.name),
        kms_key.as_deref(),
    );

    let mut report = MigrationReport::new(
        &function.name,
        settings.phase,
        settings.dry_run,
        doc.clone(),
    );
    report.variables = vars.clone();
    report
        .warnings
        .extend(target::vpc_warning(&function, doc.store));
    report.handler_change = Some(snippets::handler_change(
        function.runtime.as_deref(),
        doc.store,
        &vars,
    ));
    let dry_run = settings.dry_run;

    // 1. The grant, before anything exists: refused here, nothing is left half-done.
    let grant = format!(
        "role `{role_name}` may read {} (inline policy `{policy}`)",
        doc.describe()
    );
    if current.is_some_and(|c| same_policy(&c, &document)) {
        report.unchanged(grant);
    } else {
        report.will(grant);
        if !dry_run {
            session
                .progress
                .step(format!("granting role `{role_name}` read on the document"));
            role::put_inline_policy(&aws.iam, &role_name, &policy, &document)
                .await
                .map_err(|e| access_refusal(e, &role_name))?;
        }
    }

    // 2. The document holds the values the environment holds now, and no stale ones.
    let served = connection
        .extension_counters_for(session, &function.name)
        .map(|stats| stats.served)
        .unwrap_or_default();
    let baseline = evidence_baseline(&function.code_sha256, served);
    let write_key = kms_key
        .as_deref()
        .or(found.as_ref().and_then(|f| f.key_id.as_deref()));
    match (&found, stored) {
        (None, _) => {
            report.will(format!(
                "{} created with {} variable(s)",
                doc.describe(),
                vars.len()
            ));
            if !dry_run {
                session
                    .progress
                    .step(format!("creating {}", doc.describe()));
                let tags = document_tags(&function.arn, added_layer, &added_env, &baseline);
                let created = doc
                    .create(aws, &values, kms_key.as_deref(), &tags, &function.name)
                    .await?;
                if !created {
                    return Err(Error::refused(
                        format!("{} appeared while migrate was creating it", doc.describe()),
                        "nothing was lost: re-run the same command, it reads the document again",
                    ));
                }
            }
        }
        (Some(_), None) => {
            // Scheduled for deletion by a rollback: it comes back holding exactly these values.
            report.will(format!(
                "{} restored with {} variable(s)",
                doc.describe(),
                vars.len()
            ));
            if !dry_run {
                doc.restore(aws).await?;
                doc.write(aws, &values, write_key).await?;
            }
        }
        (Some(_), Some(stored)) => {
            // Keep what other references still read; these variables take today's values.
            let mut merged = Values(
                stored
                    .0
                    .iter()
                    .filter(|(k, _)| env.get(&reference_var(k, doc.store)) == Some(&doc.name))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            );
            merged.0.extend(values.0.clone());
            if merged == stored {
                report.unchanged(format!("{} holds the current values", doc.describe()));
            } else {
                report.will(format!(
                    "{} updated with the current values",
                    doc.describe()
                ));
                if !dry_run {
                    doc.write(aws, &merged, write_key).await?;
                }
            }
        }
    }

    // 3. The function: references beside the plaintext, and the layer.
    let references: Vec<String> = vars.iter().map(|v| reference_var(v, doc.store)).collect();
    let mut change = format!(
        "function: {} set beside the plaintext",
        references.join(", ")
    );
    if let Some(layer) = added_layer {
        change.push_str(&format!("; extension layer `{layer}` attached"));
    }
    if !added_env.is_empty() {
        change.push_str(&format!(
            "; {} for its local extension",
            added_env.join(", ")
        ));
    }
    if env == function.env && layers == function.layers {
        report.unchanged(change);
    } else {
        report.will(change);
        if !dry_run {
            if found.is_some() {
                // New references: what `--finish` will take as evidence starts from now.
                doc.retag(aws, &baseline).await?;
            }
            session
                .progress
                .step(format!("updating function `{}`", function.name));
            crate::aws::target_function::update_env_and_layers(
                &aws.lambda,
                &function,
                &env,
                &layers,
            )
            .await?;
        }
    }
    if !dry_run {
        let extension = ExtensionSettings::from_env(&env);
        connection.ensure_extension_for(session, &function.name, &extension, doc.store)?;
    }
    let name = &function.name;
    report.next = vec![
        "change the handler as shown, deploy it, and invoke the function: it reads the references now".into(),
        format!("then `secretslab migrate {name} --finish` removes the plaintext (`--alias NAME` also publishes a version and moves the alias)"),
        format!("or `secretslab migrate {name} --rollback` undoes all of this"),
    ];
    Ok(report)
}

/// `kms:Decrypt` is granted on the key itself, so the policy needs its ARN.
fn check_kms_key(key: Option<&str>) -> Result<()> {
    match key {
        Some(key) if !(key.starts_with("arn:") && key.contains(":key/")) => Err(Error::invalid(
            format!("`--kms-key {key}` is not a KMS key ARN"),
            "pass the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/ID): the role's policy grants kms:Decrypt on exactly that key",
        )),
        _ => Ok(()),
    }
}

/// IAM said no: say which permission is missing, and that nothing was created.
fn access_refusal(err: Error, role: &str) -> Error {
    match err {
        Error::AccessDenied { detail, .. } => Error::refused(
            format!("access denied on role `{role}`: {detail}"),
            format!("the identity in use needs iam:GetRolePolicy and iam:PutRolePolicy on `{role}` (ask its owner, or use a profile that has them); nothing was changed"),
        ),
        other => other,
    }
}
