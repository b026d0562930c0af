//! TEMPORARY placeholder of the fingerprint interface, replaced by the real module on merge.

use sha2::{Digest, Sha256};

/// The secret key behind fingerprints.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; 32]);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

impl FingerprintKey {
    pub fn generate() -> Self {
        Self(rand::random())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }
}

/// A keyed hash of `value` (placeholder construction).
pub fn fingerprint(key: &FingerprintKey, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(key.0);
    hasher.update(value.as_bytes());
    let digest = hasher.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}
