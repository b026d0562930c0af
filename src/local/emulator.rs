//! The local AWS emulator: install a pinned MiniStack into secretslab's own virtualenv on
//! first use, start it detached on a free loopback port, find it again, stop it. Python
//! functions run on that virtualenv's interpreter, where boto3 is installed as on Lambda.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::domain::kinds::ExtensionKind;
use crate::domain::state::{ensure_private_dir, read_json, remove_file, write_json, Dirs};
use crate::error::{Code, Error, Result};
use crate::local::node_sdk;
use crate::local::process::{
    free_port, http_get_status, is_alive, spawn_until_ready, stop_group, Background,
};
use crate::ui::progress::Progress;

/// The MiniStack release the lab is tested against.
pub const MINISTACK_VERSION: &str = "1.5.33";
pub const BOTO3_VERSION: &str = "1.43.106";
/// MiniStack answers this once it is ready.
pub const HEALTH_PATH: &str = "/_localstack/health";
const START_LIMIT: Duration = Duration::from_secs(60);

/// A running emulator, as recorded in the state directory (mode 0600).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EmulatorState {
    pub pid: u32,
    pub port: u16,
    /// The session token MiniStack hands to every function it runs, as Lambda does.
    pub token: String,
    pub version: String,
    pub extension: ExtensionKind,
    pub started_at: u64,
}

impl EmulatorState {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn venv_dir(dirs: &Dirs) -> PathBuf {
    dirs.cache.join(format!("ministack-{MINISTACK_VERSION}"))
}

fn ministack_bin(venv: &Path) -> PathBuf {
    venv.join("bin").join("ministack")
}

/// Install MiniStack (and boto3) into a private virtualenv, once. Safe against crashes (the
/// venv is built aside and renamed into place) and against concurrent installs (a file lock).
pub fn ensure_installed(dirs: &Dirs, progress: &Progress) -> Result<PathBuf> {
    let venv = venv_dir(dirs);
    let ready_marker = venv.join(".secretslab-ready");
    if ready_marker.exists() {
        return Ok(venv);
    }
    fs::create_dir_all(&dirs.cache).map_err(|e| {
        Error::io(
            Code::InstallFailed,
            format!("creating {}", dirs.cache.display()),
            e,
        )
    })?;
    let lock = File::create(dirs.cache.join(".install.lock"))
        .map_err(|e| Error::io(Code::LocalLock, "creating the install lock", e))?;
    lock.lock()
        .map_err(|e| Error::io(Code::LocalLock, "waiting for another install to finish", e))?;
    if ready_marker.exists() {
        return Ok(venv);
    }
    let python = find_python()?;
    let building = dirs
        .cache
        .join(format!(".ministack-{MINISTACK_VERSION}.partial"));
    let _ = fs::remove_dir_all(&building);
    progress.step(format!(
        "installing MiniStack {MINISTACK_VERSION} into {} (first run only)",
        venv.display()
    ));
    run_quiet(
        Command::new(&python).args(["-m", "venv"]).arg(&building),
        "creating a Python virtualenv",
        "install Python's venv module (Debian/Ubuntu: `apt install python3-venv`)",
    )?;
    run_quiet(
        Command::new(building.join("bin").join("python")).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("ministack=={MINISTACK_VERSION}"),
            &format!("boto3=={BOTO3_VERSION}"),
        ]),
        "installing MiniStack with pip",
        "check that PyPI is reachable (pip's proxy settings apply), then retry",
    )?;
    let _ = fs::remove_dir_all(&venv);
    // The venv's scripts hold absolute paths: rebuild them in place by re-running venv
    // on the final path after the move would be costlier than building at the final path.
    fs::rename(&building, &venv)
        .map_err(|e| Error::io(Code::InstallFailed, "moving the virtualenv into place", e))?;
    fix_script_paths(&venv, &building)?;
    fs::write(&ready_marker, MINISTACK_VERSION)
        .map_err(|e| Error::io(Code::InstallFailed, "marking the install complete", e))?;
    Ok(venv)
}

