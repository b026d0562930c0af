//! The lab in Node.js beside the lab in Python, on a real MiniStack (which runs Node.js
//! functions with the machine's `node`): the same `test` rows and JSON, exact counts, `up`
//! switching runtimes; and the handler change `migrate` prints, applied to a legacy function
//! in each language, executed after expand and after finish.

use crate::common;

use std::collections::BTreeSet;

use aws_sdk_lambda::client::Waiters;
use aws_sdk_lambda::primitives::Blob;
use common::{stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Every key path of a JSON document (`a.b`, arrays as `a[]`), to compare shapes.
fn key_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = format!("{prefix}.{key}");
                out.insert(path.clone());
                key_paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// `test`'s text with what differs between two labs blanked: the lab's name, the secret's
/// version id (also as the served version's start in each row), and the fetch times (which
/// vary run to run).
fn rows(text: &str, lab: &str, version_id: &str) -> Vec<String> {
    let served: String = version_id.chars().take(6).collect();
    let text = if served.is_empty() {
        text.to_string()
    } else {
        text.replace(&served, "V")
    };
    text.replace(lab, "LAB")
        .lines()
        .map(|line| match line.trim_start().strip_prefix("version ") {
            Some(_) => "version V",
            None => line,
        })
        .map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            let blanked: Vec<&str> = words
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let timed = words.get(i + 1) == Some(&"ms") && w.parse::<f64>().is_ok();
                    if timed {
                        "T"
                    } else {
                        w
                    }
                })
                .collect();
            blanked.join(" ")
        })
        .collect()
}

async fn function_config(sdk: &AwsContext, function: &str) -> (String, String, String) {
    let out = sdk
        .lambda
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .expect("function");
    (
        out.runtime()
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        out.handler().unwrap_or_default().to_string(),
        out.code_sha256().unwrap_or_default().to_string(),
    )
}

/// Up, then five invocations against a fresh stand-in: one miss, four hits, one upstream call.
fn up_and_test(home: &TestHome, lab: &str, runtime: &str) -> (Value, Vec<String>) {
    home.ok(&["--local", "--name", lab, "up", "--runtime", runtime]);
    let (out, test) = home.json(&["--local", "--name", lab, "test", "-n", "5"]);
    assert!(out.status.success(), "{runtime}: {}\n{test}", stderr(&out));
    assert!(common::every_invocation_read(&test, 5), "{runtime}: {test}");
    assert_eq!(
        test["invocations"][0]["cold_start"], true,
        "{runtime}: {test}"
    );
    assert_eq!(test["cache"]["method"], "exact", "{runtime}: {test}");
    assert_eq!(
        (
            &test["cache"]["misses"],
            &test["cache"]["hits"],
            &test["cache"]["upstream_calls"]
        ),
        (&Value::from(1), &Value::from(4), &Value::from(1)),
        "{runtime}: {test}"
    );
    let human = home.run(&["--local", "--name", lab, "test", "-n", "3"]);
    assert!(human.status.success(), "{}", stderr(&human));
    let version_id = test["secret"]["version_id"].as_str().unwrap_or_default();
    let rows = rows(&stdout(&human), lab, version_id);
    (test, rows)
}

/// The Node.js lab's export carries the Node.js handler: in function/, and as the deployed zip.
fn the_export_carries_the_node_handler(home: &TestHome, lab: &str) {
    let dir = home.path().join("rtjs-export");
    let export = home.ok(&[
        "--local",
        "--name",
        lab,
        "export",
        "--format",
        "cloudformation",
        "--output",
        dir.to_str().unwrap(),
    ]);
    assert!(
        !export["notes"].to_string().contains("code differs"),
        "{export}"
    );
    let handler = std::fs::read_to_string(dir.join("function/index.mjs")).unwrap();
    assert_eq!(
        handler,
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/function/index.mjs"))
    );
    assert!(!dir.join("function/lambda_function.py").exists());
    let zip = std::fs::read(dir.join("function.zip")).unwrap();
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    // The handler and the lab's instruments; not the SDK, which Lambda's runtime provides.
    let mut names: Vec<&str> = archive.file_names().collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["index.mjs", "instruments.mjs", "legacy.mjs", "stores.mjs"]
    );
    for (file, source) in secretslab::domain::handler::NODEJS.instruments {
        let exported = std::fs::read_to_string(dir.join("function").join(file)).unwrap();
        assert_eq!(&exported, source, "{file}");
    }
}

