//! The lab's legacy function moved behind the extension and back: to Secrets Manager (expand,
//! finish, rollback) and to Parameter Store.

use super::*;

/// One migration of the lab's legacy function, each run's output kept for the leak check.
struct Migration<'a> {
    home: &'a TestHome,
    sdk: &'a AwsContext,
    lab: &'a str,
    function: &'a str,
    secret: &'a str,
    outputs: std::cell::RefCell<Vec<Output>>,
}

impl Migration<'_> {
    /// `migrate -vv ARGS`, required to succeed: its stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = self
            .home
            .run(&migrate_args(self.lab, Some("-vv"), self.function, args));
        succeeded(&out, &format!("migrate {args:?}"));
        let text = stdout(&out);
        self.outputs.borrow_mut().push(out);
        text
    }
}

#[tokio::test]
async fn migrate_moves_a_plaintext_password_behind_the_extension_and_back() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let m = Migration {
        home: &home,
        sdk: &sdk,
        lab: "mig",
        function: "mig-legacy",
        secret: "mig-legacy/env",
        outputs: Default::default(),
    };
    let (before, old_version) = the_legacy_function(&m).await;
    let password = before["DB_PASSWORD"].clone();
    a_dry_run_changes_nothing(&m, &before).await;
    expand(&m, &before).await;
    finish(&m, &old_version).await;
    rollback(&m, &before).await;
    no_output_or_file_holds(&m, &password);
    teardown_removes_what_migrate_left(&m).await;
    home.stop_local();
}

/// Before: the password sits in the environment, and the function reads it there; a
/// published version keeps it whatever happens to $LATEST. The environment and that version.
async fn the_legacy_function(m: &Migration<'_>) -> (HashMap<String, String>, String) {
    let (sdk, function) = (m.sdk, m.function);
    m.home
        .ok(&["--local", "--name", m.lab, "up", "--with-legacy"]);
    let (before, layers) = config(sdk, function).await;
    let password = before["DB_PASSWORD"].clone();
    assert!(password.len() >= 16 && layers.is_empty());
    let answer = invoke(sdk, function).await;
    assert_eq!(
        (answer["ok"].clone(), answer["source"].clone()),
        (Value::Bool(true), Value::from("environment")),
        "{answer}"
    );
    // A published version keeps the plaintext whatever happens to $LATEST.
    let published = sdk
        .lambda
        .publish_version()
        .function_name(function)
        .send()
        .await
        .unwrap();
    let old_version = published.version().unwrap().to_string();
    let (code, findings) = audit_findings(m.home, function);
    assert_eq!(code, Some(4), "audit exits 4 with findings");
    let mut flagged = versions_flagging(&findings, "DB_PASSWORD");
    flagged.sort();
    assert_eq!(flagged, ["$LATEST".to_string(), old_version.clone()]);
    (before, old_version)
}

/// A dry run prints the plan and changes nothing.
async fn a_dry_run_changes_nothing(m: &Migration<'_>, before: &HashMap<String, String>) {
    let (sdk, function, secret) = (m.sdk, m.function, m.secret);
    let plan = m.run(&["--var", "DB_PASSWORD", "--dry-run"]);
    assert!(
        plan.contains("would") && plan.contains("read_moved(\"DB_PASSWORD\")"),
        "{plan}"
    );
    assert_eq!(config(sdk, function).await, (before.clone(), vec![]));
    assert_eq!(secrets_named(sdk, secret).await, 0);
    assert!(inline_policies(sdk, "mig-role").await.is_empty());
}

/// Expand: the secret, the grant, the layer, the reference beside the plaintext; the
/// function still answers, now through its own local extension.
async fn expand(m: &Migration<'_>, before: &HashMap<String, String>) {
    let (sdk, function, secret) = (m.sdk, m.function, m.secret);
    let password = &before["DB_PASSWORD"];
    let expanded = m.run(&["--var", "DB_PASSWORD"]);
    assert!(
        expanded.contains("read_moved(\"DB_PASSWORD\")"),
        "{expanded}"
    );
    let (env, layers) = config(sdk, function).await;
    assert_eq!(&env["DB_PASSWORD"], password);
    assert_eq!(env["DB_USER"], before["DB_USER"], "other variables kept");
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], secret);
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let stored = secret_document(sdk, secret).await.expect("secret");
    assert_eq!(stored["DB_PASSWORD"], password.as_str());
    assert_eq!(
        inline_policies(sdk, "mig-role").await,
        ["secretslab-migrate-mig-legacy"]
    );
    // It still answers, now through its own local extension.
    let answer = invoke(sdk, function).await;
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(
        answer["source"], "mixed",
        "DB_USER stays plaintext: {answer}"
    );
}

