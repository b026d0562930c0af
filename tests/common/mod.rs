//! Test support: an isolated SECRETSLAB_HOME with its own MiniStack on a random port,
//! the real binary, and SDK clients to check what really exists.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

// The crash and proxy tests drive the binary through hooks that only this feature compiles
// in (Cargo.toml's dev-dependency on the package turns it on); without them a kill test would
// see every command finish and pass for nothing.
#[cfg(not(feature = "test-seams"))]
compile_error!("the integration tests need the `test-seams` feature (see Cargo.toml)");

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secretslab::aws::{AwsContext, AwsOptions, Target};
use serde_json::Value;

pub struct TestHome {
    pub dir: tempfile::TempDir,
}

/// The MiniStack install shared by all tests (installing takes ~30 s; an emulator takes ~2 s).
pub fn shared_cache() -> PathBuf {
    std::env::var_os("SECRETSLAB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("secretslab-cache"))
}

/// The SAM transform MiniStack applies to `Transform: AWS::Serverless-2016-10-31` (its `full`
/// extra; the product installs the lean emulator). Only this package, not the extra's
/// database drivers and Docker client.
pub const SAM_TRANSLATOR: &str = "aws-sam-translator==1.115.0";

/// Give the shared MiniStack install the SAM transform, once, under the install's own lock
/// (a marker in the venv, so a new MiniStack version installs it again). Call before
/// starting the emulator that must deploy SAM templates.
pub fn ensure_sam_support() {
    use secretslab::local::emulator::{ensure_installed, BOTO3_VERSION};
    let cache = shared_cache();
    let dirs = secretslab::domain::state::Dirs {
        state: cache.join("unused-state"),
        cache: cache.clone(),
    };
    let progress = secretslab::ui::progress::Progress::new(true, true);
    let venv = ensure_installed(&dirs, &progress).expect("MiniStack install");
    let marker = venv.join(".secretslab-sam-ready");
    if marker.exists() {
        return;
    }
    let lock = std::fs::File::create(cache.join(".install.lock")).expect("install lock");
    lock.lock().expect("waiting for the install lock");
    if marker.exists() {
        return;
    }
    let started = std::time::Instant::now();
    let out = Command::new(venv.join("bin").join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(SAM_TRANSLATOR)
        // Keeps the boto3 MiniStack was installed with.
        .arg(format!("boto3=={BOTO3_VERSION}"))
        .output()
        .expect("run pip");
    assert!(
        out.status.success(),
        "installing {SAM_TRANSLATOR} into {}: {}",
        venv.display(),
        stderr(&out)
    );
    std::fs::write(&marker, SAM_TRANSLATOR).expect("SAM marker");
    eprintln!(
        "installed {SAM_TRANSLATOR} into {} in {:.1} s",
        venv.display(),
        started.elapsed().as_secs_f64()
    );
}

/// `target/`, where `scripts/install-checkers` put cfn-lint, checkov and tsc (the checkers
/// of the infrastructure code secretslab writes); fails when one is missing.
pub fn checkers() -> PathBuf {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    for tool in [
        "checkers-venv/bin/cfn-lint",
        "checkers-venv/bin/checkov",
        "checkers-node/node_modules/.bin/tsc",
    ] {
        assert!(
            target.join(tool).exists(),
            "target/{tool} is missing: run `scripts/install-checkers` (scripts/test does)"
        );
    }
    target
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_secretslab"))
}

impl TestHome {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The real binary, isolated in this home, without colours or ambient AWS settings.
    pub fn command(&self) -> Command {
        let mut command = Command::new(binary());
        command
            .env("SECRETSLAB_HOME", self.path())
            .env("SECRETSLAB_CACHE", shared_cache())
            .env("NO_COLOR", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("SECRETSLAB_ENDPOINT_URL")
            .env_remove("RUST_LOG");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run secretslab")
    }

    /// Run with `--json` and parse stdout as exactly one JSON document.
    pub fn json(&self, args: &[&str]) -> (Output, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of {args:?} is not one JSON document ({e}):\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out, doc)
    }

    /// Run and require success.
    pub fn ok(&self, args: &[&str]) -> Value {
        let (out, doc) = self.json(args);
        assert!(
            out.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            doc
        );
        doc
    }

    /// Start this home's emulator; returns its endpoint.
    pub fn start_emulator(&self) -> String {
        let doc = self.ok(&["local", "start"]);
        doc["endpoint"].as_str().expect("endpoint").to_string()
    }

    /// Start this home's emulator with IAM enforcement (`AUTH=true`): identity policies and
    /// missing roles are refused as on AWS. Returns its endpoint.
    pub fn start_emulator_enforcing_iam(&self) -> String {
        let out = self
            .command()
            .env("AUTH", "true")
            .args(["--json", "local", "start"])
            .output()
            .expect("run secretslab");
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).expect("json");
        doc["endpoint"].as_str().expect("endpoint").to_string()
    }

    /// SDK clients against this home's emulator, to check reality independently of the CLI.
    pub async fn sdk(&self, endpoint: &str) -> AwsContext {
        let options = AwsOptions {
            profile: None,
            region: Some("us-east-1".into()),
        };
        AwsContext::load(
            &options,
            Target::Local {
                endpoint: endpoint.to_string(),
            },
        )
        .await
    }

    /// Every file under the state directory, as text (for leak checks).
    pub fn state_files_text(&self) -> String {
        let mut text = String::new();
        let mut stack = vec![self.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    text.push_str(&String::from_utf8_lossy(&bytes));
                }
            }
        }
        text
    }

    /// Pids of live processes started for this home (they inherit SECRETSLAB_HOME).
    pub fn processes(&self) -> Vec<u32> {
        let needle = format!("SECRETSLAB_HOME={}", self.path().display());
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if pid == std::process::id() {
                continue;
            }
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            if stat
                .rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().next())
                == Some("Z")
            {
                continue;
            }
            if let Ok(environ) = std::fs::read(entry.path().join("environ")) {
                if environ
                    .split(|b| *b == 0)
                    .any(|var| var == needle.as_bytes())
                {
                    pids.push(pid);
                }
            }
        }
        pids
    }
}

