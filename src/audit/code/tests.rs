use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;
use crate::audit::fingerprint::fingerprint;

/// A fake GitHub token with a valid checksum (from the audit corpus).
const TOKEN: &str = "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";

fn key() -> FingerprintKey {
    FingerprintKey::from_bytes([3; 32])
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, content) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn scan(bytes: &[u8], caps: &Caps) -> PackageScan {
    scan_package(Cursor::new(bytes), &code_sha256(bytes), caps, &key())
}

fn env_line() -> Vec<u8> {
    format!("GITHUB_TOKEN={TOKEN}\n").into_bytes()
}

#[test]
fn a_secret_is_found_with_path_line_and_the_environment_fingerprint() {
    let env = env_line();
    let bytes = zip_of(&[
        ("app/readme.txt", b"nothing here\n"),
        (
            "app/.env",
            &[b"# settings\nDEBUG=true\n", &env[..]].concat(),
        ),
    ]);
    let scan = scan(&bytes, &Caps::default());
    assert_eq!(scan.status, Status::Scanned);
    assert_eq!(scan.read.files, 2);
    assert_eq!(scan.read.package_bytes, bytes.len() as u64);
    assert!(scan.read.unzipped_bytes > 30);
    let [finding] = &scan.findings[..] else {
        panic!("{:?}", scan.findings)
    };
    assert_eq!((finding.path.as_str(), finding.line), ("app/.env", 3));
    assert_eq!(finding.class, Class::Secret);
    assert_eq!(finding.fingerprint, fingerprint(&key(), TOKEN));
    assert_eq!(finding.shape.length, TOKEN.len());
    assert_eq!(finding.vendored, None);
}

#[test]
fn nothing_shows_the_value() {
    let bytes = zip_of(&[("handler.py", &env_line())]);
    let scan = scan(&bytes, &Caps::default());
    let shown = format!("{scan:?} {}", serde_json::to_string(&scan).unwrap());
    assert!(!scan.findings.is_empty());
    assert!(!shown.contains(&TOKEN[4..]), "{shown}");
}

#[test]
fn a_hash_mismatch_is_unverified_and_never_scanned() {
    let bytes = zip_of(&[("handler.py", &env_line())]);
    let scan = scan_package(
        Cursor::new(&bytes),
        &code_sha256(b"other"),
        &Caps::default(),
        &key(),
    );
    assert!(matches!(scan.status, Status::Unverified { .. }));
    assert!(scan.findings.is_empty());
    assert_eq!(scan.read.files, 0);
    assert_eq!(scan.read.unzipped_bytes, 0);
}

#[test]
fn bytes_that_are_not_a_zip_say_so() {
    let scan = scan(b"this is not a zip archive at all", &Caps::default());
    assert!(matches!(scan.status, Status::NotAZip { .. }), "{scan:?}");
}

#[test]
fn a_zip_bomb_meets_the_ratio_cap() {
    let caps = Caps {
        ratio_after: 64 << 10,
        ..Caps::default()
    };
    let bytes = zip_of(&[("bomb.txt", &vec![b'a'; 4 << 20])]);
    let text = scan(&bytes, &caps);
    assert_eq!(
        text.status,
        Status::OverCaps {
            cap: Cap::Ratio,
            path: Some("bomb.txt".into())
        }
    );
    // Stopped near the cap, not at the end of the entry.
    assert!(
        text.read.unzipped_bytes < 1 << 20,
        "{}",
        text.read.unzipped_bytes
    );
    // A bomb of zeros is binary: only its first bytes are unzipped.
    let bytes = zip_of(&[("bomb.py", &vec![0u8; 4 << 20])]);
    let scan = scan(&bytes, &caps);
    assert_eq!(scan.status, Status::Scanned);
    assert_eq!(scan.read.skipped[0].why, Skip::Binary);
    assert!(scan.read.unzipped_bytes < 1 << 20);
}

