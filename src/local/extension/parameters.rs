//! The Parameter Store half of the extension's API:
//! `GET /systemsmanager/parameters/get?name=…[&version=…|&label=…][&withDecryption=true]`.
//!
//! Answers are GetParameter's, shaped as the Lambda extension returns them, and cached in a
//! `moka` cache under `SSM_PARAMETER_STORE_TTL` (the cache size is the one secrets use).
//! Nothing here logs, and no error carries, a parameter's value.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{json, Value};
use tokio::sync::OnceCell;

use super::server::{bad_query, from_sdk, parse_flag, Failure, Outcome, ServerState};
use super::upstream::recorded;

/// Parameter Store's names for Secrets Manager secrets.
const REFERENCE_PREFIX: &str = "/aws/reference/secretsmanager/";

/// Which version of a parameter: `version=<n>` or `label=<l>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Selector {
    Version(u64),
    Label(String),
}

impl Selector {
    fn value(&self) -> String {
        match self {
            Selector::Version(version) => version.to_string(),
            Selector::Label(label) => label.clone(),
        }
    }

    /// What follows the name in GetParameter's `Name` (and in the answer's `Selector`).
    fn suffix(&self) -> String {
        format!(":{}", self.value())
    }
}

/// The query of `GET /systemsmanager/parameters/get`; also the cache key, as one answer
/// differs from another by exactly these.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ParameterRequest {
    name: String,
    selector: Option<Selector>,
    with_decryption: bool,
}

impl ParameterRequest {
    fn parse(query: &str) -> Result<Self, String> {
        let mut request = ParameterRequest {
            name: String::new(),
            selector: None,
            with_decryption: false,
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "name" => request.name = value.into_owned(),
                // As the extension documents: of `version` and `label`, only the first counts.
                "version" | "label" if request.selector.is_some() => {}
                "version" => {
                    let version = value
                        .parse()
                        .map_err(|_| format!("invalid version value: {value}"))?;
                    request.selector = Some(Selector::Version(version));
                }
                "label" => request.selector = Some(Selector::Label(value.into_owned())),
                "withDecryption" => {
                    request.with_decryption = parse_flag("withDecryption", &value)?;
                }
                other => return Err(format!("unknown parameter: {other}")),
            }
        }
        if request.name.is_empty() {
            return Err("missing parameter name".into());
        }
        Ok(request)
    }

    /// GetParameter's `Name`: the name (or ARN), then `:version` or `:label` if asked.
    fn upstream_name(&self) -> String {
        let suffix = self.selector.as_ref().map(Selector::suffix);
        format!("{}{}", self.name, suffix.unwrap_or_default())
    }
}

/// The cached answers (JSON bodies). Each entry is a cell that one request fills while the
/// others asking for the same thing wait for it, so a burst makes one upstream call; a failed
/// call leaves the cell empty for the next request to try again.
pub(super) struct ParameterCache(Option<moka::sync::Cache<ParameterRequest, Arc<OnceCell<Bytes>>>>);

impl ParameterCache {
    /// As on Lambda: a TTL or a cache size of 0 bypasses the cache.
    pub(super) fn new(ttl_seconds: u64, size: usize) -> Self {
        Self((ttl_seconds > 0 && size > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(size as u64)
                .time_to_live(Duration::from_secs(ttl_seconds))
                .build()
        }))
    }
}

pub(super) async fn answer(state: &ServerState, query: &str) -> (Outcome, Response) {
    let request = match ParameterRequest::parse(query) {
        Ok(request) => request,
        Err(message) => return bad_query(message),
    };
    // A request that waits for another's fetch of the same answer makes no call: a hit.
    let (result, calls) = recorded(async {
        match &state.parameters.0 {
            None => fetch(state, &request).await,
            Some(cache) => {
                let cell = cache.get_with(request.clone(), || Arc::new(OnceCell::new()));
                cell.get_or_try_init(|| fetch(state, &request))
                    .await
                    .cloned()
            }
        }
    })
    .await;
    match result {
        Ok(body) => (
            Outcome::served(calls),
            ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        ),
        Err((status, body)) => (Outcome::Failed, (status, axum::Json(body)).into_response()),
    }
}