#[tokio::test]
async fn node_lab_answers_as_the_python_lab_and_up_switches_runtimes() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let (py_lab, js_lab) = ("rtpy", "rtjs");

    let (py_json, py_rows) = up_and_test(&home, py_lab, "python3.13");
    let (js_json, js_rows) = up_and_test(&home, js_lab, "nodejs22.x");
    let (runtime, handler, _) = function_config(&sdk, js_lab).await;
    assert_eq!(
        (runtime.as_str(), handler.as_str()),
        ("nodejs22.x", "index.handler")
    );
    let shape = |doc: &Value| {
        let mut paths = BTreeSet::new();
        key_paths(doc, "", &mut paths);
        paths
    };
    assert_eq!(shape(&py_json), shape(&js_json), "test --json keys differ");
    assert_eq!(py_rows, js_rows, "test rows differ");
    assert_eq!(js_json["secret"]["values"]["password"], "********");

    let status = home.ok(&["--local", "--name", js_lab, "status"]);
    assert!(common::all_resources(&status, "present"), "{status}");
    assert_eq!(status["runtime"], "nodejs22.x", "{status}");
    let text = stdout(&home.run(&["--local", "--name", js_lab, "status"]));
    assert!(text.contains("nodejs22.x, function/index.mjs"), "{text}");
    the_export_carries_the_node_handler(&home, js_lab);

    // Switching converges code, handler and runtime, both ways; a second up changes nothing.
    for (runtime, entry) in [
        ("python3.12", "lambda_function.lambda_handler"),
        ("nodejs20.x", "index.handler"),
    ] {
        let up = home.ok(&["--local", "--name", js_lab, "up", "--runtime", runtime]);
        let function = up["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "function")
            .unwrap();
        assert_eq!(function["action"], "update", "{up}");
        let (have, handler, sha) = function_config(&sdk, js_lab).await;
        assert_eq!((have.as_str(), handler.as_str()), (runtime, entry));
        let again = home.ok(&["--local", "--name", js_lab, "up", "--runtime", runtime]);
        assert_eq!(again["api_calls"]["writes"], 0, "{again}");
        assert_eq!(function_config(&sdk, js_lab).await.2, sha);
        let test = home.ok(&["--local", "--name", js_lab, "test", "-n", "2"]);
        assert!(common::every_invocation_read(&test, 2), "{runtime}: {test}");
        let status = home.ok(&["--local", "--name", js_lab, "status"]);
        assert!(common::all_resources(&status, "present"), "{status}");
    }
    // The node lab's status notices foreign code.
    let app = zip_of("index.mjs", "export const handler = async () => ({});\n");
    replace_code(&sdk, js_lab, app).await;
    let status = home.ok(&["--local", "--name", js_lab, "status"]);
    assert!(
        status
            .to_string()
            .contains("code differs from the lab's handler"),
        "{status}"
    );

    for lab in [py_lab, js_lab] {
        assert_eq!(home.force_teardown(lab)["remaining"], 0);
        assert!(common::existing(&sdk, lab).await.is_empty());
    }
    home.stop_local();
}

// ------------------------------------------------------------------ migrate's snippets

/// A legacy application in each language: it reads its password from the environment and
/// answers with a fingerprint of it (never the value).
const PYTHON_APP: &str = r#"import hashlib
import os


