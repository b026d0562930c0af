//! The function's CloudWatch log group: created by `up` with a short retention so the lab owns
//! it (and teardown removes it) instead of Lambda creating an untracked one on first invoke.

use crate::aws::errors::{into_error, is_already_exists, sent, unless_missing};
use crate::aws::observed::Observed;
use crate::domain::names::{ResourceKind, ResourceNames};
use crate::error::{Error, Result};
use aws_sdk_cloudwatchlogs::Client;

/// Days CloudWatch keeps the lab's logs.
pub const RETENTION_DAYS: i32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupInfo {
    pub arn: String,
    pub retention_days: Option<i32>,
}

/// Find the log group by exact name.
async fn describe(logs: &Client, names: &ResourceNames) -> Result<Option<LogGroupInfo>> {
    let out = logs
        .describe_log_groups()
        .log_group_name_prefix(&names.log_group)
        .send()
        .await
        .map_err(|e| into_error(e, format!("reading log group `{}`", names.log_group)))?;
    Ok(out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(names.log_group.as_str()))
        .map(|g| LogGroupInfo {
            arn: g
                .log_group_arn()
                .map(str::to_string)
                .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_string()))
                .unwrap_or_default(),
            retention_days: g.retention_in_days(),
        }))
}

pub async fn get_log_group(logs: &Client, names: &ResourceNames) -> Result<Observed<LogGroupInfo>> {
    let Some(info) = describe(logs, names).await? else {
        return Ok(Observed::Missing);
    };
    let tags = logs
        .list_tags_for_resource()
        .resource_arn(&info.arn)
        .send()
        .await
        .map_err(|e| into_error(e, format!("reading the tags of `{}`", names.log_group)))?;
    let owned = names.owns_tag_map(tags.tags());
    Ok(if owned {
        Observed::Owned(info)
    } else {
        Observed::Foreign
    })
}

pub async fn create_log_group(logs: &Client, names: &ResourceNames) -> Result<()> {
    let mut request = logs.create_log_group().log_group_name(&names.log_group);
    for (key, value) in names.tags() {
        request = request.tags(key, value);
    }
    match request.send().await {
        Ok(_) => {}
        Err(e) if is_already_exists(&e) => {
            if let Observed::Foreign = get_log_group(logs, names).await? {
                return Err(Error::not_owned(names, ResourceKind::LogGroup));
            }
        }
        Err(e) => {
            return Err(into_error(
                e,
                format!("creating log group `{}`", names.log_group),
            ))
        }
    }
    set_retention(logs, names).await
}

pub async fn set_retention(logs: &Client, names: &ResourceNames) -> Result<()> {
    let request = logs.put_retention_policy().log_group_name(&names.log_group);
    let result = request.retention_in_days(RETENTION_DAYS).send().await;
    sent(result, || {
        format!("setting the retention of `{}`", names.log_group)
    })
}

/// Whether a log group of this name exists at all, owned or not.
pub async fn log_group_exists(logs: &Client, names: &ResourceNames) -> Result<bool> {
    Ok(describe(logs, names).await?.is_some())
}

/// Delete the log group. `adopt_untagged` allows deleting one without our tags: only right
/// after this run deleted our function, when Lambda itself may have recreated the group
/// for a late invocation.
pub async fn delete_log_group(
    logs: &Client,
    names: &ResourceNames,
    adopt_untagged: bool,
) -> Result<bool> {
    match get_log_group(logs, names).await? {
        Observed::Missing => return Ok(false),
        Observed::Foreign if !adopt_untagged => {
            return Err(Error::not_owned(names, ResourceKind::LogGroup))
        }
        _ => {}
    }
    let deleted = logs
        .delete_log_group()
        .log_group_name(&names.log_group)
        .send()
        .await;
    let action = || format!("deleting log group `{}`", names.log_group);
    Ok(unless_missing(deleted, action)?.is_some())
}
