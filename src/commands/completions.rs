//! `completions SHELL`: print the shell completion script generated from the command line itself.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::{Code, Error, Result};

/// Write the script for `shell` to stdout. It needs no AWS and no state, so it ignores
/// every global flag; a closed pipe (`| head`) is not an error.
pub fn run(shell: Shell) -> Result<u8> {
    let script = script(shell);
    let mut out = std::io::stdout().lock();
    match out.write_all(&script).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io(
            Code::WriteOutput,
            "writing the completion script",
            e,
        )),
        _ => Ok(0),
    }
}

/// The completion script for `shell`, built in memory: clap_complete panics when its writer
/// fails, so stdout errors are handled here instead.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut command = visible_command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "secretslab", &mut script);
    script
}

/// The command line without its hidden subcommands (the stand-in's internal entry point):
/// clap_complete would offer them too.
fn visible_command() -> clap::Command {
    let full = Cli::command();
    let visible: Vec<clap::Command> = full
        .get_subcommands()
        .filter(|command| !command.is_hide_set())
        .cloned()
        .collect();
    clap::Command::new("secretslab")
        .version(env!("SECRETSLAB_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(visible)
}
