//! One function version's configuration as Lambda reports it, converted once from the SDK's
//! answer: runtime, architecture, package type and states as enums, the environment as the
//! redacting [`Environment`], layers with their sizes. Every Lambda read returns it.

use std::collections::BTreeMap;

use aws_sdk_lambda::types::{
    AliasConfiguration, Architecture, FunctionConfiguration, SnapStartApplyOn,
};

use crate::domain::arn::Arn;
use crate::domain::environment::Environment;
use crate::domain::extension::ExtensionSettings;
use crate::domain::kinds::Arch;
use crate::domain::runtime::LambdaRuntime;
use crate::error::{Error, Result};

/// An enum of Lambda's strings with a fallback that keeps a value this tool does not know;
/// it prints and serializes as AWS spells it.
macro_rules! lambda_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $id:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this tool does not know, as AWS sent it.
            Other(String),
        }

        impl $name {
            pub fn from_id(id: &str) -> Self {
                match id {
                    $($id => Self::$variant,)+
                    other => Self::Other(other.to_string()),
                }
            }

            /// AWS's spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $id,)+
                    Self::Other(id) => id,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

lambda_enum!(
    /// How the code is deployed: a zip (which takes layers) or a container image (which does not).
    #[derive(Default)]
    PackageType { #[default] Zip => "Zip", Image => "Image" }
);

lambda_enum!(
    /// The function's `State`.
    State { Pending => "Pending", Active => "Active", Inactive => "Inactive", Failed => "Failed" }
);

lambda_enum!(
    /// The outcome of the function's last update (`LastUpdateStatus`).
    UpdateStatus { Successful => "Successful", InProgress => "InProgress", Failed => "Failed" }
);

/// A layer a version uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layer {
    /// The layer version's ARN.
    pub arn: String,
    /// Bytes of the layer's package, when Lambda says.
    pub code_size: i64,
}

impl Layer {
    /// A layer known by its ARN only (the lab's desired state, tests).
    pub fn new(arn: impl Into<String>) -> Self {
        Self {
            arn: arn.into(),
            code_size: 0,
        }
    }

    /// The AWS Parameters and Secrets Lambda Extension.
    pub fn is_extension(&self) -> bool {
        self.arn.contains("Parameters-and-Secrets")
    }
}

/// One version (`$LATEST` or published) of a function, as Lambda reports it. `Debug` shows
/// the environment's names only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionConfig {
    pub name: String,
    /// The unqualified ARN (`…:function:NAME`).
    pub arn: String,
    /// `$LATEST` or the published version's number.
    pub version: String,
    /// `None` for a container image, which brings its own.
    pub runtime: Option<LambdaRuntime>,
    pub architecture: Arch,
    pub package_type: PackageType,
    pub state: Option<State>,
    pub last_update_status: Option<UpdateStatus>,
    pub env: Environment,
    pub layers: Vec<Layer>,
    pub role: String,
    pub handler: String,
    pub timeout: Option<i32>,
    pub memory: Option<i32>,
    pub code_sha256: String,
    pub code_size: i64,
    pub revision_id: Option<String>,
    /// Set when the function runs inside a VPC.
    pub vpc_id: Option<String>,
    /// SnapStart on published versions (its restores do not set `AWS_SESSION_TOKEN`).
    pub snap_start: bool,
    /// The image's URI, for an image read with `GetFunction` (list calls do not carry it).
    pub image_uri: Option<String>,
    /// Lambda Managed Instances: one execution environment serves several requests at once.
    pub managed_instances: Option<ManagedInstances>,
}

/// A function on a capacity provider (Lambda Managed Instances).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedInstances {
    pub capacity_provider_arn: String,
    /// `PerExecutionEnvironmentMaxConcurrency`: requests one environment serves at once.
    pub max_concurrency: Option<i32>,
}

