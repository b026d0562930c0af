//! The workflows: `up` (deploy), `test` (exercise), `status` (inspect) and `teardown`, each
//! taking a [`crate::session::Session`] and its connection. Commands and the tour both come through here.

pub mod deploy;
pub mod exercise;
pub mod inspect;
pub mod legacy;
pub mod resources;
pub mod runtime;
pub mod teardown;
