//! `rotate` and the extension cache's stale window, against a real MiniStack started by each
//! test (random port, own SECRETSLAB_HOME) and the extension stand-in. Run serially
//! (`--test-threads=1`). Passwords are compared, never printed.

use crate::common;

use common::{found, killed_after_call, lab_password, stderr, stdout, TestHome};
use secretslab::aws::AwsContext;
use secretslab::domain::simulated_db::{Document, Login};
use serde_json::Value;

/// A short TTL keeps the test fast; long enough that a rotation lands inside it.
const TTL: &str = "5";

/// The secret's versions and their labels, read through the SDK: (id, labels).
async fn labels(sdk: &AwsContext, lab: &str) -> Vec<(String, Vec<String>)> {
    let out = sdk
        .secrets
        .list_secret_version_ids()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .expect("versions");
    out.versions()
        .iter()
        .map(|v| {
            (
                v.version_id().unwrap().to_string(),
                v.version_stages().to_vec(),
            )
        })
        .collect()
}

fn labelled(versions: &[(String, Vec<String>)], stage: &str) -> Option<String> {
    versions
        .iter()
        .find(|(_, s)| s.iter().any(|l| l == stage))
        .map(|(id, _)| id.clone())
}

/// The simulated database's document and the secret's current value, read through the SDK.
async fn database_accepts_current(sdk: &AwsContext, lab: &str) -> (Document, bool) {
    let text = common::parameter_value(sdk, &format!("/{lab}/simulated-db")).await;
    let document: Document = serde_json::from_str(&text).expect("document");
    let current = sdk
        .secrets
        .get_secret_value()
        .secret_id(format!("{lab}/credentials"))
        .send()
        .await
        .expect("secret");
    let login = Login::from_credentials(current.secret_string().unwrap()).unwrap();
    let accepts = document.accepts(&login);
    (document, accepts)
}

struct Lab {
    home: TestHome,
    sdk: AwsContext,
    name: &'static str,
    /// Everything the CLI printed, for the leak check.
    printed: std::cell::RefCell<String>,
}

impl Lab {
    async fn up(name: &'static str) -> Lab {
        let home = TestHome::new();
        let endpoint = home.start_emulator();
        let sdk = home.sdk(&endpoint).await;
        let lab = Lab {
            home,
            sdk,
            name,
            printed: Default::default(),
        };
        let up = lab.run(&["up", "--ttl", TTL]);
        assert_eq!(up.0, Some(0), "up failed");
        lab
    }

    /// `--local --name LAB --json ARGS`: exit code and the JSON document.
    fn run(&self, args: &[&str]) -> (Option<i32>, Value) {
        let mut all = vec!["--local", "--name", self.name];
        all.extend_from_slice(args);
        let (out, doc) = self.home.json(&all);
        let mut printed = self.printed.borrow_mut();
        printed.push_str(&stdout(&out));
        printed.push_str(&stderr(&out));
        (out.status.code(), doc)
    }
}

