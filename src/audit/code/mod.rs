//! Hard-coded secrets in Lambda deployment packages and layers: the bytes of one zip in, a
//! verified, streamed, capped scan out. No AWS here: the caller downloads the package and
//! hands over a reader with the `CodeSha256` Lambda reported for it.
//!
//! `package` checks the hash and walks the archive under `Caps`; `entry` decides which entries
//! are read (safe names, text content) and streams their lines; `detect` finds the values in a
//! line and asks `crate::classify` about them; `keys` recognises key files and blocks that span
//! lines. A finding carries the value's length and keyed fingerprint, never the value or the
//! line's text, and the fingerprint is the one environment findings use, so one value found in
//! both places links up.

mod detect;
mod entry;
mod keys;
mod package;

use std::fmt;
use std::io::{Read, Seek};

use crate::audit::fingerprint::FingerprintKey;
use crate::classify::{Class, Shape};

/// Limits that keep a hostile or broken package from costing more than a real one can.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Bytes of the zip itself.
    pub package_bytes: u64,
    /// Bytes unzipped, all entries together.
    pub unzipped_bytes: u64,
    /// Bytes unzipped from one entry.
    pub entry_bytes: u64,
    /// Entries in the archive (directories included).
    pub entries: usize,
    /// Unzipped bytes per compressed byte an entry may reach once past `ratio_after` bytes.
    pub ratio: u64,
    pub ratio_after: u64,
    /// Bytes of one line read at once; a longer line (a minified bundle) is read in pieces.
    pub line_bytes: usize,
}

impl Default for Caps {
    /// Lambda's own limits with room to spare: 250 MB unzipped for a function and its layers
    /// (aws-facts §10), so a real package never meets a cap and a bomb meets one early.
    fn default() -> Self {
        Self {
            package_bytes: 300 << 20,
            unzipped_bytes: 300 << 20,
            entry_bytes: 300 << 20,
            entries: 200_000,
            ratio: 200,
            ratio_after: 1 << 20,
            line_bytes: 256 << 10,
        }
    }
}

/// Which cap a package met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cap {
    PackageBytes,
    UnzippedBytes,
    EntryBytes,
    Entries,
    Ratio,
}

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cap::PackageBytes => "the package is larger than the size cap",
            Cap::UnzippedBytes => "the package unzips to more than the size cap",
            Cap::EntryBytes => "one file unzips to more than the per-file cap",
            Cap::Entries => "the archive holds more entries than the cap",
            Cap::Ratio => {
                "one file expands more than the compression-ratio cap allows (a zip bomb)"
            }
        })
    }
}

/// How far a package's scan went. Anything but `Scanned` leaves the package's scope partial.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Status {
    /// Every entry was read or deliberately skipped.
    Scanned,
    /// The bytes do not hash to the `CodeSha256` expected: nothing was scanned.
    Unverified { expected: String, actual: String },
    /// The bytes are not a zip archive (or one whose structure is damaged).
    NotAZip { detail: String },
    /// A cap was met; the findings are those of the entries read before it.
    OverCaps { cap: Cap, path: Option<String> },
    /// The reader failed.
    Unreadable { detail: String },
}

/// Why an entry was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    /// Its name climbs out of the package (`..`) or is absolute; it is never followed.
    UnsafePath,
    /// Its content is binary (looked at, whatever its name says).
    Binary,
    /// A symbolic link: a name, not content, and never followed.
    Symlink,
    /// Encrypted: its content cannot be read without a password.
    Encrypted,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub path: String,
    pub why: Skip,
}

/// What was read from one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Bytes of the zip read (and hashed).
    pub package_bytes: u64,
    /// Bytes unzipped from its entries.
    pub unzipped_bytes: u64,
    /// Files read as text.
    pub files: usize,
    pub skipped: Vec<Skipped>,
}

/// One value in one file of a package. Shows where and what kind, never the value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeFinding {
    /// The entry's name inside the package.
    pub path: String,
    /// 1-based line where the value starts.
    pub line: u64,
    pub class: Class,
    pub rule: &'static str,
    pub reason: &'static str,
    pub shape: Shape,
    /// `crate::audit::fingerprint::fingerprint` of the value.
    pub fingerprint: String,
    /// The dependency when the file is in a vendored tree (`node_modules/x`, `site-packages/y`).
    pub vendored: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageScan {
    #[serde(flatten)]
    pub status: Status,
    pub read: Counts,
    /// `secret` and `suspect` findings, in archive order.
    pub findings: Vec<CodeFinding>,
}

/// Scans the zip read from `reader`: first hashes it and compares with `expected_sha256`
/// (base64 of SHA-256, as Lambda's `CodeSha256`), then, when it matches, reads each entry as a
/// stream under `caps`. Nothing is written to disk.
pub fn scan_package<R: Read + Seek>(
    reader: R,
    expected_sha256: &str,
    caps: &Caps,
    key: &FingerprintKey,
) -> PackageScan {
    package::scan(reader, expected_sha256, caps, key)
}

/// Base64 of the SHA-256 of `bytes`, the form of Lambda's `CodeSha256`.
pub fn code_sha256(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

#[cfg(test)]
mod tests;
