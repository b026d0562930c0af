//! Small closed sets of choices the lab is made of: the function's architecture and runtime,
//! and which local program plays the extension.

use serde::{Deserialize, Serialize};

/// Lambda's default is x86_64.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum, Serialize)]
pub enum Arch {
    #[default]
    #[value(name = "x86_64")]
    #[serde(rename = "x86_64")]
    X86_64,
    #[value(name = "arm64")]
    #[serde(rename = "arm64")]
    Arm64,
}

/// The function's runtime: Lambda's identifier is the CLI value (see `domain::handler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
pub enum Runtime {
    #[value(name = "python3.12")]
    #[serde(rename = "python3.12")]
    Python312,
    #[value(name = "python3.13")]
    #[serde(rename = "python3.13")]
    Python313,
    #[value(name = "python3.14")]
    #[serde(rename = "python3.14")]
    Python314,
    #[value(name = "nodejs20.x")]
    #[serde(rename = "nodejs20.x")]
    Nodejs20,
    #[value(name = "nodejs22.x")]
    #[serde(rename = "nodejs22.x")]
    Nodejs22,
}

/// Which program answers the extension's HTTP API locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtensionKind {
    /// The built-in stand-in on aws_secretsmanager_caching
    Standin,
    /// AWS's open-source Secrets Manager Agent, when installed
    Agent,
}

impl std::fmt::Display for ExtensionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Standin => "standin",
            Self::Agent => "agent",
        })
    }
}

/// Where the lab keeps its credentials; the extension reads both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Store {
    // A Secrets Manager secret `NAME/credentials`.
    #[default]
    SecretsManager,
    // A Parameter Store `SecureString` parameter `/NAME/credentials`.
    ParameterStore,
}

impl std::fmt::Display for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SecretsManager => "secrets-manager",
            Self::ParameterStore => "parameter-store",
        })
    }
}

impl Store {
    /// The kind of resource that holds the credentials in this store.
    pub fn kind(self) -> crate::domain::names::ResourceKind {
        match self {
            Self::SecretsManager => crate::domain::names::ResourceKind::Secret,
            Self::ParameterStore => crate::domain::names::ResourceKind::Parameter,
        }
    }

    /// The other store (the one a switch leaves).
    pub fn other(self) -> Self {
        match self {
            Self::SecretsManager => Self::ParameterStore,
            Self::ParameterStore => Self::SecretsManager,
        }
    }
}
