//! A user's CloudFormation or SAM template, JSON or YAML (short-form tags such as `!Ref`,
//! `!GetAtt` and `!Sub` kept as they are): read, patched only where one function's change
//! needs it (the function's layers and environment, its role's grant), written back in the
//! same format; and what a deployed template's function declares (for `--finish`).

use std::collections::BTreeSet;

use yaml_serde::value::TaggedValue;
use yaml_serde::{Mapping, Value};

use crate::domain::migration::is_extension_layer;
use crate::iac::change::{policy_resource, FunctionChange};

const FUNCTION_TYPES: [&str; 2] = ["AWS::Lambda::Function", "AWS::Serverless::Function"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

/// A parsed template and the format it came in.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub format: Format,
    pub body: Value,
}

/// Parse a template: JSON when it starts with `{`, else YAML.
pub fn parse(text: &str) -> Result<Template, String> {
    if text.trim_start().starts_with('{') {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let body = yaml_serde::to_value(json).map_err(|e| e.to_string())?;
        return Ok(Template {
            format: Format::Json,
            body,
        });
    }
    let body: Value = yaml_serde::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    match body.is_mapping() {
        true => Ok(Template {
            format: Format::Yaml,
            body,
        }),
        false => Err("not a template (its top level is not a mapping)".into()),
    }
}

impl Template {
    /// The template in its own format.
    pub fn render(&self) -> String {
        match self.format {
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&self.body).unwrap_or_default();
                text.push('\n');
                text
            }
            Format::Yaml => yaml_serde::to_string(&self.body).unwrap_or_default(),
        }
    }

    fn resource(&self, id: &str) -> Option<&Value> {
        self.body.get("Resources")?.get(id)
    }

    /// The variable names the function `id` declares in its environment, `None` when the
    /// template has no such function.
    pub fn function_env_names(&self, id: &str) -> Option<BTreeSet<String>> {
        let function = self.resource(id)?;
        let kind = function.get("Type")?.as_str()?;
        if !FUNCTION_TYPES.contains(&kind) {
            return None;
        }
        let variables = function
            .get("Properties")
            .and_then(|p| p.get("Environment"))
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping);
        let names = variables.into_iter().flat_map(|m| m.keys());
        Some(
            names
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect(),
        )
    }

    /// Apply the change to the function `change.function_id()` and its role.
    pub fn patch(&mut self, change: &FunctionChange) -> Result<(), String> {
        let id = change.function_id();
        let function = self.resource(&id);
        let kind = function.and_then(|f| f.get("Type")).and_then(Value::as_str);
        let serverless = match kind {
            Some("AWS::Lambda::Function") => false,
            Some("AWS::Serverless::Function") => true,
            _ => return Err(format!("the template has no function resource `{id}`")),
        };
        let role = self
            .resource(&id)
            .and_then(|f| f.get("Properties"))
            .and_then(|p| p.get("Role"))
            .map(role_resource);
        patch_function(self.function_properties(&id)?, change)?;
        match role.flatten() {
            Some(role_id) if self.is_role(&role_id) => self.grant_in_role(&role_id, change),
            None if serverless => {
                let properties = self.function_properties(&id)?;
                let policies = sequence(properties, "Policies")?;
                policies.push(to_yaml(&change.policy_document())?);
                Ok(())
            }
            _ => self.grant_as_resource(change),
        }
    }

    fn function_properties(&mut self, id: &str) -> Result<&mut Mapping, String> {
        let function = (self.body.get_mut("Resources"))
            .and_then(|r| r.get_mut(id))
            .and_then(Value::as_mapping_mut)
            .ok_or_else(|| format!("the template has no function resource `{id}`"))?;
        mapping(function, "Properties")
    }

    fn is_role(&self, id: &str) -> bool {
        let kind = self.resource(id).and_then(|r| r.get("Type"));
        kind.and_then(Value::as_str) == Some("AWS::IAM::Role")
    }

    /// The grant as an inline policy of the template's own role (replacing one of its name).
    fn grant_in_role(&mut self, role_id: &str, change: &FunctionChange) -> Result<(), String> {
        let role = (self.body.get_mut("Resources"))
            .and_then(|r| r.get_mut(role_id))
            .and_then(Value::as_mapping_mut)
            .ok_or_else(|| format!("the template has no role `{role_id}`"))?;
        let policies = sequence(mapping(role, "Properties")?, "Policies")?;
        let name = change.policy_name();
        policies.retain(|p| p.get("PolicyName").and_then(Value::as_str) != Some(name.as_str()));
        let policy =
            serde_json::json!({"PolicyName": name, "PolicyDocument": change.policy_document()});
        policies.push(to_yaml(&policy)?);
        Ok(())
    }

    /// The grant as a policy resource of its own, on the role by name (a role the template
    /// does not declare).
    fn grant_as_resource(&mut self, change: &FunctionChange) -> Result<(), String> {
        let resources = mapping(
            self.body.as_mapping_mut().ok_or("not a template")?,
            "Resources",
        )?;
        let resource = policy_resource(change, serde_json::json!(change.role_name()));
        resources.insert(Value::from(change.policy_id()), to_yaml(&resource)?);
        Ok(())
    }
}

