//! One function's change as its owner's source must carry it (`migrate --emit`, DESIGN §12):
//! the extension layer, the reference variables in place of the plaintext ones, and a
//! least-privilege read grant for the function's role, as a CloudFormation or SAM template,
//! Terraform, CDK (TypeScript; Python in [`super::cdk_py`]) or Dockerfile lines. Names, ARNs
//! and settings only: a value never enters a change.

use std::collections::BTreeMap;

use hcl::{Block, Body, Expression};
use serde_json::{json, Value};

use crate::domain::extension::pinned_layer_note;
use crate::domain::kinds::Store;
use crate::domain::migration;
use crate::iac::cdk::{self, Ts};
use crate::iac::cloudformation::{self as cfn, reference};
use crate::iac::{sam, terraform, FunctionSpec};

/// The formats `migrate --emit` writes (variants without doc comments keep `--help` short).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EmitFormat {
    // A CloudFormation template (JSON; with --template, the user's template patched)
    Cloudformation,
    // An AWS SAM template (JSON; with --template, the user's template patched)
    Sam,
    // Terraform HCL for the function's resource and a role policy
    Terraform,
    // AWS CDK in TypeScript: `paramsAndSecrets`, the environment, the grant
    #[value(name = "cdk-ts")]
    CdkTs,
    // AWS CDK in Python: `params_and_secrets`, the environment, the grant
    #[value(name = "cdk-py")]
    CdkPy,
    // Dockerfile lines that bake the extension into /opt (container-image functions)
    Dockerfile,
}

impl EmitFormat {
    pub fn id(self) -> &'static str {
        match self {
            Self::Cloudformation => "cloudformation",
            Self::Sam => "sam",
            Self::Terraform => "terraform",
            Self::CdkTs => "cdk-ts",
            Self::CdkPy => "cdk-py",
            Self::Dockerfile => "dockerfile",
        }
    }
}

/// What the owner's source must say of one function after its variables moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionChange {
    /// The function as it is declared (its environment: references and extension settings).
    pub spec: FunctionSpec,
    /// The stack's logical id, when CloudFormation owns the function.
    pub logical_id: Option<String>,
    /// The function's current layers besides the extension's (kept as they are).
    pub other_layers: Vec<String>,
    pub role_arn: String,
    pub store: Store,
    pub document_name: String,
    /// The document's ARN as the read grant names it.
    pub document_arn: String,
    pub kms_key_arn: Option<String>,
    /// The plaintext variables that leave the environment.
    pub removed: Vec<String>,
    pub region: String,
}

impl FunctionChange {
    /// The role's name, the last part of its ARN.
    pub fn role_name(&self) -> &str {
        self.role_arn.rsplit('/').next().unwrap_or_default()
    }

    /// The logical id a template gives the function: the stack's, else one made from its name.
    pub fn function_id(&self) -> String {
        self.logical_id
            .clone()
            .unwrap_or_else(|| format!("{}Function", pascal(&self.spec.name)))
    }

    /// The logical id of the read grant, where it is a resource of its own.
    pub fn policy_id(&self) -> String {
        format!("{}ReadMovedVariables", self.function_id())
    }

    /// The grant's policy name (never migrate's own inline policy's: rollback removes that one).
    pub fn policy_name(&self) -> String {
        let mut name = format!("{}-read-moved-variables", self.spec.name);
        name.truncate(128);
        name
    }

    /// Every layer the function has after the change, the extension's last.
    pub fn layers(&self) -> Vec<String> {
        let mut layers = self.other_layers.clone();
        layers.push(self.spec.layer_arn.clone());
        layers
    }

    /// The read grant as a policy document on the document's (and key's) literal ARN: the
    /// very grant `migrate` gives the role itself.
    pub fn policy_document(&self) -> Value {
        let key = self.kms_key_arn.as_deref();
        migration::read_policy(self.store, &self.document_arn, key)
    }

