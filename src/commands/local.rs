//! `secretslab local start|stop|status`

use std::fmt;

use serde::Serialize;

use crate::cli::LocalCommand;
use crate::domain::kinds::ExtensionKind;
use crate::error::{Code, Error, Result};
use crate::local::emulator;
use crate::session::Session;
use crate::ui::style;

#[derive(Debug, Serialize)]
pub struct LocalStatus {
    pub running: bool,
    pub endpoint: Option<String>,
    pub pid: Option<u32>,
    pub version: String,
    /// Ports of the labs' extension stand-ins, by lab.
    pub extension_ports: std::collections::BTreeMap<String, u16>,
    /// The first lab's extension port (the field most scripts want).
    pub extension_port: Option<u16>,
    pub extension: Option<ExtensionKind>,
    pub stopped_pids: Vec<u32>,
}

impl fmt::Display for LocalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.stopped_pids.is_empty() {
            writeln!(
                f,
                "stopped the local emulator and extensions (pids {:?})",
                self.stopped_pids
            )?;
        }
        match (&self.endpoint, self.running) {
            (Some(endpoint), true) => writeln!(f, "{} MiniStack {} at {endpoint} (pid {})", style::ok("running:"), self.version, self.pid.unwrap_or_default())?,
            _ => writeln!(f, "{} the local emulator (`secretslab local start` or any command with --local starts it)", style::dim("not running:"))?,
        }
        for (lab, port) in &self.extension_ports {
            writeln!(f, "  extension for lab `{lab}` on 127.0.0.1:{port}")?;
        }
        Ok(())
    }
}

pub async fn run(session: &Session, command: LocalCommand) -> Result<u8> {
    let mut stopped = Vec::new();
    match command {
        LocalCommand::Start { extension } => {
            let (running, _) = session.local_status().await?;
            if let (Some(asked), Some(running)) = (extension, running) {
                if asked != running.extension {
                    return Err(Error::local(
                        Code::OtherExtensionRunning,
                        format!(
                            "the local emulator already runs with the {} extension",
                            running.extension
                        ),
                        format!("run `secretslab local stop`, then `secretslab local start --extension {asked}`"),
                    ));
                }
            }
            let extension = extension.unwrap_or(ExtensionKind::Standin);
            session.start_emulator(extension).await?;
        }
        LocalCommand::Stop => stopped = session.stop_local().await?,
        LocalCommand::Status => {}
    }
    let status = describe(session, stopped).await?;
    super::print(session, &status)?;
    Ok(0)
}

pub async fn describe(session: &Session, stopped_pids: Vec<u32>) -> Result<LocalStatus> {
    let (running, extension_ports) = session.local_status().await?;
    Ok(LocalStatus {
        running: running.is_some(),
        endpoint: running.as_ref().map(|s| s.endpoint()),
        pid: running.as_ref().map(|s| s.pid),
        version: emulator::MINISTACK_VERSION.to_string(),
        extension_port: extension_ports.values().next().copied(),
        extension_ports,
        extension: running.as_ref().map(|s| s.extension),
        stopped_pids,
    })
}
