//! CDK TypeScript through a small typed builder: code is made of constructors, calls, objects
//! and names we write; every value from the lab (names, ARNs, settings) is a literal
//! serialized with `serde_json`, which is valid TypeScript. The lab as one app; the function
//! with `paramsAndSecrets` and a read grant for one function's change.

use serde_json::{json, Value};

use crate::domain::extension::pinned_layer_note;
use crate::domain::kinds::Store;
use crate::domain::runtime::Language;
use crate::iac::{
    empty_simulated_db, read_statements, FunctionSpec, LabModel, PolicyArns, FUNCTION_DIR,
    LAB_USER, PASSWORD_EXCLUDED, PASSWORD_LENGTH,
};

/// A TypeScript expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Ts {
    /// A literal, serialized with `serde_json`.
    Lit(Value),
    /// A name or member path written by secretslab itself (`lambda.Runtime`, `secret.secretArn`).
    Name(&'static str),
    /// `new Class(args)`
    New(&'static str, Vec<Ts>),
    /// `callee(args)`
    Call(&'static str, Vec<Ts>),
    /// `{ key: value, … }` with identifier keys.
    Object(Vec<(&'static str, Ts)>),
    Array(Vec<Ts>),
}

impl Ts {
    pub fn lit(value: impl serde::Serialize) -> Self {
        Ts::Lit(serde_json::to_value(value).unwrap_or(Value::Null))
    }

    /// The expression as TypeScript, continuation lines indented by `indent` levels.
    pub fn render(&self, indent: usize) -> String {
        let pad = "  ".repeat(indent + 1);
        let close = "  ".repeat(indent);
        match self {
            Ts::Lit(value) => serde_json::to_string(value).unwrap_or_default(),
            Ts::Name(name) => (*name).to_string(),
            Ts::New(class, args) => format!("new {class}({})", render_args(args, indent)),
            Ts::Call(callee, args) => format!("{callee}({})", render_args(args, indent)),
            Ts::Object(fields) if fields.is_empty() => "{}".into(),
            Ts::Object(fields) => {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(key, value)| format!("{pad}{key}: {},\n", value.render(indent + 1)))
                    .collect();
                format!("{{\n{}{close}}}", body.concat())
            }
            Ts::Array(items) if items.is_empty() => "[]".into(),
            Ts::Array(items) => {
                let body: Vec<String> = items
                    .iter()
                    .map(|item| format!("{pad}{},\n", item.render(indent + 1)))
                    .collect();
                format!("[\n{}{close}]", body.concat())
            }
        }
    }
}

fn render_args(args: &[Ts], indent: usize) -> String {
    let rendered: Vec<String> = args.iter().map(|a| a.render(indent)).collect();
    rendered.join(", ")
}

/// One statement of the stack's constructor.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Const(&'static str, Ts),
    Expr(Ts),
}

impl Statement {
    fn render(&self, indent: usize) -> String {
        let pad = "  ".repeat(indent);
        match self {
            Statement::Const(name, value) => {
                format!("{pad}const {name} = {};\n", value.render(indent))
            }
            Statement::Expr(value) => format!("{pad}{};\n", value.render(indent)),
        }
    }
}

fn seconds(value: u16) -> Ts {
    Ts::Call("Duration.seconds", vec![Ts::lit(value)])
}

/// `paramsAndSecrets`: the extension layer by ARN with the lab's settings.
pub fn params_and_secrets(spec: &FunctionSpec) -> Ts {
    let settings = spec.extension();
    Ts::Call(
        "lambda.ParamsAndSecretsLayerVersion.fromVersionArn",
        vec![
            Ts::lit(&spec.layer_arn),
            Ts::Object(vec![
                ("cacheSize", Ts::lit(settings.cache_size)),
                ("httpPort", Ts::lit(settings.port)),
                ("logLevel", Ts::Name("lambda.ParamsAndSecretsLogLevel.INFO")),
                ("secretsManagerTtl", seconds(settings.ttl_seconds)),
                ("parameterStoreTtl", seconds(settings.ssm_ttl_seconds)),
            ]),
        ],
    )
}

/// The function's props: `paramsAndSecrets` writes the extension's own variables, so the
/// environment keeps only the reference to the document.
pub fn function_props(
    spec: &FunctionSpec,
    role: Ts,
    code: Ts,
    extra: Vec<(&'static str, Ts)>,
) -> Ts {
    use crate::domain::extension::env;
    let settings = [
        env::HTTP_PORT,
        env::TTL,
        env::SSM_TTL,
        env::CACHE_SIZE,
        env::LOG_LEVEL,
    ];
    let reference: serde_json::Map<String, Value> = spec
        .env
        .iter()
        .filter(|(key, _)| !settings.contains(&key.as_str()))
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let architecture = match spec.arch {
        crate::domain::kinds::Arch::X86_64 => "lambda.Architecture.X86_64",
        crate::domain::kinds::Arch::Arm64 => "lambda.Architecture.ARM_64",
    };
    let mut fields = vec![
        ("functionName", Ts::lit(&spec.name)),
        (
            "runtime",
            Ts::New(
                "lambda.Runtime",
                vec![
                    Ts::lit(&spec.runtime),
                    Ts::Name(runtime_family(spec.runtime.language())),
                ],
            ),
        ),
        ("handler", Ts::lit(&spec.handler)),
        ("architecture", Ts::Name(architecture)),
        ("memorySize", Ts::lit(spec.memory)),
        (
            "timeout",
            Ts::Call("Duration.seconds", vec![Ts::lit(spec.timeout)]),
        ),
        ("code", code),
        ("role", role),
        ("environment", Ts::Lit(Value::Object(reference))),
        ("paramsAndSecrets", params_and_secrets(spec)),
    ];
    fields.extend(extra);
    Ts::Object(fields)
}

/// The CDK's `lambda.RuntimeFamily` of a language.
fn runtime_family(language: Language) -> &'static str {
    match language {
        Language::Python => "lambda.RuntimeFamily.PYTHON",
        Language::Nodejs => "lambda.RuntimeFamily.NODEJS",
        Language::Java => "lambda.RuntimeFamily.JAVA",
        Language::Dotnet => "lambda.RuntimeFamily.DOTNET_CORE",
        Language::Ruby => "lambda.RuntimeFamily.RUBY",
        Language::Custom | Language::Unknown => "lambda.RuntimeFamily.OTHER",
    }
}

/// `new iam.PolicyStatement(...)` for each of the lab's read statements, the document's ARN
/// (and the key's) as expressions of the app.
pub fn read_policy_statements(
    store: Store,
    document_arn: Ts,
    kms_key_arn: Option<&str>,
    simulated_db_arn: Option<Ts>,
) -> Vec<Ts> {
    const DOCUMENT: &str = "\u{0}document";
    const DATABASE: &str = "\u{0}database";
    let arns = PolicyArns {
        document: json!(DOCUMENT),
        kms_key: kms_key_arn.map(|k| json!(k)),
        simulated_db: simulated_db_arn.as_ref().map(|_| json!(DATABASE)),
    };
    let statements = read_statements(store, arns);
    statements
        .iter()
        .map(|statement| {
            let list = |value: &Value| match value {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            let resources = list(&statement["Resource"])
                .into_iter()
                .map(|r| match (r.as_str(), &simulated_db_arn) {
                    (Some(DOCUMENT), _) => document_arn.clone(),
                    (Some(DATABASE), Some(database)) => database.clone(),
                    _ => Ts::Lit(r),
                })
                .collect();
            Ts::New(
                "iam.PolicyStatement",
                vec![Ts::Object(vec![
                    ("sid", Ts::Lit(statement["Sid"].clone())),
                    ("effect", Ts::Name("iam.Effect.ALLOW")),
                    ("actions", Ts::Lit(Value::Array(list(&statement["Action"])))),
                    ("resources", Ts::Array(resources)),
                ])],
            )
        })
        .collect()
}

/// CDK's name for a log retention in days (the ones CloudWatch Logs accepts).
fn retention(days: i32) -> &'static str {
    match days {
        1 => "logs.RetentionDays.ONE_DAY",
        5 => "logs.RetentionDays.FIVE_DAYS",
        7 => "logs.RetentionDays.ONE_WEEK",
        14 => "logs.RetentionDays.TWO_WEEKS",
        30 => "logs.RetentionDays.ONE_MONTH",
        60 => "logs.RetentionDays.TWO_MONTHS",
        90 => "logs.RetentionDays.THREE_MONTHS",
        180 => "logs.RetentionDays.SIX_MONTHS",
        365 => "logs.RetentionDays.ONE_YEAR",
        _ => "logs.RetentionDays.THREE_DAYS",
    }
}

fn store_statement(model: &LabModel) -> Statement {
    match model.store {
        Store::SecretsManager => {
            let mut props = vec![
                ("secretName", Ts::lit(&model.names.secret)),
                ("description", Ts::lit(model.names.store_description())),
                (
                    "generateSecretString",
                    Ts::Object(vec![
                        (
                            "secretStringTemplate",
                            Ts::lit(json!({"username": LAB_USER}).to_string()),
                        ),
                        ("generateStringKey", Ts::lit("password")),
                        ("passwordLength", Ts::lit(PASSWORD_LENGTH)),
                        ("excludeCharacters", Ts::lit(PASSWORD_EXCLUDED)),
                    ]),
                ),
            ];
            if let Some(key) = &model.kms_key_arn {
                props.push((
                    "encryptionKey",
                    Ts::Call(
                        "kms.Key.fromKeyArn",
                        vec![Ts::Name("this"), Ts::lit("Key"), Ts::lit(key)],
                    ),
                ));
            }
            Statement::Const(
                "credentials",
                Ts::New(
                    "secretsmanager.Secret",
                    vec![Ts::Name("this"), Ts::lit("Credentials"), Ts::Object(props)],
                ),
            )
        }
        // CDK, like CloudFormation, cannot create a SecureString: the app imports the one
        // made beforehand (README.md says how).
        Store::ParameterStore => Statement::Const(
            "credentials",
            Ts::Call(
                "ssm.StringParameter.fromSecureStringParameterAttributes",
                vec![
                    Ts::Name("this"),
                    Ts::lit("Credentials"),
                    Ts::Object(vec![("parameterName", Ts::lit(&model.names.parameter))]),
                ],
            ),
        ),
    }
}

/// The lab's simulated database, accepting no login until `secretslab up` fills it: CDK
/// cannot hash the password Secrets Manager generates at deploy time (see README.md).
fn simulated_db_statement(model: &LabModel, name: &str) -> Statement {
    Statement::Const(
        "simulatedDb",
        Ts::New(
            "ssm.StringParameter",
            vec![
                Ts::Name("this"),
                Ts::lit("SimulatedDatabase"),
                Ts::Object(vec![
                    ("parameterName", Ts::lit(name)),
                    (
                        "description",
                        Ts::lit(model.names.simulated_db_description()),
                    ),
                    ("stringValue", Ts::lit(empty_simulated_db())),
                ]),
            ],
        ),
    )
}

/// The lab's read policy on the store's resource only.
fn policy_statement(model: &LabModel, document_arn: Ts) -> Statement {
    Statement::Const(
        "policy",
        Ts::New(
            "iam.ManagedPolicy",
            vec![
                Ts::Name("this"),
                Ts::lit("ReadPolicy"),
                Ts::Object(vec![
                    ("managedPolicyName", Ts::lit(&model.names.policy)),
                    ("description", Ts::lit(model.policy_description())),
                    (
                        "statements",
                        Ts::Array(read_policy_statements(
                            model.store,
                            document_arn,
                            model.kms_key_arn.as_deref(),
                            model
                                .simulated_db
                                .as_ref()
                                .map(|_| Ts::Name("simulatedDb.parameterArn")),
                        )),
                    ),
                ]),
            ],
        ),
    )
}

/// The function's role: Lambda may assume it; basic logging and the read policy.
fn role_statement(model: &LabModel) -> Statement {
    Statement::Const(
        "role",
        Ts::New(
            "iam.Role",
            vec![
                Ts::Name("this"),
                Ts::lit("Role"),
                Ts::Object(vec![
                    ("roleName", Ts::lit(&model.names.role)),
                    (
                        "assumedBy",
                        Ts::New(
                            "iam.ServicePrincipal",
                            vec![Ts::lit("lambda.amazonaws.com")],
                        ),
                    ),
                    (
                        "managedPolicies",
                        Ts::Array(vec![
                            Ts::Call(
                                "iam.ManagedPolicy.fromAwsManagedPolicyName",
                                vec![Ts::lit("service-role/AWSLambdaBasicExecutionRole")],
                            ),
                            Ts::Name("policy"),
                        ]),
                    ),
                ]),
            ],
        ),
    )
}

/// The function's log group, with the lab's retention, removed with the stack.
fn log_group_statement(model: &LabModel) -> Statement {
    Statement::Const(
        "logGroup",
        Ts::New(
            "logs.LogGroup",
            vec![
                Ts::Name("this"),
                Ts::lit("LogGroup"),
                Ts::Object(vec![
                    ("logGroupName", Ts::lit(&model.names.log_group)),
                    ("retention", Ts::Name(retention(model.log_retention_days))),
                    ("removalPolicy", Ts::Name("RemovalPolicy.DESTROY")),
                ]),
            ],
        ),
    )
}

/// The stack's constructor body.
pub fn stack_statements(model: &LabModel) -> Vec<Statement> {
    let document_arn = match model.store {
        Store::SecretsManager => Ts::Name("credentials.secretArn"),
        Store::ParameterStore => Ts::Name("credentials.parameterArn"),
    };
    let mut statements = vec![store_statement(model)];
    statements.extend(
        model
            .simulated_db
            .as_deref()
            .map(|name| simulated_db_statement(model, name)),
    );
    statements.extend([
        policy_statement(model, document_arn),
        role_statement(model),
        log_group_statement(model),
    ]);
    let code = Ts::Call(
        "lambda.Code.fromAsset",
        vec![Ts::Call(
            "path.join",
            vec![Ts::Name("__dirname"), Ts::lit(FUNCTION_DIR)],
        )],
    );
    let props = function_props(
        &model.function,
        Ts::Name("role"),
        code,
        vec![
            ("description", Ts::lit(model.function_description())),
            ("logGroup", Ts::Name("logGroup")),
        ],
    );
    statements.push(Statement::Const(
        "fn",
        Ts::New(
            "lambda.Function",
            vec![Ts::Name("this"), Ts::lit("Function"), props],
        ),
    ));
    for (key, value) in model.tags() {
        statements.push(Statement::Expr(Ts::Call(
            "Tags.of(this).add",
            vec![Ts::lit(key), Ts::lit(value)],
        )));
    }
    statements.push(Statement::Expr(Ts::New(
        "CfnOutput",
        vec![
            Ts::Name("this"),
            Ts::lit("FunctionArn"),
            Ts::Object(vec![("value", Ts::Name("fn.functionArn"))]),
        ],
    )));
    statements
}

const IMPORTS: &[(&str, &str)] = &[
    ("* as path", "path"),
    (
        "{ App, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Tags }",
        "aws-cdk-lib",
    ),
    ("* as iam", "aws-cdk-lib/aws-iam"),
    ("* as kms", "aws-cdk-lib/aws-kms"),
    ("* as lambda", "aws-cdk-lib/aws-lambda"),
    ("* as logs", "aws-cdk-lib/aws-logs"),
    ("* as secretsmanager", "aws-cdk-lib/aws-secretsmanager"),
    ("* as ssm", "aws-cdk-lib/aws-ssm"),
    ("{ Construct }", "constructs"),
];

/// The whole app (`app.ts`): the stack class and its instantiation.
pub fn app(model: &LabModel) -> String {
    let mut out = format!(
        "// The secretslab lab as a CDK app: `cdk deploy` (see README.md).\n// The extension layer is {}.\n",
        pinned_layer_note(model.function.arch)
    );
    for (what, module) in IMPORTS {
        out.push_str(&format!(
            "import {what} from {};\n",
            Ts::lit(module).render(0)
        ));
    }
    out.push_str("\nexport class SecretsLabStack extends Stack {\n");
    out.push_str("  constructor(scope: Construct, id: string, props?: StackProps) {\n    super(scope, id, props);\n");
    for statement in stack_statements(model) {
        out.push_str(&statement.render(2));
    }
    out.push_str("  }\n}\n\nconst app = new App();\n");
    let stack_id = Ts::lit(stack_name(model));
    out.push_str(&format!(
        "new SecretsLabStack(app, {});\n",
        stack_id.render(0)
    ));
    out
}

/// The stack's name: the lab's, so two labs deploy side by side.
pub fn stack_name(model: &LabModel) -> String {
    format!("secretslab-{}", model.names.lab)
}

/// `package.json`, `tsconfig.json` and `cdk.json` of the app.
pub fn project_files(model: &LabModel) -> Vec<(&'static str, Value)> {
    vec![
        (
            "package.json",
            json!({
                "name": stack_name(model),
                "private": true,
                "scripts": {"build": "tsc --noEmit", "cdk": "cdk"},
                "devDependencies": {"aws-cdk": "^2", "ts-node": "^10", "typescript": "^5", "@types/node": "^20"},
                "dependencies": {"aws-cdk-lib": "^2", "constructs": "^10"},
            }),
        ),
        (
            "tsconfig.json",
            json!({
                "compilerOptions": {
                    "target": "ES2022", "module": "commonjs", "strict": true, "esModuleInterop": true,
                    "skipLibCheck": true, "types": ["node"], "outDir": "dist",
                },
                "include": ["app.ts"],
            }),
        ),
        (
            "cdk.json",
            json!({"app": "npx ts-node --prefer-ts-exts app.ts"}),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::tests::model;

    #[test]
    fn literals_are_json_and_objects_nest() {
        let ts = Ts::Object(vec![
            ("a", Ts::lit("x\"y")),
            ("b", Ts::Array(vec![Ts::lit(1)])),
        ]);
        assert_eq!(ts.render(0), "{\n  a: \"x\\\"y\",\n  b: [\n    1,\n  ],\n}");
    }

    #[test]
    fn the_app_grants_the_secret_and_binds_the_layer() {
        let text = app(&model(Store::SecretsManager, false));
        assert!(text.contains("resources: [\n"), "{text}");
        assert!(text.contains("credentials.secretArn"));
        assert!(text.contains("fromVersionArn(\"arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:24\""));
        assert!(
            text.contains("\"SECRET_ID\":\"demo/credentials\""),
            "{text}"
        );
        assert!(text.contains("lambda.Architecture.ARM_64"));
        assert!(
            !text.contains("kms:Decrypt") && !text.contains("encryptionKey"),
            "{text}"
        );
    }

    #[test]
    fn the_simulated_database_is_made_and_granted() {
        let text = app(&model(Store::SecretsManager, false));
        assert!(
            text.contains(
                "const simulatedDb = new ssm.StringParameter(this, \"SimulatedDatabase\""
            ),
            "{text}"
        );
        assert!(text.contains("simulatedDb.parameterArn"), "{text}");
        assert!(
            text.contains("\"LogInToTheLabSimulatedDatabase\""),
            "{text}"
        );
        assert!(text.contains("\"SIMULATED_DB_PARAMETER\":\"/demo/simulated-db\""));
        // Declared before the policy that grants it.
        assert!(text.find("simulatedDb =") < text.find("simulatedDb.parameterArn"));
    }

    #[test]
    fn parameter_store_imports_the_secure_string() {
        let text = app(&model(Store::ParameterStore, true));
        assert!(text.contains("fromSecureStringParameterAttributes"));
        assert!(text.contains("credentials.parameterArn"));
        assert!(text.contains("\"kms:Decrypt\""));
    }
}
