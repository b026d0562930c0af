//! `secretslab status`

use crate::error::Result;
use crate::lab::inspect;
use crate::session::Session;

pub async fn run(session: &Session) -> Result<u8> {
    let connection = session.connect().await?;
    let report = inspect::status(&connection.aws, &session.names()).await?;
    super::print(session, &report)?;
    Ok(0)
}
