//! Reading what AWS records about who owns the functions of one account and region: every
//! function's tags in one paged call (Resource Groups Tagging `GetResources`), the stacks
//! (`DescribeStacks`) and each stack's functions and CDK mark (`ListStackResources`). A few
//! calls per account and region, none per function, and none on Lambda's control-plane limit.

use crate::domain::arn::Arn;
use std::collections::{BTreeMap, HashMap};

use futures_util::stream::{self, StreamExt};

use super::errors::describe;
use crate::domain::owner::{
    decide, Owner, OwnerEvidence, StackMarks, CDK_METADATA_TYPE, SERVERLESS_OUTPUT,
};

/// `ListStackResources` calls at once in one account and region.
const STACKS_IN_FLIGHT: usize = 4;
const FUNCTION_TYPE: &str = "AWS::Lambda::Function";

/// What one account and region records about function owners.
#[derive(Debug, Clone, Default)]
pub struct OwnerIndex {
    /// Function name → its tags (functions without tags are absent).
    tags: HashMap<String, BTreeMap<String, String>>,
    /// Function name (CloudFormation's physical id) → (stack, logical id).
    indexed: HashMap<String, (String, String)>,
    /// Stack name → its marks.
    marks: HashMap<String, StackMarks>,
    /// The first call that failed: owners are then unknown rather than guessed as none.
    error: Option<String>,
}

impl OwnerIndex {
    /// The owner of `function` (by name); `image` for `PackageType: Image`.
    pub fn owner(&self, function: &str, image: bool) -> Owner {
        if let Some(error) = &self.error {
            return Owner::Unknown {
                reason: error.clone(),
            };
        }
        let mut evidence = OwnerEvidence {
            image,
            tags: self.tags.get(function).cloned().unwrap_or_default(),
            indexed: self.indexed.get(function).cloned(),
            stack_marks: None,
        };
        evidence.stack_marks = evidence
            .stack()
            .and_then(|(stack, _)| self.marks.get(&stack).cloned());
        decide(&evidence)
    }
}

/// Read the owner records of one account and region.
pub async fn read_index(
    cloudformation: &aws_sdk_cloudformation::Client,
    tagging: &aws_sdk_resourcegroupstagging::Client,
) -> OwnerIndex {
    let (tags, stacks) = tokio::join!(function_tags(tagging), stacks(cloudformation));
    let mut index = OwnerIndex::default();
    match tags {
        Ok(tags) => index.tags = tags,
        Err(e) => index.error = Some(e),
    }
    let stacks = match stacks {
        Ok(stacks) => stacks,
        Err(e) => {
            index.error.get_or_insert(e);
            return index;
        }
    };
    let listed: Vec<_> = stream::iter(stacks)
        .map(|(stack, serverless)| async move {
            let resources = stack_resources(cloudformation, &stack).await;
            (stack, serverless, resources)
        })
        .buffer_unordered(STACKS_IN_FLIGHT)
        .collect()
        .await;
    for (stack, serverless_output, resources) in listed {
        let resources = match resources {
            Ok(resources) => resources,
            Err(e) => {
                index.error.get_or_insert(e);
                continue;
            }
        };
        let cdk_metadata = resources.iter().any(|r| r.kind == CDK_METADATA_TYPE);
        for resource in resources.into_iter().filter(|r| r.kind == FUNCTION_TYPE) {
            index
                .indexed
                .insert(resource.physical_id, (stack.clone(), resource.logical_id));
        }
        let marks = StackMarks {
            cdk_metadata,
            serverless_output,
        };
        index.marks.insert(stack, marks);
    }
    index
}

/// The owner of one function (migrate): its own tags first, then CloudFormation's index by
/// physical id (`DescribeStackResources`), then the owning stack's marks. A failed read makes
/// the owner unknown, never none.
pub async fn owner_of(
    cloudformation: &aws_sdk_cloudformation::Client,
    function: &str,
    tags: &BTreeMap<String, String>,
    image: bool,
) -> Owner {
    let mut evidence = OwnerEvidence {
        image,
        tags: tags.clone(),
        ..OwnerEvidence::default()
    };
    if evidence.stack().is_none() {
        match indexed_stack(cloudformation, function).await {
            Ok(indexed) => evidence.indexed = indexed,
            Err(reason) => return Owner::Unknown { reason },
        }
    }
    if let Some((stack, _)) = evidence.stack() {
        match stack_marks(cloudformation, &stack).await {
            Ok(marks) => evidence.stack_marks = Some(marks),
            Err(reason) => return Owner::Unknown { reason },
        }
    }
    decide(&evidence)
}

