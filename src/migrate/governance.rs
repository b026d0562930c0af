//! What the account's governance does to the extension, decided before migrate's first
//! write: a code-signing configuration that enforces signatures rejects the AWS-published
//! layer (so expand would stop after the document and the grant), and on Lambda Managed
//! Instances one extension cache and its upstream connections serve several requests at once.

use crate::aws::code_signing::CodeSigning;
use crate::aws::target_function::TargetFunction;
use crate::domain::extension::env::{DEFAULT_MAX_CONNECTIONS, MAX_CONNECTIONS};
use crate::error::{Code, Error, Result};

/// Refused when Lambda would reject the layer migrate is about to add; warned when it would
/// only log it, or when nobody could tell. A layer already attached is past this check.
pub fn check_code_signing(
    function: &TargetFunction,
    signing: &CodeSigning,
    adds_layer: bool,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if !adds_layer {
        return Ok(());
    }
    let name = &function.name;
    match signing {
        CodeSigning::None => Ok(()),
        CodeSigning::Enforce { config_arn } => Err(Error::refused(
            Code::CodeSigningEnforced,
            format!(
                "`{name}` enforces code signing ({config_arn}): Lambda would reject the extension layer, which AWS publishes unsigned by your signing profiles"
            ),
            "set the configuration's UntrustedArtifactOnDeployment to Warn, or deploy the extension inside the function's own signed package (`--emit` prints the change); nothing was changed",
        )),
        CodeSigning::Warn { config_arn } => {
            warnings.push(format!(
                "`{name}` has code signing in Warn mode ({config_arn}): Lambda accepts the unsigned extension layer and logs a signature warning for it"
            ));
            Ok(())
        }
        CodeSigning::Unreadable { reason } => {
            warnings.push(format!(
                "the code-signing configuration of `{name}` could not be read ({reason}): if it enforces signatures, Lambda rejects the extension layer at the function step (`--rollback` undoes the steps before it)"
            ));
            Ok(())
        }
    }
}

/// On Managed Instances: the note, and the extension's upstream connections sized to the
/// requests one environment serves at once (added only when the function sets none).
pub fn managed_instances(
    function: &TargetFunction,
    warnings: &mut Vec<String>,
) -> Option<(String, String)> {
    let managed = function.managed_instances.as_ref()?;
    let name = &function.name;
    let concurrency = managed.max_concurrency;
    warnings.push(format!(
        "`{name}` runs on Lambda Managed Instances ({}): one extension cache serves up to {} requests at once in each execution environment, and a rotated value reaches all of them when its TTL expires",
        managed.capacity_provider_arn,
        concurrency.map_or("several".to_string(), |n| n.to_string()),
    ));
    let current = function.env.get(MAX_CONNECTIONS);
    match (concurrency, current) {
        (Some(wanted), None) if wanted > DEFAULT_MAX_CONNECTIONS => {
            Some((MAX_CONNECTIONS.to_string(), wanted.to_string()))
        }
        (Some(wanted), Some(set)) if set.parse::<i32>().is_ok_and(|set| set < wanted) => {
            warnings.push(format!(
                "`{name}` sets {MAX_CONNECTIONS}={set}, fewer than the {wanted} requests an environment serves at once: raise it to {wanted}"
            ));
            None
        }
        (None, None) => {
            warnings.push(format!(
                "`{name}` sets no PerExecutionEnvironmentMaxConcurrency: size {MAX_CONNECTIONS} (default {DEFAULT_MAX_CONNECTIONS}) to the requests an environment serves at once"
            ));
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::lambda::ManagedInstances;
    use crate::migrate::fixtures::{function, PASSWORD};

    const CSC: &str = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-1";

    #[test]
    fn enforce_refuses_warn_warns_and_an_attached_layer_is_past_the_check() {
        let f = function(&[("DB_PASSWORD", PASSWORD)], &[]);
        let enforce = CodeSigning::Enforce {
            config_arn: CSC.into(),
        };
        let mut warnings = Vec::new();
        let err = check_code_signing(&f, &enforce, true, &mut warnings).unwrap_err();
        assert_eq!(err.code(), Code::CodeSigningEnforced);
        assert!(err.to_string().contains(CSC), "{err}");
        assert!(err.help_text().unwrap().contains("nothing was changed"));
        assert!(check_code_signing(&f, &enforce, false, &mut warnings).is_ok());
        assert!(warnings.is_empty());
        let warn = CodeSigning::Warn {
            config_arn: CSC.into(),
        };
        check_code_signing(&f, &warn, true, &mut warnings).unwrap();
        assert!(warnings[0].contains("Warn mode"), "{warnings:?}");
    }

    fn managed(max_concurrency: Option<i32>, env: &[(&str, &str)]) -> TargetFunction {
        TargetFunction {
            managed_instances: Some(ManagedInstances {
                capacity_provider_arn:
                    "arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp-1".into(),
                max_concurrency,
            }),
            ..function(env, &[])
        }
    }

    #[test]
    fn managed_instances_size_the_connections_to_the_concurrency() {
        let mut warnings = Vec::new();
        let added = managed_instances(&managed(Some(16), &[]), &mut warnings);
        assert_eq!(added, Some((MAX_CONNECTIONS.to_string(), "16".to_string())));
        assert!(warnings[0].contains("up to 16 requests"), "{warnings:?}");
        let mut warnings = Vec::new();
        let low = [(MAX_CONNECTIONS, "4")];
        assert_eq!(
            managed_instances(&managed(Some(16), &low), &mut warnings),
            None
        );
        assert!(warnings[1].contains("raise it to 16"), "{warnings:?}");
        let mut warnings = Vec::new();
        assert_eq!(
            managed_instances(&managed(Some(2), &[]), &mut warnings),
            None
        );
        assert_eq!(warnings.len(), 1);
        let plain = function(&[], &[]);
        assert_eq!(managed_instances(&plain, &mut warnings), None);
        assert_eq!(
            warnings.len(),
            1,
            "a function on Lambda's own fleet gets no note"
        );
    }
}
