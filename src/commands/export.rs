//! `secretslab export`

use crate::cli::ExportArgs;
use crate::error::Result;
use crate::lab::export::{self, Settings};
use crate::session::Session;

pub async fn run(session: &Session, args: ExportArgs) -> Result<u8> {
    let settings = Settings {
        format: args.format,
        output: args.output,
    };
    let connection = session.connect().await?;
    let report = export::export(session, &connection, &settings).await?;
    super::print(session, &report)?;
    Ok(0)
}
