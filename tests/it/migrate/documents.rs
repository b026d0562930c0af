//! A second variable joins the same document, and rollback keeps values newer than the move.

use super::refusals::{reconfigure, refused};
use super::*;

#[tokio::test]
async fn a_second_variable_joins_the_same_document_and_rollback_keeps_newer_values() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let (lab, function, secret) = ("mig2", "mig2-legacy", "mig2-legacy/env");
    let sdk = legacy_lab(&home, &endpoint, lab).await;
    let run = |args: &[&str]| home.run(&migrate_args(lab, Some("--quiet"), function, args));
    let (before, _) = config(&sdk, function).await;
    succeeded(&run(&["--var", "DB_PASSWORD"]), "expand DB_PASSWORD");
    assert_eq!(invoke(&sdk, function).await["ok"], true);
    succeeded(&run(&["--finish"]), "finish DB_PASSWORD");

    // Another store would need a second grant: refused, nothing changed.
    let elsewhere = run(&["--var", "DB_USER", "--store", "parameter-store"]);
    refused(&elsewhere, "already reads secret `mig2-legacy/env`");
    // The same document takes the second variable.
    succeeded(&run(&["--var", "DB_USER"]), "expand DB_USER");
    let stored = secret_document(&sdk, secret).await.expect("secret");
    assert_eq!(stored["DB_USER"], before["DB_USER"].as_str());
    assert_eq!(stored["DB_PASSWORD"], before["DB_PASSWORD"].as_str());
    // The evidence starts again with the new reference.
    refused(&run(&["--finish"]), "nothing shows that the code");

    // DB_USER changes in the environment after expand: rollback keeps the newer value.
    let (mut env, _) = config(&sdk, function).await;
    env.insert("DB_USER".into(), "renamed-user".into());
    let environment = aws_sdk_lambda::types::Environment::builder().set_variables(Some(env));
    let request = sdk.lambda.update_function_configuration();
    reconfigure(&sdk, function, request.environment(environment.build())).await;
    succeeded(&run(&["--rollback"]), "rollback");
    let (after, layers) = config(&sdk, function).await;
    assert_eq!(after["DB_USER"], "renamed-user");
    assert_eq!(after["DB_PASSWORD"], before["DB_PASSWORD"]);
    assert_eq!(after.len(), before.len(), "{:?}", after.keys());
    assert_eq!(extension_layers(&layers), 0);
    home.force_teardown(lab);
    home.stop_local();
}
