//! `secretslab status`

use crate::commands::session::Session;
use crate::error::Result;
use crate::lab::inspect;

pub async fn run(session: &Session) -> Result<u8> {
    let connection = session.connect().await?;
    let report = inspect::status(&connection.aws, &session.names()).await?;
    super::print(session, &report)?;
    Ok(0)
}
