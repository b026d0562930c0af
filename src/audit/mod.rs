//! `secretslab audit`: find plaintext secrets in live Lambda functions' environment variables.
//! `classify` decides what one variable holds; `fingerprint` names a value without revealing it.

pub mod classify;
pub mod fingerprint;
