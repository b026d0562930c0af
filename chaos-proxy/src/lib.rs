//! A latency- and fault-injecting HTTP proxy for tests.
//!
//! The proxy sits between the AWS SDK (configured with the proxy's
//! [`Proxy::endpoint`] as its endpoint URL) and a local AWS emulator. For every
//! request it works out the AWS service and operation, then:
//!
//! 1. waits the configured latency for that `Service.Operation`;
//! 2. unless the operation is listed in [`ProxyConfig::fault_free_operations`],
//!    may drop the connection, answer with the service's throttling error or
//!    answer HTTP 503 — without forwarding;
//! 3. may refuse a Lambda `CreateFunction`/`UpdateFunctionConfiguration` that
//!    names an IAM role created moments ago (IAM propagation delay);
//! 4. forwards the request to the upstream emulator;
//! 5. may present a freshly created Lambda function as `Pending`;
//! 6. may drop the connection after the upstream has acted on the request
//!    (again subject to `fault_free_operations`);
//! 7. records a [`CallRecord`], available through [`Proxy::calls`].
//!
//! Injected errors have the status, headers and body the real services send,
//! so the SDK classifies them (throttling, transient, modelled) as it would in
//! production.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use chaos_proxy::{Latency, Proxy, ProxyConfig};
//!
//! let proxy = Proxy::start(ProxyConfig {
//!     upstream: "http://127.0.0.1:4566".into(),
//!     default_latency: Latency { base_ms: 20, jitter_ms: 10 },
//!     throttle_rate: 0.1,
//!     seed: 7,
//!     ..ProxyConfig::default()
//! })
//! .await?;
//! // Point the SDK at `proxy.endpoint()` ...
//! for call in proxy.calls() {
//!     println!("{}.{} -> {} {:?}", call.service, call.operation, call.status, call.fault);
//! }
//! proxy.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod identify;
mod responses;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderName, CONTENT_LENGTH, CONTENT_TYPE, HOST};
use hyper::http::request::Parts;
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use identify::{credential_scope, form_value, identify, normalise_function_name, CallId, Protocol};
use responses::Answer;

/// Default for [`ProxyConfig::max_lifetime_ms`] when it is 0: ten minutes.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(600);

/// A latency to add to a call: `base_ms` plus a uniformly random `[0, jitter_ms]`.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Latency {
    /// Fixed part of the delay, in milliseconds.
    pub base_ms: u64,
    /// Upper bound of the random extra delay, in milliseconds (inclusive).
    pub jitter_ms: u64,
}

/// What the proxy forwards to, and which latency and faults it injects.
///
/// Every field has a default (see [`Default`]), so a JSON config file only
/// needs the fields it changes. Rates are fractions in `[0, 1]`; the three
/// before-forwarding faults are drawn from one roll, so `reset_rate +
/// throttle_rate + server_error_rate` should not exceed 1.
#[derive(Clone, Debug, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ProxyConfig {
    /// Base URL of the emulator, e.g. `http://127.0.0.1:4566` (plain HTTP only).
    pub upstream: String,
    /// Latency for calls with no entry in [`ProxyConfig::latency`].
    pub default_latency: Latency,
    /// Latency per `"Service.Operation"` (e.g. `"IAM.CreateRole"`) or per
    /// `"Service.*"`; the most specific key wins, then `default_latency`.
    /// Service names are SDK service ids: `IAM`, `STS`, `Lambda`,
    /// `Secrets Manager`, `CloudWatch Logs`, `SSM`.
    pub latency: BTreeMap<String, Latency>,
    /// Fraction of calls answered with the service's throttling error (not forwarded).
    pub throttle_rate: f64,
    /// Fraction of calls answered with HTTP 503 service-unavailable (not forwarded).
    pub server_error_rate: f64,
    /// Fraction of calls whose connection is closed, with no answer, before forwarding.
    pub reset_rate: f64,
    /// Fraction of calls forwarded (so the change happens upstream) whose answer is
    /// then dropped by closing the connection.
    pub reset_after_forward_rate: f64,
    /// IAM propagation delay: for this long after a role was created through the
    /// proxy, Lambda `CreateFunction`/`UpdateFunctionConfiguration` naming it fail
    /// with "The role defined for the function cannot be assumed by Lambda.".
    /// Roles the proxy never saw created are not delayed. 0 = off.
    pub iam_propagation_ms: u64,
    /// For this long after `CreateFunction` succeeded, `GetFunction` and
    /// `GetFunctionConfiguration` report the function as `Pending` and `Invoke`
    /// fails with `ResourceConflictException`. 0 = off.
    pub pending_after_create_ms: u64,
    /// Seed of the random generator behind jitter and fault rolls.
    pub seed: u64,
    /// The proxy stops by itself after this many milliseconds (0 = 10 minutes).
    pub max_lifetime_ms: u64,
    /// `"Service.Operation"` names never given a random fault (reset, throttle,
    /// 503, reset after forward). Latency, IAM propagation and `Pending`
    /// emulation still apply; they have their own settings.
    pub fault_free_operations: Vec<String>,
    /// Lambda's control-plane rate limit, in requests per second per caller and region
    /// (AWS: 15 for every Lambda operation but `Invoke`, `GetFunction` and `GetPolicy`).
    /// A token bucket per access key id and region, holding one second of requests; a
    /// call that finds it empty gets Lambda's throttling error and is not forwarded. 0 = off.
    pub lambda_control_plane_rate: f64,
}