/// One upstream read, as the JSON body the extension answers with.
async fn fetch(state: &ServerState, request: &ParameterRequest) -> Result<Bytes, Failure> {
    let parameter = match request.name.strip_prefix(REFERENCE_PREFIX) {
        Some(secret_id) => secret_reference(state, request, secret_id).await?,
        None => parameter(state, request).await?,
    };
    // The Lambda extension's answer carries the SDK's (empty) ResultMetadata.
    let body = json!({"Parameter": parameter, "ResultMetadata": {}});
    Ok(Bytes::from(serde_json::to_vec(&body).unwrap_or_default()))
}

async fn parameter(state: &ServerState, request: &ParameterRequest) -> Result<Value, Failure> {
    let output = state
        .ssm
        .get_parameter()
        .name(request.upstream_name())
        .with_decryption(request.with_decryption)
        .send()
        .await
        .map_err(|e| from_sdk(&e))?;
    let Some(p) = output.parameter() else {
        return Err((
            StatusCode::BAD_GATEWAY,
            json!({"__type": "InternalFailure", "message": "GetParameter returned no parameter"}),
        ));
    };
    // Every field the extension answers with, null where the emulator gives nothing.
    Ok(json!({
        "ARN": p.arn(),
        "DataType": p.data_type(),
        "LastModifiedDate": p.last_modified_date().and_then(iso_date),
        "Name": p.name(),
        "Selector": p.selector().map(str::to_string).or_else(|| request.selector.as_ref().map(Selector::suffix)),
        "SourceResult": p.source_result(),
        "Type": p.r#type().map(|t| t.as_str()),
        "Value": p.value(),
        "Version": p.version(),
    }))
}

/// A Secrets Manager secret read through Parameter Store (`/aws/reference/secretsmanager/…`).
///
/// Parameter Store answers GetParameter for these names from Secrets Manager, but MiniStack
/// does not (ParameterNotFound), so the stand-in asks Secrets Manager itself and shapes the
/// answer as Parameter Store would (as the Lambda extension returns it on AWS: Version 0, the
/// secret's ARN and creation date, its GetSecretValue result in `SourceResult`). It asks
/// uncached: on AWS this read is Parameter Store's, cached under `SSM_PARAMETER_STORE_TTL`
/// with the other parameters, not in the secret cache.
async fn secret_reference(
    state: &ServerState,
    request: &ParameterRequest,
    secret_id: &str,
) -> Result<Value, Failure> {
    if !request.with_decryption {
        return Err((
            StatusCode::BAD_REQUEST,
            json!({"__type": "ValidationException", "message": "WithDecryption flag must be True for retrieving a Secret Manager secret."}),
        ));
    }
    let mut call = state.secrets.get_secret_value().secret_id(secret_id);
    // The selector names a version by its id, or else by a staging label (`AWSPREVIOUS`).
    if let Some(selector) = &request.selector {
        let value = selector.value();
        call = if is_version_id(&value) {
            call.version_id(value)
        } else {
            call.version_stage(value)
        };
    }
    let secret = call.send().await.map_err(|e| {
        let (status, mut body) = from_sdk(&e);
        if body["__type"] == "ResourceNotFoundException" {
            body = json!({"__type": "ParameterNotFound", "message": format!("An error occurred (ParameterNotFound) when referencing Secrets Manager: Secret {} not found.", request.upstream_name())});
        }
        (status, body)
    })?;
    let created = secret.created_date().and_then(iso_date);
    let mut source = serde_json::Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            source.insert(key.to_string(), value);
        }
    };
    put("ARN", json!(secret.arn()));
    put("name", json!(secret.name()));
    put("versionId", json!(secret.version_id()));
    put("secretString", json!(secret.secret_string()));
    put(
        "secretBinary",
        json!(secret
            .secret_binary()
            .map(|b| base64::engine::general_purpose::STANDARD.encode(b.as_ref()))),
    );
    put("versionStages", json!(secret.version_stages()));
    put("createdDate", json!(created));
    Ok(json!({
        "ARN": secret.arn(),
        "DataType": null,
        "LastModifiedDate": created,
        "Name": request.name,
        "Selector": request.selector.as_ref().map(Selector::suffix),
        "SourceResult": Value::Object(source).to_string(),
        "Type": "SecureString",
        "Value": secret.secret_string(),
        "Version": 0,
    }))
}

