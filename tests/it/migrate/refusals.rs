//! Every refusal of `migrate`, each clear and each changing nothing.

use super::*;

async fn snapshot(
    sdk: &AwsContext,
    function: &str,
) -> (HashMap<String, String>, Vec<String>, Vec<String>, usize) {
    let (env, layers) = config(sdk, function).await;
    let secret = format!("{function}/env");
    (
        env,
        layers,
        inline_policies(sdk, "migr-role").await,
        secrets_named(sdk, &secret).await,
    )
}

/// One `error[code]:` line, one `help:` line, a failing exit code.
pub(super) fn refused(out: &Output, expected: &str) {
    assert!(!out.status.success(), "expected a refusal: {}", stdout(out));
    let text = stderr(out);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("error[secretslab::") && lines[0].contains(expected),
        "{text}"
    );
    assert!(lines[1].trim_start().starts_with("help: "), "{text}");
}

/// Five layers of its own on `function` (Lambda's limit): their ARNs.
async fn five_layers(sdk: &AwsContext, function: &str) -> Vec<String> {
    let mut layers = Vec::new();
    for i in 0..5 {
        let zip = zip_with(&format!("layer{i}.txt"));
        let published = sdk
            .lambda
            .publish_layer_version()
            .layer_name(format!("migr-layer-{i}"))
            .content(
                aws_sdk_lambda::types::LayerVersionContentInput::builder()
                    .zip_file(Blob::new(zip))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        layers.push(published.layer_version_arn().unwrap().to_string());
    }
    set_layers(sdk, function, layers.clone()).await;
    layers
}

/// `migrate FUNCTION --var DB_PASSWORD` as a user denied iam:PutRolePolicy, through a profile
/// of its own.
async fn migrate_as_a_denied_user(
    home: &TestHome,
    sdk: &AwsContext,
    endpoint: &str,
    function: &str,
) -> Output {
    let profile_dir = denied_profile(sdk, home.path()).await;
    home.command()
        .env("AWS_CONFIG_FILE", profile_dir.join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            profile_dir.join("credentials"),
        )
        .args([
            "--endpoint-url",
            endpoint,
            "--profile",
            "denied",
            "--quiet",
            "migrate",
            function,
            "--var",
            "DB_PASSWORD",
        ])
        .output()
        .unwrap()
}

#[tokio::test]
async fn migrate_refuses_clearly_and_changes_nothing() {
    let home = TestHome::new();
    // IAM enforcement on, so a user denied iam:PutRolePolicy is refused as on AWS.
    let endpoint = home.start_emulator_enforcing_iam();
    let (lab, function) = ("migr", "migr-legacy");
    let sdk = legacy_lab(&home, &endpoint, lab).await;
    let before = snapshot(&sdk, function).await;
    let password = before.0["DB_PASSWORD"].clone();
    let run = |args: &[&str]| {
        let mut all = vec!["--local", "--name", lab, "--quiet", "migrate"];
        all.extend_from_slice(args);
        let out = home.run(&all);
        assert!(
            !stdout(&out).contains(&password) && !stderr(&out).contains(&password),
            "the password reached the output of {args:?}"
        );
        out
    };

    refused(
        &run(&["nope", "--var", "DB_PASSWORD"]),
        "function `nope` does not exist",
    );
    refused(
        &run(&[function, "--var", "API_KEY"]),
        "variable `API_KEY` is not in",
    );
    assert_eq!(snapshot(&sdk, function).await, before);

    // A same-named secret that migrate did not make for this function.
    sdk.secrets
        .create_secret()
        .name(format!("{function}/env"))
        .secret_string("{}")
        .send()
        .await
        .unwrap();
    refused(&run(&[function, "--var", "DB_PASSWORD"]), "is not tagged");
    let after = snapshot(&sdk, function).await;
    assert_eq!(
        (&after.0, &after.1, &after.2),
        (&before.0, &before.1, &before.2)
    );
    sdk.secrets
        .delete_secret()
        .secret_id(format!("{function}/env"))
        .force_delete_without_recovery(true)
        .send()
        .await
        .unwrap();

    // Five layers already: Lambda's limit.
    let layers = five_layers(&sdk, function).await;
    let five = snapshot(&sdk, function).await;
    refused(&run(&[function, "--var", "DB_PASSWORD"]), "5 layers");
    assert_eq!(snapshot(&sdk, function).await, five);
    // One layer of its own: kept beside the extension's (checked after expand below).
    set_layers(&sdk, function, vec![layers[0].clone()]).await;
    let before = snapshot(&sdk, function).await;

    // A user denied iam:PutRolePolicy, through a profile of its own.
    let out = migrate_as_a_denied_user(&home, &sdk, &endpoint, function).await;
    refused(&out, "access denied on role `migr-role`");
    assert_eq!(snapshot(&sdk, function).await, before);

    // --finish before anything shows the code reads the reference.
    let expanded = run(&[function, "--var", "DB_PASSWORD"]);
    succeeded(&expanded, "expand");
    let (_, after) = config(&sdk, function).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(
        (after[0].as_str(), extension_layers(&after)),
        (layers[0].as_str(), 1)
    );
    refused(&run(&[function, "--finish"]), "nothing shows that the code");
    assert!(config(&sdk, function).await.0.contains_key("DB_PASSWORD"));
    home.force_teardown(lab);
    home.stop_local();
}

fn zip_with(file: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buffer = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buffer);
    zip.start_file::<_, ()>(file, zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"layer").unwrap();
    zip.finish().unwrap();
    buffer.into_inner()
}

async fn set_layers(sdk: &AwsContext, function: &str, layers: Vec<String>) {
    let request = sdk
        .lambda
        .update_function_configuration()
        .set_layers(Some(layers));
    reconfigure(sdk, function, request).await;
}

/// Send a configuration change of `function` (as a user would, outside secretslab) and wait
/// until Lambda has applied it.
pub(super) async fn reconfigure(
    sdk: &AwsContext,
    function: &str,
    request: aws_sdk_lambda::operation::update_function_configuration::builders::UpdateFunctionConfigurationFluentBuilder,
) {
    request.function_name(function).send().await.unwrap();
    sdk.lambda
        .wait_until_function_updated_v2()
        .function_name(function)
        .wait(std::time::Duration::from_secs(60))
        .await
        .unwrap();
}

/// A user allowed everything but iam:PutRolePolicy, as profile `denied` in files under `dir`.
async fn denied_profile(sdk: &AwsContext, dir: &std::path::Path) -> std::path::PathBuf {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"iam:PutRolePolicy","Resource":"*"}]}"#;
    sdk.iam
        .create_user()
        .user_name("denied")
        .send()
        .await
        .unwrap();
    sdk.iam
        .put_user_policy()
        .user_name("denied")
        .policy_name("no-role-policies")
        .policy_document(deny)
        .send()
        .await
        .unwrap();
    let key = sdk
        .iam
        .create_access_key()
        .user_name("denied")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    let profiles = dir.join("aws-profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(
        profiles.join("config"),
        "[profile denied]\nregion = us-east-1\n",
    )
    .unwrap();
    std::fs::write(
        profiles.join("credentials"),
        format!(
            "[denied]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            key.access_key_id(),
            key.secret_access_key()
        ),
    )
    .unwrap();
    profiles
}
