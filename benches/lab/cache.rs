//! The cache, locally: the secret's fetch latency inside the function, through the extension
//! and directly (on loopback, and with Secrets Manager at the profile's distance), and the
//! upstream calls the cache made meanwhile.

use std::time::Instant;

use secretslab::aws::AwsContext;
use secretslab::domain::names::ResourceNames;
use serde_json::Value;

use crate::bench::{percentile, Bench};
use crate::{Row, CACHE_INVOCATIONS};

/// Fetch latencies (ms) inside the function, one per invocation.
pub struct FetchTimes {
    pub extension: Vec<f64>,
    pub direct: Vec<f64>,
    /// Direct, with Secrets Manager behind the chaos proxy's latency.
    pub far: Vec<f64>,
    /// Upstream Secrets Manager calls the stand-in made for the cached invocations.
    pub upstream_calls: u64,
    /// How long the cached and direct invocations took, in seconds.
    pub window_s: f64,
}

pub async fn fetch_latencies(bench: &Bench, emulator: &str, via: &str, lab: &str) -> FetchTimes {
    let aws = AwsContext::load(
        &secretslab::aws::AwsOptions::default(),
        secretslab::aws::Target::Local {
            endpoint: emulator.to_string(),
        },
    )
    .await;
    let names = secretslab::domain::names::LabName::new(lab)
        .unwrap()
        .resources();
    let stats_path = bench
        .home
        .path()
        .join(format!("state/extensions/{lab}.stats.json"));
    let upstream = || -> u64 {
        let stats: Value = serde_json::from_slice(&std::fs::read(&stats_path).unwrap_or_default())
            .unwrap_or(Value::Null);
        stats["upstream_get_secret_value"].as_u64().unwrap_or(0)
            + stats["upstream_describe_secret"].as_u64().unwrap_or(0)
    };
    bench.run(None, &["--local", "--name", lab, "test", "-n", "1"]);
    let before = upstream();
    let started = Instant::now();
    let extension = fetch_times(&aws, &names, "extension").await;
    let direct = fetch_times(&aws, &names, "direct").await;
    let window_s = started.elapsed().as_secs_f64();
    point_secrets_manager_at(&aws, &names, lab, via).await;
    let far = fetch_times(&aws, &names, "direct").await;
    FetchTimes {
        extension,
        direct,
        far,
        upstream_calls: upstream() - before,
        window_s,
    }
}

/// `CACHE_INVOCATIONS` invocations fetching the secret in `mode`: each one's fetch time (ms).
async fn fetch_times(aws: &AwsContext, names: &ResourceNames, mode: &str) -> Vec<f64> {
    let mut times = Vec::with_capacity(CACHE_INVOCATIONS);
    for _ in 0..CACHE_INVOCATIONS {
        let invocation = secretslab::aws::function::invoke(
            &aws.lambda,
            names,
            &serde_json::json!({"mode": mode}),
        )
        .await
        .expect("invoke");
        let answer: Value = serde_json::from_slice(&invocation.payload).unwrap();
        assert_eq!(answer["ok"], true, "{mode}: {answer}");
        times.push(answer["fetch_ms"].as_f64().unwrap());
    }
    times
}

/// The function's direct fetches go to `via` from now on: its own AWS_ENDPOINT_URL (which
/// MiniStack honours) points at the proxy.
async fn point_secrets_manager_at(aws: &AwsContext, names: &ResourceNames, lab: &str, via: &str) {
    let current = aws
        .lambda
        .get_function_configuration()
        .function_name(lab)
        .send()
        .await
        .unwrap();
    let mut variables = current
        .environment()
        .and_then(|e| e.variables())
        .cloned()
        .unwrap_or_default();
    variables.insert("AWS_ENDPOINT_URL".into(), via.to_string());
    aws.lambda
        .update_function_configuration()
        .function_name(lab)
        .environment(
            aws_sdk_lambda::types::Environment::builder()
                .set_variables(Some(variables))
                .build(),
        )
        .send()
        .await
        .unwrap();
    secretslab::aws::function::wait_until_updated(&aws.lambda, names)
        .await
        .unwrap();
}

impl FetchTimes {
    pub fn rows(&self) -> Vec<Row> {
        let (ext, dir, far) = (&self.extension, &self.direct, &self.far);
        vec![
            (
                format!("secret fetch in the function, {CACHE_INVOCATIONS} invocations each"),
                format!(
                    "cache p50 {:.2} ms, p99 {:.2} ms; direct p50 {:.2} ms, p99 {:.2} ms",
                    percentile(ext, 50.0),
                    percentile(ext, 99.0),
                    percentile(dir, 50.0),
                    percentile(dir, 99.0)
                ),
                format!(
                    "cache p50 is {:.1}× faster than a direct GetSecretValue to the local emulator",
                    percentile(dir, 50.0) / percentile(ext, 50.0)
                ),
            ),
            (
                format!("direct fetch with Secrets Manager at the profile's latency, {CACHE_INVOCATIONS} invocations"),
                format!("p50 {:.2} ms, p99 {:.2} ms", percentile(far, 50.0), percentile(far, 99.0)),
                format!("cache p50 is {:.1}× faster", percentile(far, 50.0) / percentile(ext, 50.0)),
            ),
            (
                format!("upstream Secrets Manager calls, {CACHE_INVOCATIONS} cached invocations"),
                format!(
                    "{} (TTL 300 s, {:.0} s of invoking)",
                    self.upstream_calls, self.window_s
                ),
                format!(
                    "{:.2} calls per TTL window (target ≤ 1); direct mode makes {CACHE_INVOCATIONS}",
                    self.upstream_calls as f64
                ),
            ),
        ]
    }
}