/// The stack and logical id CloudFormation's index gives a function's physical id.
async fn indexed_stack(
    client: &aws_sdk_cloudformation::Client,
    function: &str,
) -> Result<Option<(String, String)>, String> {
    let described = client
        .describe_stack_resources()
        .physical_resource_id(function)
        .send()
        .await;
    let out = match described {
        Ok(out) => out,
        // "Stack for FUNCTION does not exist": no stack owns it.
        Err(e) if describe(&e).contains("does not exist") => return Ok(None),
        Err(e) => return Err(format!("reading CloudFormation's index: {}", describe(&e))),
    };
    Ok(out
        .stack_resources()
        .iter()
        .find(|r| r.physical_resource_id() == Some(function))
        .and_then(|r| {
            Some((
                r.stack_name()?.to_string(),
                r.logical_resource_id()?.to_string(),
            ))
        }))
}

async fn stack_marks(
    client: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<StackMarks, String> {
    let resources = stack_resources(client, stack).await?;
    let described = client.describe_stacks().stack_name(stack).send().await;
    let described = described.map_err(|e| format!("describing stack {stack}: {}", describe(&e)))?;
    let serverless_output = described.stacks().iter().any(|s| {
        s.outputs()
            .iter()
            .any(|o| o.output_key() == Some(SERVERLESS_OUTPUT))
    });
    Ok(StackMarks {
        cdk_metadata: resources.iter().any(|r| r.kind == CDK_METADATA_TYPE),
        serverless_output,
    })
}

/// The template a stack was last deployed with (`GetTemplate`, as the user wrote it).
pub async fn deployed_template(
    client: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<String, String> {
    let out = client.get_template().stack_name(stack).send().await;
    let out =
        out.map_err(|e| format!("reading the template of stack {stack}: {}", describe(&e)))?;
    out.template_body()
        .map(str::to_string)
        .ok_or_else(|| format!("stack {stack} returned no template"))
}

/// Function name → tags, for every tagged function of the region.
async fn function_tags(
    client: &aws_sdk_resourcegroupstagging::Client,
) -> Result<HashMap<String, BTreeMap<String, String>>, String> {
    let mut tags = HashMap::new();
    let mut pages = client
        .get_resources()
        .resource_type_filters("lambda:function")
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("reading function tags: {}", describe(&e)))?;
        for mapping in page.resource_tag_mapping_list() {
            let Some(name) = mapping.resource_arn().and_then(function_name) else {
                continue;
            };
            let pairs = mapping
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()));
            tags.insert(name, pairs.collect());
        }
    }
    Ok(tags)
}

/// Every live stack, with whether it carries the Serverless Framework's output.
async fn stacks(client: &aws_sdk_cloudformation::Client) -> Result<Vec<(String, bool)>, String> {
    let mut stacks = Vec::new();
    let mut pages = client.describe_stacks().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("listing stacks: {}", describe(&e)))?;
        for stack in page.stacks() {
            let Some(name) = stack.stack_name() else {
                continue;
            };
            let serverless = stack
                .outputs()
                .iter()
                .any(|o| o.output_key() == Some(SERVERLESS_OUTPUT));
            stacks.push((name.to_string(), serverless));
        }
    }
    Ok(stacks)
}

struct StackResource {
    logical_id: String,
    physical_id: String,
    kind: String,
}

async fn stack_resources(
    client: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> Result<Vec<StackResource>, String> {
    let mut resources = Vec::new();
    let mut pages = client
        .list_stack_resources()
        .stack_name(stack)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| format!("listing resources of stack {stack}: {}", describe(&e)))?;
        for summary in page.stack_resource_summaries() {
            resources.push(StackResource {
                logical_id: summary
                    .logical_resource_id()
                    .unwrap_or_default()
                    .to_string(),
                physical_id: summary
                    .physical_resource_id()
                    .unwrap_or_default()
                    .to_string(),
                kind: summary.resource_type().unwrap_or_default().to_string(),
            });
        }
    }
    Ok(resources)
}

/// `arn:…:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]` → `NAME`.
fn function_name(arn: &str) -> Option<String> {
    Arn::parse(arn)?.function_name().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_function_arns_only() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111111111111:function:orders").as_deref(),
            Some("orders")
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111111111111:function:orders:3").as_deref(),
            Some("orders")
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111111111111:layer:x:1"),
            None
        );
    }

    #[test]
    fn a_failed_read_makes_owners_unknown_not_none() {
        let index = OwnerIndex {
            error: Some("listing stacks: AccessDenied: no".into()),
            ..OwnerIndex::default()
        };
        assert_eq!(index.owner("f", false).kind(), "unknown");
        let index = OwnerIndex {
            indexed: HashMap::from([("f".into(), ("s".into(), "F".into()))]),
            marks: HashMap::from([(
                "s".into(),
                StackMarks {
                    cdk_metadata: true,
                    serverless_output: false,
                },
            )]),
            ..OwnerIndex::default()
        };
        assert_eq!(
            index.owner("f", false),
            Owner::Cloudformation {
                stack: "s".into(),
                logical_id: "F".into(),
                tool: Some(crate::domain::owner::Tool::Cdk)
            }
        );
    }
}
