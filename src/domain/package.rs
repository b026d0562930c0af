//! The function package: a deterministic zip of the handler (and the lab's instruments beside
//! it) and its SHA-256.
//!
//! Same handler source, same bytes, same hash: fixed timestamps and permissions, so `up`
//! compares the hash with the deployed `CodeSha256` and uploads only real changes.

use std::io::{Cursor, Write};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::error::{Error, Result};

/// The handler deployed to Lambda, embedded so the binary works from anywhere.
pub const HANDLER_SOURCE: &str = include_str!("../../function/lambda_function.py");
pub const HANDLER_FILE: &str = "lambda_function.py";
pub const HANDLER_ENTRY: &str = "lambda_function.lambda_handler";
/// The lab's instruments the Python handler imports, deployed beside it: (file, source).
pub const HANDLER_INSTRUMENTS: &[(&str, &str)] = &[
    (
        "lab_instruments.py",
        include_str!("../../function/lab_instruments.py"),
    ),
    (
        "lab_legacy.py",
        include_str!("../../function/lab_legacy.py"),
    ),
    (
        "lab_stores.py",
        include_str!("../../function/lab_stores.py"),
    ),
];

/// A built function package.
#[derive(Clone)]
pub struct Package {
    pub zip: Vec<u8>,
    /// Base64 SHA-256 of the zip, the format Lambda reports as `CodeSha256`.
    pub sha256: String,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("bytes", &self.zip.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

/// Zip `files` (name, contents) deterministically.
pub fn build_from(files: &[(&str, &[u8])]) -> Result<Package> {
    let mut sorted = files.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents) in sorted {
        writer
            .start_file(name, options)
            .and_then(|()| writer.write_all(contents).map_err(Into::into))
            .map_err(|e| packaging_error(&e))?;
    }
    let zip = writer
        .finish()
        .map_err(|e| packaging_error(&e))?
        .into_inner();
    let sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&zip));
    Ok(Package { zip, sha256 })
}

/// The lab's function package: the Python handler and its instruments.
pub fn build() -> Result<Package> {
    crate::domain::handler::package_of(&crate::domain::handler::PYTHON)
}

fn packaging_error(err: &dyn std::fmt::Display) -> Error {
    Error::bug(format!("could not build the function zip: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_input_gives_same_bytes() {
        let a = build().unwrap();
        let b = build().unwrap();
        assert_eq!(a.zip, b.zip);
        assert_eq!(a.sha256, b.sha256);
    }

    #[test]
    fn different_input_gives_different_hash() {
        let a = build_from(&[("a.py", b"print(1)")]).unwrap();
        let b = build_from(&[("a.py", b"print(2)")]).unwrap();
        assert_ne!(a.sha256, b.sha256);
    }

    #[test]
    fn order_of_files_does_not_matter() {
        let a = build_from(&[("a.py", b"1"), ("b.py", b"2")]).unwrap();
        let b = build_from(&[("b.py", b"2"), ("a.py", b"1")]).unwrap();
        assert_eq!(a.zip, b.zip);
    }

    #[test]
    fn zip_holds_the_handler() {
        let package = build().unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(package.zip)).unwrap();
        let names: Vec<_> = archive.file_names().map(str::to_string).collect();
        let mut expected = vec![HANDLER_FILE];
        expected.extend(HANDLER_INSTRUMENTS.iter().map(|(file, _)| *file));
        expected.sort_unstable(); // the zip is sorted by name
        assert_eq!(names, expected);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name(HANDLER_FILE).unwrap(), &mut text)
            .unwrap();
        assert!(text.contains("def lambda_handler"));
    }
}
