//! A tiny recording upstream and a raw HTTP client for the proxy tests.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Method, Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;

/// One request the upstream received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: String,
}

/// A stand-in for the emulator: answers 200 with JSON and records every request.
pub struct Upstream {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Upstream {
    pub async fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let log = log.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| answer(log.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Upstream { addr, received }
    }

    /// Start on a dedicated thread with its own runtime (for tests whose runtime is busy).
    pub fn start_on_thread() -> Upstream {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                tx.send(Upstream::start().await).unwrap();
                std::future::pending::<()>().await
            });
        });
        rx.recv().unwrap()
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn answer(
    log: Arc<Mutex<Vec<Received>>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let path = parts.uri.path().to_string();
    log.lock().unwrap().push(Received {
        method: parts.method.clone(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        headers: parts.headers.clone(),
        body: body.clone(),
    });

    // An IAM CreateRole the "emulator" refuses, to check failures are not remembered.
    if body.contains("RoleName=refused-role") {
        return Ok(Response::builder()
            .status(409)
            .header("Content-Type", "text/xml")
            .body(Full::new(Bytes::from_static(
                b"<ErrorResponse><Error><Code>EntityAlreadyExists</Code></Error></ErrorResponse>",
            )))
            .unwrap());
    }

    let json = match path.strip_prefix("/2015-03-31/functions/") {
        Some(rest) if parts.method == Method::GET => match rest.split_once('/') {
            Some((name, "configuration")) => {
                serde_json::json!({"FunctionName": name, "State": "Active", "Runtime": "python3.12"})
            }
            None => serde_json::json!({
                "Configuration": {"FunctionName": rest, "State": "Active", "Runtime": "python3.12"},
                "Code": {"RepositoryType": "S3"}
            }),
            _ => serde_json::json!({"ok": true}),
        },
        _ => serde_json::json!({"ok": true}),
    };
    Ok(Response::builder()
        .status(200)
        .header("Content-Type", "application/json")
        .header("x-upstream", "yes")
        .body(Full::new(Bytes::from(json.to_string())))
        .unwrap())
}

/// A plain answer: status, headers, body text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// What a test sends through the proxy.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

pub fn authorization(signing_name: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/{signing_name}/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, Signature=0123456789abcdef"
    )
}

/// An awsJson call such as `json_call("secretsmanager", "secretsmanager.CreateSecret", "{}")`.
pub fn json_call(signing_name: &str, target: &str, body: &str) -> Call {
    Call {
        method: Method::POST,
        path: "/".into(),
        headers: vec![
            ("authorization".into(), authorization(signing_name)),
            ("x-amz-target".into(), target.into()),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
        ],
        body: body.into(),
    }
}

/// An awsQuery call (IAM/STS) with a form body.
pub fn query_call(signing_name: &str, body: &str) -> Call {
    Call {
        method: Method::POST,
        path: "/".into(),
        headers: vec![
            ("authorization".into(), authorization(signing_name)),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            ),
        ],
        body: body.into(),
    }
}

/// A Lambda restJson1 call.
pub fn lambda_call(method: Method, path: &str, body: &str) -> Call {
    Call {
        method,
        path: path.into(),
        headers: vec![
            ("authorization".into(), authorization("lambda")),
            ("content-type".into(), "application/json".into()),
        ],
        body: body.into(),
    }
}

pub fn secrets_call(operation: &str) -> Call {
    json_call(
        "secretsmanager",
        &format!("secretsmanager.{operation}"),
        r#"{"SecretId":"s"}"#,
    )
}

pub fn create_role_call(role: &str) -> Call {
    query_call(
        "iam",
        &format!(
            "Action=CreateRole&Version=2010-05-08&RoleName={role}&AssumeRolePolicyDocument=%7B%7D"
        ),
    )
}

pub fn create_function_call(function: &str, role: &str) -> Call {
    lambda_call(
        Method::POST,
        "/2015-03-31/functions",
        &serde_json::json!({
            "FunctionName": function,
            "Role": format!("arn:aws:iam::000000000000:role/{role}"),
            "Runtime": "python3.12",
            "Handler": "app.handler",
            "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}
        })
        .to_string(),
    )
}

/// An HTTP/1 client that opens a fresh connection for every call.
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http()
}

/// Send `call` to `endpoint`; `Err` when the connection was dropped without an answer.
pub async fn send(endpoint: &str, call: &Call) -> Result<Reply, String> {
    let mut builder = Request::builder()
        .method(call.method.clone())
        .uri(format!("{endpoint}{}", call.path));
    for (name, value) in &call.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = builder
        .body(Full::new(Bytes::from(call.body.clone())))
        .unwrap();
    let response = client()
        .request(request)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let (head, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_bytes();
    Ok(Reply {
        status: head.status.as_u16(),
        headers: head.headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}
