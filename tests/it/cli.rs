//! The command line itself: help, usage errors, and input checks that need no emulator.

use crate::common;

use common::{stderr, TestHome};

/// Bad input: a clear first line, a non-zero exit, never a panic, nothing on stdout.
fn assert_refused(args: &[&str], code: i32, needle: &str) {
    let home = TestHome::new();
    let out = home.run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    let first = err
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    // The parser's usage errors are `error:`; secretslab's own name their code.
    assert!(
        first.starts_with("error:") || first.starts_with("error[secretslab::"),
        "{args:?}: first line is not an error: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: expected `{needle}` in: {err}"
    );
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout must stay empty");
}

#[test]
fn invalid_names_are_refused() {
    assert_refused(&["--name", "Bad_Name", "up"], 2, "invalid lab name");
    assert_refused(&["--name", &"a".repeat(33), "status"], 2, "1 to 32");
}

#[test]
fn out_of_range_values_are_refused() {
    assert_refused(&["teardown", "--recovery-days", "3"], 2, "7..=30");
    assert_refused(&["test", "-n", "0"], 2, "1..=1000");
    assert_refused(&["up", "--arch", "sparc"], 2, "x86_64");
    assert_refused(&["up", "--ttl", "301"], 2, "0..=300");
}

#[test]
fn secret_file_problems_are_refused_before_any_aws_call() {
    let home = TestHome::new();
    assert_refused(
        &["up", "--secret-file", "/does/not/exist"],
        2,
        "--secret-file",
    );
    let not_utf8 = home.path().join("binary");
    std::fs::write(&not_utf8, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    assert_refused(
        &["up", "--secret-file", not_utf8.to_str().unwrap()],
        2,
        "not UTF-8",
    );
    let huge = home.path().join("huge");
    std::fs::write(&huge, "x".repeat(70_000)).unwrap();
    assert_refused(&["up", "--secret-file", huge.to_str().unwrap()], 2, "65536");
    let empty = home.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    assert_refused(
        &["up", "--secret-file", empty.to_str().unwrap()],
        2,
        "empty",
    );
}

#[test]
fn missing_credentials_point_to_local() {
    let home = TestHome::new();
    let out = home
        .command()
        .args(["status"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no AWS credentials"), "{err}");
    assert!(err.contains("--local"), "{err}");
    // One error line and one help line: none of the SDK's own warnings (here: the missing
    // config files it was pointed at) reach the user without -v.
    let lines: Vec<&str> = err
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        lines.len() == 2
            && lines[0].starts_with("error[secretslab::aws::no_credentials]: ")
            && lines[1].starts_with("help:"),
        "{err}"
    );
}

/// A failure has one stable code, the same in the text form and in the JSON document.
#[test]
fn json_errors_are_one_document_on_stdout_with_the_texts_code() {
    let home = TestHome::new();
    let args = ["up", "--secret-file", "/does/not/exist"];
    let out = home.run(&[&["--json"][..], &args].concat());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["error"]["code"], "secretslab::up::secret_unreadable");
    assert!(doc["error"]["help"].is_string());
    let text = home.run(&args);
    assert!(
        stderr(&text).starts_with("error[secretslab::up::secret_unreadable]: cannot read"),
        "{}",
        stderr(&text)
    );
}

#[test]
fn help_documents_exit_codes() {
    let home = TestHome::new();
    let out = home.run(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for needle in [
        "Exit codes:",
        "3  partial teardown",
        "--local",
        "tour",
        "teardown",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in --help");
    }
}

/// Every command's help, as a user reads it in an 80-column terminal: a change to a flag,
/// default or wording shows up as a snapshot diff to review.
#[test]
fn help_texts_are_stable_and_fit_80_columns() {
    let home = TestHome::new();
    for command in [
        "",
        "up",
        "test",
        "rotate",
        "teardown",
        "status",
        "tour",
        "local",
        "local start",
        "doctor",
        "completions",
        "audit",
        "migrate",
        "export",
    ] {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let out = home
            .command()
            .env("COLUMNS", "80")
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{args:?}: wider than 80: {line}"
            );
        }
        let name = if command.is_empty() { "top" } else { command };
        insta::assert_snapshot!(format!("help_{}", name.replace(' ', "_")), text);
    }
}

#[test]
fn tour_without_a_terminal_says_so_instead_of_blocking() {
    let home = TestHome::new();
    let out = home
        .command()
        .arg("tour")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not a terminal") && err.contains("--yes"),
        "{err}"
    );
}

/// Issue 8: flags that contradict each other are refused by the parser, before anything runs.
#[test]
fn conflicting_flags_are_refused_by_the_parser() {
    assert_refused(
        &["teardown", "--recovery-days", "7", "--force-delete-secret"],
        2,
        "cannot be used with",
    );
    assert_refused(
        &["--local", "--endpoint-url", "http://127.0.0.1:1", "status"],
        2,
        "cannot be used with",
    );
    assert_refused(
        &["--no-color", "--color", "always", "status"],
        2,
        "cannot be used with",
    );
    for args in [
        &["teardown", "--recovery-days", "7", "--force-delete-secret"][..],
        &["--local", "--endpoint-url", "http://127.0.0.1:1", "status"][..],
    ] {
        let out = TestHome::new().run(args);
        let errors = stderr(&out)
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count();
        assert_eq!(errors, 1, "{args:?}: {}", stderr(&out));
    }
}

/// Issue 8: `tour --json` is refused (the tour is prose for a person), as exactly one JSON
/// error document on stdout and exit 2, before any emulator starts.
#[test]
fn tour_json_is_refused_with_one_json_document() {
    let home = TestHome::new();
    let out = home.run(&["--json", "tour", "--local", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["error"]["code"], "secretslab::cli::no_json");
    assert!(doc["error"]["help"].as_str().unwrap().contains("up --json"));
    assert!(
        !home.path().join("state").join("emulator.json").exists(),
        "no emulator may start"
    );
}

/// Every shell's completion script is generated and completes the real subcommands and flags.
#[test]
fn completion_scripts_know_the_commands() {
    let home = TestHome::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = home.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let script = String::from_utf8(out.stdout).unwrap();
        for needle in ["teardown", "recovery-days", "force-delete-secret"] {
            assert!(
                script.contains(needle),
                "{shell}: completion script does not mention `{needle}`"
            );
        }
        assert!(
            !script.contains("__extension"),
            "{shell}: the internal command is offered"
        );
    }
    assert_refused(&["completions", "tcsh"], 2, "possible values");
}

/// `--version` names the commit the binary was built from (when built from a git checkout).
#[test]
fn version_names_the_commit() {
    let home = TestHome::new();
    let out = home.run(&["--version"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let version = String::from_utf8(out.stdout).unwrap();
    let expected = format!("secretslab {}", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected), "{version}");
    let commit = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match commit {
        // The short form is a prefix of the full commit hash.
        Some(full) => {
            let named = version
                .trim()
                .strip_prefix(&expected)
                .and_then(|rest| rest.trim().strip_prefix('('))
                .and_then(|rest| rest.strip_suffix(')'))
                .unwrap_or_else(|| panic!("no commit in `{}`", version.trim()));
            assert!(
                named.len() >= 7 && full.starts_with(named),
                "`{named}` is not HEAD ({full})"
            );
        }
        None => assert_eq!(version.trim(), expected),
    }
}
