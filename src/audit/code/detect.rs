//! The values in a file's lines, each with the classifier's verdict on it.
//!
//! Before rules of its own for code, each trimmed line is read as one value under no name:
//! what the value alone proves (a vendor format, a private key, credentials in a URL) is kept.

use crate::classify::{classify, Class, Verdict};

/// A value found on a line, with the classifier's verdict. Only the engine sees the value; it
/// leaves as a fingerprint.
pub struct Found {
    pub line: u64,
    pub value: String,
    pub verdict: Verdict,
}

pub struct Detector;

impl Detector {
    pub fn new(_path: &str) -> Self {
        Self
    }

    pub fn line(&mut self, number: u64, text: &str, found: &mut impl FnMut(Found)) {
        let value = text.trim();
        let verdict = classify("", value);
        if verdict.class == Class::Secret {
            found(Found {
                line: number,
                value: value.to_string(),
                verdict,
            });
        }
    }

    pub fn finish(&mut self, _found: &mut impl FnMut(Found)) {}
}
