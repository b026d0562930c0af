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
mod serve;
mod shared;

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use serve::serve;
use shared::{lock, upstream_base, Shared};

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

#[cfg(test)]
mod tests;
