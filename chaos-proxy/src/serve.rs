//! The proxy's server loop, and the HTTP and JSON details its handling needs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, CONTENT_TYPE};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::shared::Shared;

pub(crate) fn ms_between(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

pub(crate) fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
}

/// The awsJson content type to answer with: the request's own if it is one, else 1.1.
pub(crate) fn json_content_type(headers: &HeaderMap) -> &'static str {
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(ct) if ct.contains("x-amz-json-1.0") => "application/x-amz-json-1.0",
        _ => "application/x-amz-json-1.1",
    }
}

/// A top-level string field of a JSON body.
pub(crate) fn json_field(body: &[u8], field: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(str::to_string)
}

/// `NAME` from `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`.
pub(crate) fn role_name(arn: &str) -> Option<String> {
    let (_, resource) = arn.split_once(":role/")?;
    resource
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// Rewrite a Lambda configuration (at the top level, or under `Configuration`) as `Pending`.
pub(crate) fn mark_pending(body: &[u8], nested: bool) -> Option<Bytes> {
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let configuration = if nested {
        value.get_mut("Configuration")?
    } else {
        &mut value
    };
    let object = configuration.as_object_mut()?;
    object.insert("State".into(), "Pending".into());
    object.insert(
        "StateReason".into(),
        "The function is being created.".into(),
    );
    object.insert("StateReasonCode".into(), "Creating".into());
    serde_json::to_vec(&value).ok().map(Bytes::from)
}

/// Accept connections until told to stop or the lifetime ends.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
    done: oneshot::Sender<()>,
    lifetime: Duration,
) {
    let deadline = tokio::time::sleep(lifetime);
    tokio::pin!(deadline);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = &mut deadline => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, shared.clone()));
                }
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
    let _ = done.send(());
}

pub(crate) async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request| shared.clone().handle(request));
    // An error here is usually a deliberate drop; nothing to report.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
