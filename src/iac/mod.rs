//! Infrastructure code we write for others, built as data: the lab (or one function's change)
//! as CloudFormation and SAM JSON, Terraform HCL and CDK TypeScript. Pure: the model comes in,
//! documents come out; nothing here reads AWS or writes files. No secret value ever enters a
//! model: the IaC tool generates the password, or the user passes it in.

pub mod bundle;
pub mod cdk;
pub mod cdk_py;
pub mod change;
pub mod cloudformation;
pub mod sam;
pub mod template;
pub mod terraform;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::extension::ExtensionSettings;
use crate::domain::handler::Handler;
use crate::domain::kinds::{Arch, Store};
use crate::domain::names::ResourceNames;
use crate::domain::policy;
use crate::domain::runtime::LambdaRuntime;
use crate::domain::simulated_db::Document;

/// The infrastructure-as-code formats secretslab writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IacFormat {
    /// Terraform HCL (`terraform init && terraform apply`)
    Terraform,
    /// A CloudFormation template (JSON)
    Cloudformation,
    /// An AWS SAM template (`sam deploy --guided`)
    Sam,
    /// An AWS CDK app in TypeScript (`cdk deploy`)
    #[value(name = "cdk-ts")]
    CdkTs,
}

impl IacFormat {
    /// The format as `--format` spells it.
    pub fn id(self) -> &'static str {
        match self {
            Self::Terraform => "terraform",
            Self::Cloudformation => "cloudformation",
            Self::Sam => "sam",
            Self::CdkTs => "cdk-ts",
        }
    }

    /// The format as people name it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Terraform => "Terraform",
            Self::Cloudformation => "CloudFormation",
            Self::Sam => "AWS SAM",
            Self::CdkTs => "AWS CDK (TypeScript)",
        }
    }
}

/// The folder every export keeps the handler in, beside its infrastructure code.
pub const FUNCTION_DIR: &str = "function";
/// The deterministic zip of the handler (the bytes `up` deploys) for formats that upload one.
pub const PACKAGE_FILE: &str = "function.zip";
pub use crate::domain::defaults::{LAB_USER, PASSWORD_EXCLUDED, PASSWORD_LENGTH};

/// One Lambda function as infrastructure code declares it: what a single function's change
/// (`migrate --emit`) and the whole lab share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    pub name: String,
    /// Serialized as Lambda names it (`python3.13`).
    pub runtime: LambdaRuntime,
    pub handler: String,
    pub arch: Arch,
    pub timeout: i32,
    pub memory: i32,
    /// The extension layer, region- and architecture-specific.
    pub layer_arn: String,
    /// Names only (a reference and the extension's settings), never a value.
    pub env: BTreeMap<String, String>,
}

impl FunctionSpec {
    /// The extension's settings the environment carries.
    pub fn extension(&self) -> ExtensionSettings {
        ExtensionSettings::from_env(&self.env)
    }

    /// Lambda's spelling of the architecture.
    pub fn architecture(&self) -> &'static str {
        arch_name(self.arch)
    }
}

/// Lambda's spelling of an architecture.
pub fn arch_name(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "x86_64",
        Arch::Arm64 => "arm64",
    }
}

/// The converged lab, as read back from the API: what every format exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabModel {
    pub names: ResourceNames,
    pub region: String,
    pub store: Store,
    /// The customer managed key of the store, when one is used (`kms:Decrypt` on it only then).
    pub kms_key_arn: Option<String>,
    pub function: FunctionSpec,
    pub log_retention_days: i32,
    /// The lab's simulated database (the parameter the handler checks logins against), when
    /// the function names one.
    pub simulated_db: Option<String>,
}

impl LabModel {
    /// The ownership tags every lab resource carries, so `status`, `test` and `teardown`
    /// know a lab made by the IaC tool as their own.
    pub fn tags(&self) -> Vec<(String, String)> {
        self.names.tags()
    }

    /// The description `up` gives the function.
    pub fn function_description(&self) -> String {
        format!("secretslab lab `{}`", self.names.lab)
    }

    /// The description `up` gives the policy.
    pub fn policy_description(&self) -> String {
        format!(
            "secretslab lab `{}`: read this lab's secret only",
            self.names.lab
        )
    }

    /// The handler the function's runtime runs (Python or Node.js).
    pub fn handler(&self) -> &'static Handler {
        self.function.runtime.handler()
    }

    /// The handler's path inside an export directory.
    pub fn handler_path(&self) -> String {
        self.function_file(self.handler().file)
    }

    /// The path of one file of the function's code inside an export directory.
    pub fn function_file(&self, file: &str) -> String {
        format!("{FUNCTION_DIR}/{file}")
    }
}

/// The simulated database's document as infrastructure code that cannot hash the password it
/// generates creates it: accepting no login until `secretslab up` fills it.
pub fn empty_simulated_db() -> String {
    serde_json::to_string(&Document::accepting_none()).unwrap_or_default()
}

/// The least-privilege read policy `up` applies, with the document's, the key's and the
/// simulated database's ARN given as the format's own expressions (a reference to the resource
/// the code creates, or a literal): the very statements of [`policy::read_secret_policy`] /
/// [`policy::read_parameter_policy`] and [`policy::with_simulated_db`], so an export can never
/// grant more than the lab does.
pub fn read_policy(store: Store, arns: PolicyArns) -> Value {
    const DOCUMENT: &str = "\u{0}document-arn";
    const KEY: &str = "\u{0}key-arn";
    const DATABASE: &str = "\u{0}database-arn";
    let key = arns.kms_key.as_ref().map(|_| KEY);
    let mut document = match store {
        Store::SecretsManager => policy::read_secret_policy(DOCUMENT, key),
        Store::ParameterStore => policy::read_parameter_policy(DOCUMENT, key),
    };
    if arns.simulated_db.is_some() {
        document = policy::with_simulated_db(document, DATABASE);
    }
    for statement in document["Statement"].as_array_mut().into_iter().flatten() {
        let replacement = match statement["Resource"].as_str() {
            Some(DOCUMENT) => Some(arns.document.clone()),
            Some(KEY) => arns.kms_key.clone(),
            Some(DATABASE) => arns.simulated_db.clone(),
            _ => None,
        };
        if let Some(value) = replacement {
            statement["Resource"] = value;
        }
    }
    document
}