def lambda_handler(event, context):
    password = os.environ["DB_PASSWORD"]
    return {"fingerprint": hashlib.sha256(password.encode()).hexdigest()}
"#;

const NODE_APP: &str = r#"import { createHash } from "node:crypto";

export const handler = async () => {
  const password = process.env.DB_PASSWORD;
  return { fingerprint: createHash("sha256").update(password).digest("hex") };
};
"#;

fn fingerprint(value: &str) -> String {
    format!("{:x}", Sha256::digest(value.as_bytes()))
}

fn zip_of(file: &str, source: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    zip.start_file::<_, ()>(file, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(source.as_bytes()).unwrap();
    zip.finish().unwrap();
    buffer.into_inner()
}

async fn replace_code(sdk: &AwsContext, function: &str, zip: Vec<u8>) {
    sdk.lambda
        .update_function_code()
        .function_name(function)
        .zip_file(Blob::new(zip))
        .send()
        .await
        .expect("update code");
    sdk.lambda
        .wait_until_function_updated_v2()
        .function_name(function)
        .wait(std::time::Duration::from_secs(60))
        .await
        .expect("updated");
}

use common::invoke;

/// What a user does with the printed change: the snippet's code at the top of the module,
/// and the expression its last comment names (`(it was X)`) replaced by the one before it.
fn apply_change(app: &str, snippet: &str) -> String {
    let lines: Vec<&str> = snippet.lines().collect();
    let was = lines
        .iter()
        .position(|l| l.contains("(it was "))
        .expect("the snippet names the old expression");
    let old = lines[was]
        .split_once("(it was ")
        .unwrap()
        .1
        .trim_end()
        .trim_end_matches(')');
    let new = lines[was - 1]
        .split_once(" = ")
        .expect("the snippet shows the new expression")
        .1
        .trim_end()
        .trim_end_matches(';');
    assert!(app.contains(old), "`{old}` is not in the app");
    format!("{snippet}\n{}", app.replace(old, new))
}

#[tokio::test]
async fn migrate_handler_changes_run_in_python_and_in_node() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    for (lab, runtime, file, app) in [
        ("snpy", "python3.13", "lambda_function.py", PYTHON_APP),
        ("snjs", "nodejs22.x", "index.mjs", NODE_APP),
    ] {
        let function = format!("{lab}-legacy");
        home.ok(&[
            "--local",
            "--name",
            lab,
            "up",
            "--runtime",
            runtime,
            "--with-legacy",
        ]);
        assert_eq!(function_config(&sdk, &function).await.0, runtime);
        let env = common::function_env(&sdk, &function).await;
        let expected = fingerprint(&env["DB_PASSWORD"]);
        replace_code(&sdk, &function, zip_of(file, app)).await;
        assert_eq!(
            invoke(&sdk, &function).await["fingerprint"],
            expected.as_str()
        );

        let migrate = |args: &[&str]| {
            let mut all = vec!["--local", "--name", lab, "migrate", function.as_str()];
            all.extend_from_slice(args);
            home.ok(&all)
        };
        let expanded = migrate(&["--var", "DB_PASSWORD"]);
        let snippet = expanded["handler_change"].as_str().expect("handler_change");
        replace_code(&sdk, &function, zip_of(file, &apply_change(app, snippet))).await;
        let answer = invoke(&sdk, &function).await;
        assert_eq!(
            answer["fingerprint"],
            expected.as_str(),
            "{runtime} after expand: {answer}"
        );

        migrate(&["--finish"]);
        let env = common::function_env(&sdk, &function).await;
        assert!(
            !env.contains_key("DB_PASSWORD"),
            "{runtime}: plaintext left"
        );
        let answer = invoke(&sdk, &function).await;
        assert_eq!(
            answer["fingerprint"],
            expected.as_str(),
            "{runtime} after finish: {answer}"
        );
        assert_eq!(home.force_teardown(lab)["remaining"], 0);
    }
    home.stop_local();
}