    /// The grant's statements, each a flat object.
    pub fn statements(&self) -> Vec<Value> {
        match self.policy_document()["Statement"].take() {
            Value::Array(statements) => statements,
            _ => Vec::new(),
        }
    }

    /// The Terraform resource address this change is written for.
    pub fn terraform_label(&self) -> String {
        let label: String = (self.spec.name.chars())
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        match label.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => label,
            _ => format!("fn_{label}"),
        }
    }

    /// What to do by hand besides what the artifact sets.
    pub fn summary(&self) -> String {
        let removed = match self.removed.is_empty() {
            true => String::new(),
            false => format!("remove {} from its environment; ", self.removed.join(", ")),
        };
        format!(
            "function `{}` ({}): {removed}set {}; add layer {} ({}); grant role `{}` read of {} `{}` only",
            self.spec.name,
            self.function_id(),
            self.spec.env.keys().cloned().collect::<Vec<_>>().join(", "),
            self.spec.layer_arn,
            pinned_layer_note(self.spec.arch),
            self.role_name(),
            self.store,
            self.document_name
        )
    }
}

/// `orders-api_v2` → `OrdersApiV2`.
fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

/// An `AWS::IAM::Policy` granting the function's role read of the document.
pub fn policy_resource(change: &FunctionChange, role: Value) -> Value {
    json!({
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyName": change.policy_name(),
            "Roles": [role],
            "PolicyDocument": change.policy_document(),
        }
    })
}

/// The metadata that says what the artifact is and what leaves the environment.
fn metadata(change: &FunctionChange) -> Value {
    json!({ "secretslab": { "change": change.summary(), "removed_variables": change.removed } })
}

/// A CloudFormation (or, with `serverless`, SAM) template with the function as it must be
/// declared (its code from `CodeBucket`/`CodeKey`) and the read grant on its role.
pub fn template(change: &FunctionChange, serverless: bool) -> Value {
    let role = json!(change.role_arn);
    let layers: Vec<Value> = change.layers().into_iter().map(Value::from).collect();
    let code = json!({"S3Bucket": reference("CodeBucket"), "S3Key": reference("CodeKey")});
    let (kind, mut properties) = match serverless {
        false => {
            let p = cfn::function_properties(&change.spec, role, code, json!(null));
            ("AWS::Lambda::Function", Value::Object(p))
        }
        true => {
            let mut p = sam::function_properties(&change.spec, role, "", json!(null));
            p["CodeUri"] = json!({"Bucket": reference("CodeBucket"), "Key": reference("CodeKey")});
            ("AWS::Serverless::Function", p)
        }
    };
    properties["Layers"] = Value::Array(layers);
    let mut doc = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("The change `secretslab migrate` made to function `{}`, for its template", change.spec.name),
        "Parameters": {
            "CodeBucket": {"Type": "String", "Description": "The S3 bucket of the function's code"},
            "CodeKey": {"Type": "String", "Description": "The key of the function's code"},
        },
        "Resources": {
            change.function_id(): {"Type": kind, "Metadata": metadata(change), "Properties": properties},
            change.policy_id(): policy_resource(change, json!(change.role_name())),
        },
    });
    if serverless {
        doc["Transform"] = json!(sam::TRANSFORM);
    }
    doc
}

