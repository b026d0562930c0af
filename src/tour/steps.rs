//! The tour's steps: Markdown files from `lab-steps/`, embedded in the binary, each with a
//! small front matter (`id`, `title`, `action`, `hint`, `check`). Data, not code.

use std::collections::BTreeMap;

/// The step files, in order.
pub const STEP_FILES: &[(&str, &str)] = &[
    (
        "01-architecture.md",
        include_str!("../../lab-steps/01-architecture.md"),
    ),
    ("02-iam.md", include_str!("../../lab-steps/02-iam.md")),
    (
        "03-handler.md",
        include_str!("../../lab-steps/03-handler.md"),
    ),
    ("04-deploy.md", include_str!("../../lab-steps/04-deploy.md")),
    ("05-test.md", include_str!("../../lab-steps/05-test.md")),
    (
        "06-find-it.md",
        include_str!("../../lab-steps/06-find-it.md"),
    ),
    ("07-fix-it.md", include_str!("../../lab-steps/07-fix-it.md")),
    (
        "08-rotate-it.md",
        include_str!("../../lab-steps/08-rotate-it.md"),
    ),
    (
        "09-take-it-home.md",
        include_str!("../../lab-steps/09-take-it-home.md"),
    ),
    (
        "10-teardown.md",
        include_str!("../../lab-steps/10-teardown.md"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    None,
    Up,
    Test,
    /// Deploy the legacy function and audit it.
    Find,
    /// Migrate the legacy function's password, invoking it at each stage.
    Fix,
    /// Rotate the lab's credentials each way, testing after each.
    Rotate,
    /// Export the lab as infrastructure code.
    Export,
    Teardown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepCheck {
    None,
    /// The function is Active with the extension layer attached.
    FunctionReady,
    /// The test read the secret in every invocation.
    SecretRead,
    /// The legacy function's `$LATEST` holds its password in plaintext.
    PlaintextFound,
    /// The plaintext is gone and the reference names a live secret.
    PlaintextMoved,
    /// The staging labels are as a finished rotation leaves them, and the simulated
    /// database accepts the current login.
    Rotated,
    /// Every file the export reported is on disk, and its Terraform parses.
    ExportWritten,
    /// Nothing of the lab is left (a scheduled secret counts as removed).
    LabRemoved,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub file: String,
    pub id: String,
    pub title: String,
    pub action: StepAction,
    pub hint: String,
    pub check: StepCheck,
    pub body: String,
}

/// Parse one step file.
pub fn parse_step(file: &str, text: &str) -> Result<Step, String> {
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| format!("{file}: must start with a `---` front matter line"))?;
    let (front, body) = rest
        .split_once("\n---\n")
        .ok_or_else(|| format!("{file}: front matter is not closed by `---`"))?;
    let mut fields = BTreeMap::new();
    for line in front.lines().filter(|l| !l.trim().is_empty()) {
        let (key, value) = line
            .split_once(':')
            .ok_or_else(|| format!("{file}: front matter line `{line}` is not `key: value`"))?;
        if fields
            .insert(key.trim().to_string(), value.trim().to_string())
            .is_some()
        {
            return Err(format!("{file}: `{}` is given twice", key.trim()));
        }
    }
    let mut take = |key: &str| {
        fields
            .remove(key)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| format!("{file}: front matter needs a non-empty `{key}`"))
    };
    let id = take("id")?;
    let title = take("title")?;
    let hint = take("hint")?;
    let action = match take("action")?.as_str() {
        "none" => StepAction::None,
        "up" => StepAction::Up,
        "test" => StepAction::Test,
        "find" => StepAction::Find,
        "fix" => StepAction::Fix,
        "rotate" => StepAction::Rotate,
        "export" => StepAction::Export,
        "teardown" => StepAction::Teardown,
        other => {
            return Err(format!(
                "{file}: unknown action `{other}` (none, up, test, find, fix, rotate, export, teardown)"
            ))
        }
    };
    let check = match take("check")?.as_str() {
        "none" => StepCheck::None,
        "function_ready" => StepCheck::FunctionReady,
        "secret_read" => StepCheck::SecretRead,
        "plaintext_found" => StepCheck::PlaintextFound,
        "plaintext_moved" => StepCheck::PlaintextMoved,
        "rotated" => StepCheck::Rotated,
        "export_written" => StepCheck::ExportWritten,
        "lab_removed" => StepCheck::LabRemoved,
        other => {
            return Err(format!(
                "{file}: unknown check `{other}` (none, function_ready, secret_read, plaintext_found, plaintext_moved, rotated, export_written, lab_removed)"
            ))
        }
    };
    if let Some(extra) = fields.keys().next() {
        return Err(format!("{file}: unknown front matter key `{extra}`"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
    {
        return Err(format!(
            "{file}: id `{id}` must be lower-case letters, digits and `-`"
        ));
    }
    Ok(Step {
        file: file.to_string(),
        id,
        title,
        action,
        hint,
        check,
        body: body.trim_start_matches('\n').to_string(),
    })
}

/// All steps, checked: parseable and with unique ids.
pub fn load_steps() -> Result<Vec<Step>, String> {
    let steps = STEP_FILES
        .iter()
        .map(|(file, text)| parse_step(file, text))
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = std::collections::BTreeSet::new();
    for step in &steps {
        if !seen.insert(step.id.clone()) {
            return Err(format!("{}: id `{}` is used twice", step.file, step.id));
        }
    }
    Ok(steps)
}

/// Replace `{{name}}` placeholders; unknown ones are reported, never left silently.
pub fn fill(body: &str, values: &BTreeMap<&str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or("a `{{` placeholder is not closed")?;
        let key = after[..end].trim();
        let value = values
            .get(key)
            .ok_or_else(|| format!("unknown placeholder `{{{{{key}}}}}`"))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The placeholders a step may use.
pub const PLACEHOLDERS: &[&str] = &[
    "account",
    "region",
    "partition",
    "name",
    "secret_name",
    "role_name",
    "policy_name",
    "trust_policy_json",
    "policy_json",
    "handler_code",
    "handler_language",
    "handler_file",
    "handler_fence",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Catalogue linter: every shipped step parses, ids are unique, hints are present,
    /// every action and check is known, and every placeholder is one the runner fills.
    #[test]
    fn every_step_file_is_valid() {
        let steps = load_steps().unwrap();
        assert_eq!(steps.len(), STEP_FILES.len());
        let values: BTreeMap<&str, String> =
            PLACEHOLDERS.iter().map(|k| (*k, "x".to_string())).collect();
        for step in &steps {
            assert!(!step.hint.is_empty(), "{}", step.file);
            fill(&step.body, &values).unwrap_or_else(|e| panic!("{}: {e}", step.file));
        }
        let actions: Vec<_> = steps.iter().map(|s| s.action).collect();
        for wanted in [
            StepAction::Up,
            StepAction::Test,
            StepAction::Find,
            StepAction::Fix,
            StepAction::Export,
            StepAction::Teardown,
        ] {
            assert!(actions.contains(&wanted), "no step runs {wanted:?}");
        }
    }

    #[test]
    fn step_files_on_disk_are_all_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lab-steps");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".md"))
            .collect();
        on_disk.sort();
        let embedded: Vec<String> = STEP_FILES.iter().map(|(f, _)| f.to_string()).collect();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn rejects_bad_front_matter() {
        assert!(parse_step("a.md", "no front matter").is_err());
        assert!(parse_step("a.md", "---\nid: a\n---\nbody").is_err());
        let bad_action = "---\nid: a\ntitle: t\naction: dance\nhint: h\ncheck: none\n---\nbody";
        assert!(parse_step("a.md", bad_action)
            .unwrap_err()
            .contains("dance"));
        let good = "---\nid: a\ntitle: t\naction: up\nhint: h\ncheck: function_ready\n---\nbody";
        assert_eq!(parse_step("a.md", good).unwrap().action, StepAction::Up);
    }

    #[test]
    fn fill_reports_unknown_placeholders() {
        let values = BTreeMap::from([("name", "lab".to_string())]);
        assert_eq!(fill("a {{name}} b", &values).unwrap(), "a lab b");
        assert!(fill("{{nope}}", &values).is_err());
    }
}
