//! What the proxy sees and passes on: operations of all three protocols, the request and
//! the answer copied both ways, the configured latency.

use super::*;

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
