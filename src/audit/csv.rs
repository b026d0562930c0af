//! The audit report as CSV (RFC 4180) for spreadsheets: one row per finding, the JSON finding
//! keys as columns. Like every report, it holds no value: shapes and fingerprints only. It has
//! no totals row (a spreadsheet's pivot would count it as a finding): its rows are the
//! findings the report's summary counts, so a pivot by class, rule, service, account or region
//! gives the summary's numbers.

use super::report::{AuditReport, Finding};

/// The columns, in the order of the JSON finding keys.
pub const COLUMNS: [&str; 14] = [
    "account",
    "region",
    "service",
    "function",
    "function_arn",
    "version",
    "aliases",
    "variable",
    "class",
    "rule",
    "reason",
    "shape",
    "fingerprint",
    "owner",
];

fn row(finding: &Finding) -> [String; 14] {
    [
        finding.account.clone(),
        finding.region.clone(),
        finding.service.to_string(),
        finding.function.clone(),
        finding.function_arn.clone(),
        finding.version.clone(),
        finding.aliases.join(" "),
        finding.variable.clone(),
        finding.class.to_string(),
        finding.rule.to_string(),
        finding.reason.to_string(),
        finding.shape.to_string(),
        finding.fingerprint.clone(),
        finding.owner.to_string(),
    ]
}

/// The findings (or, with `--show-all`, every classified variable) as CSV.
pub fn to_csv(report: &AuditReport) -> Result<Vec<u8>, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS)?;
    for finding in report.variables.as_ref().unwrap_or(&report.findings) {
        writer.write_record(row(finding))?;
    }
    writer
        .into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::fingerprint::FingerprintKey;
    use crate::audit::report::{build, Coverage};
    use crate::audit::scan::fixtures::latest_of_orders;

    #[test]
    fn one_row_per_finding_with_the_json_keys_and_no_value() {
        let planted = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";
        let mut scan = latest_of_orders(&[("STRIPE_KEY", planted)]);
        scan.functions[0].aliases = [("$LATEST".to_string(), vec!["a".into(), "b".into()])].into();
        let report = build(
            &[scan],
            &Coverage::default(),
            &FingerprintKey::generate(),
            false,
        );
        let body = to_csv(&report).unwrap();
        assert!(!String::from_utf8_lossy(&body).contains(planted));
        let mut reader = ::csv::Reader::from_reader(body.as_slice());
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let json = serde_json::to_value(&report.findings[0]).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        let mut sorted_headers = headers.clone();
        sorted_headers.sort();
        let mut sorted_keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        sorted_keys.sort();
        assert_eq!(sorted_headers, sorted_keys);
        let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), report.findings.len());
        assert_eq!(&rows[0][2], "lambda");
        assert_eq!(&rows[0][3], "orders");
        assert_eq!(&rows[0][6], "a b");
        assert_eq!(&rows[0][13], "none");
        assert_eq!(rows.len(), report.summary.findings);
    }
}
