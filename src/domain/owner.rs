//! Who owns a Lambda function (DESIGN §12): the CloudFormation stack (and the tool that drove
//! it), Terraform, a container image, or nobody — decided only from what AWS records (tags,
//! CloudFormation's resource index, the package type), never from names.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The tags CloudFormation sets on every resource it creates.
pub const TAG_STACK_NAME: &str = "aws:cloudformation:stack-name";
pub const TAG_LOGICAL_ID: &str = "aws:cloudformation:logical-id";
/// SAM tags the functions it creates `lambda:createdBy=SAM`.
pub const TAG_CREATED_BY: &str = "lambda:createdBy";
/// The resource type of the `CDKMetadata` resource CDK adds to its stacks.
pub const CDK_METADATA_TYPE: &str = "AWS::CDK::Metadata";
/// The output every Serverless Framework stack carries.
pub const SERVERLESS_OUTPUT: &str = "ServerlessDeploymentBucketName";

/// A function's owner. JSON: `{"kind": "cloudformation", "stack", "logical_id", "tool"}`,
/// `{"kind": "terraform"}`, `{"kind": "image"}`, `{"kind": "none"}`, or `{"kind": "unknown",
/// "reason"}` when what records the owner could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Owner {
    Cloudformation {
        stack: String,
        logical_id: String,
        tool: Option<Tool>,
    },
    Terraform,
    Image,
    None,
    Unknown {
        reason: String,
    },
}

/// The tool that deployed a CloudFormation stack, where its marks show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tool {
    Sam,
    Cdk,
    Serverless,
}

/// What one stack shows about the tool behind it (from `DescribeStacks` and
/// `ListStackResources`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackMarks {
    /// The stack has a resource of type `AWS::CDK::Metadata`.
    pub cdk_metadata: bool,
    /// The stack has the Serverless Framework's deployment-bucket output.
    pub serverless_output: bool,
}

/// Everything recorded about one function that bears on its owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerEvidence {
    /// `PackageType: Image`.
    pub image: bool,
    /// The function's tags (empty when it has none or they could not be read).
    pub tags: BTreeMap<String, String>,
    /// The stack and logical id from CloudFormation's own index, where the tags lack them.
    pub indexed: Option<(String, String)>,
    /// Marks of the owning stack, by stack name.
    pub stack_marks: Option<StackMarks>,
}

impl OwnerEvidence {
    /// The owning stack and logical id: the tags first, then CloudFormation's index.
    pub fn stack(&self) -> Option<(String, String)> {
        match (self.tags.get(TAG_STACK_NAME), self.tags.get(TAG_LOGICAL_ID)) {
            (Some(stack), Some(logical_id)) => Some((stack.clone(), logical_id.clone())),
            _ => self.indexed.clone(),
        }
    }
}

/// CloudFormation (it deploys the function, image or not) before a Terraform tag, before the
/// image, before nobody.
pub fn decide(evidence: &OwnerEvidence) -> Owner {
    if let Some((stack, logical_id)) = evidence.stack() {
        return Owner::Cloudformation {
            stack,
            logical_id,
            tool: tool(evidence),
        };
    }
    // A tag says so: a key naming Terraform, or a value that is just "terraform"
    // (`ManagedBy = terraform`).
    let terraform = evidence.tags.iter().any(|(key, value)| {
        key.to_ascii_lowercase().contains("terraform") || value.eq_ignore_ascii_case("terraform")
    });
    if terraform {
        return Owner::Terraform;
    }
    if evidence.image {
        Owner::Image
    } else {
        Owner::None
    }
}

fn tool(evidence: &OwnerEvidence) -> Option<Tool> {
    let marks = evidence.stack_marks.clone().unwrap_or_default();
    if evidence.tags.get(TAG_CREATED_BY).map(String::as_str) == Some("SAM") {
        Some(Tool::Sam)
    } else if marks.cdk_metadata {
        Some(Tool::Cdk)
    } else if marks.serverless_output {
        Some(Tool::Serverless)
    } else {
        None
    }
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sam => "SAM",
            Tool::Cdk => "CDK",
            Tool::Serverless => "Serverless Framework",
        }
    }
}

