//! One thin module per verb: parse flags into settings, call the lab workflow, print the result.

pub mod audit;
pub mod completions;
pub mod doctor;
pub mod export;
pub mod local;
pub mod migrate;
pub mod rotate;
pub mod status;
pub mod teardown;
pub mod test;
pub mod tour;
pub mod up;

use crate::aws::AwsOptions;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::error::{Code, Result};
use crate::session::{Endpoint, Session, SessionOptions};

/// Run the parsed command; returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8> {
    let session = Session::new(session_options(&cli.global))?;
    match cli.command {
        Command::Up(args) => up::run(&session, args).await,
        Command::Test(args) => test::run(&session, args).await,
        Command::Rotate(args) => rotate::run(&session, args).await,
        Command::Teardown(args) => teardown::run(&session, args).await,
        Command::Status => status::run(&session).await,
        Command::Tour(args) => tour::run(&session, args).await,
        Command::Local(command) => local::run(&session, command).await,
        Command::Doctor => doctor::run(&session).await,
        Command::Completions { shell } => completions::run(shell),
        Command::Audit(args) => audit::run(&session, args).await,
        Command::Migrate(args) => migrate::run(&session, args).await,
        Command::Export(args) => export::run(&session, args).await,
        Command::ServeExtension => crate::local::extension::serve_from_env(session.dirs.clone())
            .await
            .map(|()| 0),
    }
}

/// The workflows' view of the global flags.
fn session_options(global: &GlobalArgs) -> SessionOptions {
    let endpoint = match (&global.endpoint_url, global.local) {
        (_, true) => Endpoint::Embedded,
        (Some(url), false) => Endpoint::Url(url.clone()),
        (None, false) => Endpoint::Aws,
    };
    SessionOptions {
        lab: global.name.clone(),
        endpoint,
        aws: AwsOptions {
            profile: global.profile.clone(),
            region: global.region.clone(),
        },
        json: global.json,
        quiet: global.quiet,
    }
}

/// Print a result the way the user asked (human or JSON).
pub(crate) fn print<T: serde::Serialize + std::fmt::Display>(
    session: &Session,
    result: &T,
) -> Result<()> {
    session.progress.finish();
    crate::ui::output::emit(session.json(), result)
        .map_err(|e| crate::error::Error::io(Code::WriteOutput, "writing the result", e))
}
