//! The HTML page of a 150-finding estate, rendered in headless Chromium (issue 29): the
//! estate at a glance above the table, within 3 screens at 1280 px; its counts match the
//! JSON report; the table sorts and filters in the page; no value reaches it. The report is
//! built from scans made in memory (150 findings need no emulator); a screenshot is kept.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use secretslab::audit::fingerprint::FingerprintKey;
use secretslab::audit::report::{build, Coverage, FailOn};
use secretslab::audit::scan::{FunctionRecord, Plaintext, ScopeScan, Variable, VersionRecord};
use secretslab::classify::Class;
use secretslab::domain::owner::{Owner, Tool};
use serde_json::Value;

use super::reports::{chromium, data_count, run_chromium};
use crate::common::stdout;

const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
/// Functions, two findings each in `$LATEST`; every other one also in a published version.
const FUNCTIONS: usize = 50;
/// One screen at laptop size, 1280 × 800.
const SCREEN: u64 = 800;

/// The planted variables of function `i`: two findings (fake values, unique per function)
/// and two that are not.
fn variables(i: usize) -> Vec<(String, String)> {
    let findings = [
        (
            "DATABASE_URL",
            format!("postgres://app:Zx81kQ9a{i:02}@db.example.com:5432/app"),
        ),
        (
            "JDBC_URL",
            format!("jdbc:mysql://db:3306/app?user=admin&password=Zx81kQ9b{i:02}"),
        ),
        ("AUTH_HEADER", format!("Bearer q8ZrT2LmX0vB7nKc4W{i:02}")),
        ("DB_PASSWORD", format!("postgres{}", i % 3)),
        ("PAYLOAD", format!("q8ZrT2LmX0vB7nKc4WjY9sDp3Hf6Gk{i:02}")),
        ("DB_PASS", format!("Winter2025!{i:02}")),
    ];
    let mut vars: Vec<(String, String)> = [&findings[i % 6], &findings[(i + 1) % 6]]
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect();
    vars.push(("LOG_LEVEL".into(), "info".into()));
    vars.push((
        "DB_SECRET_ARN".into(),
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf".into(),
    ));
    vars
}

fn record(account: &str, region: &str, i: usize) -> FunctionRecord {
    let variables: Vec<Variable> = variables(i)
        .into_iter()
        .map(|(name, value)| Variable {
            name,
            value: Plaintext::new(value),
        })
        .collect();
    let mut versions = vec![VersionRecord {
        version: "$LATEST".into(),
        variables: variables.clone(),
    }];
    let mut aliases = BTreeMap::new();
    if i.is_multiple_of(2) {
        versions.push(VersionRecord {
            version: "1".into(),
            variables,
        });
        aliases.insert("1".to_string(), vec!["live".to_string()]);
    }
    let name = format!("svc-{i:02}");
    FunctionRecord {
        arn: format!("arn:aws:lambda:{region}:{account}:function:{name}"),
        name,
        versions,
        aliases,
        image: i.is_multiple_of(7),
    }
}

/// 9 account × region scopes; one could not be read; the functions spread over the rest.
fn estate() -> Vec<ScopeScan> {
    let mut scans: Vec<ScopeScan> = Vec::new();
    for account in ACCOUNTS {
        for region in REGIONS {
            scans.push(ScopeScan {
                account: account.into(),
                region: region.into(),
                ..ScopeScan::default()
            });
        }
    }
    let unread = scans.len() - 1;
    scans[unread].errors.push(
        "listing functions: AccessDeniedException: User is not authorized to perform: lambda:ListFunctions".into(),
    );
    for i in 0..FUNCTIONS {
        let scan = &mut scans[i % unread];
        let function = record(&scan.account, &scan.region, i);
        scan.functions.push(function);
    }
    scans
}

/// Every planted value that is a finding or could be mistaken for one.
fn planted_values() -> BTreeSet<String> {
    (0..FUNCTIONS)
        .flat_map(variables)
        .map(|(_, value)| value)
        .filter(|value| value.len() > 9)
        .collect()
}

#[test]
fn a_150_finding_estate_reads_at_a_glance_in_chromium() {
    let coverage = Coverage {
        accounts: ACCOUNTS.len(),
        regions: REGIONS.len(),
    };
    let mut report = build(&estate(), &coverage, &FingerprintKey::generate(), false);
    for f in report
        .findings
        .iter_mut()
        .filter(|f| f.function.ends_with('3'))
    {
        f.owner = Owner::Cloudformation {
            stack: "orders-prod".into(),
            logical_id: "Handler".into(),
            tool: Some(Tool::Sam),
        };
    }
    report.decide(FailOn::AtLeast(Class::Secret));
    assert_eq!(report.findings.len(), 150, "the estate plants 150 findings");
    let doc = serde_json::to_value(&report).unwrap();
    let html = secretslab::audit::html::to_html(&report);
    for value in planted_values() {
        assert!(!html.contains(&value), "a planted value reached the page");
    }
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("audit.html");
    std::fs::write(&page, &html).unwrap();

    let Some(chromium) = chromium() else { return };
    let measured = dir.path().join("measured.html");
    std::fs::write(&measured, html.replace("</body>", MEASURE)).unwrap();
    let dom = stdout(&run_chromium(&chromium, &measured, &["--dump-dom"]));
    let body = body_tag(&dom);
    the_counts_match_the_json(body, &dom, &doc);
    the_glance_fits_and_the_table_sorts_and_filters(body, &doc);
    keep_a_screenshot(&chromium, &page);
}

