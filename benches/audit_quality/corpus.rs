//! The labelled corpus, dealt into functions as Lambda allows and written as Prowler writes
//! them (one indented JSON file per function), and the peers' hits mapped back to variables.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::Value;

use crate::{Row, MAX_ENVIRONMENT_BYTES, MAX_VARIABLES_PER_FUNCTION};

pub fn load_corpus(path: &Path) -> Vec<Row> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            Row {
                name: v["name"].as_str().unwrap().to_string(),
                value: v["value"].as_str().unwrap().to_string(),
                class: serde_json::from_value(v["class"].clone()).unwrap(),
                kind: v["kind"].as_str().unwrap().to_string(),
                set: v["set"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

/// Deals the rows, in a fixed shuffled order, into functions within Lambda's limits and
/// without a repeated name in one function. An AWS key id and the secret key right after it
/// stay in one function, as they are deployed (Kingfisher reports AWS keys only in pairs).
pub fn deal_into_functions(rows: &[Row]) -> Vec<Vec<usize>> {
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let pair = rows[i].kind == "aws-access-key-id"
            && rows
                .get(i + 1)
                .is_some_and(|r| r.kind == "aws-secret-access-key");
        let width = if pair { 2 } else { 1 };
        units.push((i..i + width).collect());
        i += width;
    }
    units.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
    let mut functions: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut bytes = 0;
    for unit in units {
        let size: usize = unit
            .iter()
            .map(|&i| rows[i].name.len() + rows[i].value.len())
            .sum();
        let clash = current
            .iter()
            .any(|&j| unit.iter().any(|&i| rows[j].name == rows[i].name));
        let full = current.len() + unit.len() > MAX_VARIABLES_PER_FUNCTION
            || bytes + size > MAX_ENVIRONMENT_BYTES;
        if !current.is_empty() && (full || clash) {
            functions.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.extend(unit);
        bytes += size;
    }
    if !current.is_empty() {
        functions.push(current);
    }
    functions
}

/// One file per function: `json.dumps(environment, indent=2)`, the variable i on line i + 2.
pub fn write_function_files(dir: &Path, rows: &[Row], functions: &[Vec<usize>]) -> Vec<String> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    functions
        .iter()
        .enumerate()
        .map(|(n, members)| {
            let lines: Vec<String> = members
                .iter()
                .map(|&i| {
                    let key = serde_json::to_string(&rows[i].name).unwrap();
                    let value = serde_json::to_string(&rows[i].value).unwrap();
                    format!("  {key}: {value}")
                })
                .collect();
            let file = format!("{n:04}");
            std::fs::write(dir.join(&file), format!("{{\n{}\n}}\n", lines.join(",\n"))).unwrap();
            file
        })
        .collect()
}

/// Maps (file, line) hits back to corpus rows.
pub fn flags_from_hits(
    hits: &[(String, u64)],
    files: &[String],
    functions: &[Vec<usize>],
    rows: usize,
) -> Vec<bool> {
    let mut flagged = vec![false; rows];
    for (file, line) in hits {
        let Some(f) = files.iter().position(|x| x == file) else {
            continue;
        };
        let index = (*line as usize).checked_sub(2);
        if let Some(&row) = index.and_then(|i| functions[f].get(i)) {
            flagged[row] = true;
        }
    }
    flagged
}