fn logins(test: &Value, login: &str) -> usize {
    test["invocations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["login"] == login)
        .count()
}

/// Inside the TTL the cache serves the old password, which the database refuses; after it,
/// the new one (`current`) is served and accepted.
fn the_stale_window_refuses_logins_until_the_ttl_ends(lab: &Lab, current: &str) {
    let (code, test) = lab.run(&["test", "-n", "8", "--interval-ms", "1000"]);
    assert_eq!(code, Some(1), "refused logins fail the test: {test}");
    let window = &test["rotation"];
    assert!(window["refused_logins"].as_u64().unwrap() > 0, "{window}");
    assert!(
        window["stale_invocations"].as_u64().unwrap() > 0,
        "{window}"
    );
    assert_eq!(window["ended"], true, "{window}");
    assert_eq!(window["within_ttl"], true, "{window}");
    let stale = window["stale_window_seconds"].as_f64().unwrap();
    assert!(stale <= TTL.parse::<f64>().unwrap(), "{window}");
    let last = test["invocations"].as_array().unwrap().last().unwrap();
    assert_eq!(last["login"], "ok", "{test}");
    assert_eq!(last["served_version_id"], current);
    for invocation in test["invocations"].as_array().unwrap() {
        let refused = invocation["login"] == "refused";
        assert_eq!(refused, invocation["stale"] == true, "{invocation}");
    }
}

/// `status` and `up --dry-run` show the simulated database as a lab resource, present and
/// unchanged.
fn the_database_is_a_lab_resource(lab: &Lab) {
    let (_, status) = lab.run(&["status"]);
    let row = |doc: &Value, key: &str| {
        let rows = doc["resources"].as_array().unwrap().iter();
        let found = rows.clone().find(|r| r["kind"] == "simulated_database");
        found.map(|r| r[key].clone()).unwrap_or_default()
    };
    assert_eq!(row(&status, "state"), "present", "{status}");
    assert_eq!(row(&status, "name"), "/rotate-window/simulated-db");
    let (_, plan) = lab.run(&["up", "--dry-run"]);
    assert_eq!(row(&plan, "action"), "unchanged", "{plan}");
}

#[tokio::test(flavor = "multi_thread")]
async fn single_user_locks_out_inside_the_ttl_and_alternating_users_do_not() {
    let lab = Lab::up("rotate-window").await;
    let mut passwords = vec![lab_password(&lab.sdk, lab.name).await];

    // Before any rotation every login is accepted (and the cache now holds the value).
    let (code, test) = lab.run(&["test", "-n", "2"]);
    assert_eq!(code, Some(0), "{test}");
    assert_eq!(logins(&test, "ok"), 2, "{test}");
    let before = labels(&lab.sdk, lab.name).await;

    // Single user: the staging labels move, the old version stays as AWSPREVIOUS.
    let (code, rotated) = lab.run(&["rotate"]);
    assert_eq!(code, Some(0), "{rotated}");
    let after = labels(&lab.sdk, lab.name).await;
    let current = labelled(&after, "AWSCURRENT").unwrap();
    assert_ne!(Some(current.clone()), labelled(&before, "AWSCURRENT"));
    assert_eq!(
        labelled(&after, "AWSPREVIOUS"),
        labelled(&before, "AWSCURRENT")
    );
    assert_eq!(labelled(&after, "AWSPENDING"), None);
    assert_eq!(rotated["current_version"], current.as_str());
    passwords.push(lab_password(&lab.sdk, lab.name).await);
    assert_ne!(passwords[0], passwords[1]);
    let (document, accepts) = database_accepts_current(&lab.sdk, lab.name).await;
    assert!(accepts && document.accepted.len() == 1);

    the_stale_window_refuses_logins_until_the_ttl_ends(&lab, &current);

    // The remedy: a refused login retried once past the cache (refreshNow) succeeds.
    let (code, rotated) = lab.run(&["rotate"]);
    assert_eq!(code, Some(0), "{rotated}");
    passwords.push(lab_password(&lab.sdk, lab.name).await);
    let (code, test) = lab.run(&["test", "-n", "2", "--retry-on-refused"]);
    assert_eq!(code, Some(0), "{test}");
    assert_eq!(test["rotation"]["refused_logins"], 0, "{test}");
    assert!(
        test["rotation"]["retried_logins"].as_u64().unwrap() > 0,
        "{test}"
    );

    // Alternating users: the old login stays valid, so a stale value is still accepted.
    let (code, rotated) = lab.run(&["rotate", "--strategy", "alternating-users"]);
    assert_eq!(code, Some(0), "{rotated}");
    passwords.push(lab_password(&lab.sdk, lab.name).await);
    let (document, accepts) = database_accepts_current(&lab.sdk, lab.name).await;
    assert!(accepts && document.accepted.len() == 2);
    let (code, test) = lab.run(&["test", "-n", "3"]);
    assert_eq!(code, Some(0), "{test}");
    assert_eq!(test["rotation"]["refused_logins"], 0, "{test}");
    assert!(
        test["rotation"]["stale_invocations"].as_u64().unwrap() > 0,
        "{test}"
    );
    the_database_is_a_lab_resource(&lab);

    // No password reaches any output, state file or the database itself.
    let teardown = lab.home.force_teardown(lab.name);
    let printed = lab.printed.borrow().clone() + &teardown.to_string();
    let state = lab.home.state_files_text();
    for password in &passwords {
        assert!(
            !printed.contains(password.as_str()),
            "a password was printed"
        );
        assert!(
            !state.contains(password.as_str()),
            "a password is in a state file"
        );
        assert!(!serde_json::to_string(&document)
            .unwrap()
            .contains(password.as_str()));
    }
    let database = lab
        .sdk
        .ssm
        .get_parameter()
        .name(format!("/{}/simulated-db", lab.name))
        .send()
        .await;
    assert!(found(database, "the simulated database").is_none());
    lab.home.stop_local();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotation_killed_at_any_call_converges_on_the_next_run() {
    let lab = Lab::up("rotate-crash").await;
    let args = ["--local", "--name", lab.name, "rotate"];
    let mut landed = 0;
    for call in 1.. {
        let before = labels(&lab.sdk, lab.name).await;
        if !killed_after_call(&lab.home, &args, call) {
            break;
        }
        landed += 1;
        let (code, rotated) = lab.run(&["rotate"]);
        assert_eq!(code, Some(0), "after a kill at call {call}: {rotated}");
        assert_eq!(rotated["verified"], true, "{rotated}");
        let after = labels(&lab.sdk, lab.name).await;
        assert_eq!(labelled(&after, "AWSPENDING"), None, "call {call}");
        assert_ne!(
            labelled(&after, "AWSCURRENT"),
            labelled(&before, "AWSCURRENT"),
            "call {call}: the re-run rotated"
        );
        let (_, accepts) = database_accepts_current(&lab.sdk, lab.name).await;
        assert!(
            accepts,
            "call {call}: the database accepts the current login"
        );
    }
    assert!(landed >= 5, "only {landed} kills landed mid-run");
    lab.home.force_teardown(lab.name);
    lab.home.stop_local();
}
