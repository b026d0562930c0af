//! What every command starts from: the global flags, the state directories, the progress
//! line, and the connection to AWS or the local emulator.

use crate::aws::{AwsContext, Target};
use crate::cli::{ExtensionKind, GlobalArgs};
use crate::error::{Error, Result};
use crate::lab::names::ResourceNames;
use crate::lab::state::Dirs;
use crate::local::emulator::{self, EmulatorState};
use crate::ui::progress::Progress;

/// With `--local`, send the CLI's own AWS calls to this URL (a proxy in front of the
/// embedded emulator) instead of to the emulator itself.
pub const CALLS_VIA_ENV: &str = "SECRETSLAB_LOCAL_CALLS_VIA";

pub struct Session {
    pub global: GlobalArgs,
    pub dirs: Dirs,
    pub progress: Progress,
}

/// A connected session: the SDK clients, and the emulator when it is the embedded one.
pub struct Connection {
    pub aws: AwsContext,
    pub emulator: Option<EmulatorState>,
}

impl Session {
    pub fn new(global: GlobalArgs) -> Result<Self> {
        let dirs = Dirs::from_env()?;
        let progress = Progress::new(global.json, global.quiet);
        Ok(Self {
            global,
            dirs,
            progress,
        })
    }

    pub fn names(&self) -> ResourceNames {
        self.global.name.resources()
    }

    /// Resolve the target and build the clients; `--local` starts the emulator on demand.
    pub async fn connect(&self) -> Result<Connection> {
        let (target, emulator) = match (&self.global.endpoint_url, self.global.local) {
            (Some(_), true) => {
                return Err(Error::invalid(
                    "`--local` and `--endpoint-url` both name an endpoint",
                    "use `--local` for the embedded emulator, or `--endpoint-url` for one you run yourself",
                ))
            }
            (None, true) => {
                let state = emulator::start(&self.dirs, ExtensionKind::Standin, &self.progress)?;
                // Tests and benchmarks put a fault- or latency-injecting proxy in front of the
                // embedded emulator; the extension stand-in still talks to the emulator directly.
                let endpoint = std::env::var(CALLS_VIA_ENV)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| state.endpoint());
                (
                    Target::Local {
                        endpoint,
                        embedded: true,
                    },
                    Some(state),
                )
            }
            (Some(url), false) => {
                check_endpoint(url)?;
                (
                    Target::Local {
                        endpoint: url.clone(),
                        embedded: false,
                    },
                    None,
                )
            }
            (None, false) => (Target::Aws, None),
        };
        let aws = AwsContext::load(&self.global, target).await;
        Ok(Connection { aws, emulator })
    }
}

/// Fail early, with the fix, when nothing listens at `--endpoint-url`.
fn check_endpoint(url: &str) -> Result<()> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::invalid(
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
