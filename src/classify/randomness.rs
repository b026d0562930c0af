//! How random a string is: entropy, character classes, and whether it is built from words.

pub fn is_digits(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_digit())
}

/// Bits of Shannon entropy per character.
pub fn entropy(value: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut total = 0u32;
    for b in value.bytes() {
        counts[b as usize] += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / total;
            -p * p.log2()
        })
        .sum()
}

/// How many of lower case, upper case, digits and other characters the value uses.
pub fn character_classes(value: &str) -> usize {
    let mut seen = [false; 4];
    for c in value.chars() {
        let class = if c.is_ascii_lowercase() {
            0
        } else if c.is_ascii_uppercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        };
        seen[class] = true;
    }
    seen.iter().filter(|&&s| s).count()
}

/// Share of the value's characters that sit in word-like runs (`Users`, `table`, `prod`):
/// names built from words score high, random strings low.
pub fn word_fraction(value: &str) -> f64 {
    let bytes = value.as_bytes();
    let mut in_words = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i].is_ascii_uppercase() {
            i += 1;
        }
        while i < bytes.len() && bytes[i].is_ascii_lowercase() {
            i += 1;
        }
        let lower_run = i - start - usize::from(bytes[start].is_ascii_uppercase());
        if lower_run >= 3 {
            in_words += i - start;
        }
        if i == start {
            i += 1;
        }
    }
    in_words as f64 / value.len().max(1) as f64
}

/// A string that looks machine-generated: long, varied and not made of words.
pub fn looks_random(value: &str) -> bool {
    let longest_run = value
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='))
        .max_by_key(|run| run.len())
        .unwrap_or("");
    value.len() >= 20
        && !value.contains(char::is_whitespace)
        && longest_run.len() >= 16
        && character_classes(longest_run) >= 2
        && entropy(value) >= 3.5
        && word_fraction(value) < 0.6
        && !is_name_like(value)
}

/// Built from words and separators (`prod/payments/stripe`, `orders-prod-db-credentials`,
/// `X-Api-Key`, `rds!db-<uuid>`) rather than random characters.
pub fn is_name_like(value: &str) -> bool {
    let mut has_word = false;
    for segment in value.split(['-', '_', '/', '.', ':', '!', '@', ' ', ',']) {
        if segment.is_empty() || is_digits(segment) {
            continue;
        }
        if is_word(segment) {
            has_word |= segment.len() >= 3;
            continue;
        }
        let short_id = segment.len() <= 4 && segment.bytes().all(|b| b.is_ascii_alphanumeric());
        let hex_piece = segment.len() <= 12 && segment.bytes().all(|b| b.is_ascii_hexdigit());
        if !(short_id || hex_piece) {
            return false;
        }
    }
    has_word
}

/// `prod`, `PROD`, `Prod`, `UsersTable`: letters in one case, capitalised, or camel-cased words.
fn is_word(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    if segment.len() > 24 || !bytes.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let all_lower = bytes.iter().all(u8::is_ascii_lowercase);
    let all_upper = bytes.iter().all(u8::is_ascii_uppercase);
    let capitalised =
        bytes[0].is_ascii_uppercase() && bytes[1..].iter().all(u8::is_ascii_lowercase);
    all_lower || all_upper || capitalised || word_fraction(segment) >= 0.8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn randomness() {
        assert!(looks_random("q8ZrT2LmX0vB7nKc4WjY9sDp"));
        assert!(!looks_random("MyServiceLambdaFunctionHandler"));
        assert!(!looks_random("anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert!(is_name_like("prod/payments/stripe"));
        assert!(is_name_like("rds!db-0f0e1d2c-3b4a-4596-8877-66554433aabb"));
        assert!(!is_name_like("q8ZrT2LmX0vB7nKc4WjY9sDp"));
        assert!(entropy("aaaa") < 0.01);
    }
}
