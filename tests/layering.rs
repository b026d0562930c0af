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

/// Functions longer than `limit` lines in one file's text, as `name (N lines)`. A function
/// runs from its `fn` line to the closing brace at the same indentation (rustfmt's layout).
fn long_functions(text: &str, limit: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let Some(name) = fn_name(trimmed) else {
            continue;
        };
        // The signature ends at the first line ending in `{` (a body) or `;` (a declaration).
        let Some(open) = lines[start..]
            .iter()
            .position(|l| l.trim_end().ends_with('{') || l.trim_end().ends_with(';'))
        else {
            continue;
        };
        if lines[start + open].trim_end().ends_with(';') {
            continue;
        }
        let closing = format!("{indent}}}");
        if let Some(end) = lines[start + open..].iter().position(|l| *l == closing) {
            let length = open + end + 1;
            if length > limit {
                found.push(format!("{name} ({length} lines)"));
            }
        }
    }
    found
}

/// The name of the function a line declares, if it declares one.
fn fn_name(line: &str) -> Option<&str> {
    let mut words = line.split_whitespace().peekable();
    while let Some(word) = words.next() {
        match word {
            "fn" => {
                let name = words.next()?;
                return name.split(['(', '<']).next();
            }
            w if w == "pub"
                || w.starts_with("pub(")
                || ["async", "const", "unsafe"].contains(&w) => {}
            _ => return None,
        }
    }
    None
}

/// Every Rust file under `src` with what `check` finds in it, as `file: finding`.
fn findings_in_src(check: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read file");
        let shown = file
            .strip_prefix(&src)
            .unwrap_or(file)
            .display()
            .to_string();
        found.extend(check(&text).into_iter().map(|f| format!("{shown}: {f}")));
    }
    found
}

#[test]
fn no_function_in_src_is_over_80_lines() {
    let found = findings_in_src(|text| long_functions(text, 80));
    assert!(found.is_empty(), "split these:\n{}", found.join("\n"));
}

#[test]
fn no_file_in_src_is_over_600_lines() {
    let found = findings_in_src(|text| {
        let lines = text.lines().count();
        if lines > 600 {
            vec![format!("{lines} lines")]
        } else {
            vec![]
        }
    });
    assert!(found.is_empty(), "split these:\n{}", found.join("\n"));
}

#[test]
fn the_length_check_sees_long_functions() {
    let body = "    let x = 1;\n".repeat(80);
    let text = format!(
        "pub async fn long(\n    a: u8,\n) -> u8 {{\n{body}}}\n\nfn short() {{\n    inner();\n}}\n\nimpl A {{\n    pub(crate) fn method(&self) {{\n{body}    }}\n    fn declared(&self);\n}}\n"
    );
    assert_eq!(
        long_functions(&text, 80),
        vec!["long (84 lines)", "method (82 lines)"]
    );
}
