//! What one proxy's connections share, and what it does with each call: latency, faults,
//! IAM propagation, `Pending` functions, and forwarding to the upstream.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, CONTENT_LENGTH, HOST};
use hyper::http::request::Parts;
use hyper::{Request, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::identify::{
    credential_scope, form_value, identify, normalise_function_name, CallId, Protocol,
};
use crate::responses::{self, Answer};
use crate::serve::{
    is_hop_by_hop, json_content_type, json_field, mark_pending, ms_between, role_name,
};
use crate::{CallRecord, Fault, ProxyConfig};

/// Lock a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `scheme://host:port[/prefix]` of the upstream, without a trailing `/`.
pub(crate) fn upstream_base(upstream: &str) -> io::Result<String> {
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
pub(crate) struct Shared {
    pub(crate) config: ProxyConfig,
    pub(crate) upstream_base: String,
    pub(crate) client: Client<HttpConnector, Full<Bytes>>,
    /// How many calls have arrived: each call's random rolls come from a generator seeded with
    /// the proxy's seed and the call's number, so a seed decides the faults however concurrent
    /// calls interleave.
    pub(crate) calls_arrived: AtomicU64,
    pub(crate) started: Instant,
    pub(crate) calls: Mutex<Vec<CallRecord>>,
    pub(crate) fault_free: HashSet<String>,
    /// Role name -> when its creation was forwarded successfully.
    pub(crate) roles_created: Mutex<HashMap<String, Instant>>,
    /// Function name -> when its creation was forwarded successfully.
    pub(crate) functions_created: Mutex<HashMap<String, Instant>>,
    /// (access key id, region) -> Lambda control-plane token bucket.
    pub(crate) lambda_buckets: Mutex<HashMap<(String, String), TokenBucket>>,
}

/// Requests a caller may still make now, refilled continuously at the rate.
pub(crate) struct TokenBucket {
    pub(crate) tokens: f64,
    pub(crate) refilled: Instant,
}

/// Lambda operations outside the control-plane limit (they have their own quotas).
pub(crate) const LAMBDA_OWN_QUOTA: &[&str] = &["Invoke", "GetFunction", "GetPolicy"];

/// What the proxy does with one call.
pub(crate) struct Outcome {
    /// `None` drops the connection.
    pub(crate) answer: Option<Answer>,
    pub(crate) fault: Option<Fault>,
}

impl Outcome {
    pub(crate) fn answer(answer: Answer, fault: Option<Fault>) -> Self {
        Outcome {
            answer: Some(answer),
            fault,
        }
    }

    pub(crate) fn drop_connection(fault: Fault) -> Self {
        Outcome {
            answer: None,
            fault: Some(fault),
        }
    }
}

/// The error returned from the hyper service to make it close the connection unanswered.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl fmt::Display for DropConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("chaos-proxy dropped the connection")
    }
}

impl std::error::Error for DropConnection {}

