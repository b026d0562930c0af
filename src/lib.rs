//! secretslab: keep Lambda secrets in Secrets Manager and read them through the AWS Parameters
//! and Secrets Lambda Extension — the whole lab as one guided command line.
//!
//! Floors, from the ground up (checked by `tests/it/layering.rs`): `domain`, `classify` and
//! `error` (and `iac`, the infrastructure code we write for others); `aws` and `ui`; `local`; `session`; the workflows (`lab`, with `export` inside it, `audit`, `migrate`, none
//! importing another); then `cli`, `tour` and `commands`.

pub mod audit;
pub mod aws;
pub mod classify;
pub mod cli;
pub mod commands;
pub mod domain;
pub mod error;
pub mod iac;
pub mod lab;
pub mod local;
pub mod migrate;
pub mod rotate;
pub mod session;
pub mod tour;
pub mod ui;
