//! Working out which AWS service and operation an incoming request is.

use hyper::header::{HeaderMap, AUTHORIZATION, CONTENT_TYPE};
use hyper::Method;

/// The wire protocol of a call, which decides the shape of injected errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// `awsJson1_0` / `awsJson1_1` (Secrets Manager, CloudWatch Logs, SSM, ...).
    Json,
    /// `awsQuery` (IAM, STS).
    Query,
    /// `restJson1` as used by Lambda.
    LambdaRest,
}

/// The service and operation of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallId {
    /// SDK service id, e.g. `IAM`, `Secrets Manager`.
    pub service: String,
    /// Operation name, e.g. `CreateRole`; `Unknown` when it cannot be told.
    pub operation: String,
    /// Wire protocol.
    pub protocol: Protocol,
    /// For Lambda calls addressing one function, its (normalised) name.
    pub function_name: Option<String>,
}

const UNKNOWN: &str = "Unknown";

/// Map a SigV4 signing name onto the SDK's service id.
pub(crate) fn service_id(signing_name: &str) -> String {
    match signing_name {
        "iam" => "IAM",
        "sts" => "STS",
        "lambda" => "Lambda",
        "secretsmanager" => "Secrets Manager",
        "logs" => "CloudWatch Logs",
        "ssm" => "SSM",
        other => other,
    }
    .to_string()
}

/// The signing name from `Credential=AKID/DATE/REGION/SERVICE/aws4_request`.
pub(crate) fn signing_name(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (_, rest) = auth.split_once("Credential=")?;
    let scope = rest.split(|c: char| c == ',' || c.is_whitespace()).next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    if parts.len() >= 5 && !parts[3].is_empty() {
        Some(parts[3].to_string())
    } else {
        None
    }
}

/// (access key id, region) from `Credential=AKID/DATE/REGION/SERVICE/aws4_request`.
pub(crate) fn credential_scope(headers: &HeaderMap) -> Option<(String, String)> {
    let auth = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (_, rest) = auth.split_once("Credential=")?;
    let scope = rest.split(|c: char| c == ',' || c.is_whitespace()).next()?;
    let parts: Vec<&str> = scope.split('/').collect();
    (parts.len() >= 5).then(|| (parts[0].to_string(), parts[2].to_string()))
}

fn is_lambda_path(path: &str) -> bool {
    under(path, "/2015-03-31/functions").is_some()
        || under(path, "/2017-03-31/tags").is_some()
        || under(path, "/2021-10-31/functions").is_some()
}

