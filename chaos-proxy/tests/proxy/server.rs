//! The server itself: loopback only, its record of calls, a bad or unreachable upstream,
//! and every way it stops; it keeps serving while its caller blocks.

use super::*;

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
pub(crate) fn blocking_get_secret(endpoint: &str) -> String {
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
