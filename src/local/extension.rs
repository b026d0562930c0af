//! The local stand-in for the AWS Parameters and Secrets Lambda Extension.
//!
//! MiniStack accepts the extension layer but runs nothing on its port, so for each lab the CLI
//! runs this server: the extension's HTTP API on 127.0.0.1 only, token checked, caching through
//! AWS's own `aws_secretsmanager_caching` crate pointed at the emulator. It counts the upstream
//! Secrets Manager calls so `test --local` can report exact hits and misses: the CLI reads the
//! counters from the running stand-in (`GET /secretslab/stats`, token checked), and a file
//! keeps them across restarts, written off the request path so a cache hit pays no disk I/O.

use std::net::{Ipv4Addr, SocketAddr};
use std::num::NonZeroUsize;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;
use aws_secretsmanager_caching::SecretsManagerCachingClient;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::aws::CallLog;
use crate::cli::ExtensionKind;
use crate::error::{Error, Result};
use crate::lab::state::{read_json, remove_file, write_json, write_json_quick, Dirs};
use crate::local::emulator::EmulatorState;
use crate::local::process::{http_get, is_alive, port_open, stop_group};

/// Header carrying the caller's session token, as the real extension requires.
pub const TOKEN_HEADER: &str = "x-aws-parameters-secrets-token";
/// Environment variable the stand-in process reads its configuration from.
const CONFIG_ENV: &str = "SECRETSLAB_EXTENSION_CONFIG";
/// Where `local start --extension agent` finds the Agent when it is not on PATH.
const AGENT_BIN_ENV: &str = "SECRETSLAB_AGENT_BIN";
/// The stand-in's own path (not part of the extension's API) that serves its counters.
const STATS_PATH: &str = "/secretslab/stats";

/// How one lab's stand-in is configured: from the same values `up` sets on the function.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExtensionConfig {
    pub lab: String,
    pub port: u16,
    pub ttl_seconds: u64,
    pub cache_size: usize,
    pub endpoint: String,
    pub region: String,
}

/// A running stand-in, recorded in the state directory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExtensionProcess {
    pub pid: u32,
    pub kind: ExtensionKind,
    pub config: ExtensionConfig,
}

/// Counters the stand-in keeps: served live to the CLI, and kept in a file across restarts.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExtensionStats {
    pub requests: u64,
    pub served: u64,
    pub refused: u64,
    pub errors: u64,
    /// Served from the cache without any upstream call.
    pub hits: u64,
    /// Served after a GetSecretValue call.
    pub misses: u64,
    /// Served from the cache after a DescribeSecret showed the cached version is still current.
    pub revalidations: u64,
    pub upstream_get_secret_value: u64,
    pub upstream_describe_secret: u64,
}

impl ExtensionStats {
    pub fn upstream_calls(&self) -> u64 {
        self.upstream_get_secret_value + self.upstream_describe_secret
    }

    /// Counters accumulated since `earlier`.
    pub fn since(&self, earlier: &ExtensionStats) -> ExtensionStats {
        ExtensionStats {
            requests: self.requests.saturating_sub(earlier.requests),
            served: self.served.saturating_sub(earlier.served),
            refused: self.refused.saturating_sub(earlier.refused),
            errors: self.errors.saturating_sub(earlier.errors),
            hits: self.hits.saturating_sub(earlier.hits),
            misses: self.misses.saturating_sub(earlier.misses),
            revalidations: self.revalidations.saturating_sub(earlier.revalidations),
            upstream_get_secret_value: self
                .upstream_get_secret_value
                .saturating_sub(earlier.upstream_get_secret_value),
            upstream_describe_secret: self
                .upstream_describe_secret
                .saturating_sub(earlier.upstream_describe_secret),
        }
    }
}

fn process_file(dirs: &Dirs, lab: &str) -> PathBuf {
    dirs.extension_dir().join(format!("{lab}.json"))
}

fn stats_file(dirs: &Dirs, lab: &str) -> PathBuf {
    dirs.extension_dir().join(format!("{lab}.stats.json"))
}

pub fn log_file(dirs: &Dirs, lab: &str) -> PathBuf {
    dirs.extension_dir().join(format!("{lab}.log"))
}

/// A lab's counters: asked of its running stand-in (exact at this moment), else from the file
/// the stand-in keeps (after a restart or once the emulator has stopped).
pub fn read_stats(dirs: &Dirs, lab: &str) -> Option<ExtensionStats> {
    live_stats(dirs, lab).or_else(|| read_json(&stats_file(dirs, lab)))
}

