//! Writing the files a user names (`--output`, `--write-baseline`): whole or not at all.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::error::{Code, Error, Result};

/// Write `body` to `path` through a temporary file in the same directory and a rename, so a
/// crash never leaves half a report. The directory's permissions are left as they are.
pub fn write_atomically(path: &Path, body: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        Error::invalid(
            Code::NotAFile,
            format!("`{}` does not name a file", path.display()),
            "pass a file path, e.g. `--output audit.sarif`",
        )
    })?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = fs::File::create(&tmp)
        .and_then(|mut file| {
            file.write_all(body)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(
            Code::WriteOutput,
            format!("writing {}", path.display()),
            e,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"{}").unwrap();
        write_atomically(&path, b"[1]").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"[1]");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(write_atomically(&dir.path().join("missing/x.json"), b"{}").is_err());
    }
}
