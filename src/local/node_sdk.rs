//! The AWS SDK for JavaScript v3 for Node.js functions on the local emulator. Lambda's Node.js
//! runtimes ship it; MiniStack runs functions on the machine's own `node`, which does not. So
//! secretslab installs the two clients the handler imports with npm into its cache (pinned
//! versions, once), never into the function's zip, and MiniStack unpacks each function below
//! that install (its `TMPDIR`, see [`functions_dir`]): Node's resolver looks for `node_modules`
//! in every parent directory of the importing file, ES modules included.

use std::fs::{self, File};
use std::path::PathBuf;
use std::process::Command;

use crate::domain::state::Dirs;
use crate::error::{Code, Error, Result};
use crate::local::emulator::run_quiet;
use crate::ui::progress::Progress;

/// The release of the SDK's clients the lab is tested against (scripts/test pins the same):
/// a release whose `engines` still include Node.js 18, the version of Debian's `nodejs` package.
pub const AWS_SDK_JS_VERSION: &str = "3.967.0";
/// The clients the Node.js handler's instruments import.
pub const PACKAGES: [&str; 2] = ["@aws-sdk/client-secrets-manager", "@aws-sdk/client-ssm"];

fn install_dir(dirs: &Dirs) -> PathBuf {
    dirs.cache.join(format!("aws-sdk-js-{AWS_SDK_JS_VERSION}"))
}

/// Where MiniStack unpacks the functions it runs: below the install, so they find it.
pub fn functions_dir(dirs: &Dirs) -> PathBuf {
    install_dir(dirs).join("functions")
}

/// [`functions_dir`], created (Python's `tempfile` ignores a `TMPDIR` that does not exist).
pub fn ensure_functions_dir(dirs: &Dirs) -> Result<PathBuf> {
    let dir = functions_dir(dirs);
    fs::create_dir_all(&dir).map_err(|e| {
        Error::io(
            Code::InstallFailed,
            format!("creating {}", dir.display()),
            e,
        )
    })?;
    Ok(dir)
}

/// Install the SDK's clients, once. npm installs in place and the marker is written last, so
/// an interrupted install is simply run again; a file lock keeps concurrent installs apart.
pub fn ensure_installed(dirs: &Dirs, progress: &Progress) -> Result<PathBuf> {
    let dir = install_dir(dirs);
    let ready_marker = dir.join(".secretslab-ready");
    if ready_marker.exists() {
        return Ok(dir);
    }
    fs::create_dir_all(&dir).map_err(|e| {
        Error::io(
            Code::InstallFailed,
            format!("creating {}", dir.display()),
            e,
        )
    })?;
    let lock = File::create(dir.join(".install.lock"))
        .map_err(|e| Error::io(Code::LocalLock, "creating the SDK install lock", e))?;
    lock.lock().map_err(|e| {
        Error::io(
            Code::LocalLock,
            "waiting for another SDK install to finish",
            e,
        )
    })?;
    if ready_marker.exists() {
        return Ok(dir);
    }
    check_npm()?;
    progress.step(format!(
        "installing the AWS SDK for JavaScript {AWS_SDK_JS_VERSION} into {} (first Node.js lab only)",
        dir.display()
    ));
    let manifest = r#"{"name": "secretslab-aws-sdk-js", "private": true}"#;
    fs::write(dir.join("package.json"), manifest).map_err(|e| {
        Error::io(
            Code::InstallFailed,
            "writing the SDK install's package.json",
            e,
        )
    })?;
    run_quiet(
        Command::new("npm")
            .current_dir(&dir)
            .args([
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--save-exact",
            ])
            .args(pinned_packages()),
        "installing the AWS SDK for JavaScript with npm",
        "check that the npm registry is reachable (npm's proxy settings apply), then retry",
    )?;
    fs::write(&ready_marker, AWS_SDK_JS_VERSION)
        .map_err(|e| Error::io(Code::InstallFailed, "marking the SDK install complete", e))?;
    Ok(dir)
}

fn pinned_packages() -> Vec<String> {
    PACKAGES
        .iter()
        .map(|name| format!("{name}@{AWS_SDK_JS_VERSION}"))
        .collect()
}

fn check_npm() -> Result<()> {
    let found = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if found {
        return Ok(());
    }
    Err(Error::local(
        Code::NoNpm,
        "npm was not found on PATH; a Node.js lab runs locally with the AWS SDK for JavaScript, which secretslab installs with npm",
        "install Node.js with npm (Debian/Ubuntu: `apt install nodejs npm`), or deploy the Python handler (drop `--runtime`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_run_below_the_install_so_node_finds_its_node_modules() {
        let dirs = Dirs {
            state: PathBuf::from("/state"),
            cache: PathBuf::from("/cache"),
        };
        let functions = functions_dir(&dirs);
        // MiniStack puts a function at TMPDIR/ministack-lambda-NAME-XXXX/code/index.mjs.
        let handler = functions
            .join("ministack-lambda-lab-x1")
            .join("code")
            .join("index.mjs");
        assert!(handler.ancestors().any(|dir| dir == install_dir(&dirs)));
    }

    #[test]
    fn the_tests_install_the_versions_secretslab_pins() {
        let script = include_str!("../../scripts/test");
        for package in pinned_packages() {
            assert!(script.contains(&package), "scripts/test pins {package}");
        }
    }
}
