//! The extension's hygiene (DESIGN §19): what is not a leak but will hurt — an extension layer
//! behind the region's latest, settings that do nothing or break. Pure checks over one
//! function's `$LATEST` configuration (published versions are immutable: a fix is a new
//! version, so only `$LATEST` is checked). Reasons name variables, never their values.

use serde::Serialize;

use crate::aws::lambda::{FunctionConfig, Layer};
use crate::aws::layer::{LayerSource, ResolvedLayer};
use crate::domain::arn::Arn;
use crate::domain::defaults;
use crate::domain::extension::{env, latest_layer_parameter};
use crate::domain::kinds::Arch;

/// Seconds the extension accepts for a TTL (AWS documents 0–300).
const MAX_TTL_SECONDS: u64 = 300;
const CACHE_ENABLED: &str = "PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED";

/// Other extensions that listen on a port of their own: (layer name part, its port variable,
/// its default port).
const OTHER_EXTENSION_PORTS: &[(&str, &str, u16)] = &[(
    "AWS-AppConfig-Extension",
    "AWS_APPCONFIG_EXTENSION_HTTP_PORT",
    2772,
)];

/// Why a function's extension setup will hurt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    LayerBehind,
    TtlTooLong,
    TtlNotANumber,
    CacheDisabled,
    PortClash,
    TtlWithoutLayer,
    ReferenceWithoutLayer,
    LayerWithoutReference,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::LayerBehind => "layer_behind",
            Rule::TtlTooLong => "ttl_too_long",
            Rule::TtlNotANumber => "ttl_not_a_number",
            Rule::CacheDisabled => "cache_disabled",
            Rule::PortClash => "port_clash",
            Rule::TtlWithoutLayer => "ttl_without_layer",
            Rule::ReferenceWithoutLayer => "reference_without_layer",
            Rule::LayerWithoutReference => "layer_without_reference",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far the function's extension layer is behind the region's latest for its architecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerLag {
    pub arn: String,
    pub latest_arn: String,
    /// Versions between the two.
    pub behind: u64,
    /// Where the latest came from: the public SSM parameter, else the built-in table.
    pub latest_source: LayerSource,
}

/// One hygiene problem of one function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub rule: Rule,
    /// The variable at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<String>,
    pub reason: String,
    /// One line saying what to change.
    pub fix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerLag>,
}

/// A hygiene finding: where, and the issue (JSON `hygiene`; never counted as a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HygieneFinding {
    pub account: String,
    pub region: String,
    pub function: String,
    /// The `$LATEST` ARN.
    pub function_arn: String,
    #[serde(flatten)]
    pub issue: Issue,
}

impl Issue {
    fn new(rule: Rule, variable: Option<&str>, reason: String, fix: String) -> Self {
        Self {
            rule,
            variable: variable.map(str::to_string),
            reason,
            fix,
            layer: None,
        }
    }
}

/// A variable naming a secret for the extension to fetch (`SECRET_ID`, `DB_SECRET_ARN`, …).
fn is_secret_reference(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["SECRET_ID", "SECRET_ARN"]
        .iter()
        .any(|suffix| name == *suffix || name.ends_with(&format!("_{suffix}")))
}

/// A variable naming what the extension fetches: a secret, or a parameter.
fn is_reference(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    is_secret_reference(name) || upper == "PARAMETER_NAME" || upper.ends_with("_PARAMETER_NAME")
}

/// Every hygiene issue of one function's `$LATEST`; `latest` is the region's latest extension
/// layer for the function's architecture, when it could be resolved.
pub fn check(config: &FunctionConfig, latest: Option<&ResolvedLayer>) -> Vec<Issue> {
    let extension = config.layers.iter().find(|l| l.is_extension());
    let mut issues = Vec::new();
    // A container image brings its own extensions: layers do not apply, its settings still do.
    if extension.is_some() || config.is_image() {
        issues.extend(settings(config));
    }
    if config.is_image() {
        return issues;
    }
    match extension {
        Some(layer) => {
            issues.extend(latest.and_then(|latest| behind(config, layer, latest)));
            issues.extend(port_clash(config));
            if !config.env.keys().any(|name| is_reference(name)) {
                issues.push(Issue::new(
                    Rule::LayerWithoutReference,
                    None,
                    "the extension layer is attached, but no variable names a secret or parameter for it to fetch".into(),
                    "remove the layer, or point the handler at a secret with a `*_SECRET_ID` variable".into(),
                ));
            }
        }
        None => issues.extend(without_layer(config)),
    }
    issues
}

