//! The stand-in's HTTP server: the extension's API on loopback, token checked, secrets answered
//! from `aws_secretsmanager_caching` (parameters: `super::parameters`), counters kept live and
//! written off the request path.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_secretsmanager_caching::SecretsManagerCachingClient;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::domain::state::{read_json, write_json_quick, Dirs};
use crate::error::{Code, Error, Result};
use crate::local::emulator::EmulatorState;
use crate::local::process::is_alive;

use super::parameters::{self, ParameterCache};
use super::upstream::{recorded, Counter, Counts, Totals};
use super::{
    lab_file, listen_address, ExtensionConfig, ExtensionStats, LabFile, CONFIG_ENV, STATS_PATH,
    TOKEN_HEADER,
};

/// The extension's two API paths, served by one stand-in on one port.
const SECRETS_PATH: &str = "/secretsmanager/get";
const PARAMETERS_PATH: &str = "/systemsmanager/parameters/get";

pub(super) struct ServerState {
    cache: SecretsManagerCachingClient,
    /// The uncached clients behind the parameters path (secrets referenced through it too).
    pub(super) ssm: aws_sdk_ssm::Client,
    pub(super) secrets: aws_sdk_secretsmanager::Client,
    pub(super) parameters: ParameterCache,
    /// Every upstream call this process made.
    upstream: Arc<Totals>,
    token: String,
    bypass_cache: bool,
    stats: Mutex<ExtensionStats>,
    /// Upstream calls counted by earlier runs of the stand-in (from the stats file).
    upstream_before_start: Counts,
    stats_path: PathBuf,
    /// Wakes the task that writes the counters to `stats_path`.
    stats_changed: tokio::sync::Notify,
    /// One writer of `stats_path` at a time (the background task and the final write share
    /// a temporary file name).
    stats_writing: Mutex<()>,
}

/// Entry point of the hidden `__extension` command.
pub async fn serve_from_env(dirs: Dirs) -> Result<()> {
    let raw = std::env::var(CONFIG_ENV).map_err(|_| {
        Error::local(
            Code::ExtensionByHand,
            "the extension stand-in is started by `secretslab up --local`, not by hand",
            "run `secretslab up --local`",
        )
    })?;
    let config: ExtensionConfig = serde_json::from_str(&raw).map_err(|e| {
        Error::local(
            Code::ExtensionConfig,
            format!("bad extension configuration: {e}"),
            "re-run `secretslab up --local`",
        )
    })?;
    let emulator: EmulatorState = read_json(&dirs.emulator_file()).ok_or_else(|| {
        Error::local(
            Code::EmulatorNotRunning,
            "the local emulator is not running",
            "run `secretslab local start`",
        )
    })?;
    serve(dirs, config, emulator).await
}

pub async fn serve(dirs: Dirs, config: ExtensionConfig, emulator: EmulatorState) -> Result<()> {
    let state = Arc::new(server_state(&dirs, &config, &emulator).await?);
    let writer = tokio::spawn(keep_stats_file(state.clone()));
    let listener = tokio::net::TcpListener::bind(listen_address(config.port))
        .await
        .map_err(|e| {
            Error::local(
                Code::PortInUse,
                format!("could not listen on 127.0.0.1:{}: {e}", config.port),
                "choose another `--extension-port`",
            )
        })?;
    tracing::info!(
        "extension stand-in for `{}` on {}",
        config.lab,
        listen_address(config.port)
    );
    let served = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(shutdown(emulator.pid))
        .await;
    writer.abort();
    write_stats_file(&state);
    served.map_err(|e| {
        Error::local(
            Code::ExtensionFailed,
            format!("the extension server failed: {e}"),
            "re-run `secretslab up --local`",
        )
    })
}

