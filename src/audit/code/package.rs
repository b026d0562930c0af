//! One package: hash it against its expected `CodeSha256`, then walk the archive's entries
//! under the caps, each read as a stream through a meter that stops at the first cap met.

use std::io::{self, Read, Seek, SeekFrom};

use base64::Engine as _;
use sha2::{Digest, Sha256};
use zip::ZipArchive;

use super::entry::{self, Entry};
use super::{Cap, Caps, Counts, PackageScan, Skip, Skipped, Status};
use crate::audit::fingerprint::FingerprintKey;

const CHUNK: usize = 64 << 10;

pub fn scan<R: Read + Seek>(
    mut reader: R,
    expected: &str,
    caps: &Caps,
    key: &FingerprintKey,
) -> PackageScan {
    let mut read = Counts::default();
    let status = match verify(&mut reader, expected.trim(), caps, &mut read) {
        Ok(None) => walk(reader, caps, key, &mut read),
        Ok(Some(status)) => (status, Vec::new()),
        Err(e) => (unreadable(&e), Vec::new()),
    };
    let (status, findings) = status;
    PackageScan {
        status,
        read,
        findings,
    }
}

/// Hashes the whole reader once, in chunks. `Some(status)` when scanning must not go on.
fn verify<R: Read + Seek>(
    reader: &mut R,
    expected: &str,
    caps: &Caps,
    read: &mut Counts,
) -> io::Result<Option<Status>> {
    reader.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..n]);
        read.package_bytes += n as u64;
        if read.package_bytes > caps.package_bytes {
            return Ok(Some(Status::OverCaps {
                cap: Cap::PackageBytes,
                path: None,
            }));
        }
    }
    let actual = base64::engine::general_purpose::STANDARD.encode(hasher.finalize());
    if actual != expected {
        return Ok(Some(Status::Unverified {
            expected: expected.to_string(),
            actual,
        }));
    }
    reader.seek(SeekFrom::Start(0))?;
    Ok(None)
}

fn unreadable(e: &io::Error) -> Status {
    Status::Unreadable {
        detail: format!("reading the package failed: {e}"),
    }
}

fn not_a_zip(e: &zip::result::ZipError) -> Status {
    Status::NotAZip {
        detail: format!("the package is not a readable zip archive: {e}"),
    }
}

type Walked = (Status, Vec<super::CodeFinding>);

fn walk<R: Read + Seek>(reader: R, caps: &Caps, key: &FingerprintKey, read: &mut Counts) -> Walked {
    let mut archive = match ZipArchive::new(reader) {
        Ok(archive) => archive,
        Err(e) => return (not_a_zip(&e), Vec::new()),
    };
    let mut findings = Vec::new();
    if archive.len() > caps.entries {
        return over(Cap::Entries, None, findings);
    }
    for index in 0..archive.len() {
        match one_entry(&mut archive, index, caps, key, read, &mut findings) {
            Ok(()) => {}
            Err(Stop::Status(status)) => return (status, findings),
            Err(Stop::Cap(cap, path)) => return over(cap, Some(path), findings),
        }
    }
    (Status::Scanned, findings)
}

fn over(cap: Cap, path: Option<String>, findings: Vec<super::CodeFinding>) -> Walked {
    (Status::OverCaps { cap, path }, findings)
}

enum Stop {
    Status(Status),
    Cap(Cap, String),
}

fn one_entry<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    caps: &Caps,
    key: &FingerprintKey,
    read: &mut Counts,
    findings: &mut Vec<super::CodeFinding>,
) -> Result<(), Stop> {
    let (path, compressed) = {
        let raw = archive
            .by_index_raw(index)
            .map_err(|e| Stop::Status(not_a_zip(&e)))?;
        if raw.is_dir() {
            return Ok(());
        }
        let path = entry::display_name(raw.name_raw());
        let skip = if !entry::is_safe_name(raw.name_raw()) {
            Some(Skip::UnsafePath)
        } else if raw.is_symlink() {
            Some(Skip::Symlink)
        } else if raw.encrypted() {
            Some(Skip::Encrypted)
        } else {
            None
        };
        if let Some(why) = skip {
            read.skipped.push(Skipped { path, why });
            return Ok(());
        }
        if raw.size() > caps.entry_bytes {
            return Err(Stop::Cap(Cap::EntryBytes, path));
        }
        (path, raw.compressed_size())
    };
    let file = archive
        .by_index(index)
        .map_err(|e| Stop::Status(not_a_zip(&e)))?;
    let left = caps.unzipped_bytes.saturating_sub(read.unzipped_bytes);
    let mut meter = Meter::new(file, caps, compressed, left);
    let result = entry::scan(&mut meter, &path, caps, key, findings);
    read.unzipped_bytes += meter.read;
    if let Some(cap) = meter.tripped {
        return Err(Stop::Cap(cap, path));
    }
    match result {
        Ok(Entry::Text) => read.files += 1,
        Ok(Entry::Binary) => read.skipped.push(Skipped {
            path,
            why: Skip::Binary,
        }),
        Err(e) => {
            return Err(Stop::Status(Status::NotAZip {
                detail: format!("the package's file {path} cannot be unzipped: {e}"),
            }))
        }
    }
    Ok(())
}

/// Counts the bytes an entry unzips to and ends it (as if at its end) at the first cap met,
/// whatever sizes the archive declares: a bomb can lie about them.
pub struct Meter<R> {
    inner: R,
    compressed: u64,
    entry_cap: u64,
    total_left: u64,
    ratio: u64,
    ratio_after: u64,
    pub read: u64,
    pub tripped: Option<Cap>,
}

impl<R: Read> Meter<R> {
    fn new(inner: R, caps: &Caps, compressed: u64, total_left: u64) -> Self {
        Self {
            inner,
            compressed: compressed.max(1),
            entry_cap: caps.entry_bytes,
            total_left,
            ratio: caps.ratio,
            ratio_after: caps.ratio_after,
            read: 0,
            tripped: None,
        }
    }

    fn check(&self) -> Option<Cap> {
        if self.read > self.total_left {
            Some(Cap::UnzippedBytes)
        } else if self.read > self.entry_cap {
            Some(Cap::EntryBytes)
        } else if self.read > self.ratio_after
            && self.read > self.compressed.saturating_mul(self.ratio)
        {
            Some(Cap::Ratio)
        } else {
            None
        }
    }
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.tripped.is_some() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.tripped = self.check();
        Ok(if self.tripped.is_some() { 0 } else { n })
    }
}
