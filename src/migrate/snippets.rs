//! The code change a handler needs once its variables moved: read them through the extension
//! (on `localhost`, with the session token), for the function's runtime.

use crate::domain::kinds::Store;
use crate::domain::migration::reference_var;
use crate::domain::runtime::{LambdaRuntime, Language};

/// The snippet for `runtime` (Python and Node.js; other runtimes get the HTTP call described).
pub fn handler_change(runtime: Option<&LambdaRuntime>, store: Store, vars: &[String]) -> String {
    let example = vars.first().map(String::as_str).unwrap_or("DB_PASSWORD");
    let suffix = reference_var("", store);
    match runtime.map(LambdaRuntime::language) {
        Some(Language::Python) => python(store, &suffix, example),
        Some(Language::Nodejs) => node(store, &suffix, example),
        _ => other(store, &suffix, runtime.map_or("", LambdaRuntime::id)),
    }
}

/// The extension's path and how the value comes out of its answer.
fn endpoint(store: Store) -> (&'static str, &'static str) {
    match store {
        Store::SecretsManager => ("/secretsmanager/get?secretId=", "SecretString"),
        Store::ParameterStore => (
            "/systemsmanager/parameters/get?withDecryption=true&name=",
            "Parameter.Value",
        ),
    }
}

fn python(store: Store, suffix: &str, example: &str) -> String {
    let (path, _) = endpoint(store);
    let pick = match store {
        Store::SecretsManager => "answer[\"SecretString\"]",
        Store::ParameterStore => "answer[\"Parameter\"][\"Value\"]",
    };
    format!(
        r#"# Python: read a moved variable through the extension.
import json, os, urllib.parse, urllib.request

def read_moved(var):
    port = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
    ref = urllib.parse.quote(os.environ[var + "{suffix}"], safe="")
    path = "{path}"
    token = os.environ["AWS_SESSION_TOKEN"]
    request = urllib.request.Request(
        f"http://localhost:{{port}}{{path}}{{ref}}",
        headers={{"X-Aws-Parameters-Secrets-Token": token}},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.load(response)
    return json.loads({pick})[var]

# In the handler (not at import: the extension is ready after init):
#   {example_lower} = read_moved("{example}")
#   (it was os.environ["{example}"])
"#,
        example_lower = example.to_lowercase()
    )
}

fn node(store: Store, suffix: &str, example: &str) -> String {
    let (path, _) = endpoint(store);
    let pick = match store {
        Store::SecretsManager => "answer.SecretString",
        Store::ParameterStore => "answer.Parameter.Value",
    };
    format!(
        r#"// Node.js 18+: read a moved variable through the extension.
async function readMoved(name) {{
  const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? "2773";
  const ref = encodeURIComponent(process.env[`${{name}}{suffix}`]);
  const path = "{path}";
  const token = process.env.AWS_SESSION_TOKEN;
  const response = await fetch(`http://localhost:${{port}}${{path}}${{ref}}`, {{
    headers: {{ "X-Aws-Parameters-Secrets-Token": token }},
  }});
  if (!response.ok) throw new Error(`extension: ${{response.status}}`);
  const answer = await response.json();
  return JSON.parse({pick})[name];
}}

// In the handler (not at module load: the extension is ready after init):
//   const value = await readMoved("{example}");
//   (it was process.env.{example})
"#
    )
}

fn other(store: Store, suffix: &str, runtime: &str) -> String {
    let (path, field) = endpoint(store);
    let runtime = if runtime.is_empty() {
        "this function's runtime"
    } else {
        runtime
    };
    format!(
        "For {runtime}: in the handler, GET http://localhost:$PARAMETERS_SECRETS_EXTENSION_HTTP_PORT{path}<value of NAME{suffix}, URL-encoded> (port 2773 by default) with the header X-Aws-Parameters-Secrets-Token: $AWS_SESSION_TOKEN; {field} in the answer is a JSON object, and its member NAME is the value.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_runtime_gets_its_snippet() {
        let vars = vec!["DB_PASSWORD".to_string()];
        let runtime = |id: &str| LambdaRuntime::from_id(id);
        let py = handler_change(Some(&runtime("python3.13")), Store::SecretsManager, &vars);
        assert!(py.contains("DB_PASSWORD_SECRET_ID") || py.contains("\"_SECRET_ID\""));
        assert!(py.contains("/secretsmanager/get?secretId="));
        assert!(py.contains("read_moved(\"DB_PASSWORD\")"));
        let js = handler_change(Some(&runtime("nodejs22.x")), Store::ParameterStore, &vars);
        assert!(js.contains("_PARAMETER_NAME") && js.contains("withDecryption=true"));
        for snippet in [&py, &js] {
            assert!(
                snippet.lines().all(|l| l.chars().count() <= 76),
                "{snippet}"
            );
        }
        assert!(js.contains("answer.Parameter.Value"));
        let java = handler_change(Some(&runtime("java21")), Store::SecretsManager, &vars);
        assert!(java.starts_with("For java21"));
    }
}
