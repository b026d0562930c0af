//! Which AWS Parameters and Secrets Lambda Extension layer to bind, for this region and architecture.
//!
//! Order: `--layer-arn`; AWS's public SSM parameter; the built-in table (from the Systems
//! Manager user guide, 2026-01-09) when SSM cannot be read.

use crate::aws::errors::{into_error, kind, ErrorKind};
use crate::domain::arn::{Arn, Scope};
use crate::domain::extension::latest_layer_parameter;
use crate::domain::kinds::Arch;
use crate::error::{Code, Error, Result};

/// (region, publishing account, x86_64 version, arm64 version)
const LAYER_TABLE: &[(&str, &str, u32, u32)] = &[
    ("us-east-1", "177933569100", 24, 24),
    ("us-east-2", "590474943231", 28, 28),
    ("us-west-1", "997803712105", 24, 21),
    ("us-west-2", "345057560386", 24, 24),
    ("af-south-1", "317013901791", 24, 21),
    ("ap-east-1", "768336418462", 26, 23),
    ("ap-east-2", "890742577149", 14, 10),
    ("ap-south-1", "176022468876", 24, 24),
    ("ap-south-2", "070087711984", 21, 13),
    ("ap-northeast-1", "133490724326", 24, 24),
    ("ap-northeast-2", "738900069198", 24, 21),
    ("ap-northeast-3", "576959938190", 24, 21),
    ("ap-southeast-1", "044395824272", 24, 24),
    ("ap-southeast-2", "665172237481", 24, 24),
    ("ap-southeast-3", "490737872127", 24, 21),
    ("ap-southeast-4", "090732460067", 14, 13),
    ("ap-southeast-5", "381492012281", 13, 13),
    ("ap-southeast-6", "995508174458", 8, 6),
    ("ap-southeast-7", "941377119484", 12, 11),
    ("ca-central-1", "200266452380", 27, 24),
    ("ca-west-1", "243964427225", 16, 15),
    ("eu-central-1", "187925254637", 24, 24),
    ("eu-central-2", "772501565639", 23, 15),
    ("eu-west-1", "015030872274", 24, 24),
    ("eu-west-2", "133256977650", 24, 24),
    ("eu-west-3", "780235371811", 24, 21),
    ("eu-south-1", "325218067255", 24, 21),
    ("eu-south-2", "524103009944", 23, 15),
    ("eu-north-1", "427196147048", 24, 21),
    ("il-central-1", "148806536434", 16, 15),
    ("me-south-1", "832021897121", 24, 21),
    ("me-central-1", "858974508948", 24, 13),
    ("mx-central-1", "241533131596", 11, 10),
    ("sa-east-1", "933737806257", 24, 21),
    ("cn-north-1", "287114880934", 24, 13),
    ("cn-northwest-1", "287310001119", 24, 13),
    ("us-gov-east-1", "129776340158", 24, 13),
    ("us-gov-west-1", "127562683043", 24, 13),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerSource {
    /// `--layer-arn`
    Flag,
    /// AWS's public SSM parameter
    SsmParameter,
    /// The table built into secretslab
    BuiltInTable,
}

impl std::fmt::Display for LayerSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LayerSource::Flag => "--layer-arn",
            LayerSource::SsmParameter => "AWS's public SSM parameter",
            LayerSource::BuiltInTable => "built-in table",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResolvedLayer {
    pub arn: String,
    pub source: LayerSource,
}

/// Every region the built-in table knows (the regions the extension is published in).
pub fn known_regions() -> impl Iterator<Item = &'static str> {
    LAYER_TABLE.iter().map(|(region, ..)| *region)
}

pub fn partition_for_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn layer_name(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "AWS-Parameters-and-Secrets-Lambda-Extension",
        Arch::Arm64 => "AWS-Parameters-and-Secrets-Lambda-Extension-Arm64",
    }
}

/// The built-in table's ARN for `region` and `arch`.
pub fn table_arn(region: &str, arch: Arch) -> Option<String> {
    LAYER_TABLE
        .iter()
        .find(|(r, ..)| *r == region)
        .map(|(_, account, x86, arm)| {
            let version = match arch {
                Arch::X86_64 => x86,
                Arch::Arm64 => arm,
            };
            Scope::new(partition_for_region(region), region, account)
                .layer_version(layer_name(arch), u64::from(*version))
                .to_string()
        })
}

/// Check a user-supplied layer ARN: well-formed, and in the function's region
/// (a layer from another region is what makes Lambda answer AccessDenied on GetLayerVersion).
pub fn check_layer_arn(arn: &str, region: &str) -> Result<()> {
    let Some(layer) = Arn::parse(arn).filter(|a| a.layer_version().is_some()) else {
        return Err(Error::invalid(
            Code::BadLayerArn,
            format!("`{arn}` is not a Lambda layer version ARN"),
            "expected arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>",
        ));
    };
    let layer_region = layer.region();
    if layer_region != region {
        return Err(Error::invalid(
            Code::LayerWrongRegion,
            format!("the layer ARN is in region {layer_region}, but the function is in {region}"),
            format!(
                "Lambda can only bind a layer from the function's own region (otherwise it answers AccessDenied on GetLayerVersion); use the {region} ARN, or pass `--region {layer_region}`"
            ),
        ));
    }
    Ok(())
}