/// Finish: the plaintext leaves $LATEST; a version is published for the alias. The old
/// published version still holds the value, and audit still says so.
async fn finish(m: &Migration<'_>, old_version: &str) {
    let (sdk, function, secret) = (m.sdk, m.function, m.secret);
    m.run(&["--finish", "--alias", "live"]);
    let (env, layers) = config(sdk, function).await;
    assert!(
        !env.contains_key("DB_PASSWORD"),
        "plaintext still in $LATEST"
    );
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], secret);
    assert_eq!(extension_layers(&layers), 1);
    let answer = invoke(sdk, function).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let alias = sdk
        .lambda
        .get_alias()
        .function_name(function)
        .name("live")
        .send()
        .await
        .unwrap();
    let live = alias.function_version().unwrap().to_string();
    assert_ne!(live, old_version);
    let (live_env, _) = config(sdk, &format!("{function}:{live}")).await;
    assert!(
        !live_env.contains_key("DB_PASSWORD"),
        "the alias's version holds the plaintext"
    );
    assert_eq!(live_env["DB_PASSWORD_SECRET_ID"], secret);
    let (_, findings) = audit_findings(m.home, function);
    assert_eq!(versions_flagging(&findings, "DB_PASSWORD"), [old_version]);
}

/// Rollback: the variable back with the same value, what migrate added gone.
async fn rollback(m: &Migration<'_>, before: &HashMap<String, String>) {
    let (sdk, function, secret) = (m.sdk, m.function, m.secret);
    m.run(&["--rollback"]);
    let (env, layers) = config(sdk, function).await;
    assert_eq!(&env, before, "the environment is exactly as before");
    assert_eq!(extension_layers(&layers), 0);
    assert!(inline_policies(sdk, "mig-role").await.is_empty());
    assert!(secret_scheduled(sdk, secret).await);
    let answer = invoke(sdk, function).await;
    assert_eq!(answer["source"], "environment", "{answer}");
}

/// No output (at -vv), state or log file holds the password.
fn no_output_or_file_holds(m: &Migration<'_>, password: &str) {
    let files = m.home.state_files_text();
    for out in m.outputs.borrow().iter() {
        assert!(
            !stdout(out).contains(password),
            "the password reached stdout"
        );
        assert!(
            !stderr(out).contains(password),
            "the password reached stderr at -vv"
        );
    }
    assert!(
        !files.contains(password),
        "the password reached a state or log file"
    );
}

/// Teardown removes the legacy function and what migrate left for it.
async fn teardown_removes_what_migrate_left(m: &Migration<'_>) {
    let (sdk, function, secret) = (m.sdk, m.function, m.secret);
    m.home.force_teardown(m.lab);
    assert!(sdk
        .lambda
        .get_function()
        .function_name(function)
        .send()
        .await
        .is_err());
    assert_eq!(secrets_named(sdk, secret).await, 0);
}

#[tokio::test]
async fn migrate_to_parameter_store_end_to_end() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let (lab, function, parameter) = ("migp", "migp-legacy", "/migp-legacy/env");
    let sdk = legacy_lab(&home, &endpoint, lab).await;
    let migrate = |args: &[&str]| {
        let out = home.run(&migrate_args(lab, None, function, args));
        succeeded(&out, &format!("migrate {args:?}"));
        out
    };
    let (before, _) = config(&sdk, function).await;
    let password = before["DB_PASSWORD"].clone();

    let expanded = migrate(&["--flagged", "--store", "parameter-store"]);
    assert!(stdout(&expanded).contains("/systemsmanager/parameters/get"));
    let (env, layers) = config(&sdk, function).await;
    assert_eq!(env["DB_PASSWORD_PARAMETER_NAME"], parameter);
    assert_eq!(extension_layers(&layers), 1);
    let stored = parameter_document(&sdk, parameter)
        .await
        .expect("parameter");
    assert_eq!(stored["DB_PASSWORD"], password.as_str());
    assert_eq!(invoke(&sdk, function).await["ok"], true);

    let finished = migrate(&["--finish"]);
    assert!(!config(&sdk, function).await.0.contains_key("DB_PASSWORD"));
    let answer = invoke(&sdk, function).await;
    assert_eq!(answer["ok"], true, "{answer}");

    let rolled_back = migrate(&["--rollback"]);
    assert_eq!(config(&sdk, function).await, (before, vec![]));
    assert!(parameter_document(&sdk, parameter).await.is_none());
    for out in [&expanded, &finished, &rolled_back] {
        assert!(!stdout(out).contains(&password) && !stderr(out).contains(&password));
    }
    assert!(!home.state_files_text().contains(&password));
    home.force_teardown(lab);
    home.stop_local();
}
