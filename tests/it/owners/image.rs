//! A container image function: refused, with the Dockerfile lines that bake the extension in.

use super::tools::dockerfile_check;
use super::*;

/// A container image takes no layers: migrate refuses before any change and hands over the
/// Dockerfile lines that bake the extension in — printed in text mode, in the error's
/// `dockerfile` with `--json`.
#[tokio::test(flavor = "multi_thread")]
async fn an_image_function_is_refused_with_the_dockerfile_lines() {
    use aws_sdk_lambda::types::{Environment, FunctionCode, PackageType};
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let password = random(28);
    let name = "orders-image";
    (sdk.lambda.create_function().function_name(name))
        .package_type(PackageType::Image)
        .code(
            FunctionCode::builder()
                .image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1")
                .build(),
        )
        .role("arn:aws:iam::000000000000:role/orders-image")
        .environment(
            Environment::builder()
                .variables("DB_PASSWORD", &password)
                .build(),
        )
        .send()
        .await
        .expect("create image function");
    let config = || async {
        let out = (sdk.lambda.get_function_configuration().function_name(name))
            .send()
            .await
            .expect("function");
        (out.environment().cloned(), out.layers().len())
    };
    let before = config().await;

    let args = ["--local", "migrate", name, "--var", "DB_PASSWORD"];
    let (out, doc) = home.json(&args);
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert_eq!(
        doc["error"]["code"], "secretslab::migrate::image_function",
        "{doc:#}"
    );
    let lines = doc["error"]["dockerfile"]
        .as_str()
        .expect("dockerfile lines");
    assert!(
        lines.contains("COPY --from=parameters-and-secrets-extension /opt /opt")
            && lines.contains("ENV DB_PASSWORD_SECRET_ID="),
        "{lines}"
    );
    dockerfile_check(lines);
    let text = home.run(&args);
    assert_eq!(text.status.code(), Some(1));
    assert_eq!(stdout(&text), lines, "text mode prints the same lines");
    let err = stderr(&text);
    assert!(
        err.contains("container image") && err.contains("help:"),
        "{err}"
    );

    assert_eq!(
        config().await,
        before,
        "a refused migrate changed the function"
    );
    for out in [&out, &text] {
        assert!(!stdout(out).contains(&password) && !stderr(out).contains(&password));
    }
    home.stop_local();
}
