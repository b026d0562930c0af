//! CloudFormation JSON: the lab's template, and the pieces one function's change reuses (the
//! function's properties, its layer and environment, a least-privilege read policy).

use serde_json::{json, Map, Value};

use crate::domain::extension::pinned_layer_note;
use crate::domain::kinds::Store;
use crate::domain::policy;
use crate::domain::simulated_db::LABEL;
use crate::iac::{
    empty_simulated_db, read_policy, FunctionSpec, LabModel, PolicyArns, LAB_USER,
    PASSWORD_EXCLUDED, PASSWORD_LENGTH,
};

/// Logical ids of the lab's template.
pub mod id {
    pub const CREDENTIALS: &str = "Credentials";
    pub const POLICY: &str = "ReadPolicy";
    pub const ROLE: &str = "Role";
    pub const LOG_GROUP: &str = "LogGroup";
    pub const FUNCTION: &str = "Function";
    pub const LAYER_PARAMETER: &str = "ExtensionLayerArn";
    pub const CODE_BUCKET: &str = "CodeBucket";
    pub const CODE_KEY: &str = "CodeKey";
    pub const SIMULATED_DB: &str = "SimulatedDatabase";
}

/// Why the Parameter Store's `SecureString` is not in the template, and how it is made.
pub const SECURE_STRING_NOTE: &str = "CloudFormation cannot create a SecureString parameter (AWS::SSM::Parameter takes String and StringList only): create it before deploying, with `aws ssm put-parameter --cli-input-json file://put-parameter.json --value file://credentials.json` (the file holds your JSON credentials; keep it out of version control)";

/// Why the simulated database starts empty, and what fills it.
pub fn simulated_db_note(model: &LabModel) -> String {
    format!(
        "CloudFormation cannot hash the password it generates, so {LABEL} is created accepting no login (and as a String parameter: CloudFormation cannot create a SecureString; it holds salted digests only): after deploying, run `secretslab up --name {}` once, which changes only that parameter's value (a drift CloudFormation's drift detection will show)",
        model.names.lab
    )
}

/// `{"Ref": name}`
pub fn reference(name: &str) -> Value {
    json!({ "Ref": name })
}

/// `{"Fn::GetAtt": [resource, attribute]}`
pub fn get_att(resource: &str, attribute: &str) -> Value {
    json!({ "Fn::GetAtt": [resource, attribute] })
}

/// `{"Fn::Join": ["", parts]}`: a string made of literals and pseudo-parameters.
pub fn join(parts: Vec<Value>) -> Value {
    json!({ "Fn::Join": ["", parts] })
}

/// The ARN of a parameter in the stack's own partition, region and account.
pub fn parameter_arn(parameter_name: &str) -> Value {
    join(vec![
        json!("arn:"),
        reference("AWS::Partition"),
        json!(":ssm:"),
        reference("AWS::Region"),
        json!(":"),
        reference("AWS::AccountId"),
        json!(":parameter/"),
        json!(parameter_name.trim_start_matches('/')),
    ])
}

/// The AWS managed policy that lets a function write its logs, in the stack's partition.
pub fn basic_execution_policy_arn() -> Value {
    let arn = policy::basic_execution_policy_arn("PARTITION");
    let (before, after) = arn.split_once("PARTITION").unwrap_or((&arn, ""));
    join(vec![
        json!(before),
        reference("AWS::Partition"),
        json!(after),
    ])
}

/// Tags in CloudFormation's list shape.
pub fn tag_list(tags: &[(String, String)]) -> Value {
    tags.iter()
        .map(|(key, value)| json!({"Key": key, "Value": value}))
        .collect()
}

/// A function's `Environment`: names and settings only.
pub fn environment(spec: &FunctionSpec) -> Value {
    json!({ "Variables": spec.env })
}

