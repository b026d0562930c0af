//! The realistic profile: the chaos proxy's per-call latencies, IAM propagation and Pending,
//! and the least time any client needs for a cold `up` under it.

use std::collections::BTreeMap;

use chaos_proxy::{Latency, ProxyConfig};

pub const IAM_PROPAGATION_MS: u64 = 8_000;
pub const PENDING_MS: u64 = 2_000;

fn latency(base_ms: u64, jitter_ms: u64) -> Latency {
    Latency { base_ms, jitter_ms }
}

/// Per-call latencies in the range AWS shows from a nearby region.
pub fn realistic(upstream: &str) -> ProxyConfig {
    let latencies = BTreeMap::from([
        ("STS.*".to_string(), latency(60, 20)),
        ("IAM.*".to_string(), latency(120, 40)),
        ("IAM.CreateRole".to_string(), latency(250, 50)),
        ("IAM.CreatePolicy".to_string(), latency(250, 50)),
        ("IAM.AttachRolePolicy".to_string(), latency(150, 30)),
        ("Secrets Manager.*".to_string(), latency(50, 20)),
        ("Secrets Manager.CreateSecret".to_string(), latency(120, 30)),
        ("CloudWatch Logs.*".to_string(), latency(50, 20)),
        ("SSM.*".to_string(), latency(40, 10)),
        ("Lambda.*".to_string(), latency(80, 30)),
        ("Lambda.CreateFunction".to_string(), latency(400, 100)),
        ("Lambda.DeleteFunction".to_string(), latency(150, 50)),
    ]);
    ProxyConfig {
        upstream: upstream.to_string(),
        default_latency: latency(80, 20),
        latency: latencies,
        iam_propagation_ms: IAM_PROPAGATION_MS,
        pending_after_create_ms: PENDING_MS,
        seed: 7,
        max_lifetime_ms: 30 * 60 * 1000,
        ..Default::default()
    }
}

/// Expected latency of one call under the profile (base + half the jitter).
fn expected_ms(profile: &ProxyConfig, service: &str, operation: &str) -> f64 {
    let l = profile
        .latency
        .get(&format!("{service}.{operation}"))
        .or_else(|| profile.latency.get(&format!("{service}.*")))
        .unwrap_or(&profile.default_latency);
    l.base_ms as f64 + l.jitter_ms as f64 / 2.0
}

/// The least time any client needs for a cold `up` under the profile: the dependency chain
/// GetCallerIdentity → the parallel existence reads → CreateRole → IAM propagation →
/// CreateFunction → Pending → one GetFunction that sees Active. (The secret → policy →
/// attachments chain runs beside it and is shorter.)
pub fn critical_path_floor_ms(profile: &ProxyConfig) -> f64 {
    let reads = [
        ("Secrets Manager", "DescribeSecret"),
        ("IAM", "GetRole"),
        ("IAM", "GetPolicy"),
        ("CloudWatch Logs", "DescribeLogGroups"),
        ("Lambda", "GetFunction"),
        ("SSM", "GetParameter"),
    ]
    .iter()
    .map(|(s, o)| expected_ms(profile, s, o))
    .fold(0.0, f64::max);
    expected_ms(profile, "STS", "GetCallerIdentity")
        + reads
        + expected_ms(profile, "IAM", "CreateRole")
        + IAM_PROPAGATION_MS as f64
        + expected_ms(profile, "Lambda", "CreateFunction")
        + PENDING_MS as f64
        + expected_ms(profile, "Lambda", "GetFunction")
}
