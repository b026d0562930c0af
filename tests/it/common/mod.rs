//! What the integration tests share: the real binary and the MiniStack install they all use,
//! the checkers of exported code, raw HTTP to the stand-in and the emulator, and the modules
//! below (an isolated home per test, SDK reads of what really exists, waits to a deadline).

#![allow(dead_code)]

mod home;
mod reads;
mod stacks;
mod wait;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub use home::TestHome;
pub use reads::*;
pub use stacks::wait_for_stack;
pub use wait::*;

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

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
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
