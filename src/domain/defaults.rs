//! Every default of the lab, defined once: the CLI's flags, the tour and the workflows read them here.

use crate::domain::kinds::{Arch, Runtime};

pub const ARCH: Arch = Arch::X86_64;
pub const RUNTIME: Runtime = Runtime::Python313;

/// Seconds the extension caches a secret (`SECRETS_MANAGER_TTL`; the extension's own default).
pub const TTL_SECONDS: u16 = 300;
/// Seconds the extension caches a parameter (`SSM_PARAMETER_STORE_TTL`; its own default).
pub const SSM_TTL_SECONDS: u16 = 300;
/// Secrets and parameters the extension caches (`PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE`,
/// shared by both; its own default).
pub const CACHE_SIZE: u16 = 1000;
/// The port the extension listens on inside the function (its own default).
pub const EXTENSION_PORT: u16 = 2773;

/// `test`: invocations, pause between them, and the monthly volume for the cost estimate.
pub const INVOCATIONS: u32 = 5;
pub const INTERVAL_MS: u64 = 0;
pub const INVOCATIONS_PER_MONTH: u64 = 1_000_000;

/// `teardown`: days Secrets Manager keeps the secret restorable.
pub const RECOVERY_DAYS: u16 = 7;

/// The generated password's shape, as `up` asks Secrets Manager for it (and every export
/// asks its tool): quotes and backslashes make copy-pasting into shells and JSON painful.
pub const PASSWORD_LENGTH: u32 = 32;
pub const PASSWORD_EXCLUDED: &str = "\"'\\`";
/// The username beside the lab's password.
pub const LAB_USER: &str = "lab-user";

/// Region used when nothing else names one (and always for the embedded emulator).
pub const REGION: &str = "us-east-1";