/// Terraform: the function's resource (layers and environment as they must be) and an
/// `aws_iam_role_policy` granting read of the document; a comment says what to remove.
pub fn terraform(change: &FunctionChange) -> String {
    let label = change.terraform_label();
    let policy_label = format!("{label}_read_moved_variables");
    let policy = hcl::expr::FuncCall::builder("jsonencode")
        .arg(terraform::expression(&change.policy_document()))
        .build();
    let layers: Vec<Expression> = change.layers().iter().map(|l| l.as_str().into()).collect();
    let mut function = terraform::function_block(
        &label,
        &change.spec,
        change.role_arn.as_str().into(),
        vec![],
        Expression::Null,
        vec![],
    );
    function
        .body
        .attributes_mut()
        .filter(|a| a.key.as_str() == "layers")
        .for_each(|a| a.expr = Expression::Array(layers.clone()));
    let grant = Block::builder("resource")
        .add_label("aws_iam_role_policy")
        .add_label(&policy_label)
        .add_attribute(("name", change.policy_name()))
        .add_attribute(("role", change.role_name()))
        .add_attribute(("policy", Expression::from(policy)))
        .build();
    let body = Body::builder().add_blocks([function, grant]).build();
    let mut text = format!(
        "# secretslab migrate: merge into aws_lambda_function.{label} (keep your code and other attributes).\n# {}\n\n",
        change.summary()
    );
    text.push_str(&terraform::render(&body));
    text
}

/// CDK TypeScript: the environment and `paramsAndSecrets` for the function's props, and the
/// read statements added to its role.
pub fn cdk_ts(change: &FunctionChange) -> String {
    let environment: BTreeMap<&String, &String> = change.spec.env.iter().collect();
    let statements = change.statements().into_iter().map(|s| {
        let list = |value: &Value| match value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        Ts::New(
            "iam.PolicyStatement",
            vec![Ts::Object(vec![
                ("sid", Ts::Lit(s["Sid"].clone())),
                ("effect", Ts::Name("iam.Effect.ALLOW")),
                ("actions", Ts::Lit(Value::Array(list(&s["Action"])))),
                ("resources", Ts::Lit(Value::Array(list(&s["Resource"])))),
            ])],
        )
    });
    let mut out = format!(
        "// secretslab migrate: the change to function `{}` ({}).\n// {}\n",
        change.spec.name,
        change.function_id(),
        change.summary()
    );
    out.push_str("import { Duration } from \"aws-cdk-lib\";\nimport * as iam from \"aws-cdk-lib/aws-iam\";\nimport * as lambda from \"aws-cdk-lib/aws-lambda\";\n\n");
    out.push_str("/** The function's `environment` (without the removed variables). */\n");
    out.push_str(&format!(
        "export const environment: Record<string, string> = {};\n\n",
        Ts::lit(environment).render(0)
    ));
    out.push_str("/** The function's `paramsAndSecrets`: the extension layer for its region and architecture. */\n");
    out.push_str(&format!(
        "export const paramsAndSecrets = {};\n\n",
        cdk::params_and_secrets(&change.spec).render(0)
    ));
    out.push_str("/** After the function is defined: its role may read the document, and nothing else. */\nexport function grantRead(fn: lambda.IFunction): void {\n");
    for statement in statements {
        out.push_str(&format!("  fn.addToRolePolicy({});\n", statement.render(1)));
    }
    out.push_str("}\n");
    out
}

/// Dockerfile lines for a container-image function: the extension's layer zip unpacked into
/// `/opt` in a build stage, copied into the function's image, and the reference variables.
pub fn dockerfile(change: &FunctionChange) -> String {
    let arn = &change.spec.layer_arn;
    let mut out = format!(
        "# secretslab migrate: function `{}` is a container image, which takes no layers: bake the\n# AWS Parameters and Secrets Lambda Extension into /opt instead. First, beside the Dockerfile:\n#   curl -fsSL -o extension.zip \"$(aws lambda get-layer-version-by-arn --region {} --arn {arn} --query Content.Location --output text)\"\n",
        change.spec.name, change.region
    );
    out.push_str(
        "FROM public.ecr.aws/amazonlinux/amazonlinux:2023 AS parameters-and-secrets-extension\n",
    );
    out.push_str("RUN dnf install -y unzip && dnf clean all\n");
    out.push_str("COPY extension.zip /tmp/extension.zip\n");
    out.push_str("RUN mkdir -p /opt && unzip /tmp/extension.zip -d /opt\n\n");
    out.push_str("# In the function's own stage (after its FROM):\n");
    out.push_str("COPY --from=parameters-and-secrets-extension /opt /opt\n");
    for (name, value) in &change.spec.env {
        out.push_str(&format!("ENV {name}={}\n", shell_word(value)));
    }
    if !change.removed.is_empty() {
        out.push_str(&format!(
            "# And set no {} in the image or the function's configuration.\n",
            change.removed.join(", ")
        ));
    }
    out
}

