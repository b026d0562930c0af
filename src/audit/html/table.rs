//! The findings as one compact table: a row per value where it lives (account, region,
//! function, variable, fingerprint), with every version that holds it, so a value left in
//! five versions is one row, not five. The page's inline script sorts and filters the rows;
//! without it the table reads the same. Details (reason, shape, fingerprint, ARNs) open on
//! demand in a `<details>`.

use std::collections::HashMap;

use maud::{html, Markup};

use crate::audit::report::Finding;
use crate::classify::Class;

/// One row: the findings of one value in one variable of one function, one per version.
pub struct Row<'a> {
    pub first: &'a Finding,
    pub versions: Vec<&'a Finding>,
}

/// Group `findings` into rows, in report order.
pub fn rows(findings: &[Finding]) -> Vec<Row<'_>> {
    let mut rows: Vec<Row> = Vec::new();
    let mut index: HashMap<(&str, &str, &str, &str, &str, &str), usize> = HashMap::new();
    for f in findings {
        let key = (
            f.account.as_str(),
            f.region.as_str(),
            f.function.as_str(),
            f.variable.as_str(),
            f.fingerprint.as_str(),
            f.rule,
        );
        match index.get(&key) {
            Some(&at) => rows[at].versions.push(f),
            None => {
                index.insert(key, rows.len());
                rows.push(Row {
                    first: f,
                    versions: vec![f],
                });
            }
        }
    }
    rows
}

/// The table with its (script-only) controls; `findings` is the summary's total.
pub fn findings_table(rows: &[Row<'_>], findings: usize) -> Markup {
    html! {
        div id="findings-controls" class="controls" hidden {
            label { "Filter " input id="findings-filter" type="search" placeholder="function, variable, rule, owner…"; }
            label { "Class "
                select id="findings-class" {
                    option value="" { "any" }
                    option value="secret" { "secret" }
                    option value="suspect" { "suspect" }
                }
            }
            span id="findings-shown" class="dim" {}
        }
        table id="findings-table" class="findings" data-rows=(rows.len()) data-findings=(findings) {
            thead {
                tr {
                    @for column in ["class", "resource", "variable", "rule", "versions", "owner"] {
                        th scope="col" data-sortable { (column) }
                    }
                }
            }
            tbody { @for row in rows { (table_row(row)) } }
        }
    }
}

/// Sorts the most severe first.
fn severity(class: Class) -> u8 {
    match class {
        Class::Secret => 0,
        Class::Suspect => 1,
        Class::Reference => 2,
        Class::Config => 3,
    }
}

fn table_row(row: &Row<'_>) -> Markup {
    let f = row.first;
    let class = f.class.to_string();
    let versions: Vec<String> = row
        .versions
        .iter()
        .map(|v| {
            if v.aliases.is_empty() {
                v.version.clone()
            } else {
                format!("{} ({})", v.version, v.aliases.join(", "))
            }
        })
        .collect();
    html! {
        tr data-class=(class) data-findings=(row.versions.len()) {
            td data-sort=(severity(f.class)) { span class={ "badge " (class) } { (class) } }
            td.resource data-sort=(format!("{}/{}/{}", f.account, f.region, f.function)) {
                details {
                    summary { code { (f.function) } " " span.where { (f.service) " · " (f.account) " · " (f.region) } }
                    (details(row))
                }
            }
            td { code { (f.variable) } }
            td { code { (f.rule) } }
            td data-sort=(row.versions.len()) { (versions.join(", ")) }
            td data-owner=(f.owner.kind()) { (f.owner.to_string()) }
        }
    }
}

fn details(row: &Row<'_>) -> Markup {
    let f = row.first;
    html! {
        dl {
            dt { "reason" } dd { (f.reason) }
            dt { "value" } dd { (f.shape.to_string()) "; fingerprint " code { (f.fingerprint) } }
            dt { "location" }
            dd { @for v in &row.versions { code.arn { (v.function_arn) } br; } }
        }
    }
}