impl Owner {
    /// The `kind` key as a word (`cloudformation`, `terraform`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Owner::Cloudformation { .. } => "cloudformation",
            Owner::Terraform => "terraform",
            Owner::Image => "image",
            Owner::None => "none",
            Owner::Unknown { .. } => "unknown",
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Owner::Cloudformation {
                stack,
                logical_id,
                tool,
            } => {
                write!(f, "CloudFormation stack {stack}, logical id {logical_id}")?;
                match tool {
                    Some(tool) => write!(f, " (deployed with {})", tool.name()),
                    None => Ok(()),
                }
            }
            Owner::Terraform => f.write_str("Terraform (from its tag)"),
            Owner::Image => f.write_str("a container image"),
            Owner::None => f.write_str("none"),
            Owner::Unknown { reason } => write!(f, "unknown ({reason})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn owners_follow_what_aws_records() {
        for (evidence, expected) in cases().into_iter().chain(index_cases()) {
            assert_eq!(decide(&evidence), expected, "{evidence:?}");
        }
    }

    fn cases() -> Vec<(OwnerEvidence, Owner)> {
        let cfn = [(TAG_STACK_NAME, "orders"), (TAG_LOGICAL_ID, "Handler")];
        vec![
            (OwnerEvidence::default(), Owner::None),
            (
                OwnerEvidence {
                    image: true,
                    ..OwnerEvidence::default()
                },
                Owner::Image,
            ),
            (
                OwnerEvidence {
                    tags: tags(&[("ManagedBy-Terraform", "yes")]),
                    image: true,
                    ..OwnerEvidence::default()
                },
                Owner::Terraform,
            ),
            (
                OwnerEvidence {
                    tags: tags(&[("managed-by", "Terraform")]),
                    ..OwnerEvidence::default()
                },
                Owner::Terraform,
            ),
            (
                OwnerEvidence {
                    tags: tags(&cfn),
                    ..OwnerEvidence::default()
                },
                Owner::Cloudformation {
                    stack: "orders".into(),
                    logical_id: "Handler".into(),
                    tool: None,
                },
            ),
            (
                OwnerEvidence {
                    tags: tags(&[cfn[0], cfn[1], (TAG_CREATED_BY, "SAM")]),
                    ..OwnerEvidence::default()
                },
                Owner::Cloudformation {
                    stack: "orders".into(),
                    logical_id: "Handler".into(),
                    tool: Some(Tool::Sam),
                },
            ),
        ]
    }

    /// Owners from CloudFormation's index, where the tags lack them.
    fn index_cases() -> Vec<(OwnerEvidence, Owner)> {
        vec![
            (
                OwnerEvidence {
                    indexed: Some(("infra".into(), "Fn".into())),
                    stack_marks: Some(StackMarks {
                        cdk_metadata: true,
                        serverless_output: false,
                    }),
                    image: true,
                    ..OwnerEvidence::default()
                },
                Owner::Cloudformation {
                    stack: "infra".into(),
                    logical_id: "Fn".into(),
                    tool: Some(Tool::Cdk),
                },
            ),
            (
                OwnerEvidence {
                    indexed: Some(("svc-dev".into(), "HelloLambdaFunction".into())),
                    stack_marks: Some(StackMarks {
                        cdk_metadata: false,
                        serverless_output: true,
                    }),
                    ..OwnerEvidence::default()
                },
                Owner::Cloudformation {
                    stack: "svc-dev".into(),
                    logical_id: "HelloLambdaFunction".into(),
                    tool: Some(Tool::Serverless),
                },
            ),
        ]
    }

    #[test]
    fn owners_serialize_as_the_documented_keys() {
        let owner = Owner::Cloudformation {
            stack: "s".into(),
            logical_id: "L".into(),
            tool: None,
        };
        assert_eq!(
            serde_json::to_value(&owner).unwrap(),
            serde_json::json!({"kind": "cloudformation", "stack": "s", "logical_id": "L", "tool": null})
        );
        assert_eq!(
            serde_json::to_value(Owner::Image).unwrap(),
            serde_json::json!({"kind": "image"})
        );
        assert_eq!(
            serde_json::to_value(Owner::None).unwrap(),
            serde_json::json!({"kind": "none"})
        );
    }
}