impl TestHome {
    /// The emulator's session token, which the extension stand-in checks like the real one.
    pub fn token(&self) -> String {
        let emulator: Value = serde_json::from_slice(
            &std::fs::read(self.path().join("state/emulator.json")).unwrap(),
        )
        .unwrap();
        emulator["token"].as_str().expect("token").to_string()
    }

    /// The port of `lab`'s running extension, and the header that carries the token.
    pub fn extension(&self, lab: &str) -> (u16, String) {
        let port = self.ok(&["local", "status"])["extension_ports"][lab]
            .as_u64()
            .expect("extension port") as u16;
        let header = format!("X-Aws-Parameters-Secrets-Token: {}\r\n", self.token());
        (port, header)
    }

    /// `teardown --yes --force-delete-secret` for `lab`, required to succeed.
    pub fn force_teardown(&self, lab: &str) -> Value {
        self.ok(&force_teardown_args(lab))
    }
}

/// Run `args` with the pause hook at API call `call` and SIGKILL the process once it has
/// paused there: true when the kill landed mid-run, false when the command finished (it
/// makes fewer calls). Failing on its own fails the test.
pub fn killed_after_call(home: &TestHome, args: &[&str], call: usize) -> bool {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = home
        .command()
        .env(secretslab::aws::PAUSE_AFTER_CALL_ENV, call.to_string())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn secretslab");
    let reader = BufReader::new(child.stderr.take().expect("stderr"));
    let paused = reader
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("paused after call"));
    if paused {
        child.kill().expect("SIGKILL");
    }
    let status = child.wait().expect("wait");
    assert!(paused || status.success(), "{args:?} failed on its own");
    paused
}