fn live_stats(dirs: &Dirs, lab: &str) -> Option<ExtensionStats> {
    let process = running(dirs, lab).filter(|p| p.kind == ExtensionKind::Standin)?;
    let emulator: EmulatorState = read_json(&dirs.emulator_file())?;
    let (status, body) = http_get(
        process.config.port,
        STATS_PATH,
        &[(TOKEN_HEADER, emulator.token.as_str())],
    )?;
    if status != 200 {
        return None;
    }
    serde_json::from_slice(&body).ok()
}

/// The address the stand-in listens on. Only a port can be chosen: the host is always
/// loopback, so no configuration can expose the secret cache to the network.
pub fn listen_address(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
}

/// The running stand-in of a lab, if any.
pub fn running(dirs: &Dirs, lab: &str) -> Option<ExtensionProcess> {
    let process: ExtensionProcess = read_json(&process_file(dirs, lab))?;
    is_alive(process.pid).then_some(process)
}

/// Make sure the lab's stand-in runs with `config`; restart it when the configuration changed.
pub fn ensure_running(
    dirs: &Dirs,
    emulator: &EmulatorState,
    config: ExtensionConfig,
) -> Result<ExtensionProcess> {
    if let Some(process) = running(dirs, &config.lab) {
        if process.config == config && process.kind == emulator.extension && port_open(config.port)
        {
            return Ok(process);
        }
        stop(dirs, &config.lab)?;
    }
    crate::lab::state::ensure_private_dir(&dirs.extension_dir())?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_file(dirs, &config.lab))
        .map_err(|e| Error::io("opening the extension log", e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| Error::io("opening the extension log", e))?;
    let mut command = match emulator.extension {
        ExtensionKind::Standin => {
            let exe = std::env::current_exe()
                .map_err(|e| Error::io("finding the secretslab binary", e))?;
            let mut command = Command::new(exe);
            command.arg("__extension").env(
                CONFIG_ENV,
                serde_json::to_string(&config).unwrap_or_default(),
            );
            command
        }
        ExtensionKind::Agent => agent_command(dirs, emulator, &config)?,
    };
    let mut child = command
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .process_group(0)
        .spawn()
        .map_err(|e| {
            Error::local(
                format!("could not start the local extension: {e}"),
                "run `secretslab doctor`",
            )
        })?;
    let process = ExtensionProcess {
        pid: child.id(),
        kind: emulator.extension,
        config: config.clone(),
    };
    write_json(&process_file(dirs, &config.lab), &process)?;
    let deadline = Instant::now() + Duration::from_secs(15);
    while !port_open(config.port) {
        if let Ok(Some(status)) = child.try_wait() {
            remove_file(&process_file(dirs, &config.lab))?;
            return Err(Error::local(
                format!("the local extension exited during start-up ({status})"),
                format!("see {}", log_file(dirs, &config.lab).display()),
            ));
        }
        if Instant::now() > deadline {
            stop(dirs, &config.lab)?;
            return Err(Error::local(
                format!(
                    "the local extension did not open port {} within 15 s",
                    config.port
                ),
                format!("see {}", log_file(dirs, &config.lab).display()),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(process)
}

/// AWS's open-source Secrets Manager Agent, configured like the stand-in.
fn agent_command(
    dirs: &Dirs,
    emulator: &EmulatorState,
    config: &ExtensionConfig,
) -> Result<Command> {
    let binary = agent_binary().ok_or_else(|| {
        Error::local(
            "the AWS Secrets Manager Agent (`aws_secretsmanager_agent`) is not installed",
            "install it with `cargo install aws_secretsmanager_agent` (or name it in SECRETSLAB_AGENT_BIN), or use `secretslab local start` (the built-in stand-in)",
        )
    })?;
    let toml = format!(
        "http_port = \"{}\"\nttl_seconds = \"{}\"\ncache_size = \"{}\"\nregion = \"{}\"\nlog_level = \"INFO\"\nlog_to_file = false\nvalidate_credentials = false\n",
        config.port,
        config.ttl_seconds.max(1),
        config.cache_size.max(1),
        config.region
    );
    let path = dirs
        .extension_dir()
        .join(format!("{}.agent.toml", config.lab));
    std::fs::write(&path, toml).map_err(|e| Error::io("writing the agent configuration", e))?;
    let mut command = Command::new(binary);
    command
        .arg("--config")
        .arg(path)
        .env("AWS_TOKEN", &emulator.token)
        .env("AWS_ENDPOINT_URL", &config.endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", &config.region);
    Ok(command)
}

/// The Agent named by `SECRETSLAB_AGENT_BIN`, else the first `aws_secretsmanager_agent` on PATH.
fn agent_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(AGENT_BIN_ENV) {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("aws_secretsmanager_agent"))
            .find(|path| path.is_file())
    })
}

/// Stop one lab's stand-in.
pub fn stop(dirs: &Dirs, lab: &str) -> Result<Option<u32>> {
    let path = process_file(dirs, lab);
    let Some(process) = read_json::<ExtensionProcess>(&path) else {
        return Ok(None);
    };
    stop_group(process.pid, Duration::from_secs(3));
    remove_file(&path)?;
    Ok(Some(process.pid))
}

/// Stop a lab's stand-in and drop its counters and log (the lab is gone).
pub fn forget(dirs: &Dirs, lab: &str) -> Result<()> {
    stop(dirs, lab)?;
    remove_file(&stats_file(dirs, lab))?;
    remove_file(&log_file(dirs, lab))
}

/// Stop every lab's stand-in (with the emulator).
pub fn stop_all(dirs: &Dirs) -> Result<Vec<u32>> {
    let mut stopped = Vec::new();
    let Ok(entries) = std::fs::read_dir(dirs.extension_dir()) else {
        return Ok(stopped);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(lab) = name
            .strip_suffix(".json")
            .filter(|l| !l.ends_with(".stats"))
        {
            if let Some(pid) = stop(dirs, lab)? {
                stopped.push(pid);
            }
        }
    }
    Ok(stopped)
}

// ---- the server ------------------------------------------------------------------------

struct ServerState {
    cache: SecretsManagerCachingClient,
    calls: CallLog,
    token: String,
    bypass_cache: bool,
    stats: Mutex<ExtensionStats>,
    /// Upstream calls counted by earlier runs of the stand-in (from the stats file).
    upstream_before_start: (u64, u64),
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
            "the extension stand-in is started by `secretslab up --local`, not by hand",
            "run `secretslab up --local`",
        )
    })?;
    let config: ExtensionConfig = serde_json::from_str(&raw).map_err(|e| {
        Error::local(
            format!("bad extension configuration: {e}"),
            "re-run `secretslab up --local`",
        )
    })?;
    let emulator: EmulatorState = read_json(&dirs.emulator_file()).ok_or_else(|| {
        Error::local(
            "the local emulator is not running",
            "run `secretslab local start`",
        )
    })?;
    serve(dirs, config, emulator).await
}