/// A word as a Dockerfile `ENV` value: quoted when it holds anything but safe characters.
fn shell_word(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/_.-:@+=".contains(c);
    match !value.is_empty() && value.chars().all(safe) {
        true => value.to_string(),
        false => serde_json::to_string(value).unwrap_or_default(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::kinds::Arch;

    pub fn change() -> FunctionChange {
        FunctionChange {
            spec: FunctionSpec {
                name: "orders-api".into(),
                runtime: crate::domain::kinds::Runtime::Python313.into(),
                handler: "index.handler".into(),
                arch: Arch::X86_64,
                timeout: 10,
                memory: 256,
                layer_arn: "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:24".into(),
                env: [("DB_PASSWORD_SECRET_ID".to_string(), "orders-api/env".to_string())].into(),
            },
            logical_id: Some("OrdersHandler".into()),
            other_layers: vec!["arn:aws:lambda:us-east-1:123456789012:layer:deps:3".into()],
            role_arn: "arn:aws:iam::123456789012:role/orders-role".into(),
            store: Store::SecretsManager,
            document_name: "orders-api/env".into(),
            document_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-api/env-??????".into(),
            kms_key_arn: None,
            removed: vec!["DB_PASSWORD".into()],
            region: "us-east-1".into(),
        }
    }

    #[test]
    fn the_template_declares_the_function_and_its_grant() {
        let change = change();
        let doc = template(&change, false);
        let function = &doc["Resources"]["OrdersHandler"];
        assert_eq!(function["Type"], "AWS::Lambda::Function");
        let properties = &function["Properties"];
        assert_eq!(
            properties["Environment"]["Variables"],
            json!({"DB_PASSWORD_SECRET_ID": "orders-api/env"})
        );
        assert_eq!(properties["Layers"], json!(change.layers()));
        let policy = &doc["Resources"]["OrdersHandlerReadMovedVariables"]["Properties"];
        assert_eq!(policy["Roles"], json!(["orders-role"]));
        let statement = &policy["PolicyDocument"]["Statement"][0];
        assert_eq!(statement["Resource"], change.document_arn.as_str());
        assert_eq!(
            statement["Action"],
            json!(["secretsmanager:GetSecretValue"])
        );
        let sam = template(&change, true);
        assert_eq!(
            sam["Resources"]["OrdersHandler"]["Type"],
            "AWS::Serverless::Function"
        );
        assert_eq!(sam["Transform"], sam::TRANSFORM);
    }

    #[test]
    fn terraform_names_the_address_and_parses() {
        let text = terraform(&change());
        assert!(text.contains("aws_lambda_function.orders_api"), "{text}");
        let body: Body = hcl::from_str(&text).unwrap();
        assert_eq!(body.blocks().count(), 2);
        assert!(text.contains("DB_PASSWORD_SECRET_ID") && text.contains("deps:3"));
    }

    #[test]
    fn cdk_and_dockerfile_carry_the_layer_and_the_reference() {
        let change = change();
        let ts = cdk_ts(&change);
        assert!(
            ts.contains("fromVersionArn(\"arn:aws:lambda:us-east-1:177933569100"),
            "{ts}"
        );
        assert!(
            ts.contains("fn.addToRolePolicy(new iam.PolicyStatement"),
            "{ts}"
        );
        let docker = dockerfile(&change);
        assert!(docker.contains("COPY --from=parameters-and-secrets-extension /opt /opt"));
        assert!(
            docker.contains("ENV DB_PASSWORD_SECRET_ID=orders-api/env"),
            "{docker}"
        );
        assert!(docker.contains("set no DB_PASSWORD"));
    }
}