/// A fault the proxy injected into a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Answered with the service's throttling error; not forwarded.
    Throttled,
    /// Answered HTTP 503; not forwarded.
    ServerError,
    /// Connection closed without an answer; not forwarded.
    Reset,
    /// Forwarded, then the connection was closed instead of answering.
    ResetAfterForward,
    /// Lambda refused a role that has not "propagated" yet; not forwarded.
    RoleNotAssumable,
    /// The function was presented as `Pending` (rewritten state, or `Invoke` refused).
    Pending,
    /// Over [`ProxyConfig::lambda_control_plane_rate`]: throttled; not forwarded.
    RateExceeded,
}

/// One call seen by the proxy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallRecord {
    /// SDK service id, e.g. `IAM`, `Secrets Manager`; `Unknown` if unrecognised.
    pub service: String,
    /// Operation name, e.g. `CreateRole`; `Unknown` if unrecognised.
    pub operation: String,
    /// HTTP status sent to the client; 0 when the connection was dropped.
    pub status: u16,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
    /// When the call arrived, in milliseconds since the proxy started.
    pub started_ms: f64,
    /// How long the proxy took to answer (or drop) the call, in milliseconds.
    pub elapsed_ms: f64,
}

/// A running proxy, listening on `127.0.0.1` only.
///
/// Dropping it signals the server to stop (without waiting); use
/// [`Proxy::shutdown`] to stop it and wait until it has.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    done: Option<oneshot::Receiver<()>>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("endpoint", &self.endpoint())
            .field("upstream", &self.shared.upstream_base)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Start a proxy for `config` on `127.0.0.1` with an ephemeral port.
    ///
    /// The server is spawned on the current tokio runtime when it is a
    /// multi-threaded one. Otherwise (a current-thread runtime, or no tokio
    /// runtime at all) it gets its own runtime on a background thread, so it
    /// keeps answering while the caller's thread blocks (e.g. waiting for a
    /// child process that talks to the proxy).
    ///
    /// Fails if `config.upstream` is not an `http://` URL or the port cannot be bound.
    pub async fn start(config: ProxyConfig) -> io::Result<Proxy> {
        let upstream_base = upstream_base(&config.upstream)?;
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;

        let lifetime = match config.max_lifetime_ms {
            0 => DEFAULT_LIFETIME,
            ms => Duration::from_millis(ms),
        };
        let shared = Arc::new(Shared::new(config, upstream_base));
        let (stop_tx, stop_rx) = oneshot::channel();
        let (done_tx, done_rx) = oneshot::channel();

        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                let listener = {
                    let _entered = handle.enter();
                    TcpListener::from_std(listener)?
                };
                handle.spawn(serve(listener, shared.clone(), stop_rx, done_tx, lifetime));
            }
            _ => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("chaos-proxy")
                    .enable_all()
                    .build()?;
                let listener = {
                    let _entered = runtime.enter();
                    TcpListener::from_std(listener)?
                };
                let server = serve(listener, shared.clone(), stop_rx, done_tx, lifetime);
                std::thread::Builder::new()
                    .name("chaos-proxy".into())
                    .spawn(move || runtime.block_on(server))?;
            }
        }

        Ok(Proxy {
            addr,
            shared,
            stop: Some(stop_tx),
            done: Some(done_rx),
        })
    }

    /// The URL to give the SDK as its endpoint: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every call recorded so far, in the order they completed.
    pub fn calls(&self) -> Vec<CallRecord> {
        lock(&self.shared.calls).clone()
    }

    /// Forget the calls recorded so far.
    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    /// Stop the server and wait until it has stopped; open connections are closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(done) = self.done.take() {
            let _ = done.await;
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Lock a mutex, recovering the data if a holder panicked.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `scheme://host:port[/prefix]` of the upstream, without a trailing `/`.
fn upstream_base(upstream: &str) -> io::Result<String> {
    let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidInput, why);
    let url = url::Url::parse(upstream)
        .map_err(|e| invalid(format!("upstream {upstream:?} is not a URL: {e}")))?;
    if url.scheme() != "http" || url.host_str().is_none() {
        return Err(invalid(format!(
            "upstream {upstream:?} must be an http:// URL with a host"
        )));
    }
    Ok(format!(
        "{}{}",
        url.origin().ascii_serialization(),
        url.path().trim_end_matches('/')
    ))
}

