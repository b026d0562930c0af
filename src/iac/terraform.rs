//! Terraform HCL, built with `hcl-rs`: the lab's configuration, and the blocks one function's
//! change reuses (the function with its layer and environment, a least-privilege read policy).
//! The password is an ephemeral `random_password` written through write-only attributes, so
//! it is in neither the configuration nor the Terraform state.

use hcl::expr::{FuncCall, Traversal, Variable};
use hcl::{Block, Body, Expression, Identifier, ObjectKey};
use serde_json::{json, Value};

use crate::domain::extension::pinned_layer_note;
use crate::domain::kinds::Store;
use crate::domain::policy;
use crate::domain::simulated_db::KIND;
use crate::iac::{
    read_statements, FunctionSpec, LabModel, PolicyArns, FUNCTION_DIR, LAB_USER, PACKAGE_FILE,
    PASSWORD_LENGTH,
};

/// Where the AWS provider, `random` and `archive` start doing what this configuration uses
/// (write-only attributes need Terraform 1.11 and AWS provider 5.x's latest or 6).
pub const REQUIRED_TERRAFORM: &str = ">= 1.11";
const PROVIDERS: &[(&str, &str, &str)] = &[
    ("aws", "hashicorp/aws", ">= 6.0"),
    ("random", "hashicorp/random", ">= 3.7"),
    ("archive", "hashicorp/archive", ">= 2.4"),
];
/// Special characters of the generated password: `up`'s, without quotes and backslashes.
const PASSWORD_SPECIAL: &str = "!#$%&*()-_=+[]{}<>:?";

/// A reference such as `aws_iam_role.lab.arn` (our own resource addresses, never user input).
pub fn reference(path: &str) -> Expression {
    let mut parts = path.split('.');
    let root = Variable::unchecked(parts.next().unwrap_or_default());
    let traversal = parts.fold(Traversal::builder(root), |t, part| t.attr(part));
    traversal.build().into()
}

/// A JSON document as an HCL expression (`jsonencode` turns it back into JSON).
pub fn expression(value: &Value) -> Expression {
    hcl::to_expression(value).unwrap_or(Expression::Null)
}

fn call(name: &str, args: Vec<Expression>) -> Expression {
    let mut call = FuncCall::builder(name);
    for arg in args {
        call = call.arg(arg);
    }
    call.build().into()
}

/// `{ "KEY" = "value", … }` with quoted keys (tag keys and variable names keep their spelling).
pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Expression {
    let object: hcl::Object<ObjectKey, Expression> = pairs
        .into_iter()
        .map(|(k, v)| (ObjectKey::Expression(k.as_str().into()), v.as_str().into()))
        .collect();
    Expression::Object(object)
}

fn block(
    kind: &str,
    labels: &[&str],
    attributes: Vec<(&str, Expression)>,
    blocks: Vec<Block>,
) -> Block {
    let mut builder = Block::builder(kind);
    for label in labels {
        builder = builder.add_label(*label);
    }
    for (key, value) in attributes {
        builder = builder.add_attribute((Identifier::unchecked(key), value));
    }
    builder.add_blocks(blocks).build()
}

