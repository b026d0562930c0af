//! Injected faults: throttling and 503s in each service's dialect, dropped connections before
//! and after forwarding, their rates under a seed, and operations kept free of them.

use super::*;

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