/// Run after the page's own script: measures the layout and drives the table's controls,
/// writing what it saw onto `<body>` for `--dump-dom`.
const MEASURE: &str = r#"<script>
(function () {
  var table = document.getElementById('findings-table');
  var set = function (name, value) { document.body.setAttribute(name, String(value)); };
  set('data-table-top', Math.round(table.getBoundingClientRect().top + window.scrollY));
  set('data-scroll-width', document.documentElement.scrollWidth);
  table.tHead.rows[0].cells[3].querySelector('button').click();
  var rules = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return r.cells[3].textContent.trim().toLowerCase();
  });
  set('data-sorted-by-rule', rules.every(function (r, i) { return i === 0 || rules[i - 1].localeCompare(r) <= 0; }));
  var only = document.getElementById('findings-class');
  only.value = 'suspect';
  only.dispatchEvent(new Event('change'));
  set('data-shown-suspect', table.getAttribute('data-shown'));
  only.value = '';
  only.dispatchEvent(new Event('change'));
  var text = document.getElementById('findings-filter');
  text.value = 'svc-07';
  text.dispatchEvent(new Event('input'));
  set('data-shown-filtered', table.getAttribute('data-shown'));
  set('data-controls-shown', !document.getElementById('findings-controls').hidden);
})();
</script></body>"#;

fn body_tag(dom: &str) -> &str {
    dom.split("<body")
        .nth(1)
        .and_then(|b| b.split('>').next())
        .expect("a <body> in the dumped DOM")
}

/// The page's totals, charts and rows say what the JSON report says.
fn the_counts_match_the_json(body: &str, dom: &str, doc: &Value) {
    let summary = &doc["summary"];
    assert_eq!(data_count(body, "data-findings"), 150);
    assert_eq!(
        data_count(body, "data-findings"),
        summary["findings"].as_u64().unwrap()
    );
    for class in ["secret", "suspect"] {
        assert_eq!(
            data_count(body, &format!("data-{class}s")),
            summary["classes"][class].as_u64().unwrap(),
            "{class}"
        );
    }
    assert_eq!(data_count(body, "data-incomplete"), 1);
    let scanned = &doc["scanned"];
    for key in ["accounts", "regions", "functions", "versions", "variables"] {
        assert_eq!(
            data_count(body, &format!("data-{key}")),
            scanned[key].as_u64().unwrap(),
            "{key}"
        );
    }
    // Every row counts its versions' findings; together they are every finding.
    let per_row: u64 = dom
        .split("<tr data-class=")
        .skip(1)
        .map(|row| data_count(row.split('>').next().unwrap(), "data-findings"))
        .sum();
    assert_eq!(per_row, 150);
    let rows = dom.matches("<tr data-class=").count() as u64;
    assert_eq!(rows, distinct_rows(doc, None));
    let rules = summary["rules"].as_object().unwrap().len();
    assert_eq!(
        dom.matches("<rect").count(),
        rules.min(10) + scopes_with_findings(doc).min(10)
    );
    assert!(dom.contains("not read completely: account 333333333333 · ap-southeast-2"));
}

fn scopes_with_findings(doc: &Value) -> usize {
    doc["summary"]["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["findings"].as_u64() > Some(0))
        .count()
}

/// The table's rows for these findings: one per value where it lives.
fn distinct_rows(doc: &Value, only: Option<&dyn Fn(&Value) -> bool>) -> u64 {
    let rows: BTreeSet<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| only.is_none_or(|keep| keep(f)))
        .map(|f| {
            [
                "account",
                "region",
                "function",
                "variable",
                "fingerprint",
                "rule",
            ]
            .map(|k| f[k].as_str().unwrap())
            .join("/")
        })
        .collect();
    rows.len() as u64
}

fn the_glance_fits_and_the_table_sorts_and_filters(body: &str, doc: &Value) {
    let top = data_count(body, "data-table-top");
    println!(
        "the findings table starts {top} px down the page (limit {})",
        3 * SCREEN
    );
    assert!(top < 3 * SCREEN, "the glance is {top} px tall");
    assert!(
        data_count(body, "data-scroll-width") <= 1280,
        "wider than 1280 px"
    );
    assert!(body.contains(r#"data-sorted-by-rule="true""#), "{body}");
    assert!(body.contains(r#"data-controls-shown="true""#), "{body}");
    let suspect = |f: &Value| f["class"] == "suspect";
    assert_eq!(
        data_count(body, "data-shown-suspect"),
        distinct_rows(doc, Some(&suspect))
    );
    let svc07 = |f: &Value| f["function"] == "svc-07";
    assert_eq!(
        data_count(body, "data-shown-filtered"),
        distinct_rows(doc, Some(&svc07))
    );
}

/// The first three screens, as a person at a laptop sees them, with the first row's details
/// open; and the page printed to PDF.
fn keep_a_screenshot(chromium: &Path, page: &Path) {
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    // The first row's details (the scope grid's come earlier and stay closed).
    let html = std::fs::read_to_string(page).unwrap();
    let opened = page.with_file_name("opened.html");
    let first_row = html.find(r#"<td class="resource""#).unwrap();
    let (head, tail) = html.split_at(first_row);
    let tail = tail.replacen("<details>", "<details open>", 1);
    std::fs::write(&opened, format!("{head}{tail}")).unwrap();
    let shot = artifacts.join("audit-overview-150.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        chromium,
        &opened,
        &[
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    println!("screenshot: {}", shot.display());
    let pdf = artifacts.join("audit-overview-150.pdf");
    let _ = std::fs::remove_file(&pdf);
    run_chromium(
        chromium,
        page,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    let printed = std::fs::read(&pdf).expect("printed page");
    assert!(printed.starts_with(b"%PDF"), "not a PDF");
    println!("printed: {}", pdf.display());
}