/// An `AWS::Lambda::Function`'s properties (without tags and description): `role` and `code`
/// and `layer` are expressions of the caller's template.
pub fn function_properties(
    spec: &FunctionSpec,
    role: Value,
    code: Value,
    layer: Value,
) -> Map<String, Value> {
    let properties = json!({
        "FunctionName": spec.name,
        "Runtime": spec.runtime,
        "Handler": spec.handler,
        "Architectures": [spec.architecture()],
        "MemorySize": spec.memory,
        "Timeout": spec.timeout,
        "Role": role,
        "Code": code,
        "Layers": [layer],
        "Environment": environment(spec),
    });
    match properties {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// An `AWS::IAM::ManagedPolicy` granting read of one document (and decrypt with its
/// customer key, when there is one).
pub fn read_policy_resource(
    name: &str,
    description: &str,
    store: Store,
    arns: PolicyArns,
) -> Value {
    json!({
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "ManagedPolicyName": name,
            "Description": description,
            "PolicyDocument": read_policy(store, arns),
        }
    })
}

/// The store's ARN as the template names it: the secret the stack creates, or the parameter
/// created beside it.
pub fn document_arn(model: &LabModel) -> Value {
    match model.store {
        Store::SecretsManager => get_att(id::CREDENTIALS, "Id"),
        Store::ParameterStore => parameter_arn(&model.names.parameter),
    }
}

/// The secret, its password generated by Secrets Manager at deploy time: no value in the template.
pub fn secret_resource(model: &LabModel) -> Value {
    let mut properties = json!({
        "Name": model.names.secret,
        "Description": model.names.store_description(),
        "GenerateSecretString": {
            "SecretStringTemplate": json!({"username": LAB_USER}).to_string(),
            "GenerateStringKey": "password",
            "PasswordLength": PASSWORD_LENGTH,
            "ExcludeCharacters": PASSWORD_EXCLUDED,
        },
        "Tags": tag_list(&model.tags()),
    });
    if let Some(key) = &model.kms_key_arn {
        properties["KmsKeyId"] = json!(key);
    }
    json!({"Type": "AWS::SecretsManager::Secret", "Properties": properties})
}

fn role_resource(model: &LabModel) -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": model.names.role,
            "AssumeRolePolicyDocument": policy::trust_policy(),
            "ManagedPolicyArns": [basic_execution_policy_arn(), reference(id::POLICY)],
            "Tags": tag_list(&model.tags()),
        }
    })
}

fn log_group_resource(model: &LabModel) -> Value {
    json!({
        "Type": "AWS::Logs::LogGroup",
        "Properties": {
            "LogGroupName": model.names.log_group,
            "RetentionInDays": model.log_retention_days,
            "Tags": tag_list(&model.tags()),
        }
    })
}

/// The lab's simulated database, accepting no login until `secretslab up` fills it (see
/// [`simulated_db_note`]).
fn simulated_db_resource(model: &LabModel, name: &str) -> Value {
    let tags: Map<String, Value> = model
        .tags()
        .into_iter()
        .map(|(key, value)| (key, json!(value)))
        .collect();
    json!({
        "Type": "AWS::SSM::Parameter",
        "Properties": {
            "Name": name,
            "Description": model.names.simulated_db_description(),
            "Type": "String",
            "Value": empty_simulated_db(),
            "Tags": tags,
        }
    })
}

/// The lab's resources but the function: what CloudFormation and SAM templates share.
pub fn shared_resources(model: &LabModel) -> Map<String, Value> {
    let mut resources = Map::new();
    if model.store == Store::SecretsManager {
        resources.insert(id::CREDENTIALS.into(), secret_resource(model));
    }
    if let Some(name) = &model.simulated_db {
        resources.insert(id::SIMULATED_DB.into(), simulated_db_resource(model, name));
    }
    let arns = PolicyArns {
        document: document_arn(model),
        kms_key: model.kms_key_arn.as_ref().map(|k| json!(k)),
        simulated_db: model.simulated_db.as_deref().map(parameter_arn),
    };
    resources.insert(
        id::POLICY.into(),
        read_policy_resource(
            &model.names.policy,
            &model.policy_description(),
            model.store,
            arns,
        ),
    );
    resources.insert(id::ROLE.into(), role_resource(model));
    resources.insert(id::LOG_GROUP.into(), log_group_resource(model));
    resources
}

