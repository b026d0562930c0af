//! Values in an encoding: base64 (and what it decodes to), HTTP Basic authorization, PEM.

use base64::Engine as _;

use super::embedded::has_json_credential;
use super::values::is_placeholder;

/// Standard or URL-safe base64 text that decodes: returns the decoded bytes.
pub fn decode_base64(value: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    if value.len() < 16
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=-_".contains(&b))
    {
        return None;
    }
    STANDARD
        .decode(value)
        .or_else(|_| URL_SAFE.decode(value))
        .or_else(|_| URL_SAFE_NO_PAD.decode(value))
        .ok()
}

/// Base64 that decodes to a credential document: a private key, or JSON/`user:password` text.
pub fn is_encoded_credential(value: &str) -> bool {
    // The shortest credential document worth encoding, `{"password":"x"}`, is 24 characters in base64.
    if value.len() < 24 {
        return false;
    }
    let Some(bytes) = decode_base64(value) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return false;
    };
    text.contains("PRIVATE KEY-----") || has_json_credential(text.trim_start())
}

/// `Basic base64(user:password)` in an Authorization-style value.
pub fn is_basic_auth(value: &str) -> bool {
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    decode_base64(encoded.trim())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| {
            t.split_once(':')
                .map(|(_, p)| p.len() >= 4 && !is_placeholder(p))
        })
        .unwrap_or(false)
}

/// The label and body of the first PEM block (`-----BEGIN LABEL-----body-----END `): found by
/// hand, as a regex would need capture groups over a body of several kilobytes.
pub fn pem_block(value: &str) -> Option<(&str, &str)> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let mut rest = value;
    while let Some(at) = rest.find(BEGIN) {
        rest = &rest[at + BEGIN.len()..];
        let label_end = rest.find(DASHES)?;
        let label = &rest[..label_end];
        if label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
        {
            let after_label = &rest[label_end + DASHES.len()..];
            return after_label
                .find("-----END ")
                .map(|end| (label, &after_label[..end]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks() {
        let key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----";
        assert_eq!(pem_block(key), Some(("EC PRIVATE KEY", "\nMHcCAQEE\n")));
        // A first marker with a label PEM does not allow is skipped, as is text before it.
        let two = "x -----BEGIN bad-----y -----BEGIN CERTIFICATE-----AB-----END CERTIFICATE-----";
        assert_eq!(pem_block(two), Some(("CERTIFICATE", "AB")));
        assert_eq!(pem_block("-----BEGIN PRIVATE KEY-----no end"), None);
        assert_eq!(pem_block("-----BEGIN PRIVATE KEY"), None);
    }
}