/// The resources a read policy names, each as an expression of the format.
#[derive(Debug, Clone)]
pub struct PolicyArns {
    /// The secret or parameter the function reads.
    pub document: Value,
    /// The store's customer managed key, when there is one.
    pub kms_key: Option<Value>,
    /// The lab's simulated database, when the function logs in to one.
    pub simulated_db: Option<Value>,
}

/// The statements of a read policy (see [`read_policy`]).
pub fn read_statements(store: Store, arns: PolicyArns) -> Vec<Value> {
    match read_policy(store, arns)["Statement"].take() {
        Value::Array(statements) => statements,
        _ => Vec::new(),
    }
}

/// One file an export writes: where, what it holds (for the report and the README), its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub what: String,
    pub contents: Vec<u8>,
}

impl std::fmt::Debug for Artifact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Artifact")
            .field("path", &self.path)
            .field("what", &self.what)
            .field("bytes", &self.contents.len())
            .finish()
    }
}

impl Artifact {
    pub fn text(path: impl Into<String>, what: impl Into<String>, text: String) -> Self {
        Self {
            path: path.into(),
            what: what.into(),
            contents: text.into_bytes(),
        }
    }

    /// Pretty JSON with a final newline.
    pub fn json(path: impl Into<String>, what: impl Into<String>, value: &Value) -> Self {
        let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
        text.push('\n');
        Self::text(path, what, text)
    }
}

/// A README section: a heading, paragraphs, and shell commands, rendered as Markdown.
#[derive(Debug, Clone, Default)]
pub struct Readme {
    pub title: String,
    pub intro: Vec<String>,
    pub files: Vec<(String, String)>,
    pub next: Vec<String>,
    pub notes: Vec<String>,
}

impl Readme {
    pub fn render(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for paragraph in &self.intro {
            out.push_str(paragraph);
            out.push_str("\n\n");
        }
        out.push_str("## Files\n\n");
        for (path, what) in &self.files {
            out.push_str(&format!("- `{path}`: {what}\n"));
        }
        out.push_str("\n## Next\n\n```sh\n");
        for command in &self.next {
            out.push_str(command);
            out.push('\n');
        }
        out.push_str("```\n");
        if !self.notes.is_empty() {
            out.push_str("\n## Notes\n\n");
            for note in &self.notes {
                out.push_str(&format!("- {note}\n"));
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::kinds::Runtime;
    use crate::domain::names::LabName;
    use crate::domain::simulated_db;
    use serde_json::json;

    /// Only the store's document (and its key).
    fn store_arns(document: Value, kms_key: Option<Value>) -> PolicyArns {
        PolicyArns {
            document,
            kms_key,
            simulated_db: None,
        }
    }

    /// A lab as `up` leaves it, for every format's tests.
    pub fn model(store: Store, kms: bool) -> LabModel {
        let names = LabName::new("demo").unwrap().resources();
        let reference = match store {
            Store::SecretsManager => names.secret.clone(),
            Store::ParameterStore => names.parameter.clone(),
        };
        LabModel {
            store,
            kms_key_arn: kms.then(|| "arn:aws:kms:us-east-1:123456789012:key/k-1".into()),
            function: FunctionSpec {
                name: names.function.clone(),
                runtime: Runtime::Python313.into(),
                handler: "lambda_function.lambda_handler".into(),
                arch: Arch::Arm64,
                timeout: 15,
                memory: 128,
                layer_arn: "arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:24".into(),
                env: ExtensionSettings::default()
                    .function_env(store, &reference)
                    .into_iter()
                    .chain([(simulated_db::ENV.to_string(), names.simulated_db.clone())])
                    .collect(),
            },
            simulated_db: Some(names.simulated_db.clone()),
            names,
            region: "us-east-1".into(),
            log_retention_days: 3,
        }
    }

    #[test]
    fn read_policy_is_the_labs_own_with_expressions() {
        let arn = json!({"Ref": "Credentials"});
        let policy = read_policy(Store::SecretsManager, store_arns(arn.clone(), None));
        let plain = policy::read_secret_policy("x", None);
        assert_eq!(policy["Statement"].as_array().map(Vec::len), Some(2));
        assert_eq!(policy["Statement"][0]["Resource"], arn);
        assert_eq!(
            policy["Statement"][0]["Action"],
            plain["Statement"][0]["Action"]
        );
        assert_eq!(policy["Statement"][1], plain["Statement"][1]);
    }

    #[test]
    fn decrypt_only_with_a_customer_key() {
        let key = json!("arn:aws:kms:us-east-1:1:key/k");
        let with = read_statements(
            Store::ParameterStore,
            store_arns(json!("p"), Some(key.clone())),
        );
        assert_eq!(with.len(), 2);
        assert_eq!(with[1]["Action"], "kms:Decrypt");
        assert_eq!(with[1]["Resource"], key);
        let without = read_statements(Store::ParameterStore, store_arns(json!("p"), None));
        assert!(!json!(without).to_string().contains("kms:"));
    }
}
