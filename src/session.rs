//! What every workflow starts from: the lab, the state directories, the progress line, and the
//! connection to AWS or to the local emulator (with the lab's local extension).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::aws::{AwsContext, AwsOptions, Target};
use crate::domain::defaults;
use crate::domain::extension::ExtensionSettings;
use crate::domain::handler;
use crate::domain::kinds::{ExtensionKind, Runtime, Store};
use crate::domain::names::{LabName, ResourceNames};
use crate::domain::state::Dirs;
use crate::error::{Code, Error, Result};
use crate::local::emulator::{self, EmulatorState};
use crate::local::extension::{self, ExtensionConfig, ExtensionStats};
use crate::local::node_sdk;
use crate::ui::progress::Progress;

/// A test seam, read only in builds with the `test-seams` feature: with `--local`, send the
/// CLI's own AWS calls to this URL (a fault- or latency-injecting proxy in front of the
/// embedded emulator) instead of to the emulator itself.
pub const CALLS_VIA_ENV: &str = "SECRETSLAB_LOCAL_CALLS_VIA";

/// Which AWS the session talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// Real AWS, through the default credential chain.
    Aws,
    /// The embedded emulator, started on demand (`--local`).
    Embedded,
    /// An emulator the user runs (`--endpoint-url`).
    Url(String),
}

/// Everything a workflow needs to know about the invocation, independent of the CLI parser.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub lab: LabName,
    pub endpoint: Endpoint,
    pub aws: AwsOptions,
    pub json: bool,
    pub quiet: bool,
}

pub struct Session {
    pub options: SessionOptions,
    pub dirs: Dirs,
    /// Shared with the blocking tasks that start local processes.
    pub progress: Arc<Progress>,
}

/// A connected session: the SDK clients, and the emulator when it is the embedded one.
pub struct Connection {
    pub aws: AwsContext,
    pub emulator: Option<EmulatorState>,
    /// The credentials and region the clients were built with.
    options: AwsOptions,
}

impl Session {
    pub fn new(options: SessionOptions) -> Result<Self> {
        let dirs = Dirs::from_env()?;
        let progress = Arc::new(Progress::new(options.json, options.quiet));
        Ok(Self {
            options,
            dirs,
            progress,
        })
    }

    pub fn names(&self) -> ResourceNames {
        self.options.lab.resources()
    }

    pub fn json(&self) -> bool {
        self.options.json
    }

    /// Start the embedded emulator with `extension` unless it already runs.
    pub async fn start_emulator(&self, extension: ExtensionKind) -> Result<EmulatorState> {
        let (dirs, progress) = (self.dirs.clone(), Arc::clone(&self.progress));
        off_the_runtime("starting the local emulator", move || {
            emulator::start(&dirs, extension, &progress)
        })
        .await
    }

    /// The running emulator (it is asked over HTTP) and the local extensions' ports by lab.
    pub async fn local_status(&self) -> Result<(Option<EmulatorState>, BTreeMap<String, u16>)> {
        let dirs = self.dirs.clone();
        off_the_runtime("reading the local emulator's state", move || {
            Ok((emulator::running(&dirs), extension::running_ports(&dirs)))
        })
        .await
    }

    /// Stop every local extension, then the emulator; the pids that were stopped.
    pub async fn stop_local(&self) -> Result<Vec<u32>> {
        let dirs = self.dirs.clone();
        off_the_runtime("stopping the local emulator", move || {
            let mut stopped = extension::stop_all(&dirs)?;
            stopped.extend(emulator::stop(&dirs)?);
            Ok(stopped)
        })
        .await
    }

    /// Resolve the target and build the clients; `--local` starts the emulator on demand.
    pub async fn connect(&self) -> Result<Connection> {
        let mut aws_options = self.options.aws.clone();
        let (target, emulator) = match &self.options.endpoint {
            Endpoint::Embedded => {
                let state = self.start_emulator(ExtensionKind::Standin).await?;
                let endpoint = calls_via().unwrap_or_else(|| state.endpoint());
                // The embedded emulator lives in one region unless the user names another.
                aws_options
                    .region
                    .get_or_insert_with(|| defaults::REGION.to_string());
                (Target::Local { endpoint }, Some(state))
            }
            Endpoint::Url(url) => {
                let checked = url.clone();
                off_the_runtime("checking `--endpoint-url`", move || {
                    check_endpoint(&checked)
                })
                .await?;
                (
                    Target::Local {
                        endpoint: url.clone(),
                    },
                    None,
                )
            }
            Endpoint::Aws => (Target::Aws, None),
        };
        let aws = AwsContext::load(&aws_options, target).await;
        Ok(Connection {
            aws,
            emulator,
            options: aws_options,
        })
    }
}

impl Connection {
    /// The SDK configuration the clients were built from, for workflows that need clients of
    /// their own (other services, other accounts' credentials).
    pub async fn sdk_config(&self) -> aws_types::SdkConfig {
        AwsContext::sdk_config(&self.options, &self.aws.target).await
    }

    /// With the embedded emulator, make sure the lab's local extension runs with `settings`
    /// (exactly what the layer would read from the function's environment). Elsewhere the
    /// layer itself runs inside the function: nothing to do.
    pub async fn ensure_local_extension(
        &self,
        session: &Session,
        settings: &ExtensionSettings,
        store: Store,
    ) -> Result<()> {
        self.ensure_extension_for(session, &session.names().lab, settings, store)
            .await
    }

