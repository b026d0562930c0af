//! The tour through the real binary: straight through with `--yes`, and interactively in a
//! real terminal (tmux) — keys pressed, steps seen, quit and resume.

use crate::common;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{stderr, stdout, TestHome};

const TITLES: [&str; 10] = [
    "What we are fixing, and how it fits together",
    "The IAM role and its policies",
    "The handler code",
    "Deploy the lab",
    "Test the function and read the secret",
    "Find it: a password in plaintext",
    "Fix it: move the password behind the extension",
    "Rotate it: the cache's stale window",
    "Take it home: the lab as code",
    "Tear down, and the notes to keep",
];

#[test]
fn tour_yes_runs_the_whole_lab_and_leaves_nothing_behind() {
    let home = TestHome::new();
    let out = home.run(&["tour", "--local", "--yes"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}\n{}", text, stderr(&out));
    for title in TITLES {
        assert!(text.contains(title), "missing step `{title}`");
    }
    for check in [
        "the function is Active",
        "read the secret through the extension",
        "audit found the plaintext password the API shows",
        "the plaintext is gone from $LATEST and the function reads the secret",
        "the labels and the simulated database show a finished rotation",
        "login(s) succeeded after one retry past the cache",
        "every exported file is written, and its Terraform parses",
        "every lab resource is gone",
        "tour complete",
    ] {
        assert!(text.contains(check), "missing `{check}`");
    }
    assert!(text.contains("\"Resource\": \"arn:aws:secretsmanager:us-east-1:000000000000:secret:secrets-lab/credentials-"));
    // The IAM page teaches the document `up` attaches (the simulated database's statement
    // included), and the deploy step shows its plan and then what it did, never a dry run.
    let iam_page = text
        .split("The lab's permission policy")
        .nth(1)
        .and_then(|rest| rest.split("AWSLambdaBasicExecutionRole").next())
        .expect("the IAM page");
    assert!(
        iam_page.contains("LogInToTheLabSimulatedDatabase"),
        "{iam_page}"
    );
    let applied = text
        .split("policy applied to the role:")
        .nth(1)
        .expect("applied policy");
    assert!(
        applied.contains("LogInToTheLabSimulatedDatabase"),
        "{applied}"
    );
    assert!(!text.contains("dry run"), "{text}");
    assert!(text.contains("applied: 6 created"), "{text}");
    // NO_COLOR (set by TestHome) means no escape codes at all.
    assert!(
        !text.contains('\u{1b}') && !stderr(&out).contains('\u{1b}'),
        "escape codes despite NO_COLOR"
    );
    // Code blocks keep their lines: no code line (other than a full secret ARN) is wider than 80 columns.
    for line in text.lines().filter(|l| !l.contains("arn:aws:")) {
        assert!(line.chars().count() <= 80, "wider than 80 columns: {line}");
    }
    home.wait_until_no_process();
    assert!(!home.path().join("state/emulator.json").exists());
    // "Take it home" wrote the lab as Terraform beside the tour's state, each file shown.
    let export = home.path().join("state/exports/secrets-lab-terraform");
    for file in ["main.tf", "README.md", "function/lambda_function.py"] {
        assert!(export.join(file).is_file(), "{file} not exported");
        assert!(text.contains(&format!("  {file}\n")), "{file} not shown");
    }
}

/// A tmux server of our own, on its own socket, killed when the test ends.
struct Tmux {
    socket: String,
}

/// Each server gets a fresh socket: `kill-server` returns before the old server has
/// exited, so reusing its socket races with its shutdown ("server exited unexpectedly").
static SERVERS_STARTED: AtomicUsize = AtomicUsize::new(0);

impl Tmux {
    fn start(home: &TestHome, command: &str) -> Self {
        let socket = format!(
            "secretslab-test-{}-{}",
            std::process::id(),
            SERVERS_STARTED.fetch_add(1, Ordering::Relaxed)
        );
        let tmux = Self { socket };
        let shell = format!(
            "env SECRETSLAB_HOME={} SECRETSLAB_CACHE={} NO_COLOR=1 {} {command}; sleep 30",
            home.path().display(),
            common::shared_cache().display(),
            common::binary().display()
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &tmux.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "80",
                "-y",
                "40",
                &shell,
            ])
            .status()
            .expect("tmux");
        assert!(status.success(), "tmux could not start a session");
        let _ = Command::new("tmux")
            .args([
                "-L",
                &tmux.socket,
                "set-option",
                "-g",
                "history-limit",
                "100000",
            ])
            .status();
        tmux
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-J",
                "-S",
                "-100000",
            ])
            .output()
            .expect("capture");
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn press(&self, key: &str) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", key])
            .status();
    }

    fn wait_for(&self, text: &str, limit: Duration) -> String {
        common::wait_for(&format!("`{text}` on the screen"), limit, || {
            let screen = self.screen();
            if screen.contains(text) {
                Ok(screen)
            } else {
                Err(format!("the screen:\n{screen}"))
            }
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

#[test]
fn tour_in_a_terminal_runs_on_keys_and_resumes_after_quit() {
    if Command::new("tmux").arg("-V").output().is_err() {
        panic!("tmux is needed for this test (apt install tmux)");
    }
    let home = TestHome::new();
    let limit = Duration::from_secs(120);
    {
        let tmux = Tmux::start(&home, "tour --local");
        tmux.wait_for(TITLES[0], limit);
        tmux.wait_for("[Enter] continue", limit);
        tmux.press("h");
        tmux.wait_for("hint:", limit);
        tmux.press("Enter");
        tmux.wait_for(TITLES[1], limit);
        // The page is drawn while the screen is read: wait for its last part, the permission
        // policy, before checking the trust policy above it.
        let screen = tmux.wait_for("secretsmanager:GetSecretValue", limit);
        assert!(screen.contains("\"sts:AssumeRole\""), "trust policy shown");
        tmux.press("Enter");
        tmux.wait_for(TITLES[2], limit);
        tmux.press("q");
        tmux.wait_for("progress saved", limit);
    }
    let tmux = Tmux::start(&home, "tour --local");
    tmux.wait_for("resuming at step 3 of 10", limit);
    tmux.wait_for(TITLES[2], limit);
    tmux.press("Enter");
    tmux.wait_for(TITLES[3], limit);
    tmux.wait_for("[Enter] deploy", limit);
    tmux.press("Enter");
    let screen = tmux.wait_for(
        "the function is Active with the extension layer attached",
        limit,
    );
    // After deploy, the policy shown is the applied one, with the real secret ARN.
    assert!(
        screen.contains("secret:secrets-lab/credentials-")
            && !screen.contains("policy applied to the role:\n{}"),
        "{screen}"
    );
    tmux.wait_for(TITLES[4], limit);
    tmux.press("Enter");
    let screen = tmux.wait_for("the function read the secret through the extension", limit);
    assert!(
        screen.contains("1 miss(es)") && screen.contains("4 hit(s)"),
        "{screen}"
    );
    tmux.wait_for(TITLES[5], limit);
    tmux.wait_for("[Enter] find it", limit);
    tmux.press("Enter");
    let screen = tmux.wait_for("audit found the plaintext password the API shows", limit);
    assert!(screen.contains("secret  DB_PASSWORD"), "{screen}");
    tmux.wait_for(TITLES[6], limit);
    tmux.wait_for("[Enter] fix it", limit);
    tmux.press("Enter");
    let screen = tmux.wait_for("the plaintext is gone from $LATEST", limit);
    assert!(
        screen.contains("credentials read through the extension"),
        "{screen}"
    );
    tmux.wait_for(TITLES[7], limit);
    tmux.wait_for("[Enter] rotate it", limit);
    tmux.press("Enter");
    let screen = tmux.wait_for("show a finished rotation", limit);
    assert!(screen.contains("the lab's simulated database"), "{screen}");
    tmux.wait_for(TITLES[8], limit);
    tmux.wait_for("[Enter] export it", limit);
    tmux.press("Enter");
    tmux.wait_for("every exported file is written", limit);
    tmux.wait_for(TITLES[9], limit);
    tmux.press("Enter");
    let screen = tmux.wait_for("tour complete", limit);
    assert!(screen.contains("teardown receipt"), "{screen}");
    assert!(screen.matches("gone").count() >= 5, "{screen}");
    tmux.wait_for("stopped the local emulator", limit);
}
