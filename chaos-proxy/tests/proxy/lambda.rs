//! Lambda as AWS behaves and the emulator does not: IAM propagation, functions `Pending`.

use super::*;

/// Lambda's answer to a role it cannot assume yet, exactly.
fn assert_role_not_assumable(reply: &Reply) {
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
}

/// Each recorded call's operation, status and fault.
fn faults_of(proxy: &Proxy) -> Vec<(String, u16, Option<Fault>)> {
    proxy
        .calls()
        .iter()
        .map(|c| (c.operation.clone(), c.status, c.fault))
        .collect()
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
    assert_role_not_assumable(&reply);
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

    assert_eq!(
        faults_of(&proxy),
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

/// `GET path` of the Lambda API through the proxy.
async fn lambda_get(ep: &str, path: &str) -> Reply {
    send(ep, &lambda_call(Method::GET, path, "")).await.unwrap()
}

/// Lambda's refusal to invoke a `Pending` function, exactly.
fn assert_invoke_refused_while_pending(reply: &Reply) {
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("ResourceConflictException")
    );
    assert_eq!(
        reply.json(),
        serde_json::json!({"Type": "User", "message": "The operation cannot be performed at this time. The function is currently in the following state: Pending"})
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
    let reply = lambda_get(&ep, "/2015-03-31/functions/f").await;
    assert_eq!(reply.json()["Configuration"]["State"], "Active");

    assert_eq!(
        send(&ep, &create_function_call("f", "r"))
            .await
            .unwrap()
            .status,
        200
    );
    let created = Instant::now();

    let reply = lambda_get(&ep, "/2015-03-31/functions/f").await;
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

    let reply = lambda_get(
        &ep,
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/configuration",
    )
    .await;
    assert_eq!(reply.json()["State"], "Pending");
    assert_eq!(reply.json()["StateReasonCode"], "Creating");

    let invoke = lambda_call(Method::POST, "/2015-03-31/functions/f/invocations", "{}");
    assert_invoke_refused_while_pending(&send(&ep, &invoke).await.unwrap());
    assert!(
        created.elapsed() < Duration::from_millis(700),
        "test too slow"
    );
    assert!(!upstream
        .received()
        .iter()
        .any(|r| r.path_and_query.ends_with("/invocations")));

    // Other functions are untouched.
    let reply = lambda_get(&ep, "/2015-03-31/functions/other").await;
    assert_eq!(reply.json()["Configuration"]["State"], "Active");

    tokio::time::sleep(Duration::from_millis(750).saturating_sub(created.elapsed())).await;
    let reply = lambda_get(&ep, "/2015-03-31/functions/f").await;
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
