//! secretslab's verdicts saved from before a rule change, and the per-part section that
//! shows them beside the current ones.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use secretslab::classify::Class;
use serde_json::Value;

use crate::scoring::{prf, scores};
use crate::{Outcome, Row};

/// secretslab's verdicts from an earlier run, kept to show what the rules did before a change.
pub struct Before {
    commit: String,
    classes: Vec<Class>,
}

pub fn save_before(path: &Path, rows: &[Row], outcomes: &[Outcome]) {
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let verdicts: Vec<Value> = rows
        .iter()
        .zip(outcomes)
        .map(|(r, o)| serde_json::json!([r.name, o.ours, o.ours_rule]))
        .collect();
    let doc = serde_json::json!({ "commit": commit, "verdicts": verdicts });
    std::fs::write(path, serde_json::to_string(&doc).unwrap() + "\n").unwrap();
}

/// The saved verdicts, when they are for this corpus (same rows, same names, in order).
pub fn load_before(path: &Path, rows: &[Row]) -> Option<Before> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let verdicts = doc["verdicts"].as_array()?;
    let matches = verdicts.len() == rows.len()
        && verdicts
            .iter()
            .zip(rows)
            .all(|(v, r)| v[0].as_str() == Some(r.name.as_str()));
    matches.then(|| Before {
        commit: doc["commit"].as_str().unwrap_or("").to_string(),
        classes: verdicts
            .iter()
            .map(|v| serde_json::from_value(v[1].clone()).unwrap())
            .collect(),
    })
}

/// The section's title, how to re-run it, and what the parts and the "before" rows are.
fn parts_intro(doc: &mut String, rows: &[Row], before: Option<&Before>) {
    writeln!(doc, "## Both classes, by part of the corpus\n").unwrap();
    writeln!(
        doc,
        "Re-run: `python3 bench/audit_corpus.py && cargo bench --bench audit_quality`. To record a new \
         \"before\", run `AUDIT_QUALITY_SAVE_BEFORE=1 cargo bench --bench audit_quality` before changing the rules.\n"
    )
    .unwrap();
    writeln!(
        doc,
        "The original part is the corpus the rules were built beside; the extended part ({} variables) holds kinds \
         the original does not (encoded configuration, public keys and certificates, versions and build ids, generated \
         resource names, credentials inside arguments and DSNs, webhook URLs, short secrets, more vendor formats, each \
         with clean look-alikes). `secret`: a labelled secret counts as found only when classified `secret`. Every \
         finding: `secret` and `suspect` together on both sides (what a reviewer is asked to read); for the peers, any hit.\n",
        rows.iter().filter(|r| r.set == "extended").count()
    )
    .unwrap();
    if let Some(before) = before {
        writeln!(
            doc,
            "\"secretslab before\" is the classifier at commit `{}`, on this same corpus (saved verdicts, \
             `bench/audit-quality-before.json`); every other row is from this run. The rules changed since \
             were written with the extended part in view, so its \"secretslab\" rows are no longer figures on \
             unseen kinds; its \"before\" rows are.\n",
            before.commit
        )
        .unwrap();
    }
}

/// Both classes (`secret`; every finding) for each part of the corpus, every tool, and
/// secretslab's saved verdicts from before the last rule change when there are some.
pub fn parts_section(rows: &[Row], outcomes: &[Outcome], before: Option<&Before>) -> String {
    let mut doc = String::new();
    parts_intro(&mut doc, rows, before);
    let finding = |c: Class| matches!(c, Class::Secret | Class::Suspect);
    type Guess<'a> = Box<dyn Fn(usize) -> bool + 'a>;
    let mut tools: Vec<(&str, Guess, Guess)> = Vec::new();
    if let Some(before) = before {
        tools.push((
            "secretslab before",
            Box::new(|i| before.classes[i] == Class::Secret),
            Box::new(|i| finding(before.classes[i])),
        ));
    }
    tools.push((
        "secretslab",
        Box::new(|i| outcomes[i].ours == Class::Secret),
        Box::new(|i| finding(outcomes[i].ours)),
    ));
    tools.push((
        "detect-secrets",
        Box::new(|i| outcomes[i].detect_secrets),
        Box::new(|i| outcomes[i].detect_secrets),
    ));
    tools.push((
        "Kingfisher",
        Box::new(|i| outcomes[i].kingfisher),
        Box::new(|i| outcomes[i].kingfisher),
    ));
    writeln!(
        doc,
        "| part | tool | `secret` precision | `secret` recall | `secret` F1 | finding precision | finding recall | finding F1 |"
    )
    .unwrap();
    writeln!(doc, "|---|---|---|---|---|---|---|---|").unwrap();
    for part in ["original", "extended", "all"] {
        let members: Vec<usize> = (0..rows.len())
            .filter(|&i| part == "all" || rows[i].set == part)
            .collect();
        for (tool, secret, found) in &tools {
            let s = scores(
                members
                    .iter()
                    .map(|&i| (rows[i].class == Class::Secret, secret(i))),
            );
            let f = scores(members.iter().map(|&i| (finding(rows[i].class), found(i))));
            writeln!(
                doc,
                "| {part} ({}) | {tool} | {} | {} |",
                members.len(),
                prf(s),
                prf(f)
            )
            .unwrap();
        }
    }
    writeln!(doc).unwrap();
    doc
}
