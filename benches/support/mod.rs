//! Shared by the benchmarks: each one owns a section of `docs/benchmarks.md`. Each benchmark
//! uses part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

/// Replace the text between `<!-- section: NAME -->` and `<!-- /section: NAME -->` in the
/// benchmarks page (appending the section when it is not there yet), leaving the rest as it is.
pub fn write_section(page: &Path, name: &str, body: &str) {
    let begin = format!("<!-- section: {name} -->");
    let end = format!("<!-- /section: {name} -->");
    let current = std::fs::read_to_string(page).unwrap_or_else(|_| "# Benchmarks\n".into());
    let section = format!("{begin}\n{}\n{end}", body.trim_end());
    let updated = match (current.find(&begin), current.find(&end)) {
        (Some(start), Some(stop)) if stop > start => {
            format!(
                "{}{section}{}",
                &current[..start],
                &current[stop + end.len()..]
            )
        }
        _ => format!("{}\n\n{section}\n", current.trim_end()),
    };
    std::fs::write(page, updated).expect("write docs/benchmarks.md");
}

/// The machine, and how busy it was when the run started (other work skews timings).
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1048576.0))
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    format!(
        "{cores} cores ({cpu}), {memory} memory, Linux; 1-minute load average {load} at the start"
    )
}

/// Create the virtualenv `venv` and pip-install `packages` into it (peers run beside the
/// product, never inside it). `false` when either step fails.
pub fn python_venv(venv: &Path, packages: &[&str]) -> bool {
    Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(packages)
            .status()
            .is_ok_and(|s| s.success())
}
