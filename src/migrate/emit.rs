//! `migrate FUNCTION --emit FORMAT`: the change for the owner's source, exact for this
//! function (its logical id, the region's and architecture's layer, the references in place
//! of the plaintext, the grant on the document's ARN), built by `iac` from what was observed.
//! Changes nothing in AWS; with `--template FILE`, the user's template patched.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::aws::target_function::TargetFunction;
use crate::domain::extension::env;
use crate::domain::migration::{document_arn, reference_var};
use crate::domain::owner::Owner;
use crate::error::{Code, Error, Result};
use crate::iac::change::{self, EmitFormat, FunctionChange};
use crate::iac::{cdk_py, template, FunctionSpec};
use crate::session::{Connection, Session};

use super::{owner, target, Settings};

/// What `--emit` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emit {
    pub format: EmitFormat,
    pub output: Option<PathBuf>,
    /// The user's CloudFormation or SAM template to patch.
    pub template: Option<PathBuf>,
}

/// What was emitted: the artifact's text, or where it was written.
#[derive(Debug, Clone, Serialize)]
pub struct EmitReport {
    pub function: String,
    pub owner: Owner,
    pub format: EmitFormat,
    /// What the artifact sets, in a sentence (names only).
    pub change: String,
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

impl std::fmt::Display for EmitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.content, &self.path) {
            (Some(content), _) => f.write_str(content),
            (None, Some(path)) => writeln!(
                f,
                "wrote {path} ({} for owner {})\n{}",
                self.format.id(),
                self.owner,
                self.change
            ),
            (None, None) => Ok(()),
        }
    }
}

/// Observe, build the change, render it (and write it with `--output`).
pub async fn emit(
    session: &Session,
    connection: &Connection,
    settings: &Settings,
    emit: &Emit,
) -> Result<EmitReport> {
    let aws = &connection.aws;
    let function = target::load(session, aws, &settings.function).await?;
    let seen = owner::observe(aws, &function, settings).await;
    let layer_arn = owner::layer_arn(aws, &function, settings).await?;
    let (doc, stored) = match target::seen_document(aws, &function, settings).await? {
        Some(seen) => (seen.doc, seen.stored.map(|s| s.names()).unwrap_or_default()),
        None => (target::new_document(&function, settings), Vec::new()),
    };
    let vars = match settings.vars.is_empty() && !settings.flagged && !stored.is_empty() {
        true => stored,
        false => target::variables(&function, settings)?,
    };
    let change = function_change(
        &function,
        &seen.owner,
        &layer_arn,
        &doc,
        &vars,
        &aws.region,
        settings,
    );
    let text = render(&change, emit)?;
    let mut report = EmitReport {
        function: function.name.clone(),
        owner: seen.owner,
        format: emit.format,
        change: change.summary(),
        path: None,
        content: None,
    };
    match &emit.output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| {
                Error::io(Code::WriteOutput, format!("writing {}", path.display()), e)
            })?;
            report.path = Some(path.display().to_string());
        }
        None => report.content = Some(text),
    }
    Ok(report)
}

