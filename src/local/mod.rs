//! The embedded default: a local AWS emulator (MiniStack) and a local stand-in for the
//! Parameters and Secrets extension, so the whole lab runs with no AWS account.

pub mod emulator;
pub mod extension;
pub mod node_sdk;
pub mod process;