/// The extension layer as a parameter whose default is the region's and architecture's layer.
pub fn layer_parameter(model: &LabModel) -> Value {
    json!({
        "Type": "String",
        "Default": model.function.layer_arn,
        "Description": format!(
            "The AWS Parameters and Secrets Lambda Extension layer for {} functions in this region, {}",
            model.function.architecture(),
            pinned_layer_note(model.function.arch)
        ),
    })
}

/// What the template says about itself (and, for Parameter Store, what it cannot make).
pub fn metadata(model: &LabModel) -> Value {
    let mut notes = vec![json!(format!(
        "CloudFormation cannot tag a managed policy: tag {} with the lab's tags after deploying so `secretslab status` knows it (see README.md)",
        model.names.policy
    ))];
    if model.store == Store::ParameterStore {
        notes.push(json!(SECURE_STRING_NOTE));
    }
    if model.simulated_db.is_some() {
        notes.push(json!(simulated_db_note(model)));
    }
    json!({ "secretslab": { "lab": model.names.lab, "store": model.store.to_string(), "notes": notes } })
}

pub fn outputs(model: &LabModel) -> Value {
    let store = match model.store {
        Store::SecretsManager => {
            json!({"Description": "The secret the function reads", "Value": get_att(id::CREDENTIALS, "Id")})
        }
        Store::ParameterStore => {
            json!({"Description": "The SecureString parameter the function reads", "Value": model.names.parameter})
        }
    };
    json!({
        "FunctionArn": {"Value": get_att(id::FUNCTION, "Arn")},
        "RoleArn": {"Value": get_att(id::ROLE, "Arn")},
        "PolicyArn": {"Value": reference(id::POLICY)},
        "Store": store,
    })
}

/// The lab as a CloudFormation template: the code package comes from S3 (`CodeBucket`,
/// `CodeKey`), the layer is a parameter defaulting to the lab's.
pub fn template(model: &LabModel) -> Value {
    let code = json!({"S3Bucket": reference(id::CODE_BUCKET), "S3Key": reference(id::CODE_KEY)});
    let mut properties = function_properties(
        &model.function,
        get_att(id::ROLE, "Arn"),
        code,
        reference(id::LAYER_PARAMETER),
    );
    properties.insert("Description".into(), json!(model.function_description()));
    properties.insert("Tags".into(), tag_list(&model.tags()));
    let mut resources = shared_resources(model);
    resources.insert(
        id::FUNCTION.into(),
        json!({"Type": "AWS::Lambda::Function", "DependsOn": [id::LOG_GROUP], "Properties": properties}),
    );
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("secretslab lab `{}`: a Lambda function reading its credentials through the Parameters and Secrets extension", model.names.lab),
        "Metadata": metadata(model),
        "Parameters": {
            id::LAYER_PARAMETER: layer_parameter(model),
            id::CODE_BUCKET: {"Type": "String", "Description": "The S3 bucket holding function.zip (same region as the stack)"},
            id::CODE_KEY: {"Type": "String", "Default": format!("{}/function.zip", model.names.lab), "Description": "The key of function.zip in CodeBucket"},
        },
        "Resources": resources,
        "Outputs": outputs(model),
    })
}

