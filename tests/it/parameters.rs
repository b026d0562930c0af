//! The Parameter Store half of the extension stand-in, over HTTP, against a real MiniStack
//! started by each test on a random port with its own SECRETSLAB_HOME. Run serially
//! (`--test-threads=1`). Values are compared, never printed: failure messages show statuses,
//! error bodies and counters only.

use crate::common;

use std::time::Duration;

use aws_sdk_ssm::types::ParameterType;
use common::{extension_stats, http_get, TestHome};
use secretslab::aws::AwsContext;
use serde_json::Value;

const FIRST: &str = "first-parameter-value";
const SECOND: &str = "second-parameter-value";
const PLAIN: &str = "plain-parameter-value";

/// `name` as SecureString, written twice (versions 1 and 2), version 1 labelled `previous`;
/// and `{name}-plain` as a String.
async fn put_parameters(sdk: &AwsContext, name: &str) {
    for (value, overwrite) in [(FIRST, false), (SECOND, true)] {
        sdk.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(ParameterType::SecureString)
            .overwrite(overwrite)
            .send()
            .await
            .expect("put parameter");
    }
    sdk.ssm
        .label_parameter_version()
        .name(name)
        .parameter_version(1)
        .labels("previous")
        .send()
        .await
        .expect("label parameter version");
    sdk.ssm
        .put_parameter()
        .name(format!("{name}-plain"))
        .value(PLAIN)
        .r#type(ParameterType::String)
        .send()
        .await
        .expect("put parameter");
}

/// A home whose emulator runs `lab`, deployed by `up {up_args}`, with the parameters of
/// `put_parameters` under `/{lab}/db`; the SDK, and the lab's extension port and token header.
pub(crate) async fn lab_with_parameters(
    lab: &str,
    up_args: &[&str],
) -> (TestHome, AwsContext, u16, String) {
    let home = TestHome::new();
    let endpoint = home.start_emulator();
    let sdk = home.sdk(&endpoint).await;
    let mut args = vec!["--local", "--name", lab, "up"];
    args.extend_from_slice(up_args);
    home.ok(&args);
    put_parameters(&sdk, &format!("/{lab}/db")).await;
    let (port, token) = home.extension(lab);
    (home, sdk, port, token)
}

/// `GET /systemsmanager/parameters/get?{query}`: the status, and the body as JSON (`Null` when
/// it is not JSON).
pub(crate) fn parameter(port: u16, query: &str, headers: &str) -> (u16, Value) {
    let (status, body) = http_get(
        port,
        &format!("/systemsmanager/parameters/get?{query}"),
        headers,
    );
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// The `Parameter` of a 200 answer, after checking the answer's shape.
pub(crate) fn answered(port: u16, query: &str, headers: &str) -> Value {
    let (status, mut doc) = parameter(port, query, headers);
    assert_eq!(status, 200, "{query}: {}", without_values(&doc));
    assert_eq!(doc["ResultMetadata"], serde_json::json!({}), "{query}");
    let fields: Vec<&str> = doc["Parameter"]
        .as_object()
        .expect("Parameter")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        [
            "ARN",
            "DataType",
            "LastModifiedDate",
            "Name",
            "Selector",
            "SourceResult",
            "Type",
            "Value",
            "Version"
        ],
        "{query}"
    );
    doc["Parameter"].take()
}

/// A document with its values masked, fit for a failure message.
fn without_values(doc: &Value) -> Value {
    let mut doc = doc.clone();
    for key in ["Value", "SourceResult"] {
        if let Some(field) = doc["Parameter"].get_mut(key) {
            *field = Value::String("(masked)".into());
        }
    }
    doc
}

fn counter(stats: &Value, key: &str) -> u64 {
    stats[key].as_u64().unwrap_or(0)
}

/// How the counters moved between two readings, for the keys that matter here.
pub(crate) fn moved(before: &Value, after: &Value) -> [u64; 4] {
    [
        "upstream_get_parameter",
        "misses",
        "hits",
        "upstream_get_secret_value",
    ]
    .map(|key| counter(after, key) - counter(before, key))
}

/// `count` requests for `query` at once; each must be a 200.
fn burst(port: u16, query: &str, headers: &str, count: usize) {
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let requests: Vec<_> = (0..count)
            .map(|_| scope.spawn(|| parameter(port, query, headers).0))
            .collect();
        requests.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert_eq!(statuses, vec![200; count]);
}

/// Refused like the secrets path (no token, a wrong one, a forwarded request), and what
/// Parameter Store refuses (bad queries, a missing parameter or version).
fn refused_like_parameter_store(port: u16, token: &str) {
    let decrypted = "name=%2Fparams%2Fdb&withDecryption=true";
    assert_eq!(parameter(port, decrypted, "").0, 403, "missing token");
    let wrong = "X-Aws-Parameters-Secrets-Token: wrong\r\n";
    assert_eq!(parameter(port, decrypted, wrong).0, 403, "wrong token");
    let forwarded = format!("{token}X-Forwarded-For: 10.0.0.1\r\n");
    assert_eq!(parameter(port, decrypted, &forwarded).0, 400, "forwarded");
    // Bad queries, and what Parameter Store refuses.
    for query in [
        "",
        "withDecryption=true",
        "name=%2Fparams%2Fdb&withDecryption=maybe",
    ] {
        assert_eq!(parameter(port, query, token).0, 400, "{query}");
    }
    let (status, doc) = parameter(port, "name=%2Fparams%2Fnone", token);
    assert_eq!(
        (status, doc["__type"].as_str()),
        (400, Some("ParameterNotFound"))
    );
    let (status, doc) = parameter(port, &format!("{decrypted}&version=9"), token);
    assert_eq!(status, 400, "{doc}");
}

