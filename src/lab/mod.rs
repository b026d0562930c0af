pub mod deploy;
pub mod exercise;
pub mod inspect;
pub mod names;
pub mod package;
pub mod policy;
pub mod state;
pub mod teardown;