pub async fn serve(dirs: Dirs, config: ExtensionConfig, emulator: EmulatorState) -> Result<()> {
    let calls = CallLog::default();
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
    let client = aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(&sdk)
            .interceptor(calls.clone())
            .build(),
    );
    let size = NonZeroUsize::new(config.cache_size.max(1)).unwrap_or(NonZeroUsize::MIN);
    let cache = SecretsManagerCachingClient::new(
        client,
        size,
        Duration::from_secs(config.ttl_seconds),
        true,
    )
    .map_err(|e| {
        Error::local(
            format!("could not create the secret cache: {e}"),
            "re-run `secretslab up --local`",
        )
    })?;
    let stats_path = stats_file(&dirs, &config.lab);
    let stats: ExtensionStats = read_json(&stats_path).unwrap_or_default();
    let upstream_before_start = (
        stats.upstream_get_secret_value,
        stats.upstream_describe_secret,
    );
    let state = Arc::new(ServerState {
        cache,
        calls,
        token: emulator.token.clone(),
        // As on Lambda: a TTL or cache size of 0 bypasses the cache.
        bypass_cache: config.ttl_seconds == 0 || config.cache_size == 0,
        stats: Mutex::new(stats),
        upstream_before_start,
        stats_path,
        stats_changed: tokio::sync::Notify::new(),
        stats_writing: Mutex::new(()),
    });
    let writer = tokio::spawn(keep_stats_file(state.clone()));
    let app = axum::Router::new()
        .route("/secretsmanager/get", axum::routing::any(get_secret))
        .route(STATS_PATH, axum::routing::get(get_stats))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found") })
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind(listen_address(config.port))
        .await
        .map_err(|e| {
            Error::local(
                format!("could not listen on 127.0.0.1:{}: {e}", config.port),
                "choose another `--extension-port`",
            )
        })?;
    tracing::info!(
        "extension stand-in for `{}` on {}",
        config.lab,
        listen_address(config.port)
    );
    let emulator_pid = emulator.pid;
    // The stand-in lives as long as the emulator it serves, or until `local stop` asks it to end.
    let shutdown = async move {
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
    };
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    writer.abort();
    write_stats_file(&state);
    served.map_err(|e| {
        Error::local(
            format!("the extension server failed: {e}"),
            "re-run `secretslab up --local`",
        )
    })
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

