//! The extension's hygiene on the emulator: an old layer version, a TTL of 900 and a reference
//! without the layer are each found with their reason, a healthy function and a plain one are
//! not; hygiene is not counted as secrets and fails the audit only under `--fail-on hygiene`.

use std::collections::BTreeSet;

use secretslab::aws::layer::table_arn;
use secretslab::domain::kinds::Arch;

use crate::common::{stderr, stdout, TestHome};

use super::estate::*;
use super::{audit, json, sarif_errors};

async fn attach(lambda: &aws_sdk_lambda::Client, function: &str, layer: &str) {
    lambda
        .update_function_configuration()
        .function_name(function)
        .layers(layer)
        .send()
        .await
        .unwrap();
}

/// The region's latest extension layer (the emulator has no public SSM parameter, so the
/// audit takes it from the built-in table) and one four versions older.
fn layers() -> (String, String) {
    let latest = table_arn("us-east-1", Arch::X86_64).unwrap();
    let (name, version) = latest.rsplit_once(':').unwrap();
    let old = format!("{name}:{}", version.parse::<u64>().unwrap() - 4);
    (latest, old)
}

/// One function: its name, its variables, its layer.
type Planted<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);

/// The five functions: three misconfigured, one healthy, one without the extension at all.
async fn deploy(lambda: &aws_sdk_lambda::Client, role: &str, latest: &str, old: &str) {
    let reference = ("SECRET_ID", "orders/db");
    let functions: [Planted; 5] = [
        ("old-layer", vec![reference], Some(old)),
        (
            "long-ttl",
            vec![reference, ("SECRETS_MANAGER_TTL", "900")],
            Some(latest),
        ),
        (
            "no-layer",
            vec![(
                "DB_SECRET_ARN",
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf",
            )],
            None,
        ),
        (
            "healthy",
            vec![reference, ("SECRETS_MANAGER_TTL", "300")],
            Some(latest),
        ),
        ("plain", vec![("LOG_LEVEL", "info")], None),
    ];
    for (name, vars, layer) in &functions {
        create_function(lambda, role, name, vars).await;
        if let Some(layer) = layer {
            attach(lambda, name, layer).await;
        }
    }
}

/// The JSON report's hygiene: exactly the three, the lag with the latest and its source.
fn check_json(doc: &serde_json::Value, latest: &str) {
    let hygiene = doc["hygiene"].as_array().unwrap();
    let found: BTreeSet<(String, String)> = (hygiene.iter())
        .map(|h| {
            let field = |k: &str| h[k].as_str().unwrap().to_string();
            (field("function"), field("rule"))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("long-ttl", "ttl_too_long"),
        ("no-layer", "reference_without_layer"),
        ("old-layer", "layer_behind"),
    ]
    .map(|(f, r)| (f.to_string(), r.to_string()))
    .into();
    assert_eq!(found, expected, "{:#}", doc["hygiene"]);
    let behind = hygiene
        .iter()
        .find(|h| h["rule"] == "layer_behind")
        .unwrap();
    assert_eq!(behind["layer"]["behind"], 4);
    assert_eq!(behind["layer"]["latest_arn"], latest);
    assert_eq!(behind["layer"]["latest_source"], "built_in_table");
    assert!(hygiene.iter().all(|h| {
        h["fix"]
            .as_str()
            .is_some_and(|fix| !fix.is_empty() && !fix.contains('\n'))
    }));
    assert_eq!(doc["summary"]["hygiene"], 3);
    assert_eq!(doc["summary"]["findings"], 0);
    assert_eq!(doc["summary"]["hygiene_rules"]["layer_behind"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn each_misconfigured_function_is_found_with_its_reason_and_no_other() {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = config(&endpoint, MANAGEMENT, "us-east-1").await;
    let role = function_role(&aws_sdk_iam::Client::new(&sdk), MANAGEMENT).await;
    let (latest, old) = layers();
    deploy(&aws_sdk_lambda::Client::new(&sdk), &role, &latest, &old).await;

    let mut outputs = Vec::new();
    let out = audit(&home, &mut outputs, &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check_json(&json(&out), &latest);

    let out = audit(&home, &mut outputs, &["--fail-on", "hygiene"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("extension hygiene"), "{text}");
    assert!(
        text.contains("[ttl_too_long]") && text.contains("fix:"),
        "{text}"
    );

    let sarif_path = home.path().join("hygiene.sarif");
    let sarif_arg = sarif_path.to_str().unwrap();
    audit(
        &home,
        &mut outputs,
        &["--format", "sarif", "--output", sarif_arg],
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert!(
        sarif_errors(&sarif).is_empty(),
        "{:?}",
        sarif_errors(&sarif)
    );
    let ids: BTreeSet<&str> = (sarif["runs"][0]["results"].as_array().unwrap().iter())
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(ids.contains("hygiene/layer_behind"), "{ids:?}");
    assert_eq!(ids.len(), 3, "{ids:?}");
    home.stop_local();
}