/// `data "aws_iam_policy_document" LABEL`: the lab's read statements, the document's (and the
/// key's) ARN as expressions of the caller's configuration.
pub fn read_policy_document(
    label: &str,
    store: Store,
    document_arn: Expression,
    kms_key_arn: Option<Expression>,
    simulated_db_arn: Option<Expression>,
) -> Block {
    const DOCUMENT: &str = "\u{0}document";
    const KEY: &str = "\u{0}key";
    const DATABASE: &str = "\u{0}database";
    let arns = PolicyArns {
        document: json!(DOCUMENT),
        kms_key: kms_key_arn.as_ref().map(|_| json!(KEY)),
        simulated_db: simulated_db_arn.as_ref().map(|_| json!(DATABASE)),
    };
    let statements = read_statements(store, arns);
    let blocks = statements
        .iter()
        .map(|statement| {
            let list = |field: &str| match &statement[field] {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let resources = list("Resource")
                .iter()
                .map(|r| match r.as_str() {
                    Some(DOCUMENT) => document_arn.clone(),
                    Some(KEY) => kms_key_arn.clone().unwrap_or(Expression::Null),
                    Some(DATABASE) => simulated_db_arn.clone().unwrap_or(Expression::Null),
                    _ => expression(r),
                })
                .collect::<Vec<_>>();
            block(
                "statement",
                &[],
                vec![
                    ("sid", expression(&statement["Sid"])),
                    ("effect", expression(&statement["Effect"])),
                    ("actions", expression(&Value::Array(list("Action")))),
                    ("resources", Expression::Array(resources)),
                ],
                vec![],
            )
        })
        .collect();
    block("data", &["aws_iam_policy_document", label], vec![], blocks)
}

/// `resource "aws_lambda_function" LABEL` for `spec`: the layer and the environment as the
/// extension needs them; `role`, `code` (attributes such as `filename`) and `layer` are the
/// caller's expressions.
pub fn function_block(
    label: &str,
    spec: &FunctionSpec,
    role: Expression,
    code: Vec<(&str, Expression)>,
    layer: Expression,
    extra: Vec<(&str, Expression)>,
) -> Block {
    let mut attributes = vec![
        ("function_name", spec.name.as_str().into()),
        ("role", role),
        ("runtime", spec.runtime.id().into()),
        ("handler", spec.handler.as_str().into()),
        (
            "architectures",
            Expression::Array(vec![spec.architecture().into()]),
        ),
        ("memory_size", spec.memory.into()),
        ("timeout", spec.timeout.into()),
    ];
    attributes.extend(code);
    attributes.push(("layers", Expression::Array(vec![layer])));
    attributes.extend(extra);
    let environment = block(
        "environment",
        &[],
        vec![("variables", string_map(&spec.env))],
        vec![],
    );
    block(
        "resource",
        &["aws_lambda_function", label],
        attributes,
        vec![environment],
    )
}

fn settings_block() -> Block {
    let providers = PROVIDERS
        .iter()
        .map(|(name, source, version)| {
            let object: hcl::Object<ObjectKey, Expression> =
                [("source", *source), ("version", *version)]
                    .into_iter()
                    .map(|(k, v)| (ObjectKey::Identifier(Identifier::unchecked(k)), v.into()))
                    .collect();
            (*name, Expression::Object(object))
        })
        .collect();
    let required = block("required_providers", &[], providers, vec![]);
    block(
        "terraform",
        &[],
        vec![("required_version", REQUIRED_TERRAFORM.into())],
        vec![required],
    )
}

fn variables(model: &LabModel) -> Vec<Block> {
    vec![
        block("variable", &["region"], vec![
            ("type", reference("string")),
            ("default", model.region.as_str().into()),
            ("description", "The region to deploy the lab to (the layer ARN must be from the same region)".into()),
        ], vec![]),
        block("variable", &["extension_layer_arn"], vec![
            ("type", reference("string")),
            ("default", model.function.layer_arn.as_str().into()),
            ("description", format!("The AWS Parameters and Secrets Lambda Extension layer for {} functions in the region, {}", model.function.architecture(), pinned_layer_note(model.function.arch)).into()),
        ], vec![]),
    ]
}

/// The password, made at apply time and never stored: an ephemeral resource.
fn credentials_value() -> (Block, Expression) {
    let password = block(
        "ephemeral",
        &["random_password", "lab"],
        vec![
            ("length", PASSWORD_LENGTH.into()),
            ("override_special", PASSWORD_SPECIAL.into()),
        ],
        vec![],
    );
    let object: hcl::Object<ObjectKey, Expression> = [
        ("username", LAB_USER.into()),
        (
            "password",
            reference("ephemeral.random_password.lab.result"),
        ),
    ]
    .into_iter()
    .map(|(k, v): (&str, Expression)| (ObjectKey::Identifier(Identifier::unchecked(k)), v))
    .collect();
    (
        password,
        call("jsonencode", vec![Expression::Object(object)]),
    )
}

fn store_blocks(model: &LabModel) -> (Vec<Block>, Expression) {
    let (password, value) = credentials_value();
    let kms = model.kms_key_arn.as_deref();
    let tags = ("tags", reference("local.tags"));
    match model.store {
        Store::SecretsManager => {
            let mut attributes = vec![
                ("name", model.names.secret.as_str().into()),
                ("description", model.names.store_description().into()),
            ];
            attributes.extend(kms.map(|k| ("kms_key_id", k.into())));
            attributes.push(tags);
            let secret = block(
                "resource",
                &["aws_secretsmanager_secret", "credentials"],
                attributes,
                vec![],
            );
            let version = block(
                "resource",
                &["aws_secretsmanager_secret_version", "credentials"],
                vec![
                    (
                        "secret_id",
                        reference("aws_secretsmanager_secret.credentials.id"),
                    ),
                    ("secret_string_wo", value),
                    ("secret_string_wo_version", 1.into()),
                ],
                vec![],
            );
            (
                vec![password, secret, version],
                reference("aws_secretsmanager_secret.credentials.arn"),
            )
        }
        Store::ParameterStore => {
            let mut attributes = vec![
                ("name", model.names.parameter.as_str().into()),
                ("description", model.names.store_description().into()),
                ("type", "SecureString".into()),
            ];
            attributes.extend(kms.map(|k| ("key_id", k.into())));
            attributes.extend([("value_wo", value), ("value_wo_version", 1.into()), tags]);
            let parameter = block(
                "resource",
                &["aws_ssm_parameter", "credentials"],
                attributes,
                vec![],
            );
            (
                vec![password, parameter],
                reference("aws_ssm_parameter.credentials.arn"),
            )
        }
    }
}

/// The lab's simulated database, accepting the generated login: its salted digest computed
/// at apply time from the same ephemeral password, written through a write-only attribute
/// (the digest the handler computes: SHA-256 of salt, username and password, one per line).
fn simulated_db_blocks(model: &LabModel) -> Vec<Block> {
    let Some(name) = &model.simulated_db else {
        return Vec::new();
    };
    let salt = block(
        "resource",
        &["random_id", "simulated_db_salt"],
        vec![("byte_length", 16.into())],
        vec![],
    );
    let digest = call(
        "sha256",
        vec![call(
            "format",
            vec![
                "%s\n%s\n%s".into(),
                reference("random_id.simulated_db_salt.hex"),
                LAB_USER.into(),
                reference("ephemeral.random_password.lab.result"),
            ],
        )],
    );
    let object = |pairs: Vec<(&str, Expression)>| -> Expression {
        let object: hcl::Object<ObjectKey, Expression> = pairs
            .into_iter()
            .map(|(k, v)| (ObjectKey::Identifier(Identifier::unchecked(k)), v))
            .collect();
        Expression::Object(object)
    };
    let document = object(vec![
        ("kind", KIND.into()),
        ("salt", reference("random_id.simulated_db_salt.hex")),
        (
            "accepted",
            Expression::Array(vec![object(vec![("digest", digest)])]),
        ),
    ]);
    let parameter = block(
        "resource",
        &["aws_ssm_parameter", "simulated_db"],
        vec![
            ("name", name.as_str().into()),
            ("description", model.names.simulated_db_description().into()),
            ("type", "SecureString".into()),
            ("value_wo", call("jsonencode", vec![document])),
            ("value_wo_version", 1.into()),
            ("tags", reference("local.tags")),
        ],
        vec![],
    );
    vec![salt, parameter]
}

fn iam_blocks(model: &LabModel, document_arn: Expression) -> Vec<Block> {
    let kms = model.kms_key_arn.as_deref().map(Expression::from);
    let basic = policy::basic_execution_policy_arn("%s");
    vec![
        read_policy_document(
            "read",
            model.store,
            document_arn,
            kms,
            model
                .simulated_db
                .as_ref()
                .map(|_| reference("aws_ssm_parameter.simulated_db.arn")),
        ),
        block(
            "resource",
            &["aws_iam_policy", "read"],
            vec![
                ("name", model.names.policy.as_str().into()),
                ("description", model.policy_description().into()),
                (
                    "policy",
                    reference("data.aws_iam_policy_document.read.json"),
                ),
                ("tags", reference("local.tags")),
            ],
            vec![],
        ),
        block(
            "resource",
            &["aws_iam_role", "lab"],
            vec![
                ("name", model.names.role.as_str().into()),
                (
                    "assume_role_policy",
                    call("jsonencode", vec![expression(&policy::trust_policy())]),
                ),
                ("tags", reference("local.tags")),
            ],
            vec![],
        ),
        block("data", &["aws_partition", "current"], vec![], vec![]),
        block(
            "resource",
            &["aws_iam_role_policy_attachment", "basic"],
            vec![
                ("role", reference("aws_iam_role.lab.name")),
                (
                    "policy_arn",
                    call(
                        "format",
                        vec![
                            basic.as_str().into(),
                            reference("data.aws_partition.current.partition"),
                        ],
                    ),
                ),
            ],
            vec![],
        ),
        block(
            "resource",
            &["aws_iam_role_policy_attachment", "read"],
            vec![
                ("role", reference("aws_iam_role.lab.name")),
                ("policy_arn", reference("aws_iam_policy.read.arn")),
            ],
            vec![],
        ),
    ]
}

fn function_blocks(model: &LabModel) -> Vec<Block> {
    let in_module = |file: &str| {
        call(
            "format",
            vec!["%s/%s".into(), reference("path.module"), file.into()],
        )
    };
    let archive = block(
        "data",
        &["archive_file", "function"],
        vec![
            ("type", "zip".into()),
            ("source_dir", in_module(FUNCTION_DIR)),
            ("output_path", in_module(PACKAGE_FILE)),
        ],
        vec![],
    );
    let log_group = block(
        "resource",
        &["aws_cloudwatch_log_group", "lab"],
        vec![
            ("name", model.names.log_group.as_str().into()),
            ("retention_in_days", model.log_retention_days.into()),
            ("tags", reference("local.tags")),
        ],
        vec![],
    );
    let function = function_block(
        "lab",
        &model.function,
        reference("aws_iam_role.lab.arn"),
        vec![
            (
                "filename",
                reference("data.archive_file.function.output_path"),
            ),
            (
                "source_code_hash",
                reference("data.archive_file.function.output_base64sha256"),
            ),
        ],
        reference("var.extension_layer_arn"),
        vec![
            ("description", model.function_description().into()),
            ("tags", reference("local.tags")),
            (
                "depends_on",
                Expression::Array(vec![
                    reference("aws_cloudwatch_log_group.lab"),
                    reference("aws_iam_role_policy_attachment.basic"),
                    reference("aws_iam_role_policy_attachment.read"),
                ]),
            ),
        ],
    );
    vec![archive, log_group, function]
}

fn outputs(model: &LabModel) -> Vec<Block> {
    let store = match model.store {
        Store::SecretsManager => "aws_secretsmanager_secret.credentials.arn",
        Store::ParameterStore => "aws_ssm_parameter.credentials.arn",
    };
    [
        ("function_arn", "aws_lambda_function.lab.arn"),
        ("role_arn", "aws_iam_role.lab.arn"),
        ("policy_arn", "aws_iam_policy.read.arn"),
        ("store_arn", store),
    ]
    .into_iter()
    .map(|(name, value)| block("output", &[name], vec![("value", reference(value))], vec![]))
    .collect()
}

/// The lab as one Terraform configuration.
pub fn configuration(model: &LabModel) -> Body {
    let tags = model.tags();
    let mut blocks = vec![
        settings_block(),
        block(
            "provider",
            &["aws"],
            vec![("region", reference("var.region"))],
            vec![],
        ),
    ];
    blocks.extend(variables(model));
    blocks.push(block(
        "locals",
        &[],
        vec![("tags", string_map(tags.iter().map(|(k, v)| (k, v))))],
        vec![],
    ));
    let (store, document_arn) = store_blocks(model);
    blocks.extend(store);
    blocks.extend(simulated_db_blocks(model));
    blocks.extend(iam_blocks(model, document_arn));
    blocks.extend(function_blocks(model));
    blocks.extend(outputs(model));
    Body::builder().add_blocks(blocks).build()
}

/// The configuration as formatted HCL text.
pub fn render(body: &Body) -> String {
    hcl::format::to_string(body).unwrap_or_default()
}

#[cfg(test)]
mod tests;