#[tokio::test]
async fn parameters_path_speaks_the_extension_api() {
    let lab = "params";
    let (home, _sdk, port, token) = lab_with_parameters(lab, &[]).await;
    let decrypted = "name=%2Fparams%2Fdb&withDecryption=true";

    let p = answered(port, decrypted, &token);
    assert!(p["Value"] == SECOND, "latest value, decrypted");
    assert_eq!(
        (&p["Name"], &p["Type"], &p["Version"], &p["Selector"]),
        (
            &Value::from("/params/db"),
            &Value::from("SecureString"),
            &Value::from(2),
            &Value::Null
        )
    );
    assert!(p["LastModifiedDate"].as_str().unwrap().ends_with('Z'));
    let arn = p["ARN"].as_str().expect("ARN").to_string();
    assert!(arn.starts_with("arn:aws:ssm:") && arn.ends_with(":parameter/params/db"));

    // withDecryption omitted means false: the SecureString stays encrypted.
    let p = answered(port, "name=%2Fparams%2Fdb", &token);
    assert!(
        p["Value"].is_string() && p["Value"] != SECOND,
        "not decrypted"
    );
    let p = answered(port, "name=%2Fparams%2Fdb&withDecryption=false", &token);
    assert!(p["Value"] != SECOND, "not decrypted");

    // By ARN (URL-encoded, `:` too).
    let by_arn = format!(
        "name={}&withDecryption=true",
        arn.replace(':', "%3A").replace('/', "%2F")
    );
    let p = answered(port, &by_arn, &token);
    assert!(p["Value"] == SECOND, "by ARN");

    // By version and by label; of the two, the first one in the query counts.
    for (query, selector) in [
        (format!("{decrypted}&version=1"), ":1"),
        (format!("{decrypted}&label=previous"), ":previous"),
        (format!("{decrypted}&version=1&label=nope"), ":1"),
        (format!("{decrypted}&label=previous&version=2"), ":previous"),
    ] {
        let p = answered(port, &query, &token);
        assert!(p["Value"] == FIRST, "{query}");
        assert_eq!(
            (&p["Version"], p["Selector"].as_str()),
            (&Value::from(1), Some(selector))
        );
    }

    // A String parameter, through the `/get/` spelling.
    let (status, body) = http_get(
        port,
        "/systemsmanager/parameters/get/?name=%2Fparams%2Fdb-plain",
        &token,
    );
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert!(doc["Parameter"]["Value"] == PLAIN, "String parameter");
    assert_eq!(doc["Parameter"]["Type"], "String");

    refused_like_parameter_store(port, &token);

    // A burst for one entry not asked before (at once, then one after the other): one
    // upstream GetParameter, every other request a hit.
    let query = "name=%2Fparams%2Fdb-plain&version=1";
    let before = extension_stats(port, &token);
    burst(port, query, &token, 8);
    for _ in 0..4 {
        answered(port, query, &token);
    }
    let after = extension_stats(port, &token);
    assert_eq!(moved(&before, &after), [1, 1, 11, 0], "{after}");

    // No value reaches the stand-in's log or any state file.
    let state = home.state_files_text();
    for value in [FIRST, SECOND, PLAIN] {
        assert!(
            !state.contains(value),
            "a value leaked into the state files"
        );
    }
    home.force_teardown(lab);
    home.stop_local();
}

#[tokio::test]
async fn zero_parameter_ttl_goes_upstream_every_time() {
    let lab = "nocache";
    let (home, sdk, port, token) = lab_with_parameters(lab, &["--ssm-ttl", "0"]).await;
    // `up` wrote the setting on the function, as the layer would read it.
    let env = common::function_env(&sdk, lab).await;
    assert_eq!(env["SSM_PARAMETER_STORE_TTL"], "0");
    assert_eq!(env["SECRETS_MANAGER_TTL"], "300");
    let query = "name=%2Fnocache%2Fdb&withDecryption=true";

    let before = extension_stats(port, &token);
    for _ in 0..3 {
        answered(port, query, &token);
    }
    burst(port, query, &token, 4);
    let after = extension_stats(port, &token);
    assert_eq!(moved(&before, &after), [7, 7, 0, 0], "{after}");

    // The secret cache keeps its own TTL (300 s): three reads, one call.
    let secret = format!("/secretsmanager/get?secretId={lab}%2Fcredentials");
    for _ in 0..3 {
        assert_eq!(http_get(port, &secret, &token).0, 200);
    }
    let last = extension_stats(port, &token);
    assert_eq!(moved(&after, &last), [0, 1, 2, 1], "{last}");
    home.force_teardown(lab);
    home.stop_local();
}

#[tokio::test]
async fn expired_parameter_is_fetched_again() {
    let lab = "expiry";
    let (home, _sdk, port, token) = lab_with_parameters(lab, &["--ssm-ttl", "1"]).await;
    let query = "name=%2Fexpiry%2Fdb&withDecryption=true";

    let before = extension_stats(port, &token);
    answered(port, query, &token);
    answered(port, query, &token);
    let within = extension_stats(port, &token);
    assert_eq!(moved(&before, &within), [1, 1, 1, 0], "{within}");
    // The TTL passing is what is tested: nothing to poll for.
    std::thread::sleep(Duration::from_millis(1500));
    let p = answered(port, query, &token);
    assert!(p["Value"] == SECOND);
    let after = extension_stats(port, &token);
    assert_eq!(moved(&within, &after), [1, 1, 0, 0], "{after}");
    home.force_teardown(lab);
    home.stop_local();
}