impl Shared {
    pub(crate) fn new(config: ProxyConfig, upstream_base: String) -> Self {
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
    pub(crate) fn over_lambda_rate(&self, id: &CallId, headers: &HeaderMap) -> bool {
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

    pub(crate) fn latency_for(&self, id: &CallId, rng: &mut StdRng) -> Duration {
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
    pub(crate) fn call_rng(&self) -> StdRng {
        let number = self.calls_arrived.fetch_add(1, Ordering::Relaxed);
        StdRng::seed_from_u64(
            self.config
                .seed
                .wrapping_add(number.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        )
    }

    /// Whether a "created at" time from `map` for `key` lies within `window_ms`.
    pub(crate) fn within_window(
        map: &Mutex<HashMap<String, Instant>>,
        key: &str,
        window_ms: u64,
    ) -> bool {
        window_ms > 0
            && lock(map)
                .get(key)
                .is_some_and(|at| at.elapsed() < Duration::from_millis(window_ms))
    }

    pub(crate) async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Answer, DropConnection> {
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

    pub(crate) async fn process(&self, parts: &Parts, body: Bytes, id: &CallId) -> Outcome {
        let mut rng = self.call_rng();
        // 1. Latency.
        let delay = self.latency_for(id, &mut rng);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let faultable = !self
            .fault_free
            .contains(&format!("{}.{}", id.service, id.operation));
        if let Some(refused) = self.refuse_before_forward(parts, &body, id, faultable, &mut rng) {
            return refused;
        }

        // 4. Forward.
        let (status, headers, mut response_body) = match self.forward(parts, body.clone()).await {
            Ok(forwarded) => forwarded,
            Err(detail) => return Outcome::answer(responses::bad_gateway(&detail), None),
        };
        let fault = if status.is_success() {
            self.remember_success(id, &body, &mut response_body)
        } else {
            None
        };

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

    /// Steps 2, 3 and part of 5: what is answered without forwarding (Lambda's rate, a random
    /// fault, a role IAM has not propagated, an Invoke of a `Pending` function).
    fn refuse_before_forward(
        &self,
        parts: &Parts,
        body: &[u8],
        id: &CallId,
        faultable: bool,
        rng: &mut StdRng,
    ) -> Option<Outcome> {
        // 2. Lambda's control-plane rate, then random faults.
        if self.over_lambda_rate(id, &parts.headers) {
            return Some(Outcome::answer(
                responses::throttled(id.protocol, "application/json"),
                Some(Fault::RateExceeded),
            ));
        }
        if faultable {
            if let Some(fault) = self.random_fault(id, &parts.headers, rng) {
                return Some(fault);
            }
        }
        let lambda = id.protocol == Protocol::LambdaRest;
        let op = id.operation.as_str();
        // 3. IAM propagation.
        if lambda && matches!(op, "CreateFunction" | "UpdateFunctionConfiguration") {
            if let Some(role) = json_field(body, "Role").and_then(|arn| role_name(&arn)) {
                if Self::within_window(&self.roles_created, &role, self.config.iam_propagation_ms) {
                    return Some(Outcome::answer(
                        responses::role_not_assumable(),
                        Some(Fault::RoleNotAssumable),
                    ));
                }
            }
        }
        // 5 (part). Invoke of a function that is still "Pending" is refused.
        if lambda && op == "Invoke" && self.is_pending(&id.function_name) {
            return Some(Outcome::answer(
                responses::invoke_while_pending(),
                Some(Fault::Pending),
            ));
        }
        None
    }

    /// One roll against the configured rates: a dropped connection, a throttling error or a
    /// 503, or nothing.
    fn random_fault(&self, id: &CallId, headers: &HeaderMap, rng: &mut StdRng) -> Option<Outcome> {
        let cfg = &self.config;
        if cfg.reset_rate <= 0.0 && cfg.throttle_rate <= 0.0 && cfg.server_error_rate <= 0.0 {
            return None;
        }
        let json_type = json_content_type(headers);
        let roll = rng.random::<f64>();
        if roll < cfg.reset_rate {
            return Some(Outcome::drop_connection(Fault::Reset));
        }
        if roll < cfg.reset_rate + cfg.throttle_rate {
            return Some(Outcome::answer(
                responses::throttled(id.protocol, json_type),
                Some(Fault::Throttled),
            ));
        }
        if roll < cfg.reset_rate + cfg.throttle_rate + cfg.server_error_rate {
            return Some(Outcome::answer(
                responses::server_error(id.protocol, json_type),
                Some(Fault::ServerError),
            ));
        }
        None
    }

    /// Whether the named function was created within the `Pending` window.
    fn is_pending(&self, name: &Option<String>) -> bool {
        let pending_ms = self.config.pending_after_create_ms;
        name.as_deref()
            .is_some_and(|n| Self::within_window(&self.functions_created, n, pending_ms))
    }

    /// After a forwarded call succeeded: remember created roles (for propagation) and
    /// functions, and present a `Pending` function as such (step 5). The fault it shows, if any.
    fn remember_success(
        &self,
        id: &CallId,
        body: &[u8],
        response_body: &mut Bytes,
    ) -> Option<Fault> {
        let op = id.operation.as_str();
        if self.config.iam_propagation_ms > 0 && id.service == "IAM" && op == "CreateRole" {
            if let Some(role) = form_value(body, "RoleName") {
                lock(&self.roles_created).insert(role, Instant::now());
            }
        }
        if id.protocol != Protocol::LambdaRest || self.config.pending_after_create_ms == 0 {
            return None;
        }
        if op == "CreateFunction" {
            if let Some(name) = json_field(body, "FunctionName") {
                lock(&self.functions_created)
                    .insert(normalise_function_name(&name), Instant::now());
            }
        } else if matches!(op, "GetFunction" | "GetFunctionConfiguration")
            && self.is_pending(&id.function_name)
        {
            if let Some(rewritten) = mark_pending(response_body, op == "GetFunction") {
                *response_body = rewritten;
                return Some(Fault::Pending);
            }
        }
        None
    }

    /// Send the request upstream; returns its status, headers and whole body.
    pub(crate) async fn forward(
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
