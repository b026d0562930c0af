//! Differential test: the extension stand-in against AWS's own open-source sibling of the
//! extension, the AWS Secrets Manager Agent, on the same emulator and the same secret.
//! Runs when `aws_secretsmanager_agent` is on PATH (or SECRETSLAB_AGENT_BIN names it).
//!
//! Intended differences (the stand-in follows the Lambda extension; listed in the README):
//! - success bodies carry `ResultMetadata: {}` (the extension's shape), the Agent's do not;
//! - the Agent also serves `/ping` and `/v1/<secretId>`; the extension serves neither.

use crate::common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::TestHome;
use serde_json::Value;

/// The Agent binary, or `None` (test skipped) when it is not installed. With
/// `SECRETSLAB_REQUIRE_AGENT=1` (set by CI, which installs it) a missing Agent fails instead.
fn agent_binary() -> Option<PathBuf> {
    let found = match std::env::var_os("SECRETSLAB_AGENT_BIN") {
        Some(path) => Some(PathBuf::from(path)).filter(|p| p.is_file()),
        None => std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("aws_secretsmanager_agent"))
            .find(|p| p.is_file()),
    };
    if found.is_none() {
        assert!(
            std::env::var_os("SECRETSLAB_REQUIRE_AGENT").is_none(),
            "SECRETSLAB_REQUIRE_AGENT is set but no Agent was found (SECRETSLAB_AGENT_BIN or PATH)"
        );
        eprintln!("skipped: aws_secretsmanager_agent is not installed (cargo install aws_secretsmanager_agent)");
    }
    found
}

fn request(port: u16, path: &str, headers: &str) -> (u16, String) {
    let (status, body) = common::http_get(port, path, headers);
    // Chunked bodies: keep the JSON or text payload only.
    let body = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if status == 200 || body.contains("__type") => body[a..=b].to_string(),
        _ => body
            .lines()
            .filter(|l| !l.trim().is_empty() && u64::from_str_radix(l.trim(), 16).is_err())
            .collect::<Vec<_>>()
            .join(""),
    };
    (status, body)
}

/// The parts of an answer both must agree on.
fn comparable(status: u16, body: &str) -> Value {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut map)) => {
            map.remove("ResultMetadata");
            if status != 200 {
                map.remove("message");
            }
            serde_json::json!({"status": status, "body": map})
        }
        _ => serde_json::json!({"status": status, "body": body.trim()}),
    }
}