/// The function's environment without the plaintext, with the references and settings; its
/// layers with the extension's (replacing another version of it).
fn patch_function(properties: &mut Mapping, change: &FunctionChange) -> Result<(), String> {
    let environment = mapping(properties, "Environment")?;
    let variables = mapping(environment, "Variables")?;
    for name in &change.removed {
        variables.remove(name.as_str());
    }
    for (name, value) in &change.spec.env {
        variables.insert(Value::from(name.as_str()), Value::from(value.as_str()));
    }
    let layers = sequence(properties, "Layers")?;
    layers.retain(|l| {
        !l.as_str().is_some_and(is_extension_layer) && l.as_str() != Some(&change.spec.layer_arn)
    });
    layers.push(Value::from(change.spec.layer_arn.as_str()));
    Ok(())
}

/// The logical id a `Role` names through `!GetAtt ID.Arn`, `Fn::GetAtt: [ID, Arn]` or
/// `!Ref ID`; `None` for a literal ARN or an expression secretslab does not follow.
fn role_resource(role: &Value) -> Option<String> {
    let (tag, target) = match role {
        Value::Tagged(tagged) => {
            let TaggedValue { tag, value } = tagged.as_ref();
            (
                tag.to_string().trim_start_matches('!').to_string(),
                value.clone(),
            )
        }
        Value::Mapping(map) if map.len() == 1 => {
            let (key, value) = map.iter().next()?;
            let key = key.as_str()?.trim_start_matches("Fn::");
            (key.to_string(), value.clone())
        }
        _ => return None,
    };
    let id = match (tag.as_str(), &target) {
        ("GetAtt", Value::String(path)) => path.split('.').next()?.to_string(),
        ("GetAtt", Value::Sequence(parts)) => parts.first()?.as_str()?.to_string(),
        ("Ref", Value::String(id)) => id.clone(),
        _ => return None,
    };
    Some(id)
}

/// `map[key]` as a mapping, created when missing.
fn mapping<'a>(map: &'a mut Mapping, key: &str) -> Result<&'a mut Mapping, String> {
    let entry = map
        .entry(Value::from(key))
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    entry.as_mapping_mut().ok_or_else(|| {
        format!("`{key}` is not a mapping (an expression secretslab does not rewrite)")
    })
}

/// `map[key]` as a sequence, created when missing.
fn sequence<'a>(map: &'a mut Mapping, key: &str) -> Result<&'a mut Vec<Value>, String> {
    let entry = map
        .entry(Value::from(key))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    entry
        .as_sequence_mut()
        .ok_or_else(|| format!("`{key}` is not a list (an expression secretslab does not rewrite)"))
}

fn to_yaml(value: &serde_json::Value) -> Result<Value, String> {
    yaml_serde::to_value(value).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::change::tests::change;

    const YAML: &str = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  DbPassword:\n    Type: String\n    NoEcho: true\nResources:\n  HandlerRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n  OrdersHandler:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt HandlerRole.Arn\n      Description: !Sub '${AWS::StackName} orders'\n      Environment:\n        Variables:\n          DB_USER: orders\n          DB_PASSWORD: !Ref DbPassword\n";

    #[test]
    fn a_yaml_template_changes_only_where_the_function_and_its_role_need_it() {
        let mut template = parse(YAML).unwrap();
        let before = template.clone();
        template.patch(&change()).unwrap();
        let text = template.render();
        assert!(text.contains("Role: !GetAtt HandlerRole.Arn"), "{text}");
        assert!(text.contains("!Sub ${AWS::StackName} orders"), "{text}");
        let names = template.function_env_names("OrdersHandler").unwrap();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["DB_PASSWORD_SECRET_ID", "DB_USER"]
        );
        let role = &template.body["Resources"]["HandlerRole"]["Properties"]["Policies"][0];
        assert_eq!(
            role["PolicyName"],
            Value::from("orders-api-read-moved-variables")
        );
        assert_eq!(template.body["Parameters"], before.body["Parameters"]);
        let reparsed = parse(&text).unwrap();
        assert_eq!(reparsed, template);
    }

    #[test]
    fn a_json_template_with_a_literal_role_gets_a_policy_resource() {
        let json = r#"{"Resources": {"OrdersHandler": {"Type": "AWS::Lambda::Function", "Properties": {"Role": "arn:aws:iam::1:role/orders-role", "Layers": ["arn:aws:lambda:us-east-1:1:layer:AWS-Parameters-and-Secrets-Lambda-Extension:11"]}}}}"#;
        let mut template = parse(json).unwrap();
        template.patch(&change()).unwrap();
        assert_eq!(template.format, Format::Json);
        let layers = &template.body["Resources"]["OrdersHandler"]["Properties"]["Layers"];
        assert_eq!(layers.as_sequence().map(Vec::len), Some(1));
        let policy = &template.body["Resources"]["OrdersHandlerReadMovedVariables"];
        assert_eq!(policy["Properties"]["Roles"][0], Value::from("orders-role"));
        assert!(template.render().starts_with('{'));
        let mut other = change();
        other.logical_id = Some("Missing".into());
        assert!(parse(json).unwrap().patch(&other).is_err());
    }
}