/// Resolve the layer ARN for this region and architecture, saying where it came from.
pub async fn resolve_layer(
    ssm: &aws_sdk_ssm::Client,
    region: &str,
    arch: Arch,
    flag: Option<&str>,
) -> Result<ResolvedLayer> {
    if let Some(arn) = flag {
        check_layer_arn(arn, region)?;
        return Ok(ResolvedLayer {
            arn: arn.to_string(),
            source: LayerSource::Flag,
        });
    }
    match ssm
        .get_parameter()
        .name(latest_layer_parameter(arch))
        .send()
        .await
    {
        Ok(out) => {
            if let Some(arn) = out.parameter().and_then(|p| p.value()) {
                if check_layer_arn(arn, region).is_ok() {
                    return Ok(ResolvedLayer {
                        arn: arn.to_string(),
                        source: LayerSource::SsmParameter,
                    });
                }
                tracing::warn!(
                    "the SSM parameter holds an unexpected value; using the built-in table"
                );
            }
        }
        Err(err) => match kind(&err) {
            // Credential problems are not a reason to fall back: they will fail everything else too.
            ErrorKind::NoCredentials | ErrorKind::BadCredentials => {
                return Err(into_error(
                    err,
                    "reading the extension layer's SSM parameter",
                ))
            }
            _ => tracing::debug!("SSM parameter not readable, using the built-in table"),
        },
    }
    table_arn(region, arch)
        .map(|arn| ResolvedLayer {
            arn,
            source: LayerSource::BuiltInTable,
        })
        .ok_or_else(|| Error::UnknownLayerRegion {
            region: region.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ssm::operation::get_parameter::{GetParameterError, GetParameterOutput};
    use aws_sdk_ssm::types::error::ParameterNotFound;
    use aws_sdk_ssm::types::Parameter;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    #[test]
    fn table_covers_both_architectures() {
        assert_eq!(
            table_arn("us-east-2", Arch::X86_64).unwrap(),
            "arn:aws:lambda:us-east-2:590474943231:layer:AWS-Parameters-and-Secrets-Lambda-Extension:28"
        );
        assert_eq!(
            table_arn("cn-north-1", Arch::Arm64).unwrap(),
            "arn:aws-cn:lambda:cn-north-1:287114880934:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:13"
        );
        assert!(table_arn("xx-nowhere-1", Arch::X86_64).is_none());
        for (region, ..) in LAYER_TABLE {
            for arch in [Arch::X86_64, Arch::Arm64] {
                check_layer_arn(&table_arn(region, arch).unwrap(), region).unwrap();
            }
        }
    }

    #[test]
    fn wrong_region_layer_is_explained() {
        let arn = table_arn("us-east-1", Arch::X86_64).unwrap();
        let err = check_layer_arn(&arn, "eu-west-1").unwrap_err();
        assert!(err.to_string().contains("us-east-1"));
        assert!(err.help_text().unwrap().contains("AccessDenied"));
    }

    #[tokio::test]
    async fn flag_wins() {
        let ssm = mock_client!(aws_sdk_ssm, []);
        let arn = "arn:aws:lambda:eu-west-1:1:layer:Custom:3";
        let layer = resolve_layer(&ssm, "eu-west-1", Arch::X86_64, Some(arn))
            .await
            .unwrap();
        assert_eq!(layer.source, LayerSource::Flag);
    }

    #[tokio::test]
    async fn ssm_parameter_is_preferred_to_the_table() {
        let rule = mock!(aws_sdk_ssm::Client::get_parameter)
            .match_requests(|req| req.name() == Some(latest_layer_parameter(Arch::Arm64)))
            .then_output(|| {
                GetParameterOutput::builder()
                    .parameter(
                        Parameter::builder()
                            .value("arn:aws:lambda:eu-west-1:015030872274:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:30")
                            .build(),
                    )
                    .build()
            });
        let ssm = mock_client!(aws_sdk_ssm, [&rule]);
        let layer = resolve_layer(&ssm, "eu-west-1", Arch::Arm64, None)
            .await
            .unwrap();
        assert_eq!(layer.source, LayerSource::SsmParameter);
        assert!(layer.arn.ends_with(":30"));
    }

    #[tokio::test]
    async fn table_when_ssm_has_no_parameter_and_error_for_unknown_region() {
        let rule = mock!(aws_sdk_ssm::Client::get_parameter).then_error(|| {
            GetParameterError::ParameterNotFound(
                ParameterNotFound::builder()
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("ParameterNotFound")
                            .build(),
                    )
                    .build(),
            )
        });
        let ssm = mock_client!(aws_sdk_ssm, RuleMode::MatchAny, [&rule]);
        let layer = resolve_layer(&ssm, "eu-west-1", Arch::X86_64, None)
            .await
            .unwrap();
        assert_eq!(layer.source, LayerSource::BuiltInTable);
        let err = resolve_layer(&ssm, "xx-nowhere-1", Arch::X86_64, None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::UnknownLayerRegion { .. }));
        assert!(err.help_text().unwrap().contains("--layer-arn"));
    }
}