/// Whether `value` has the shape of a Secrets Manager version id (a UUID).
fn is_version_id(value: &str) -> bool {
    value.len() == 36
        && value.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A date as the extension writes it: ISO 8601 in UTC (`2022-11-16T08:22:40.362Z`).
fn iso_date(date: &DateTime) -> Option<String> {
    date.fmt(Format::DateTime).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queries() {
        let r = ParameterRequest::parse("name=%2Flab%2Fdb&withDecryption=true").unwrap();
        assert_eq!(r.name, "/lab/db");
        assert!(r.with_decryption);
        assert_eq!(r.selector, None);
        assert_eq!(r.upstream_name(), "/lab/db");
        // Omitted means false.
        assert!(!ParameterRequest::parse("name=a").unwrap().with_decryption);
        let arn = "arn:aws:ssm:us-east-1:000000000000:parameter/lab/db";
        let r = ParameterRequest::parse(&format!("name={}", arn.replace(':', "%3A"))).unwrap();
        assert_eq!(r.name, arn);
    }

    #[test]
    fn first_of_version_and_label_wins() {
        let r = ParameterRequest::parse("name=a&version=3&label=dev").unwrap();
        assert_eq!(r.selector, Some(Selector::Version(3)));
        assert_eq!(r.upstream_name(), "a:3");
        let r = ParameterRequest::parse("label=dev&name=a&version=3").unwrap();
        assert_eq!(r.selector, Some(Selector::Label("dev".into())));
        assert_eq!(r.upstream_name(), "a:dev");
        // The one that does not count is not even read.
        let r = ParameterRequest::parse("name=a&label=dev&version=x").unwrap();
        assert_eq!(r.selector, Some(Selector::Label("dev".into())));
    }

    #[test]
    fn refuses_bad_queries() {
        assert!(ParameterRequest::parse("").is_err());
        assert!(ParameterRequest::parse("withDecryption=true").is_err());
        assert!(ParameterRequest::parse("name=").is_err());
        assert!(ParameterRequest::parse("name=a&withDecryption=maybe").is_err());
        assert!(ParameterRequest::parse("name=a&version=two").is_err());
        assert!(ParameterRequest::parse("name=a&color=red").is_err());
        assert!(
            ParameterRequest::parse("name=a&withDecryption=TRUE")
                .unwrap()
                .with_decryption
        );
    }

    #[test]
    fn cache_keys_differ_by_selector_and_decryption() {
        let plain = ParameterRequest::parse("name=a").unwrap();
        let decrypted = ParameterRequest::parse("name=a&withDecryption=true").unwrap();
        let versioned = ParameterRequest::parse("name=a&version=1").unwrap();
        assert_ne!(plain, decrypted);
        assert_ne!(plain, versioned);
        assert_eq!(
            plain,
            ParameterRequest::parse("name=a&withDecryption=false").unwrap()
        );
    }

    #[test]
    fn zero_ttl_or_size_bypasses_the_cache() {
        assert!(ParameterCache::new(0, 1000).0.is_none());
        assert!(ParameterCache::new(300, 0).0.is_none());
        assert!(ParameterCache::new(1, 1).0.is_some());
    }

    #[test]
    fn version_ids_and_dates() {
        assert!(is_version_id("b1c367b9-7f53-4a47-82c4-be51a054b953"));
        assert!(!is_version_id("AWSPREVIOUS"));
        assert!(!is_version_id("3"));
        assert_eq!(
            iso_date(&DateTime::from_millis(1_668_586_960_362)).as_deref(),
            Some("2022-11-16T08:22:40.362Z")
        );
    }
}
