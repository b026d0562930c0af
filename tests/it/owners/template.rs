//! A stack-owned function (CloudFormation, and SAM) stays migrated only through its template.

use super::tools::{emit_every_format, emit_patched};
use super::*;

/// `audit` names the stack (and the tool behind it).
fn audit_names_the_stack(home: &TestHome, case: &Case, outputs: &mut Vec<Output>) {
    let out = home.run(&["--local", "--json", "audit", "--function", case.function]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("audit json");
    let owner = &doc["findings"][0]["owner"];
    assert_eq!(owner["kind"], "cloudformation", "{doc:#}");
    assert_eq!(owner["stack"], case.stack);
    assert_eq!(owner["logical_id"], case.logical_id);
    if let Some(tool) = case.tool {
        assert_eq!(owner["tool"], tool, "{doc:#}");
    }
    outputs.push(out);
}

/// Expand through the API: the function keeps answering; the report names the owner and
/// warns that the stack's next update undoes it (`hint`: the flags that emit the change).
async fn expand_names_the_owner(
    home: &TestHome,
    sdk: &AwsContext,
    case: &Case,
    outputs: &mut Vec<Output>,
    hint: &str,
) {
    let expand = ["--json", "--var", "DB_PASSWORD"];
    let report = succeeded(&migrate(home, case, outputs, &expand));
    assert_eq!(report["owner"]["stack"], case.stack, "{report:#}");
    assert!(report["warnings"].to_string().contains(hint), "{report:#}");
    let dry_run = ["--var", "DB_PASSWORD", "--dry-run"];
    let text = stdout(&migrate(home, case, outputs, &dry_run));
    let named = format!(
        "owner    CloudFormation stack {}, logical id {}",
        case.stack, case.logical_id
    );
    assert!(text.contains(&named), "{text}");
    if case.tool == Some("sam") {
        assert!(text.contains("(deployed with SAM)"), "{text}");
    }
    let reference = format!("{}/env", case.function);
    let (env, layers) = config(sdk, case).await;
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], reference);
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let answer = invoke(sdk, case).await;
    assert_eq!(answer["ok"], true, "{answer}");
}

/// Expanded again, `--finish` still refuses while the deployed template holds the plaintext,
/// in one `error[code]:` and one `help:` line naming the flags that emit the change (`hint`), and
/// changes nothing.
async fn finish_refuses_while_the_template_holds_the_plaintext(
    home: &TestHome,
    sdk: &AwsContext,
    case: &Case,
    outputs: &mut Vec<Output>,
    hint: &str,
) {
    let expand = ["--json", "--var", "DB_PASSWORD"];
    succeeded(&migrate(home, case, outputs, &expand));
    let expanded = config(sdk, case).await;
    let out = migrate(home, case, outputs, &["--finish", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("deployed template still sets DB_PASSWORD in plaintext") && err.contains(hint),
        "{err}"
    );
    assert_eq!(
        err.matches("error[secretslab::").count() + err.matches("help:").count(),
        2,
        "{err}"
    );
    assert_eq!(
        config(sdk, case).await,
        expanded,
        "a refused --finish changed the function"
    );
}

/// A stack owns the function: audit names it; expand keeps the function answering; the
/// original template's next update puts the plaintext back and `--finish` refuses; the
/// patched template through `UpdateStack` keeps it migrated, `--finish` passes; rollback
/// restores the original environment. No output, file or state holds the password.
async fn stays_migrated_only_through_its_template(case: &Case) {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    // The lab publishes the emulator's stand-in extension layer that migrate attaches.
    home.ok(&["--local", "--name", LAB, "up"]);
    let sdk = home.sdk(&endpoint).await;
    let password = random(28);
    let code = upload_code(&endpoint).await;
    create_stack(&sdk, case, &password, &code).await;
    let (original, layers) = config(&sdk, case).await;
    assert_eq!(original["DB_PASSWORD"], password);
    assert!(layers.is_empty());
    let mut outputs = Vec::new();

    audit_names_the_stack(&home, case, &mut outputs);
    let hint = format!("--emit {} --template FILE", case.format);
    let reference = format!("{}/env", case.function);
    expand_names_the_owner(&home, &sdk, case, &mut outputs, &hint).await;

    // The trap: the stack's next update puts the plaintext back and drops the change.
    update_stack(&sdk, case, case.template, parameters(&password, &code, "2")).await;
    let (env, layers) = config(&sdk, case).await;
    assert_eq!(
        env.get("DB_PASSWORD"),
        Some(&password),
        "the update did not restore the plaintext"
    );
    assert!(!env.contains_key("DB_PASSWORD_SECRET_ID") && extension_layers(&layers) == 0);
    let out = migrate(&home, case, &mut outputs, &["--finish", "--force"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(config(&sdk, case).await, (env, layers));

    finish_refuses_while_the_template_holds_the_plaintext(&home, &sdk, case, &mut outputs, &hint)
        .await;

    // The change for the stack (for CloudFormation, in every format), checked by each
    // owner's tools.
    let dir = home.path().join("emitted");
    std::fs::create_dir_all(&dir).unwrap();
    let mut emitted = emit_patched(&home, case, &mut outputs, &dir);
    if case.format == "cloudformation" {
        emitted.push_str(&emit_every_format(&home, case, &mut outputs, &dir));
    }

    // The patched template through UpdateStack: migrated, answering; --finish then passes.
    let patched = std::fs::read_to_string(dir.join("patched.yaml")).unwrap();
    update_stack(&sdk, case, &patched, parameters(&password, &code, "3")).await;
    let (env, layers) = config(&sdk, case).await;
    assert!(!env.contains_key("DB_PASSWORD"), "{:?}", env.keys());
    assert_eq!(env["DB_PASSWORD_SECRET_ID"], reference);
    assert_eq!(extension_layers(&layers), 1, "{layers:?}");
    let answer = invoke(&sdk, case).await;
    assert_eq!(answer["ok"], true, "{answer}");
    let report = succeeded(&migrate(&home, case, &mut outputs, &["--json", "--finish"]));
    assert_eq!(report["owner"]["kind"], "cloudformation");

    // Rollback restores the original environment (and says the stack still carries it).
    let report = succeeded(&migrate(
        &home,
        case,
        &mut outputs,
        &["--json", "--rollback"],
    ));
    assert!(
        report["warnings"]
            .to_string()
            .contains("template may still carry the change"),
        "{report:#}"
    );
    let (env, layers) = config(&sdk, case).await;
    assert_eq!(env, original);
    assert_eq!(extension_layers(&layers), 0);

    for out in &outputs {
        assert!(!stdout(out).contains(&password) && !stderr(out).contains(&password));
    }
    assert!(
        !emitted.contains(&password),
        "an emitted file holds the password"
    );
    assert!(!home.state_files_text().contains(&password));
    home.stop_local();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stack_owned_function_stays_migrated_only_through_its_template() {
    stays_migrated_only_through_its_template(&CFN).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sam_function_stays_migrated_only_through_its_sam_template() {
    common::ensure_sam_support();
    stays_migrated_only_through_its_template(&SAM).await;
}