/// Rewrite the shebang lines that still point into the build directory.
fn fix_script_paths(venv: &Path, built_at: &Path) -> Result<()> {
    let bin = venv.join("bin");
    let old = built_at.to_string_lossy().to_string();
    let new = venv.to_string_lossy().to_string();
    let entries = fs::read_dir(&bin)
        .map_err(|e| Error::io(Code::InstallFailed, "reading the virtualenv", e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_symlink() || !path.is_file() {
            continue;
        }
        if let Ok(text) = fs::read_to_string(&path) {
            if text.contains(&old) {
                fs::write(&path, text.replace(&old, &new))
                    .map_err(|e| Error::io(Code::InstallFailed, "fixing virtualenv scripts", e))?;
            }
        }
    }
    let cfg = venv.join("pyvenv.cfg");
    if let Ok(text) = fs::read_to_string(&cfg) {
        let _ = fs::write(&cfg, text.replace(&old, &new));
    }
    Ok(())
}

fn find_python() -> Result<PathBuf> {
    for candidate in ["python3", "python"] {
        if let Ok(out) = Command::new(candidate).arg("--version").output() {
            if out.status.success() {
                return Ok(PathBuf::from(candidate));
            }
        }
    }
    Err(Error::local(
        Code::NoPython,
        "Python 3 was not found on PATH; the local emulator runs on it",
        "install Python 3.10 or newer with its venv module (Debian/Ubuntu: `apt install python3 python3-venv`), or run against AWS without `--local`",
    ))
}

/// Run `command` to completion; on failure, an error with its last line of stderr.
pub(crate) fn run_quiet(command: &mut Command, what: &str, help: &str) -> Result<()> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| {
        Error::local(
            Code::InstallFailed,
            format!("{what} failed to start: {e}"),
            help,
        )
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no output");
    Err(Error::local(
        Code::InstallFailed,
        format!("{what} failed: {last}"),
        help,
    ))
}

/// The running emulator, if any. A state file whose process is gone is removed (stale).
pub fn running(dirs: &Dirs) -> Option<EmulatorState> {
    let path = dirs.emulator_file();
    let state: EmulatorState = read_json(&path)?;
    if !is_alive(state.pid) {
        let _ = remove_file(&path);
        return None;
    }
    // A busy emulator (running a function) can be slow to answer: ask a few times.
    for attempt in 0..5 {
        if http_get_status(state.port, HEALTH_PATH) == Some(200) {
            return Some(state);
        }
        if attempt < 4 {
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    None
}

/// Start the emulator unless it already runs; returns the running one.
pub fn start(dirs: &Dirs, extension: ExtensionKind, progress: &Progress) -> Result<EmulatorState> {
    if let Some(state) = running(dirs) {
        return Ok(state);
    }
    ensure_private_dir(&dirs.state)?;
    // One starter at a time per state directory.
    let lock = File::create(dirs.state.join(".emulator.lock"))
        .map_err(|e| Error::io(Code::LocalLock, "creating the emulator lock", e))?;
    lock.lock()
        .map_err(|e| Error::io(Code::LocalLock, "waiting for the emulator lock", e))?;
    if let Some(state) = running(dirs) {
        return Ok(state);
    }
    if let Some(stale) = read_json::<EmulatorState>(&dirs.emulator_file()) {
        // Alive but not answering: replace it.
        stop_group(stale.pid, Duration::from_secs(3));
        remove_file(&dirs.emulator_file())?;
    }
    let venv = ensure_installed(dirs, progress)?;
    let functions = node_sdk::ensure_functions_dir(dirs)?;
    let port = free_port().map_err(|e| Error::io(Code::NoFreePort, "finding a free port", e))?;
    let token = random_token();
    progress.step(format!("starting MiniStack on 127.0.0.1:{port}"));
    let mut command = Command::new(ministack_bin(&venv));
    command
        .env("GATEWAY_PORT", port.to_string())
        .env("BIND_HOST", "127.0.0.1")
        .env("AWS_SESSION_TOKEN", &token)
        .env("LOG_LEVEL", "WARNING")
        .env("MINISTACK_REGION", crate::domain::defaults::REGION)
        // MiniStack unpacks each function under TMPDIR: there Node.js functions find the
        // AWS SDK for JavaScript that Lambda's runtime would provide.
        .env("TMPDIR", &functions)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_PROFILE");
    let mut state = EmulatorState {
        pid: 0,
        port,
        token,
        version: MINISTACK_VERSION.to_string(),
        extension,
        started_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let log = dirs.emulator_log();
    state.pid = spawn_until_ready(
        command,
        Background {
            what: "MiniStack",
            log: &log,
            limit: START_LIMIT,
        },
        |pid| {
            let recorded = EmulatorState {
                pid,
                ..state.clone()
            };
            write_json(&dirs.emulator_file(), &recorded)?;
            Ok(dirs.emulator_file())
        },
        || http_get_status(port, HEALTH_PATH) == Some(200),
    )?;
    Ok(state)
}

/// Stop the emulator (and its function workers). Returns the pid that was stopped.
pub fn stop(dirs: &Dirs) -> Result<Option<u32>> {
    let Some(state) = read_json::<EmulatorState>(&dirs.emulator_file()) else {
        return Ok(None);
    };
    stop_group(state.pid, Duration::from_secs(5));
    remove_file(&dirs.emulator_file())?;
    Ok(Some(state.pid))
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
