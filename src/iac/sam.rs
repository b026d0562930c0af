//! SAM JSON: the CloudFormation lab with the function as `AWS::Serverless::Function`, its code
//! the `function/` folder that `sam deploy` packages and uploads.

use serde_json::{json, Value};

use crate::iac::cloudformation::{self as cfn, get_att, id, reference};
use crate::iac::{FunctionSpec, LabModel, FUNCTION_DIR};

pub const TRANSFORM: &str = "AWS::Serverless-2016-10-31";

/// An `AWS::Serverless::Function`'s properties for `spec`, its code in `code_uri`.
pub fn function_properties(
    spec: &FunctionSpec,
    role: Value,
    code_uri: &str,
    layer: Value,
) -> Value {
    let mut properties = cfn::function_properties(spec, role, json!(null), layer);
    properties.remove("Code");
    properties.insert("CodeUri".into(), json!(code_uri));
    Value::Object(properties)
}

/// The lab as a SAM template.
pub fn template(model: &LabModel) -> Value {
    let mut properties = function_properties(
        &model.function,
        get_att(id::ROLE, "Arn"),
        &format!("{FUNCTION_DIR}/"),
        reference(id::LAYER_PARAMETER),
    );
    properties["Description"] = json!(model.function_description());
    // SAM takes a function's tags as a map.
    let tags: std::collections::BTreeMap<String, String> = model.tags().into_iter().collect();
    properties["Tags"] = json!(tags);
    let mut resources = cfn::shared_resources(model);
    resources.insert(
        id::FUNCTION.into(),
        json!({"Type": "AWS::Serverless::Function", "DependsOn": [id::LOG_GROUP], "Properties": properties}),
    );
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": TRANSFORM,
        "Description": format!("secretslab lab `{}` (SAM): a Lambda function reading its credentials through the Parameters and Secrets extension", model.names.lab),
        "Metadata": cfn::metadata(model),
        "Parameters": { id::LAYER_PARAMETER: cfn::layer_parameter(model) },
        "Resources": resources,
        "Outputs": cfn::outputs(model),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kinds::Store;
    use crate::iac::tests::model;

    #[test]
    fn the_function_is_serverless_with_its_folder() {
        let template = template(&model(Store::SecretsManager, false));
        assert_eq!(template["Transform"], TRANSFORM);
        let function = &template["Resources"]["Function"];
        assert_eq!(function["Type"], "AWS::Serverless::Function");
        assert_eq!(function["Properties"]["CodeUri"], "function/");
        assert!(function["Properties"].get("Code").is_none());
        assert_eq!(function["Properties"]["Tags"]["secretslab:lab"], "demo");
        assert!(template["Parameters"].get("CodeBucket").is_none());
    }
}