/// State shared by all connections of one proxy.
struct Shared {
    config: ProxyConfig,
    upstream_base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    /// How many calls have arrived: each call's random rolls come from a generator seeded with
    /// the proxy's seed and the call's number, so a seed decides the faults however concurrent
    /// calls interleave.
    calls_arrived: AtomicU64,
    started: Instant,
    calls: Mutex<Vec<CallRecord>>,
    fault_free: HashSet<String>,
    /// Role name -> when its creation was forwarded successfully.
    roles_created: Mutex<HashMap<String, Instant>>,
    /// Function name -> when its creation was forwarded successfully.
    functions_created: Mutex<HashMap<String, Instant>>,
    /// (access key id, region) -> Lambda control-plane token bucket.
    lambda_buckets: Mutex<HashMap<(String, String), TokenBucket>>,
}

/// Requests a caller may still make now, refilled continuously at the rate.
struct TokenBucket {
    tokens: f64,
    refilled: Instant,
}

/// Lambda operations outside the control-plane limit (they have their own quotas).
const LAMBDA_OWN_QUOTA: &[&str] = &["Invoke", "GetFunction", "GetPolicy"];

/// What the proxy does with one call.
struct Outcome {
    /// `None` drops the connection.
    answer: Option<Answer>,
    fault: Option<Fault>,
}

impl Outcome {
    fn answer(answer: Answer, fault: Option<Fault>) -> Self {
        Outcome {
            answer: Some(answer),
            fault,
        }
    }

    fn drop_connection(fault: Fault) -> Self {
        Outcome {
            answer: None,
            fault: Some(fault),
        }
    }
}

/// The error returned from the hyper service to make it close the connection unanswered.
#[derive(Debug)]
struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("chaos-proxy dropped the connection")
    }
}

impl std::error::Error for DropConnection {}

impl Shared {
    fn new(config: ProxyConfig, upstream_base: String) -> Self {
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(5))
            .build_http();
        Shared {
            calls_arrived: AtomicU64::new(0),
            fault_free: config.fault_free_operations.iter().cloned().collect(),
            config,
            upstream_base,
            client,
            started: Instant::now(),
            calls: Mutex::new(Vec::new()),
            roles_created: Mutex::new(HashMap::new()),
            functions_created: Mutex::new(HashMap::new()),
            lambda_buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this Lambda call finds its caller's control-plane bucket empty.
    fn over_lambda_rate(&self, id: &CallId, headers: &HeaderMap) -> bool {
        let rate = self.config.lambda_control_plane_rate;
        if rate <= 0.0
            || id.protocol != Protocol::LambdaRest
            || LAMBDA_OWN_QUOTA.contains(&id.operation.as_str())
        {
            return false;
        }
        let caller = credential_scope(headers).unwrap_or_default();
        let mut buckets = lock(&self.lambda_buckets);
        let now = Instant::now();
        let bucket = buckets.entry(caller).or_insert(TokenBucket {
            tokens: rate,
            refilled: now,
        });
        let elapsed = now.saturating_duration_since(bucket.refilled).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            false
        } else {
            true
        }
    }

