//! The local stand-in for the AWS Parameters and Secrets Lambda Extension.
//!
//! MiniStack accepts the extension layer but runs nothing on its port, so for each lab the CLI
//! runs a server with the extension's HTTP API on 127.0.0.1 only, token checked, pointed at the
//! emulator: secrets cached through AWS's own `aws_secretsmanager_caching` crate (`server`),
//! parameters through a `moka` cache (`parameters`), started, found and stopped by the
//! `supervisor`. It counts the upstream calls (`upstream`: each request's own, and the totals) so
//! `test --local` can report exact hits and misses: the CLI reads the counters from the running
//! stand-in (`GET /secretslab/stats`, token checked), and a file keeps them across restarts,
//! written off the request path so a cache hit pays no disk I/O.

mod parameters;
mod server;
mod supervisor;
mod upstream;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::domain::defaults;
use crate::domain::kinds::ExtensionKind;
use crate::domain::state::Dirs;

pub use server::serve_from_env;
pub use supervisor::{ensure_running, forget, read_stats, running, running_ports, stop, stop_all};

/// Header carrying the caller's session token, as the real extension requires.
pub const TOKEN_HEADER: &str = "x-aws-parameters-secrets-token";
/// Environment variable the stand-in process reads its configuration from.
pub(crate) const CONFIG_ENV: &str = "SECRETSLAB_EXTENSION_CONFIG";
/// The stand-in's own path (not part of the extension's API) that serves its counters.
pub(crate) const STATS_PATH: &str = "/secretslab/stats";

/// How one lab's stand-in is configured: from the same values `up` sets on the function.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExtensionConfig {
    pub lab: String,
    pub port: u16,
    /// `SECRETS_MANAGER_TTL`.
    pub ttl_seconds: u64,
    /// `SSM_PARAMETER_STORE_TTL` (absent from records written before parameters were served).
    #[serde(default = "default_ssm_ttl")]
    pub ssm_ttl_seconds: u64,
    /// Shared by secrets and parameters, as on Lambda.
    pub cache_size: usize,
    pub endpoint: String,
    pub region: String,
}

fn default_ssm_ttl() -> u64 {
    u64::from(defaults::SSM_TTL_SECONDS)
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
    /// Served after a GetSecretValue (or, for a parameter, GetParameter) call.
    pub misses: u64,
    /// Served from the cache after a DescribeSecret showed the cached version is still current.
    pub revalidations: u64,
    pub upstream_get_secret_value: u64,
    pub upstream_describe_secret: u64,
    #[serde(default)]
    pub upstream_get_parameter: u64,
}

impl ExtensionStats {
    /// Every call upstream, to Secrets Manager or Parameter Store.
    pub fn upstream_calls(&self) -> u64 {
        self.upstream_get_secret_value + self.upstream_describe_secret + self.upstream_get_parameter
    }

    /// Values fetched upstream (a revalidation, DescribeSecret alone, fetches none).
    pub fn fetches(&self) -> u64 {
        self.upstream_get_secret_value + self.upstream_get_parameter
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
            upstream_get_parameter: self
                .upstream_get_parameter
                .saturating_sub(earlier.upstream_get_parameter),
        }
    }
}

/// The files a lab's local extension keeps in the state directory.
#[derive(Debug, Clone, Copy)]
pub enum LabFile {
    /// The running process's record.
    Process,
    /// The counters, kept across restarts.
    Stats,
    Log,
}

pub fn lab_file(dirs: &Dirs, lab: &str, file: LabFile) -> PathBuf {
    let suffix = match file {
        LabFile::Process => ".json",
        LabFile::Stats => ".stats.json",
        LabFile::Log => ".log",
    };
    dirs.extension_dir().join(format!("{lab}{suffix}"))
}

/// The address the stand-in listens on. Only a port can be chosen: the host is always
/// loopback, so no configuration can expose the secret cache to the network.
pub fn listen_address(port: u16) -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, port))
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
    fn records_from_before_parameters_still_parse() {
        let config: ExtensionConfig = serde_json::from_str(
            r#"{"lab":"a","port":2773,"ttl_seconds":1,"cache_size":10,"endpoint":"http://127.0.0.1:4566","region":"us-east-1"}"#,
        )
        .unwrap();
        assert_eq!(config.ssm_ttl_seconds, u64::from(defaults::SSM_TTL_SECONDS));
        let stats: ExtensionStats = serde_json::from_str(
            r#"{"requests":3,"served":2,"refused":1,"errors":0,"hits":1,"misses":1,"revalidations":0,"upstream_get_secret_value":1,"upstream_describe_secret":0}"#,
        )
        .unwrap();
        assert_eq!((stats.requests, stats.upstream_get_parameter), (3, 0));
    }

    #[test]
    fn stats_difference() {
        let stats = |requests, hits, misses, upstream_get_secret_value| ExtensionStats {
            requests,
            hits,
            misses,
            upstream_get_secret_value,
            ..Default::default()
        };
        let d = stats(7, 5, 2, 2).since(&stats(2, 1, 1, 1));
        assert_eq!(
            (d.requests, d.hits, d.misses, d.upstream_calls()),
            (5, 4, 1, 1)
        );
        let both = ExtensionStats {
            upstream_get_secret_value: 2,
            upstream_describe_secret: 1,
            upstream_get_parameter: 3,
            ..Default::default()
        };
        assert_eq!((both.upstream_calls(), both.fetches()), (6, 5));
    }
}
