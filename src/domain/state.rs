//! Where secretslab keeps its files, and how it writes them: atomically and readable by the user only.
//!
//! `SECRETSLAB_HOME` moves everything (state and cache) under one directory; otherwise the XDG
//! state and cache directories are used. `SECRETSLAB_CACHE` moves only the cache (the emulator's
//! virtualenv), so isolated homes can share one install.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Code, Error, Result};

/// The directories of one user (or one isolated test home).
#[derive(Debug, Clone)]
pub struct Dirs {
    pub state: PathBuf,
    pub cache: PathBuf,
}

impl Dirs {
    pub fn from_env() -> Result<Self> {
        let home = std::env::var_os("SECRETSLAB_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let state = match &home {
            Some(home) => home.join("state"),
            None => dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .ok_or_else(no_home)?
                .join("secretslab"),
        };
        let cache = match (
            std::env::var_os("SECRETSLAB_CACHE").filter(|v| !v.is_empty()),
            &home,
        ) {
            (Some(cache), _) => PathBuf::from(cache),
            (None, Some(home)) => home.join("cache"),
            (None, None) => dirs::cache_dir().ok_or_else(no_home)?.join("secretslab"),
        };
        Ok(Self { state, cache })
    }

    pub fn emulator_file(&self) -> PathBuf {
        self.state.join("emulator.json")
    }

    pub fn emulator_log(&self) -> PathBuf {
        self.state.join("emulator.log")
    }

    pub fn extension_dir(&self) -> PathBuf {
        self.state.join("extensions")
    }

    pub fn tour_progress(&self) -> PathBuf {
        self.state.join("tour").join("progress.json")
    }
}

fn no_home() -> Error {
    Error::io_msg(
        Code::StateNoHome,
        "could not find a home directory for secretslab's state",
        "set SECRETSLAB_HOME to a writable directory",
    )
}

/// Create `dir` (and parents) readable by the user only.
pub fn ensure_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)
        .map_err(|e| Error::io(Code::StateWrite, format!("creating {}", dir.display()), e))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(Code::StateWrite, format!("securing {}", dir.display()), e))
}

/// Write `value` as JSON to `path` with mode 0600, via a temporary file and a rename,
/// so a crash never leaves a half-written file.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_json_with(path, value, true)
}

/// Like [`write_json`] but without waiting for the disk: for counters rewritten on every
/// request, where losing the last update to a power cut does not matter.
pub fn write_json_quick<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_json_with(path, value, false)
}

fn write_json_with<T: Serialize>(path: &Path, value: &T, durable: bool) -> Result<()> {
    let body = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::bug(format!("could not encode {}: {e}", path.display())))?;
    let placement = if durable {
        Placement::Replace
    } else {
        Placement::ReplaceQuickly
    };
    write_private(path, &body, placement)
}

/// How [`write_private`] puts the new file in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Replace any existing file, after the bytes are on disk.
    Replace,
    /// Replace any existing file without waiting for the disk.
    ReplaceQuickly,
    /// Only if no file is there yet (the one already there wins a race).
    KeepExisting,
}

/// Write `body` to `path` with mode 0600, through a temporary file in the same (private)
/// directory, so a crash never leaves a half-written file.
pub fn write_private(path: &Path, body: &[u8], placement: Placement) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("state"),
        std::process::id()
    ));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut file| {
            file.write_all(body)?;
            if placement != Placement::ReplaceQuickly {
                file.sync_all()?;
            }
            Ok(())
        })
        .and_then(|()| match placement {
            Placement::KeepExisting => match fs::hard_link(&tmp, path) {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                other => other,
            },
            _ => fs::rename(&tmp, path),
        });
    let _ = fs::remove_file(&tmp);
    written.map_err(|e| Error::io(Code::StateWrite, format!("writing {}", path.display()), e))
}

/// Read JSON from `path`; `None` when the file does not exist or cannot be parsed
/// (a damaged state file is treated as absent: every command re-derives state from AWS).
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(
            Code::StateWrite,
            format!("removing {}", path.display()),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_private_files_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("x.json");
        write_json(&path, &serde_json::json!({"a": 1})).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let back: serde_json::Value = read_json(&path).unwrap();
        assert_eq!(back["a"], 1);
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn damaged_file_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        fs::write(&path, b"{not json").unwrap();
        assert!(read_json::<serde_json::Value>(&path).is_none());
    }
}
