//! The integration tests, one binary with a module per subject (the SDK is linked once).
//! `scripts/test` runs the modules in lanes by name: a module listed here is run by a lane.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The crash and proxy tests drive the binary through hooks that only this feature compiles
// in (Cargo.toml's dev-dependency on the package turns it on); without them a kill test would
// see every command finish and pass for nothing.
#[cfg(not(feature = "test-seams"))]
compile_error!("the integration tests need the `test-seams` feature (see Cargo.toml)");

mod common;

mod agent;
mod audit;
mod audit_corpus;
mod chaos;
mod cli;
mod drift;
mod emulator;
mod export;
mod layering;
mod migrate;
mod owners;
mod parameter_store;
mod parameters;
mod purge;
mod regression;
mod rotate;
mod runtimes;
mod tour;
