//! CDK Python for one function's change, through a small typed builder: calls with keyword
//! arguments, lists and names we write; every value (names, ARNs, settings) is a literal
//! rendered from JSON into Python's spelling.

use serde_json::Value;

use crate::iac::change::FunctionChange;

/// A Python expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    Lit(Value),
    /// A name or attribute path written by secretslab itself (`lambda_.Runtime`).
    Name(&'static str),
    /// `callee(args, key=value, …)`
    Call(&'static str, Vec<Py>, Vec<(&'static str, Py)>),
    List(Vec<Py>),
}

impl Py {
    pub fn lit(value: impl serde::Serialize) -> Self {
        Py::Lit(serde_json::to_value(value).unwrap_or(Value::Null))
    }

    pub fn render(&self, indent: usize) -> String {
        let pad = "    ".repeat(indent + 1);
        let close = "    ".repeat(indent);
        match self {
            Py::Lit(value) => literal(value),
            Py::Name(name) => (*name).to_string(),
            Py::Call(callee, args, kwargs) => {
                let mut parts: Vec<String> = args.iter().map(|a| a.render(indent + 1)).collect();
                parts.extend(
                    kwargs
                        .iter()
                        .map(|(k, v)| format!("{k}={}", v.render(indent + 1))),
                );
                if parts.is_empty() {
                    return format!("{callee}()");
                }
                let body: String = parts.iter().map(|p| format!("{pad}{p},\n")).collect();
                format!("{callee}(\n{body}{close})")
            }
            Py::List(items) => {
                let body: String = (items.iter())
                    .map(|i| format!("{pad}{},\n", i.render(indent + 1)))
                    .collect();
                format!("[\n{body}{close}]")
            }
        }
    }
}

/// A JSON value in Python's spelling (JSON strings are valid Python strings).
fn literal(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = (map.iter())
                .map(|(k, v)| format!("{}: {}", literal(&Value::from(k.as_str())), literal(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

fn seconds(value: u16) -> Py {
    Py::Call("Duration.seconds", vec![Py::lit(value)], vec![])
}

/// `params_and_secrets`: the extension layer by ARN with the function's settings.
fn params_and_secrets(change: &FunctionChange) -> Py {
    let settings = change.spec.extension();
    Py::Call(
        "lambda_.ParamsAndSecretsLayerVersion.from_version_arn",
        vec![Py::lit(&change.spec.layer_arn)],
        vec![
            ("cache_size", Py::lit(settings.cache_size)),
            ("http_port", Py::lit(settings.port)),
            (
                "log_level",
                Py::Name("lambda_.ParamsAndSecretsLogLevel.INFO"),
            ),
            ("secrets_manager_ttl", seconds(settings.ttl_seconds)),
            ("parameter_store_ttl", seconds(settings.ssm_ttl_seconds)),
        ],
    )
}

/// `iam.PolicyStatement(...)` for each read statement, on the document's literal ARN.
fn statements(change: &FunctionChange) -> Vec<Py> {
    let statements = change.statements();
    let list = |value: &Value| match value {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    (statements.iter())
        .map(|s| {
            Py::Call(
                "iam.PolicyStatement",
                vec![],
                vec![
                    ("sid", Py::Lit(s["Sid"].clone())),
                    ("effect", Py::Name("iam.Effect.ALLOW")),
                    ("actions", Py::Lit(Value::Array(list(&s["Action"])))),
                    ("resources", Py::Lit(Value::Array(list(&s["Resource"])))),
                ],
            )
        })
        .collect()
}

/// The change as a Python module: `ENVIRONMENT` and `PARAMS_AND_SECRETS` for the function's
/// props, `grant_read(fn)` for its role.
pub fn module(change: &FunctionChange) -> String {
    let mut out = format!(
        "# secretslab migrate: the change to function `{}` ({}).\n# {}\nfrom aws_cdk import Duration\nfrom aws_cdk import aws_iam as iam\nfrom aws_cdk import aws_lambda as lambda_\n\n",
        change.spec.name,
        change.function_id(),
        change.summary()
    );
    out.push_str("# The function's `environment` (without the removed variables).\n");
    out.push_str(&format!(
        "ENVIRONMENT = {}\n\n",
        Py::lit(&change.spec.env).render(0)
    ));
    out.push_str("# The function's `params_and_secrets`: the extension layer for its region and architecture.\n");
    out.push_str(&format!(
        "PARAMS_AND_SECRETS = {}\n\n\n",
        params_and_secrets(change).render(0)
    ));
    out.push_str("def grant_read(fn: lambda_.IFunction) -> None:\n    \"\"\"After the function is defined: its role may read the document, and nothing else.\"\"\"\n");
    for statement in statements(change) {
        out.push_str(&format!(
            "    fn.add_to_role_policy({})\n",
            statement.render(1)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iac::change::tests::change;

    #[test]
    fn the_module_names_the_layer_the_reference_and_the_grant() {
        let text = module(&change());
        assert!(
            text.contains("from_version_arn(\n    \"arn:aws:lambda:us-east-1:177933569100"),
            "{text}"
        );
        assert!(
            text.contains("ENVIRONMENT = {\"DB_PASSWORD_SECRET_ID\": \"orders-api/env\"}"),
            "{text}"
        );
        assert!(
            text.contains("fn.add_to_role_policy(iam.PolicyStatement("),
            "{text}"
        );
        assert!(!text.contains("true") && !text.contains("null"));
    }
}
