//! The proxy's own rules, without a network: names from ARNs, upstream URLs, latency
//! keys and jitter, the Lambda rate, the `Pending` rewrite.

use super::*;
use crate::serve::*;
use std::collections::HashSet;

use hyper::header::HeaderMap;

use crate::identify::{CallId, Protocol};
use crate::shared::Shared;

#[test]
fn role_names_from_arns() {
    assert_eq!(
        role_name("arn:aws:iam::000000000000:role/lab-role").as_deref(),
        Some("lab-role")
    );
    assert_eq!(
        role_name("arn:aws:iam::000000000000:role/service-role/lab-role").as_deref(),
        Some("lab-role")
    );
    assert_eq!(role_name("arn:aws:iam::000000000000:user/bob"), None);
}

#[test]
fn upstream_base_is_validated() {
    assert_eq!(
        upstream_base("http://127.0.0.1:4566").unwrap(),
        "http://127.0.0.1:4566"
    );
    assert_eq!(
        upstream_base("http://localhost:4566/prefix/").unwrap(),
        "http://localhost:4566/prefix"
    );
    assert!(upstream_base("https://example.com").is_err());
    assert!(upstream_base("127.0.0.1:4566").is_err());
    assert!(upstream_base("").is_err());
}

#[test]
fn latency_most_specific_key_wins() {
    let mut latency = BTreeMap::new();
    latency.insert(
        "IAM.*".to_string(),
        Latency {
            base_ms: 10,
            jitter_ms: 0,
        },
    );
    latency.insert(
        "IAM.CreateRole".to_string(),
        Latency {
            base_ms: 30,
            jitter_ms: 0,
        },
    );
    let shared = Shared::new(
        ProxyConfig {
            default_latency: Latency {
                base_ms: 1,
                jitter_ms: 0,
            },
            latency,
            ..ProxyConfig::default()
        },
        String::new(),
    );
    let id = |service: &str, operation: &str| CallId {
        service: service.into(),
        operation: operation.into(),
        protocol: Protocol::Query,
        function_name: None,
    };
    let latency = |call: CallId| {
        shared
            .latency_for(&call, &mut shared.call_rng())
            .as_millis()
    };
    assert_eq!(latency(id("IAM", "CreateRole")), 30);
    assert_eq!(latency(id("IAM", "GetRole")), 10);
    assert_eq!(latency(id("STS", "GetCallerIdentity")), 1);
}

#[test]
fn jitter_stays_within_bounds() {
    let shared = Shared::new(
        ProxyConfig {
            default_latency: Latency {
                base_ms: 5,
                jitter_ms: 3,
            },
            seed: 1,
            ..ProxyConfig::default()
        },
        String::new(),
    );
    let id = CallId {
        service: "SSM".into(),
        operation: "GetParameter".into(),
        protocol: Protocol::Json,
        function_name: None,
    };
    let seen: HashSet<u128> = (0..200)
        .map(|_| shared.latency_for(&id, &mut shared.call_rng()).as_millis())
        .collect();
    assert!(seen.iter().all(|ms| (5..=8).contains(ms)), "{seen:?}");
    assert!(seen.len() > 1, "jitter never varied: {seen:?}");
}

#[test]
fn lambda_rate_is_per_caller_and_region_and_spares_invoke() {
    let shared = Shared::new(
        ProxyConfig {
            lambda_control_plane_rate: 2.0,
            ..ProxyConfig::default()
        },
        String::new(),
    );
    let headers = |key: &str, region: &str| {
        let mut headers = HeaderMap::new();
        let auth = format!("AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/lambda/aws4_request, SignedHeaders=host, Signature=x");
        headers.insert(hyper::header::AUTHORIZATION, auth.parse().unwrap());
        headers
    };
    let call = |operation: &str| CallId {
        service: "Lambda".into(),
        operation: operation.into(),
        protocol: Protocol::LambdaRest,
        function_name: None,
    };
    let list = call("ListFunctions");
    let a = headers("111111111111", "us-east-1");
    assert!(!shared.over_lambda_rate(&list, &a));
    assert!(!shared.over_lambda_rate(&list, &a));
    assert!(
        shared.over_lambda_rate(&list, &a),
        "a third call within the second"
    );
    assert!(!shared.over_lambda_rate(&call("Invoke"), &a));
    assert!(!shared.over_lambda_rate(&list, &headers("111111111111", "eu-west-1")));
    assert!(!shared.over_lambda_rate(&list, &headers("222222222222", "us-east-1")));
}

#[test]
fn pending_rewrite_of_both_shapes() {
    let nested = mark_pending(
        br#"{"Configuration":{"State":"Active","FunctionName":"f"}}"#,
        true,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&nested).unwrap();
    assert_eq!(v["Configuration"]["State"], "Pending");
    assert_eq!(v["Configuration"]["StateReasonCode"], "Creating");
    assert_eq!(v["Configuration"]["FunctionName"], "f");
    let flat = mark_pending(br#"{"State":"Active"}"#, false).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&flat).unwrap();
    assert_eq!(v["StateReason"], "The function is being created.");
    assert!(mark_pending(b"not json", false).is_none());
}
