//! The house's floors (DESIGN §11), checked on the source: a module may import only from the
//! floors below it. Ground: `domain`, `classify`, `error` and `iac` (the infrastructure code
//! we write for others, importable by every floor). Then `aws/` and `ui/` (beside
//! each other, neither importing the other); `local/`; `session`; the workflows (`lab/`,
//! `audit/`, `migrate/`, `export/`, `rotate/`), none importing another; on top the CLI (`cli`, `tour/`,
//! `commands/`), where only `main.rs` imports `commands/`.
//!
//! `SECRETSLAB_LAYERING_SRC=DIR` checks another source tree (e.g. an older checkout).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level modules each top-level module may import (besides itself).
fn allowed(module: &str) -> Option<&'static [&'static str]> {
    const GROUND: &[&str] = &["domain", "classify", "error", "iac"];
    const AWS: &[&str] = &["domain", "classify", "error", "iac"];
    const UI: &[&str] = &["domain", "classify", "error", "iac"];
    const LOCAL: &[&str] = &["domain", "classify", "error", "iac", "aws", "ui"];
    const SESSION: &[&str] = &["domain", "classify", "error", "iac", "aws", "ui", "local"];
    // A workflow stands on the floors below it, never on another workflow: what two of them
    // share belongs below both.
    const WORKFLOW: &[&str] = &[
        "domain", "classify", "error", "iac", "aws", "ui", "local", "session",
    ];
    const CLI: &[&str] = &[
        "domain", "classify", "error", "iac", "aws", "ui", "local", "session", "lab", "audit",
        "migrate", "export", "rotate", "cli", "tour",
    ];
    Some(match module {
        "domain" | "classify" | "error" | "iac" => GROUND,
        "aws" => AWS,
        "ui" => UI,
        "local" => LOCAL,
        "session" => SESSION,
        "lab" | "audit" | "migrate" | "export" | "rotate" => WORKFLOW,
        "cli" | "tour" | "commands" => CLI,
        // The entry points: `lib.rs` declares the modules, `main.rs` runs the commands.
        "lib" | "main" => return None,
        _ => return Some(&[]),
    })
}

/// The top-level module a source file belongs to: `src/aws/role.rs` → `aws`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap_or(file);
    let first = relative
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// Every top-level module `text` names through `crate::…` (code only, not comments).
fn imports(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            // `use crate::{a, b}` names several at once.
            let names: Vec<&str> = if let Some(group) = after.strip_prefix('{') {
                group
                    .split(['}', ','])
                    .map(|s| s.trim().split("::").next().unwrap_or_default())
                    .collect()
            } else {
                vec![after
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default()]
            };
            found.extend(
                names
                    .into_iter()
                    .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_'))
                    .map(str::to_string),
            );
            rest = after;
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import from a floor above, as `file: module -> imported`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let module = module_of(src, file);
        let Some(allowed) = allowed(&module) else {
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read file");
        for imported in imports(&text) {
            if imported != module && !allowed.contains(&imported.as_str()) {
                found.push(format!(
                    "{}: `{module}` imports `{imported}`",
                    file.strip_prefix(src).unwrap_or(file).display()
                ));
            }
        }
    }
    found
}

#[test]
fn no_module_imports_from_a_floor_above_it() {
    let src = std::env::var_os("SECRETSLAB_LAYERING_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "imports from a floor above ({}):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_check_sees_upward_imports() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    for (file, text) in [
        (
            "aws/role.rs",
            "use crate::lab::deploy::Plan;\nuse crate::domain::names::LabName;\n",
        ),
        (
            "domain/names.rs",
            "// crate::aws::x in a comment does not count\nuse crate::error::Error;\n",
        ),
        (
            "tour/runner.rs",
            "use crate::{commands::session::Session, lab::deploy};\n",
        ),
        ("local/emulator.rs", "let x = crate::cli::Arch::X86_64;\n"),
        (
            "lab/teardown.rs",
            "crate::migrate::remove_leftovers(aws).await;\n",
        ),
        (
            "migrate/target.rs",
            "use crate::{audit::classify, session::Session};\n",
        ),
        ("main.rs", "use crate::commands::run;\n"),
    ] {
        let path = src.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    assert_eq!(
        violations(src),
        vec![
            "aws/role.rs: `aws` imports `lab`",
            "lab/teardown.rs: `lab` imports `migrate`",
            "local/emulator.rs: `local` imports `cli`",
            "migrate/target.rs: `migrate` imports `audit`",
            "tour/runner.rs: `tour` imports `commands`",
        ]
    );
}

/// What the file rule does not walk: build output and `function/` (the handlers, held to
/// their own rules) at the top, version control and installed packages anywhere.
const NOT_WALKED_AT_TOP: &[&str] = &["target", "function"];
const NOT_WALKED: &[&str] = &[".git", "node_modules"];

/// Every source file of the repository (Rust, Python, JavaScript modules) under `dir`.
fn source_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("read the repository")
        .flatten()
    {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            let skipped = NOT_WALKED.contains(&name.as_str())
                || (dir == root && NOT_WALKED_AT_TOP.contains(&name.as_str()));
            if !skipped {
                source_files(root, &path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "py" || e == "mjs")
        {
            out.push(path);
        }
    }
}

/// Files under `root` longer than `limit` lines, as `path (N lines)`.
fn long_files(root: &Path, limit: usize) -> Vec<String> {
    let mut files = Vec::new();
    source_files(root, root, &mut files);
    files.sort();
    files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).ok()?.lines().count();
            let shown = file.strip_prefix(root).unwrap_or(file).display();
            (lines > limit).then(|| format!("{shown} ({lines} lines)"))
        })
        .collect()
}

/// Function length is Clippy's `too_many_lines` (clippy.toml); file length is checked here,
/// over src/, tests/, benches/, bench/, scripts/ and the chaos proxy alike.
#[test]
fn no_source_file_is_over_600_lines() {
    let found = long_files(Path::new(env!("CARGO_MANIFEST_DIR")), 600);
    assert!(found.is_empty(), "split these:\n{}", found.join("\n"));
}

#[test]
fn the_file_rule_walks_every_source_file_but_the_handlers() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let long = "x\n".repeat(601);
    for (file, text) in [
        ("src/long.rs", long.as_str()),
        ("src/short.rs", "x\n"),
        ("bench/long.py", long.as_str()),
        ("scripts/lib/long.mjs", long.as_str()),
        ("chaos-proxy/tests/long.rs", long.as_str()),
        ("docs/long.md", long.as_str()),
        ("function/long.py", long.as_str()),
        ("src/aws/function/long.rs", long.as_str()),
        ("target/debug/long.rs", long.as_str()),
    ] {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    assert_eq!(
        long_files(root, 600),
        vec![
            "bench/long.py (601 lines)",
            "chaos-proxy/tests/long.rs (601 lines)",
            "scripts/lib/long.mjs (601 lines)",
            "src/aws/function/long.rs (601 lines)",
            "src/long.rs (601 lines)",
        ]
    );
}
