//! Values in an encoding: base64 and what it decodes to (a document, a key, a certificate,
//! gzip of any of them), HTTP Basic authorization, PEM blocks and SSH public keys.

use std::io::Read as _;
use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;

use super::embedded::has_json_credential;
use super::values::is_placeholder;

/// What base64 text turned out to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A private key (PEM text, or DER: PKCS#8, PKCS#1, SEC 1, encrypted PKCS#8).
    PrivateKey,
    /// A readable document with a credential in it (`"password": …`, `token: …`, netrc).
    Credential,
    /// A public key or certificate (DER SubjectPublicKeyInfo, X.509, PKCS#1, an EC point).
    PublicKey,
    /// A readable document (JSON, YAML, a script, markup) with no credential in it.
    Document,
}

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

/// What base64 `value` decodes to, when it is something a reader can name; gzip is opened.
pub fn inspect(value: &str) -> Option<Content> {
    // The shortest document worth encoding, `{"password":"x"}`, is 24 characters in base64.
    if value.len() < 24 {
        return None;
    }
    let bytes = decode_base64(value)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut inflated = Vec::new();
        let mut reader = flate2::read::GzDecoder::new(bytes.as_slice()).take(1 << 20);
        reader.read_to_end(&mut inflated).ok()?;
        return content_of(&inflated);
    }
    content_of(&bytes)
}

fn content_of(bytes: &[u8]) -> Option<Content> {
    if let Some(kind) = der_key(bytes) {
        return Some(kind);
    }
    // An uncompressed elliptic-curve point (P-256: 0x04, x, y), as Web Push publishes its key.
    if bytes.len() == 65 && bytes[0] == 0x04 {
        return Some(Content::PublicKey);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    if text.contains("PRIVATE KEY-----") {
        return Some(Content::PrivateKey);
    }
    if has_document_credential(text.trim_start()) {
        return Some(Content::Credential);
    }
    is_readable_document(text).then_some(Content::Document)
}

/// Printable text with the structure of a document: it opens like JSON, markup or a script,
/// or has lines or words. A random password that happens to be encoded has neither.
fn is_readable_document(text: &str) -> bool {
    text.chars().count() >= 8
        && text.chars().all(|c| !c.is_control() || c.is_whitespace())
        && (text.trim_start().starts_with(['{', '[', '<', '#'])
            || text.contains(char::is_whitespace))
}

/// A credential field in YAML, INI or properties lines (`password: …`, `token = …`) or a netrc
/// `password …`, holding a value that is not a placeholder.
static TEXT_CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?im)^[ \t-]*"?(?:password|passwd|pwd|secret|client_secret|token|access_token|api_?key|private_key)"?[ \t]*[:=][ \t]*"?([^\s"]{4,})|\bpassword[ \t]+(\S{4,})"#,
    )
});

