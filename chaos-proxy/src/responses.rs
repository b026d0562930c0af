//! Error answers shaped exactly like the real services send them, so the AWS SDK
//! classifies them (throttling, transient, modelled error) the same way.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use crate::identify::Protocol;

/// Answer type of the proxy.
pub(crate) type Answer = Response<Full<Bytes>>;

const REQUEST_ID: &str = "r-1";

fn answer(status: StatusCode, headers: &[(&str, &str)], body: String) -> Answer {
    let mut builder = Response::builder()
        .status(status)
        .header("x-amzn-RequestId", REQUEST_ID);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn json_error(status: StatusCode, content_type: &str, code: &str, message: &str) -> Answer {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    answer(
        status,
        &[("x-amzn-ErrorType", code), ("Content-Type", content_type)],
        body,
    )
}

fn query_error(status: StatusCode, kind: &str, code: &str, message: &str) -> Answer {
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>{REQUEST_ID}</RequestId></ErrorResponse>"
    );
    answer(status, &[("Content-Type", "text/xml")], body)
}

/// A Lambda (restJson1) error with the given type header and JSON body.
pub(crate) fn lambda_error(status: StatusCode, code: &str, body: serde_json::Value) -> Answer {
    answer(
        status,
        &[
            ("x-amzn-ErrorType", code),
            ("Content-Type", "application/json"),
        ],
        body.to_string(),
    )
}

/// The service's throttling error. `json_content_type` is the awsJson flavour to answer with.
pub(crate) fn throttled(protocol: Protocol, json_content_type: &str) -> Answer {
    match protocol {
        Protocol::Json => json_error(
            StatusCode::BAD_REQUEST,
            json_content_type,
            "ThrottlingException",
            "Rate exceeded",
        ),
        Protocol::Query => query_error(
            StatusCode::BAD_REQUEST,
            "Sender",
            "Throttling",
            "Rate exceeded",
        ),
        Protocol::LambdaRest => lambda_error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            serde_json::json!({
                "Type": "User",
                "message": "Rate exceeded",
                "Reason": "CallerRateLimitExceeded",
            }),
        ),
    }
}

/// The service's HTTP 503 "service unavailable" error.
pub(crate) fn server_error(protocol: Protocol, json_content_type: &str) -> Answer {
    match protocol {
        Protocol::Json => json_error(
            StatusCode::SERVICE_UNAVAILABLE,
            json_content_type,
            "ServiceUnavailableException",
            "Service unavailable",
        ),
        Protocol::Query => query_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Receiver",
            "ServiceUnavailable",
            "Service unavailable",
        ),
        Protocol::LambdaRest => lambda_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceException",
            serde_json::json!({ "Type": "Service", "message": "Service unavailable" }),
        ),
    }
}

/// Lambda's answer while a freshly created IAM role has not propagated yet.
pub(crate) fn role_not_assumable() -> Answer {
    lambda_error(
        StatusCode::BAD_REQUEST,
        "InvalidParameterValueException",
        serde_json::json!({
            "Type": "User",
            "message": "The role defined for the function cannot be assumed by Lambda.",
        }),
    )
}

/// Lambda's answer to `Invoke` while the function is still `Pending`.
pub(crate) fn invoke_while_pending() -> Answer {
    lambda_error(
        StatusCode::CONFLICT,
        "ResourceConflictException",
        serde_json::json!({
            "Type": "User",
            "message": "The operation cannot be performed at this time. The function is currently in the following state: Pending",
        }),
    )
}

/// The proxy could not reach the upstream.
pub(crate) fn bad_gateway(detail: &str) -> Answer {
    answer(
        StatusCode::BAD_GATEWAY,
        &[("Content-Type", "text/plain")],
        format!("chaos-proxy: upstream unreachable: {detail}"),
    )
}
