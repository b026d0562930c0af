//! `secretslab rotate`

use crate::cli::RotateArgs;
use crate::error::Result;
use crate::rotate;
use crate::session::Session;

pub async fn run(session: &Session, args: RotateArgs) -> Result<u8> {
    let connection = session.connect().await?;
    let report = rotate::rotate(session, &connection, args.strategy).await?;
    super::print(session, &report)?;
    Ok(if report.verified { 0 } else { 1 })
}
