//! The stand-in's upstream calls: running totals for its counters, and the calls each request
//! made, so a request knows its own outcome whatever else is in flight.
//!
//! An SDK interceptor on the stand-in's clients counts every operation once (not per retry).
//! A request's handler runs its cache call inside [`recorded`], which scopes a task-local
//! tally around it: the SDK runs its interceptors inside the task that awaits the call, so
//! the tally sees this request's calls and no other's. Nothing grows with the number of
//! requests: three counters in all, three per request in flight.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Upstream calls by operation (the ones the stand-in makes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub(super) get_secret_value: u64,
    pub(super) describe_secret: u64,
    pub(super) get_parameter: u64,
}

impl Counts {
    /// Counts `operation` (an SDK operation name); other operations are not the stand-in's.
    fn add(&mut self, operation: &str) {
        match operation {
            "GetSecretValue" => self.get_secret_value += 1,
            "DescribeSecret" => self.describe_secret += 1,
            "GetParameter" => self.get_parameter += 1,
            _ => {}
        }
    }

    pub(super) fn plus(self, other: Counts) -> Counts {
        Counts {
            get_secret_value: self.get_secret_value + other.get_secret_value,
            describe_secret: self.describe_secret + other.describe_secret,
            get_parameter: self.get_parameter + other.get_parameter,
        }
    }
}

/// Every upstream call since the stand-in started.
#[derive(Debug, Default)]
pub(super) struct Totals {
    get_secret_value: AtomicU64,
    describe_secret: AtomicU64,
    get_parameter: AtomicU64,
}

impl Totals {
    fn add(&self, one: Counts) {
        self.get_secret_value
            .fetch_add(one.get_secret_value, Ordering::Relaxed);
        self.describe_secret
            .fetch_add(one.describe_secret, Ordering::Relaxed);
        self.get_parameter
            .fetch_add(one.get_parameter, Ordering::Relaxed);
    }

    pub(super) fn now(&self) -> Counts {
        Counts {
            get_secret_value: self.get_secret_value.load(Ordering::Relaxed),
            describe_secret: self.describe_secret.load(Ordering::Relaxed),
            get_parameter: self.get_parameter.load(Ordering::Relaxed),
        }
    }
}

tokio::task_local! {
    /// The calls made so far by the request whose cache call is running in this task.
    static REQUEST: Cell<Counts>;
}

/// Runs one request's cache call and returns its result with the upstream calls it made.
pub(super) async fn recorded<F: Future>(call: F) -> (F::Output, Counts) {
    REQUEST
        .scope(Cell::new(Counts::default()), async move {
            let output = call.await;
            (output, REQUEST.with(Cell::get))
        })
        .await
}

/// The interceptor on the stand-in's clients: adds each operation to the totals and to the
/// tally of the request it runs for.
#[derive(Debug, Clone, Default)]
pub(super) struct Counter(pub(super) Arc<Totals>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "SecretslabStandinCounter"
    }

    // As the CLI's call log: serialization happens once per operation, before retries, and
    // `Metadata` is stored by then.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        let mut one = Counts::default();
        one.add(metadata.name());
        self.0.add(one);
        // Outside a request (none today) only the totals count it.
        let _ = REQUEST.try_with(|calls| calls.set(calls.get().plus(one)));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
    use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn client(counter: &Counter) -> aws_sdk_secretsmanager::Client {
        let get = mock!(aws_sdk_secretsmanager::Client::get_secret_value)
            .then_output(|| GetSecretValueOutput::builder().build());
        let describe = mock!(aws_sdk_secretsmanager::Client::describe_secret)
            .then_output(|| DescribeSecretOutput::builder().build());
        let counter = counter.clone();
        mock_client!(
            aws_sdk_secretsmanager,
            RuleMode::MatchAny,
            [&get, &describe],
            move |c| c.interceptor(counter.clone())
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_request_sees_its_own_calls() {
        let counter = Counter::default();
        let secrets = client(&counter);
        // Many requests in flight at once, on two threads: each tally holds its own calls.
        let tasks: Vec<_> = (0..64u64)
            .map(|i| {
                let secrets = secrets.clone();
                tokio::spawn(recorded(async move {
                    for _ in 0..i % 3 {
                        let _ = secrets.get_secret_value().secret_id("a").send().await;
                        tokio::task::yield_now().await;
                    }
                    if i % 2 == 1 {
                        let _ = secrets.describe_secret().secret_id("a").send().await;
                    }
                    i
                }))
            })
            .collect();
        let mut expected = Counts::default();
        for task in tasks {
            let (i, calls) = task.await.unwrap();
            let own = Counts {
                get_secret_value: i % 3,
                describe_secret: i % 2,
                get_parameter: 0,
            };
            assert_eq!(calls, own, "request {i}");
            expected = expected.plus(own);
        }
        assert_eq!(counter.0.now(), expected);
    }

    #[tokio::test]
    async fn calls_outside_a_request_count_in_the_totals_only() {
        let counter = Counter::default();
        let secrets = client(&counter);
        let _ = secrets.get_secret_value().secret_id("a").send().await;
        let (_, calls) = recorded(async {}).await;
        assert_eq!(calls, Counts::default());
        assert_eq!(counter.0.now().get_secret_value, 1);
    }
}
