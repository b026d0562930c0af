//! Reading `.secretslab.toml`: found from the working directory upward (or named by
//! `--config`), parsed into checked ignore rules, every mistake one error naming its line.
//! Errors never quote the file's text: a value pasted in by mistake stays out of the output.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{IgnoreRule, IgnoreRules, Pattern};
use crate::error::{Code, Error, Result};

/// The file's name, looked for in the working directory and each directory above it.
pub const FILE_NAME: &str = ".secretslab.toml";

const HELP: &str = "fix that line; the README's `.secretslab.toml` section shows every key of an `[[ignore]]` table";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    ignore: Vec<Spanned<RawRule>>,
}

/// One `[[ignore]]` table as written; checked into an [`IgnoreRule`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    function: Option<Spanned<String>>,
    variable: Option<Spanned<String>>,
    rule: Option<Spanned<String>>,
    fingerprint: Option<Spanned<String>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<toml::value::Datetime>>,
}

/// The file `--config` names, or the nearest `.secretslab.toml` from `cwd` upward; `None`
/// when there is neither.
pub fn load(explicit: Option<&Path>, cwd: &Path) -> Result<Option<IgnoreRules>> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => match find(cwd) {
            Some(path) => path,
            None => return Ok(None),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::invalid(
            Code::ConfigUnreadable,
            format!("could not read the configuration {}: {e}", path.display()),
            "pass an existing file to `--config`, or leave it out to use the nearest .secretslab.toml",
        )
    })?;
    parse(&path, &text).map(Some)
}

/// The nearest `.secretslab.toml` in `start` or a directory above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

/// Parse and check the whole file: the first mistake is the error, with its line.
pub fn parse(path: &Path, text: &str) -> Result<IgnoreRules> {
    let at = |line: usize, message: &str| {
        Error::invalid(
            Code::ConfigInvalid,
            format!("{}:{line}: {message}", path.display()),
            HELP,
        )
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        at(
            e.span().map_or(1, |span| line_of(text, span.start)),
            e.message(),
        )
    })?;
    let mut rules = Vec::new();
    for table in raw.ignore {
        let line = line_of(text, table.span().start);
        let rule = check(table.into_inner(), line).map_err(|(span, message)| {
            at(
                span.map_or(line, |span| line_of(text, span.start)),
                &message,
            )
        })?;
        rules.push(rule);
    }
    Ok(IgnoreRules {
        path: path.to_path_buf(),
        rules,
    })
}

type Mistake = (Option<Range<usize>>, String);

fn check(raw: RawRule, line: usize) -> std::result::Result<IgnoreRule, Mistake> {
    if raw.function.is_none()
        && raw.variable.is_none()
        && raw.rule.is_none()
        && raw.fingerprint.is_none()
    {
        return Err((
            None,
            "an [[ignore]] table needs at least one of `function`, `variable`, `rule` or `fingerprint` (without one it would silence every finding)".into(),
        ));
    }
    let reason = match raw.reason {
        Some(reason) if !reason.get_ref().trim().is_empty() => reason.into_inner(),
        Some(reason) => {
            return Err((
                Some(reason.span()),
                "`reason` is empty: say why this finding is not a leak".into(),
            ))
        }
        None => {
            return Err((
                None,
                "an [[ignore]] table needs a `reason`: say why this finding is not a leak".into(),
            ))
        }
    };
    if let Some(rule) = &raw.rule {
        let id = rule.get_ref();
        if !crate::classify::rule_ids().any(|known| known == id) {
            return Err((
                Some(rule.span()),
                format!("`{id}` is not a rule id of secretslab (the report's `rule` field shows each finding's)"),
            ));
        }
    }
    if let Some(fingerprint) = &raw.fingerprint {
        if !is_fingerprint(fingerprint.get_ref()) {
            return Err((
                Some(fingerprint.span()),
                "`fingerprint` must be copied from the report (hmac-sha256:…); never put the value itself here".into(),
            ));
        }
    }
    Ok(IgnoreRule {
        line,
        function: raw.function.map(pattern).transpose()?,
        variable: raw.variable.map(pattern).transpose()?,
        rule: raw.rule.map(Spanned::into_inner),
        fingerprint: raw.fingerprint.map(Spanned::into_inner),
        reason,
        expires: raw.expires.map(date).transpose()?,
    })
}

fn pattern(glob: Spanned<String>) -> std::result::Result<Pattern, Mistake> {
    let span = glob.span();
    Pattern::new(glob.into_inner()).map_err(|e| (Some(span), e))
}

/// `expires` as `YYYY-MM-DD`: a TOML local date, nothing more precise.
fn date(value: Spanned<toml::value::Datetime>) -> std::result::Result<String, Mistake> {
    let span = value.span();
    match (value.get_ref().date, value.get_ref().time) {
        (Some(date), None) => Ok(format!(
            "{:04}-{:02}-{:02}",
            date.year, date.month, date.day
        )),
        _ => Err((
            Some(span),
            "`expires` must be a date without a time, e.g. expires = 2027-01-31".into(),
        )),
    }
}

fn is_fingerprint(text: &str) -> bool {
    text.strip_prefix("hmac-sha256:")
        .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The 1-based line holding byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
