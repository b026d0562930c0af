//! The values in a file's lines, each with the classifier's verdict on it.
//!
//! A line is read, in order, for: key blocks (`keys`); `name = "literal"` pairs in any of the
//! forms code and config files write them (assignments, object and JSON keys, keyword
//! arguments, YAML and TOML keys); `NAME=value` without quotes where the file is a config file
//! (dotenv, YAML, properties, INI, TOML, shell); then the line's other string literals and long
//! bare tokens, under no name, where only what the value alone proves (a vendor format,
//! credentials in a URL, a private key) counts.
//!
//! Some verdicts of the classifier mean less in code than in a variable, so they are dropped:
//! a random-looking value under a neutral name (code is full of hashes, ids and minified
//! identifiers); a weak value under a secret name outside config files (`password:
//! "password"` is a field name or a fixture); a name as the value (`MYSQL_NATIVE_PASSWORD`,
//! `MasterUserPassword`: letters only, or upper case and underscores);
//! a value with spaces in it (prose: labels, messages, YAML tags) unless the value alone
//! proves a credential; and "literals" that hold code (minified code between two unrelated
//! quotes). A one- or two-letter name is a minified identifier and
//! names nothing; a literal that holds pairs of its own (a template, a code span) is read for them.

use std::sync::LazyLock;

use regex::Regex;

use super::keys::{Blocks, Step};
use crate::classify::{classify, Class, Verdict};

/// A value found on a line, with the classifier's verdict. Only the engine sees the value; it
/// leaves as a fingerprint.
pub struct Found {
    pub line: u64,
    pub value: String,
    pub verdict: Verdict,
}

/// Shortest bare token read under no name: vendor tokens and credential URLs are longer.
const SHORTEST_TOKEN: usize = 20;

/// Extensions (and names) of files whose `key=value` / `key: value` lines hold plain values.
const CONFIG_EXTENSIONS: &[&str] = &[
    "env",
    "yaml",
    "yml",
    "properties",
    "ini",
    "toml",
    "cfg",
    "conf",
    "sh",
    "bash",
    "zsh",
];

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("built-in pattern {pattern:?} is invalid: {e}"))
}

