//! Keyed fingerprints of variable values: the same value under the same key always gives the
//! same fingerprint (so baselines and reports can match findings), while a report alone reveals
//! nothing about the value: without the key a guess cannot be checked, so even a short
//! password cannot be brute-forced from it.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

const KEY_LEN: usize = 32;
/// Bytes of the MAC kept in a fingerprint: 128 bits, ample to tell values apart.
const FINGERPRINT_BYTES: usize = 16;

/// The secret key fingerprints are computed with. Keep it out of reports and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; KEY_LEN]);

impl FingerprintKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Self {
        Self(rand::random())
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    pub fn to_bytes(&self) -> [u8; KEY_LEN] {
        self.0
    }
}

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

/// `hmac-sha256:` followed by the first 16 bytes of HMAC-SHA256(key, value), in hex.
pub fn fingerprint(key: &FingerprintKey, value: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail for our 32-byte key.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.0)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(value.as_bytes());
    let digest = mac.finalize().into_bytes();
    let mut out = String::with_capacity(12 + 2 * FINGERPRINT_BYTES);
    out.push_str("hmac-sha256:");
    for byte in &digest[..FINGERPRINT_BYTES] {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_and_value_give_the_same_fingerprint() {
        let key = FingerprintKey::from_bytes([7; 32]);
        assert_eq!(
            fingerprint(&key, "hunter2hunter2"),
            fingerprint(&key, "hunter2hunter2")
        );
    }

    #[test]
    fn fingerprint_depends_on_value_and_key() {
        let a = FingerprintKey::from_bytes([1; 32]);
        let b = FingerprintKey::from_bytes([2; 32]);
        assert_ne!(fingerprint(&a, "value-one"), fingerprint(&a, "value-two"));
        assert_ne!(fingerprint(&a, "value-one"), fingerprint(&b, "value-one"));
    }

    #[test]
    fn fingerprint_is_the_truncated_hmac_in_hex() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        // HMAC pads short keys with zeros, so "Jefe" and "Jefe" + 28 zero bytes are the same key.
        let fp = fingerprint(
            &FingerprintKey::from_bytes(key),
            "what do ya want for nothing?",
        );
        assert_eq!(fp, "hmac-sha256:5bdcc146bf60754e6a042426089575c7");
    }

    #[test]
    fn fingerprint_never_contains_the_value() {
        let key = FingerprintKey::generate();
        let fp = fingerprint(&key, "abcdef");
        assert!(!fp.contains("abcdef"));
        assert_eq!(fp.len(), "hmac-sha256:".len() + 32);
    }

    #[test]
    fn key_round_trips_and_debug_is_redacted() {
        let key = FingerprintKey::generate();
        assert_eq!(FingerprintKey::from_bytes(key.to_bytes()), key);
        assert_ne!(FingerprintKey::generate(), key);
        let debug = format!("{key:?}");
        assert_eq!(debug, "FingerprintKey(<redacted>)");
    }
}
