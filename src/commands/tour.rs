//! `secretslab tour`
use crate::cli::TourArgs;
use crate::commands::session::Session;
use crate::error::Result;

pub async fn run(session: &Session, args: TourArgs) -> Result<u8> {
    crate::tour::runner::run(session, args).await
}
