//! `test`: invoke the function, read what the handler reports, and account for the cache.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::aws::function::{self, FunctionInfo};
use crate::aws::observed::Observed;
use crate::aws::AwsContext;
use crate::domain::defaults;
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::Store;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::domain::rotation as rotate;
use crate::error::{Error, Result};
use crate::local::extension::ExtensionStats;
use crate::session::{Connection, Session};
use crate::ui::style;

/// Secrets Manager's price per 10,000 API calls, in US dollars (aws.amazon.com/secrets-manager/pricing).
pub const PRICE_PER_10K_CALLS: f64 = 0.05;
/// A fetch faster than this, in a warm environment, is taken as a cache hit when no counters exist.
const HIT_THRESHOLD_MS: f64 = 10.0;

/// What the handler returns (see function/lambda_function.py).
#[derive(Debug, Clone, Deserialize)]
struct HandlerAnswer {
    ok: bool,
    #[serde(default)]
    cold_start: bool,
    #[serde(default)]
    fetch_ms: f64,
    secret: Option<HandlerSecret>,
    error: Option<HandlerError>,
    /// The login against the lab's simulated database: ok, refused, unchecked or error.
    login: Option<String>,
    /// The version the first fetch was served (the cache's, maybe stale).
    #[serde(default)]
    served_version_id: Option<String>,
    /// A refused login was retried with a value fetched past the cache.
    #[serde(default)]
    retried: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct HandlerSecret {
    pub name: String,
    pub arn: String,
    pub version_id: String,
    pub keys: Vec<String>,
    /// Masked ("********") unless `--reveal`.
    pub values: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct HandlerError {
    pub code: String,
    pub status: Option<u16>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchSource {
    Cache,
    /// The extension fetched from the store (Secrets Manager or Parameter Store): a miss.
    Store,
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvocationReport {
    pub number: u32,
    pub status: i32,
    pub ok: bool,
    pub cold_start: bool,
    pub fetch_ms: f64,
    pub source: FetchSource,
    pub billed_ms: Option<u64>,
    pub init_ms: Option<f64>,
    pub error: Option<HandlerError>,
    /// The version the function was served first (from the cache or the store).
    pub served_version_id: Option<String>,
    /// Its login against the lab's simulated database (`ok`, `refused`, `unchecked`, `error`).
    pub login: Option<String>,
    /// A refused login was retried once past the cache (`test --retry-on-refused`).
    pub retried: bool,
    /// Served a version other than the last rotation's (none without a rotation on record).
    pub stale: Option<bool>,
    /// Seconds from the last rotation to this invocation.
    pub seconds_after_rotation: Option<f64>,
    #[serde(skip)]
    at_ms: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct CacheReport {
    /// `exact` from the local extension's counters, or `inferred` from timing.
    pub method: &'static str,
    pub invocations: u32,
    pub hits: u64,
    pub misses: u64,
    /// Calls the extension made to the store.
    pub upstream_calls: u64,
    pub calls_saved: u64,
    pub ttl_seconds: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostReport {
    pub invocations_per_month: u64,
    pub without_cache_calls: u64,
    pub without_cache_usd: f64,
    /// Upper bound with the cache: one call per TTL window per warm execution environment.
    pub with_cache_calls_per_environment: u64,
    pub with_cache_usd_per_environment: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    pub lab: String,
    /// The store the function reads (from its environment).
    pub store: Store,
    /// Every invocation answered 200 and read the credentials.
    pub ok: bool,
    pub invocations: Vec<InvocationReport>,
    /// What the handler saw (values masked unless revealed).
    pub secret: Option<HandlerSecret>,
    pub cache: CacheReport,
    pub cost: CostReport,
    /// The stale window after the lab's last rotation, as these invocations saw it.
    pub rotation: Option<StaleWindow>,
    /// Why the test failed, in a sentence, when it did.
    pub problem: Option<String>,
}

pub struct TestOptions {
    pub invocations: u32,
    pub reveal: bool,
    pub interval: Duration,
    pub per_month: u64,
    /// The handler retries a refused login once past the cache.
    pub retry_on_refused: bool,
}

impl Default for TestOptions {
    fn default() -> Self {
        Self {
            retry_on_refused: false,
            invocations: defaults::INVOCATIONS,
            reveal: false,
            interval: Duration::from_millis(defaults::INTERVAL_MS),
            per_month: defaults::INVOCATIONS_PER_MONTH,
        }
    }
}

/// Invoke the lab's function and account for the cache: what `test` and the tour run. The
/// function is read once; locally its own extension settings start the lab's extension.
pub async fn test_lab(
    session: &Session,
    connection: &Connection,
    options: &TestOptions,
) -> Result<TestReport> {
    let names = session.names();
    let info = match function::get_function(&connection.aws.lambda, &names).await? {
        Observed::Owned(info) => info,
        Observed::Missing => {
            return Err(Error::NotDeployed {
                lab: names.lab.clone(),
                what: names.describe(ResourceKind::Function),
            })
        }
        Observed::Foreign => return Err(Error::not_owned(&names, ResourceKind::Function)),
    };
    let store = ExtensionSettings::store_of(&info.env);
    connection
        .ensure_local_extension(session, &info.extension(), store)
        .await?;
    let counters = async || connection.extension_counters(session).await;
    let total = options.invocations;
    let progress = |n: u32| session.progress.step(format!("invocation {n} of {total}"));
    let mut report = run(
        &connection.aws,
        &names,
        &info,
        options,
        &counters,
        &progress,
    )
    .await?;
    if let Some(record) = rotate::read_record(&session.dirs, &names.lab) {
        window::apply(&mut report, &record);
    }
    Ok(report)
}

pub async fn run(
    aws: &AwsContext,
    names: &ResourceNames,
    info: &FunctionInfo,
    options: &TestOptions,
    // The local extension's counters, read around each invocation; `None` where no counters exist.
    counters: &impl AsyncFn() -> Option<ExtensionStats>,
    on_progress: &dyn Fn(u32),
) -> Result<TestReport> {
    let payload =
        serde_json::json!({"reveal": options.reveal, "retry_on_refused": options.retry_on_refused});
    let store = ExtensionSettings::store_of(&info.env);
    // Each store has its own TTL in the extension.
    let ttl = u64::from(match store {
        Store::SecretsManager => info.extension().ttl_seconds,
        Store::ParameterStore => info.extension().ssm_ttl_seconds,
    });
    let start_counters = counters().await;
    let mut reports = Vec::new();
    let mut secret = None;
    for number in 1..=options.invocations {
        if number > 1 && !options.interval.is_zero() {
            tokio::time::sleep(options.interval).await;
        }
        on_progress(number);
        let (report, read) = invoke_once(aws, names, &payload, number, counters).await?;
        secret = read.or(secret);
        reports.push(report);
    }
    let cache = match (start_counters, counters().await) {
        (Some(start), Some(end)) => counted_cache(&end.since(&start), options.invocations, ttl),
        _ => inferred_cache(&reports, options.invocations, ttl),
    };
    let refused = reports
        .iter()
        .any(|r| r.login.as_deref() == Some("refused"));
    let ok = !reports.is_empty()
        && reports.iter().all(|r| r.ok && r.status == 200)
        && secret.is_some()
        && !refused;
    let problem = (!ok).then(|| explain_failure(&reports, info));
    Ok(TestReport {
        lab: names.lab.clone(),
        store,
        ok,
        cost: cost(options.per_month, ttl),
        invocations: reports,
        secret,
        cache,
        rotation: None,
        problem,
    })
}

mod window;
pub use window::StaleWindow;

/// One invocation: its row, and the secret the handler said it read.
async fn invoke_once(
    aws: &AwsContext,
    names: &ResourceNames,
    payload: &serde_json::Value,
    number: u32,
    counters: &impl AsyncFn() -> Option<ExtensionStats>,
) -> Result<(InvocationReport, Option<HandlerSecret>)> {
    let before = counters().await;
    let at_ms = rotate::now_ms();
    let invocation = function::invoke(&aws.lambda, names, payload).await?;
    let after = counters().await;
    let answer: Option<HandlerAnswer> = serde_json::from_slice(&invocation.payload).ok();
    let report_line = invocation.log_tail.as_deref().and_then(parse_report_line);
    let (ok, cold_start, fetch_ms, error) = match &answer {
        Some(a) => (
            a.ok && invocation.function_error.is_none(),
            a.cold_start,
            a.fetch_ms,
            a.error.clone(),
        ),
        None => (
            false,
            false,
            0.0,
            Some(HandlerError {
                code: invocation
                    .function_error
                    .clone()
                    .unwrap_or_else(|| "bad_payload".into()),
                status: None,
                message: "the function did not return the lab handler's answer".into(),
            }),
        ),
    };
    let source = match (ok, before, after) {
        (false, ..) => FetchSource::Unknown,
        (true, Some(b), Some(a)) if a.since(&b).fetches() > 0 => FetchSource::Store,
        (true, Some(_), Some(_)) => FetchSource::Cache,
        (true, ..) if cold_start || fetch_ms >= HIT_THRESHOLD_MS => FetchSource::Store,
        (true, ..) => FetchSource::Cache,
    };
    let report = InvocationReport {
        number,
        status: invocation.status,
        ok,
        cold_start,
        fetch_ms,
        source,
        billed_ms: report_line.as_ref().and_then(|r| r.billed_ms),
        init_ms: report_line.as_ref().and_then(|r| r.init_ms),
        error,
        served_version_id: answer.as_ref().and_then(|a| a.served_version_id.clone()),
        login: answer.as_ref().and_then(|a| a.login.clone()),
        retried: answer.as_ref().is_some_and(|a| a.retried),
        stale: None,
        seconds_after_rotation: None,
        at_ms,
    };
    Ok((report, answer.and_then(|a| a.secret)))
}

/// The cache's figures as the local extension counted them.
fn counted_cache(d: &ExtensionStats, invocations: u32, ttl_seconds: u64) -> CacheReport {
    CacheReport {
        method: "exact",
        invocations,
        hits: d.hits + d.revalidations,
        misses: d.misses,
        upstream_calls: d.upstream_calls(),
        calls_saved: u64::from(invocations).saturating_sub(d.upstream_calls()),
        ttl_seconds,
    }
}

/// The cache's figures inferred from fetch times (the extension logs no hits).
fn inferred_cache(reports: &[InvocationReport], invocations: u32, ttl_seconds: u64) -> CacheReport {
    let count = |source: FetchSource| reports.iter().filter(|r| r.source == source).count() as u64;
    let (hits, misses) = (count(FetchSource::Cache), count(FetchSource::Store));
    CacheReport {
        method: "inferred",
        invocations,
        hits,
        misses,
        upstream_calls: misses,
        calls_saved: hits,
        ttl_seconds,
    }
}

fn explain_failure(reports: &[InvocationReport], info: &FunctionInfo) -> String {
    let refused = reports
        .iter()
        .filter(|r| r.login.as_deref() == Some("refused"))
        .count();
    if refused > 0 && reports.iter().all(|r| r.ok) {
        return format!(
            "{refused} login(s) refused by the lab's simulated database: the function\nwas served a password it no longer accepts, which the extension's cache\nkeeps for up to the TTL; alternating users or `--retry-on-refused` avoid it"
        );
    }
    let first = reports.iter().find_map(|r| r.error.as_ref());
    match first.map(|e| e.code.as_str()) {
        Some("extension_unreachable") => format!(
            "the extension did not answer on port {}: the function could not read the secret through it",
            info.extension().port
        ),
        Some(_) => first.map(|e| e.message.clone()).unwrap_or_default(),
        None => "the secret was not read".into(),
    }
}

fn store_label(store: Store) -> &'static str {
    match store {
        Store::SecretsManager => "Secrets Manager",
        Store::ParameterStore => "Parameter Store",
    }
}

/// One call per TTL window per warm environment, at most, versus one per invocation.
pub fn cost(per_month: u64, ttl_seconds: u64) -> CostReport {
    let month_seconds: u64 = 30 * 24 * 3600;
    let per_environment = month_seconds.checked_div(ttl_seconds).unwrap_or(per_month);
    let price = |calls: u64| calls as f64 / 10_000.0 * PRICE_PER_10K_CALLS;
    CostReport {
        invocations_per_month: per_month,
        without_cache_calls: per_month,
        without_cache_usd: price(per_month),
        with_cache_calls_per_environment: per_environment.min(per_month),
        with_cache_usd_per_environment: price(per_environment.min(per_month)),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReportLine {
    pub billed_ms: Option<u64>,
    pub init_ms: Option<f64>,
}

/// Parse Lambda's `REPORT RequestId: …\tDuration: …\tBilled Duration: 147 ms\t…\tInit Duration: 130.49 ms`
/// line, searching from the end (the tail is only the last 4 KB).
pub fn parse_report_line(tail: &str) -> Option<ReportLine> {
    let line = tail.lines().rev().find(|l| l.starts_with("REPORT "))?;
    let field = |name: &str| {
        line.split('\t')
            .find_map(|part| part.trim().strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("ms").trim().parse::<f64>().ok())
    };
    Some(ReportLine {
        billed_ms: field("Billed Duration:").map(|v| v as u64),
        init_ms: field("Init Duration:"),
    })
}

impl fmt::Display for TestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} `{}`: {} invocation(s)",
            style::heading("test of lab"),
            self.lab,
            self.invocations.len()
        )?;
        writeln!(
            f,
            "   #  status  start  fetch       from             billed  version     login"
        )?;
        for r in &self.invocations {
            self.fmt_invocation(f, r)?;
        }
        if let Some(s) = &self.secret {
            fmt_secret(f, s)?;
        }
        self.fmt_cache(f)?;
        if let Some(w) = &self.rotation {
            write!(f, "{w}")?;
        }
        self.fmt_cost(f)?;
        match &self.problem {
            Some(p) => writeln!(f, "{} {p}", style::failed("failed:")),
            None => writeln!(
                f,
                "{}",
                style::ok("the function read the secret through the extension")
            ),
        }
    }
}

impl TestReport {
    fn fmt_invocation(&self, f: &mut fmt::Formatter<'_>, r: &InvocationReport) -> fmt::Result {
        let (from, width) = match (r.ok, r.source) {
            (false, _) => (style::failed("failed"), 6),
            (true, FetchSource::Cache) => (style::ok("extension cache"), 15),
            (true, FetchSource::Store) => (style::pending(store_label(self.store)), 15),
            (true, FetchSource::Unknown) => ("unknown".into(), 7),
        };
        // Pad by the plain width so colours do not break alignment.
        let pad = 17usize.saturating_sub(width);
        writeln!(
            f,
            "  {:>2}  {:<6}  {:<5}  {:>7.2} ms  {}{}{:<7} {}",
            r.number,
            r.status,
            if r.cold_start { "cold" } else { "warm" },
            r.fetch_ms,
            from,
            " ".repeat(pad),
            r.billed_ms
                .map(|b| format!("{b} ms"))
                .unwrap_or_else(|| "-".into()),
            window::version_cell(r),
        )?;
        if let Some(e) = &r.error {
            writeln!(
                f,
                "      {}",
                style::failed(&format!("{}: {}", e.code, e.message))
            )?;
        }
        Ok(())
    }

    fn fmt_cache(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.cache;
        let how = if c.method == "exact" {
            "counted by the local extension"
        } else {
            "inferred from fetch times: the extension logs no hits"
        };
        writeln!(
            f,
            "cache (TTL {} s): {} hit(s), {} miss(es)",
            c.ttl_seconds, c.hits, c.misses
        )?;
        writeln!(
            f,
            "  {} {} call(s) for {} invocation(s): {} saved",
            c.upstream_calls,
            store_label(self.store),
            c.invocations,
            c.calls_saved
        )?;
        writeln!(f, "  {}", style::dim(&format!("({how})")))
    }

    fn fmt_cost(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &self.cost;
        writeln!(
            f,
            "cost at {} invocations a month ($0.05 per 10,000 calls):",
            k.invocations_per_month
        )?;
        writeln!(
            f,
            "  without a cache: {} calls = ${:.2}",
            k.without_cache_calls, k.without_cache_usd
        )?;
        writeln!(
            f,
            "  with the cache:  at most {} calls = ${:.2} per warm environment",
            k.with_cache_calls_per_environment, k.with_cache_usd_per_environment
        )
    }
}

/// The secret the function read: its keys, with the values as the handler sent them
/// (masked unless `--reveal`).
fn fmt_secret(f: &mut fmt::Formatter<'_>, s: &HandlerSecret) -> fmt::Result {
    writeln!(f, "secret read: {}", s.name)?;
    writeln!(f, "  version {}", s.version_id)?;
    for key in &s.keys {
        let value = s
            .values
            .get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .unwrap_or_default();
        writeln!(f, "  {key} = {value}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_report_line_from_the_end() {
        let tail = "START RequestId: 1 Version: $LATEST\nsecretslab: ok\nEND RequestId: 1\nREPORT RequestId: 1\tDuration: 15.74 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t\n";
        let r = parse_report_line(tail).unwrap();
        assert_eq!(r.billed_ms, Some(147));
        assert_eq!(r.init_ms, Some(130.49));
        let warm = "REPORT RequestId: 2\tDuration: 1.1 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t";
        assert_eq!(parse_report_line(warm).unwrap().init_ms, None);
        assert!(parse_report_line("no report here").is_none());
    }

    #[test]
    fn cost_is_bounded_by_ttl_windows() {
        let c = cost(1_000_000, 300);
        assert_eq!(c.without_cache_calls, 1_000_000);
        assert!((c.without_cache_usd - 5.0).abs() < 1e-9);
        assert_eq!(c.with_cache_calls_per_environment, 8_640);
        assert_eq!(cost(100, 300).with_cache_calls_per_environment, 100);
    }
}
