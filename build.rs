//! Names the commit in `--version` (`0.1.0 (abc1234)`) when built from a git checkout of this
//! repository; from a tarball, or without git, the version is the package version alone.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = env!("CARGO_PKG_VERSION");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    // Only this repository's own checkout counts: a tarball unpacked inside some other git
    // repository must not borrow that repository's commit.
    let is_our_checkout = git(&["-C", &manifest_dir, "rev-parse", "--show-toplevel"])
        .and_then(|top| Path::new(&top).canonicalize().ok())
        .zip(Path::new(&manifest_dir).canonicalize().ok())
        .is_some_and(|(top, manifest)| top == manifest);
    let commit = is_our_checkout
        .then(|| git(&["-C", &manifest_dir, "rev-parse", "--short", "HEAD"]))
        .flatten();
    match commit {
        Some(commit) => {
            println!("cargo:rustc-env=SECRETSLAB_VERSION={version} ({commit})");
            // A new commit (or a checkout) moves HEAD or the branch it names.
            for path in ["HEAD", "packed-refs"] {
                watch_git_path(&manifest_dir, path);
            }
            if let Some(branch) = git(&["-C", &manifest_dir, "symbolic-ref", "-q", "HEAD"]) {
                watch_git_path(&manifest_dir, &branch);
            }
        }
        None => println!("cargo:rustc-env=SECRETSLAB_VERSION={version}"),
    }
}

fn watch_git_path(manifest_dir: &str, name: &str) {
    if let Some(path) = git(&["-C", manifest_dir, "rev-parse", "--git-path", name]) {
        let path = Path::new(manifest_dir).join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
}