#[test]
fn size_caps_are_their_own_outcome() {
    let big = vec![b'x'; 300 << 10];
    let bytes = zip_of(&[("a.txt", &big[..]), ("b.txt", &big[..])]);
    let total = Caps {
        unzipped_bytes: 400 << 10,
        ..Caps::default()
    };
    let scan = scan(&bytes, &total);
    assert!(matches!(
        scan.status,
        Status::OverCaps {
            cap: Cap::UnzippedBytes,
            ..
        }
    ));
    let entries = Caps {
        entries: 1,
        ..Caps::default()
    };
    assert!(matches!(
        scan_package(Cursor::new(&bytes), &code_sha256(&bytes), &entries, &key()).status,
        Status::OverCaps {
            cap: Cap::Entries,
            ..
        }
    ));
}

#[test]
fn names_that_climb_out_or_are_absolute_are_never_read() {
    let env = env_line();
    let bytes = zip_of(&[
        ("../../etc/cron.d/x", &env[..]),
        ("/etc/passwd", &env[..]),
        ("app/../../up.py", &env[..]),
        ("C:/windows/x.py", &env[..]),
        ("ok/fine.py", b"x = 1\n"),
    ]);
    let scan = scan(&bytes, &Caps::default());
    assert_eq!(scan.status, Status::Scanned);
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert_eq!(scan.read.files, 1);
    let unsafe_paths = scan
        .read
        .skipped
        .iter()
        .filter(|s| s.why == Skip::UnsafePath)
        .count();
    assert_eq!(unsafe_paths, 4);
}

#[test]
fn binary_content_is_skipped_whatever_its_name() {
    let mut binary = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0];
    binary.extend_from_slice(&env_line());
    let bytes = zip_of(&[("lib/handler.py", &binary), ("handler.txt", &env_line())]);
    let scan = scan(&bytes, &Caps::default());
    assert_eq!(
        scan.read.skipped,
        vec![Skipped {
            path: "lib/handler.py".into(),
            why: Skip::Binary
        }]
    );
    assert_eq!(scan.findings.len(), 1);
    assert_eq!(scan.findings[0].path, "handler.txt");
}

#[test]
fn vendored_findings_name_their_dependency() {
    let bytes = zip_of(&[
        ("node_modules/@acme/client/dist/index.js", &env_line()),
        (
            "python/lib/python3.12/site-packages/tool/conf.py",
            &env_line(),
        ),
    ]);
    let scan = scan(&bytes, &Caps::default());
    let vendored: Vec<_> = scan
        .findings
        .iter()
        .map(|f| f.vendored.as_deref())
        .collect();
    assert_eq!(
        vendored,
        vec![
            Some("node_modules/@acme/client"),
            Some("site-packages/tool")
        ]
    );
}

#[test]
fn long_lines_are_read_in_pieces_and_keep_their_number() {
    let mut bundle = vec![b'a'; 600 << 10];
    bundle.extend_from_slice(b"\nvar x = 1;\n");
    bundle.extend_from_slice(&env_line());
    let bytes = zip_of(&[("bundle.js", &bundle)]);
    let scan = scan(&bytes, &Caps::default());
    assert_eq!(scan.findings.len(), 1);
    assert_eq!(scan.findings[0].line, 3);
}

#[test]
fn entry_names_and_trees() {
    assert!(entry::is_safe_name(b"a/b/c.py"));
    assert!(entry::is_safe_name(b"a/..b/c.py"));
    assert!(!entry::is_safe_name(b"a\\..\\c.py"));
    assert!(!entry::is_safe_name(b"\\server\\x"));
    assert_eq!(
        entry::vendored("vendor/github.com/x/y.go").as_deref(),
        Some("vendor/github.com")
    );
    assert_eq!(entry::vendored("src/app.py"), None);
    assert!(entry::is_binary(b"\x89PNG\r\n\x1a\n\0\0"));
    assert!(!entry::is_binary("naïve café\n".as_bytes()));
}
