//! The `chaos-proxy` binary: its endpoint printed, its proxying, its refusals.

use super::server::blocking_get_secret;
use super::*;

#[test]
fn binary_prints_its_endpoint_and_proxies() {
    let upstream = Upstream::start_on_thread();
    let dir = std::env::temp_dir().join(format!("chaos-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_path = dir.join("config.json");
    std::fs::write(
        &config_path,
        r#"{"upstream": "http://127.0.0.1:1", "throttle_rate": 0.0, "max_lifetime_ms": 30000,
            "latency": {"Secrets Manager.*": {"base_ms": 10}}}"#,
    )
    .unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chaos-proxy"))
        .arg(&config_path)
        .arg("--upstream")
        .arg(upstream.url())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line
        .trim_end()
        .strip_prefix("endpoint=")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let status = blocking_get_secret(&endpoint);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        upstream.count(),
        1,
        "--upstream must override the config file"
    );
}

#[test]
fn binary_rejects_bad_arguments() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chaos-proxy"))
        .arg("/nonexistent/config.json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}