/// `name <op> "literal"`: `x = "…"`, `"x": "…"`, `x: '…'`, `x => "…"`, `x := "…"`, ``x = `…` ``.
static KEYED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"["']?([A-Za-z_$][\w.$-]*)["']?\s*(?::=|=>|=|:)\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`)"#,
    )
});
/// A string literal in double quotes, single quotes or backticks.
static LITERAL: LazyLock<Regex> =
    LazyLock::new(|| re(r#""((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|`([^`]*)`"#));
/// `NAME=value` or `name: value` heading a config line (`export`, a YAML list dash allowed).
static PLAIN: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:export\s+|-\s+)?([A-Za-z_][\w.\-]*)\s*(?:=|:\s)\s*(.*?)\s*$"));

pub struct Detector {
    config: bool,
    blocks: Blocks,
}

impl Detector {
    pub fn new(path: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
        let dotenv = name == ".env" || name.starts_with(".env.");
        Self {
            config: dotenv || CONFIG_EXTENSIONS.contains(&extension),
            blocks: Blocks::default(),
        }
    }

    pub fn line(&mut self, number: u64, text: &str, found: &mut impl FnMut(Found)) {
        if let Step::Inside(block) = self.blocks.line(number, text) {
            if let Some(key) = block {
                found(key);
            }
            return;
        }
        let mut hits = Vec::new();
        let consumed = keyed(text, self.config, &mut hits);
        if self.config && hits.is_empty() {
            plain(text, &mut hits);
        }
        let proven_before = hits.iter().any(|(_, v)| v.class == Class::Secret);
        nameless_literals(text, &consumed, &mut hits);
        if !proven_before && !hits.iter().any(|(_, v)| v.class == Class::Secret) {
            bare_tokens(text, &mut hits);
        }
        for (value, verdict) in hits {
            found(Found {
                line: number,
                value,
                verdict,
            });
        }
    }

    /// A block still open at the end of the file is incomplete: not a key.
    pub fn finish(&mut self, _found: &mut impl FnMut(Found)) {}
}

type Hits = Vec<(String, Verdict)>;

/// Names this short are minified identifiers (`pw`, `k`): they say nothing about the value.
const SHORTEST_NAME: usize = 3;

/// Text a quote pair can enclose in minified code that is code, not a value: calls, blocks,
/// arrow functions, template placeholders.
const CODE_MARKS: &[&str] = &["){", ");", ")}", "=>", "${", "function("];

fn is_code(value: &str) -> bool {
    CODE_MARKS.iter().any(|mark| value.contains(mark))
}

/// `MYSQL_NATIVE_PASSWORD`, `ECC_NIST_P256`, `MasterUserPassword`: an enum member's or a
/// field's name, not a credential.
fn is_constant_name(value: &str) -> bool {
    if value.bytes().all(|b| b.is_ascii_alphabetic()) {
        return true;
    }
    value.contains('_')
        && value.starts_with(|c: char| c.is_ascii_uppercase())
        && value
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The classifier's verdict on a named value, unless it means little in code. `config` is
/// whether the file is a config file, where a weak value under a secret name is worth a look.
fn judge_named(name: &str, value: &str, config: bool) -> Option<Verdict> {
    if is_code(value) {
        return None;
    }
    if name.trim_start_matches(['$', '_']).len() < SHORTEST_NAME {
        return judge_nameless(value);
    }
    let verdict = classify(name, value);
    let noise = verdict.rule == "high-entropy-neutral-name"
        || (verdict.rule == "secret-name-weak-value" && !config);
    if verdict.class < Class::Suspect || noise {
        return None;
    }
    if verdict.class == Class::Secret && is_constant_name(value) {
        return None;
    }
    let prose = value.trim().contains(char::is_whitespace);
    if prose && classify("", value).class != Class::Secret {
        return None;
    }
    Some(verdict)
}

/// What the value alone proves.
fn judge_nameless(value: &str) -> Option<Verdict> {
    if is_code(value) {
        return None;
    }
    let verdict = classify("", value);
    (verdict.class == Class::Secret).then_some(verdict)
}

/// Pairs of a name and a literal; the byte ranges of the literals they used.
fn keyed(text: &str, config: bool, hits: &mut Hits) -> Vec<(usize, usize)> {
    let mut consumed = Vec::new();
    for captures in KEYED.captures_iter(text) {
        let (Some(name), Some(value)) = (captures.get(1), (2..=4).find_map(|i| captures.get(i)))
        else {
            continue;
        };
        consumed.push((value.start(), value.end()));
        if holds_code(value.as_str()) {
            // A template literal or a Markdown code span: its own pairs are what it holds.
            keyed(value.as_str(), config, hits);
            continue;
        }
        if let Some(verdict) = judge_named(name.as_str(), value.as_str(), config) {
            hits.push((value.as_str().to_string(), verdict));
        }
    }
    consumed
}

/// A literal holding pairs of its own (`a: 'x', b: 'y'`) that is not a JSON document.
fn holds_code(value: &str) -> bool {
    !value.trim_start().starts_with(['{', '[']) && KEYED.is_match(value)
}

/// `NAME=value` with the value unquoted, an inline ` #` comment dropped.
fn plain(text: &str, hits: &mut Hits) {
    let Some(captures) = PLAIN.captures(text) else {
        return;
    };
    let (Some(name), Some(value)) = (captures.get(1), captures.get(2)) else {
        return;
    };
    let value = value.as_str();
    let value = value.split_once(" #").map_or(value, |(v, _)| v).trim_end();
    if value.starts_with(['"', '\'', '`']) || value.is_empty() {
        return;
    }
    if let Some(verdict) = judge_named(name.as_str(), value, true) {
        hits.push((value.to_string(), verdict));
    }
}

fn nameless_literals(text: &str, consumed: &[(usize, usize)], hits: &mut Hits) {
    for captures in LITERAL.captures_iter(text) {
        let Some(value) = (1..=3).find_map(|i| captures.get(i)) else {
            continue;
        };
        let used = consumed
            .iter()
            .any(|&(start, end)| value.start() < end && start < value.end());
        if used || value.len() < SHORTEST_TOKEN {
            continue;
        }
        if let Some(verdict) = judge_nameless(value.as_str()) {
            hits.push((value.as_str().to_string(), verdict));
        }
    }
}

/// Long runs without spaces, quotes or brackets: tokens in comments, headers, bundles.
fn bare_tokens(text: &str, hits: &mut Hits) {
    let separators = |c: char| c.is_whitespace() || "\"'`()[]{}<>,;".contains(c);
    for token in text.split(separators) {
        if token.len() < SHORTEST_TOKEN {
            continue;
        }
        if let Some(verdict) = judge_nameless(token) {
            hits.push((token.to_string(), verdict));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(path: &str, text: &str) -> Vec<(u64, &'static str)> {
        let mut detector = Detector::new(path);
        let mut out = Vec::new();
        for (n, line) in text.lines().enumerate() {
            detector.line(n as u64 + 1, line, &mut |f: Found| {
                out.push((f.line, f.verdict.rule));
            });
        }
        out
    }

    #[test]
    fn named_values_in_code_and_config() {
        let code = "DB_PASSWORD = 'qd$MUgJ&WrK7mVZvWV'\nconnect(user=\"app\", password=\"Zx81kQ9aLm-q8ZrT\")\n\"client_secret\": \"4758791cc525fd3fed428093001d852c\",";
        assert_eq!(
            rules("app/settings.py", code),
            vec![
                (1, "password-name"),
                (2, "password-name"),
                (3, "secret-name-high-entropy")
            ]
        );
        let env = "DEBUG=true\nexport API_SECRET=0UmeZk8JXL # rotated\nURL=https://root:NcXTjXaQyX5Dl8UElzcO@db.example.com/";
        assert_eq!(
            rules(".env", env),
            vec![(2, "secret-name-high-entropy"), (3, "url-credentials")]
        );
        // The same lines in code are expressions, not values.
        assert_eq!(rules("app.py", "API_SECRET=read_secret_value()"), vec![]);
    }

    #[test]
    fn decoys_stay_quiet() {
        let decoys = [
            "\"integrity\": \"sha512-3Nd4nLaeF5iWLhAhX4e1LKxExkGj0uBSuB0Jy6Fvtb5MCvHGq7dNSa4cIQGRRSZ1Y0FuC6ZtM1D6nNmI3n0JAA==\",",
            "\"password\": \"Mot de passe\",",
            "DB_PASSWORD: !Ref DbPassword",
            "var a=\"JGmADoXM7xb8tvrdj2lh_C4M$4Wn\",b=\"o$rz_bx7RJXwXRU\";",
            "\"gitHead\": \"1f0e3dad99908345f7439f8ffabdffc4b29a6b21\",",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "API_KEY=your-api-key-here",
            "e.MYSQL_NATIVE_PASSWORD=\"MYSQL_NATIVE_PASSWORD\",e.x=1",
            "{ masterPassword: \"MasterUserPassword\" }",
            "a(`${id}-x`);return}let p=this.parse(q),{sourceArn,sourceAccount}=q;b(`y`)",
        ];
        for line in decoys {
            assert_eq!(rules("config.yaml", line), vec![], "{line}");
        }
    }

    #[test]
    fn values_that_prove_themselves_anywhere() {
        let bundle =
            "!function(e){var q=\"x\";e.k=\"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\"}(window);";
        assert_eq!(rules("dist/app.min.js", bundle), vec![(1, "github-token")]);
        let comment = "# token: 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";
        assert_eq!(rules("README.md", comment), vec![(1, "github-token")]);
    }
}