/// The caches, the clients behind them and the counters (resumed from the stats file).
async fn server_state(
    dirs: &Dirs,
    config: &ExtensionConfig,
    emulator: &EmulatorState,
) -> Result<ServerState> {
    let upstream = Counter::default();
    let (secrets, ssm) = clients(config, &upstream).await;
    let size = NonZeroUsize::new(config.cache_size.max(1)).unwrap_or(NonZeroUsize::MIN);
    let cache = SecretsManagerCachingClient::new(
        secrets.clone(),
        size,
        Duration::from_secs(config.ttl_seconds),
        true,
    )
    .map_err(|e| {
        Error::local(
            Code::ExtensionFailed,
            format!("could not create the secret cache: {e}"),
            "re-run `secretslab up --local`",
        )
    })?;
    let stats_path = lab_file(dirs, &config.lab, LabFile::Stats);
    let stats: ExtensionStats = read_json(&stats_path).unwrap_or_default();
    let upstream_before_start = Counts {
        get_secret_value: stats.upstream_get_secret_value,
        describe_secret: stats.upstream_describe_secret,
        get_parameter: stats.upstream_get_parameter,
    };
    Ok(ServerState {
        cache,
        ssm,
        secrets,
        parameters: ParameterCache::new(config.ssm_ttl_seconds, config.cache_size),
        upstream: upstream.0,
        token: emulator.token.clone(),
        // As on Lambda: a TTL or cache size of 0 bypasses the cache.
        bypass_cache: config.ttl_seconds == 0 || config.cache_size == 0,
        stats: Mutex::new(stats),
        upstream_before_start,
        stats_path,
        stats_changed: tokio::sync::Notify::new(),
        stats_writing: Mutex::new(()),
    })
}

/// The stand-in's own Secrets Manager and SSM clients, pointed at the emulator, each operation
/// counted by `upstream` (and by nothing that keeps a list).
async fn clients(
    config: &ExtensionConfig,
    upstream: &Counter,
) -> (aws_sdk_secretsmanager::Client, aws_sdk_ssm::Client) {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&config.endpoint)
        .region(aws_config::Region::new(config.region.clone()))
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "secretslab-local",
        ))
        .load()
        .await;
    let secrets = aws_sdk_secretsmanager::config::Builder::from(&sdk)
        .interceptor(upstream.clone())
        .build();
    let ssm = aws_sdk_ssm::config::Builder::from(&sdk)
        .interceptor(upstream.clone())
        .build();
    (
        aws_sdk_secretsmanager::Client::from_conf(secrets),
        aws_sdk_ssm::Client::from_conf(ssm),
    )
}

fn router(state: Arc<ServerState>) -> axum::Router {
    axum::Router::new()
        .route(SECRETS_PATH, axum::routing::any(api))
        .route(PARAMETERS_PATH, axum::routing::any(api))
        // AWS's own examples spell it both ways.
        .route(&format!("{PARAMETERS_PATH}/"), axum::routing::any(api))
        .route(STATS_PATH, axum::routing::get(get_stats))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found") })
        .with_state(state)
}