struct Agent(Child);

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Agent on a port of its own against `endpoint`, with the stand-in's TTL (2 s), told the
/// emulator's token; once it listens. Its port, and the process (ended when dropped).
fn start_agent(binary: &std::path::Path, home: &TestHome, endpoint: &str) -> (u16, Agent) {
    let token = home.token();
    let agent_port = portpicker();
    let config = home.path().join("agent.toml");
    std::fs::write(
        &config,
        format!("http_port = \"{agent_port}\"\nttl_seconds = \"2\"\ncache_size = \"1000\"\nregion = \"us-east-1\"\nlog_level = \"INFO\"\nlog_to_file = false\nvalidate_credentials = false\n"),
    )
    .unwrap();
    let agent = Agent(
        Command::new(binary)
            .arg("--config")
            .arg(&config)
            .env("AWS_TOKEN", &token)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    common::wait_until(
        "the Agent to listen on its port",
        Duration::from_secs(10),
        || TcpStream::connect(("127.0.0.1", agent_port)).is_ok(),
    );

    (agent_port, agent)
}

/// The requests both must answer alike: (name, path, headers).
fn cases(lab: &str, good: &str, version_id: &str) -> Vec<(&'static str, String, String)> {
    let path = format!("/secretsmanager/get?secretId={lab}%2Fcredentials");
    let good = good.to_string();
    vec![
        ("valid", path.clone(), good.clone()),
        ("no token", path.clone(), String::new()),
        (
            "wrong token",
            path.clone(),
            "X-Aws-Parameters-Secrets-Token: nope\r\n".into(),
        ),
        (
            "forwarded",
            path.clone(),
            format!("{good}X-Forwarded-For: 10.1.2.3\r\n"),
        ),
        (
            "unknown secret",
            "/secretsmanager/get?secretId=no-such-secret".into(),
            good.clone(),
        ),
        (
            "version stage",
            format!("{path}&versionStage=AWSCURRENT"),
            good.clone(),
        ),
        (
            "version id",
            format!("{path}&versionId={version_id}"),
            good.clone(),
        ),
        (
            "missing secretId",
            "/secretsmanager/get".into(),
            good.clone(),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn stand_in_answers_like_the_secrets_manager_agent() {
    let Some(binary) = agent_binary() else {
        return;
    };
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let lab = "diff";
    home.ok(&["--local", "--name", lab, "up", "--ttl", "2"]);
    let (standin_port, good) = home.extension(lab);

    let (agent_port, _agent) = start_agent(&binary, &home, &endpoint);
    let sdk = home.sdk(&endpoint).await;
    let secret_id = format!("{lab}/credentials");
    let first_version = sdk
        .secrets
        .describe_secret()
        .secret_id(&secret_id)
        .send()
        .await
        .unwrap();
    let version_id = first_version
        .version_ids_to_stages()
        .unwrap()
        .iter()
        .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
        .map(|(id, _)| id.clone())
        .unwrap();
    let path = format!("/secretsmanager/get?secretId={lab}%2Fcredentials");
    let compare = |name: &str, path: &str, headers: &str| {
        let (s1, b1) = request(standin_port, path, headers);
        let (s2, b2) = request(agent_port, path, headers);
        let (a, b) = (comparable(s1, &b1), comparable(s2, &b2));
        if name == "missing secretId" {
            // Both refuse with 400; the wording of the plain-text message may differ.
            assert_eq!((s1, s2), (400, 400), "{name}: stand-in {b1} / agent {b2}");
        } else {
            assert_eq!(a, b, "{name}: stand-in vs agent");
        }
        b1
    };
    for (name, path, headers) in cases(lab, &good, &version_id) {
        compare(name, &path, &headers);
    }

    // A value change: within the TTL both still serve the cached version; after it, the new one.
    sdk.secrets
        .put_secret_value()
        .secret_id(&secret_id)
        .secret_string(r#"{"username":"u","password":"changed"}"#)
        .send()
        .await
        .unwrap();
    let within = compare("after change, within TTL", &path, &good);
    assert!(
        within.contains(&version_id),
        "cached version served within the TTL"
    );
    // Time itself is what is tested here (both caches' TTL passing), not an event to poll for.
    std::thread::sleep(Duration::from_millis(2600));
    let after = compare("after change, after TTL", &path, &good);
    assert!(
        !after.contains(&version_id) && after.contains("changed"),
        "new version after the TTL"
    );
    home.force_teardown(lab);
    home.stop_local();
}

/// `local start --extension agent`: the whole local lab served by the real Agent.
#[test]
fn local_lab_runs_on_the_real_agent() {
    let Some(binary) = agent_binary() else {
        return;
    };
    let home = TestHome::new();
    let with_agent = |args: &[&str]| {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = home
            .command()
            .env("SECRETSLAB_AGENT_BIN", &binary)
            .args(&all)
            .output()
            .unwrap();
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        (out, doc)
    };

    // The stand-in is running: asking for the Agent is refused, not silently ignored.
    home.start_emulator();
    let (out, doc) = with_agent(&["local", "start", "--extension", "agent"]);
    assert_eq!(out.status.code(), Some(1), "{doc}");
    assert!(
        doc["error"]["help"]
            .as_str()
            .unwrap()
            .contains("local stop"),
        "{doc}"
    );
    home.ok(&["local", "stop"]);

    let (out, started) = with_agent(&["local", "start", "--extension", "agent"]);
    assert!(out.status.success(), "{}\n{started}", common::stderr(&out));
    assert_eq!(started["extension"], "agent");
    let lab = "agentlab";
    let (out, up) = with_agent(&["--local", "--name", lab, "up"]);
    assert!(out.status.success(), "{}\n{up}", common::stderr(&out));

    // The function reads the secret through the Agent on every invocation.
    let (out, test) = with_agent(&["--local", "--name", lab, "test", "-n", "3"]);
    assert!(out.status.success(), "{}\n{test}", common::stderr(&out));
    assert!(common::every_invocation_read(&test, 3), "{test}");
    assert_eq!(
        test["secret"]["keys"],
        serde_json::json!(["password", "username"])
    );

    // The Agent is one of this home's processes, and `local stop` ends it with the rest.
    let agent_pids: Vec<u32> = home
        .processes()
        .into_iter()
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe.ends_with("aws_secretsmanager_agent"))
        })
        .collect();
    assert_eq!(agent_pids.len(), 1, "one Agent for the lab");
    home.force_teardown(lab);
    home.ok(&["local", "stop"]);
    home.wait_until_no_process();
}

fn portpicker() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