    /// With the embedded emulator, give `runtime` what Lambda's runtime ships and MiniStack's
    /// does not: for Node.js, the AWS SDK for JavaScript v3 (installed once into the cache).
    /// Python functions run where boto3 is installed; AWS provides both.
    pub async fn ensure_local_runtime(&self, session: &Session, runtime: Runtime) -> Result<()> {
        if self.emulator.is_none() || runtime.handler() != &handler::NODEJS {
            return Ok(());
        }
        let (dirs, progress) = (session.dirs.clone(), Arc::clone(&session.progress));
        off_the_runtime("installing the AWS SDK for JavaScript", move || {
            node_sdk::ensure_installed(&dirs, &progress).map(|_| ())
        })
        .await
    }

    /// [`Self::ensure_local_extension`] for any function: one stand-in per function that
    /// carries the layer, as the real extension is one per execution environment. `key`
    /// names its records (a lab's name, or a migrated function's).
    pub async fn ensure_extension_for(
        &self,
        session: &Session,
        key: &str,
        settings: &ExtensionSettings,
        store: Store,
    ) -> Result<()> {
        self.refuse_unserved_store(store)?;
        let Some(emulator) = &self.emulator else {
            return Ok(());
        };
        let config = ExtensionConfig {
            lab: key.to_string(),
            port: settings.port,
            ttl_seconds: u64::from(settings.ttl_seconds),
            ssm_ttl_seconds: u64::from(settings.ssm_ttl_seconds),
            cache_size: usize::from(settings.cache_size),
            endpoint: emulator.endpoint(),
            region: self.aws.region.clone(),
        };
        session.progress.step(format!(
            "starting the local extension for `{key}` on 127.0.0.1:{}",
            settings.port
        ));
        let (dirs, emulator) = (session.dirs.clone(), emulator.clone());
        off_the_runtime("starting the local extension", move || {
            extension::ensure_running(&dirs, &emulator, config)
        })
        .await?;
        Ok(())
    }

    /// The counters of the stand-in recorded under `key`, when the built-in stand-in serves
    /// it; `None` on AWS and with the Agent.
    pub async fn extension_counters_for(
        &self,
        session: &Session,
        key: &str,
    ) -> Option<ExtensionStats> {
        let emulator = self.emulator.as_ref()?;
        if emulator.extension != ExtensionKind::Standin {
            return None;
        }
        let (dirs, key, token) = (
            session.dirs.clone(),
            key.to_string(),
            emulator.token.clone(),
        );
        let read = move || Ok(extension::read_stats(&dirs, &key, &token).unwrap_or_default());
        off_the_runtime("reading the local extension's counters", read)
            .await
            .ok()
    }

    /// Stop the stand-in recorded under `key` and drop its files (its function no longer
    /// carries the layer, or is gone).
    pub async fn forget_extension_for(&self, session: &Session, key: &str) -> Result<()> {
        if self.emulator.is_none() {
            return Ok(());
        }
        let (dirs, key) = (session.dirs.clone(), key.to_string());
        off_the_runtime("stopping the local extension", move || {
            extension::forget(&dirs, &key)
        })
        .await
    }

    /// The Secrets Manager Agent serves secrets only: a Parameter Store lab needs the
    /// stand-in (or, on AWS, the real extension, which serves both).
    pub fn refuse_unserved_store(&self, store: Store) -> Result<()> {
        let agent = self
            .emulator
            .as_ref()
            .is_some_and(|e| e.extension == ExtensionKind::Agent);
        if agent && store == Store::ParameterStore {
            return Err(Error::invalid(
                Code::AgentSecretsOnly,
                "the local extension is the AWS Secrets Manager Agent, which serves Secrets Manager only, not Parameter Store",
                "run `secretslab local stop` and `secretslab local start` (the built-in stand-in serves both), or use `--store secrets-manager`",
            ));
        }
        Ok(())
    }

    /// The lab's extension counters, when the built-in stand-in serves it (exact numbers);
    /// `None` on AWS and with the Agent, where hits are inferred from timing.
    pub async fn extension_counters(&self, session: &Session) -> Option<ExtensionStats> {
        self.extension_counters_for(session, &session.names().lab)
            .await
    }

    /// After a teardown: stop the lab's local extension and drop its files.
    pub async fn forget_local_extension(&self, session: &Session) -> Result<()> {
        self.forget_extension_for(session, &session.names().lab)
            .await
    }
}

/// The local module starts processes and polls their ports with blocking calls and short
/// sleeps: run that on tokio's blocking pool, never on an async worker.
async fn off_the_runtime<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        Error::local(
            Code::WorkerStopped,
            format!("{what} stopped unexpectedly: {e}"),
            "re-run the same command; nothing was changed by this step",
        )
    })?
}

/// Where tests and benchmarks send the CLI's own calls (a proxy in front of the embedded
/// emulator; the extension stand-in still talks to the emulator directly). Only builds with
/// the `test-seams` feature read it.
fn calls_via() -> Option<String> {
    if cfg!(feature = "test-seams") {
        std::env::var(CALLS_VIA_ENV).ok().filter(|v| !v.is_empty())
    } else {
        None
    }
}

/// Fail early, with the fix, when nothing listens at `--endpoint-url`.
fn check_endpoint(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::invalid(
            Code::BadEndpointUrl,
            format!("`{url}` is not a valid URL: {e}"),
            "pass e.g. `--endpoint-url http://127.0.0.1:4566`",
        )
    })?;
    let host = parsed.host_str().unwrap_or("localhost").to_string();
    let port = parsed.port_or_known_default().unwrap_or(80);
    let reachable = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
        .ok()
        .into_iter()
        .flatten()
        .any(|addr| {
            std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)).is_ok()
        });
    if reachable {
        Ok(())
    } else {
        Err(Error::Unreachable {
            action: format!("connecting to {url}"),
            detail: "nothing answers there".into(),
        })
    }
}
