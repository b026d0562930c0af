//! End-to-end tests of the proxy against a recording stand-in upstream.
#![allow(clippy::unwrap_used)] // Test helpers: a panic is the failure report.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

use chaos_proxy::{CallRecord, Fault, Latency, Proxy, ProxyConfig};
use hyper::Method;
use support::*;

fn config(upstream: &Upstream) -> ProxyConfig {
    ProxyConfig {
        upstream: upstream.url(),
        seed: 42,
        ..ProxyConfig::default()
    }
}

fn ops(calls: &[CallRecord]) -> Vec<String> {
    calls
        .iter()
        .map(|c| format!("{}.{}", c.service, c.operation))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn recognises_operations_of_all_three_protocols() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(config(&upstream)).await.unwrap();
    let ep = proxy.endpoint();

    let calls = [
        json_call("secretsmanager", "secretsmanager.CreateSecret", "{}"),
        json_call("logs", "Logs_20140328.CreateLogGroup", "{}"),
        json_call("ssm", "AmazonSSM.GetParameter", "{}"),
        query_call("iam", "Action=CreateRole&Version=2010-05-08&RoleName=r"),
        query_call("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
        lambda_call(Method::POST, "/2015-03-31/functions", "{}"),
        lambda_call(Method::GET, "/2015-03-31/functions/f", ""),
        lambda_call(Method::GET, "/2015-03-31/functions/f/configuration", ""),
        lambda_call(Method::PUT, "/2015-03-31/functions/f/code", "{}"),
        lambda_call(Method::PUT, "/2015-03-31/functions/f/configuration", "{}"),
        lambda_call(Method::DELETE, "/2015-03-31/functions/f", ""),
        lambda_call(Method::POST, "/2015-03-31/functions/f/invocations", "{}"),
        lambda_call(
            Method::GET,
            "/2017-03-31/tags/arn:aws:lambda:us-east-1:0:function:f",
            "",
        ),
        lambda_call(
            Method::POST,
            "/2017-03-31/tags/arn:aws:lambda:us-east-1:0:function:f",
            "{}",
        ),
        lambda_call(Method::GET, "/2015-03-31/functions/f/policy", ""),
        lambda_call(Method::GET, "/2015-03-31/functions/f/concurrency", ""),
    ];
    // Sequentially, so the record order is the send order.
    for call in &calls {
        assert_eq!(send(&ep, call).await.unwrap().status, 200);
    }
    assert_eq!(
        ops(&proxy.calls()),
        [
            "Secrets Manager.CreateSecret",
            "CloudWatch Logs.CreateLogGroup",
            "SSM.GetParameter",
            "IAM.CreateRole",
            "STS.GetCallerIdentity",
            "Lambda.CreateFunction",
            "Lambda.GetFunction",
            "Lambda.GetFunctionConfiguration",
            "Lambda.UpdateFunctionCode",
            "Lambda.UpdateFunctionConfiguration",
            "Lambda.DeleteFunction",
            "Lambda.Invoke",
            "Lambda.ListTags",
            "Lambda.TagResource",
            "Lambda.GetPolicy",
            "Lambda.Unknown",
        ]
    );
    assert_eq!(upstream.count(), calls.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn forwards_method_path_headers_and_body_and_copies_the_answer() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(config(&upstream)).await.unwrap();

    let mut call = lambda_call(
        Method::PUT,
        "/2015-03-31/functions/f/configuration?Qualifier=live&x=a%2Fb",
        r#"{"Timeout":30}"#,
    );
    call.headers
        .push(("x-amz-date".into(), "20240101T000000Z".into()));
    let reply = send(&proxy.endpoint(), &call).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-upstream"), Some("yes"));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json(), serde_json::json!({"ok": true}));

    let received = upstream.received();
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(got.method, Method::PUT);
    assert_eq!(
        got.path_and_query,
        "/2015-03-31/functions/f/configuration?Qualifier=live&x=a%2Fb"
    );
    assert_eq!(got.body, r#"{"Timeout":30}"#);
    assert_eq!(
        got.headers.get("authorization").unwrap().to_str().unwrap(),
        authorization("lambda")
    );
    assert_eq!(got.headers.get("x-amz-date").unwrap(), "20240101T000000Z");
    // Host is the upstream's, not the proxy's.
    assert_eq!(
        got.headers.get("host").unwrap().to_str().unwrap(),
        upstream.addr.to_string()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn adds_the_configured_latency() {
    let upstream = Upstream::start().await;
    let mut latency = BTreeMap::new();
    latency.insert(
        "IAM.CreateRole".into(),
        Latency {
            base_ms: 300,
            jitter_ms: 50,
        },
    );
    latency.insert(
        "IAM.*".into(),
        Latency {
            base_ms: 150,
            jitter_ms: 0,
        },
    );
    let proxy = Proxy::start(ProxyConfig {
        default_latency: Latency {
            base_ms: 0,
            jitter_ms: 0,
        },
        latency,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();

    let t = Instant::now();
    send(&ep, &create_role_call("r")).await.unwrap();
    let create_role = t.elapsed();
    let t = Instant::now();
    send(&ep, &query_call("iam", "Action=GetRole&RoleName=r"))
        .await
        .unwrap();
    let get_role = t.elapsed();
    let t = Instant::now();
    send(&ep, &secrets_call("GetSecretValue")).await.unwrap();
    let secret = t.elapsed();

    assert!(create_role >= Duration::from_millis(300), "{create_role:?}");
    assert!(get_role >= Duration::from_millis(150), "{get_role:?}");
    assert!(get_role < Duration::from_millis(300), "{get_role:?}");
    assert!(secret < Duration::from_millis(150), "{secret:?}");

    let calls = proxy.calls();
    assert!(
        calls[0].elapsed_ms >= 300.0 && calls[0].elapsed_ms < 1000.0,
        "{calls:?}"
    );
    assert!(calls[1].elapsed_ms >= 150.0, "{calls:?}");
    assert!(
        calls[1].started_ms >= calls[0].started_ms + 300.0,
        "{calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn throttle_rate_one_throttles_everything_in_the_service_dialect() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        throttle_rate: 1.0,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();

    for call in [
        secrets_call("CreateSecret"),
        json_call("logs", "Logs_20140328.CreateLogGroup", "{}"),
        json_call("ssm", "AmazonSSM.GetParameter", "{}"),
    ] {
        let reply = send(&ep, &call).await.unwrap();
        assert_eq!(reply.status, 400);
        assert_eq!(
            reply.header("x-amzn-errortype"),
            Some("ThrottlingException")
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/x-amz-json-1.1")
        );
        assert_eq!(
            reply.json(),
            serde_json::json!({"__type": "ThrottlingException", "message": "Rate exceeded"})
        );
    }

    for call in [
        create_role_call("r"),
        query_call("sts", "Action=GetCallerIdentity&Version=2011-06-15"),
    ] {
        let reply = send(&ep, &call).await.unwrap();
        assert_eq!(reply.status, 400);
        assert_eq!(reply.header("content-type"), Some("text/xml"));
        assert_eq!(
            reply.body,
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
             <Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
        );
    }

    let reply = send(&ep, &create_function_call("f", "r")).await.unwrap();
    assert_eq!(reply.status, 429);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("TooManyRequestsException")
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json(),
        serde_json::json!({"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"})
    );

    assert_eq!(upstream.count(), 0, "a throttled call reached the upstream");
    let calls = proxy.calls();
    assert_eq!(calls.len(), 6);
    assert!(calls.iter().all(|c| c.fault == Some(Fault::Throttled)));
    assert_eq!(calls[5].status, 429);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_503_in_the_service_dialect() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        server_error_rate: 1.0,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();

    let reply = send(&ep, &secrets_call("GetSecretValue")).await.unwrap();
    assert_eq!(reply.status, 503);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("ServiceUnavailableException")
    );
    assert_eq!(reply.json()["__type"], "ServiceUnavailableException");

    let reply = send(&ep, &create_role_call("r")).await.unwrap();
    assert_eq!(reply.status, 503);
    assert!(
        reply.body.contains("<Code>ServiceUnavailable</Code>"),
        "{}",
        reply.body
    );

    let reply = send(&ep, &create_function_call("f", "r")).await.unwrap();
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("x-amzn-errortype"), Some("ServiceException"));

    assert_eq!(upstream.count(), 0);
    assert!(proxy
        .calls()
        .iter()
        .all(|c| c.fault == Some(Fault::ServerError) && c.status == 503));
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_drops_the_connection_without_forwarding() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        reset_rate: 1.0,
        ..config(&upstream)
    })
    .await
    .unwrap();

    let err = send(&proxy.endpoint(), &secrets_call("CreateSecret"))
        .await
        .expect_err("a reset call must not get an answer");
    assert!(!err.is_empty());
    assert_eq!(upstream.count(), 0);
    let calls = proxy.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].fault, Some(Fault::Reset));
    assert_eq!(calls[0].status, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_after_forward_reaches_upstream_but_drops_the_answer() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        reset_after_forward_rate: 1.0,
        ..config(&upstream)
    })
    .await
    .unwrap();

    assert!(send(&proxy.endpoint(), &create_role_call("r"))
        .await
        .is_err());
    assert_eq!(upstream.count(), 1, "the call must have been forwarded");
    let calls = proxy.calls();
    assert_eq!(calls[0].fault, Some(Fault::ResetAfterForward));
    assert_eq!(calls[0].status, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_rates_are_roughly_right_with_a_fixed_seed() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        throttle_rate: 0.2,
        server_error_rate: 0.1,
        reset_rate: 0.1,
        reset_after_forward_rate: 0.1,
        seed: 7,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();

    const N: usize = 400;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let ep = ep.clone();
        tasks.spawn(async move {
            let call = if i % 2 == 0 {
                secrets_call("GetSecretValue")
            } else {
                create_role_call("r")
            };
            send(&ep, &call).await
        });
    }
    let mut dropped = 0;
    while let Some(result) = tasks.join_next().await {
        if result.unwrap().is_err() {
            dropped += 1;
        }
    }

    let calls = proxy.calls();
    assert_eq!(calls.len(), N);
    let count = |f: Fault| calls.iter().filter(|c| c.fault == Some(f)).count() as f64;
    let roughly = |got: f64, rate: f64, what: &str| {
        let want = rate * N as f64;
        assert!(
            got >= want * 0.5 && got <= want * 1.5,
            "{what}: {got} calls, expected about {want}"
        );
    };
    roughly(count(Fault::Throttled), 0.2, "throttled");
    roughly(count(Fault::ServerError), 0.1, "server error");
    roughly(count(Fault::Reset), 0.1, "reset");
    // Only calls that got past the first roll are forwarded and can be dropped afterwards.
    roughly(
        count(Fault::ResetAfterForward),
        0.1 * 0.6,
        "reset after forward",
    );

    let resets = count(Fault::Reset) + count(Fault::ResetAfterForward);
    assert_eq!(dropped as f64, resets, "every reset must be a client error");
    let forwarded =
        N as f64 - count(Fault::Throttled) - count(Fault::ServerError) - count(Fault::Reset);
    assert_eq!(upstream.count() as f64, forwarded);
}