/// `path` below `prefix` (without the leading `/`), if `path` is `prefix` or lies under it.
fn under<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix('/')
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn is_form(headers: &HeaderMap) -> bool {
    header(headers, CONTENT_TYPE.as_str())
        .map(|ct| {
            ct.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
        .unwrap_or(false)
}

/// The value of `key` in a form-encoded body or query string.
pub(crate) fn form_value(data: &[u8], key: &str) -> Option<String> {
    form_urlencoded::parse(data)
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Decode `%XX` escapes (no `+` handling: that is only for form bodies).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reduce a function name, partial ARN or full ARN (with or without qualifier) to the bare name.
pub(crate) fn normalise_function_name(raw: &str) -> String {
    let decoded = percent_decode(raw);
    let tail = match decoded.find(":function:") {
        Some(i) => &decoded[i + ":function:".len()..],
        None => decoded.as_str(),
    };
    tail.split(':').next().unwrap_or(tail).to_string()
}

fn lambda_operation(method: &Method, path: &str) -> (String, Option<String>) {
    if let Some(rest) = under(path, "/2015-03-31/functions") {
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let name = segments.first().map(|n| normalise_function_name(n));
        let op = match (method, segments.as_slice()) {
            (&Method::POST, []) => "CreateFunction",
            (&Method::GET, []) => "ListFunctions",
            (&Method::GET, [_]) => "GetFunction",
            (&Method::DELETE, [_]) => "DeleteFunction",
            (&Method::GET, [_, "configuration"]) => "GetFunctionConfiguration",
            (&Method::PUT, [_, "configuration"]) => "UpdateFunctionConfiguration",
            (&Method::PUT, [_, "code"]) => "UpdateFunctionCode",
            (&Method::POST, [_, "invocations"]) => "Invoke",
            (&Method::GET, [_, "versions"]) => "ListVersionsByFunction",
            (&Method::POST, [_, "versions"]) => "PublishVersion",
            (&Method::GET, [_, "aliases"]) => "ListAliases",
            (&Method::POST, [_, "aliases"]) => "CreateAlias",
            (&Method::GET, [_, "policy"]) => "GetPolicy",
            _ => UNKNOWN,
        };
        return (op.to_string(), name);
    }
    if let Some(rest) = under(path, "/2021-10-31/functions") {
        let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
        let name = segments.first().map(|n| normalise_function_name(n));
        let op = match (method, segments.as_slice()) {
            (&Method::GET, [_, "url"]) => "GetFunctionUrlConfig",
            _ => UNKNOWN,
        };
        return (op.to_string(), name);
    }
    if under(path, "/2017-03-31/tags").is_some() {
        let op = match *method {
            Method::GET => "ListTags",
            Method::POST => "TagResource",
            Method::DELETE => "UntagResource",
            _ => UNKNOWN,
        };
        return (op.to_string(), None);
    }
    (UNKNOWN.to_string(), None)
}

/// Service id guessed from the `X-Amz-Target` prefix, for unsigned requests.
fn service_from_target(target: &str) -> Option<String> {
    let prefix = target.split('.').next()?;
    let id = match prefix {
        "secretsmanager" => "Secrets Manager",
        p if p.starts_with("Logs_") => "CloudWatch Logs",
        "AmazonSSM" => "SSM",
        _ => return None,
    };
    Some(id.to_string())
}

/// Work out the service, operation and protocol of a request.
pub(crate) fn identify(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> CallId {
    let signed = signing_name(headers).map(|s| service_id(&s));
    let target = header(headers, "x-amz-target");

    // Lambda (restJson1): recognised by service or by its versioned paths.
    if signed.as_deref() == Some("Lambda") || (signed.is_none() && is_lambda_path(path)) {
        let (operation, function_name) = lambda_operation(method, path);
        return CallId {
            service: "Lambda".to_string(),
            operation,
            protocol: Protocol::LambdaRest,
            function_name,
        };
    }

    // awsJson: the operation is the text after the last '.' of X-Amz-Target.
    if let Some(target) = target {
        let operation = target.rsplit('.').next().unwrap_or(target);
        let service = signed
            .or_else(|| service_from_target(target))
            .unwrap_or_else(|| UNKNOWN.to_string());
        return CallId {
            service,
            operation: if operation.is_empty() {
                UNKNOWN.to_string()
            } else {
                operation.to_string()
            },
            protocol: Protocol::Json,
            function_name: None,
        };
    }

    // awsQuery: `Action=...` in a form body (or, for GETs, the query string).
    let action = if is_form(headers) {
        form_value(body, "Action")
    } else {
        None
    }
    .or_else(|| query.and_then(|q| form_value(q.as_bytes(), "Action")));
    let query_service = matches!(signed.as_deref(), Some("IAM") | Some("STS"));
    if action.is_some() || query_service {
        return CallId {
            service: signed.unwrap_or_else(|| UNKNOWN.to_string()),
            operation: action.unwrap_or_else(|| UNKNOWN.to_string()),
            protocol: Protocol::Query,
            function_name: None,
        };
    }

    CallId {
        service: signed.unwrap_or_else(|| UNKNOWN.to_string()),
        operation: UNKNOWN.to_string(),
        protocol: Protocol::Json,
        function_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn auth(service: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_str(&format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/{service}/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=abc"
            ))
            .unwrap(),
        );
        h
    }

    fn json(service: &str, target: &str) -> CallId {
        let mut h = auth(service);
        h.insert("x-amz-target", HeaderValue::from_str(target).unwrap());
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-amz-json-1.1"),
        );
        identify(&Method::POST, "/", None, &h, b"{}")
    }

    fn query(service: &str, body: &str) -> CallId {
        let mut h = auth(service);
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        identify(&Method::POST, "/", None, &h, body.as_bytes())
    }

    fn lambda(method: Method, path: &str) -> (String, Option<String>) {
        let id = identify(&method, path, None, &auth("lambda"), b"");
        assert_eq!(id.service, "Lambda");
        assert_eq!(id.protocol, Protocol::LambdaRest);
        (id.operation, id.function_name)
    }

    #[test]
    fn lambda_version_alias_policy_and_url_calls() {
        for (method, path, op) in [
            (
                Method::GET,
                "/2015-03-31/functions/f/versions",
                "ListVersionsByFunction",
            ),
            (
                Method::POST,
                "/2015-03-31/functions/f/versions",
                "PublishVersion",
            ),
            (
                Method::GET,
                "/2015-03-31/functions/f/aliases",
                "ListAliases",
            ),
            (
                Method::POST,
                "/2015-03-31/functions/f/aliases",
                "CreateAlias",
            ),
            (Method::GET, "/2015-03-31/functions/f/policy", "GetPolicy"),
            (
                Method::GET,
                "/2021-10-31/functions/f/url",
                "GetFunctionUrlConfig",
            ),
        ] {
            assert_eq!(
                lambda(method, path),
                (op.to_string(), Some("f".to_string()))
            );
        }
    }

    #[test]
    fn signing_names_map_to_sdk_ids() {
        assert_eq!(service_id("iam"), "IAM");
        assert_eq!(service_id("sts"), "STS");
        assert_eq!(service_id("lambda"), "Lambda");
        assert_eq!(service_id("secretsmanager"), "Secrets Manager");
        assert_eq!(service_id("logs"), "CloudWatch Logs");
        assert_eq!(service_id("ssm"), "SSM");
        assert_eq!(service_id("kms"), "kms");
    }

    #[test]
    fn json_protocol_operations() {
        let c = json("secretsmanager", "secretsmanager.CreateSecret");
        assert_eq!(
            (c.service.as_str(), c.operation.as_str(), c.protocol),
            ("Secrets Manager", "CreateSecret", Protocol::Json)
        );
        let c = json("logs", "Logs_20140328.CreateLogGroup");
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("CloudWatch Logs", "CreateLogGroup")
        );
        let c = json("ssm", "AmazonSSM.GetParameter");
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("SSM", "GetParameter")
        );
    }

    #[test]
    fn query_protocol_operations() {
        let c = query("iam", "Action=CreateRole&Version=2010-05-08&RoleName=r");
        assert_eq!(
            (c.service.as_str(), c.operation.as_str(), c.protocol),
            ("IAM", "CreateRole", Protocol::Query)
        );
        let c = query("sts", "Version=2011-06-15&Action=GetCallerIdentity");
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("STS", "GetCallerIdentity")
        );
    }

    #[test]
    fn lambda_rest_operations() {
        let f = Some("fn-1".to_string());
        assert_eq!(
            lambda(Method::POST, "/2015-03-31/functions"),
            ("CreateFunction".into(), None)
        );
        assert_eq!(
            lambda(Method::GET, "/2015-03-31/functions/fn-1"),
            ("GetFunction".into(), f.clone())
        );
        assert_eq!(
            lambda(Method::GET, "/2015-03-31/functions/fn-1/configuration"),
            ("GetFunctionConfiguration".into(), f.clone())
        );
        assert_eq!(
            lambda(Method::PUT, "/2015-03-31/functions/fn-1/code"),
            ("UpdateFunctionCode".into(), f.clone())
        );
        assert_eq!(
            lambda(Method::PUT, "/2015-03-31/functions/fn-1/configuration"),
            ("UpdateFunctionConfiguration".into(), f.clone())
        );
        assert_eq!(
            lambda(Method::DELETE, "/2015-03-31/functions/fn-1"),
            ("DeleteFunction".into(), f.clone())
        );
        assert_eq!(
            lambda(Method::POST, "/2015-03-31/functions/fn-1/invocations"),
            ("Invoke".into(), f.clone())
        );
        assert_eq!(
            lambda(
                Method::GET,
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn-1"
            ),
            ("GetFunction".into(), f.clone())
        );
        assert_eq!(
            lambda(Method::GET, "/2015-03-31/functions/fn-1/concurrency").0,
            "Unknown"
        );
        assert_eq!(
            lambda(Method::GET, "/2017-03-31/tags/arn:aws:lambda:x").0,
            "ListTags"
        );
        assert_eq!(
            lambda(Method::POST, "/2017-03-31/tags/arn:aws:lambda:x").0,
            "TagResource"
        );
        assert_eq!(
            lambda(Method::PUT, "/2021-10-31/functions/fn-1/url").0,
            "Unknown"
        );
    }

    #[test]
    fn unsigned_requests_are_still_recognised() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-target",
            HeaderValue::from_static("secretsmanager.GetSecretValue"),
        );
        let c = identify(&Method::POST, "/", None, &h, b"{}");
        assert_eq!(c.service, "Secrets Manager");
        assert_eq!(c.operation, "GetSecretValue");
        let c = identify(
            &Method::GET,
            "/2015-03-31/functions/f",
            None,
            &HeaderMap::new(),
            b"",
        );
        assert_eq!(
            (c.service.as_str(), c.operation.as_str()),
            ("Lambda", "GetFunction")
        );
    }

    #[test]
    fn function_names_are_normalised() {
        assert_eq!(normalise_function_name("f"), "f");
        assert_eq!(normalise_function_name("f:live"), "f");
        assert_eq!(
            normalise_function_name("arn:aws:lambda:us-east-1:000000000000:function:f:3"),
            "f"
        );
        assert_eq!(normalise_function_name("000000000000:function:f"), "f");
        assert_eq!(percent_decode("a%3Ab%2"), "a:b%2");
    }
}
