//! Peak memory of scanning a deployment package does not grow with its size: builds a 5 MiB
//! and a 250 MiB (unzipped) package in target/code-rss/, scans each in a process of its own
//! and reads that process's peak resident set (`VmHWM` in /proc/self/status). Writes the
//! "Code scan memory" section of docs/benchmarks.md.
//!
//!     cargo bench --bench code_rss

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use secretslab::audit::code::{scan_package, Caps, Status};
use secretslab::audit::fingerprint::FingerprintKey;
use zip::write::SimpleFileOptions;

const SIZES_MB: [u64; 2] = [5, 250];
const FILE_BYTES: usize = 256 << 10;
const LIMIT: f64 = 1.5;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--scan-one") {
        scan_one(Path::new(&args[at + 1]), &args[at + 2]);
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/code-rss");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rows = Vec::new();
    for mb in SIZES_MB {
        let path = dir.join(format!("package-{mb}mb.zip"));
        if !path.exists() {
            eprintln!("building {}", path.display());
            build(&path, mb << 20);
        }
        let sha = sha_of(&path);
        eprintln!("scanning {}", path.display());
        let out = Command::new(std::env::current_exe().unwrap())
            .arg("--scan-one")
            .arg(&path)
            .arg(&sha)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        rows.push((mb, std::fs::metadata(&path).unwrap().len(), line));
    }
    let body = report(&rows);
    support::write_section(&root.join("docs/benchmarks.md"), "code-scan-memory", &body);
    println!("{body}");
}

/// A package of text files: one in ten looks like bundled code (short lines full of literals,
/// the costliest to read), the rest like the documentation and type declarations
/// dependencies ship; one in a hundred holds a planted token.
fn build(path: &Path, unzipped: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut zip = zip::ZipWriter::new(BufWriter::new(File::create(path).unwrap()));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    let mut written = 0u64;
    let mut n = 0;
    while written < unzipped {
        let tree = if n % 3 == 0 {
            "node_modules/dep"
        } else {
            "src"
        };
        zip.start_file(format!("{tree}{}/file{n}.js", n / 50), options)
            .unwrap();
        let mut text = if n % 10 == 0 {
            code(&mut rng)
        } else {
            prose(&mut rng)
        };
        if n % 100 == 0 {
            text.push_str("const token = \"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\";\n");
        }
        zip.write_all(text.as_bytes()).unwrap();
        written += text.len() as u64;
        n += 1;
    }
    zip.finish().unwrap();
}

fn code(rng: &mut impl Rng) -> String {
    let words = [
        "const", "return", "function", "value", "config", "module", "exports",
    ];
    let mut text = String::with_capacity(FILE_BYTES + 200);
    while text.len() < FILE_BYTES {
        let id: String = (0..12)
            .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rng.random_range(0..36)]))
            .collect();
        let word = words[rng.random_range(0..words.len())];
        text.push_str(&format!(
            "  {word} v_{id} = \"{id}{}\";\n",
            rng.random::<u32>()
        ));
    }
    text
}

fn prose(rng: &mut impl Rng) -> String {
    let words = [
        "the", "request", "returns", "a", "promise", "that", "resolves", "with", "response",
        "options", "object", "when", "is", "set", "default", "timeout", "handler", "retries",
    ];
    let mut text = String::with_capacity(FILE_BYTES + 200);
    while text.len() < FILE_BYTES {
        text.push_str(" *");
        for _ in 0..rng.random_range(8..16) {
            text.push(' ');
            text.push_str(words[rng.random_range(0..words.len())]);
        }
        text.push('\n');
    }
    text
}

fn sha_of(path: &Path) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let mut reader = BufReader::new(File::open(path).unwrap());
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buffer).unwrap();
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    base64::engine::general_purpose::STANDARD.encode(hasher.finalize())
}

/// The child: scan one package, print `peak_kib unzipped files findings seconds`.
fn scan_one(path: &Path, sha: &str) {
    let key = FingerprintKey::generate();
    let start = Instant::now();
    let scan = scan_package(File::open(path).unwrap(), sha, &Caps::default(), &key);
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(scan.status, Status::Scanned, "{:?}", scan.status);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap();
    println!(
        "{peak} {} {} {} {seconds:.1}",
        scan.read.unzipped_bytes,
        scan.read.files,
        scan.findings.len()
    );
}

/// Memory does not depend on the build; times do.
fn build_kind() -> &'static str {
    if cfg!(debug_assertions) {
        "unoptimised (`--profile dev`), so the scan times are far slower than the product's"
    } else {
        "optimised (the bench profile)"
    }
}

fn report(rows: &[(u64, u64, String)]) -> String {
    let mut body = String::from(
        "## Code scan memory\n\nGenerated by `cargo bench --bench code_rss`: each package is scanned \
         by `secretslab::audit::code::scan_package` from a file in a process of its own, whose peak \
         resident set (`VmHWM`) is read when the scan ends. The packages are deflated text files \
         (a third under `node_modules/`): one in ten like bundled JavaScript, the rest like the \
         documentation dependencies ship, one in a hundred with a planted token.\n\n",
    );
    body.push_str(&format!(
        "Machine: {}. Build: {}.\n\n",
        support::machine(),
        build_kind()
    ));
    body.push_str("| package | zipped | unzipped read | files | findings | peak RSS | scan time |\n|---|---|---|---|---|---|---|\n");
    let mut peaks = Vec::new();
    for (mb, zipped, line) in rows {
        let f: Vec<&str> = line.split_whitespace().collect();
        let peak: f64 = f[0].parse().unwrap();
        peaks.push(peak);
        body.push_str(&format!(
            "| {mb} MiB | {:.1} MB | {:.1} MB | {} | {} | {:.1} MiB | {} s |\n",
            *zipped as f64 / 1e6,
            f[1].parse::<f64>().unwrap() / 1e6,
            f[2],
            f[3],
            peak / 1024.0,
            f[4]
        ));
    }
    let ratio = peaks[1] / peaks[0];
    body.push_str(&format!(
        "\nPeak RSS ratio, 250 MiB package to 5 MiB package: **{ratio:.2}×** (the bar: within {LIMIT}×).\n"
    ));
    body
}