/// The stand-in lives as long as the emulator it serves, or until `local stop` asks it to end.
async fn shutdown(emulator_pid: u32) {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let emulator_gone = async {
        while is_alive(emulator_pid) {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    tokio::select! {
        () = emulator_gone => {}
        Some(()) = async { terminate.as_mut()?.recv().await } => {}
    }
}

/// Writes the counters to their file whenever they change, off the request path.
async fn keep_stats_file(state: Arc<ServerState>) {
    loop {
        state.stats_changed.notified().await;
        let state = state.clone();
        let _ = tokio::task::spawn_blocking(move || write_stats_file(&state)).await;
    }
}

fn write_stats_file(state: &ServerState) {
    let Ok(_writing) = state.stats_writing.lock() else {
        return;
    };
    let Ok(snapshot) = state.stats.lock().map(|stats| stats.clone()) else {
        return;
    };
    if let Err(e) = write_json_quick(&state.stats_path, &snapshot) {
        tracing::warn!("could not write extension counters: {e}");
    }
}

pub(super) enum Outcome {
    Hit,
    Miss,
    Revalidated,
    Refused,
    Failed,
}

impl Outcome {
    /// A served request's outcome, from the upstream calls it made itself: a value fetched
    /// is a miss, a DescribeSecret alone a revalidation, no call a hit.
    pub(super) fn served(calls: Counts) -> Outcome {
        if calls.get_secret_value > 0 || calls.get_parameter > 0 {
            Outcome::Miss
        } else if calls.describe_secret > 0 {
            Outcome::Revalidated
        } else {
            Outcome::Hit
        }
    }
}

/// The counters, for the CLI: token checked like every other request, never counted.
async fn get_stats(State(state): State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    if let Some(refused) = refuse(&state, &headers) {
        return refused;
    }
    match state.stats.lock() {
        Ok(stats) => axum::Json(stats.clone()).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The extension's answer to a forwarded request or a missing or wrong token.
fn refuse(state: &ServerState, headers: &HeaderMap) -> Option<Response> {
    if headers.contains_key("x-forwarded-for") {
        return Some((StatusCode::BAD_REQUEST, "Forwarded").into_response());
    }
    let token_ok = headers
        .get(TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == state.token);
    (!token_ok).then(|| (StatusCode::FORBIDDEN, "Bad Token").into_response())
}

/// Both halves of the extension's API: refused, answered and counted alike.
async fn api(
    State(state): State<Arc<ServerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let query = uri.query().unwrap_or_default();
    let (outcome, response) = if let Some(refused) = refuse(&state, &headers) {
        (Outcome::Refused, refused)
    } else if method != Method::GET {
        (
            Outcome::Refused,
            (StatusCode::METHOD_NOT_ALLOWED, "Not allowed").into_response(),
        )
    } else if uri.path().starts_with(PARAMETERS_PATH) {
        parameters::answer(&state, query).await
    } else {
        answer(&state, query).await
    };
    record(&state, outcome);
    response
}

/// A query the extension does not understand.
pub(super) fn bad_query(message: String) -> (Outcome, Response) {
    (
        Outcome::Refused,
        (StatusCode::BAD_REQUEST, message).into_response(),
    )
}

async fn answer(state: &ServerState, query: &str) -> (Outcome, Response) {
    let request = match SecretRequest::parse(query) {
        Ok(request) => request,
        Err(message) => return bad_query(message),
    };
    let (result, calls) = recorded(async {
        state
            .cache
            .get_secret_value(
                &request.secret_id,
                request.version_id.as_deref(),
                request.version_stage.as_deref(),
                request.refresh_now || state.bypass_cache,
            )
            .await
            // The crate's error is not Send: turn it into an owned answer right away.
            .map_err(|e| upstream_error(e.as_ref()))
    })
    .await;
    match result {
        Ok(value) => {
            let mut body = serde_json::to_value(&value).unwrap_or_default();
            // The Lambda extension's answer carries the SDK's (empty) ResultMetadata; the Agent's does not.
            if let Some(map) = body.as_object_mut() {
                map.insert("ResultMetadata".into(), serde_json::json!({}));
            }
            (
                Outcome::served(calls),
                (StatusCode::OK, axum::Json(body)).into_response(),
            )
        }
        Err((status, body)) => (Outcome::Failed, (status, axum::Json(body)).into_response()),
    }
}

fn record(state: &ServerState, outcome: Outcome) {
    let Ok(mut stats) = state.stats.lock() else {
        return;
    };
    stats.requests += 1;
    match outcome {
        Outcome::Hit => stats.hits += 1,
        Outcome::Miss => stats.misses += 1,
        Outcome::Revalidated => stats.revalidations += 1,
        Outcome::Refused => stats.refused += 1,
        Outcome::Failed => stats.errors += 1,
    }
    if matches!(outcome, Outcome::Hit | Outcome::Miss | Outcome::Revalidated) {
        stats.served += 1;
    }
    // Counters persist across restarts of the stand-in: add this process's calls to what the file had.
    let upstream = state.upstream_before_start.plus(state.upstream.now());
    stats.upstream_get_secret_value = upstream.get_secret_value;
    stats.upstream_describe_secret = upstream.describe_secret;
    stats.upstream_get_parameter = upstream.get_parameter;
    drop(stats);
    state.stats_changed.notify_one();
}

/// An upstream failure as the stand-in answers it: a status and a `__type`/`message` body.
pub(super) type Failure = (StatusCode, serde_json::Value);

/// Map an SDK failure (of any service) to the Agent's answer: the upstream status with
/// `__type`/`message`, 504 for timeouts, 502 for connection errors, 500 otherwise. Upstream
/// messages name what was asked for, never a value.
pub(super) fn from_sdk<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure {
    match err {
        SdkError::ServiceError(service) => {
            let status = StatusCode::from_u16(service.raw().status().as_u16())
                .unwrap_or(StatusCode::BAD_REQUEST);
            (
                status,
                serde_json::json!({"__type": service.err().code().unwrap_or("UnknownError"), "message": service.err().message().unwrap_or_default()}),
            )
        }
        SdkError::TimeoutError(_) => (
            StatusCode::GATEWAY_TIMEOUT,
            serde_json::json!({"__type": "TimeoutError"}),
        ),
        SdkError::DispatchFailure(_) => (
            StatusCode::BAD_GATEWAY,
            serde_json::json!({"__type": "ConnectionError"}),
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"__type": "InternalFailure"}),
        ),
    }
}

/// The secret cache's (boxed) failure, mapped by the SDK error inside it.
fn upstream_error(err: &(dyn std::error::Error + 'static)) -> Failure {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(sdk) = e.downcast_ref::<SdkError<GetSecretValueError, HttpResponse>>() {
            return from_sdk(sdk);
        }
        if let Some(sdk) = e.downcast_ref::<SdkError<DescribeSecretError, HttpResponse>>() {
            return from_sdk(sdk);
        }
        current = e.source();
    }
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        serde_json::json!({"__type": "InternalFailure"}),
    )
}