impl FunctionConfig {
    /// Convert one SDK answer; `operation` names the call in the error when a field AWS
    /// always sends is missing.
    pub fn from_sdk(config: &FunctionConfiguration, operation: &str) -> Result<Self> {
        let arn = Error::required(config.function_arn(), operation, "FunctionArn")?;
        let arn = Arn::parse(&arn).map_or(arn.clone(), |arn| arn.unqualified().to_string());
        Ok(Self {
            name: Error::required(config.function_name(), operation, "FunctionName")?,
            arn,
            version: config.version().unwrap_or("$LATEST").to_string(),
            runtime: config.runtime().map(|r| LambdaRuntime::from_id(r.as_str())),
            architecture: arch_of(config.architectures()),
            package_type: config
                .package_type()
                .map_or_else(PackageType::default, |p| PackageType::from_id(p.as_str())),
            state: config.state().map(|s| State::from_id(s.as_str())),
            last_update_status: (config.last_update_status())
                .map(|s| UpdateStatus::from_id(s.as_str())),
            env: env_of(config),
            layers: layers_of(config),
            role: config.role().unwrap_or_default().to_string(),
            handler: config.handler().unwrap_or_default().to_string(),
            timeout: config.timeout(),
            memory: config.memory_size(),
            code_sha256: config.code_sha256().unwrap_or_default().to_string(),
            code_size: config.code_size(),
            revision_id: config.revision_id().map(str::to_string),
            vpc_id: (config.vpc_config().and_then(|v| v.vpc_id()))
                .filter(|id| !id.is_empty())
                .map(str::to_string),
            snap_start: config.snap_start().and_then(|s| s.apply_on())
                == Some(&SnapStartApplyOn::PublishedVersions),
            image_uri: None,
            managed_instances: (config.capacity_provider_config())
                .and_then(|c| c.lambda_managed_instances_capacity_provider_config())
                .map(|c| ManagedInstances {
                    capacity_provider_arn: c.capacity_provider_arn().to_string(),
                    max_concurrency: c.per_execution_environment_max_concurrency(),
                }),
        })
    }

    /// This version's own ARN (`…:function:NAME:VERSION`).
    pub fn qualified_arn(&self) -> String {
        qualified(&self.arn, &self.version)
    }

    pub fn is_image(&self) -> bool {
        self.package_type == PackageType::Image
    }

    /// `$LATEST`, the version every change lands on.
    pub fn is_latest(&self) -> bool {
        self.version == "$LATEST"
    }

    /// Active, and no update under way.
    pub fn is_settled(&self) -> bool {
        self.state == Some(State::Active)
            && (self.last_update_status.as_ref()).is_none_or(|s| *s == UpdateStatus::Successful)
    }

    pub fn layer_arns(&self) -> Vec<String> {
        self.layers.iter().map(|l| l.arn.clone()).collect()
    }

    /// The extension's layer among the function's layers.
    pub fn extension_layer(&self) -> Option<&Layer> {
        self.layers.iter().find(|l| l.is_extension())
    }

    /// The extension settings the function's environment carries.
    pub fn extension(&self) -> ExtensionSettings {
        ExtensionSettings::from_env(&self.env)
    }
}

/// `…:function:NAME` and a version or alias → `…:function:NAME:QUALIFIER` (appended as
/// it is when the endpoint's ARN does not parse).
pub fn qualified(function_arn: &str, qualifier: &str) -> String {
    Arn::parse(function_arn).map_or_else(
        || format!("{function_arn}:{qualifier}"),
        |arn| arn.qualified(qualifier).to_string(),
    )
}

/// Lambda's default is x86_64 when it names none.
fn arch_of(architectures: &[Architecture]) -> Arch {
    match architectures.first() {
        Some(Architecture::Arm64) => Arch::Arm64,
        _ => Arch::X86_64,
    }
}

fn env_of(config: &FunctionConfiguration) -> Environment {
    let vars = config.environment().and_then(|e| e.variables());
    vars.map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

fn layers_of(config: &FunctionConfiguration) -> Vec<Layer> {
    let layers = config.layers().iter();
    let read = layers.filter_map(|l| {
        l.arn().map(|arn| Layer {
            arn: arn.to_string(),
            code_size: l.code_size(),
        })
    });
    read.collect()
}

/// An alias and where it routes invocations: its version, and the weighted share its
/// routing configuration sends to others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alias {
    pub name: String,
    pub arn: String,
    pub version: String,
    /// Version → share of invocations (0.0..1.0) routed there instead of `version`.
    pub weights: BTreeMap<String, f64>,
}

impl Alias {
    pub fn from_sdk(alias: &AliasConfiguration) -> Option<Self> {
        let weights = alias
            .routing_config()
            .and_then(|r| r.additional_version_weights());
        Some(Self {
            name: alias.name()?.to_string(),
            arn: alias.alias_arn().unwrap_or_default().to_string(),
            version: alias.function_version().unwrap_or_default().to_string(),
            weights: weights.cloned().unwrap_or_default().into_iter().collect(),
        })
    }

    /// Every version it routes to: its own first, then the weighted ones.
    pub fn versions(&self) -> Vec<String> {
        let own = (!self.version.is_empty()).then(|| self.version.clone());
        own.into_iter()
            .chain(self.weights.keys().cloned())
            .collect()
    }
}
