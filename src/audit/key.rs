//! The fingerprint key: generated once per user (or `SECRETSLAB_HOME`), kept 0600 in the state
//! directory, never printed. The same key gives the same fingerprints, so baselines keep
//! working across runs; without it a fingerprint cannot be brute-forced from a report.

use std::fs;
use std::path::{Path, PathBuf};

use super::fingerprint::FingerprintKey;
use crate::domain::state::{write_private, Dirs, Placement};
use crate::error::{Code, Error, Result};

pub fn key_path(dirs: &Dirs) -> PathBuf {
    dirs.state.join("audit").join("fingerprint.key")
}

/// The key at `key_path`, created on first use. Two audits starting at once agree on one
/// key: the file is linked into place only if none exists, and the loser reads the winner's.
pub fn load_or_create(dirs: &Dirs) -> Result<FingerprintKey> {
    let path = key_path(dirs);
    if let Some(key) = read(&path)? {
        return Ok(key);
    }
    let key = FingerprintKey::generate();
    write_private(&path, &key.to_bytes(), Placement::KeepExisting)?;
    read(&path)?.ok_or_else(|| damaged(&path))
}

fn read(path: &Path) -> Result<Option<FingerprintKey>> {
    match fs::read(path) {
        Ok(bytes) => {
            let bytes: [u8; 32] = bytes.try_into().map_err(|_| damaged(path))?;
            Ok(Some(FingerprintKey::from_bytes(bytes)))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(
            Code::KeyUnreadable,
            format!("reading the fingerprint key {}", path.display()),
            e,
        )),
    }
}

fn damaged(path: &Path) -> Error {
    Error::io_msg(
        Code::KeyDamaged,
        format!("the fingerprint key {} is damaged", path.display()),
        "remove it to start a new key (fingerprints and baselines made with the old key will no longer match)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn dirs(root: &Path) -> Dirs {
        Dirs {
            state: root.join("state"),
            cache: root.join("cache"),
        }
    }

    #[test]
    fn key_is_created_once_private_and_reused() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        let first = load_or_create(&dirs).unwrap();
        let second = load_or_create(&dirs).unwrap();
        assert_eq!(first.to_bytes(), second.to_bytes());
        let mode = fs::metadata(key_path(&dirs)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers = fs::read_dir(key_path(&dirs).parent().unwrap())
            .unwrap()
            .count();
        assert_eq!(leftovers, 1);
    }

    #[test]
    fn a_damaged_key_is_reported_not_replaced() {
        let root = tempfile::tempdir().unwrap();
        let dirs = dirs(root.path());
        fs::create_dir_all(key_path(&dirs).parent().unwrap()).unwrap();
        fs::write(key_path(&dirs), b"short").unwrap();
        let err = load_or_create(&dirs).unwrap_err();
        assert!(err.help_text().unwrap().contains("remove it"));
        assert_eq!(fs::read(key_path(&dirs)).unwrap(), b"short");
    }
}