impl Drop for TestHome {
    /// Whoever starts an emulator stops it, also when a test fails.
    fn drop(&mut self) {
        let _ = self.command().args(["local", "stop"]).output();
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Error codes AWS answers when the thing asked for does not exist.
const NOT_FOUND: &[&str] = &[
    "ResourceNotFoundException",
    "NoSuchEntity",
    "ParameterNotFound",
];

/// What an SDK call found: its output, or `None` when AWS answered "not found". Any other
/// error (an emulator that is down, a refused call) fails the test: "absent" must be an answer.
pub fn found<T, E>(result: Result<T, E>, what: &str) -> Option<T>
where
    E: aws_sdk_lambda::error::ProvideErrorMetadata + std::fmt::Debug,
{
    match result {
        Ok(output) => Some(output),
        Err(e) if e.code().is_some_and(|code| NOT_FOUND.contains(&code)) => None,
        Err(e) => panic!("reading {what} failed: {e:?}"),
    }
}

/// What exists for `lab`, asked directly through the SDK (not through the CLI).
pub async fn existing(sdk: &AwsContext, lab: &str) -> Vec<String> {
    let mut found_kinds = Vec::new();
    let function = sdk.lambda.get_function().function_name(lab).send().await;
    if found(function, "the function").is_some() {
        found_kinds.push("function".to_string());
    }
    let groups = sdk
        .logs
        .describe_log_groups()
        .log_group_name_prefix(format!("/aws/lambda/{lab}"))
        .send()
        .await
        .expect("log groups");
    if groups
        .log_groups()
        .iter()
        .any(|g| g.log_group_name() == Some(&format!("/aws/lambda/{lab}")))
    {
        found_kinds.push("log_group".to_string());
    }
    let role = sdk
        .iam
        .get_role()
        .role_name(format!("{lab}-role"))
        .send()
        .await;
    if found(role, "the role").is_some() {
        found_kinds.push("role".to_string());
    }
    let policies = sdk
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("policies");
    if policies
        .policies()
        .iter()
        .any(|p| p.policy_name() == Some(&format!("{lab}-read-secret")))
    {
        found_kinds.push("policy".to_string());
    }
    let secrets = sdk
        .secrets
        .list_secrets()
        .include_planned_deletion(true)
        .send()
        .await
        .expect("secrets");
    if secrets
        .secret_list()
        .iter()
        .any(|s| s.name() == Some(&format!("{lab}/credentials")))
    {
        found_kinds.push("secret".to_string());
    }
    let parameter = sdk
        .ssm
        .get_parameter()
        .name(format!("/{lab}/credentials"))
        .send()
        .await;
    if found(parameter, "the parameter").is_some() {
        found_kinds.push("parameter".to_string());
    }
    let database = sdk
        .ssm
        .get_parameter()
        .name(format!("/{lab}/simulated-db"))
        .send()
        .await;
    if found(database, "the simulated database").is_some() {
        found_kinds.push("simulated_database".to_string());
    }
    found_kinds
}

/// A raw `GET` on loopback, as the function sends it: (status, body).
pub fn http_get(port: u16, path: &str, headers: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The stand-in's counters, as it serves them live (token checked).
pub fn extension_stats(port: u16, token_header: &str) -> Value {
    let (status, body) = http_get(port, "/secretslab/stats", token_header);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("counters")
}

/// Whether every resource of a `status --json` document is in `state`.
pub fn all_resources(status: &Value, state: &str) -> bool {
    status["resources"]
        .as_array()
        .is_some_and(|resources| resources.iter().all(|r| r["state"] == state))
}

/// Whether a `test --json` document reports exactly `count` invocations, each a 200 that
/// read the secret.
pub fn every_invocation_read(test: &Value, count: usize) -> bool {
    test["invocations"].as_array().is_some_and(|invocations| {
        invocations.len() == count
            && invocations
                .iter()
                .all(|i| i["status"] == 200 && i["ok"] == true)
    })
}

/// The lab secret's real password, read through the SDK, to prove it reaches no output.
pub async fn lab_password(sdk: &AwsContext, lab: &str) -> String {
    let out = sdk
        .secrets
        .get_secret_value()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .expect("secret");
    let json: Value = serde_json::from_str(out.secret_string().expect("string")).expect("json");
    json["password"].as_str().expect("password").to_string()
}

/// Whether the lab's secret exists and is scheduled for deletion (read through the SDK).
pub async fn secret_scheduled(sdk: &AwsContext, lab: &str) -> bool {
    let described = sdk
        .secrets
        .describe_secret()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .expect("secret");
    described.deleted_date().is_some()
}

/// The lab function's environment as Lambda holds it.
pub async fn function_env(
    sdk: &AwsContext,
    lab: &str,
) -> std::collections::HashMap<String, String> {
    let function = sdk
        .lambda
        .get_function_configuration()
        .function_name(lab)
        .send()
        .await
        .expect("function");
    function
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default()
}

/// A parameter's value, read through the SDK (decrypted).
pub async fn parameter_value(sdk: &AwsContext, name: &str) -> String {
    let out = sdk
        .ssm
        .get_parameter()
        .name(name)
        .with_decryption(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("parameter {name}: {e}"));
    out.parameter()
        .and_then(|p| p.value())
        .expect("value")
        .to_string()
}

/// The lab parameter's real password, read through the SDK (decrypted).
pub async fn parameter_password(sdk: &AwsContext, lab: &str) -> String {
    let value = parameter_value(sdk, &format!("/{lab}/credentials")).await;
    let json: Value = serde_json::from_str(&value).expect("json");
    json["password"].as_str().expect("password").to_string()
}

/// The arguments of `teardown --yes --force-delete-secret` for `lab` on the local emulator.
pub fn force_teardown_args(lab: &str) -> [&str; 6] {
    [
        "--local",
        "--name",
        lab,
        "teardown",
        "--yes",
        "--force-delete-secret",
    ]
}

/// Put `bytes` at `bucket/key` in the emulator's S3, creating the bucket: two plain HTTP PUTs
/// in path style, as the account the tests' SDK clients act as. The emulator routes a request
/// by the service its credential scope names and checks no signature, so the tests need not
/// build the SDK's S3 client (one of its largest crates) only to upload a code package.
pub async fn put_in_emulator_s3(endpoint: &str, bucket: &str, key: &str, bytes: &[u8]) {
    for (path, body) in [
        (format!("/{bucket}"), &[][..]),
        (format!("/{bucket}/{key}"), bytes),
    ] {
        let (status, response) = http_put(endpoint, &path, body).await;
        assert_eq!(status, 200, "PUT {path} in the emulator's S3:\n{response}");
    }
}

/// One HTTP/1.1 PUT to the emulator, signed in form only: its status and its response.
async fn http_put(endpoint: &str, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connect to the emulator");
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: {}\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, \
         SignedHeaders=host, Signature=0\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("send");
    stream.write_all(body).await.expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("receive");
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    (status, response)
}