/// `aws ssm put-parameter --cli-input-json` input for the Parameter Store lab: everything
/// but the value, which the user passes from a file.
pub fn put_parameter_input(model: &LabModel) -> Value {
    let mut input = json!({
        "Name": model.names.parameter,
        "Description": model.names.store_description(),
        "Type": "SecureString",
        "Tags": tag_list(&model.tags()),
    });
    if let Some(key) = &model.kms_key_arn {
        input["KeyId"] = json!(key);
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::simulated_db::Document;
    use crate::iac::tests::model;

    #[test]
    fn the_template_holds_the_labs_resources_and_no_value() {
        let template = template(&model(Store::SecretsManager, false));
        let resources = template["Resources"].as_object().unwrap();
        let mut ids: Vec<&str> = resources.keys().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            [
                "Credentials",
                "Function",
                "LogGroup",
                "ReadPolicy",
                "Role",
                "SimulatedDatabase"
            ]
        );
        let function = &resources["Function"]["Properties"];
        assert_eq!(function["FunctionName"], "demo");
        assert_eq!(function["Architectures"], json!(["arm64"]));
        assert_eq!(
            function["Environment"]["Variables"]["SECRET_ID"],
            "demo/credentials"
        );
        assert_eq!(function["Layers"], json!([{"Ref": "ExtensionLayerArn"}]));
        assert_eq!(resources["LogGroup"]["Properties"]["RetentionInDays"], 3);
        let statements = &resources["ReadPolicy"]["Properties"]["PolicyDocument"]["Statement"];
        assert_eq!(statements[0]["Resource"], get_att("Credentials", "Id"));
        assert!(!template.to_string().contains("kms:Decrypt"));
        assert!(
            template["Resources"]["Credentials"]["Properties"]["GenerateSecretString"].is_object()
        );
        assert!(template["Resources"]["Credentials"]["Properties"]
            .get("SecretString")
            .is_none());
    }

    #[test]
    fn the_simulated_database_is_made_empty_granted_and_named() {
        let lab = model(Store::SecretsManager, false);
        let template = template(&lab);
        let database = &template["Resources"]["SimulatedDatabase"]["Properties"];
        assert_eq!(database["Name"], "/demo/simulated-db");
        assert_eq!(database["Type"], "String");
        let document: Document = serde_json::from_str(database["Value"].as_str().unwrap()).unwrap();
        assert_eq!(document, Document::accepting_none());
        assert_eq!(database["Tags"]["secretslab:lab"], "demo");
        let statements = template["Resources"]["ReadPolicy"]["Properties"]["PolicyDocument"]
            ["Statement"]
            .as_array()
            .unwrap();
        let login = statements.last().unwrap();
        assert_eq!(login["Sid"], "LogInToTheLabSimulatedDatabase");
        assert_eq!(login["Action"], "ssm:GetParameter");
        assert_eq!(login["Resource"], parameter_arn("/demo/simulated-db"));
        assert_eq!(
            template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
                ["SIMULATED_DB_PARAMETER"],
            "/demo/simulated-db"
        );
        assert!(template["Metadata"]
            .to_string()
            .contains("secretslab up --name demo"));
    }

    #[test]
    fn a_customer_key_is_granted_and_used() {
        let template = template(&model(Store::SecretsManager, true));
        let key = "arn:aws:kms:us-east-1:123456789012:key/k-1";
        assert_eq!(
            template["Resources"]["Credentials"]["Properties"]["KmsKeyId"],
            key
        );
        let statements =
            &template["Resources"]["ReadPolicy"]["Properties"]["PolicyDocument"]["Statement"];
        assert_eq!(
            statements[2],
            json!({"Sid": "DecryptWithTheCustomerManagedKey", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})
        );
    }

    #[test]
    fn parameter_store_says_how_the_secure_string_is_made() {
        let lab = model(Store::ParameterStore, false);
        let template = template(&lab);
        assert!(template["Resources"].get("Credentials").is_none());
        let statement =
            &template["Resources"]["ReadPolicy"]["Properties"]["PolicyDocument"]["Statement"][0];
        assert_eq!(statement["Action"], "ssm:GetParameter");
        assert_eq!(statement["Resource"], parameter_arn("/demo/credentials"));
        assert!(template["Metadata"]
            .to_string()
            .contains("cannot create a SecureString"));
        let input = put_parameter_input(&lab);
        assert_eq!(input["Type"], "SecureString");
        assert!(input.get("Value").is_none());
    }

    #[test]
    fn the_basic_execution_policy_follows_the_partition() {
        assert_eq!(
            basic_execution_policy_arn(),
            join(vec![
                json!("arn:"),
                reference("AWS::Partition"),
                json!(":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
            ])
        );
    }
}