/// The query of `GET /secretsmanager/get`.
#[derive(Debug, PartialEq, Eq)]
struct SecretRequest {
    secret_id: String,
    version_id: Option<String>,
    version_stage: Option<String>,
    refresh_now: bool,
}

impl SecretRequest {
    fn parse(query: &str) -> std::result::Result<Self, String> {
        let mut request = SecretRequest {
            secret_id: String::new(),
            version_id: None,
            version_stage: None,
            refresh_now: false,
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "secretId" => request.secret_id = value.into_owned(),
                "versionId" => request.version_id = Some(value.into_owned()),
                "versionStage" => request.version_stage = Some(value.into_owned()),
                "refreshNow" => request.refresh_now = parse_flag("refreshNow", &value)?,
                other => return Err(format!("unknown parameter: {other}")),
            }
        }
        if request.secret_id.is_empty() {
            return Err("missing parameter secretId".into());
        }
        Ok(request)
    }
}

/// A true/false query value (`true`/`false` in any case, or `1`/`0`).
pub(super) fn parse_flag(key: &str, value: &str) -> std::result::Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(format!("invalid {key} value: {value}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queries() {
        let r =
            SecretRequest::parse("secretId=lab%2Fcredentials&versionStage=AWSPREVIOUS").unwrap();
        assert_eq!(r.secret_id, "lab/credentials");
        assert_eq!(r.version_stage.as_deref(), Some("AWSPREVIOUS"));
        assert!(SecretRequest::parse("").is_err());
        assert!(SecretRequest::parse("secretId=a&color=red").is_err());
        assert!(SecretRequest::parse("secretId=a&refreshNow=maybe").is_err());
    }
}
