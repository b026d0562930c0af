//! Starts, finds and stops each lab's local extension (the built-in stand-in, or AWS's
//! Secrets Manager Agent), and reads the stand-in's counters.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::domain::kinds::ExtensionKind;
use crate::domain::state::{ensure_private_dir, read_json, remove_file, write_json, Dirs};
use crate::error::{Code, Error, Result};
use crate::local::emulator::EmulatorState;
use crate::local::process::{
    http_get, is_alive, port_open, spawn_until_ready, stop_group, Background,
};

use super::{
    lab_file, ExtensionConfig, ExtensionProcess, ExtensionStats, LabFile, CONFIG_ENV, STATS_PATH,
    TOKEN_HEADER,
};

/// Where `local start --extension agent` finds the Agent when it is not on PATH.
const AGENT_BIN_ENV: &str = "SECRETSLAB_AGENT_BIN";

/// A lab's counters: asked of its running stand-in (exact at this moment), else from the file
/// the stand-in keeps (after a restart or once the emulator has stopped).
/// `token` is the emulator's session token, which the stand-in checks like any caller's.
pub fn read_stats(dirs: &Dirs, lab: &str, token: &str) -> Option<ExtensionStats> {
    live_stats(dirs, lab, token).or_else(|| read_json(&lab_file(dirs, lab, LabFile::Stats)))
}

fn live_stats(dirs: &Dirs, lab: &str, token: &str) -> Option<ExtensionStats> {
    let process = running(dirs, lab).filter(|p| p.kind == ExtensionKind::Standin)?;
    let (status, body) = http_get(process.config.port, STATS_PATH, &[(TOKEN_HEADER, token)])?;
    if status != 200 {
        return None;
    }
    serde_json::from_slice(&body).ok()
}

/// The running stand-in of a lab, if any.
pub fn running(dirs: &Dirs, lab: &str) -> Option<ExtensionProcess> {
    let process: ExtensionProcess = read_json(&lab_file(dirs, lab, LabFile::Process))?;
    is_alive(process.pid).then_some(process)
}

/// Make sure the lab's stand-in runs with `config`; restart it when the configuration changed.
pub fn ensure_running(
    dirs: &Dirs,
    emulator: &EmulatorState,
    config: ExtensionConfig,
) -> Result<ExtensionProcess> {
    if let Some(process) = running(dirs, &config.lab) {
        if process.config == config && process.kind == emulator.extension && port_open(config.port)
        {
            return Ok(process);
        }
        stop(dirs, &config.lab)?;
    }
    ensure_private_dir(&dirs.extension_dir())?;
    let command = match emulator.extension {
        ExtensionKind::Standin => {
            let exe = std::env::current_exe()
                .map_err(|e| Error::io(Code::StartFailed, "finding the secretslab binary", e))?;
            let mut command = Command::new(exe);
            command.arg("__extension").env(
                CONFIG_ENV,
                serde_json::to_string(&config).unwrap_or_default(),
            );
            command
        }
        ExtensionKind::Agent => agent_command(dirs, emulator, &config)?,
    };
    let log = lab_file(dirs, &config.lab, LabFile::Log);
    let pid = spawn_until_ready(
        command,
        Background {
            what: "the local extension",
            log: &log,
            limit: Duration::from_secs(15),
        },
        |pid| {
            let process = ExtensionProcess {
                pid,
                kind: emulator.extension,
                config: config.clone(),
            };
            write_json(&lab_file(dirs, &config.lab, LabFile::Process), &process)?;
            Ok(lab_file(dirs, &config.lab, LabFile::Process))
        },
        || port_open(config.port),
    )?;
    Ok(ExtensionProcess {
        pid,
        kind: emulator.extension,
        config,
    })
}

/// AWS's open-source Secrets Manager Agent, configured like the stand-in.
fn agent_command(
    dirs: &Dirs,
    emulator: &EmulatorState,
    config: &ExtensionConfig,
) -> Result<Command> {
    let binary = agent_binary().ok_or_else(|| {
        Error::local(
            Code::NoAgent,
            "the AWS Secrets Manager Agent (`aws_secretsmanager_agent`) is not installed",
            "install it with `cargo install aws_secretsmanager_agent` (or name it in SECRETSLAB_AGENT_BIN), or use `secretslab local start` (the built-in stand-in)",
        )
    })?;
    let toml = format!(
        "http_port = \"{}\"\nttl_seconds = \"{}\"\ncache_size = \"{}\"\nregion = \"{}\"\nlog_level = \"INFO\"\nlog_to_file = false\nvalidate_credentials = false\n",
        config.port,
        config.ttl_seconds.max(1),
        config.cache_size.max(1),
        config.region
    );
    let path = dirs
        .extension_dir()
        .join(format!("{}.agent.toml", config.lab));
    std::fs::write(&path, toml)
        .map_err(|e| Error::io(Code::StartFailed, "writing the agent configuration", e))?;
    let mut command = Command::new(binary);
    command
        .arg("--config")
        .arg(path)
        .env("AWS_TOKEN", &emulator.token)
        .env("AWS_ENDPOINT_URL", &config.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", &config.region);
    Ok(command)
}

/// The Agent named by `SECRETSLAB_AGENT_BIN`, else the first `aws_secretsmanager_agent` on PATH.
fn agent_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(AGENT_BIN_ENV) {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("aws_secretsmanager_agent"))
            .find(|path| path.is_file())
    })
}

/// Stop one lab's stand-in.
pub fn stop(dirs: &Dirs, lab: &str) -> Result<Option<u32>> {
    let path = lab_file(dirs, lab, LabFile::Process);
    let Some(process) = read_json::<ExtensionProcess>(&path) else {
        return Ok(None);
    };
    stop_group(process.pid, Duration::from_secs(3));
    remove_file(&path)?;
    Ok(Some(process.pid))
}

/// Stop a lab's stand-in and drop its counters and log (the lab is gone).
pub fn forget(dirs: &Dirs, lab: &str) -> Result<()> {
    stop(dirs, lab)?;
    remove_file(&lab_file(dirs, lab, LabFile::Stats))?;
    remove_file(&lab_file(dirs, lab, LabFile::Log))
}

/// The labs that have a local extension recorded (running or not).
fn recorded_labs(dirs: &Dirs) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dirs.extension_dir()) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            name.strip_suffix(".json")
                .filter(|lab| !lab.ends_with(".stats"))
                .map(str::to_string)
        })
        .collect()
}

/// Each lab whose local extension runs, with its port.
pub fn running_ports(dirs: &Dirs) -> BTreeMap<String, u16> {
    recorded_labs(dirs)
        .into_iter()
        .filter_map(|lab| running(dirs, &lab).map(|p| (lab, p.config.port)))
        .collect()
}

/// Stop every lab's stand-in (with the emulator).
pub fn stop_all(dirs: &Dirs) -> Result<Vec<u32>> {
    let mut stopped = Vec::new();
    for lab in recorded_labs(dirs) {
        stopped.extend(stop(dirs, &lab)?);
    }
    Ok(stopped)
}