#[tokio::test(flavor = "multi_thread")]
async fn fault_free_operations_are_never_faulted() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        throttle_rate: 0.5,
        reset_rate: 0.5,
        reset_after_forward_rate: 1.0,
        fault_free_operations: vec!["Secrets Manager.GetSecretValue".into()],
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();
    for _ in 0..20 {
        let reply = send(&ep, &secrets_call("GetSecretValue")).await.unwrap();
        assert_eq!(reply.status, 200);
    }
    // Other operations of the same service still are.
    for _ in 0..10 {
        let reply = send(&ep, &secrets_call("CreateSecret")).await;
        assert!(
            reply.as_ref().map_or(true, |r| r.status == 400),
            "{reply:?}"
        );
    }
    assert_eq!(
        proxy.calls().iter().filter(|c| c.fault.is_none()).count(),
        20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn iam_propagation_delays_fresh_roles_only() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        iam_propagation_ms: 700,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();

    assert_eq!(
        send(&ep, &create_role_call("lab-role"))
            .await
            .unwrap()
            .status,
        200
    );
    let created = Instant::now();

    // A fresh role: refused with Lambda's exact error, not forwarded.
    let reply = send(&ep, &create_function_call("f", "lab-role"))
        .await
        .unwrap();
    assert!(
        created.elapsed() < Duration::from_millis(700),
        "test too slow"
    );
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("InvalidParameterValueException")
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.body,
        r#"{"Type":"User","message":"The role defined for the function cannot be assumed by Lambda."}"#
    );
    let update = lambda_call(
        Method::PUT,
        "/2015-03-31/functions/f/configuration",
        r#"{"Role":"arn:aws:iam::000000000000:role/lab-role"}"#,
    );
    assert_eq!(send(&ep, &update).await.unwrap().status, 400);
    assert!(!upstream
        .received()
        .iter()
        .any(|r| r.path_and_query.starts_with("/2015-03-31")));

    // Roles the proxy never saw created, or whose creation failed, are not delayed.
    assert_eq!(
        send(&ep, &create_function_call("g", "old-role"))
            .await
            .unwrap()
            .status,
        200
    );
    send(&ep, &create_role_call("refused-role")).await.unwrap();
    assert_eq!(
        send(&ep, &create_function_call("h", "refused-role"))
            .await
            .unwrap()
            .status,
        200
    );

    // After the window the call goes through.
    tokio::time::sleep(Duration::from_millis(750).saturating_sub(created.elapsed())).await;
    let reply = send(&ep, &create_function_call("f", "lab-role"))
        .await
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(send(&ep, &update).await.unwrap().status, 200);

    let faults: Vec<_> = proxy
        .calls()
        .iter()
        .map(|c| (c.operation.clone(), c.status, c.fault))
        .collect();
    assert_eq!(
        faults,
        [
            ("CreateRole".into(), 200, None),
            ("CreateFunction".into(), 400, Some(Fault::RoleNotAssumable)),
            (
                "UpdateFunctionConfiguration".into(),
                400,
                Some(Fault::RoleNotAssumable)
            ),
            ("CreateFunction".into(), 200, None),
            ("CreateRole".into(), 409, None),
            ("CreateFunction".into(), 200, None),
            ("CreateFunction".into(), 200, None),
            ("UpdateFunctionConfiguration".into(), 200, None),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn iam_propagation_off_by_default() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(config(&upstream)).await.unwrap();
    let ep = proxy.endpoint();
    send(&ep, &create_role_call("lab-role")).await.unwrap();
    assert_eq!(
        send(&ep, &create_function_call("f", "lab-role"))
            .await
            .unwrap()
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn new_functions_look_pending_for_a_while() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(ProxyConfig {
        pending_after_create_ms: 700,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();

    // Before creation through the proxy: untouched.
    let reply = send(
        &ep,
        &lambda_call(Method::GET, "/2015-03-31/functions/f", ""),
    )
    .await
    .unwrap();
    assert_eq!(reply.json()["Configuration"]["State"], "Active");

    assert_eq!(
        send(&ep, &create_function_call("f", "r"))
            .await
            .unwrap()
            .status,
        200
    );
    let created = Instant::now();

    let reply = send(
        &ep,
        &lambda_call(Method::GET, "/2015-03-31/functions/f", ""),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["Configuration"]["State"], "Pending");
    assert_eq!(
        body["Configuration"]["StateReason"],
        "The function is being created."
    );
    assert_eq!(body["Configuration"]["StateReasonCode"], "Creating");
    assert_eq!(body["Configuration"]["Runtime"], "python3.12");
    assert_eq!(body["Code"]["RepositoryType"], "S3");

    let reply = send(
        &ep,
        &lambda_call(
            Method::GET,
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration",
            "",
        ),
    )
    .await
    .unwrap();
    assert_eq!(reply.json()["State"], "Pending");
    assert_eq!(reply.json()["StateReasonCode"], "Creating");

    let invoke = lambda_call(Method::POST, "/2015-03-31/functions/f/invocations", "{}");
    let reply = send(&ep, &invoke).await.unwrap();
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("ResourceConflictException")
    );
    assert_eq!(
        reply.json(),
        serde_json::json!({"Type": "User", "message": "The operation cannot be performed at this time. The function is currently in the following state: Pending"})
    );
    assert!(
        created.elapsed() < Duration::from_millis(700),
        "test too slow"
    );
    assert!(!upstream
        .received()
        .iter()
        .any(|r| r.path_and_query.ends_with("/invocations")));

    // Other functions are untouched.
    let reply = send(
        &ep,
        &lambda_call(Method::GET, "/2015-03-31/functions/other", ""),
    )
    .await
    .unwrap();
    assert_eq!(reply.json()["Configuration"]["State"], "Active");

    tokio::time::sleep(Duration::from_millis(750).saturating_sub(created.elapsed())).await;
    let reply = send(
        &ep,
        &lambda_call(Method::GET, "/2015-03-31/functions/f", ""),
    )
    .await
    .unwrap();
    assert_eq!(reply.json()["Configuration"]["State"], "Active");
    assert_eq!(send(&ep, &invoke).await.unwrap().status, 200);

    let pending: Vec<_> = proxy
        .calls()
        .iter()
        .filter(|c| c.fault == Some(Fault::Pending))
        .map(|c| c.operation.clone())
        .collect();
    assert_eq!(
        pending,
        ["GetFunction", "GetFunctionConfiguration", "Invoke"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn binds_loopback_only() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(config(&upstream)).await.unwrap();
    let endpoint = proxy.endpoint();
    let port: u16 = endpoint
        .strip_prefix("http://127.0.0.1:")
        .expect("endpoint must be on 127.0.0.1")
        .parse()
        .unwrap();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    // All of 127/8 reaches this host on Linux, so a wildcard bind would accept this.
    #[cfg(target_os = "linux")]
    assert!(
        std::net::TcpStream::connect(("127.0.0.2", port)).is_err(),
        "the proxy must bind 127.0.0.1, not a wildcard address"
    );
    // And any non-loopback address of this host is refused.
    if let Some(ip) = non_loopback_ip() {
        assert!(
            std::net::TcpStream::connect_timeout(&(ip, port).into(), Duration::from_secs(1))
                .is_err(),
            "reachable on {ip}"
        );
    }
}

fn non_loopback_ip() -> Option<std::net::IpAddr> {
    // Connecting a UDP socket sends nothing; it only picks the outgoing interface.
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test(flavor = "multi_thread")]
async fn calls_are_recorded_and_can_be_cleared() {
    let upstream = Upstream::start().await;
    let proxy = Proxy::start(config(&upstream)).await.unwrap();
    let ep = proxy.endpoint();
    send(&ep, &secrets_call("GetSecretValue")).await.unwrap();
    send(&ep, &create_role_call("r")).await.unwrap();

    let calls = proxy.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].service, "Secrets Manager");
    assert_eq!(calls[0].operation, "GetSecretValue");
    assert_eq!(calls[0].status, 200);
    assert_eq!(calls[0].fault, None);
    assert!(calls[0].started_ms >= 0.0 && calls[0].elapsed_ms >= 0.0);
    assert!(calls[1].started_ms >= calls[0].started_ms);
    // Records serialise (for the binary / debugging output).
    let json = serde_json::to_value(&calls[1]).unwrap();
    assert_eq!(json["service"], "IAM");
    assert_eq!(json["fault"], serde_json::Value::Null);

    proxy.clear_calls();
    assert!(proxy.calls().is_empty());
    send(&ep, &secrets_call("GetSecretValue")).await.unwrap();
    assert_eq!(proxy.calls().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_upstream_is_a_bad_gateway() {
    // Grab a free port, then free it again.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let proxy = Proxy::start(ProxyConfig {
        upstream: format!("http://127.0.0.1:{port}"),
        ..ProxyConfig::default()
    })
    .await
    .unwrap();
    let reply = send(&proxy.endpoint(), &secrets_call("GetSecretValue"))
        .await
        .unwrap();
    assert_eq!(reply.status, 502);
    assert_eq!(proxy.calls()[0].status, 502);
}

#[tokio::test(flavor = "multi_thread")]
async fn rejects_a_bad_upstream() {
    for upstream in ["", "not a url", "https://127.0.0.1:4566"] {
        let err = Proxy::start(ProxyConfig {
            upstream: upstream.into(),
            ..ProxyConfig::default()
        })
        .await
        .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{upstream:?}");
    }
}

async fn wait_until_refused(endpoint: &str) {
    let addr = endpoint.strip_prefix("http://").unwrap().to_string();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{endpoint} still accepts connections");
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_drop_and_lifetime_stop_the_server() {
    let upstream = Upstream::start().await;

    let proxy = Proxy::start(config(&upstream)).await.unwrap();
    let ep = proxy.endpoint();
    assert!(send(&ep, &secrets_call("GetSecretValue")).await.is_ok());
    proxy.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(ep.strip_prefix("http://").unwrap())
            .await
            .is_err()
    );

    let proxy = Proxy::start(config(&upstream)).await.unwrap();
    let ep = proxy.endpoint();
    drop(proxy);
    wait_until_refused(&ep).await;

    let proxy = Proxy::start(ProxyConfig {
        max_lifetime_ms: 200,
        ..config(&upstream)
    })
    .await
    .unwrap();
    let ep = proxy.endpoint();
    assert!(send(&ep, &secrets_call("GetSecretValue")).await.is_ok());
    tokio::time::sleep(Duration::from_millis(250)).await;
    wait_until_refused(&ep).await;
    drop(proxy);
}

/// Raw HTTP/1.1 exchange over a blocking socket; returns the status line.
fn blocking_get_secret(endpoint: &str) -> String {
    let addr = endpoint.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let body = r#"{"SecretId":"s"}"#;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {}\r\nX-Amz-Target: secretsmanager.GetSecretValue\r\n\
         Content-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        authorization("secretsmanager"),
        body.len()
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).unwrap();
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
    status.trim_end().to_string()
}

#[test]
fn keeps_serving_while_a_current_thread_runtime_is_blocked() {
    let upstream = Upstream::start_on_thread();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let proxy = rt
        .block_on(Proxy::start(ProxyConfig {
            upstream: upstream.url(),
            ..ProxyConfig::default()
        }))
        .unwrap();
    // The runtime is not being driven now; the proxy must answer anyway.
    assert_eq!(blocking_get_secret(&proxy.endpoint()), "HTTP/1.1 200 OK");
    assert_eq!(proxy.calls().len(), 1);
    rt.block_on(proxy.shutdown());
}

#[test]
fn binary_prints_its_endpoint_and_proxies() {
    let upstream = Upstream::start_on_thread();
    let dir = std::env::temp_dir().join(format!("chaos-proxy-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_path = dir.join("config.json");
    std::fs::write(
        &config_path,
        r#"{"upstream": "http://127.0.0.1:1", "throttle_rate": 0.0, "max_lifetime_ms": 30000,
            "latency": {"Secrets Manager.*": {"base_ms": 10}}}"#,
    )
    .unwrap();

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_chaos-proxy"))
        .arg(&config_path)
        .arg("--upstream")
        .arg(upstream.url())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let endpoint = line
        .trim_end()
        .strip_prefix("endpoint=")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let status = blocking_get_secret(&endpoint);
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        upstream.count(),
        1,
        "--upstream must override the config file"
    );
}

#[test]
fn binary_rejects_bad_arguments() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chaos-proxy"))
        .arg("/nonexistent/config.json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}