/// The TTLs and the cache switch, as the extension reads them.
fn settings(config: &FunctionConfig) -> Vec<Issue> {
    let mut issues = Vec::new();
    for name in [env::TTL, env::SSM_TTL] {
        let Some(raw) = config.env.get(name) else {
            continue;
        };
        match raw.trim().parse::<u64>() {
            Ok(seconds) if seconds > MAX_TTL_SECONDS => issues.push(Issue::new(
                Rule::TtlTooLong,
                Some(name),
                format!("{name} is above {MAX_TTL_SECONDS} s, the most the extension accepts"),
                format!("set {name} to {MAX_TTL_SECONDS} or less"),
            )),
            Ok(_) => {}
            Err(_) => issues.push(Issue::new(
                Rule::TtlNotANumber,
                Some(name),
                format!("{name} is not a whole number of seconds"),
                format!("set {name} to a number of seconds from 0 to {MAX_TTL_SECONDS}"),
            )),
        }
    }
    if config
        .env
        .get(CACHE_ENABLED)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
    {
        issues.push(Issue::new(
            Rule::CacheDisabled,
            Some(CACHE_ENABLED),
            "the extension's cache is off: every read goes to Secrets Manager or Parameter Store"
                .into(),
            format!("remove {CACHE_ENABLED}, or set it to true"),
        ));
    }
    issues
}

fn arch_name(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "x86_64",
        Arch::Arm64 => "arm64",
    }
}

/// The extension layer's lag behind `latest`, when it is the same layer (same name) at a
/// lower version.
fn behind(config: &FunctionConfig, layer: &Layer, latest: &ResolvedLayer) -> Option<Issue> {
    let current = Arn::parse(&layer.arn)?;
    let (name, version) = current.layer_version()?;
    let newest = Arn::parse(&latest.arn)?;
    let (latest_name, latest_version) = newest.layer_version()?;
    if name != latest_name || version >= latest_version {
        return None;
    }
    let lag = latest_version - version;
    let parameter = latest_layer_parameter(config.architecture);
    let from = match latest.source {
        LayerSource::SsmParameter => format!("read from AWS's public SSM parameter {parameter}"),
        LayerSource::BuiltInTable => {
            format!(
                "from the built-in table: the public SSM parameter {parameter} could not be read"
            )
        }
        LayerSource::Flag => "from --layer-arn".to_string(),
    };
    let arch = arch_name(config.architecture);
    let mut issue = Issue::new(
        Rule::LayerBehind,
        None,
        format!("the extension layer is at version {version}, {lag} behind the region's latest for {arch} ({from})"),
        format!("attach {}", latest.arn),
    );
    issue.layer = Some(LayerLag {
        arn: layer.arn.clone(),
        latest_arn: latest.arn.clone(),
        behind: lag,
        latest_source: latest.source,
    });
    Some(issue)
}

/// The extension's port (2773 unless set), claimed as well by another `*PORT` variable or
/// by another extension's default.
fn port_clash(config: &FunctionConfig) -> Option<Issue> {
    let port: u16 = config
        .env
        .get(env::HTTP_PORT)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(defaults::EXTENSION_PORT);
    let claims = |name: &str| {
        config
            .env
            .get(name)
            .is_some_and(|v| v.trim().parse::<u16>().ok() == Some(port))
    };
    let by_variable = config.env.keys().find(|name| {
        name.as_str() != env::HTTP_PORT
            && name.to_ascii_uppercase().ends_with("PORT")
            && claims(name)
    });
    let by_extension = OTHER_EXTENSION_PORTS
        .iter()
        .find(|(layer, variable, default)| {
            config.layers.iter().any(|l| l.arn.contains(layer))
                && !config.env.contains_key(*variable)
                && *default == port
        });
    let other = match (by_variable, by_extension) {
        (Some(name), _) => format!("the variable {name}"),
        (None, Some((layer, ..))) => format!("the {layer} layer"),
        (None, None) => return None,
    };
    Some(Issue::new(
        Rule::PortClash,
        Some(env::HTTP_PORT),
        format!("the extension's port is also claimed by {other}; one of them cannot listen"),
        format!(
            "set {} to a free port and point the handler at it",
            env::HTTP_PORT
        ),
    ))
}

/// Settings and references that need the layer, on a function without it.
fn without_layer(config: &FunctionConfig) -> Vec<Issue> {
    let mut issues = Vec::new();
    if config.env.contains_key(env::TTL) {
        issues.push(Issue::new(
            Rule::TtlWithoutLayer,
            Some(env::TTL),
            format!("{} is set, but no extension layer reads it", env::TTL),
            format!("attach the extension layer, or remove {}", env::TTL),
        ));
    }
    let references: Vec<&str> = (config.env.keys())
        .filter(|name| is_secret_reference(name))
        .map(String::as_str)
        .collect();
    if let Some(first) = references.first() {
        issues.push(Issue::new(
            Rule::ReferenceWithoutLayer,
            Some(first),
            format!(
                "{} names a secret, but no extension layer serves it",
                references.join(", ")
            ),
            "attach the extension layer (`secretslab migrate` does), or read the secret with the SDK".into(),
        ));
    }
    issues
}

#[cfg(test)]
mod tests;
