//! The Parameters and Secrets extension's settings, as the function's environment carries them.

use std::collections::BTreeMap;

use crate::domain::defaults;
use crate::domain::kinds::{Arch, Store};

/// Environment variable names the function's handler and the extension read.
pub mod env {
    pub const SECRET_ID: &str = "SECRET_ID";
    pub const PARAMETER_NAME: &str = "PARAMETER_NAME";
    pub const HTTP_PORT: &str = "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT";
    pub const TTL: &str = "SECRETS_MANAGER_TTL";
    pub const SSM_TTL: &str = "SSM_PARAMETER_STORE_TTL";
    pub const CACHE_SIZE: &str = "PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE";
    pub const LOG_LEVEL: &str = "PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL";
    /// Upstream connections the extension keeps (AWS's default: 3).
    pub const MAX_CONNECTIONS: &str = "PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS";
    pub const DEFAULT_MAX_CONNECTIONS: i32 = 3;
}

/// The public SSM parameter that names the region's latest extension layer for `arch`: what
/// `up` and `migrate` resolve at run time, and what a pinned ARN in an export is refreshed from.
pub fn latest_layer_parameter(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "/aws/service/aws-parameters-and-secrets-lambda-extension/x86/latest",
        Arch::Arm64 => "/aws/service/aws-parameters-and-secrets-lambda-extension/arm64/latest",
    }
}

/// Said beside a pinned extension layer ARN in what secretslab writes for others.
pub fn pinned_layer_note(arch: Arch) -> String {
    let parameter = latest_layer_parameter(arch);
    format!("pinned when written; refresh it from the public SSM parameter {parameter} (`aws ssm get-parameter --name {parameter}`)")
}

/// How the extension serves one function: its port, how long it caches secrets and
/// parameters, how much (one size for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtensionSettings {
    pub port: u16,
    pub ttl_seconds: u16,
    pub ssm_ttl_seconds: u16,
    pub cache_size: u16,
}

impl Default for ExtensionSettings {
    fn default() -> Self {
        Self {
            port: defaults::EXTENSION_PORT,
            ttl_seconds: defaults::TTL_SECONDS,
            ssm_ttl_seconds: defaults::SSM_TTL_SECONDS,
            cache_size: defaults::CACHE_SIZE,
        }
    }
}

impl ExtensionSettings {
    /// What the extension reads from a function's environment (its defaults where unset).
    pub fn from_env(vars: &BTreeMap<String, String>) -> Self {
        let fallback = Self::default();
        let number = |key: &str, default: u16| {
            vars.get(key)
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Self {
            port: number(env::HTTP_PORT, fallback.port),
            ttl_seconds: number(env::TTL, fallback.ttl_seconds),
            ssm_ttl_seconds: number(env::SSM_TTL, fallback.ssm_ttl_seconds),
            cache_size: number(env::CACHE_SIZE, fallback.cache_size),
        }
    }

    /// Which store a function's environment points the handler at: `PARAMETER_NAME` means
    /// Parameter Store, anything else the secret of `SECRET_ID`.
    pub fn store_of(vars: &BTreeMap<String, String>) -> Store {
        if vars.contains_key(env::PARAMETER_NAME) {
            Store::ParameterStore
        } else {
            Store::SecretsManager
        }
    }

    /// The lab function's environment: what to read from `store` (a secret id, or a
    /// parameter name) and these settings.
    pub fn function_env(&self, store: Store, name: &str) -> BTreeMap<String, String> {
        let reference = match store {
            Store::SecretsManager => env::SECRET_ID,
            Store::ParameterStore => env::PARAMETER_NAME,
        };
        BTreeMap::from([
            (reference.to_string(), name.to_string()),
            (env::HTTP_PORT.to_string(), self.port.to_string()),
            (env::TTL.to_string(), self.ttl_seconds.to_string()),
            (env::SSM_TTL.to_string(), self.ssm_ttl_seconds.to_string()),
            (env::CACHE_SIZE.to_string(), self.cache_size.to_string()),
            (env::LOG_LEVEL.to_string(), "INFO".to_string()),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_round_trip() {
        let settings = ExtensionSettings {
            port: 40123,
            ttl_seconds: 1,
            ssm_ttl_seconds: 0,
            cache_size: 0,
        };
        let vars = settings.function_env(Store::SecretsManager, "lab/credentials");
        assert_eq!(vars[env::SECRET_ID], "lab/credentials");
        let vars = settings.function_env(Store::ParameterStore, "/lab/credentials");
        assert_eq!(vars[env::PARAMETER_NAME], "/lab/credentials");
        assert!(!vars.contains_key(env::SECRET_ID));
        assert_eq!(ExtensionSettings::store_of(&vars), Store::ParameterStore);
        assert_eq!(ExtensionSettings::from_env(&vars), settings);
        assert_eq!(
            ExtensionSettings::from_env(&BTreeMap::new()),
            ExtensionSettings::default()
        );
    }
}