    fn latency_for(&self, id: &CallId, rng: &mut StdRng) -> Duration {
        let exact = format!("{}.{}", id.service, id.operation);
        let wildcard = format!("{}.*", id.service);
        let latency = self
            .config
            .latency
            .get(&exact)
            .or_else(|| self.config.latency.get(&wildcard))
            .unwrap_or(&self.config.default_latency);
        let jitter = if latency.jitter_ms > 0 {
            rng.random_range(0..=latency.jitter_ms)
        } else {
            0
        };
        Duration::from_millis(latency.base_ms.saturating_add(jitter))
    }

    /// The random generator of the next call to arrive.
    fn call_rng(&self) -> StdRng {
        let number = self.calls_arrived.fetch_add(1, Ordering::Relaxed);
        StdRng::seed_from_u64(
            self.config
                .seed
                .wrapping_add(number.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
    }

    /// Whether a "created at" time from `map` for `key` lies within `window_ms`.
    fn within_window(map: &Mutex<HashMap<String, Instant>>, key: &str, window_ms: u64) -> bool {
        window_ms > 0
            && lock(map)
                .get(key)
                .is_some_and(|at| at.elapsed() < Duration::from_millis(window_ms))
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Answer, DropConnection> {
        let arrived = Instant::now();
        let started_ms = ms_between(self.started, arrived);
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map_err(|_| DropConnection)?.to_bytes();
        let id = identify(
            &parts.method,
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
            &body,
        );

        let outcome = self.process(&parts, body, &id).await;

        let status = outcome.answer.as_ref().map_or(0, |a| a.status().as_u16());
        lock(&self.calls).push(CallRecord {
            service: id.service,
            operation: id.operation,
            status,
            fault: outcome.fault,
            started_ms,
            elapsed_ms: ms_between(arrived, Instant::now()),
        });
        outcome.answer.ok_or(DropConnection)
    }

    async fn process(&self, parts: &Parts, body: Bytes, id: &CallId) -> Outcome {
        let mut rng = self.call_rng();
        // 1. Latency.
        let delay = self.latency_for(id, &mut rng);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }

        // 2. Lambda's control-plane rate, then random faults, before forwarding.
        if self.over_lambda_rate(id, &parts.headers) {
            return Outcome::answer(
                responses::throttled(id.protocol, "application/json"),
                Some(Fault::RateExceeded),
            );
        }
        let faultable = !self
            .fault_free
            .contains(&format!("{}.{}", id.service, id.operation));
        let json_type = json_content_type(&parts.headers);
        if faultable {
            let cfg = &self.config;
            if cfg.reset_rate > 0.0 || cfg.throttle_rate > 0.0 || cfg.server_error_rate > 0.0 {
                let roll = rng.random::<f64>();
                if roll < cfg.reset_rate {
                    return Outcome::drop_connection(Fault::Reset);
                }
                if roll < cfg.reset_rate + cfg.throttle_rate {
                    return Outcome::answer(
                        responses::throttled(id.protocol, json_type),
                        Some(Fault::Throttled),
                    );
                }
                if roll < cfg.reset_rate + cfg.throttle_rate + cfg.server_error_rate {
                    return Outcome::answer(
                        responses::server_error(id.protocol, json_type),
                        Some(Fault::ServerError),
                    );
                }
            }
        }

        let lambda = id.protocol == Protocol::LambdaRest;
        let op = id.operation.as_str();

        // 3. IAM propagation.
        if lambda && matches!(op, "CreateFunction" | "UpdateFunctionConfiguration") {
            if let Some(role) = json_field(&body, "Role").and_then(|arn| role_name(&arn)) {
                if Self::within_window(&self.roles_created, &role, self.config.iam_propagation_ms) {
                    return Outcome::answer(
                        responses::role_not_assumable(),
                        Some(Fault::RoleNotAssumable),
                    );
                }
            }
        }

        // 5 (part). Invoke of a function that is still "Pending" is refused.
        let pending_ms = self.config.pending_after_create_ms;
        let pending = |name: &Option<String>| {
            name.as_deref()
                .is_some_and(|n| Self::within_window(&self.functions_created, n, pending_ms))
        };
        if lambda && op == "Invoke" && pending(&id.function_name) {
            return Outcome::answer(responses::invoke_while_pending(), Some(Fault::Pending));
        }

        // 4. Forward.
        let (status, headers, mut response_body) = match self.forward(parts, body.clone()).await {
            Ok(forwarded) => forwarded,
            Err(detail) => return Outcome::answer(responses::bad_gateway(&detail), None),
        };
        let mut fault = None;

        if status.is_success() {
            if self.config.iam_propagation_ms > 0 && id.service == "IAM" && op == "CreateRole" {
                if let Some(role) = form_value(&body, "RoleName") {
                    lock(&self.roles_created).insert(role, Instant::now());
                }
            }
            // 5. Pending emulation.
            if lambda && pending_ms > 0 {
                if op == "CreateFunction" {
                    if let Some(name) = json_field(&body, "FunctionName") {
                        lock(&self.functions_created)
                            .insert(normalise_function_name(&name), Instant::now());
                    }
                } else if matches!(op, "GetFunction" | "GetFunctionConfiguration")
                    && pending(&id.function_name)
                {
                    if let Some(rewritten) = mark_pending(&response_body, op == "GetFunction") {
                        response_body = rewritten;
                        fault = Some(Fault::Pending);
                    }
                }
            }
        }

        // 6. Drop the answer of a forwarded call.
        if faultable && self.config.reset_after_forward_rate > 0.0 {
            let roll = rng.random::<f64>();
            if roll < self.config.reset_after_forward_rate {
                return Outcome::drop_connection(Fault::ResetAfterForward);
            }
        }

        let mut answer = hyper::Response::new(Full::new(response_body));
        *answer.status_mut() = status;
        for (name, value) in headers.iter() {
            if !is_hop_by_hop(name) && name != CONTENT_LENGTH {
                answer.headers_mut().append(name.clone(), value.clone());
            }
        }
        Outcome::answer(answer, fault)
    }

    /// Send the request upstream; returns its status, headers and whole body.
    async fn forward(
        &self,
        parts: &Parts,
        body: Bytes,
    ) -> Result<(StatusCode, HeaderMap, Bytes), String> {
        let path_and_query = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
        let uri: Uri = format!("{}{}", self.upstream_base, path_and_query)
            .parse()
            .map_err(|e| format!("bad upstream URI: {e}"))?;
        let mut request = Request::builder()
            .method(parts.method.clone())
            .uri(uri)
            .body(Full::new(body))
            .map_err(|e| e.to_string())?;
        for (name, value) in parts.headers.iter() {
            if name != HOST && !is_hop_by_hop(name) {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| e.to_string())?;
        let (head, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((head.status, head.headers, body))
    }
}

fn ms_between(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

fn is_hop_by_hop(name: &HeaderName) -> bool {
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
fn json_content_type(headers: &HeaderMap) -> &'static str {
    match headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        Some(ct) if ct.contains("x-amz-json-1.0") => "application/x-amz-json-1.0",
        _ => "application/x-amz-json-1.1",
    }
}

/// A top-level string field of a JSON body.
fn json_field(body: &[u8], field: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get(field)?.as_str().map(str::to_string)
}

/// `NAME` from `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`.
fn role_name(arn: &str) -> Option<String> {
    let (_, resource) = arn.split_once(":role/")?;
    resource
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// Rewrite a Lambda configuration (at the top level, or under `Configuration`) as `Pending`.
fn mark_pending(body: &[u8], nested: bool) -> Option<Bytes> {
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
async fn serve(
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

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request| shared.clone().handle(request));
    // An error here is usually a deliberate drop; nothing to report.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_from_arns() {
        assert_eq!(
            role_name("arn:aws:iam::000000000000:role/lab-role").as_deref(),
            Some("lab-role")
        );
        assert_eq!(
            role_name("arn:aws:iam::000000000000:role/service-role/lab-role").as_deref(),
            Some("lab-role")
        );
        assert_eq!(role_name("arn:aws:iam::000000000000:user/bob"), None);
    }

    #[test]
    fn upstream_base_is_validated() {
        assert_eq!(
            upstream_base("http://127.0.0.1:4566").unwrap(),
            "http://127.0.0.1:4566"
        );
        assert_eq!(
            upstream_base("http://localhost:4566/prefix/").unwrap(),
            "http://localhost:4566/prefix"
        );
        assert!(upstream_base("https://example.com").is_err());
        assert!(upstream_base("127.0.0.1:4566").is_err());
        assert!(upstream_base("").is_err());
    }

    #[test]
    fn latency_most_specific_key_wins() {
        let mut latency = BTreeMap::new();
        latency.insert(
            "IAM.*".to_string(),
            Latency {
                base_ms: 10,
                jitter_ms: 0,
            },
        );
        latency.insert(
            "IAM.CreateRole".to_string(),
            Latency {
                base_ms: 30,
                jitter_ms: 0,
            },
        );
        let shared = Shared::new(
            ProxyConfig {
                default_latency: Latency {
                    base_ms: 1,
                    jitter_ms: 0,
                },
                latency,
                ..ProxyConfig::default()
            },
            String::new(),
        );
        let id = |service: &str, operation: &str| CallId {
            service: service.into(),
            operation: operation.into(),
            protocol: Protocol::Query,
            function_name: None,
        };
        let latency = |call: CallId| {
            shared
                .latency_for(&call, &mut shared.call_rng())
                .as_millis()
        };
        assert_eq!(latency(id("IAM", "CreateRole")), 30);
        assert_eq!(latency(id("IAM", "GetRole")), 10);
        assert_eq!(latency(id("STS", "GetCallerIdentity")), 1);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let shared = Shared::new(
            ProxyConfig {
                default_latency: Latency {
                    base_ms: 5,
                    jitter_ms: 3,
                },
                seed: 1,
                ..ProxyConfig::default()
            },
            String::new(),
        );
        let id = CallId {
            service: "SSM".into(),
            operation: "GetParameter".into(),
            protocol: Protocol::Json,
            function_name: None,
        };
        let seen: HashSet<u128> = (0..200)
            .map(|_| shared.latency_for(&id, &mut shared.call_rng()).as_millis())
            .collect();
        assert!(seen.iter().all(|ms| (5..=8).contains(ms)), "{seen:?}");
        assert!(seen.len() > 1, "jitter never varied: {seen:?}");
    }

    #[test]
    fn lambda_rate_is_per_caller_and_region_and_spares_invoke() {
        let shared = Shared::new(
            ProxyConfig {
                lambda_control_plane_rate: 2.0,
                ..ProxyConfig::default()
            },
            String::new(),
        );
        let headers = |key: &str, region: &str| {
            let mut headers = HeaderMap::new();
            let auth = format!("AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/lambda/aws4_request, SignedHeaders=host, Signature=x");
            headers.insert(hyper::header::AUTHORIZATION, auth.parse().unwrap());
            headers
        };
        let call = |operation: &str| CallId {
            service: "Lambda".into(),
            operation: operation.into(),
            protocol: Protocol::LambdaRest,
            function_name: None,
        };
        let list = call("ListFunctions");
        let a = headers("111111111111", "us-east-1");
        assert!(!shared.over_lambda_rate(&list, &a));
        assert!(!shared.over_lambda_rate(&list, &a));
        assert!(
            shared.over_lambda_rate(&list, &a),
            "a third call within the second"
        );
        assert!(!shared.over_lambda_rate(&call("Invoke"), &a));
        assert!(!shared.over_lambda_rate(&list, &headers("111111111111", "eu-west-1")));
        assert!(!shared.over_lambda_rate(&list, &headers("222222222222", "us-east-1")));
    }

    #[test]
    fn pending_rewrite_of_both_shapes() {
        let nested = mark_pending(
            br#"{"Configuration":{"State":"Active","FunctionName":"f"}}"#,
            true,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&nested).unwrap();
        assert_eq!(v["Configuration"]["State"], "Pending");
        assert_eq!(v["Configuration"]["StateReasonCode"], "Creating");
        assert_eq!(v["Configuration"]["FunctionName"], "f");
        let flat = mark_pending(br#"{"State":"Active"}"#, false).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&flat).unwrap();
        assert_eq!(v["StateReason"], "The function is being created.");
        assert!(mark_pending(b"not json", false).is_none());
    }
}
