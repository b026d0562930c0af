//! `secretslab local start|stop|status`

use std::fmt;

use serde::Serialize;

use crate::cli::LocalCommand;
use crate::domain::kinds::ExtensionKind;
use crate::error::{Error, Result};
use crate::local::{emulator, extension};
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
            if let (Some(asked), Some(running)) = (extension, emulator::running(&session.dirs)) {
                if asked != running.extension {
                    return Err(Error::local(
                        format!(
                            "the local emulator already runs with the {} extension",
                            running.extension
                        ),
                        format!("run `secretslab local stop`, then `secretslab local start --extension {asked}`"),
                    ));
                }
            }
            let extension = extension.unwrap_or(ExtensionKind::Standin);
            emulator::start(&session.dirs, extension, &session.progress)?;
        }
        LocalCommand::Stop => {
            stopped.extend(extension::stop_all(&session.dirs)?);
            stopped.extend(emulator::stop(&session.dirs)?);
        }
        LocalCommand::Status => {}
    }
    let status = describe(session, stopped);
    super::print(session, &status)?;
    Ok(0)
}

pub fn describe(session: &Session, stopped_pids: Vec<u32>) -> LocalStatus {
    let running = emulator::running(&session.dirs);
    let extension_ports = extension::running_ports(&session.dirs);
    LocalStatus {
        running: running.is_some(),
        endpoint: running.as_ref().map(|s| s.endpoint()),
        pid: running.as_ref().map(|s| s.pid),
        version: emulator::MINISTACK_VERSION.to_string(),
        extension_port: extension_ports.values().next().copied(),
        extension_ports,
        extension: running.as_ref().map(|s| s.extension),
        stopped_pids,
    }
}