/// A registry `"auth"` field: base64 of `user:password` (Docker and npm configuration).
static AUTH_FIELD: LazyLock<Regex> = LazyLock::new(|| re(r#""auth"\s*:\s*"([A-Za-z0-9+/=]{8,})""#));

fn has_document_credential(text: &str) -> bool {
    let field = |re: &Regex| {
        re.captures_iter(text).any(|c| {
            c.iter()
                .skip(1)
                .flatten()
                .any(|m| !is_placeholder(m.as_str()))
        })
    };
    has_json_credential(text)
        || field(&TEXT_CREDENTIAL)
        || AUTH_FIELD.captures_iter(text).any(|c| {
            c.get(1)
                .and_then(|m| decode_base64(m.as_str()))
                .is_some_and(|auth| auth.contains(&b':'))
        })
}

/// One DER element: its tag, its content and the bytes after it.
fn der(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        let length = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        (length, &rest[n..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

/// A DER key or certificate, read from the first two elements of its outer SEQUENCE.
fn der_key(bytes: &[u8]) -> Option<Content> {
    let (0x30, body, []) = der(bytes)? else {
        return None;
    };
    let (first_tag, first, rest) = der(body)?;
    let (second_tag, _, after) = der(rest)?;
    match (first_tag, second_tag) {
        // SubjectPublicKeyInfo: an algorithm identifier, then the key as a BIT STRING.
        (0x30, 0x03) if first.first() == Some(&0x06) => Some(Content::PublicKey),
        // A certificate: the to-be-signed part (version or serial first), algorithm, signature.
        (0x30, 0x30) if matches!(first.first(), Some(0xa0 | 0x02)) => Some(Content::PublicKey),
        // Encrypted PKCS#8: the algorithm, then the encrypted key as an OCTET STRING.
        (0x30, 0x04) => Some(Content::PrivateKey),
        // PKCS#8, PKCS#1 and SEC 1 private keys open with version 0 or 1.
        (0x02, _) if matches!(first, [0] | [1]) => Some(Content::PrivateKey),
        // A PKCS#1 public key: the modulus and the exponent, nothing more.
        (0x02, 0x02) if after.is_empty() => Some(Content::PublicKey),
        _ => None,
    }
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

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

/// `[host ]type base64-blob[ comment]`: an OpenSSH public key line, or a known_hosts line.
static SSH_PUBLIC_KEY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"^(?:\S+ )?((?:ssh|ecdsa-sha2|sk-ssh|sk-ecdsa)-[a-z0-9@.-]+) (AAAA[A-Za-z0-9+/]+={0,2})(?: [^\n]*)?$",
    )
});

/// An SSH public key: its base64 blob decodes and opens with the key type the line names.
pub fn is_ssh_public_key(value: &str) -> bool {
    if !value.contains(" AAAA") {
        return false;
    }
    let Some(line) = SSH_PUBLIC_KEY.captures(value) else {
        return false;
    };
    let kind = line.get(1).map_or("", |m| m.as_str());
    let blob = line.get(2).and_then(|m| decode_base64(m.as_str()));
    blob.is_some_and(|b| b.get(4..4 + kind.len()) == Some(kind.as_bytes()))
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

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn what_base64_holds() {
        let spki = [
            &[
                0x30, 0x13, 0x30, 0x09, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
            ][..],
            &[0x03, 0x06, 0x00, 0x04, 1, 2, 3, 4],
        ]
        .concat();
        let pkcs8 = [
            &[
                0x30, 0x19, 0x02, 0x01, 0x00, 0x30, 0x02, 0x05, 0x00, 0x04, 0x10,
            ][..],
            &[9; 16],
        ]
        .concat();
        let cases = [
            (b64(&spki), Some(Content::PublicKey)),
            (b64(&pkcs8), Some(Content::PrivateKey)),
            (
                b64(b"service: orders\nreplicas: 3\n"),
                Some(Content::Document),
            ),
            (
                b64(b"database:\n  password: Zx81kQ9aLm\n"),
                Some(Content::Credential),
            ),
            (
                b64(b"database:\n  password: ${DB_PASSWORD}\n"),
                Some(Content::Document),
            ),
            (b64(&[0x04; 65]), Some(Content::PublicKey)),
            // Random bytes, and an encoded random password, are nothing a reader can name.
            (
                b64(&[
                    0x9f, 0x11, 0xfe, 0x03, 0x88, 0x42, 0xd1, 0x7a, 0x00, 0xc3, 0x5e, 0xb4, 0x21,
                    0x6f, 0x90, 0xe7, 0x18, 0x2a,
                ]),
                None,
            ),
            (b64(b"Zx81kQ9aLm-q8ZrT2LmX0vB7"), None),
        ];
        for (value, expected) in cases {
            assert_eq!(inspect(&value), expected, "{value}");
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, br#"{"client_secret": "q8ZrT2LmX0vB7nKc"}"#)
            .unwrap_or_default();
        assert_eq!(
            inspect(&b64(&gz.finish().unwrap_or_default())),
            Some(Content::Credential)
        );
    }

    #[test]
    fn ssh_public_keys() {
        let blob = |kind: &str| {
            let mut b = (kind.len() as u32).to_be_bytes().to_vec();
            b.extend_from_slice(kind.as_bytes());
            b.extend_from_slice(&[0, 0, 0, 32]);
            b.extend_from_slice(&[7; 32]);
            b64(&b)
        };
        assert!(is_ssh_public_key(&format!(
            "ssh-ed25519 {} ops@bastion",
            blob("ssh-ed25519")
        )));
        assert!(is_ssh_public_key(&format!(
            "host.example.com ssh-ed25519 {}",
            blob("ssh-ed25519")
        )));
        assert!(!is_ssh_public_key(&format!(
            "ssh-rsa {}",
            blob("ssh-ed25519")
        )));
        assert!(!is_ssh_public_key("ssh-rsa AAAAnot-base64!"));
    }
}
