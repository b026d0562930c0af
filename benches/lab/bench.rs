//! The benchmark's own home (isolated state, the shared MiniStack install) and the binary it
//! runs, and the statistics every measurement uses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chaos_proxy::CallRecord;
use serde_json::Value;

pub struct Bench {
    pub home: tempfile::TempDir,
    pub cache: PathBuf,
    pub binary: PathBuf,
}

impl Bench {
    pub fn new(root: &Path) -> Self {
        Bench {
            home: tempfile::tempdir().unwrap(),
            cache: std::env::var_os("SECRETSLAB_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/secretslab-test-cache")),
            binary: PathBuf::from(env!("CARGO_BIN_EXE_secretslab")),
        }
    }

    pub fn command(&self, via: Option<&str>) -> Command {
        self.command_of(&self.binary, via)
    }

    pub fn command_of(&self, binary: &Path, via: Option<&str>) -> Command {
        let mut command = Command::new(binary);
        command
            .env("SECRETSLAB_HOME", self.home.path())
            .env("SECRETSLAB_CACHE", &self.cache)
            .env("NO_COLOR", "1")
            .env_remove("SECRETSLAB_LOCAL_CALLS_VIA");
        if let Some(via) = via {
            command.env("SECRETSLAB_LOCAL_CALLS_VIA", via);
        }
        command
    }

    /// `teardown --yes --force-delete-secret` of `lab`.
    pub fn teardown(&self, via: Option<&str>, lab: &str) -> (Duration, Value) {
        self.run(
            via,
            &[
                "--local",
                "--name",
                lab,
                "teardown",
                "--yes",
                "--force-delete-secret",
            ],
        )
    }

    pub fn run(&self, via: Option<&str>, args: &[&str]) -> (Duration, Value) {
        self.run_of(&self.binary, via, args)
    }

    pub fn run_of(&self, binary: &Path, via: Option<&str>, args: &[&str]) -> (Duration, Value) {
        let started = Instant::now();
        let out: Output = self
            .command_of(binary, via)
            .arg("--json")
            .args(args)
            .output()
            .expect("run secretslab");
        let elapsed = started.elapsed();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (elapsed, serde_json::from_slice(&out.stdout).expect("json"))
    }

    pub fn python(&self) -> PathBuf {
        self.cache.join("ministack-1.5.33/bin/python")
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        let _ = self.command(None).args(["local", "stop"]).output();
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank]
}

pub fn count_writes(calls: &[CallRecord]) -> usize {
    calls
        .iter()
        .filter(|c| secretslab::aws::is_write(&format!("{}.{}", c.service, c.operation)))
        .count()
}
