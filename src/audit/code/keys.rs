//! Key material that spans lines: PEM blocks (`-----BEGIN … PRIVATE KEY-----` to `-----END`)
//! and PuTTY key files. A block is gathered whole, then judged: a PEM block by the classifier
//! (the same rule as a key held in a variable), a PuTTY file by the rules below.

use super::detect::Found;
use crate::classify::{classify, Class, Shape, Verdict};

/// Lines and bytes a block may span before it is given up as not a key.
const MOST_LINES: usize = 400;
const MOST_BYTES: usize = 64 << 10;

const PPK_PRIVATE: (&str, &str) = (
    "ppk-private-key",
    "value is a PuTTY private key file (PuTTY-User-Key-File) whose private lines are not encrypted",
);
const PPK_ENCRYPTED: (&str, &str) = (
    "ppk-encrypted-private-key",
    "value is a PuTTY private key file whose private lines are encrypted with a passphrase; check where the passphrase is kept",
);

#[derive(PartialEq, Eq)]
enum Kind {
    Pem,
    Ppk,
}

struct Open {
    kind: Kind,
    start: u64,
    text: String,
    lines: usize,
}

/// Whether a line belongs to a block, so other recognisers leave it alone.
pub enum Step {
    Outside,
    Inside(Option<Found>),
}

#[derive(Default)]
pub struct Blocks {
    open: Option<Open>,
}

impl Blocks {
    pub fn line(&mut self, number: u64, text: &str) -> Step {
        match self.open.take() {
            Some(open) => Step::Inside(self.extend(open, text)),
            None => self.begin(number, text),
        }
    }

    fn begin(&mut self, number: u64, text: &str) -> Step {
        if let Some(at) = pem_begin(text) {
            let rest = &text[at..];
            // A whole block on one line (escaped newlines in a literal) is a value of its own.
            if rest.contains("-----END ") {
                return Step::Outside;
            }
            self.open = Some(Open {
                kind: Kind::Pem,
                start: number,
                text: rest.to_string(),
                lines: 1,
            });
            return Step::Inside(None);
        }
        if text.trim_start().starts_with("PuTTY-User-Key-File-") {
            self.open = Some(Open {
                kind: Kind::Ppk,
                start: number,
                text: text.trim().to_string(),
                lines: 1,
            });
            return Step::Inside(None);
        }
        Step::Outside
    }

    fn extend(&mut self, mut open: Open, text: &str) -> Option<Found> {
        open.text.push('\n');
        open.lines += 1;
        let ended = match open.kind {
            Kind::Pem => text.find("-----END ").map(|at| {
                let tail = &text[at + "-----END ".len()..];
                let close = tail.find("-----").map_or(tail.len(), |e| e + 5);
                open.text.push_str(&text[..at + "-----END ".len() + close]);
            }),
            Kind::Ppk => text.trim_start().starts_with("Private-MAC:").then(|| {
                open.text.push_str(text.trim());
            }),
        };
        if ended.is_some() {
            return judge(&open);
        }
        open.text.push_str(text.trim());
        if open.lines < MOST_LINES && open.text.len() < MOST_BYTES {
            self.open = Some(open);
        }
        None
    }
}

/// Where a PEM `-----BEGIN LABEL-----` marker starts on the line.
fn pem_begin(text: &str) -> Option<usize> {
    let at = text.find("-----BEGIN ")?;
    let label = &text[at + "-----BEGIN ".len()..];
    let end = label.find("-----")?;
    let upper = label[..end]
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
    (upper && end > 0).then_some(at)
}

fn judge(open: &Open) -> Option<Found> {
    let verdict = match open.kind {
        Kind::Pem => classify("", &open.text),
        Kind::Ppk => ppk(&open.text)?,
    };
    (verdict.class >= Class::Suspect).then(|| Found {
        line: open.start,
        value: open.text.clone(),
        verdict,
    })
}

/// A PuTTY key file with private lines: a secret unless the file says they are encrypted.
fn ppk(text: &str) -> Option<Verdict> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let private_lines: usize = field("Private-Lines:")?.parse().ok()?;
    if private_lines == 0 {
        return None;
    }
    let encrypted = field("Encryption:").is_some_and(|e| e != "none");
    let (class, (rule, reason)) = if encrypted {
        (Class::Suspect, PPK_ENCRYPTED)
    } else {
        (Class::Secret, PPK_PRIVATE)
    };
    Some(Verdict {
        class,
        rule,
        reason,
        shape: Shape {
            length: text.chars().count(),
            prefix: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Vec<(u64, &'static str)> {
        let mut blocks = Blocks::default();
        let mut found = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if let Step::Inside(Some(f)) = blocks.line(n as u64 + 1, line) {
                found.push((f.line, f.verdict.rule));
            }
        }
        found
    }

    #[test]
    fn private_pem_blocks_and_ppk_files_are_keys() {
        let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB";
        let pem = format!("x\nkey = \"\"\"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\"\"\"\n");
        assert_eq!(run(&pem), vec![(2, "private-key")]);
        let cert = format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
        assert_eq!(run(&cert), vec![]);
        let ppk = "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPublic-Lines: 1\nAAAA\nPrivate-Lines: 1\nBBBB\nPrivate-MAC: 00ff\n";
        assert_eq!(run(ppk), vec![(1, "ppk-private-key")]);
        let locked = ppk.replace("Encryption: none", "Encryption: aes256-cbc");
        assert_eq!(run(&locked), vec![(1, "ppk-encrypted-private-key")]);
    }
}
