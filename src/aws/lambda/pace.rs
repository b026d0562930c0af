//! Pacing Lambda's control-plane calls: a token bucket per account and region and a cap on
//! requests in flight, with a few rounds of retry after the SDK's own for a throttled call.

use std::future::Future;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::aws::errors::{describe, kind, ErrorKind};

/// Lambda's control-plane rate: 15 requests per second per account and region, not raisable
/// (Lambda quotas page; everything but Invoke, GetFunction and GetPolicy counts).
pub const CONTROL_PLANE_RATE: u32 = 15;
/// Rounds of our own retry after the SDK's attempts for a throttled or transient call.
const EXTRA_ROUNDS: u32 = 4;

/// Pacing shared by the calls of a scan: a token bucket per account and region (Lambda's
/// limit is per account and region) and a cap on requests in flight across all scopes.
#[derive(Clone)]
pub struct Pace {
    rate: Arc<DefaultDirectRateLimiter>,
    in_flight: Arc<Semaphore>,
}

impl Pace {
    /// The pace for one account and region, sharing the global cap `in_flight`.
    pub fn new(per_second: u32, in_flight: Arc<Semaphore>) -> Self {
        let rate = NonZeroU32::new(per_second).unwrap_or(NonZeroU32::MIN);
        // Spend Lambda's bucket at its refill rate, with room to catch up on a few slots: a
        // call that starts late (a busy core, a reader still waiting on its previous answer)
        // would otherwise lose its slot for good, and over hundreds of calls those losses add
        // up to a second. A fifth of a second's calls at most, so most of Lambda's reserve
        // stays for the jitter of the network and calls that bunch up on the way are not
        // throttled.
        let catch_up = NonZeroU32::new(per_second.div_ceil(5)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::per_second(rate).allow_burst(catch_up);
        Self {
            rate: Arc::new(RateLimiter::direct(quota)),
            in_flight,
        }
    }

    /// Run one API call when the bucket and the cap allow; a call that is still throttled
    /// or cut off after the SDK's own retries is tried again a few times, with back-off.
    pub async fn call<T, E, R, F, Fut>(&self, mut op: F) -> Result<T, SdkError<E, R>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut round = 0;
        loop {
            self.rate.until_ready().await;
            let result = {
                let _permit = self.in_flight.acquire().await;
                op().await
            };
            match result {
                Err(e)
                    if round < EXTRA_ROUNDS
                        && matches!(kind(&e), ErrorKind::Throttled | ErrorKind::Transient) =>
                {
                    tracing::debug!("retrying after: {}", describe(&e));
                    round += 1;
                    tokio::time::sleep(Duration::from_millis(500 << round)).await;
                }
                other => return other,
            }
        }
    }
}
