//! One entry of a package: is its name safe to name, is it in a vendored tree, is its content
//! text (judged by the bytes, not the extension), and its lines streamed to the detector.

use std::io::{self, BufRead, BufReader, Read};

use super::detect::{Detector, Found};
use super::{Caps, CodeFinding};
use crate::audit::fingerprint::{fingerprint, FingerprintKey};
use crate::classify::Class;

/// Bytes looked at to tell text from binary.
const SNIFF: u64 = 8 << 10;

/// Directories whose files are third-party code bundled with the function.
const VENDORED: &[&str] = &["node_modules", "site-packages", "dist-packages", "vendor"];

pub enum Entry {
    Text,
    Binary,
}

/// The entry's name as shown in findings: lossy UTF-8, control characters replaced.
pub fn display_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// False for a name that is absolute (`/x`, `\x`, `C:x`) or has a `..` component anywhere:
/// such an entry names a place outside the package and is never read.
pub fn is_safe_name(raw: &[u8]) -> bool {
    let absolute = raw.first().is_some_and(|b| *b == b'/' || *b == b'\\')
        || (raw.len() >= 2 && raw[1] == b':' && raw[0].is_ascii_alphabetic());
    let climbs = raw.split(|b| *b == b'/' || *b == b'\\').any(|c| c == b"..");
    !raw.is_empty() && !absolute && !climbs && !raw.contains(&0)
}

/// The dependency a path belongs to when it is inside a vendored tree: `node_modules/@scope/x`,
/// `site-packages/requests`, `vendor/github.com/x`; the innermost tree wins.
pub fn vendored(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts
        .iter()
        .rposition(|p| VENDORED.contains(p))
        .filter(|&i| i + 1 < parts.len())?;
    let mut name = vec![parts[at], parts[at + 1]];
    if parts[at + 1].starts_with('@') && at + 3 < parts.len() {
        name.push(parts[at + 2]);
    }
    Some(name.join("/"))
}

/// True when the first bytes are not text: a NUL, or many bytes that are neither printable
/// nor UTF-8.
pub fn is_binary(sniff: &[u8]) -> bool {
    if sniff.contains(&0) {
        return true;
    }
    let controls = sniff
        .iter()
        .filter(|&&b| (b < 0x20 && !b"\t\n\r\x0c\x1b".contains(&b)) || b == 0x7f)
        .count();
    // An incomplete character at the end of the sniff is not a sign of binary content.
    let text = String::from_utf8_lossy(&sniff[..sniff.len().saturating_sub(3)]);
    let invalid = text.matches('\u{FFFD}').count();
    (controls + invalid) * 20 > sniff.len()
}

/// Streams `reader`'s lines through the detector, pushing findings; reads only the sniff of a
/// binary entry.
pub fn scan<R: Read>(
    reader: &mut R,
    path: &str,
    caps: &Caps,
    key: &FingerprintKey,
    findings: &mut Vec<CodeFinding>,
) -> io::Result<Entry> {
    let mut sniff = Vec::with_capacity(SNIFF as usize);
    reader.by_ref().take(SNIFF).read_to_end(&mut sniff)?;
    if is_binary(&sniff) {
        return Ok(Entry::Binary);
    }
    let vendored = vendored(path);
    let mut lines = BufReader::with_capacity(64 << 10, io::Cursor::new(sniff).chain(reader));
    let mut detector = Detector::new(path);
    let mut push = |found: Found| {
        if found.verdict.class >= Class::Suspect {
            findings.push(CodeFinding {
                path: path.to_string(),
                line: found.line,
                class: found.verdict.class,
                rule: found.verdict.rule,
                reason: found.verdict.reason,
                shape: found.verdict.shape,
                fingerprint: fingerprint(key, &found.value),
                vendored: vendored.clone(),
            });
        }
    };
    let mut buffer = Vec::new();
    let mut number = 1u64;
    while let Some(ended) = next_line(&mut lines, &mut buffer, caps.line_bytes)? {
        detector.line(number, &String::from_utf8_lossy(&buffer), &mut push);
        number += u64::from(ended);
    }
    detector.finish(&mut push);
    Ok(Entry::Text)
}

/// The next line into `buffer` (without its newline), at most `max` bytes of it: `Some(true)`
/// when the line ended, `Some(false)` for a piece of a longer line, `None` at the end.
fn next_line<R: BufRead>(
    reader: &mut R,
    buffer: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    buffer.clear();
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok((!buffer.is_empty()).then_some(true));
        }
        let room = max.saturating_sub(buffer.len()).max(1);
        let window = &available[..available.len().min(room)];
        if let Some(at) = window.iter().position(|b| *b == b'\n') {
            buffer.extend_from_slice(&window[..at]);
            reader.consume(at + 1);
            if buffer.last() == Some(&b'\r') {
                buffer.pop();
            }
            return Ok(Some(true));
        }
        let taken = window.len();
        buffer.extend_from_slice(window);
        reader.consume(taken);
        if buffer.len() >= max {
            return Ok(Some(false));
        }
    }
}
