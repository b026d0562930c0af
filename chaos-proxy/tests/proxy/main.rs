//! End-to-end tests of the proxy against a recording stand-in upstream, a module per subject.
#![allow(clippy::unwrap_used)] // Test helpers: a panic is the failure report.

#[path = "../support/mod.rs"]
mod support;

mod binary;
mod faults;
mod lambda;
mod protocols;
mod server;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::{Duration, Instant};

use chaos_proxy::{CallRecord, Fault, Latency, Proxy, ProxyConfig};
use hyper::Method;
use support::*;

fn config(upstream: &Upstream) -> ProxyConfig {
    ProxyConfig {
        upstream: upstream.url(),
        seed: 42,
        ..ProxyConfig::default()
    }
}

fn ops(calls: &[CallRecord]) -> Vec<String> {
    calls
        .iter()
        .map(|c| format!("{}.{}", c.service, c.operation))
        .collect()
}
