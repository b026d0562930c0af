//! `TestHome`: an isolated SECRETSLAB_HOME with its own MiniStack on a random port, the real
//! binary run in it, and the check that nothing it started outlives the test.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use secretslab::aws::{AwsContext, AwsOptions, Target};
use secretslab::local::process::{is_alive, stop_group};
use serde_json::Value;

use super::{binary, force_teardown_args, shared_cache, stderr, wait_for};

pub struct TestHome {
    pub dir: tempfile::TempDir,
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
impl TestHome {
    /// `local stop`, required to succeed: how a test ends what it started.
    pub fn stop_local(&self) {
        let out = self.run(&["local", "stop"]);
        assert!(out.status.success(), "local stop: {}", stderr(&out));
    }

    /// Waits until no process started for this home is left (a stopped emulator's workers
    /// take a moment to end).
    pub fn wait_until_no_process(&self) {
        wait_for(
            "every process of this home to end",
            Duration::from_secs(10),
            || match self.processes() {
                pids if pids.is_empty() => Ok(()),
                pids => Err(format!("still running: {pids:?}")),
            },
        )
    }

    /// What this home's state directory records as running: its emulator and each lab's
    /// extension, named with their pids.
    pub fn still_running(&self) -> Vec<String> {
        let state = self.path().join("state");
        let mut running = Vec::new();
        if let Some(pid) = live_pid(&state.join("emulator.json")) {
            running.push(format!("the emulator (pid {pid})"));
        }
        let records = std::fs::read_dir(state.join("extensions"))
            .into_iter()
            .flatten();
        for entry in records.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // `LAB.json` records a running extension; `LAB.stats.json` holds its counters.
            let Some(lab) = name
                .strip_suffix(".json")
                .filter(|l| !l.ends_with(".stats"))
            else {
                continue;
            };
            if let Some(pid) = live_pid(&entry.path()) {
                running.push(format!("lab `{lab}`'s extension (pid {pid})"));
            }
        }
        running
    }
}

/// The pid a state file records, if that process is alive.
fn live_pid(record: &Path) -> Option<u32> {
    let text = std::fs::read(record).ok()?;
    let pid = serde_json::from_slice::<Value>(&text).ok()?["pid"].as_u64()?;
    let pid = u32::try_from(pid).ok()?;
    is_alive(pid).then_some(pid)
}

impl Drop for TestHome {
    /// A test stops what it starts: an emulator or extension still running when its home
    /// goes fails the test (after being stopped). A test already failing is only cleaned up.
    fn drop(&mut self) {
        let outlived = self.still_running();
        if outlived.is_empty() {
            return;
        }
        let _ = self.command().args(["local", "stop"]).output();
        for pid in self.processes() {
            stop_group(pid, Duration::from_secs(2));
        }
        if !std::thread::panicking() {
            panic!(
                "{} outlived the test: end the test with `home.stop_local()` \
                 (`secretslab local stop`)",
                outlived.join(" and ")
            );
        }
    }
}
