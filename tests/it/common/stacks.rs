//! CloudFormation stacks on the emulator: waiting for one to settle.

use std::time::Duration;

use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_cloudformation::Client;

use super::wait_for_async;

/// How long the emulator's CloudFormation may take over a stack (SAM's transform included).
const STACK_LIMIT: Duration = Duration::from_secs(120);

/// Waits until `stack` reaches `done` (a stack no longer described counts as deleted). A stack
/// that fails or rolls back fails the test at once, with its events.
pub async fn wait_for_stack(cfn: &Client, stack: &str, done: StackStatus) {
    let what = format!("stack {stack} to reach {done:?}");
    let failed = wait_for_async(&what, STACK_LIMIT, async || {
        let status = match cfn.describe_stacks().stack_name(stack).send().await {
            Ok(out) => out.stacks().first().and_then(|s| s.stack_status().cloned()),
            Err(_) => None,
        };
        match status {
            Some(s) if s == done => Ok(None),
            None if done == StackStatus::DeleteComplete => Ok(None),
            Some(s) if s.as_str().ends_with("FAILED") || s.as_str().contains("ROLLBACK") => {
                Ok(Some(s))
            }
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    if let Some(status) = failed {
        let events = cfn.describe_stack_events().stack_name(stack).send().await;
        panic!("stack {stack} ended {status:?} instead of {done:?}: {events:?}");
    }
}
