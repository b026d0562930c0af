//! `secretslab tour`
use crate::cli::TourArgs;
use crate::error::Result;
use crate::session::Session;

pub async fn run(session: &Session, args: TourArgs) -> Result<u8> {
    crate::tour::runner::run(session, args).await
}