/// The change for this function: references and the extension's settings it carries now,
/// never a value.
pub fn function_change(
    function: &TargetFunction,
    owner: &Owner,
    layer_arn: &str,
    doc: &crate::aws::migration::DocumentRef,
    vars: &[String],
    region: &str,
    settings: &Settings,
) -> FunctionChange {
    let settings_vars = [
        env::HTTP_PORT,
        env::TTL,
        env::SSM_TTL,
        env::CACHE_SIZE,
        env::LOG_LEVEL,
    ];
    let mut declared: BTreeMap<String, String> = (function.env.iter())
        .filter(|(k, _)| settings_vars.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for var in vars {
        declared.insert(reference_var(var, doc.store), doc.name.clone());
    }
    let logical_id = match owner {
        Owner::Cloudformation { logical_id, .. } => Some(logical_id.clone()),
        _ => None,
    };
    FunctionChange {
        spec: FunctionSpec {
            name: function.name.clone(),
            runtime: function
                .runtime
                .clone()
                .unwrap_or_else(|| crate::domain::kinds::Runtime::Python313.into()),
            handler: function
                .handler
                .clone()
                .unwrap_or_else(|| "index.handler".into()),
            arch: owner::arch(function),
            timeout: function.timeout.unwrap_or(3),
            memory: function.memory.unwrap_or(128),
            layer_arn: layer_arn.to_string(),
            env: declared,
        },
        logical_id,
        other_layers: (function.layers.iter())
            .filter(|l| !crate::domain::migration::is_extension_layer(l) && *l != layer_arn)
            .cloned()
            .collect(),
        role_arn: function.role_arn.clone(),
        store: doc.store,
        document_name: doc.name.clone(),
        document_arn: document_arn(doc.store, &function.arn, &doc.name),
        kms_key_arn: settings.kms_key.clone(),
        removed: vars.to_vec(),
        region: region.to_string(),
    }
}

/// The artifact's text: the format's builder, or the user's template patched.
pub fn render(change: &FunctionChange, emit: &Emit) -> Result<String> {
    let json = |value: serde_json::Value| {
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        text
    };
    match (emit.format, &emit.template) {
        (EmitFormat::Cloudformation | EmitFormat::Sam, Some(path)) => patched(change, path),
        (_, Some(_)) => Err(Error::invalid(
            Code::TemplateNeedsCloudFormation,
            "`--template` takes a CloudFormation or SAM template",
            "use it with `--emit cloudformation` or `--emit sam`",
        )),
        (EmitFormat::Cloudformation, None) => Ok(json(change::template(change, false))),
        (EmitFormat::Sam, None) => Ok(json(change::template(change, true))),
        (EmitFormat::Terraform, None) => Ok(change::terraform(change)),
        (EmitFormat::CdkTs, None) => Ok(change::cdk_ts(change)),
        (EmitFormat::CdkPy, None) => Ok(cdk_py::module(change)),
        (EmitFormat::Dockerfile, None) => Ok(change::dockerfile(change)),
    }
}

fn patched(change: &FunctionChange, path: &std::path::Path) -> Result<String> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(Code::TemplateUnreadable, format!("reading {shown}"), e))?;
    let mut template = template::parse(&text).map_err(|e| {
        Error::invalid(
            Code::TemplateInvalid,
            format!("{shown} is {e}"),
            "pass the CloudFormation or SAM template (JSON or YAML) that declares the function",
        )
    })?;
    template.patch(change).map_err(|e| {
        Error::invalid(Code::TemplateUnpatchable, format!("cannot patch {shown}: {e}"), "pass the template of the stack that owns the function (its logical id is in `secretslab audit`)")
    })?;
    Ok(template.render())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::*;
    use super::*;

    #[test]
    fn the_change_holds_references_and_settings_never_a_value() {
        let f = function(
            &[
                ("DB_PASSWORD", PASSWORD),
                ("DB_USER", "dbuser-x"),
                (env::HTTP_PORT, "2773"),
            ],
            &["arn:aws:lambda:us-east-1:1:layer:deps:1"],
        );
        let owner = Owner::Cloudformation {
            stack: "s".into(),
            logical_id: "Billing".into(),
            tool: None,
        };
        let change = function_change(
            &f,
            &owner,
            LAYER,
            &secret(),
            &["DB_PASSWORD".into()],
            "us-east-1",
            &settings(&[]),
        );
        assert_eq!(change.function_id(), "Billing");
        assert_eq!(
            change.spec.env,
            pairs(&[("DB_PASSWORD_SECRET_ID", SECRET), (env::HTTP_PORT, "2773")])
        );
        assert_eq!(
            change.layers(),
            ["arn:aws:lambda:us-east-1:1:layer:deps:1", LAYER]
        );
        for format in [
            EmitFormat::Cloudformation,
            EmitFormat::Sam,
            EmitFormat::Terraform,
            EmitFormat::CdkTs,
            EmitFormat::CdkPy,
            EmitFormat::Dockerfile,
        ] {
            let text = render(
                &change,
                &Emit {
                    format,
                    output: None,
                    template: None,
                },
            )
            .unwrap();
            assert!(
                !text.contains(PASSWORD) && !text.contains("dbuser-x"),
                "{text}"
            );
            assert!(
                text.contains(LAYER) && text.contains("DB_PASSWORD_SECRET_ID"),
                "{text}"
            );
        }
    }
}
