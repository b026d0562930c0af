//! The workflows: `up` (deploy), `test` (exercise), `status` (inspect), `teardown` and `export`, each
//! taking a [`crate::session::Session`] and its connection. Commands and the tour both come through here.

pub mod deploy;
pub mod exercise;
pub mod export;
pub mod inspect;
pub mod legacy;
pub mod resources;
pub mod runtime;
pub mod teardown;