enum Outcome {
    Hit,
    Miss,
    Revalidated,
    Refused,
    Failed,
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

async fn get_secret(
    State(state): State<Arc<ServerState>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let (outcome, response) = answer(&state, &method, &headers, query.as_deref()).await;
    record(&state, outcome);
    response
}

async fn answer(
    state: &ServerState,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
) -> (Outcome, Response) {
    if let Some(refused) = refuse(state, headers) {
        return (Outcome::Refused, refused);
    }
    if method != Method::GET {
        return (
            Outcome::Refused,
            (StatusCode::METHOD_NOT_ALLOWED, "Not allowed").into_response(),
        );
    }
    let request = match SecretRequest::parse(query.unwrap_or_default()) {
        Ok(request) => request,
        Err(message) => {
            return (
                Outcome::Refused,
                (StatusCode::BAD_REQUEST, message).into_response(),
            )
        }
    };
    let before = upstream_counts(&state.calls);
    let result = state
        .cache
        .get_secret_value(
            &request.secret_id,
            request.version_id.as_deref(),
            request.version_stage.as_deref(),
            request.refresh_now || state.bypass_cache,
        )
        .await
        // The crate's error is not Send: turn it into an owned answer right away.
        .map_err(|e| upstream_error(e.as_ref()));
    let after = upstream_counts(&state.calls);
    match result {
        Ok(value) => {
            let mut body = serde_json::to_value(&value).unwrap_or_default();
            // The Lambda extension's answer carries the SDK's (empty) ResultMetadata; the Agent's does not.
            if let Some(map) = body.as_object_mut() {
                map.insert("ResultMetadata".into(), serde_json::json!({}));
            }
            let outcome = if after.0 > before.0 {
                Outcome::Miss
            } else if after.1 > before.1 {
                Outcome::Revalidated
            } else {
                Outcome::Hit
            };
            (outcome, (StatusCode::OK, axum::Json(body)).into_response())
        }
        Err((status, body)) => (Outcome::Failed, (status, axum::Json(body)).into_response()),
    }
}

fn upstream_counts(calls: &CallLog) -> (u64, u64) {
    let operations = calls.operations();
    let count = |name: &str| operations.iter().filter(|op| op.ends_with(name)).count() as u64;
    (count(".GetSecretValue"), count(".DescribeSecret"))
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
    let (gsv, describe) = upstream_counts(&state.calls);
    // Counters persist across restarts of the stand-in: add this process's calls to what the file had.
    stats.upstream_get_secret_value = state.upstream_before_start.0 + gsv;
    stats.upstream_describe_secret = state.upstream_before_start.1 + describe;
    drop(stats);
    state.stats_changed.notify_one();
}

/// Map an upstream failure to the Agent's answer: the upstream status with `__type`/`message`,
/// 504 for timeouts, 502 for connection errors, 500 otherwise.
fn upstream_error(err: &(dyn std::error::Error + 'static)) -> (StatusCode, serde_json::Value) {
    fn from_sdk<E: ProvideErrorMetadata>(
        err: &SdkError<E, HttpResponse>,
    ) -> (StatusCode, serde_json::Value) {
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
                "refreshNow" => {
                    request.refresh_now = match value.as_ref() {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(format!("invalid refreshNow value: {value}")),
                    }
                }
                other => return Err(format!("unknown parameter: {other}")),
            }
        }
        if request.secret_id.is_empty() {
            return Err("missing parameter secretId".into());
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listens_on_loopback_only() {
        for port in [1024, 2773, 65535] {
            assert!(listen_address(port).ip().is_loopback());
        }
    }

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

    #[test]
    fn stats_difference() {
        let a = ExtensionStats {
            requests: 2,
            hits: 1,
            misses: 1,
            upstream_get_secret_value: 1,
            ..Default::default()
        };
        let b = ExtensionStats {
            requests: 7,
            hits: 5,
            misses: 2,
            upstream_get_secret_value: 2,
            ..Default::default()
        };
        let d = b.since(&a);
        assert_eq!(
            (d.requests, d.hits, d.misses, d.upstream_calls()),
            (5, 4, 1, 1)
        );
    }
}
